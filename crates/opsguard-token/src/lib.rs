#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod cache;
pub mod claims;
pub mod clock;
pub mod denylist;
mod error;
pub mod issue;
mod json;
pub mod jwks;
pub mod key;
mod random;
pub mod refresh;
pub mod verify;

pub use cache::VerifyCache;
pub use claims::{
    AccessClaims, FamilyId, Identity, RefreshClaims, ServiceClaims, Subject, TokenUse,
};
pub use error::{ReuseDetected, StoreError, TokenError};
pub use issue::{IssuedToken, Issuer};
pub use key::{Algorithm, KeySet, KeyState, SigningKey, VerifyingKey};
pub use refresh::{RefreshRotation, TokenPair};
pub use verify::Verifier;
