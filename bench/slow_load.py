#!/usr/bin/python3
"""Slow-handler load with a SIGTERM in the middle (issue 18): CLIENTS keep-alive clients loop on
GET PATH (default /work?ms=200, a handler that takes 200 ms), one more client polls a probe, and
SIGTERM goes to PID after SIGTERM_AFTER seconds. Prints one JSON object:

  rps              2xx responses per second before SIGTERM
  p50_ms, p99_ms   latency of those responses
  in_flight        requests in flight at the instant SIGTERM was sent
  in_flight_failed of those, how many got no response (reset or EOF): the drain bar is 0
  failed_after     requests that got no response after SIGTERM (those in flight at SIGTERM, and
                   those sent later on a connection still open)
  rejected         responses with status 503 (queue full, timeout or drain deadline), any time
  probe_p99_ms     latency p99 of PROBE during the load, before SIGTERM

A client stops when the server closes its connection after SIGTERM and refuses a new one.

    bench/slow_load.py --port 18080 --pid 1234 --clients 50 --sigterm-after 5
"""
import argparse
import http.client
import json
import os
import signal
import statistics
import threading
import time


class client:
    def __init__(self, port, path):
        self.port, self.path = port, path
        self.latencies, self.statuses = [], []
        self.failed_after_sigterm = 0
        self.sending = None        # the sequence number of the request in flight, or None
        self.answered = set()      # sequence numbers that got a response
        self.seq = 0

    def run(self, stop, sigterm_sent):
        conn = None
        while not stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                try:
                    conn.connect()
                except OSError:      # refused: the listener is closed, the server is going away
                    if sigterm_sent.is_set():
                        return
                    time.sleep(0.01)
                    conn = None
                    continue
            self.seq += 1
            began = time.perf_counter()
            self.sending = self.seq
            try:
                conn.request("GET", self.path)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                self.sending = None
                if sigterm_sent.is_set():
                    self.failed_after_sigterm += 1
                conn.close()
                conn = None
                continue
            self.answered.add(self.seq)
            self.sending = None
            if not sigterm_sent.is_set():
                self.latencies.append((time.perf_counter() - began) * 1000)
            self.statuses.append(response.status)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def probe_loop(port, path, stop, sigterm_sent, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set() and not sigterm_sent.is_set():
        began = time.perf_counter()
        try:
            conn.request("GET", path)
            conn.getresponse().read()
            out.append((time.perf_counter() - began) * 1000)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        time.sleep(0.005)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, help="process to send SIGTERM to; none: run --duration and stop")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--path", default="/work?ms=200")
    parser.add_argument("--probe", default="/readyz", help="empty: no probe client")
    parser.add_argument("--sigterm-after", type=float, default=5.0)
    parser.add_argument("--drain-budget", type=float, default=15.0, help="seconds after SIGTERM before giving up")
    args = parser.parse_args()

    stop, sigterm_sent = threading.Event(), threading.Event()
    clients = [client(args.port, args.path) for _ in range(args.clients)]
    threads = [threading.Thread(target=c.run, args=(stop, sigterm_sent), daemon=True) for c in clients]
    probes = []
    if args.probe:
        threads.append(threading.Thread(target=probe_loop, args=(args.port, args.probe, stop, sigterm_sent, probes),
                                        daemon=True))
    began = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(args.sigterm_after)
    loaded_for = time.perf_counter() - began
    in_flight = [(c, c.sending) for c in clients if c.sending is not None]
    if args.pid:
        sigterm_sent.set()
        os.kill(args.pid, signal.SIGTERM)
        deadline = time.perf_counter() + args.drain_budget
        for t in threads:
            t.join(max(0.0, deadline - time.perf_counter()))
    stop.set()
    for t in threads:
        t.join(1.0)

    latencies = [ms for c in clients for ms in c.latencies]
    ok = sum(1 for c in clients for s in c.statuses[:len(c.latencies)] if 200 <= s < 300)
    print(json.dumps({
        "clients": args.clients,
        "rps": round(ok / loaded_for, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "in_flight": len(in_flight),
        "in_flight_failed": sum(1 for c, seq in in_flight if seq not in c.answered),
        "failed_after": sum(c.failed_after_sigterm for c in clients),
        "rejected": sum(1 for c in clients for s in c.statuses if s == 503),
        "probe_p99_ms": round(percentile(probes, 99), 2) if probes else None,
        "still_running": sum(1 for t in threads if t.is_alive()),
    }))


if __name__ == "__main__":
    main()
