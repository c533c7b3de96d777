//! Name to index lookup without hashing: names bucketed by length, compared
//! as two machine words.

/// Names mapped to indices, bucketed by byte length. Within a bucket a name
/// is compared as its first and last 8 bytes (two `u64` comparisons, exact
/// for names of up to 16 bytes, which covers every role and most actions),
/// then byte by byte only when longer. Lookups allocate nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameTable {
    /// Sorted by (length, name).
    entries: Box<[Entry]>,
    /// `buckets[len]`: the range of `entries` whose names are `len` bytes.
    buckets: Box<[(u32, u32)]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: (u64, u64),
    name: Box<str>,
    index: u32,
}

/// The first and the last 8 bytes of `bytes` as words, or, for names
/// shorter than 8 bytes, their bytes in one word. Two names of the same
/// length up to 16 bytes are equal exactly when their keys are.
#[inline]
fn key(bytes: &[u8]) -> (u64, u64) {
    match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        (Some(head), Some(tail)) => (u64::from_ne_bytes(*head), u64::from_ne_bytes(*tail)),
        _ => (
            bytes
                .iter()
                .fold(0u64, |word, &b| (word << 8) | u64::from(b)),
            0,
        ),
    }
}

impl NameTable {
    /// A table of `names` (each with its index); names are distinct.
    pub(crate) fn new(names: impl IntoIterator<Item = (Box<str>, u32)>) -> Self {
        let mut entries: Vec<Entry> = names
            .into_iter()
            .map(|(name, index)| Entry {
                key: key(name.as_bytes()),
                name,
                index,
            })
            .collect();
        entries.sort_unstable_by(|a, b| (a.name.len(), &a.name).cmp(&(b.name.len(), &b.name)));
        let longest = entries.last().map_or(0, |e| e.name.len());
        let mut buckets = vec![(0u32, 0u32); longest + 1];
        for (at, entry) in (0u32..).zip(&entries) {
            if let Some(bucket) = buckets.get_mut(entry.name.len()) {
                if bucket.1 == bucket.0 {
                    *bucket = (at, at);
                }
                bucket.1 = at + 1;
            }
        }
        Self {
            entries: entries.into(),
            buckets: buckets.into(),
        }
    }

    /// The index of `name`.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        let &(start, end) = self.buckets.get(name.len())?;
        let bucket = self.entries.get(start as usize..end as usize)?;
        let bytes = name.as_bytes();
        let wanted = key(bytes);
        bucket
            .iter()
            .find(|e| e.key == wanted && (bytes.len() <= 16 || e.name.as_bytes() == bytes))
            .map(|e| e.index as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_name_and_nothing_else() {
        let long = "credentials:rotate-every-key";
        let names = [
            "jobs:read",
            "jobs:run",
            "a",
            "jobs:rea",
            "jobs:reae",
            "",
            long,
            "credentials:rotate-other--key",
            "sixteen-bytes-ab",
            "seventeen-bytes-a",
        ];
        let table = NameTable::new(names.iter().zip(0u32..).map(|(n, i)| ((*n).into(), i)));
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(name), Some(i), "{name:?}");
        }
        for other in [
            "jobs:reaf",
            "b",
            "jobs:read ",
            "x".repeat(300).as_str(),
            // Same first and last 8 bytes and length as `long`.
            "credentials:rotate-Xvery-key",
            "sixteen-bytes-ac",
            "seventeen-bytes-b",
            "seventeen-Xytes-a",
            "\0",
        ] {
            assert_eq!(table.get(other), None, "{other:?}");
        }
        let empty = NameTable::new([]);
        assert_eq!(empty.get(""), None);
        assert_eq!(empty.get("a"), None);
    }

    #[test]
    fn keys_are_exact_up_to_sixteen_bytes() {
        assert_ne!(key(b"ab"), key(b"ba"));
        assert_ne!(key(b"abcdefghij"), key(b"abcdefghiX"));
        assert_ne!(key(b"abcdefghijklmnop"), key(b"abcdefghXjklmnop"));
        assert_eq!(key(b"abc"), key(b"abc"));
    }
}
