//! Re-encrypting a whole column under the primary key, resumably.

use std::fmt;

use crate::{CryptoError, Keyring, Sealed};

/// What happened to one item of a [`Rotation`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Rotated<Id> {
    /// Already sealed with the primary key; nothing to write.
    Current {
        /// The item's id.
        id: Id,
    },
    /// Could not be re-encrypted; the stored value is unchanged and still
    /// needs attention (usually [`CryptoError::Decrypt`]: a wrong context, a
    /// corrupted value, or a key no longer in the ring).
    Failed {
        /// The item's id.
        id: Id,
        /// Why.
        error: CryptoError,
    },
    /// Re-encrypted: store `sealed` in place of the old value.
    Rewritten {
        /// The item's id.
        id: Id,
        /// The new sealed value, under the primary key.
        sealed: Sealed,
    },
}

impl<Id> Rotated<Id> {
    /// The item's id, whatever happened to it.
    pub fn id(&self) -> &Id {
        match self {
            Self::Current { id } | Self::Failed { id, .. } | Self::Rewritten { id, .. } => id,
        }
    }
}

/// Counts of one [`Rotation`] so far.
///
/// They cover this run only. A run resumed with
/// [`resume_after`](Rotation::resume_after) counts the items before its
/// resume point as `skipped`, whatever happened to them in the run before:
/// an item that failed there is not counted as failed here. Persist the
/// failures of each run (the ids of [`Rotated::Failed`] items) with its
/// checkpoint, or, before retiring a key, run the verification pass that
/// [`Keyring::rotate`] describes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationStats {
    /// Items already under the primary key.
    pub current: u64,
    /// Items that could not be re-encrypted.
    pub failed: u64,
    /// Items re-encrypted.
    pub rewritten: u64,
    /// Items skipped because their id was at or before the resume point.
    pub skipped: u64,
}

/// A batch re-encryption over `(id, context, sealed)` items; see
/// [`Keyring::rotate`].
///
/// It is an iterator of [`Rotated`] outcomes, one per item, in input order.
/// Every item is reported, failures included: the batch never stops at a
/// bad item and never drops one silently. [`checkpoint`](Self::checkpoint)
/// is the id of the last item reported (or the resume point, before any),
/// to persist together with the rewritten values so a restarted job can
/// continue after it ([`resume_after`](Self::resume_after) or a
/// `WHERE id > ?` query). [`stats`](Self::stats) count this run only.
pub struct Rotation<'k, I, Id> {
    keyring: &'k Keyring,
    items: I,
    resume_after: Option<Id>,
    checkpoint: Option<Id>,
    stats: RotationStats,
}

impl Keyring {
    /// Re-encrypt a column under the primary key, item by item.
    ///
    /// `items` yields `(id, context, sealed)`: the row id, the context the
    /// value was sealed under, and the stored bytes, ordered by id if you
    /// want to resume by id. Values already under the primary key are
    /// reported as [`Rotated::Current`] without being decrypted; the others
    /// are opened and sealed again ([`Keyring::reencrypt`]), the plaintext
    /// never leaving a wiped buffer.
    ///
    /// Retire an old key only after a **verification pass over the whole
    /// column** (not resumed) finds no value that
    /// [`needs_reencrypt`](Keyring::needs_reencrypt), with every rewrite
    /// committed: a value that could not be rewritten is still sealed under
    /// its old key. A single run's [`RotationStats`] are not enough when the
    /// job was resumed: a value that failed before the resume point is not
    /// counted by the resumed run. `needs_reencrypt` reads only the header,
    /// so the pass is cheap; a full `rotate` without a resume point also
    /// serves, and names the values it cannot open.
    ///
    /// For an async source (a `Stream` of rows), map each row with
    /// [`Keyring::reencrypt_if_needed`] instead.
    ///
    /// ```
    /// use opsguard_crypto::{Key, Keyring, Rotated};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (old, new) = (Key::from_bytes(&[1; 32])?, Key::from_bytes(&[2; 32])?);
    /// let before = Keyring::builder().with_key(1, old).with_primary(1).build()?;
    /// let mut rows: Vec<(u64, String, Vec<u8>)> = (1..=4)
    ///     .map(|id| {
    ///         let context = format!("credentials.password:{id}");
    ///         let sealed = before.seal(b"pw", &context)?.into_bytes();
    ///         Ok((id, context, sealed))
    ///     })
    ///     .collect::<Result<_, opsguard_crypto::CryptoError>>()?;
    ///
    /// // Deploy a keyring with the new key as primary and the old one kept.
    /// let after = Keyring::builder()
    ///     .with_key(1, Key::from_bytes(&[1; 32])?)
    ///     .with_key(2, new)
    ///     .with_primary(2)
    ///     .build()?;
    ///
    /// // Rotate in chunks of two, persisting the checkpoint after each chunk.
    /// let mut checkpoint = None;
    /// loop {
    ///     let chunk: Vec<_> = rows
    ///         .iter()
    ///         .filter(|(id, _, _)| checkpoint.is_none_or(|c| *id > c))
    ///         .take(2)
    ///         .map(|(id, ctx, sealed)| (*id, ctx.clone(), sealed.clone()))
    ///         .collect();
    ///     if chunk.is_empty() {
    ///         break;
    ///     }
    ///     let mut rotation = after.rotate(chunk);
    ///     for outcome in rotation.by_ref() {
    ///         if let Rotated::Rewritten { id, sealed } = outcome {
    ///             rows[id as usize - 1].2 = sealed.into_bytes(); // UPDATE ... WHERE id = ?
    ///         }
    ///     }
    ///     assert_eq!(rotation.stats().failed, 0); // persist failures with the checkpoint
    ///     checkpoint = rotation.checkpoint().copied(); // COMMIT, with the checkpoint
    /// }
    /// // The verification pass over every row, before key 1 may be retired.
    /// assert!(rows.iter().all(|(_, _, sealed)| !after.needs_reencrypt(sealed)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn rotate<I, Id, C, S>(&self, items: I) -> Rotation<'_, I::IntoIter, Id>
    where
        I: IntoIterator<Item = (Id, C, S)>,
        C: AsRef<[u8]>,
        S: AsRef<[u8]>,
    {
        Rotation {
            keyring: self,
            items: items.into_iter(),
            resume_after: None,
            checkpoint: None,
            stats: RotationStats::default(),
        }
    }
}

impl<I, Id> Rotation<'_, I, Id> {
    /// Skip every item whose id is at or before `checkpoint` (counted as
    /// [`RotationStats::skipped`]), for a source that starts again from the
    /// beginning after a restart. Ids must then arrive in ascending order.
    /// The [`checkpoint`](Self::checkpoint) starts at this point.
    #[must_use]
    pub fn resume_after(mut self, checkpoint: Id) -> Self {
        self.resume_after = Some(checkpoint);
        self
    }

    /// The id of the last item reported so far (rewritten, current or
    /// failed); before the first, the point given to
    /// [`resume_after`](Self::resume_after), or `None` without one. It never
    /// goes behind the resume point, so a run that finds nothing left does
    /// not erase the place a caller persisted.
    pub fn checkpoint(&self) -> Option<&Id> {
        self.checkpoint.as_ref().or(self.resume_after.as_ref())
    }

    /// The counts of this run so far (see [`RotationStats`]).
    pub fn stats(&self) -> RotationStats {
        self.stats
    }
}

impl<I, Id, C, S> Iterator for Rotation<'_, I, Id>
where
    I: Iterator<Item = (Id, C, S)>,
    Id: Ord + Clone,
    C: AsRef<[u8]>,
    S: AsRef<[u8]>,
{
    type Item = Rotated<Id>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (id, context, sealed) = self.items.next()?;
            if self.resume_after.as_ref().is_some_and(|after| id <= *after) {
                self.stats.skipped = self.stats.skipped.saturating_add(1);
                continue;
            }
            self.checkpoint = Some(id.clone());
            let outcome = match self.keyring.reencrypt_if_needed(sealed, context) {
                Ok(None) => {
                    self.stats.current = self.stats.current.saturating_add(1);
                    Rotated::Current { id }
                }
                Ok(Some(sealed)) => {
                    self.stats.rewritten = self.stats.rewritten.saturating_add(1);
                    Rotated::Rewritten { id, sealed }
                }
                Err(error) => {
                    tracing::warn!(
                        target: "opsguard::crypto",
                        "a sealed value could not be re-encrypted; it keeps its old key"
                    );
                    self.stats.failed = self.stats.failed.saturating_add(1);
                    Rotated::Failed { id, error }
                }
            };
            return Some(outcome);
        }
    }
}

impl<I, Id: fmt::Debug> fmt::Debug for Rotation<'_, I, Id> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rotation")
            .field("keyring", self.keyring)
            .field("resume_after", &self.resume_after)
            .field("checkpoint", &self.checkpoint)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}
