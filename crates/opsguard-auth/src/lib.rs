#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod audit;
mod bearer;
mod client_ip;
mod clock;
mod directory;
mod endpoint;
mod error;
mod flows;
mod guard;
mod password_check;
mod principal;
mod throttle;

pub use audit::{
    AuditEvent, AuditKind, AuditSink, MemorySink, Resource, Severity, TracingSink, record_or_log,
};
pub use bearer::{BearerToken, MAX_TOKEN_LEN, parse_authorization};
pub use client_ip::{
    ClientIpResolver, ClientIpResolverBuilder, MIN_TRUSTED_PREFIX_V4, MIN_TRUSTED_PREFIX_V6,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use directory::{Directory, MemoryDirectory, UserRecord};
pub use endpoint::{
    JWKS_CACHE_CONTROL, LoginRequest, RefreshRequest, TOKEN_RESPONSE_HEADERS, TokenBody,
};
pub use error::{AuthError, StoreError};
pub use flows::{Authenticator, AuthenticatorBuilder, ClientInfo};
pub use guard::{OpsGuard, OpsGuardBuilder};
pub use password_check::PasswordCheck;
pub use principal::{Principal, authenticate};
pub use throttle::{
    Attempt, Counter, FailureLimit, Lockout, MemoryThrottleStore, Throttle, ThrottleKey,
    ThrottlePolicy, ThrottlePolicyBuilder, ThrottleScope, ThrottleStore, Throttled,
};
