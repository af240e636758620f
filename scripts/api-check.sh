#!/usr/bin/env bash
# The API against its own OpenAPI document: schemathesis (PyPI) generates requests for every operation from
# the published schema, with a valid token, and checks that no answer is a server error and every answer
# (status code, content type, body, each event of the change stream) is one the document describes.
# Bounded: about 50 examples per operation. Runs the release endpoint (scripts/build.sh) on a loopback
# port over a fresh data folder, and stops it after.
#
# `POST /inbound` is left out: it takes a raw RFC 5322 message (schemathesis cannot make one) and the
# mail server's secret, not a user's token; crates/endpoint/tests covers it with real and hostile mail.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${API_CHECK_PORT:-18090}
dir=$(mktemp -d)
endpoint=target/server/endpoint
[ -x "$endpoint" ] || { echo "api-check: build the endpoint first (scripts/build.sh)" >&2; exit 1; }

"$endpoint" serve --listen "127.0.0.1:$port" --data-dir "$dir/data" --app-dir "$dir/no-app" \
  --imap-hosts 127.0.0.1 \
  > "$dir/endpoint.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
  sleep 0.1
done
token=$("$endpoint" user add "api-check@seller.example.com" --data-dir "$dir/data")

config=$PWD/scripts/schemathesis.toml
cd "$dir"
schemathesis --config-file "$config" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --exclude-path /inbound \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 50 \
  --request-timeout 5 \
  --workers 1 \
  --seed 23 \
  --no-color
