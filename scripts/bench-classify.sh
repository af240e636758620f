#!/usr/bin/env bash
# `endpoint classify` over the sample corpus on one core (taskset -c 0): messages per second with all of
# them given to one run (the corpus repeated ROUNDS times, default 40), and with one run per message as a
# script calling it for each message would do. Figures as JSON on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --profile server -p endpoint --bin endpoint
bin=target/server/endpoint
rounds="${ROUNDS:-40}"
mapfile -t samples < <(ls crates/inbound/samples/*.eml)
files=()
for _ in $(seq "$rounds"); do files+=("${samples[@]}"); done

one_run() {
  local start end
  start=$(date +%s.%N)
  taskset -c 0 "$bin" classify "${files[@]}" > /dev/null
  end=$(date +%s.%N)
  echo "$start $end"
}
per_message() {
  local start end
  start=$(date +%s.%N)
  for f in "${samples[@]}"; do taskset -c 0 "$bin" classify "$f" > /dev/null; done
  end=$(date +%s.%N)
  echo "$start $end"
}
best_batch=0
for _ in 1 2 3; do
  read -r s e < <(one_run)
  rate=$(python3 -c "print(round(${#files[@]} / ($e - $s)))")
  (( rate > best_batch )) && best_batch=$rate
done
read -r s e < <(per_message)
per_process=$(python3 -c "print(round(${#samples[@]} / ($e - $s)))")
printf '{"samples": %d, "messages_per_run": %d, "batch_msgs_per_s_best_of_3": %d, "one_process_per_message_msgs_per_s": %d, "goal_msgs_per_s": 1000}\n' \
  "${#samples[@]}" "${#files[@]}" "$best_batch" "$per_process"
