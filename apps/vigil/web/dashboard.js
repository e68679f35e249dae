// vigil's dashboard: plain JavaScript, no framework, no CDN. What it reads:
//   /api/status/stream server-sent events: `status` every second, the service state with every
//                      component, the mode, the pipeline's counters and queue depths, and rates
//   /models            model versions being served (polled every five seconds)
//   /debug/startup     the startup timeline (fetched until the service is RUNNING)
//   /api/stats         alerts of the last 24 hours by severity, category and client, and rates
//                      (every ten seconds; a click on a row filters the alerts by it)
//   /api/alerts        the latest alerts matching the filters
//   /api/alerts/{id}   one stored alert
//   /api/alerts/stream server-sent events: `alert` (one alert; the event id is the alert's key),
//                      resumed by the browser with Last-Event-ID after a disconnect
// With ?live=poll (proxies that buffer server-sent events, headless renderers that wait for every
// request to end) both streams are replaced by polling /health/detailed, /api/status and /api/alerts.
//
// Authentication: when vigil has auth.token, open /ui?token=... once. The token is kept in this tab's
// sessionStorage (gone with the tab), removed from the address bar at once, and sent as
// `Authorization: Bearer`; the event streams get it as ?access_token=, as EventSource cannot send
// headers (vigil accepts the query token on its stream routes only).
"use strict";

const POLL_MS = 1000;
const HISTORY = 180;      // samples kept for the charts (three minutes at one per second)
const MAX_ROWS = 500;     // alert rows kept in the table

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const svg = (tag, attrs = {}) => {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
};

const TOKEN = (() => {
  const params = new URLSearchParams(location.search);
  if (params.has("token")) {
    const given = params.get("token");
    if (given) sessionStorage.setItem("vigil.token", given);
    else sessionStorage.removeItem("vigil.token");
    params.delete("token");
    const rest = params.toString();
    window.history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
  return sessionStorage.getItem("vigil.token") || "";
})();
const withToken = (path) =>
  TOKEN ? `${path}${path.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(TOKEN)}` : path;

async function getJson(path) {
  const headers = { Accept: "application/json" };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  const r = await fetch(path, { headers });
  if (r.status === 401) {
    $("#connection").textContent = TOKEN ? "the token was refused" : "this vigil requires a token: open /ui?token=…";
    $("#connection").dataset.auth = "refused";
    throw new Error(`${path}: 401 unauthorized`);
  }
  const body = await r.json().catch(() => ({}));
  // Probes answer 503 with a JSON body while starting or stopping: that body is still the answer.
  if (!r.ok && r.status !== 503) throw new Error(`${path}: ${r.status} ${body.reason || ""}`);
  return body;
}

function formatMs(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60000)} min`;
}

// --- service and components ---

function renderHealth(h) {
  const badge = $("#service-state");
  badge.textContent = h.state + (h.ready ? " · ready" : " · not ready");
  badge.dataset.state = h.state;
  badge.dataset.degraded = String(!!h.degraded);
  const body = $("#components tbody");
  body.replaceChildren(...(h.components || []).map((c) => {
    const tr = el("tr", { "data-component": c.name });
    tr.append(el("td", {}, c.name), el("td", {}, c.criticality),
      el("td", { class: `state-${c.state}` }, c.state), el("td", { class: `health-${c.health}` }, c.health),
      el("td", {}, formatMs(c.in_state_ms)), el("td", { class: "wrap" }, c.reason || waiting(c)));
    return tr;
  }));
}
const waiting = (c) => (c.waiting_on && c.waiting_on.length ? `waiting on ${c.waiting_on.join(", ")}` : "");

function renderStatus(s, m) {
  const mode = $("#mode");
  mode.textContent = `mode: ${s.mode || "–"}`;
  mode.dataset.mode = s.mode || "";
  const serving = ((m && m.models) || []).filter((x) => x.serving !== null && x.serving !== undefined);
  $("#models").textContent = serving.length
    ? `models: ${serving.map((x) => `${x.name} version ${x.serving}`).join(", ")}`
    : "models: none serving (rules only)";
  // Lines per second from the pipeline's counter between two polls.
  const now = performance.now(), read = s.pipeline ? s.pipeline.lines_read : 0;
  const rate = lastRead ? (1000 * Math.max(0, read - lastRead.read)) / Math.max(1, now - lastRead.at) : 0;
  lastRead = { read, at: now };
  history.push({ lines: rate, queues: (s.pipeline && s.pipeline.queues) || {} });
  if (history.length > HISTORY) history.shift();
  drawLines($("#lines-chart"), [{ label: "lines/s", values: history.map((p) => p.lines), color: "#58a6ff" }]);
  const names = Object.keys((s.pipeline && s.pipeline.queues) || {});
  const palette = ["#3fb950", "#d29922", "#bc8cff", "#f85149", "#58a6ff"];
  drawLines($("#queues-chart"), names.map((n, i) => ({
    label: n, values: history.map((p) => p.queues[n] || 0), color: palette[i % palette.length],
  })));
}
const history = [];
let lastRead = null;

function drawLines(canvas, series) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 18;
  ctx.clearRect(0, 0, w, h);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  ctx.fillStyle = "#8a97a8";
  ctx.font = "11px system-ui";
  ctx.fillText(String(Math.round(max)), 4, 12);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      const x = pad + (i / Math.max(1, HISTORY - 1)) * (w - 2 * pad);
      const y = h - pad - (v / max) * (h - 2 * pad);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = s.color;
    ctx.fillText(s.label, w - 110, 12 + 12 * k);
  });
}

// --- startup timeline: one bar per component, waiting time in grey, critical path outlined ---

function renderTimeline(t) {
  const root = $("#timeline");
  const rows = (t.components || []).filter((c) => c.started_ms !== null || c.ready_ms !== null);
  const end = Math.max(1, t.running_ms || 0, ...rows.map((c) => c.up_ms || c.failed_ms || c.started_ms || 0));
  const label = 150, width = Math.max(400, root.clientWidth || 600), rowH = 18;
  const scale = (ms) => label + (ms / end) * (width - label - 10);
  root.setAttribute("viewBox", `0 0 ${width} ${rows.length * rowH + 24}`);
  root.setAttribute("height", rows.length * rowH + 24);
  root.replaceChildren();
  rows.forEach((c, i) => {
    const y = i * rowH + 4;
    const g = svg("g", { "data-component": c.name });
    const name = svg("text", { x: 4, y: y + 11 });
    name.textContent = c.name;
    g.append(name);
    if (c.ready_ms !== null && c.started_ms !== null && c.started_ms > c.ready_ms)
      g.append(svg("rect", { class: "wait", x: scale(c.ready_ms), y, width: scale(c.started_ms) - scale(c.ready_ms), height: 12 }));
    const begin = c.started_ms ?? c.ready_ms;
    const finish = c.up_ms ?? c.failed_ms ?? end;
    const bar = svg("rect", {
      class: `bar-${c.failed_ms !== null && c.up_ms === null ? "failed" : c.criticality}${c.critical_path ? " on-path" : ""}`,
      x: scale(begin), y, width: Math.max(2, scale(finish) - scale(begin)), height: 12,
    });
    const tip = svg("title");
    tip.textContent = `${c.name} (${c.criticality}): ${formatMs(finish - begin)}${c.error ? " — " + c.error : ""}`;
    bar.append(tip);
    g.append(bar);
    root.append(g);
  });
  const axisY = rows.length * rowH + 8;
  root.append(svg("line", { class: "axis", x1: label, x2: width - 10, y1: axisY, y2: axisY }));
  const tick = svg("text", { x: width - 60, y: axisY + 13 });
  tick.textContent = formatMs(end);
  root.append(tick);
  const path = (t.critical_path || []).join(" → ");
  $("#timeline-summary").textContent =
    `ready after ${formatMs(t.ready_ms)}, running after ${formatMs(t.running_ms)}` +
    (path ? `; critical path (${formatMs(t.critical_path_ms)}): ${path}` : "");
}

// --- alerts: initial page through /api/alerts, then live through the stream ---

const filters = () => Object.fromEntries(new FormData($("#filters")).entries());
const SEVERITIES = ["none", "low", "medium", "high", "critical"];
// The same filters as /api/alerts: severity is a minimum, category, client and rule id exact.
const matches = (a, f) =>
  (!f.severity || SEVERITIES.indexOf(a.severity) >= SEVERITIES.indexOf(f.severity)) &&
  (!f.category || (a.categories || []).includes(f.category)) &&
  (!f.client || a.client === f.client) &&
  (!f.rule || (a.rules || []).includes(f.rule));

// "942100, 941100 (10)": the rule ids, and CRS's anomaly score when CRS flagged the line.
const rulesText = (a) =>
  (a.rules || []).join(", ") + (a.anomaly_score === null || a.anomaly_score === undefined ? "" : ` (${a.anomaly_score})`);

function alertRow(a, fresh) {
  const tr = el("tr", { "data-key": a.key, class: fresh ? "fresh" : "" });
  const time = a.time ? new Date(a.time * 1000).toLocaleTimeString() : "";
  tr.append(el("td", {}, time), el("td", {}, ""), el("td", {}, (a.categories || []).join(", ")), el("td", {}, a.client || ""),
    el("td", { class: "wrap" }, `${a.method || ""} ${a.path || ""}`), el("td", {}, String(a.status ?? "")),
    el("td", {}, a.model_score === null || a.model_score === undefined ? "–" : Number(a.model_score).toFixed(2)),
    el("td", { class: "wrap", title: (a.crs?.rules || []).map((r) => `${r.id} ${r.msg}`).join("\n") }, rulesText(a)));
  tr.children[1].append(el("span", { class: `sev-${a.severity}` }, a.severity));
  tr.addEventListener("click", () => showAlert(a));
  return tr;
}

function addAlert(a, fresh) {
  if (!matches(a, filters())) return;
  const body = $("#alerts tbody");
  body.prepend(alertRow(a, fresh));
  while (body.children.length > MAX_ROWS) body.lastChild.remove();
  $("#alert-count").textContent = `(${body.children.length} shown)`;
}

async function reloadAlerts() {
  const query = new URLSearchParams({ limit: "200" });
  for (const [k, v] of Object.entries(filters())) if (v) query.set(k, v);
  try {
    const page = await getJson(`/api/alerts?${query}`);
    $("#alerts tbody").replaceChildren();
    for (const a of (page.alerts || []).slice().reverse()) addAlert(a, false);
    $("#alert-count").textContent = `(${(page.alerts || []).length} shown)`;
  } catch (e) {
    $("#alert-count").textContent = `(${e.message})`;
  }
}

// Stored alerts are fetched by id; a live one not yet read back from the store shows as received.
async function showAlert(a) {
  const full = a.id ? await getJson(`/api/alerts/${a.id}`).catch(() => a) : a;
  $("#detail-id").textContent = full.id || full.key;
  $("#detail-body").textContent = JSON.stringify(full, null, 2);
  $("#alert-detail").hidden = false;
}

// Without the stream (?live=poll, for proxies that buffer server-sent events, and for headless
// renderers that wait for every request to finish), new alerts come from polling /api/alerts.
function pollAlerts() {
  reloadAlerts().finally(() => setTimeout(pollAlerts, 2 * POLL_MS));
}

function connectStream() {
  const source = new EventSource(withToken("/api/alerts/stream"));
  source.addEventListener("alert", (m) => addAlert(JSON.parse(m.data), true));
  source.onopen = () => { $("#connection").textContent = "live"; };
  source.onerror = () => { $("#connection").textContent = "reconnecting…"; };  // EventSource retries itself
}

// --- stats of the last 24 hours; a click on a row sets that filter ---

function applyFilter(name, value) {
  $("#filters").elements.namedItem(name).value = value;
  reloadAlerts();
}

function statRows(selector, filter, entries) {
  $(`${selector} tbody`).replaceChildren(...entries.map(([value, n]) => {
    const tr = el("tr", { "data-filter": filter, "data-value": value });
    tr.append(el("td", {}, value), el("td", {}, String(n)));
    tr.addEventListener("click", () => applyFilter(filter, value));
    return tr;
  }));
}

async function pollStats() {
  try {
    const s = await getJson("/api/stats?window=24h&top=5");
    $("#stats-total").textContent = String(s.total);
    const now = s.rates && s.rates.now;
    $("#stats-rate").textContent = now
      ? `· now ${now.lines_per_second.toFixed(0)} lines/s, ${now.alerts_per_second.toFixed(1)} alerts/s` : "";
    statRows("#stats-severity", "severity", ["critical", "high", "medium", "low"].map((k) => [k, s.by_severity[k] || 0]));
    statRows("#stats-categories", "category", (s.by_category || []).slice(0, 5).map((c) => [c.category, c.alerts]));
    statRows("#stats-clients", "client", (s.top_clients || []).map((c) => [c.client, c.alerts]));
  } catch (e) { /* an auth refusal or an outage shows in the header */ }
  setTimeout(pollStats, 10 * POLL_MS);
}

// --- service state: the status stream, or polling ---

function offline() {
  const badge = $("#service-state");
  badge.textContent = "offline";
  badge.dataset.state = "offline";
}

let models = null;
async function pollModels() {
  models = await getJson("/models").catch(() => models);
  setTimeout(pollModels, 5 * POLL_MS);
}

let timelineDone = false;
async function pollTimeline() {
  try {
    const t = await getJson("/debug/startup");
    renderTimeline(t);
    timelineDone = t.running_ms !== null && t.running_ms !== undefined;
  } catch (e) { /* shown by the state badge */ }
  if (!timelineDone) setTimeout(pollTimeline, POLL_MS);
}

function connectStatus() {
  const source = new EventSource(withToken("/api/status/stream"));
  source.addEventListener("status", (m) => {
    const d = JSON.parse(m.data);
    renderHealth(d.service);
    renderStatus(d.status, models);
  });
  source.onerror = () => { if (source.readyState !== EventSource.OPEN) offline(); };  // EventSource retries itself
}

async function poll() {
  try {
    renderHealth(await getJson("/health/detailed"));
    renderStatus(await getJson("/api/status"), models);
  } catch (e) {
    offline();
  }
  setTimeout(poll, POLL_MS);
}

// Filters can be given in the page's address (/ui?severity=high&category=sqli), for links to a view.
for (const [k, v] of new URLSearchParams(location.search)) {
  if (k === "live" || k === "token") continue;
  const field = $("#filters").elements.namedItem(k);
  if (field) field.value = v;
}
$("#filters").addEventListener("input", reloadAlerts);
$("#filters").addEventListener("reset", () => setTimeout(reloadAlerts, 0));
$("#detail-close").addEventListener("click", () => { $("#alert-detail").hidden = true; });
pollModels();
pollTimeline();
pollStats();
if (new URLSearchParams(location.search).get("live") === "poll") {
  $("#connection").textContent = "polling";
  poll();
  pollAlerts();
} else {
  connectStatus();
  reloadAlerts();
  connectStream();
}
