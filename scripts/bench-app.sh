#!/usr/bin/env bash
# The app's benchmark (benches/app.mjs): 100,000 emails and 1,000,000 events in IndexedDB, first folder
# page against the same rows as static HTML, folder switches, a search's first page and 50 saved searches
# kept up to date by one new event; then the size of the release build.
# Usage: scripts/bench-app.sh   (EMAILS=… EVENTS=… RUNS=… SETTLE_MS=… to change the workload; DIST=dir to measure
# another build of the app than dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/serve-app.sh
bench_workspace
dist=${DIST:-dist}
cp -r "$dist" "$work/app"
rep=bench@seller.example.com
token=$(target/server/endpoint user add "$rep" --data-dir "$work/data" | tail -n 1)
serve_app "$work/app" --machine-window-seconds 0
BASE="http://127.0.0.1:$port" TOKEN="$token" REP="$rep" APP_DIR="$work/app" DATA_DIR="$work/data" node benches/app.mjs
DIST="$dist" scripts/size.sh
