//! Files only the service's user may read: key files and the SQLite
//! database.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// The permission bits of `path` when group or others may access it
/// (any bit of `0o077`); `None` for a private file, one that does not
/// exist, or on a platform without Unix permissions.
pub(crate) fn loose_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Create `path` empty with mode 0600 unless it exists. An existing file
/// is left exactly as it is.
pub(crate) fn create_private(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// In production, refuse a file group or others may access, naming the
/// `setting` that points to it; elsewhere, warn about it.
pub(crate) fn require_private(
    path: &Path,
    setting: &'static str,
    production: bool,
) -> Result<(), crate::ServiceError> {
    let Some(mode) = loose_mode(path) else {
        return Ok(());
    };
    if production {
        return Err(crate::ServiceError::Config {
            setting,
            problem: "names a file that group or others can access; run chmod 600 on it",
        });
    }
    tracing::warn!(
        target: "opsconductor",
        setting,
        path = %path.display(),
        mode = format_args!("{mode:04o}"),
        "a secret file is accessible by group or others; run chmod 600 on it \
         (OPSGUARD_ENV=production refuses to start with it)"
    );
    Ok(())
}
