#!/usr/bin/env python3
"""Per-process and per-thread CPU seconds of running processes, from Linux's /proc, between two snapshots.

    sse-bench/proc-cpu.py snapshot FILE PID...   # writes each PID's threads' utime and stime to FILE (JSON)
    sse-bench/proc-cpu.py diff FILE [TOP]       # prints, per PID of FILE, the CPU spent since: user and system
                                                 # seconds, and the TOP thread names that spent most (default 6);
                                                 # a JVM is "node N", in the order given, any other process its name;
                                                 # and its read and write system calls and context switches

run-cluster.sh takes a snapshot of every server before the measured run and prints the difference after it, so
each cluster node's CPU is known (the load tool's serverCpuSeconds is the first node's only). Thread names are as
the kernel has them (15 characters), with trailing digits and dashes folded, so a pool's threads count as one.
A thread that ended between the snapshots is not counted; one that started is counted from zero.
"""
import json
import os
import re
import sys

TICKS = os.sysconf('SC_CLK_TCK')


def task_files(pid, name):
    """{tid: text} of one /proc file of each of a process's threads; empty if it is gone."""
    result = {}
    try:
        tids = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return result
    for tid in tids:
        try:
            with open(f'/proc/{pid}/task/{tid}/{name}') as f:
                result[tid] = f.read()
        except OSError:
            continue
    return result


def threads(pid):
    """{tid: (name, utime ticks, stime ticks)} of a process's threads; empty if it is gone."""
    result = {}
    for tid, stat in task_files(pid, 'stat').items():
        name = stat[stat.index('(') + 1:stat.rindex(')')]
        fields = stat[stat.rindex(')') + 2:].split()
        result[tid] = (name, int(fields[11]), int(fields[12]))
    return result


def counts(pid):
    """A process's read and write system calls (/proc/PID/io: syscr, syscw) and its threads' context switches."""
    result = {'syscr': 0, 'syscw': 0, 'switches': 0}
    try:
        with open(f'/proc/{pid}/io') as f:
            for line in f:
                key, value = line.split(':')
                if key in result:
                    result[key] = int(value)
    except OSError:
        pass
    for status in task_files(pid, 'status').values():
        for line in status.splitlines():
            if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')):
                result['switches'] += int(line.split(':')[1])
    return result


def snapshot(path, pids):
    with open(path, 'w') as f:
        json.dump({pid: {'threads': threads(pid), 'counts': counts(pid)} for pid in pids}, f)


def diff(path, top):
    with open(path) as f:
        before = json.load(f)
    n = 0
    for pid, was in before.items():
        old = was['threads']
        now = threads(pid)
        calls = counts(pid)
        calls = {key: value - was['counts'][key] for key, value in calls.items()}
        names = {name for name, _, _ in now.values()}
        if 'java' in names or not names:
            label = f'node {n}'
            n += 1
        else:
            # the main thread's name (its id is the process's), which is the program's
            main = now.get(pid) or now.get(str(pid))
            label = main[0] if main else sorted(names)[0]
        if not now:
            print(f'== {label} (pid {pid}): gone before the second snapshot', file=sys.stderr)
            continue
        user = system = 0
        by_name = {}
        for tid, (name, utime, stime) in now.items():
            was = old.get(tid, (name, 0, 0))
            du, ds = utime - was[1], stime - was[2]
            user += du
            system += ds
            key = re.sub(r'[-#0-9]+$', '', name) or name
            by_name[key] = by_name.get(key, 0) + du + ds
        busiest = sorted(by_name.items(), key=lambda item: -item[1])[:top]
        print(f'== {label} (pid {pid}): {(user + system) / TICKS:.2f} s CPU (user {user / TICKS:.2f}, system'
              f' {system / TICKS:.2f}); {calls["syscw"]} write and {calls["syscr"]} read calls,'
              f' {calls["switches"]} context switches; by thread: '
              + ', '.join(f'{name} {ticks / TICKS:.2f}' for name, ticks in busiest), file=sys.stderr)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'snapshot':
        snapshot(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 3 and sys.argv[1] == 'diff':
        diff(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 6)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
