//! Name to index lookup without hashing: names bucketed by length.

/// Names mapped to indices, bucketed by byte length, so a lookup compares
/// the bytes of at most the few names of the same length (usually one) and
/// allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameTable {
    /// Sorted by (length, name).
    entries: Box<[(Box<str>, u32)]>,
    /// `buckets[len]`: the range of `entries` whose names are `len` bytes.
    buckets: Box<[(u32, u32)]>,
}

impl NameTable {
    /// A table of `names` (each with its index); names are distinct.
    pub(crate) fn new(names: impl IntoIterator<Item = (Box<str>, u32)>) -> Self {
        let mut entries: Vec<(Box<str>, u32)> = names.into_iter().collect();
        entries.sort_unstable_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
        let longest = entries.last().map_or(0, |(name, _)| name.len());
        let mut buckets = vec![(0u32, 0u32); longest + 1];
        for (at, (name, _)) in (0u32..).zip(&entries) {
            if let Some(bucket) = buckets.get_mut(name.len()) {
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
        self.entries
            .get(start as usize..end as usize)?
            .iter()
            .find(|(candidate, _)| candidate.as_bytes() == name.as_bytes())
            .map(|&(_, index)| index as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_name_and_nothing_else() {
        let names = ["jobs:read", "jobs:run", "a", "jobs:rea", "jobs:reae", ""];
        let table = NameTable::new(names.iter().zip(0u32..).map(|(n, i)| ((*n).into(), i)));
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(name), Some(i), "{name:?}");
        }
        for other in ["jobs:reaf", "b", "jobs:read ", "x".repeat(300).as_str()] {
            assert_eq!(table.get(other), None, "{other:?}");
        }
        let empty = NameTable::new([]);
        assert_eq!(empty.get(""), None);
        assert_eq!(empty.get("a"), None);
    }
}
