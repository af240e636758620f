#!/usr/bin/env bash
# Runs the product: set-up, release build of the app and the endpoint, then `endpoint serve`.
# Settings pass through as environment variables (CC_LISTEN, CC_DATA_DIR, ...) or extra arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh
exec target/server/endpoint serve --app-dir dist "$@"
