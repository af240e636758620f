#!/usr/bin/env bash
# Release build: the app (trunk → dist/) and the endpoint (target/server/endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "==> build: app (trunk build --release)"
trunk build --release
echo "==> build: endpoint (cargo build --profile server)"
cargo build --profile server -p endpoint
