//! Hashing parameters, their secure minimums, and the ceiling applied to
//! parameters read from stored hashes.

use crate::{Error, Result};

/// Argon2id cost parameters: memory in KiB, iterations, lanes.
///
/// [`Default`] is the OWASP Password Storage Cheat Sheet minimum,
/// m = 19456 KiB (19 MiB), t = 2, p = 1, which is also the `argon2` crate's
/// default.
///
/// ```
/// use opsguard_password::Argon2Params;
///
/// let p = Argon2Params::default();
/// assert_eq!((p.memory_kib(), p.iterations(), p.parallelism()), (19_456, 2, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Argon2Params {
    /// The OWASP minimum: 19456 KiB, 2 iterations, 1 lane.
    pub const OWASP: Self = Self::new(19_456, 2, 1);

    /// The OWASP rows that are equally strong (memory KiB, iterations), each
    /// with parallelism 1. A configuration is accepted without
    /// [`dangerous_allow_weak_params`](crate::HasherBuilder::dangerous_allow_weak_params)
    /// when its memory and iterations are both at least those of one row.
    pub const OWASP_MINIMUMS: [(u32, u32); 5] = [
        (47_104, 1),
        (19_456, 2),
        (12_288, 3),
        (9_216, 4),
        (7_168, 5),
    ];

    /// Parameters as given; they are checked when a
    /// [`HasherBuilder`](crate::HasherBuilder) is built.
    #[must_use]
    pub const fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Self {
        Self {
            memory_kib,
            iterations,
            parallelism,
        }
    }

    /// Memory cost `m`, in KiB.
    #[must_use]
    pub const fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Time cost `t`, the number of passes over memory.
    #[must_use]
    pub const fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Parallelism `p`, the number of lanes.
    #[must_use]
    pub const fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// Whether these parameters meet one of [`Self::OWASP_MINIMUMS`].
    #[must_use]
    pub fn meets_owasp_minimum(&self) -> bool {
        self.parallelism >= 1
            && Self::OWASP_MINIMUMS
                .iter()
                .any(|&(m, t)| self.memory_kib >= m && self.iterations >= t)
    }

    /// The `argon2` crate's parameters, with the output length given.
    pub(crate) fn to_argon2(self, output_len: usize) -> Result<argon2::Params> {
        argon2::Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(output_len),
        )
        .map_err(|e| Error::InvalidParams {
            name: match e {
                argon2::Error::TimeTooSmall => "iterations",
                argon2::Error::ThreadsTooFew | argon2::Error::ThreadsTooMany => "parallelism",
                argon2::Error::OutputTooShort | argon2::Error::OutputTooLong => "output_len",
                _ => "memory_kib",
            },
        })
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::OWASP
    }
}

/// The bcrypt cost used when none is given: 12 (4096 rounds).
pub const DEFAULT_BCRYPT_COST: u32 = 12;
/// The lowest bcrypt cost accepted for new hashes without
/// [`dangerous_allow_weak_params`](crate::HasherBuilder::dangerous_allow_weak_params).
pub const MIN_BCRYPT_COST: u32 = 10;
/// bcrypt's own cost range.
pub(crate) const BCRYPT_COST_RANGE: std::ops::RangeInclusive<u32> = 4..=31;

/// The highest cost parameters a [`Hasher`](crate::Hasher) will run for a
/// *stored* hash.
///
/// A stored string controls how much memory and CPU a verification takes. A
/// corrupted row, a hash imported from elsewhere or an attacker who can write
/// one row could otherwise make a single login allocate 4 TiB
/// (`m=4294967295`) or run 2³¹ bcrypt rounds. Parameters above the ceiling
/// are refused with [`Error::StoredParamsAboveCeiling`] after parsing, before
/// anything is allocated.
///
/// The defaults: memory 262144 KiB (256 MiB), 10 iterations, 16 lanes,
/// bcrypt cost 15 (about 3 s on one core). The hasher's own parameters must
/// fit under its ceiling.
///
/// ```
/// use opsguard_password::ParamCeiling;
///
/// let ceiling = ParamCeiling::default().with_max_memory_kib(65_536);
/// assert_eq!(ceiling.max_memory_kib(), 65_536);
/// assert_eq!(ceiling.max_bcrypt_cost(), 15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamCeiling {
    max_memory_kib: u32,
    max_iterations: u32,
    max_parallelism: u32,
    max_bcrypt_cost: u32,
}

impl ParamCeiling {
    /// The default ceiling, as a constant.
    pub const DEFAULT: Self = Self {
        max_memory_kib: 256 * 1024,
        max_iterations: 10,
        max_parallelism: 16,
        max_bcrypt_cost: 15,
    };

    /// The highest argon2 memory cost, in KiB.
    #[must_use]
    pub const fn with_max_memory_kib(mut self, kib: u32) -> Self {
        self.max_memory_kib = kib;
        self
    }

    /// The highest argon2 iteration count.
    #[must_use]
    pub const fn with_max_iterations(mut self, iterations: u32) -> Self {
        self.max_iterations = iterations;
        self
    }

    /// The highest argon2 lane count.
    #[must_use]
    pub const fn with_max_parallelism(mut self, lanes: u32) -> Self {
        self.max_parallelism = lanes;
        self
    }

    /// The highest bcrypt cost.
    #[must_use]
    pub const fn with_max_bcrypt_cost(mut self, cost: u32) -> Self {
        self.max_bcrypt_cost = cost;
        self
    }

    /// The highest argon2 memory cost, in KiB.
    #[must_use]
    pub const fn max_memory_kib(&self) -> u32 {
        self.max_memory_kib
    }

    /// The highest argon2 iteration count.
    #[must_use]
    pub const fn max_iterations(&self) -> u32 {
        self.max_iterations
    }

    /// The highest argon2 lane count.
    #[must_use]
    pub const fn max_parallelism(&self) -> u32 {
        self.max_parallelism
    }

    /// The highest bcrypt cost.
    #[must_use]
    pub const fn max_bcrypt_cost(&self) -> u32 {
        self.max_bcrypt_cost
    }

    /// The name of the first argon2 parameter above the ceiling, if any.
    pub(crate) fn argon2_excess(&self, p: &Argon2Params) -> Option<&'static str> {
        if p.memory_kib > self.max_memory_kib {
            Some("memory_kib")
        } else if p.iterations > self.max_iterations {
            Some("iterations")
        } else if p.parallelism > self.max_parallelism {
            Some("parallelism")
        } else {
            None
        }
    }

    /// Whether a bcrypt cost is above the ceiling.
    pub(crate) fn bcrypt_excess(&self, cost: u32) -> Option<&'static str> {
        (cost > self.max_bcrypt_cost).then_some("bcrypt_cost")
    }
}

impl Default for ParamCeiling {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owasp_rows_are_accepted_and_below_them_is_not() {
        for (m, t) in Argon2Params::OWASP_MINIMUMS {
            assert!(Argon2Params::new(m, t, 1).meets_owasp_minimum());
            assert!(!Argon2Params::new(m - 1, t, 1).meets_owasp_minimum());
        }
        assert!(!Argon2Params::new(19_455, 2, 1).meets_owasp_minimum());
        assert!(!Argon2Params::new(47_103, 1, 1).meets_owasp_minimum());
        assert!(!Argon2Params::new(7_167, 100, 1).meets_owasp_minimum());
        assert!(!Argon2Params::new(19_456, 2, 0).meets_owasp_minimum());
        assert!(Argon2Params::new(9_216, 5, 1).meets_owasp_minimum());
    }

    #[test]
    fn ceiling_names_the_first_excess() {
        let c = ParamCeiling::default();
        assert_eq!(c.argon2_excess(&Argon2Params::OWASP), None);
        assert_eq!(
            c.argon2_excess(&Argon2Params::new(u32::MAX, 1, 1)),
            Some("memory_kib")
        );
        assert_eq!(
            c.argon2_excess(&Argon2Params::new(1024, 11, 1)),
            Some("iterations")
        );
        assert_eq!(
            c.argon2_excess(&Argon2Params::new(1024, 1, 17)),
            Some("parallelism")
        );
        assert_eq!(c.bcrypt_excess(15), None);
        assert_eq!(c.bcrypt_excess(16), Some("bcrypt_cost"));
    }

    #[test]
    fn invalid_argon2_params_name_the_parameter() {
        let name = |p: Argon2Params| match p.to_argon2(32) {
            Err(Error::InvalidParams { name }) => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(name(Argon2Params::new(7, 1, 1)), "memory_kib");
        assert_eq!(name(Argon2Params::new(64, 1, 9)), "memory_kib");
        assert_eq!(name(Argon2Params::new(64, 0, 1)), "iterations");
        assert_eq!(name(Argon2Params::new(64, 1, 0)), "parallelism");
        assert!(Argon2Params::new(64, 1, 8).to_argon2(32).is_ok());
        assert!(matches!(
            Argon2Params::new(64, 1, 1).to_argon2(3),
            Err(Error::InvalidParams { name: "output_len" })
        ));
    }
}
