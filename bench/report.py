#!/usr/bin/python3
"""Gathers what bench/run-all's stages left in build/bench-results/ into results.json and results.csv,
and draws the headline comparisons as PNG charts (matplotlib, Agg backend: no display needed).

Inputs (any may be missing: a stage that did not run or failed is reported, not fatal):
  raw/startup_makespan.json, raw/scheduling_overhead.json, raw/access_cost.json   (bench/run-core)
  raw/data_telemetry.json                                                         (bench/run-data)
  http.log   wrk lines and exec-to-first-200 lines                                (bench/run-http)
  scan.log   the vigil scan / fail2ban-regex table                                (bench/run-scan)
  raw/models_acquire.json, raw/models_predict.json, raw/models_swap.json        (bench/run-models)
  raw/vigil_serve_latency.json, raw/vigil_scorer.json                             (bench/run-vigil)
  deploy.log the deployment tests' "[ measured ]" lines                           (tests/deploy)
  machine.txt, stages.txt                                                         (bench/run-all)

  python3 bench/report.py --results build/bench-results --charts docs/images --mode quick
"""
import argparse
import csv
import json
import math
import os
import re
import sys


def load_benchmarks(path):
    """Google Benchmark JSON: the median aggregate of each run name, or its first single run."""
    if not os.path.exists(path):
        return {}
    rows = {}
    for b in json.load(open(path))["benchmarks"]:
        agg = b.get("aggregate_name")
        if agg not in (None, "median"):
            continue
        if agg is None and b["run_name"] in rows:
            continue
        rows[b["run_name"]] = b
    return rows


def ms(b):
    return b["real_time"] * {"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1e3}[b["time_unit"]]


def ns(b):
    return ms(b) * 1e6


def cpu_ns(b):
    return b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]


def first(rows, prefix):
    return next((v for k, v in rows.items() if k == prefix or k.startswith(prefix + "/")), None)


def latency_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    if not m:
        return None
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]


def read_text(path):
    return open(path, errors="replace").read() if os.path.exists(path) else ""


def collect(results):
    figures = []

    def add(stage, figure, value, unit, subject="lifespan", peer=""):
        if value is not None:
            figures.append({"stage": stage, "figure": figure, "subject": subject, "value": round(float(value), 6),
                            "unit": unit, "peer": peer})

    raw = os.path.join(results, "raw")
    core = {}
    for f in ("startup_makespan", "scheduling_overhead", "access_cost"):
        core.update(load_benchmarks(os.path.join(raw, f + ".json")))
    for n in (10, 100, 1000):
        par = next((v for k, v in core.items() if k.startswith(f"BM_startup_parallel/n:{n}/slack_ns:50000/")), None)
        seq = next((v for k, v in core.items() if k.startswith(f"BM_startup_sequential/{n}/")), None)
        if par:
            add("core", f"startup makespan, {n} sleeping components", par["makespan_ms"], "ms")
            add("core", f"critical path, {n} sleeping components", par["cp_ms"], "ms", "critical path")
            add("core", f"makespan overhead over the critical path, {n} components", par["overhead_ms"], "ms")
            add("core", f"makespan overhead over the measured critical path, {n} components",
                par.get("overhead_measured_ms"), "ms")
            add("core", f"makespan over the oracle (pre-created thread per component), {n} components",
                par.get("over_oracle_ms"), "ms")
        oracle = next((v for k, v in core.items() if k.startswith(f"BM_startup_oracle/n:{n}/slack_ns:50000/")), None)
        if oracle:
            add("core", f"startup makespan, {n} sleeping components", oracle["makespan_ms"], "ms", "oracle")
        if seq:
            add("core", f"sequential startup, {n} sleeping components", ms(seq), "ms", "sequential")
    for k, v in core.items():
        if k.startswith("BM_noop_run/"):
            add("core", f"no-op run(), {k.split('/iterations')[0].removeprefix('BM_noop_run/')}", v["total_ms"], "ms")
        elif k.startswith(("BM_ctx_", "BM_handle_", "BM_is_", "BM_state", "BM_status")):
            add("core", k, ns(v), "ns")

    http = read_text(os.path.join(results, "http.log"))
    for m in re.finditer(r"^(lifespan|minimal-beast|fastapi)\s+([\d.]+) req/s\s+p50 (\S+)\s+p99 (\S+)", http, re.M):
        peer = "same wrk run"
        add("http", "GET /livez throughput, wrk -t2 -c64", m.group(2), "req/s", m.group(1), peer)
        add("http", "GET /livez p50", latency_ms(m.group(3)), "ms", m.group(1), peer)
        add("http", "GET /livez p99", latency_ms(m.group(4)), "ms", m.group(1), peer)
    for m in re.finditer(r"^(lifespan|minimal-beast|fastapi)\s+median ([\d.]+) ms", http, re.M):
        add("http", "exec to first 200 on /livez (median)", m.group(2), "ms", m.group(1), "same run")

    data = load_benchmarks(os.path.join(raw, "data_telemetry.json"))
    names = {"BM_record_two_producers": "record(), two producers",
             "BM_sustained_sqlite": "sustained into SQLite",
             "BM_raw_sqlite_ceiling": "raw sqlite3 prepared inserts (ceiling)",
             "BM_sustained_postgresql/events:500000/copy:1": "sustained into PostgreSQL, COPY",
             "BM_sustained_postgresql/events:500000/copy:0": "sustained into PostgreSQL, INSERT ON CONFLICT",
             "BM_flush_1m_at_shutdown": "flush of queued events at shutdown"}
    for prefix, label in names.items():
        b = next((v for k, v in data.items() if k.startswith(prefix)), None)
        if b and "items_per_second" in b:
            add("data", f"telemetry: {label}", b["items_per_second"], "events/s",
                "raw sqlite3" if "ceiling" in prefix else "lifespan")

    scan = read_text(os.path.join(results, "scan.log"))
    for m in re.finditer(r"^(vigil-t1|vigil-t2|fail2ban)\s+([\d.]+)\s+([\d.]+)\s+([\d,]+)\s+([\d,]+)", scan, re.M):
        subject = {"vigil-t1": "vigil scan, 1 thread", "vigil-t2": "vigil scan, 2 threads"}.get(m.group(1), "fail2ban-regex")
        add("scan", "scan throughput (wall)", m.group(4).replace(",", ""), "lines/s", subject, "same log, same run")
        add("scan", "scan wall time", m.group(2), "s", subject, "same log, same run")

    models = {}
    for f in ("models_acquire", "models_predict", "models_swap"):
        models.update(load_benchmarks(os.path.join(raw, f + ".json")))
    for name, subject in (("BM_acquire_model_ref", "lifespan model_ref::acquire"),
                          ("BM_peer_atomic_shared_ptr", "atomic<shared_ptr> load"),
                          ("BM_peer_shared_mutex_copy", "shared_mutex + shared_ptr copy")):
        for threads in (1, 2):
            b = models.get(f"{name}/threads:{threads}")
            if b:
                add("models", f"model handle acquire + release, threads: {threads} (cpu)", cpu_ns(b), "ns", subject,
                    "same run")
    for batch in (1, 64, 256):
        raw_b, ours = models.get(f"BM_predict_raw/{batch}"), models.get(f"BM_predict_manager/{batch}")
        if raw_b:
            add("models", f"predict, batch {batch} (cpu)", cpu_ns(raw_b) / 1e3, "us", "raw XGBoost C API", "same run")
        if ours:
            add("models", f"predict, batch {batch} (cpu)", cpu_ns(ours) / 1e3, "us", "lifespan models manager", "same run")
    b = first(models, "BM_predict_p99_swapping/pairs:40/load_nice:10/open_loop:0")  # closed loop, the default nice
    if b:
        for side, subject in (("noswap", "no swaps"), ("swap", "a swap every 20 ms")):
            add("models", "batch-1 predict p99", b[f"p99_us_{side}"], "us", subject, "same run")
            add("models", "batch-1 predict p50", b[f"p50_us_{side}"], "us", subject, "same run")
        add("models", "batch-1 predict p99, swapping / not swapping", b["p99_ratio"], "ratio")
    for swaps in (1000, 3000):
        b = first(models, f"BM_rss_after_swaps/swaps:{swaps}")
        if b:
            add("models", f"RSS after {swaps} swaps / before", b["after_over_before"], "ratio")

    events = read_text(os.path.join(results, "events.log"))
    for m in re.finditer(r"^(lifespan|fastapi) (\d+) (\d+) (\d+) (\d+) (ok|LOST)", events, re.M):
        subject = "lifespan-sim" if m.group(1) == "lifespan" else "FastAPI + uvicorn"
        add("events", f"POST /events -> SQLite, {m.group(2)} per request: accepted events/s", m.group(3), "events/s",
            subject, "same run")
        add("events", f"POST /events -> SQLite, {m.group(2)} per request: acknowledged but not stored after SIGTERM",
            max(0, int(m.group(4)) - int(m.group(5))), "events", subject)

    vigil = {}
    for f in ("vigil_serve_latency", "vigil_scorer"):
        vigil.update(load_benchmarks(os.path.join(raw, f + ".json")))
    for rate in (20000, 100000):
        b = first(vigil, f"BM_line_to_alert_latency/{rate}")
        if b:
            add("vigil", f"line written -> alert stored p50, {rate:,} lines/s", b["p50_ms"], "ms", "vigil serve")
            add("vigil", f"line written -> alert stored p99, {rate:,} lines/s", b["p99_ms"], "ms", "vigil serve")
    for name, subject in (("BM_line_rules", "rules mode"), ("BM_line_hybrid", "hybrid, one model call per line"),
                          ("BM_line_hybrid_batched", "hybrid, batched model calls")):
        b = vigil.get(name)
        if b:
            add("vigil", "CPU per line: parse + rules (+ features + score)", cpu_ns(b) / 1e3, "us", subject, "same run")

    deploy = read_text(os.path.join(results, "deploy.log"))
    for m in re.finditer(r"roll of (\d+) (\S+) replicas: (\d+) ms, (\d+) requests served during the roll, (\d+) failed", deploy):
        roll = f"rolling restart of {m.group(1)} {m.group(2)} replicas behind HAProxy"
        add("deploy", f"{roll}: failed requests", m.group(5), "requests", m.group(2))
        add("deploy", f"{roll}: requests served during the roll", m.group(4), "requests", m.group(2))
        add("deploy", f"{roll}: duration", m.group(3), "ms", m.group(2))
    for m in re.finditer(r"control without readiness delay: (\d+) failed of (\d+)", deploy):
        add("deploy", "control, no readiness delay: failed requests", m.group(1), "requests", "no readiness delay")
    for m in re.finditer(r"(SIG\w+) mid-load: (\d+) sent, (\d+) acknowledged, (\d+) stored \((\d+) in flight at the end\), (\d+) lost", deploy):
        add("deploy", f"telemetry, {m.group(1)} mid-load: acknowledged events", m.group(3), "events")
        add("deploy", f"telemetry, {m.group(1)} mid-load: acknowledged events lost", m.group(6), "events")
    measured = [line.strip() for line in deploy.splitlines() if "[ measured ]" in line]
    return figures, measured


def stamp_text(machine, mode):
    return (f"{mode} run, {machine.get('date', '?')}, {machine.get('cores', '?')} cores, load {machine.get('load_before', '?')}"
            f", tree {machine.get('tree', '?')}" + ("  (smoke run: not final figures)" if mode == "quick" else ""))


def charts(figures, out, stamp):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = []

    def value(stage, figure, subject=None):
        for f in figures:
            if f["stage"] == stage and f["figure"] == figure and (subject is None or f["subject"] == subject):
                return f["value"]
        return None

    def decade_below(values):  # a log axis starts at a power of ten, so bar lengths stay comparable
        low = min(v for v in values if v > 0)
        return 10 ** math.floor(math.log10(low))

    def finish(fig, name):
        fig.text(0.01, 0.005, stamp, fontsize=7, color="gray")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        path = os.path.join(out, name)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        drawn.append(path)

    # 1. Startup: makespan against its lower bound (critical path) and against sequential startup.
    ns_ = [n for n in (10, 100, 1000) if value("core", f"startup makespan, {n} sleeping components") is not None]
    if ns_:
        fig, ax = plt.subplots(figsize=(7, 4))
        series = [("critical path (lower bound)", "critical path, {} sleeping components", "#999999"),
                  ("lifespan parallel startup", "startup makespan, {} sleeping components", "#1f77b4"),
                  ("sequential startup", "sequential startup, {} sleeping components", "#d62728")]
        width = 0.27
        everything = []
        for i, (name, figure, color) in enumerate(series):
            ys = [value("core", figure.format(n)) or 0 for n in ns_]
            everything += ys
            bars = ax.bar([x + (i - 1) * width for x in range(len(ns_))], ys, width, label=name, color=color)
            ax.bar_label(bars, labels=[f"{y:,.0f}" for y in ys], fontsize=7, padding=2)
        ax.set_xticks(range(len(ns_)), [f"{n} components" for n in ns_])
        ax.set_yscale("log")
        ax.set_ylim(bottom=decade_below(everything))
        ax.set_ylabel("time to ready (ms, log scale)")
        ax.set_title("Startup makespan vs critical path vs sequential")
        ax.legend(fontsize=8)
        finish(fig, "bench-startup.png")

    # 2. HTTP: lifespan against a minimal Beast server and FastAPI + uvicorn, same run.
    subjects = ["lifespan", "minimal-beast", "fastapi"]
    panels = [("GET /livez throughput, wrk -t2 -c64", "requests/s", "throughput"),
              ("GET /livez p99", "ms", "p99 latency"),
              ("exec to first 200 on /livez (median)", "ms", "exec to first 200 on /livez")]
    panels = [p for p in panels if any(value("http", p[0], s) is not None for s in subjects)]
    if panels:
        fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4), squeeze=False)
        for ax, (figure, unit, title) in zip(axes[0], panels):
            ys = [value("http", figure, s) or 0 for s in subjects]
            bars = ax.bar(subjects, ys, color=["#1f77b4", "#7f7f7f", "#ff7f0e"])
            ax.bar_label(bars, labels=[f"{y:,.0f}" if y >= 100 else f"{y:.2f}" for y in ys], fontsize=7, padding=2)
            ax.set_title(title)
            ax.set_ylabel(unit)
            ax.tick_params(axis="x", labelsize=8)
        fig.suptitle("HTTP: lifespan vs minimal Beast vs FastAPI + uvicorn (same run)")
        finish(fig, "bench-http.png")

    # 3. Telemetry rates.
    tele = [f for f in figures if f["stage"] == "data"]
    if tele:
        fig, ax = plt.subplots(figsize=(7, 0.6 * len(tele) + 1.5))
        labels = [f["figure"].removeprefix("telemetry: ") for f in tele]
        xs = [f["value"] for f in tele]
        bars = ax.barh(labels, xs, color=["#7f7f7f" if "ceiling" in l else "#1f77b4" for l in labels])
        ax.bar_label(bars, labels=[f"{x:,.0f}" for x in xs], fontsize=7, padding=2)
        ax.set_xscale("log")
        ax.set_xlim(left=decade_below(xs), right=max(xs) * 4)
        ax.set_xlabel("events per second (log scale)")
        ax.invert_yaxis()
        ax.set_title("Telemetry store rates")
        finish(fig, "bench-telemetry.png")

    # 4. vigil scan against fail2ban-regex.
    scan = [f for f in figures if f["stage"] == "scan" and f["unit"] == "lines/s"]
    if scan:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        bars = ax.bar([f["subject"] for f in scan], [f["value"] for f in scan],
                      color=["#ff7f0e" if "fail2ban" in f["subject"] else "#1f77b4" for f in scan])
        ax.bar_label(bars, labels=[f"{f['value']:,.0f}" for f in scan], fontsize=7, padding=2)
        ax.set_ylabel("lines per second, wall")
        ax.set_title("vigil scan vs fail2ban-regex, same generated log")
        ax.tick_params(axis="x", labelsize=8)
        finish(fig, "bench-scan.png")
    # 5. Models: the handle against its peers, and predict latency while swapping.
    acquire = [f for f in figures if f["stage"] == "models" and f["figure"].startswith("model handle acquire")
               and "threads: 1" in f["figure"]]
    swap = [f for f in figures if f["stage"] == "models" and f["figure"] == "batch-1 predict p99"]
    panels = [p for p in ((acquire, "acquire + release, 1 thread (ns CPU)", "handle acquire vs peers", 0),
                          (swap, "batch-1 predict p99 (µs)", "predict p99 while swapping", 1)) if p[0]]
    if panels:
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
        for ax, (rows, unit, title, ours) in zip(axes[0], panels):  # `ours`: the bar of the thing measured
            bars = ax.bar([r["subject"].replace(" + ", "\n+ ") for r in rows], [r["value"] for r in rows],
                          color=["#1f77b4" if i == ours else "#7f7f7f" for i in range(len(rows))])
            ax.bar_label(bars, labels=[f"{r['value']:.1f}" for r in rows], fontsize=7, padding=2)
            ax.set_ylabel(unit)
            ax.set_title(title)
            ax.tick_params(axis="x", labelsize=7)
        fig.suptitle("Models: hot-swappable handles")
        finish(fig, "bench-models.png")
    return drawn


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--results", required=True)
    p.add_argument("--charts", required=True)
    p.add_argument("--mode", default="full")
    a = p.parse_args()
    machine = {}
    for line in read_text(os.path.join(a.results, "machine.txt")).splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            machine[k] = v
    stages = {}
    for line in read_text(os.path.join(a.results, "stages.txt")).splitlines():
        name, status, took = line.split()
        stages[name] = {"status": status, "seconds": int(took)}
    figures, measured = collect(a.results)
    report = {"mode": a.mode, "machine": machine, "stages": stages, "figures": figures, "deploy_measured": measured}
    with open(os.path.join(a.results, "results.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(a.results, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["stage", "figure", "subject", "value", "unit", "peer"])
        w.writeheader()
        w.writerows(figures)
    os.makedirs(a.charts, exist_ok=True)
    drawn = charts(figures, a.charts, stamp_text(machine, a.mode))
    for name, s in stages.items():
        print(f"stage {name:7} {s['status']:12} {s['seconds']:5d} s  {sum(1 for f in figures if f['stage'] == name)} figures")
    print(f"{len(figures)} figures: {os.path.join(a.results, 'results.json')}, results.csv")
    for path in drawn:
        print(f"chart: {path}")
    if not figures:
        print("report: no figures found (did any stage run?)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
