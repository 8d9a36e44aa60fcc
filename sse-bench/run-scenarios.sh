#!/usr/bin/env bash
# Runs load scenarios against a fresh server per run and appends each run's JSON line to a results file.
#
#   sse-bench/run-scenarios.sh RESULTS.jsonl SCENARIO...
#
# Environment: TRANSPORTS (default "raw netty"; also jetty, tomcat, the idle floors jetty-idle, tomcat-idle, webflux and its sink-based peer webflux-sink), RUNS per scenario and transport (default 1), PORT (default 18000),
# TIMEOUT seconds per run (default 180), JAR (the bench jar; default sse-bench/target/sse-bench.jar, for an A/B of two builds), SERVER_ARGS (more server options, e.g. "--queue-events 4096"),
# SERVER_OPTS (JVM options; default: a fixed, pre-touched 2 GiB heap, so that the server's RSS growth per client is
# its off-heap memory, and the heap's share is read from the heap after a GC), LOAD_OPTS (JVM options of the load
# tool) and LOAD_ARGS (more load options, e.g. "--h2c 100 --gzip on", for the warm-up and the measured run).
# Runs alternate between the transports so that both see the same machine. Build first:
#   ./mvnw -B -q -DskipTests package -pl sse-bench -am
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${JAR:-sse-bench/target/sse-bench.jar}
out=$1
shift
port=${PORT:-18000}
runs=${RUNS:-1}
timeout=${TIMEOUT:-180}
url=http://127.0.0.1:$port
server=

stop_server() {
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
  fi
}
trap stop_server EXIT

for scenario in "$@"; do
  for run in $(seq "$runs"); do
    for transport in ${TRANSPORTS:-raw netty}; do
      # shellcheck disable=SC2086
      java ${SERVER_OPTS:--Xms2g -Xmx2g -XX:+AlwaysPreTouch} -jar "$jar" server --transport "$transport" --port "$port" ${SERVER_ARGS:-} \
        > "sse-bench/target/server-$transport.log" 2>&1 &
      server=$!
      for _ in $(seq 100); do
        curl -fs "$url/bench/info" > /dev/null && break
        sleep 0.1
      done
      echo "== $scenario on $transport, run $run (server pid $server)" >&2
      # A short warm-up so that the measured run finds the server's code compiled (the -idle floors take no burst).
      warmup_events=2000
      [[ "$transport" == *-idle ]] && warmup_events=0
      # shellcheck disable=SC2086
      java ${LOAD_OPTS:-} -jar "$jar" load --url "$url" --clients 200 --events "$warmup_events" --timeout 60 ${LOAD_ARGS:-} \
        > /dev/null 2>&1 || echo "== the warm-up failed" >&2
      # shellcheck disable=SC2086
      timeout $((timeout + 30)) java ${LOAD_OPTS:-} -jar "$jar" load --url "$url" --preset "$scenario" \
        --server-pid "$server" --timeout "$timeout" --out "$out" ${LOAD_ARGS:-} 2> >(grep -v '^[0-9]* s: received' >&2 || true) \
        || echo "== $scenario on $transport, run $run: the load run failed" >&2
      stop_server
    done
  done
done
