#!/usr/bin/env bash
# Installs everything Command Center needs to build, run and test, on a fresh Debian machine.
# Idempotent: each step is skipped when already satisfied at the right version, so a second run takes
# seconds. A cold run takes about 17 minutes on 2 cores (most of it compiling trunk).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
AIOSMTPD_VERSION=1.4.6
SCHEMATHESIS_VERSION=4.32.5
BROTLI_PY_VERSION=1.2.0
DKIMPY_VERSION=1.1.8
PYNACL_VERSION=1.6.2

step() { printf '\n==> setup: %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }

step "Rust toolchain from rust-toolchain.toml (with the wasm32 target)"
toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -qx wasm32-unknown-unknown \
    && rustup component list --installed --toolchain "$toolchain" 2>/dev/null | grep -q '^clippy' \
    && rustup component list --installed --toolchain "$toolchain" 2>/dev/null | grep -q '^rustfmt'; then
  ok "rust $toolchain with wasm32-unknown-unknown, clippy and rustfmt"
else
  rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy \
    --target wasm32-unknown-unknown
fi

step "Chromium and ChromeDriver (Debian) for browser tests"
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  ok "$(/usr/bin/chromium --version 2>/dev/null | tail -n 1)"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends chromium chromium-driver
fi

step "Dovecot (Debian) for the mailbox tests: the tests start their own, never the system's"
if [ -x /usr/sbin/dovecot ] && [ -x /usr/bin/doveadm ] && [ -x /usr/lib/dovecot/imap ] && command -v setpriv >/dev/null; then
  ok "$(/usr/sbin/dovecot --version 2>/dev/null)"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends dovecot-imapd util-linux
  # The package may start a system server on ports 143/993: the tests need none.
  if command -v systemctl >/dev/null && systemctl is-active --quiet dovecot 2>/dev/null; then
    systemctl disable --now dovecot || true
  fi
fi

step "SpamAssassin (Debian) to score the mail the endpoint sends, network tests off"
if command -v spamassassin >/dev/null; then
  ok "$(spamassassin --version 2>/dev/null | head -1)"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends spamassassin
  # The package may start a daemon: the tests run the command alone.
  if command -v systemctl >/dev/null && systemctl is-active --quiet spamassassin 2>/dev/null; then
    systemctl disable --now spamassassin || true
  fi
fi

step "aiosmtpd $AIOSMTPD_VERSION (the real SMTP server the tests start)"
if python3 -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  ok "aiosmtpd $AIOSMTPD_VERSION"
else
  python3 -m pip install --quiet "aiosmtpd==$AIOSMTPD_VERSION"
fi

step "schemathesis $SCHEMATHESIS_VERSION (checks the API against its OpenAPI document)"
if schemathesis --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
  ok "schemathesis $SCHEMATHESIS_VERSION"
else
  python3 -m pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

step "dkimpy $DKIMPY_VERSION with PyNaCl $PYNACL_VERSION (the independent DKIM verifier of the tests)"
if python3 -c "import dkim, nacl, sys; from importlib.metadata import version as v; sys.exit(v('dkimpy') != '$DKIMPY_VERSION')" 2>/dev/null; then
  ok "dkimpy $DKIMPY_VERSION"
else
  python3 -m pip install --quiet "dkimpy==$DKIMPY_VERSION" "pynacl==$PYNACL_VERSION"
fi

step "Brotli $BROTLI_PY_VERSION for Python (the endpoint benchmark reads the API's brotli answers)"
if python3 -c "import brotli, sys; sys.exit(brotli.__version__ != '$BROTLI_PY_VERSION')" 2>/dev/null; then
  ok "Brotli $BROTLI_PY_VERSION"
else
  python3 -m pip install --quiet "Brotli==$BROTLI_PY_VERSION"
fi

step "Rust crates (trunk builds offline)"
cargo fetch --quiet
ok "crates fetched"

step "trunk $TRUNK_VERSION (cold: ~11 minutes)"
if trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
  ok "trunk $TRUNK_VERSION"
else
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

step "wasm-bindgen-cli at the Cargo.lock version (cold: ~2 minutes)"
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wbg_version"; then
  ok "wasm-bindgen $wbg_version"
else
  # Not --locked: its own lockfile names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$wbg_version"
fi

step "npm packages: Playwright and binaryen's wasm-opt (never a browser download)"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f node_modules/.lock-sum ] && [ "$(cat node_modules/.lock-sum)" = "$lock_sum" ]; then
  ok "node_modules matches package-lock.json"
else
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.lock-sum
fi
ok "$(node_modules/.bin/wasm-opt --version)"

printf '\n==> setup: done\n'
