//! `rotate-keys`: re-encrypt every stored credential password under the
//! keyring's primary key, one batch (one transaction) at a time.
//!
//! Safe to interrupt and to run again: each batch commits on its own, and a
//! value already under the primary key is recognised from its header alone
//! and left as it is, so a second run skips the work the first one did.

use std::ops::ControlFlow;

use opsguard::crypto::{Keyring, Rotated};

use crate::db::Db;
use crate::db::credentials::{self, Resealed, password_context};
use crate::{Config, ServiceError, keys};

/// Where a rotation stands, counted from its start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationProgress {
    /// Batches committed.
    pub batches: u64,
    /// Passwords re-encrypted under the primary key.
    pub rewritten: u64,
    /// Passwords already under the primary key (not decrypted).
    pub current: u64,
    /// Passwords that could not be re-encrypted; they keep their old key,
    /// which must stay in the keyring.
    pub failed: u64,
    /// The highest credential id handled.
    pub last_id: i64,
    /// Whether every credential has been handled.
    pub complete: bool,
}

/// Re-encrypt every credential password in the database of `config` under
/// the primary key of its keyring, `batch_size` credentials per
/// transaction, in id order.
///
/// After each committed batch, `after_batch` sees the progress; returning
/// [`ControlFlow::Break`] stops the rotation there (what an interruption
/// does; the next run continues where this one stopped).
///
/// # Errors
///
/// Key and database errors. Credentials that cannot be re-encrypted are
/// not errors: they are counted in [`RotationProgress::failed`] and logged
/// with their id.
pub async fn rotate_keys(
    config: &Config,
    batch_size: u32,
    after_batch: impl FnMut(&RotationProgress) -> ControlFlow<()>,
) -> Result<RotationProgress, ServiceError> {
    let keyring = keys::keyring(config)?;
    let db = Db::connect(config).await?;
    let rotated = match db.migrate().await {
        Ok(()) => rotate(&db, &keyring, batch_size.max(1), after_batch).await,
        Err(err) => Err(err),
    };
    db.close().await;
    rotated
}

async fn rotate(
    db: &Db,
    keyring: &Keyring,
    batch_size: u32,
    mut after_batch: impl FnMut(&RotationProgress) -> ControlFlow<()>,
) -> Result<RotationProgress, ServiceError> {
    let mut progress = RotationProgress::default();
    loop {
        let rows = credentials::page_sealed(db, progress.last_id, i64::from(batch_size)).await?;
        let Some((last_id, _)) = rows.last() else {
            progress.complete = true;
            return Ok(progress);
        };
        let last_id = *last_id;

        // opsguard-crypto's batch helper: one outcome per row, in order.
        let items = rows
            .iter()
            .map(|(id, sealed)| (*id, password_context(*id), sealed));
        let mut resealed = Vec::new();
        for outcome in keyring.rotate(items) {
            match outcome {
                Rotated::Rewritten { id, sealed } => resealed.push(Resealed {
                    id,
                    old: original(&rows, id),
                    new: sealed.into_bytes(),
                }),
                Rotated::Current { .. } => progress.current += 1,
                Rotated::Failed { id, .. } => {
                    progress.failed += 1;
                    tracing::warn!(
                        target: "opsconductor",
                        credential_id = id,
                        "credential password could not be re-encrypted; it keeps its old key"
                    );
                }
                // An outcome this version does not know: not done.
                _ => progress.failed += 1,
            }
        }
        progress.rewritten += credentials::replace_sealed(db, &resealed).await?;
        progress.batches += 1;
        progress.last_id = last_id;
        if after_batch(&progress).is_break() {
            return Ok(progress);
        }
    }
}

/// The sealed value read for row `id` of this batch.
fn original(rows: &[(i64, Vec<u8>)], id: i64) -> Vec<u8> {
    rows.iter()
        .find(|(row_id, _)| *row_id == id)
        .map(|(_, sealed)| sealed.clone())
        .unwrap_or_default()
}
