#!/usr/bin/python3
"""Time from exec to the first 200 on a URL path: starts the command, then connects and sends
GET PATH as fast as it can until a 200 comes back. Prints the median (and all runs) in ms.

    bench/first_200.py --runs 11 --port 18080 --path /livez -- CMD ARGS...
"""
import argparse
import socket
import statistics
import subprocess
import sys
import time


def first_200(cmd, port, path, timeout=30.0):
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    began = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - began < timeout:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(request)
                    head = s.recv(64)
                    if head.startswith(b"HTTP/1.1 200"):
                        return (time.perf_counter() - began) * 1000
            except OSError:
                pass
            time.sleep(0.0002)
        raise RuntimeError(f"no 200 on {path} within {timeout}s: {' '.join(cmd)}")
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=11)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/livez")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    runs = []
    for _ in range(a.runs):
        runs.append(first_200(cmd, a.port, a.path))
        time.sleep(0.2)  # let the port be released
    print(f"median {statistics.median(runs):.2f} ms  runs: {' '.join(f'{r:.1f}' for r in runs)}")


if __name__ == "__main__":
    sys.exit(main())
