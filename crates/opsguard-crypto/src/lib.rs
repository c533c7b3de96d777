#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod envelope;
mod error;
mod key;
mod keyring;
mod load;
mod rotate;
mod sealed;

pub use backend::Backend;
pub use error::CryptoError;
pub use key::{KEY_LEN, Key};
pub use keyring::{Keyring, KeyringBuilder, MAX_ENCRYPTIONS_PER_KEY, WARN_ENCRYPTIONS_PER_KEY};
pub use load::{KEYS_ENV, PRIMARY_ENV};
pub use rotate::{Rotated, Rotation, RotationStats};
pub use sealed::Sealed;
