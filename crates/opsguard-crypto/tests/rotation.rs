//! Key rotation: single values across three key generations, and the
//! resumable batch over a column, interrupted and resumed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_crypto::{Backend, CryptoError, Key, Keyring, Rotated, RotationStats};
use secrecy::ExposeSecret as _;

fn key(n: u8) -> Key {
    Key::from_bytes(&[n; 32]).unwrap()
}

/// Keyring generation `g` (1..=3): keys 1..=g, primary g.
fn generation(g: u32, backend: Backend) -> Keyring {
    let mut b = Keyring::builder().with_backend(backend);
    for id in 1..=g {
        b = b.with_key(id, key(id as u8));
    }
    b.with_primary(g).build().unwrap()
}

fn backends() -> Vec<Backend> {
    vec![
        Backend::AesGcm,
        #[cfg(feature = "ring")]
        Backend::Ring,
    ]
}

#[test]
fn reencrypt_round_trip_across_three_key_generations() {
    for backend in backends() {
        let (g1, g2, g3) = (
            generation(1, backend),
            generation(2, backend),
            generation(3, backend),
        );
        let ctx = "credentials.password:7";
        let s1 = g1.seal(b"ssh password", ctx).unwrap();
        assert_eq!(s1.key_id(), Some(1));
        assert!(!g1.needs_reencrypt(&s1));
        assert!(g2.needs_reencrypt(&s1));

        let s2 = g2.reencrypt(&s1, ctx).unwrap();
        assert_eq!(s2.key_id(), Some(2));
        assert!(!g2.needs_reencrypt(&s2));
        assert!(g3.needs_reencrypt(&s2));
        assert!(g1.open(&s2, ctx).is_err(), "generation 1 lacks key 2");

        let s3 = g3.reencrypt(&s2, ctx).unwrap();
        assert_eq!(s3.key_id(), Some(3));
        // Generation 3 opens every generation's value.
        for s in [&s1, &s2, &s3] {
            assert_eq!(g3.open(s, ctx).unwrap().expose_secret(), b"ssh password");
        }
        // Once keys 1 and 2 are retired, only the rotated value opens.
        let retired = Keyring::builder()
            .with_key(3, key(3))
            .with_primary(3)
            .with_backend(backend)
            .build()
            .unwrap();
        assert_eq!(
            retired.open(&s3, ctx).unwrap().expose_secret(),
            b"ssh password"
        );
        assert!(matches!(retired.open(&s1, ctx), Err(CryptoError::Decrypt)));
        // Re-encryption keeps the context binding.
        assert!(g3.reencrypt(&s1, "credentials.password:8").is_err());
        assert!(g3.open(&s3, "credentials.password:8").is_err());
        // A value already under the primary is left alone by the helper.
        assert!(g3.reencrypt_if_needed(&s3, ctx).unwrap().is_none());
        let again = g3.reencrypt_if_needed(&s1, ctx).unwrap().unwrap();
        assert_eq!(again.key_id(), Some(3));
    }
}

/// A column of `n` rows sealed under a mix of generations 1 and 2.
fn column(n: u64) -> Vec<(u64, String, Vec<u8>)> {
    let (g1, g2) = (
        generation(1, Backend::AesGcm),
        generation(2, Backend::AesGcm),
    );
    (1..=n)
        .map(|id| {
            let ctx = format!("credentials.password:{id}");
            let k = if id % 2 == 0 { &g1 } else { &g2 };
            let sealed = k.seal(format!("pw-{id}").as_bytes(), &ctx).unwrap();
            (id, ctx, sealed.into_bytes())
        })
        .collect()
}

fn apply(rows: &mut [(u64, String, Vec<u8>)], outcome: Rotated<u64>) {
    if let Rotated::Rewritten { id, sealed } = outcome {
        rows[(id - 1) as usize].2 = sealed.into_bytes();
    }
}

#[test]
fn batch_rotation_interrupted_and_resumed_in_the_middle() {
    let g3 = generation(3, Backend::AesGcm);
    let mut rows = column(10);
    // Row 4 is under generation 3 already.
    rows[3].2 = g3
        .seal(b"pw-4", "credentials.password:4")
        .unwrap()
        .into_bytes();

    // First run: the job dies after six rows; the checkpoint it persisted
    // with its last commit is row 6.
    let checkpoint = {
        let mut rotation = g3.rotate(rows.clone());
        for outcome in rotation.by_ref().take(6) {
            apply(&mut rows, outcome);
        }
        assert_eq!(
            rotation.stats(),
            stats(1, 0, 5, 0),
            "rows 1-6: one current, five rewritten"
        );
        *rotation.checkpoint().unwrap()
    };
    assert_eq!(checkpoint, 6);
    // Rows 7-10 still need work, rows 1-6 do not.
    let pending: Vec<u64> = rows
        .iter()
        .filter(|(_, _, s)| g3.needs_reencrypt(s))
        .map(|(id, _, _)| *id)
        .collect();
    assert_eq!(pending, [7, 8, 9, 10]);

    // Second run: the source starts from the beginning again.
    let mut rotation = g3.rotate(rows.clone()).resume_after(checkpoint);
    let mut seen = Vec::new();
    for outcome in rotation.by_ref() {
        seen.push(*outcome.id());
        apply(&mut rows, outcome);
    }
    assert_eq!(seen, [7, 8, 9, 10]);
    assert_eq!(rotation.stats(), stats(0, 0, 4, 6));
    assert_eq!(rotation.checkpoint(), Some(&10));

    // Everything is under key 3 and opens to the original plaintext.
    for (id, ctx, sealed) in &rows {
        assert!(!g3.needs_reencrypt(sealed));
        assert_eq!(
            g3.open(sealed, ctx).unwrap().expose_secret(),
            format!("pw-{id}").as_bytes()
        );
    }
    // A third run finds nothing to do.
    let mut rotation = g3.rotate(rows.clone());
    assert!(
        rotation
            .by_ref()
            .all(|o| matches!(o, Rotated::Current { .. }))
    );
    assert_eq!(rotation.stats(), stats(10, 0, 0, 0));
}

#[test]
fn failing_items_are_reported_and_do_not_stop_the_batch() {
    let g3 = generation(3, Backend::AesGcm);
    let mut rows = column(5);
    rows[1].1 = "credentials.password:999".into(); // moved row: wrong context
    rows[2].2.truncate(10); // corrupted
    rows[3].2[5] = 42; // key id that no longer exists
    let mut rotation = g3.rotate(rows);
    let outcomes: Vec<Rotated<u64>> = rotation.by_ref().collect();
    let failed: Vec<u64> = outcomes
        .iter()
        .filter_map(|o| match o {
            Rotated::Failed { id, error } => {
                assert!(matches!(error, CryptoError::Decrypt));
                Some(*id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(failed, [2, 3, 4]);
    assert_eq!(outcomes.len(), 5);
    assert_eq!(rotation.stats(), stats(0, 3, 2, 0));
    assert_eq!(rotation.checkpoint(), Some(&5));
}

/// The checkpoint never goes behind the resume point: a resumed run that
/// finds nothing after it still reports it, so a caller that persists
/// `checkpoint()` after every run keeps its place instead of overwriting
/// it with `None` and starting over.
#[test]
fn checkpoint_never_goes_behind_the_resume_point() {
    let g3 = generation(3, Backend::AesGcm);
    let rows = column(6);

    let mut rotation = g3.rotate(rows.clone()).resume_after(6);
    assert_eq!(rotation.checkpoint(), Some(&6));
    assert_eq!(rotation.by_ref().count(), 0);
    assert_eq!(rotation.checkpoint(), Some(&6));
    assert_eq!(rotation.stats(), stats(0, 0, 0, 6));

    // A source that already filters (`WHERE id > ?`) and found no rows.
    let mut rotation = g3
        .rotate(Vec::<(u64, String, Vec<u8>)>::new())
        .resume_after(6);
    assert_eq!(rotation.by_ref().count(), 0);
    assert_eq!(rotation.checkpoint(), Some(&6));

    // Past the resume point, the checkpoint is the last item reported.
    let mut rotation = g3.rotate(rows.clone()).resume_after(4);
    assert_eq!(rotation.checkpoint(), Some(&4));
    assert_eq!(rotation.next().map(|o| *o.id()), Some(5));
    assert_eq!(rotation.checkpoint(), Some(&5));
    assert_eq!(rotation.by_ref().count(), 1);
    assert_eq!(rotation.checkpoint(), Some(&6));

    // Without a resume point and before any item there is none.
    let mut rotation = g3.rotate(Vec::<(u64, String, Vec<u8>)>::new());
    assert_eq!(rotation.by_ref().count(), 0);
    assert_eq!(rotation.checkpoint(), None);
}

/// Stats count one run. A run resumed after a crash cannot know that an
/// item before its resume point failed in the run before it, so it reports
/// no failure; the full verification pass the README prescribes before a
/// key is retired finds that item.
#[test]
fn a_resumed_run_counts_its_own_items_and_a_full_pass_finds_earlier_failures() {
    let g3 = generation(3, Backend::AesGcm);
    // Row 2 was sealed under key 7, which the deployed keyring lacks.
    let stray = Keyring::builder()
        .with_key(7, key(7))
        .with_primary(7)
        .build()
        .unwrap();
    let mut rows = column(6);
    rows[1].2 = stray
        .seal(b"pw-2", "credentials.password:2")
        .unwrap()
        .into_bytes();

    // Run 1 fails on row 2, then dies after row 3 (its last commit).
    let mut run = g3.rotate(rows.clone());
    for outcome in run.by_ref().take(3) {
        apply(&mut rows, outcome);
    }
    assert_eq!(run.stats(), stats(0, 1, 2, 0));
    let checkpoint = *run.checkpoint().unwrap();
    assert_eq!(checkpoint, 3);

    // Run 2 resumes after row 3 and sees no failure of its own.
    let mut run = g3.rotate(rows.clone()).resume_after(checkpoint);
    for outcome in run.by_ref() {
        apply(&mut rows, outcome);
    }
    assert_eq!(run.stats(), stats(0, 0, 3, 3));

    // The verification pass over the whole column, with no resume point.
    let pending: Vec<u64> = rows
        .iter()
        .filter(|(_, _, sealed)| g3.needs_reencrypt(sealed))
        .map(|(id, _, _)| *id)
        .collect();
    assert_eq!(pending, [2], "key 1 and 2 may not be retired yet");
    let mut full = g3.rotate(rows.clone());
    let failed: Vec<u64> = full
        .by_ref()
        .filter(|o| matches!(o, Rotated::Failed { .. }))
        .map(|o| *o.id())
        .collect();
    assert_eq!(failed, [2]);
    assert_eq!(full.stats(), stats(5, 1, 0, 0));
}

fn stats(current: u64, failed: u64, rewritten: u64, skipped: u64) -> RotationStats {
    let mut s = RotationStats::default();
    s.current = current;
    s.failed = failed;
    s.rewritten = rewritten;
    s.skipped = skipped;
    s
}
