#!/usr/bin/env bash
# Runs every test: formatting and lints, native tests of all crates, browser tests in headless Chromium,
# and end-to-end tests of the release build served by the real endpoint. Ends with the runners' summaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
# One build per run: incremental state would only double the target folder's size on disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
mkdir -p artifacts
log=artifacts/test.log
: > "$log"

section() { printf '\n==> test: %s\n' "$*"; }
# Runs a command, showing and keeping its output.
record() { "$@" 2>&1 | tee -a "$log"; }

section "format (cargo fmt --check)"
cargo fmt --all --check

section "lints, native crates (clippy -D warnings)"
cargo clippy -p domain -p inbound -p endpoint --all-targets --quiet -- -D warnings

section "lints, the app and the domain for wasm32 (clippy -D warnings)"
cargo clippy -p domain --target wasm32-unknown-unknown --lib --quiet -- -D warnings
cargo clippy -p command-center --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

section "native tests (domain, inbound, endpoint)"
record cargo test -p domain -p inbound -p endpoint

section "browser tests (wasm-bindgen-test in headless Chromium)"
record cargo test -p command-center --target wasm32-unknown-unknown

section "release build"
scripts/build.sh

# The build is 778 KB gzip (the goal, 350 KB, is not met): a change that makes it grow is seen here, and
# the budget is raised only on purpose (690 → 700 for drafts kept per email, the token renewal in Settings,
# errors beside their field and the push that sets aside a change the endpoint refuses for good; 700 → 730
# for the people list and a person's page, and every name linking to it; 730 → 740 for desktop
# notifications; 740 → 755 for the CRM widget's page and other tabs told of what one writes; 755 → 770
# for the rep's mailbox in Settings and a reply's own words on the timelines; 770 → 780 for the bounce
# reasons of Sisimai's whole vocabulary in words, in three languages, and the suppression list in Settings
# with compose refusing a suppressed address). Bringing the page's module down
# is a design change (a worker for the search index, screens loaded on first use), not a flag.
section "size budget of the release build"
scripts/size.sh --budget 780

section "the API against its OpenAPI document (schemathesis, release endpoint)"
scripts/api-check.sh

section "end-to-end tests (Playwright, Chromium, real endpoint)"
record npx playwright test

section "summary"
# The runners' own closing lines, then one line for the whole run.
grep -E '^test result:' "$log" || true
grep -E '^ +[0-9]+ (passed|failed|flaky|skipped)' "$log" | sed 's/^ *//' || true
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
  /^ +[0-9]+ passed/ { p += $1 }
  /^ +[0-9]+ failed/ { f += $1 }
  END { printf "all: %d passed, %d failed\n", p, f }
' "$log"
