#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod chars;
mod checks;
mod email;
mod error;
mod host;
mod json;
mod name;
mod password;
mod platform;
mod policy;
mod port;
mod report;
mod request;
mod secret;
mod strict;
pub mod types;
mod username;

pub use checks::Checks;
pub use email::{EMAIL_MAX, check_email, email, normalize_email};
pub use error::Error;
pub use host::{HOST_MAX, Host, LABEL_MAX, host, public_host};
pub use json::{DEFAULT_BODY_LIMIT, deserialize_json, from_json_slice, from_json_slice_with_args};
pub use name::{NAME_MAX, check_name, name};
pub use password::check_password;
pub use platform::Platform;
pub use policy::{AddressClass, HostPolicy};
pub use port::{Port, port};
pub use report::{field_errors, report, validate};
pub use request::{
    deserialize_query, invalid_path_param, require_json_content_type, unreadable_body,
};
pub use secret::{MAX_SECRET_BYTES, check_secret};
pub use strict::non_null;
pub use username::{USERNAME_MAX, USERNAME_MIN, Username, normalize_username, username};
