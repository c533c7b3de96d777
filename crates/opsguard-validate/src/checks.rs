//! Collecting field errors by hand, for types `validator`'s derive cannot
//! fully check (the ones that hold secrets).

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::fmt;

use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

/// Builds the `ValidationErrors` of a hand-written `Validate` impl.
///
/// `validator`'s derive copies the value of every field it checks with a
/// custom function into the error (`params["value"]`), which requires
/// `Serialize`; `SecretString` does not implement it, so a struct with a
/// secret field implements `Validate` by hand, with this builder, and the
/// secret never enters an error.
///
/// ```
/// use opsguard_validate::{Checks, check_secret};
/// use secrecy::SecretString;
/// use validator::{Validate, ValidationErrors};
///
/// struct Login {
///     username: String,
///     password: SecretString,
/// }
///
/// impl Validate for Login {
///     fn validate(&self) -> Result<(), ValidationErrors> {
///         let mut checks = Checks::new();
///         checks.field("username", opsguard_validate::username(&self.username));
///         checks.field("password", check_secret(&self.password).map_err(Into::into));
///         checks.finish()
///     }
/// }
///
/// let login = Login { username: "ab".into(), password: SecretString::from("") };
/// let err = opsguard_validate::validate(&login).err();
/// let codes: Vec<_> = err.iter().flat_map(|e| e.fields()).map(|f| (f.field(), f.code())).collect();
/// assert_eq!(codes, [("password", "invalid_secret"), ("username", "invalid_username")]);
/// ```
#[derive(Default)]
pub struct Checks {
    errors: ValidationErrors,
}

impl Checks {
    /// No errors yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Record `result` as a check of `field`; several checks of one field
    /// keep every error, in the order recorded.
    pub fn field(&mut self, field: &'static str, result: Result<(), ValidationError>) -> &mut Self {
        if let Err(err) = result {
            self.error(field, err);
        }
        self
    }

    /// Record one error of `field`.
    pub fn error(&mut self, field: &'static str, error: ValidationError) -> &mut Self {
        match self.errors.errors_mut().entry(Cow::Borrowed(field)) {
            Entry::Vacant(slot) => {
                slot.insert(ValidationErrorsKind::Field(vec![error]));
            }
            Entry::Occupied(mut slot) => {
                // A field recorded as nested already reports its own errors;
                // `validator` itself never mixes the two kinds on one key.
                if let ValidationErrorsKind::Field(list) = slot.get_mut() {
                    list.push(error);
                }
            }
        }
        self
    }

    /// Validate `value` (a struct, or a list of structs) as the nested
    /// field `field`, as `#[validate(nested)]` does. Skipped when `field`
    /// already has errors of its own, like the derive.
    pub fn nested<T: Validate + ?Sized>(&mut self, field: &'static str, value: &T) -> &mut Self {
        if let Entry::Vacant(slot) = self.errors.errors_mut().entry(Cow::Borrowed(field))
            && let Err(mut inner) = value.validate()
        {
            // Lists come back wrapped under `validator`'s `_tmp_validator`
            // key; unwrap them as `ValidationErrors::merge_self` does.
            let kind = match inner.errors_mut().remove("_tmp_validator") {
                Some(list) => list,
                None => ValidationErrorsKind::Struct(Box::new(inner)),
            };
            slot.insert(kind);
        }
        self
    }

    /// Whether nothing was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when nothing was recorded, else every error.
    ///
    /// # Errors
    ///
    /// The recorded errors.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

impl fmt::Debug for Checks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields: Vec<&str> = self.errors.errors().keys().map(AsRef::as_ref).collect();
        fields.sort_unstable();
        f.debug_struct("Checks")
            .field("failed_fields", &fields)
            .finish()
    }
}
