//! The platforms a target runs: a closed set, parsed by serde.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::Port;

/// The operating system of a target.
///
/// On the wire exactly the JSON string `"linux"` or `"windows"`: any other
/// spelling (`"Linux"`, `"LINUX"`, `"linux "`, fullwidth `"ｌｉｎｕｘ"`,
/// `"windowſ"`) is refused as an unknown variant (`invalid_value`), and
/// any other JSON type as a wrong type (`invalid_type`), serde's
/// externally tagged object form of a unit variant (`{"linux":null}`)
/// included: `Deserialize` is written by hand to take a string and nothing
/// else (case VAL-08). Case variants are refused rather than folded because
/// folding is where look-alikes get in: Unicode upper-casing maps `ſ` (long
/// s) to `S`, so a check that compares `to_uppercase()` results takes
/// `windowſ` for `WINDOWS` and then stores a value no other component
/// recognises.
///
/// ```
/// use opsguard_validate::{Platform, Port};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let p: Platform = serde_json::from_str(r#""windows""#)?;
/// assert_eq!(p, Platform::Windows);
/// assert_eq!(p.default_port(), Port::WINRM_HTTPS);
/// assert!(serde_json::from_str::<Platform>(r#""Windows""#).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Platform {
    /// Linux, managed over SSH.
    Linux,
    /// Windows, managed over WinRM.
    Windows,
}

impl Platform {
    /// The wire name: `"linux"` or `"windows"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Linux => "linux",
            Self::Windows => "windows",
        }
    }

    /// The port to use when a target gives none: 22 (SSH) for Linux, 5986
    /// (WinRM over HTTPS, not the plain-HTTP 5985) for Windows.
    #[must_use]
    pub const fn default_port(self) -> Port {
        match self {
            Self::Linux => Port::SSH,
            Self::Windows => Port::WINRM_HTTPS,
        }
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(PlatformVisitor)
    }
}

/// Takes exactly the wire names; every other JSON type is `invalid_type`
/// (the visitor's default for them).
struct PlatformVisitor;

impl Visitor<'_> for PlatformVisitor {
    type Value = Platform;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`linux` or `windows`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Platform, E> {
        match v {
            "linux" => Ok(Platform::Linux),
            "windows" => Ok(Platform::Windows),
            _ => Err(E::unknown_variant(v, &["linux", "windows"])),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
