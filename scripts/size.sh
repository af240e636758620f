#!/usr/bin/env bash
# Prints the size of the release build of the app: wasm, JS, CSS and the page (index.html, which carries
# the stylesheet and the scripts that show the cache before the module runs), raw, gzip (level 9) and
# brotli (quality 11: what the endpoint sends a browser that takes it, scripts/precompress.mjs).
#   DIST=dir   measure another build of the app
#   --floor    also build and measure benches/size-floor (the same stack with no product code) and print
#              what the app's own code adds to it
#   --budget KB fail when the build's gzip total is over KB (scripts/test.sh sets it: growth is seen)
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${DIST:-dist}
[ -d "$dist" ] || { echo "no $dist/: run scripts/build.sh first" >&2; exit 1; }

# measure DIR: prints one line per file and sets total_gz.
measure() {
  local dir=$1 total_raw=0 total_br=0 raw gz br f ext work
  total_gz=0
  work=$(mktemp -d)
  printf '%-6s %10s %10s %10s  %s\n' kind raw gzip brotli file
  for ext in wasm js css html; do
    for f in "$dir"/*."$ext"; do
      [ "$ext" != html ] || [ "$(basename "$f")" = index.html ] || continue
      [ -e "$f" ] || continue
      raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
      cp "$f" "$work/file" && node scripts/precompress.mjs "$work/file" && br=$(stat -c %s "$work/file.br")
      total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
      printf '%-6s %10d %10d %10d  %s\n' "$ext" "$raw" "$gz" "$br" "$(basename "$f")"
    done
  done
  rm -r "$work"
  printf '%-6s %10d %10d %10d  (%d KB gzip, %d KB brotli)\n' total "$total_raw" "$total_gz" "$total_br" \
    $((total_gz / 1024)) $((total_br / 1024))
}

measure "$dist"
if [ "${1:-}" = --budget ]; then
  budget=${2:?--budget needs a size in KB}
  if [ $((total_gz / 1024)) -gt "$budget" ]; then
    echo "the release build is $((total_gz / 1024)) KB gzip, over its budget of $budget KB" >&2
    exit 1
  fi
  echo "within the budget of $budget KB gzip"
  exit 0
fi
[ "${1:-}" = --floor ] || exit 0
app_gz=$total_gz
source scripts/env.sh
echo "==> the stack alone (benches/size-floor)"
(cd benches/size-floor && CARGO_TARGET_DIR=../../target/size-floor trunk build --release --dist ../../target/size-floor/dist >/dev/null)
measure target/size-floor/dist
printf 'the app'"'"'s own code and data add %d KB gzip to the stack'"'"'s %d KB\n' \
  $(((app_gz - total_gz) / 1024)) $((total_gz / 1024))
