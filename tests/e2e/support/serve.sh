#!/usr/bin/env bash
# The servers of the end-to-end tests: a real SMTP server (aiosmtpd), a real IMAP server (Dovecot) and the
# real endpoint, with a fresh SQLite data folder, serving the release build. Every message the SMTP server accepts lands in
# $E2E_DIR/smtp as <n>.eml with a <n>.json envelope. Stops both when Playwright stops it.
# E2E_APP_DIR and E2E_ENDPOINT serve another build (an earlier commit's, to see a new test fail on it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
port=${E2E_PORT:-18080}
smtp_port=${E2E_SMTP_PORT:-18025}
dir=${E2E_DIR:-artifacts/e2e}
rm -rf "$dir"
mkdir -p "$dir/smtp"

# The SMTP server runs until its stdin closes: keep it open with a pipe that ends with this script.
exec 3> >(python3 crates/endpoint/tests/support/smtp_server.py --out "$dir/smtp" --port "$smtp_port" --later-count 1 > "$dir/smtp.log" 2>&1)
smtp_pipe=$!
trap 'exec 3>&-; kill $smtp_pipe 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q READY "$dir/smtp.log" 2>/dev/null && break
  sleep 0.1
done

# A real IMAP server (Dovecot) with one mailbox reps link in Settings; its folder (outside the checkout, so
# its unprivileged user can reach it) is written to $E2E_DIR/imap-dir for the tests to deliver into.
imap_dir=$(mktemp -d)
echo "$imap_dir" > "$dir/imap-dir"
bash crates/endpoint/tests/support/dovecot.sh "$imap_dir" "${E2E_IMAP_PORT:-18143}" idle \
  "inbox@seller.example.com:e2e-imap-password" > "$dir/dovecot.out" 2>&1 &
dovecot=$!
trap 'kill $dovecot 2>/dev/null || true; rm -rf "$imap_dir"; exec 3>&-; kill $smtp_pipe 2>/dev/null || true' EXIT

"${E2E_ENDPOINT:-target/server/endpoint}" serve \
  --listen "127.0.0.1:$port" \
  --data-dir "$dir/data" \
  --app-dir "${E2E_APP_DIR:-dist}" \
  --smtp-url "smtp://127.0.0.1:$smtp_port" \
  --public-url "http://127.0.0.1:$port" \
  --inbound-secret e2e-inbound-secret \
  --machine-window-seconds 0 \
  --allowed-origins "http://127.0.0.1:${E2E_HOST_PORT:-18090}" \
  --imap-hosts 127.0.0.1 \
  --send-backoff-ms 300 \
  --send-attempts 2 &
endpoint=$!
trap 'kill $endpoint $dovecot 2>/dev/null || true; rm -rf "$imap_dir"; exec 3>&-; kill $smtp_pipe 2>/dev/null || true' EXIT
wait $endpoint
