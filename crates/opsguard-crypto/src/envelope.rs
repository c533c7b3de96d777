//! The sealed-value format v1: layout, parsing and associated data.
//!
//! ```text
//! offset  size  field
//! 0       1     version   = 1
//! 1       1     alg       = 1 (AES-256-GCM)
//! 2       4     key_id    u32 big-endian
//! 6       12    nonce     random, 96 bits
//! 18      n     ciphertext (n = plaintext length)
//! 18+n    16    tag
//! ```
//!
//! Associated data = the 6 header bytes followed by the caller's context
//! bytes. The header has a fixed length, so `header || context` splits in
//! exactly one way: no two (header, context) pairs give the same AAD.

/// Format version written by this crate.
pub(crate) const VERSION_1: u8 = 1;
/// Algorithm byte for AES-256-GCM with a 96-bit nonce and a 128-bit tag.
pub(crate) const ALG_AES_256_GCM: u8 = 1;
/// Length of the authenticated header (version, alg, key id).
pub(crate) const HEADER_LEN: usize = 6;
/// Nonce length of AES-256-GCM here.
pub(crate) const NONCE_LEN: usize = 12;
/// Tag length of AES-256-GCM here.
pub(crate) const TAG_LEN: usize = 16;
/// The smallest sealed value: header, nonce and tag around an empty
/// plaintext.
pub(crate) const MIN_SEALED_LEN: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;

/// Contexts up to this length build their associated data on the stack.
const STACK_AAD: usize = 256;

/// Why a byte string is not an openable sealed value; only ever logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    TooShort,
    UnsupportedAlgorithm,
    UnsupportedVersion,
}

impl Malformed {
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnsupportedVersion => "unsupported_version",
        }
    }
}

/// The header of a v1 sealed value.
pub(crate) fn header(key_id: u32) -> [u8; HEADER_LEN] {
    let id = key_id.to_be_bytes();
    let [a, b, c, d] = id;
    [VERSION_1, ALG_AES_256_GCM, a, b, c, d]
}

/// A sealed value split into its fields, borrowed from the input.
#[derive(Debug)]
pub(crate) struct Parts<'a> {
    pub(crate) header: &'a [u8; HEADER_LEN],
    pub(crate) key_id: u32,
    pub(crate) nonce: &'a [u8; NONCE_LEN],
    pub(crate) ciphertext: &'a [u8],
    pub(crate) tag: &'a [u8; TAG_LEN],
}

/// The header fields of `sealed`, if it has a complete header. Neither the
/// version nor the algorithm is checked here.
pub(crate) fn read_header(sealed: &[u8]) -> Option<(u8, u8, u32)> {
    let (header, _) = sealed.split_first_chunk::<HEADER_LEN>()?;
    let [version, alg, a, b, c, d] = *header;
    Some((version, alg, u32::from_be_bytes([a, b, c, d])))
}

/// Split `sealed` into its v1 fields; the version and algorithm must be the
/// ones this crate knows, and the length at least [`MIN_SEALED_LEN`].
pub(crate) fn parse(sealed: &[u8]) -> Result<Parts<'_>, Malformed> {
    // Check the version first, so that a future format with another layout
    // is reported as what it is rather than as "too short".
    let (version, alg, key_id) = match read_header(sealed) {
        Some(fields) => fields,
        None if sealed.first().is_some_and(|v| *v != VERSION_1) => {
            return Err(Malformed::UnsupportedVersion);
        }
        None => return Err(Malformed::TooShort),
    };
    if version != VERSION_1 {
        return Err(Malformed::UnsupportedVersion);
    }
    if alg != ALG_AES_256_GCM {
        return Err(Malformed::UnsupportedAlgorithm);
    }
    let (header, rest) = sealed
        .split_first_chunk::<HEADER_LEN>()
        .ok_or(Malformed::TooShort)?;
    let (nonce, rest) = rest
        .split_first_chunk::<NONCE_LEN>()
        .ok_or(Malformed::TooShort)?;
    let (ciphertext, tag) = rest
        .split_last_chunk::<TAG_LEN>()
        .ok_or(Malformed::TooShort)?;
    Ok(Parts {
        header,
        key_id,
        nonce,
        ciphertext,
        tag,
    })
}

/// Call `f` with the associated data `header || context`, built on the
/// stack when it is short (the common case: `credentials.password:42`).
pub(crate) fn with_aad<R>(
    header: &[u8; HEADER_LEN],
    context: &[u8],
    f: impl FnOnce(&[u8]) -> R,
) -> R {
    let mut stack = [0u8; STACK_AAD];
    let total = HEADER_LEN.saturating_add(context.len());
    if let Some(buf) = stack.get_mut(..total)
        && let Some((head, tail)) = buf.split_first_chunk_mut::<HEADER_LEN>()
    {
        *head = *header;
        tail.copy_from_slice(context);
        return f(buf);
    }
    let mut heap = Vec::with_capacity(total);
    heap.extend_from_slice(header);
    heap.extend_from_slice(context);
    f(&heap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_version_alg_then_big_endian_key_id() {
        assert_eq!(header(0x0102_0304), [1, 1, 1, 2, 3, 4]);
        assert_eq!(header(u32::MAX), [1, 1, 0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn parse_splits_fields_at_fixed_offsets() {
        let mut sealed = header(7).to_vec();
        sealed.extend(1..=12u8); // nonce
        sealed.extend([0xaa, 0xbb, 0xcc]); // ciphertext
        sealed.extend(100..116u8); // tag
        let parts = parse(&sealed).unwrap();
        assert_eq!(parts.key_id, 7);
        assert_eq!(parts.header, &[1, 1, 0, 0, 0, 7]);
        assert_eq!(parts.nonce, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(parts.ciphertext, &[0xaa, 0xbb, 0xcc]);
        assert_eq!(parts.tag.first(), Some(&100));
        assert_eq!(parts.tag.last(), Some(&115));
    }

    #[test]
    fn parse_reports_each_structural_fault() {
        let mut ok = header(1).to_vec();
        ok.extend([0u8; NONCE_LEN + TAG_LEN]);
        assert!(parse(&ok).is_ok());
        for len in 0..MIN_SEALED_LEN {
            assert_eq!(
                parse(&ok[..len]).unwrap_err(),
                Malformed::TooShort,
                "length {len}"
            );
        }
        let mut v2 = ok.clone();
        v2[0] = 2;
        assert_eq!(parse(&v2).unwrap_err(), Malformed::UnsupportedVersion);
        assert_eq!(parse(&[0]).unwrap_err(), Malformed::UnsupportedVersion);
        let mut alg = ok.clone();
        alg[1] = 2;
        assert_eq!(parse(&alg).unwrap_err(), Malformed::UnsupportedAlgorithm);
    }

    #[test]
    fn aad_is_header_then_context_on_stack_and_heap() {
        let h = header(9);
        for len in [
            0usize,
            1,
            STACK_AAD - HEADER_LEN,
            STACK_AAD - HEADER_LEN + 1,
            1000,
        ] {
            let context: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let aad = with_aad(&h, &context, <[u8]>::to_vec);
            assert_eq!(&aad[..HEADER_LEN], &h);
            assert_eq!(&aad[HEADER_LEN..], &context[..], "context length {len}");
        }
    }
}
