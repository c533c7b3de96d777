#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod audit;
mod denylist;
mod error;
mod pool;
mod refresh;
mod stores;
mod throttle;
mod time;

pub use audit::{
    AuditPage, AuditQuery, AuditRecord, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SqlAuditLog,
};
pub use denylist::SqlDenylist;
pub use error::SqlStoreError;
pub use pool::{MIGRATIONS_TABLE, SQLITE_BUSY_TIMEOUT, SqlPool};
pub use refresh::SqlRefreshStore;
pub use stores::SqlStores;
pub use throttle::SqlThrottleStore;
