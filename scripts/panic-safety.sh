#!/usr/bin/env bash
# Panic safety in library code (STYLE.md rule 20, after cedar's panic_safety.sh).
#
# The workspace denies clippy's unwrap_used, expect_used, panic,
# indexing_slicing, todo and dbg_macro. Library code may step around one only
# with `#[expect(clippy::<lint>, reason = "...")]` directly under a
# `// PANIC SAFETY:` comment that says why it cannot panic. This script fails
# on:
#   * `allow(clippy::<panic lint>)` in library source (use `expect`, which
#     also fails once the exception is no longer needed), unless it is
#     `cfg_attr(test, ...)`;
#   * an `expect(clippy::<panic lint>)` without a reason or without a
#     `// PANIC SAFETY:` comment on one of the three lines above it;
#   * `todo!(` or `unimplemented!(` anywhere in library source.
# Library source = src/ of crates/* and examples/*; tests and benches are exempt.
set -euo pipefail
cd "$(dirname "$0")/.."

lints='unwrap_used|expect_used|panic|indexing_slicing|todo|dbg_macro'
status=0
roots=()
for d in crates examples; do [ -d "$d" ] && roots+=("$d"); done
files=$(find "${roots[@]}" -path '*/src/*' -name '*.rs' | sort)
[ -n "$files" ] || { echo "panic-safety: no library source found"; exit 1; }

for f in $files; do
  awk -v file="$f" -v lints="$lints" '
    { line[NR] = $0 }
    $0 ~ "(todo|unimplemented)!\\(" && $0 !~ "^[[:space:]]*//" {
      printf "%s:%d: todo!/unimplemented! in library code\n", file, NR; bad = 1
    }
    $0 ~ "allow\\([^)]*clippy::(" lints ")" && $0 !~ "cfg_attr\\(test" {
      printf "%s:%d: allow(clippy::...) of a panic lint; use #[expect(..., reason = \"...\")] under // PANIC SAFETY:\n", file, NR; bad = 1
    }
    $0 ~ "expect\\([^)]*clippy::(" lints ")" {
      if ($0 !~ "reason[[:space:]]*=") {
        printf "%s:%d: #[expect(clippy::...)] without a reason\n", file, NR; bad = 1
      }
      ok = 0
      for (i = NR - 1; i >= NR - 3 && i > 0; i--) if (line[i] ~ "// PANIC SAFETY:") ok = 1
      if (!ok) { printf "%s:%d: #[expect(clippy::...)] without a // PANIC SAFETY: comment above it\n", file, NR; bad = 1 }
    }
    END { exit bad }
  ' "$f" || status=1
done

exceptions=$( (grep -hEc "expect\([^)]*clippy::($lints)" $files || true) | awk '{s += $1} END {print s + 0}')
if [ "$status" -eq 0 ]; then
  echo "panic-safety: ok ($(echo "$files" | wc -l) files, $exceptions documented exceptions)"
fi
exit "$status"
