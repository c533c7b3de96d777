//! TCP ports: 1 to 65535, from a JSON number only.

use std::fmt;
use std::num::NonZeroU16;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use validator::ValidationError;

use crate::Error;

/// A TCP port, 1 to 65535.
///
/// It deserializes from a JSON **number** only, and only from an integer in
/// range: `"22"`, `"+22"`, `22.0`, `1e1`, `0`, `65536`, `-1`, `true` and
/// `null` are all refused by the type, with no coercion (case VAL-08).
/// Accepting strings would mean choosing a string grammar, and Rust's own
/// integer parsing takes `"+22"`; JSON has numbers, so a port is one.
/// (An `Option<Port>` field takes `null` as "absent" unless it uses
/// [`non_null`](crate::non_null).)
///
/// ```
/// use opsguard_validate::Port;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let port: Port = serde_json::from_str("22")?;
/// assert_eq!(port.get(), 22);
/// assert!(serde_json::from_str::<Port>("\"22\"").is_err());
/// assert!(serde_json::from_str::<Port>("0").is_err());
/// assert_eq!(serde_json::to_string(&port)?, "22");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port(NonZeroU16);

impl Port {
    /// SSH, the default for Linux targets.
    pub const SSH: Self = Self(NonZeroU16::MIN.saturating_add(21));
    /// WinRM over HTTPS, the default for Windows targets.
    pub const WINRM_HTTPS: Self = Self(NonZeroU16::MIN.saturating_add(5985));

    /// `port` as a [`Port`], or `None` for 0.
    #[must_use]
    pub const fn new(port: u16) -> Option<Self> {
        match NonZeroU16::new(port) {
            Some(p) => Some(Self(p)),
            None => None,
        }
    }

    /// The port number.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl TryFrom<u16> for Port {
    type Error = Error;

    fn try_from(port: u16) -> Result<Self, Error> {
        Self::new(port).ok_or(Error::PortRange)
    }
}

impl From<Port> for u16 {
    fn from(port: Port) -> Self {
        port.get()
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Port {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.get())
    }
}

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_u64(PortVisitor)
    }
}

struct PortVisitor;

impl Visitor<'_> for PortVisitor {
    type Value = Port;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a port number from 1 to 65535")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Port, E> {
        u16::try_from(v)
            .ok()
            .and_then(Port::new)
            .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Port, E> {
        u64::try_from(v)
            .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
            .and_then(|v| self.visit_u64(v))
    }
}

/// Check a plain `u16` port field: 0 is refused.
///
/// Prefer a [`Port`] field, which cannot hold 0 at all; this is for types
/// that keep `u16`. Usable as
/// `#[validate(custom(function = "opsguard_validate::port"))]`; the error
/// code is `invalid_port`.
///
/// ```
/// assert!(opsguard_validate::port(22).is_ok());
/// assert!(opsguard_validate::port(0).is_err());
/// ```
///
/// # Errors
///
/// `invalid_port` for 0.
pub fn port(value: u16) -> Result<(), ValidationError> {
    Port::try_from(value).map(drop).map_err(Into::into)
}
