//! Test-only record of the hash computations this thread ran, and a switch
//! that makes the next ones fail as if argon2 could not allocate its memory.
//!
//! Every argon2 and bcrypt computation of the crate goes through
//! `argon2_scheme::compute` or `bcrypt_scheme::compute`, which report here,
//! so a test can assert *which* work a call did (scheme and parameters)
//! instead of timing it.

use std::cell::{Cell, RefCell};

use crate::Argon2Params;

/// One hash computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    /// argon2 with these parameters and tag length.
    Argon2 {
        params: Argon2Params,
        output_len: usize,
    },
    /// bcrypt at this cost.
    Bcrypt { cost: u32 },
}

thread_local! {
    static LOG: RefCell<Vec<Work>> = const { RefCell::new(Vec::new()) };
    static FAILURES: Cell<usize> = const { Cell::new(0) };
}

/// Records `work`; `true` when it must fail (an injected failure).
pub(crate) fn record(work: Work) -> bool {
    LOG.with_borrow_mut(|log| log.push(work));
    FAILURES.with(|f| {
        let left = f.get();
        f.set(left.saturating_sub(1));
        left > 0
    })
}

/// The computations recorded on this thread since the last call.
pub(crate) fn take() -> Vec<Work> {
    LOG.with_borrow_mut(std::mem::take)
}

/// Makes the next `n` argon2 computations on this thread fail with
/// [`Error::Hashing`](crate::Error::Hashing).
pub(crate) fn fail_next_argon2(n: usize) {
    FAILURES.with(|f| f.set(n));
}
