# Sourced by the scripts: puts the project's pinned tools first on PATH.
# binaryen's wasm-opt from npm comes before any other (Debian's 108 miscompiles the app).
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER=/usr/bin/chromedriver
