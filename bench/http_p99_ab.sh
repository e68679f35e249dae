#!/usr/bin/env bash
# Tail latency of GET /livez, alternated (issue 3): lifespan-sim builds and bench/peers/minimal_beast in
# turn, each round holding /tmp/cpu.lock (the shared machine's lock) so that all of a round's servers
# see the same quiet machine. Per server and round: start it, `wrk -t2 -c64 -d1s` warm-up, then
# `wrk -t2 -c64 -d5s --latency`; then the medians over rounds of req/s, p50 and p99.
#
#   bench/http_p99_ab.sh [ROUNDS] [THREADS] NAME=LIFESPAN_SIM_BINARY...
#   bench/http_p99_ab.sh 6 2 main=/work/main/build/release/tools/lifespan-sim/lifespan-sim \
#                             branch=build/release/tools/lifespan-sim/lifespan-sim
#
# THREADS is http.threads of every lifespan-sim and the thread count of minimal_beast (from
# build/release/bench, next to this script's tree). wrk runs on the same cores as the servers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:?rounds}" threads="${2:?threads}"
shift 2
beast="$root/build/release/bench/minimal_beast"
port=18095
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/sim.yaml" <<Y
logging: {level: warn}
shutdown: {readiness_delay: 0s}
http: {address: 127.0.0.1, port: $port, threads: $threads}
db: {start: 20ms}
cache: {criticality: ready, requires: [db], start: 10ms}
Y

one() {  # $1 round, $2 name, $3 binary (empty: Beast)
  if [[ -z "$3" ]]; then "$beast" "$port" "$threads" >/dev/null 2>&1 &
  else "$3" --serve --config "$work/sim.yaml" >/dev/null 2>&1 &
  fi
  local pid=$!
  for _ in $(seq 250); do curl -fs "127.0.0.1:$port/livez" >/dev/null && break; sleep 0.02; done
  wrk -t2 -c64 -d1s "http://127.0.0.1:$port/livez" >/dev/null
  wrk -t2 -c64 -d5s --latency "http://127.0.0.1:$port/livez" |
    awk -v r="$1" -v n="$2" -v t="$threads" '
      function ms(v) { return v ~ /us$/ ? v / 1000 : v ~ /ms$/ ? v + 0 : v * 1000 }
      /^Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
      END { printf "%s %s %s %.0f %.3f %.3f\n", r, n, t, rps, p50, p99 }'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "round design threads req/s p50_ms p99_ms"
for r in $(seq "$rounds"); do
  exec 9>/tmp/cpu.lock; flock 9
  for spec in "$@"; do one "$r" "${spec%%=*}" "${spec#*=}"; done
  one "$r" beast ""
  flock -u 9
done | tee "$work/rounds"
echo "medians over $rounds rounds: design req/s p50_ms p99_ms"
for name in $(awk '{print $2}' "$work/rounds" | sort -u); do
  med() { awk -v n="$name" -v c="$1" '$2 == n { print $c }' "$work/rounds" | sort -g |
          awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  echo "$name $(med 4) $(med 5) $(med 6)"
done
