//! Round trips of the wire body for arbitrary messages and fields.
#![allow(clippy::unwrap_used)]

use opsguard_core::{Error, ErrorBody, ErrorKind, FieldError};
use proptest::prelude::*;

proptest! {
    #[test]
    fn validation_body_round_trips(
        fields in prop::collection::vec((".*", "[a-z_]{1,20}", ".*"), 0..6)
    ) {
        let fields: Vec<FieldError> = fields
            .into_iter()
            .map(|(f, c, m)| FieldError::new(f, c, m))
            .collect();
        let wire = Error::validation(fields.clone()).to_wire();
        let parsed = ErrorBody::from_slice(&wire.body).unwrap();
        prop_assert_eq!(parsed.error.kind, ErrorKind::Validation);
        prop_assert_eq!(&parsed.error.fields, &fields);
        prop_assert_eq!(parsed.to_vec(), wire.body);
    }

    #[test]
    fn any_message_round_trips(message in ".*") {
        let wire = Error::not_found(message.clone()).to_wire();
        let parsed = ErrorBody::from_slice(&wire.body).unwrap();
        prop_assert_eq!(parsed.error.message, message);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = ErrorBody::from_slice(&bytes);
    }
}
