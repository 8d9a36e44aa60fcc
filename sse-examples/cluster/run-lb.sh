#!/usr/bin/env bash
# Three example nodes (Netty, Jetty, Tomcat) on one redis-server, behind nginx configured for Server-Sent Events
# (nginx.conf, next to this script): open http://127.0.0.1:8080/ and kill a node to watch its pages move on.
#
#   sse-examples/cluster/run-lb.sh            # Ctrl-C stops everything
#
# Environment: PORT (nginx's, default 8080), NODE_PORT (the first node's, default 8001; the others follow),
# REDIS_PORT (default 6390). Needs nginx, redis-server and the example's jar; build it first:
#   ./mvnw -B -q -DskipTests package -pl sse-examples -am
# Everything listens on 127.0.0.1 and lives in a temporary directory that is removed at the end. ExampleLoadBalancerIT
# runs the same set-up in the build, with 300 clients, a node killed and Redis restarted under the producer.
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=sse-examples/target/sse-examples.jar
port=${PORT:-8080}
node_port=${NODE_PORT:-8001}
redis_port=${REDIS_PORT:-6390}
[[ -f $jar ]] || { echo "no $jar: build it first (see the top of this script)" >&2; exit 1; }
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)

dir=$(mktemp -d)
chmod 755 "$dir" # nginx's workers, when started as root, run as nobody and need to reach their temp dirs
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' INT TERM

wait_for() { # wait_for PORT NAME: up to a minute (a JVM starts slowly on a busy machine)
  for _ in $(seq 600); do
    (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
    sleep 0.1
  done
  echo "$2 did not start on port $1" >&2
  exit 1
}

redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" --save '' --appendonly yes --appendfsync always \
  > "$dir/redis.log" 2>&1 &
pids+=($!)
wait_for "$redis_port" redis-server

n=0
for transport in netty jetty tomcat; do
  p=$((node_port + n))
  java -jar "$jar" --transport "$transport" --port "$p" --redis "redis://127.0.0.1:$redis_port" \
    > "$dir/node-$p.log" 2>&1 &
  pids+=($!)
  echo "node $((n + 1)): $transport on http://127.0.0.1:$p/ (pid $!, log $dir/node-$p.log)"
  n=$((n + 1))
done
for n in 0 1 2; do wait_for $((node_port + n)) "node $((n + 1))"; done

sed -e "s/127\.0\.0\.1:8080/127.0.0.1:$port/" \
    -e "s/127\.0\.0\.1:8001/127.0.0.1:$node_port/" \
    -e "s/127\.0\.0\.1:8002/127.0.0.1:$((node_port + 1))/" \
    -e "s/127\.0\.0\.1:8003/127.0.0.1:$((node_port + 2))/" \
    sse-examples/cluster/nginx.conf > "$dir/nginx.conf"
"$nginx" -p "$dir" -c nginx.conf -e error.log -g 'daemon off;' &
pids+=($!)
wait_for "$port" nginx

cat <<EOT
nginx: http://127.0.0.1:$port/ (pid $!): the page, the stream at /events, and the nodes behind it
  curl -N http://127.0.0.1:$port/events                                 # a stream, through nginx
  curl -d 'hello' -H 'Idempotency-Key: k1' http://127.0.0.1:$port/events   # repeat it: sent once
  kill -9 ${pids[1]}                                                     # the Netty node: its streams move on
Ctrl-C stops everything.
EOT
wait
