#!/usr/bin/python3
"""Exec cost of lifespan-sim builds, A/B alternated (the order flips every round, so load that other
work puts on the machine falls on every build alike). Per build, the medians of:
  --help      exec -> exit of `BIN --help`: wall time, and CPU time (user + sys, less sensitive to load);
              nearly all of it is the dynamic linker loading and binding the shared libraries;
  first 200   exec -> the first 200 on /livez of `BIN --serve --config CONFIG` (bench/first_200.py).

    bench/exec_ab.py --rounds 31 --port 18080 --config sim.yaml main=/tmp/main/lifespan-sim branch=build/release/tools/lifespan-sim/lifespan-sim

CONFIG must put the server on --port (bench/run-http's configuration: a critical component taking 2 s).
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from first_200 import first_200  # noqa: E402


def cpu_ms():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (u.ru_utime + u.ru_stime) * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=21)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--config", required=True)
    p.add_argument("builds", nargs="+", help="NAME=BINARY")
    a = p.parse_args()
    builds = [b.split("=", 1) for b in a.builds]
    wall = {n: [] for n, _ in builds}
    cpu = {n: [] for n, _ in builds}
    f200 = {n: [] for n, _ in builds}
    load_before = open("/proc/loadavg").read().split()[:3]
    for r in range(a.rounds):
        order = builds if r % 2 == 0 else builds[::-1]
        for n, binary in order:
            c, t = cpu_ms(), time.perf_counter()
            subprocess.run([binary, "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            wall[n].append((time.perf_counter() - t) * 1000)
            cpu[n].append(cpu_ms() - c)
        for n, binary in order:
            f200[n].append(first_200([binary, "--serve", "--config", a.config], a.port, "/livez"))
            time.sleep(0.2)  # let the port be released
    load_after = open("/proc/loadavg").read().split()[:3]
    print(f"{a.rounds} rounds, alternated; {os.cpu_count()} cores; load average {' '.join(load_before)} before, "
          f"{' '.join(load_after)} after")
    first = builds[0][0]
    for n, _ in builds:
        ratio = "" if n == first else f"   first 200 {statistics.median(f200[n]) / statistics.median(f200[first]):.2f}x {first}"
        print(f"{n:12s} --help wall {statistics.median(wall[n]):6.2f} ms  cpu {statistics.median(cpu[n]):5.2f} ms   "
              f"first 200 {statistics.median(f200[n]):6.2f} ms (min {min(f200[n]):.2f}, max {max(f200[n]):.2f}){ratio}")


if __name__ == "__main__":
    sys.exit(main())
