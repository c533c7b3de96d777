#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod decision;
mod document;
mod error;
mod explain;
mod grant;
mod lookup;
mod name;
mod policy;
mod resource;
mod shared;
mod subject;

pub use decision::{Decision, DenyReason};
pub use document::PolicyDocument;
pub use error::{Denied, InvalidSubjectId, ParseError, PolicyError};
pub use explain::{Explanation, Rule};
pub use grant::Scope;
pub use policy::Policy;
pub use resource::Resource;
pub use shared::SharedPolicy;
pub use subject::Subject;

/// The name of the administrators' role in [`Policy::opsconductor`], and the
/// role an adapter's `RequireAdmin` guard asks
/// [`Policy::require_role`] for.
///
/// Roles are data: a policy may call its administrators anything, and a
/// role that inherits `admin` passes `require_role(.., ADMIN_ROLE)` too.
pub const ADMIN_ROLE: &str = "admin";
