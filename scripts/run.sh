#!/usr/bin/env bash
# Runs the product: set-up, release build of the app and the endpoint, then `endpoint serve`.
# Settings pass through as environment variables (CC_LISTEN, CC_DATA_DIR, ...) or extra arguments.
#
# `scripts/run.sh --demo` serves a demo rep's month of selling instead (`endpoint demo`), kept in its own
# data folder (`data-demo`), with a view or a click arriving every 5 seconds; it prints the token to sign
# in with.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh
if [[ "${1:-}" == "--demo" ]]; then
  shift
  exec target/server/endpoint demo --app-dir dist --data-dir data-demo --live-seconds 5 "$@"
fi
exec target/server/endpoint serve --app-dir dist "$@"
