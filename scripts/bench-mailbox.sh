#!/usr/bin/env bash
# Reading a mailbox of 10,000 messages over IMAP (a real Dovecot on loopback) against `doveadm fetch` of the
# same messages in the same run, with the endpoint's memory as it reads. Figures as JSON on stdout.
# MESSAGES=N changes the mailbox's size.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --profile server -p endpoint --bin endpoint
exec python3 benches/mailbox.py "$@"
