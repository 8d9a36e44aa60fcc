#!/usr/bin/env bash
# HTTP/2 and compression on the Netty transport, each against its plain HTTP/1.1 counterpart, in one session:
#
#   sse-bench/run-h2-compression.sh RESULTS.jsonl
#
#   1. fanout-1k and fanout-10k over h2c (100 clients per connection, as tabs share one) against HTTP/1.1;
#   2. fanout-1k with realistic JSON events (about 300 bytes) and gzip: off, Herald's (compressed once per event for
#      every client) and Netty's HttpContentCompressor (a compressor per connection);
#   3. memory per idle connection with gzip: idle-20k off and Herald's; 2,000 idle clients for the compressor per
#      connection (its zlib state would not fit 19,000 times in the server's 2 GiB heap and off-heap).
# Environment: RUNS per configuration (default 1), TIMEOUT seconds per run (default 180). Build first:
#   ./mvnw -B -q -DskipTests package -pl sse-bench -am
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
runs=${RUNS:-1}
export TIMEOUT=${TIMEOUT:-180} TRANSPORTS=netty
scenarios=sse-bench/run-scenarios.sh

for _ in $(seq "$runs"); do
  for scenario in fanout-1k fanout-10k; do
    SERVER_ARGS="--h2c on" LOAD_ARGS="" "$scenarios" "$out" "$scenario"
    SERVER_ARGS="--h2c on" LOAD_ARGS="--h2c 100" "$scenarios" "$out" "$scenario"
  done
  json="--events 5000 --payload json"
  SERVER_ARGS="--gzip off" LOAD_ARGS="$json --gzip on" "$scenarios" "$out" fanout-1k
  SERVER_ARGS="--gzip herald" LOAD_ARGS="$json --gzip on" "$scenarios" "$out" fanout-1k
  SERVER_ARGS="--gzip connection" LOAD_ARGS="$json --gzip on" "$scenarios" "$out" fanout-1k
  SERVER_ARGS="--gzip off" LOAD_ARGS="--gzip on" "$scenarios" "$out" idle-20k
  SERVER_ARGS="--gzip herald" LOAD_ARGS="--gzip on" "$scenarios" "$out" idle-20k
  SERVER_ARGS="--gzip off" LOAD_ARGS="--gzip on --clients 2000" "$scenarios" "$out" idle-20k
  SERVER_ARGS="--gzip connection" LOAD_ARGS="--gzip on --clients 2000" "$scenarios" "$out" idle-20k
done
