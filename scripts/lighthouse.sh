#!/usr/bin/env bash
# Lighthouse (mobile, its default throttling) on the first screen a new rep sees, served by the real
# endpoint from the release build: prints each category's score and the audits that are not passed.
# Usage: scripts/lighthouse.sh   (DIST=dir to audit another build; the report is kept in artifacts/)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/serve-app.sh
bench_workspace
serve_app "${DIST:-dist}"
mkdir -p artifacts
CHROME_PATH=/usr/bin/chromium npx -y lighthouse@13.5.0 "http://127.0.0.1:$port/" --quiet --output json \
  --output-path artifacts/lighthouse.json \
  --chrome-flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
--disable-background-networking --disable-component-update --disable-sync --user-data-dir=$work/chromium" \
  2> >(grep -v -e EBADENGINE -e "npm warn" >&2)
python3 - <<'P'
import json
report = json.load(open("artifacts/lighthouse.json"))
for name, category in report["categories"].items():
    print(f"{name:16} {round(category['score'] * 100)}")
for audit in report["audits"].values():
    score = audit.get("score")
    if score is not None and score < 1 and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"):
        print(f"  - {audit['title']}: {audit.get('displayValue', '')}")
P
