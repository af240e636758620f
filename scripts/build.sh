#!/usr/bin/env bash
# Release build: the app (trunk → dist/) and the endpoint (target/server/endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "==> build: app (trunk build --release)"
trunk build --release
# Each file's gzip at the best level, made once here: the endpoint sends it as it is.
for f in dist/*.html dist/*.js dist/*.wasm dist/*.css dist/*.webmanifest dist/*.svg; do
  if [ -e "$f" ]; then gzip -9 -k -f -n "$f"; fi
done
echo "==> build: endpoint (cargo build --profile server)"
cargo build --profile server -p endpoint
