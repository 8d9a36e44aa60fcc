#!/usr/bin/env bash
# Where an idle stream's memory goes: the server's live heap per connection, class by class, with N idle clients
# against N/2 (both after a full GC), and optionally a JFR allocation profile and native memory tracking.
#
#   sse-bench/run-idle-profile.sh OUT_PREFIX [TRANSPORT] [N]
#
# TRANSPORT is netty (default) or raw, N the idle clients (default 16,000). The clients are plain sockets held by a
# small python3 script (GET /events, read the greeting, then only read): unlike `load`, they stay connected while
# the histograms are taken. Writes OUT_PREFIX.{hN,hHalf} (jcmd GC.class_histogram), OUT_PREFIX.rss (VmRSS in KiB)
# and prints the classes whose live bytes per connection differ by 4 bytes or more.
# Environment: SERVER_OPTS (default the run-scenarios.sh server's: -Xms2g -Xmx2g -XX:+AlwaysPreTouch), PORT
# (default 18320), JFR=1 (also record connect, greeting and two 10 s heartbeats with JFR's profile settings, whose
# jdk.ObjectAllocationSample events show what is allocated, garbage included: OUT_PREFIX.jfr), NMT=1 (also run
# with -XX:NativeMemoryTracking=summary: OUT_PREFIX.{n0,nN,nHalf}). Build first:
#   ./mvnw -B -q -DskipTests package -pl sse-bench -am
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
transport=${2:-netty}
n=${3:-16000}
port=${PORT:-18320}
url=http://127.0.0.1:$port
opts=${SERVER_OPTS:--Xms2g -Xmx2g -XX:+AlwaysPreTouch}
[[ -n "${NMT:-}" ]] && opts="$opts -XX:NativeMemoryTracking=summary"
work=$(mktemp -d)
server=
holder=

cleanup() {
  exec 3>&- 2>/dev/null || true
  [[ -n "$holder" ]] && { kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; }
  [[ -n "$server" ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/hold.py" <<'EOF'
# Holds N idle SSE clients; on "half" from stdin closes half of them, on "quit" exits.
import selectors, socket, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
socks, pending, commands = [], set(), []
request = b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
def pump(timeout):
    for key, _ in sel.select(timeout):
        s = key.fileobj
        try:
            data = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:
            sel.unregister(s)
            s.close()
        elif s in pending and b"connected" in data:
            pending.discard(s)
opened = 0
while opened < n:
    while opened < n and len(pending) < 256:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
        pending.add(s)
        opened += 1
    pump(0.05)
while pending:
    pump(0.1)
print("greeted", len(socks), flush=True)
threading.Thread(target=lambda: commands.extend(line.strip() for line in sys.stdin), daemon=True).start()
while True:
    pump(0.2)
    while commands:
        command = commands.pop(0)
        if command == "half":
            for s in socks[len(socks) // 2:]:
                sel.unregister(s)
                s.close()
            socks = socks[:len(socks) // 2]
            print("now", len(socks), flush=True)
        elif command == "quit":
            sys.exit(0)
EOF

cat > "$work/diff.py" <<'EOF'
import re, sys
def load(path):
    counts = {}
    for line in open(path):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            name = re.sub(r'\$\$Lambda\$\d+/0x[0-9a-f]+', '$$Lambda', m.group(3))
            old = counts.get(name, (0, 0))
            counts[name] = (old[0] + int(m.group(1)), old[1] + int(m.group(2)))
    return counts
full, half, per = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
rows = sorted((((full.get(k, (0, 0))[1] - half.get(k, (0, 0))[1]) / per,
                (full.get(k, (0, 0))[0] - half.get(k, (0, 0))[0]) / per, k) for k in set(full) | set(half)),
              reverse=True)
print(f"live heap per connection: {sum(r[0] for r in rows):.0f} bytes")
for size, count, name in rows:
    if abs(size) >= 4:
        print(f"{size:8.1f} B {count:6.2f} objects  {name}")
EOF

rss() { awk '/VmRSS/{print $2}' "/proc/$server/status"; }
gc() { curl -fs "$url/bench/gc" > /dev/null; }
snapshot() {
  gc
  echo "$1 $(rss)" >> "$out.rss"
  jcmd "$server" GC.class_histogram > "$out.$1"
  if [[ -n "${NMT:-}" ]]; then jcmd "$server" VM.native_memory summary > "$out.n${1#h}"; fi
}

# shellcheck disable=SC2086
java $opts -jar sse-bench/target/sse-bench.jar server --transport "$transport" --port "$port" \
  > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "$url/bench/info" > /dev/null && break; sleep 0.2; done
: > "$out.rss"
snapshot h0
if [[ -n "${JFR:-}" ]]; then jcmd "$server" JFR.start name=idle settings=profile > /dev/null; fi
mkfifo "$work/commands"
python3 "$work/hold.py" "$port" "$n" < "$work/commands" > "$work/hold.log" 2>&1 &
holder=$!
exec 3> "$work/commands"
for _ in $(seq 1200); do grep -q greeted "$work/hold.log" && break; sleep 0.5; done
grep -q greeted "$work/hold.log" || { echo "the clients did not connect: $(cat "$work/hold.log")" >&2; exit 1; }
if [[ -n "${JFR:-}" ]]; then
  sleep 22 # two heartbeats of the bench server's 10 s
  jcmd "$server" JFR.dump name=idle filename="$(realpath "$out").jfr" > /dev/null
fi
snapshot hN
echo half >&3
for _ in $(seq 600); do grep -q now "$work/hold.log" && break; sleep 0.5; done
for _ in $(seq 100); do
  clients=$(curl -fs "$url/bench/info" | sed -E 's/.*"clients":([0-9]+).*/\1/')
  [[ "$clients" -le $((n / 2)) ]] && break
  sleep 0.2
done
snapshot hHalf
echo quit >&3
echo "$transport, $n idle clients against $((n / 2)), server $opts; load average $(cut -d' ' -f1 /proc/loadavg)"
python3 "$work/diff.py" "$out.hN" "$out.hHalf" $((n / 2))
echo "VmRSS KiB: $(tr '\n' ' ' < "$out.rss")"
