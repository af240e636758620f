#!/usr/bin/env bash
# Release build: the app (trunk → dist/) and the endpoint (target/server/endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "==> build: app (trunk build --release)"
trunk build --release
# Each file's gzip and brotli at their best levels, made once here: the endpoint sends them as they are.
compressible=()
for f in dist/*.html dist/*.js dist/*.wasm dist/*.css dist/*.webmanifest dist/*.svg; do
  if [ -e "$f" ]; then compressible+=("$f"); fi
done
gzip -9 -k -f -n "${compressible[@]}"
node scripts/precompress.mjs "${compressible[@]}"
echo "==> build: endpoint (cargo build --profile server)"
cargo build --profile server -p endpoint
