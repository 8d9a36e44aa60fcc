#!/usr/bin/env bash
# The Redis hop: runs load scenarios against three Netty bench servers that share one redis-server (each a cluster
# node, --redis), with the clients spread over the three and the burst triggered on the first, alternating with
# one Netty server without Redis. Appends each run's JSON line to a results file.
#
#   sse-bench/run-cluster.sh RESULTS.jsonl SCENARIO...
#   sse-bench/run-cluster.sh results.jsonl fanout-1k fanout-10k latency-1k-100   # issue 19's comparison
#
# Default queues unless SERVER_ARGS says otherwise; the presets' producer is paced (it awaits each broadcastPaced),
# and the load tool spreads the clients round-robin over the three nodes (load --url A,B,C).
# Environment: RUNS per scenario and setup (default 1), PORT (first node's port, default 18000; the others are
# PORT+1 and PORT+2), TIMEOUT seconds per run (default 180), LOAD_ARGS (load options after the preset's, which they
# override: "--events 100000" for a measured run long enough to leave the JIT's work behind), JAR (default sse-bench/target/sse-bench.jar: a copy of
# another build's jar runs an A/B from one checkout), WARMUP_CLIENTS, WARMUP_EVENTS and WARMUP_RUNS (the warm-up
# before each measured run: default one run of 200 clients and 2,000 events), SERVER_ARGS, SERVER_OPTS (JVM options per server;
# default -Xms1g -Xmx1g), NODE_OPTS and NODE_ARGS (more JVM and server options for the three cluster nodes only, after
# SERVER_OPTS and SERVER_ARGS: NODE_OPTS="-XX:ActiveProcessorCount=1 -XX:+UseG1GC" NODE_ARGS="--threads 1" sizes each
# node's threads for a third of the machine, as a container's CPU limit would, where by default each of the three
# JVMs sizes its event loops, compiler and GC threads for the whole machine), SETTLE (after the warm-up, wait up to
# this many seconds for every server's JIT compile queues to empty, `jcmd PID Compiler.queue`, so that the measured
# run starts with the warm-up's code compiled: three JVMs on two cores otherwise run much of it on C1's profiling
# code while their C2 queues drain; default 0, no wait), REDIS_SERVER (default redis-server). redis-server runs on
# a free loopback port with --save '' --appendonly no and is stopped at the end. After each measured run it prints every server's CPU seconds
# (user and system, and the busiest threads; sse-bench/proc-cpu.py). A %p in SERVER_OPTS becomes each server's port
# (Java 17's JFR does not expand it), so each server gets its own profile with SERVER_OPTS="-Xms1g -Xmx1g
# -XX:StartFlightRecording=filename=/tmp/node-%p.jfr,settings=profile,dumponexit=true". Build first:
#   ./mvnw -B -q -DskipTests package -pl sse-bench -am
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${JAR:-sse-bench/target/sse-bench.jar}
out=$1
shift
port=${PORT:-18000}
runs=${RUNS:-1}
timeout=${TIMEOUT:-180}
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis_dir=$(mktemp -d)
servers=()
redis=

stop_servers() {
  for pid in "${servers[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  servers=()
}
stop_all() {
  stop_servers
  if [[ -n "$redis" ]]; then
    kill "$redis" 2>/dev/null || true
    wait "$redis" 2>/dev/null || true
  fi
  rm -rf "$redis_dir"
}
trap stop_all EXIT

"${REDIS_SERVER:-redis-server}" --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
  --dir "$redis_dir" > sse-bench/target/redis.log 2>&1 &
redis=$!
for _ in $(seq 50); do
  redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break
  sleep 0.1
done

# start_server PORT [more server options]: a bench server on PORT, waited for.
start_server() {
  local p=$1
  shift
  local opts=${SERVER_OPTS:--Xms1g -Xmx1g}
  # shellcheck disable=SC2086
  java ${opts//%p/$p} -jar "$jar" server --transport netty --port "$p" ${SERVER_ARGS:-} "$@" \
    > "sse-bench/target/server-$p.log" 2>&1 &
  servers+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$p/bench/info" > /dev/null && return
    sleep 0.1
  done
}

# settle_jit: waits, up to SETTLE seconds in all, until no server has a method queued for compilation.
settle_jit() {
  local deadline=$((SECONDS + ${SETTLE:-0})) start=$SECONDS pid
  for pid in "${servers[@]}"; do
    while ((SECONDS < deadline)); do
      [[ $(jcmd "$pid" Compiler.queue 2> /dev/null | grep -c '^Empty') -ge 2 ]] && break
      sleep 0.5
    done
  done
  if [[ ${SETTLE:-0} -gt 0 ]]; then echo "== JIT queues: waited $((SECONDS - start)) s (at most $SETTLE)" >&2; fi
}

for scenario in "$@"; do
  for run in $(seq "$runs"); do
    for setup in single cluster; do
      urls=http://127.0.0.1:$port
      if [[ $setup == single ]]; then
        start_server "$port"
      else
        redis-cli -p "$redis_port" del herald:events > /dev/null
        for n in 0 1 2; do
          # shellcheck disable=SC2086
          SERVER_OPTS="${SERVER_OPTS:--Xms1g -Xmx1g} ${NODE_OPTS:-}" start_server $((port + n)) \
            --redis "redis://127.0.0.1:$redis_port" ${NODE_ARGS:-}
        done
        urls=$urls,http://127.0.0.1:$((port + 1)),http://127.0.0.1:$((port + 2))
      fi
      echo "== $scenario, $setup, run $run (servers ${servers[*]}), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
      # A short warm-up so that the measured run finds the servers' code compiled, given as long as a measured run:
      # one cut short leaves its burst running, and the measured run then gets 409.
      for _ in $(seq "${WARMUP_RUNS:-1}"); do
        # shellcheck disable=SC2086
        java ${LOAD_OPTS:-} -jar "$jar" load --url "$urls" --clients "${WARMUP_CLIENTS:-200}" \
          --events "${WARMUP_EVENTS:-2000}" --timeout "$timeout" > /dev/null 2>&1 \
          || echo "== the warm-up failed" >&2
      done
      settle_jit
      if [[ $setup == cluster ]]; then redis-cli -p "$redis_port" config resetstat > /dev/null; fi
      cpu_pids=("${servers[@]}")
      if [[ $setup == cluster ]]; then cpu_pids+=("$redis"); fi
      python3 sse-bench/proc-cpu.py snapshot sse-bench/target/cpu-before.json "${cpu_pids[@]}"
      # shellcheck disable=SC2086
      timeout $((timeout + 30)) java ${LOAD_OPTS:-} -jar "$jar" load --url "$urls" --preset "$scenario" ${LOAD_ARGS:-} \
        --server-pid "${servers[0]}" --timeout "$timeout" --out "$out" 2> >(grep -v '^[0-9]* s: received' >&2 || true) \
        || echo "== $scenario, $setup, run $run: the load run failed" >&2
      # Every server's CPU (and Redis's) during the measured run, clients' connecting included (the JSON line has
      # the first node's only, from the burst), user and system, and the threads that spent it.
      python3 sse-bench/proc-cpu.py diff sse-bench/target/cpu-before.json || true
      if [[ $setup == cluster ]]; then
        # What the measured run cost Redis, per command (the progress reports are the PUBLISH calls).
        redis-cli -p "$redis_port" info commandstats | grep -E '^cmdstat_(xadd|xread|publish|eval|evalsha):' >&2 \
          || true
      fi
      stop_servers
    done
  done
done
