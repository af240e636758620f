#!/usr/bin/env bash
# The widget's benchmark (benches/widget.mjs): a CRM page on another loopback origin with the widget for one
# contact, cold and warm, against the same page with a static 1 KB placeholder.
# Usage: scripts/bench-widget.sh   (COLD=… WARM=… runs; DIST=dir to measure another build of the app)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/serve-app.sh
bench_workspace
cp -r "${DIST:-dist}" "$work/app"
rep=bench@seller.example.com
token=$(target/server/endpoint user add "$rep" --data-dir "$work/data" | tail -n 1)
host_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
serve_app "$work/app" --allowed-origins "http://127.0.0.1:$host_port"
BASE="http://127.0.0.1:$port" TOKEN="$token" REP="$rep" HOST_PORT="$host_port" node benches/widget.mjs
