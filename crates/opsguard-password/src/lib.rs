#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod argon2_scheme;
mod bcrypt_scheme;
mod chars;
mod error;
mod hasher;
mod params;
mod policy;
#[cfg(feature = "tokio")]
mod pool;
#[cfg(test)]
mod probe;

pub use bcrypt_scheme::BCRYPT_MAX_PASSWORD_BYTES;
pub use error::{Error, Result};
pub use hasher::{Hasher, HasherBuilder, Outcome, Verification};
pub use params::{Argon2Params, DEFAULT_BCRYPT_COST, MIN_BCRYPT_COST, ParamCeiling};
pub use policy::{
    BreachedPasswords, PasswordPolicy, PasswordPolicyBuilder, PolicyContext, Violation, Violations,
};
#[cfg(feature = "tokio")]
pub use pool::AsyncHasher;
