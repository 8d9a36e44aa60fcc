#!/usr/bin/env python3
"""Summarises a JFR recording of a bench server: where the CPU went and what was allocated.

    sse-bench/jfr-summary.py RECORDING.jfr [TOP]

Reads jdk.ExecutionSample (the share of samples per method, on top of the stack and anywhere in it) and
jdk.ObjectAllocationSample (sampled bytes per class, and per class and its three innermost frames) with the JDK's
`jfr` tool. Record the server with, for example:

    TRANSPORTS=netty RUNS=1 SERVER_OPTS="-Xms2g -Xmx2g -XX:+AlwaysPreTouch \\
      -XX:StartFlightRecording=filename=/tmp/netty.jfr,settings=profile,dumponexit=true" \\
      sse-bench/run-scenarios.sh /tmp/profiled.jsonl fanout-10k
"""
import collections
import json
import subprocess
import sys


def events(recording, name):
    out = subprocess.run(['jfr', 'print', '--json', '--events', name, '--stack-depth', '40', recording],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)['recording']['events']


def frame(f):
    method = f['method']
    return method['type']['name'].split('.')[-1] + '.' + method['name']


def main():
    recording = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    samples = [e for e in events(recording, 'jdk.ExecutionSample') if e['values']['stackTrace']]
    own = collections.Counter()
    anywhere = collections.Counter()
    threads = collections.Counter()
    for e in samples:
        v = e['values']
        threads[v['sampledThread']['javaName'].rstrip('0123456789-')] += 1
        frames = v['stackTrace']['frames']
        if frames:
            own[frame(frames[0])] += 1
            for m in {frame(f) for f in frames}:
                anywhere[m] += 1
    n = max(1, len(samples))
    print('samples', len(samples), dict(threads.most_common(8)))
    print('--- on top of the stack')
    for m, c in own.most_common(top):
        print(f'{c * 100 / n:5.1f}% {m}')
    print('--- anywhere in the stack')
    for m, c in anywhere.most_common(top):
        print(f'{c * 100 / n:5.1f}% {m}')
    by_class = collections.Counter()
    by_site = collections.Counter()
    for e in events(recording, 'jdk.ObjectAllocationSample'):
        v = e['values']
        cls = v['objectClass']['name']
        frames = v['stackTrace']['frames'] if v['stackTrace'] else []
        by_class[cls] += v['weight']
        by_site[cls + ' @ ' + ' < '.join(frame(f) for f in frames[:3])] += v['weight']
    print(f'--- allocated (sampled weight) {sum(by_class.values()) / 1e6:,.1f} MB')
    for m, w in by_class.most_common(20):
        print(f'{w / 1e6:9.1f} MB {m}')
    for m, w in by_site.most_common(top):
        print(f'{w / 1e6:9.1f} MB {m}')


if __name__ == '__main__':
    main()
