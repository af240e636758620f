# Sourced by the benchmark and audit scripts. serve_app DIR [serve flags…] starts the release endpoint on a
# free loopback port over $work/data, serving the built app in DIR, and returns once it answers. Sets $port
# and $server (the caller's EXIT trap stops it); its log is $work/endpoint.log.
serve_app() {
  local app=$1
  shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  target/server/endpoint serve --listen "127.0.0.1:$port" --data-dir "$work/data" --app-dir "$app" "$@" \
    > "$work/endpoint.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
}

# bench_workspace: builds the release when it is missing, makes $work (a temporary folder), and stops the
# server and removes $work when the calling script exits.
bench_workspace() {
  [ -f dist/index.html ] && [ -x target/server/endpoint ] || scripts/build.sh
  work=$(mktemp -d)
  trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
}
