#!/usr/bin/env bash
# Endpoint benchmarks against their baselines in the same run (tracking pixel vs a bare 204 handler with wrk;
# sends/s vs a plain SMTP client into aiosmtpd; change feed of 10,000 records). Figures as JSON on stdout.
# Usage: scripts/bench-endpoint.sh [tracking|sending|feed ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (Debian package)" >&2
  $(command -v sudo || true) apt-get install -y -qq wrk >/dev/null
fi
cargo build --quiet --profile server -p endpoint --bin endpoint --example bare204
exec python3 benches/endpoint.py "$@"
