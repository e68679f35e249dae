"""The telemetry peer for bench/run-events: POST /events in FastAPI + uvicorn (Debian's python3-fastapi,
python3-uvicorn) with the design a Python team would write: the handler puts events on a bounded queue
and answers 202; one background writer thread batches them into SQLite (sqlite3, WAL, executemany in
one transaction per batch); at shutdown the writer drains the queue before the process exits.

    EVENTS_DB=/tmp/peer.db /usr/bin/python3 -m uvicorn --app-dir bench/peers fastapi_events:app --port 18083
"""
import json
import os
import queue
import sqlite3
import threading
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

QUEUE = queue.Queue(maxsize=int(os.environ.get("QUEUE_CAPACITY", "65536")))
BATCH = 1000
app = FastAPI()
state = {"writer": None, "stop": threading.Event(), "seq": 0, "lock": threading.Lock()}


def writer(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS telemetry_events (seq INTEGER PRIMARY KEY, at_us INTEGER NOT NULL,"
               " kind TEXT NOT NULL, payload TEXT NOT NULL)")
    while True:
        batch = []
        try:
            batch.append(QUEUE.get(timeout=0.05))
        except queue.Empty:
            if state["stop"].is_set():
                break
            continue
        while len(batch) < BATCH:
            try:
                batch.append(QUEUE.get_nowait())
            except queue.Empty:
                break
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO telemetry_events (seq, at_us, kind, payload) VALUES (?, ?, ?, ?)", batch)
        db.execute("COMMIT")
    db.close()


@app.on_event("startup")
async def start_writer():
    t = threading.Thread(target=writer, args=(os.environ["EVENTS_DB"],), daemon=False)
    t.start()
    state["writer"] = t


@app.on_event("shutdown")
async def drain():
    state["stop"].set()
    state["writer"].join()  # every acknowledged event is in the database before the process exits


def to_row(event):
    if not isinstance(event, dict) or not isinstance(event.get("kind"), str):
        raise ValueError('each event is an object with a string "kind" and any "payload"')
    payload = event.get("payload", "")
    with state["lock"]:
        state["seq"] += 1
        seq = state["seq"]
    return (seq, time.time_ns() // 1000, event["kind"], payload if isinstance(payload, str) else json.dumps(payload))


@app.post("/events")
async def record(request: Request):
    try:
        body = await request.json()
        rows = [to_row(e) for e in (body if isinstance(body, list) else [body])]
    except ValueError as e:
        return JSONResponse({"error": "bad event", "reason": str(e)}, status_code=400)
    for row in rows:
        try:
            QUEUE.put(row, timeout=1.0)  # block the caller up to a timeout, like lifespan's default policy
        except queue.Full:
            return JSONResponse({"error": "not recorded", "reason": "queue full"}, status_code=503)
    return JSONResponse({"accepted": len(rows)}, status_code=202)


@app.get("/readyz")
async def readyz():
    return {"ready": state["writer"] is not None}
