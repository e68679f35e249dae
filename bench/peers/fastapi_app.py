"""The comparison peer for bench/run-http: the same seed design in FastAPI + uvicorn (Debian's
python3-fastapi, python3-uvicorn): /livez answers at once, /readyz only once a 'critical component'
(a startup task taking STARTUP_SECONDS) is up, and the listener opens before it is. /work?ms=N is the
slow handler of issue 18's load: it waits N ms without holding a thread, as an outbound call would.

    /usr/bin/python3 -m uvicorn --app-dir bench/peers fastapi_app:app --port 18082 --log-level warning
"""
import asyncio
import os

from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()
state = {"ready": False}


@app.on_event("startup")
async def start_components():
    async def critical():
        await asyncio.sleep(float(os.environ.get("STARTUP_SECONDS", "0")))
        state["ready"] = True

    asyncio.get_running_loop().create_task(critical())  # the listener opens without waiting for it


@app.get("/livez")
async def livez():
    return {"status": "ok"}


@app.get("/readyz")
async def readyz():
    if state["ready"]:
        return {"ready": True}
    return JSONResponse({"ready": False, "error": "not ready"}, status_code=503)


@app.get("/work")
async def work(ms: int = 0):
    await asyncio.sleep(ms / 1000)
    return {"worked_ms": ms}
