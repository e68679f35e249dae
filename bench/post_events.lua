-- wrk script for bench/run-events: POST /events with BATCH events per request (env BATCH, default 1).
local batch = tonumber(os.getenv("BATCH") or "1")
local one = '{"kind": "page_view", "payload": {"path": "/products/42", "user": 1234, "ms": 87}}'
local items = {}
for i = 1, batch do items[i] = one end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = batch == 1 and one or ("[" .. table.concat(items, ",") .. "]")
