// The dashboard page: one server-sent stream of shared snapshots; the saga list and the open
// timeline are fetched again with each snapshot (the server caches them per interval).
// Every value read (ids, reasons, payloads) is set as text (textContent, title), never as HTML.
// Everything about the saga itself (its services: lanes, cards, graph; its statuses: filter,
// colours, in-flight cards) comes from GET /api/saga: nothing here names a service or status.
"use strict";
const state = { open: null, status: "", charts: {}, snapshot: null, saga: null };
window.sagaDashboard = state; // for the browser tests

const $ = (sel) => document.querySelector(sel);
const fmtTime = (t) => (t ? new Date(t * 1000).toLocaleTimeString() : "-");
const short = (id) => (id ? id.slice(0, 8) : "-");

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? "-" : String(text);
  if (cls) td.className = cls;
  return td;
}

function card(title, value, down) {
  const div = document.createElement("div");
  div.className = "card" + (down ? " down" : "");
  const b = document.createElement("b");
  b.textContent = value;
  div.append(b, title);
  return div;
}

const PALETTE = ["#17803d", "#b3261e", "#1a56c4", "#8a5a00", "#7b3fb5", "#00838f"];

function drawChart(name, cols) {
  const el = $(`#chart-${name}`);
  const data = [cols.t, ...cols.values];
  const old = state.charts[name];
  if (old && old.names === cols.names.join("|")) {
    old.plot.setData(data);
    return;
  }
  if (old) old.plot.destroy();
  const opts = {
    width: el.clientWidth || 400, height: 180, legend: { show: true },
    scales: { x: { time: true } },
    series: [{}, ...cols.names.map((n, i) => ({ label: n, stroke: PALETTE[i % PALETTE.length], width: 1.5 }))],
  };
  state.charts[name] = { names: cols.names.join("|"), plot: new uPlot(opts, data, el) };
}

// A status's colour from the declaration: the successful final status, another final one,
// or one still in flight.
function statusClass(status) {
  const final = state.saga.statuses.final;
  return status === final[0] ? "status-success" : final.includes(status) ? "status-failed" : "status-open";
}

const lanes = () => state.saga.services.map((s) => s.name);

function serviceCard(name, v) {
  const title = `${name}: ${v.ready === false ? "NOT READY" : "ready"}; lag ${v.lag ?? "?"}; ` +
    `oldest ${v.oldest_s ? v.oldest_s.toFixed(1) + " s" : "-"}; dead letters ${v.dead_letters ?? "?"}`;
  const div = card(title, `${v.pending ?? "?"} pending`, v.ready === false);
  div.dataset.service = name;
  return div;
}

function renderOverview(s) {
  const inFlight = $("#in-flight");
  inFlight.replaceChildren(...state.saga.statuses.not_final.map((k) => card(`in flight: ${k}`, s.in_flight[k] ?? "?")),
                           card("stuck", s.stuck.length, s.stuck.length > 0));
  $("#services").replaceChildren(...lanes().map((name) => serviceCard(name, s.services[name] || {})));
  markServices($("#topology"), s.services);
  $("#errors").replaceChildren(...s.errors.map((e) => { const li = document.createElement("li"); li.textContent = e; return li; }));
}

function renderStuck(stuck) {
  const items = stuck.map((x) => {
    const li = document.createElement("li");
    li.dataset.sagaId = x.saga_id;
    const a = document.createElement("a");
    a.textContent = short(x.saga_id);
    a.onclick = () => openSaga(x.saga_id);
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = ` ${x.label} `;
    const causes = document.createElement("span");
    causes.className = "causes";
    causes.textContent = `(${x.status}) ${x.causes.length ? x.causes.join("; ") : "cause unknown"}`;
    li.append(a, label, causes);
    return li;
  });
  if (!items.length) { const li = document.createElement("li"); li.className = "none"; li.textContent = "none"; items.push(li); }
  $("#stuck").replaceChildren(...items);
}

function renderDeadLetters(letters) {
  const body = $("#dead-letters tbody");
  body.replaceChildren();
  for (const d of letters) {
    const row = body.insertRow();
    row.dataset.ref = `${d.topic} ${d.ref}`;
    cell(row, d.service); cell(row, d.ref); cell(row, d.source_topic);
    cell(row, `${d.error_type || ""}: ${d.error || ""}`);
    cell(row, d.replayed === null ? "unreadable" : d.replayed ? "replayed" : "no");
    const td = row.insertCell();
    if (d.saga) { const a = document.createElement("a"); a.textContent = short(d.saga); a.onclick = () => openSaga(d.saga); td.append(a); }
    else td.textContent = d.key || "-";
    cell(row, d.value, "payload").title = d.value || ""; // its start; `sagaline dlq list` for all
  }
}

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) return null;
  return r.json();
}

async function refreshSagas() {
  const rows = await getJson(state.status ? `/api/sagas?limit=25&status=${encodeURIComponent(state.status)}` : "/api/sagas?limit=25");
  if (!rows) return;
  const stuck = new Set((state.snapshot?.stuck || []).map((x) => x.saga_id));
  const body = $("#sagas tbody");
  body.replaceChildren();
  for (const o of rows) {
    const row = body.insertRow();
    row.dataset.sagaId = o.saga_id;
    if (o.saga_id === state.open) row.className = "open";
    row.onclick = () => openSaga(o.saga_id);
    cell(row, short(o.saga_id));
    cell(row, o.status + (stuck.has(o.saga_id) ? " (stuck)" : ""), statusClass(o.status));
    cell(row, o.reason); cell(row, o.total_amount); cell(row, fmtTime(o.created_at));
    cell(row, o.finished_at ? `${Math.round((o.finished_at - o.created_at) * 1000)} ms` : "…");
    cell(row, o.user_id);
  }
}

async function refreshTimeline() {
  if (!state.open) return;
  const saga = await getJson(`/api/sagas/${state.open}`);
  if (!saga) return;
  const o = saga.saga;
  $("#timeline-title").textContent = `${short(o.saga_id)}: ${o.status}${o.reason ? " (" + o.reason + ")" : ""}`;
  $("#timeline-page").href = `/saga/${o.saga_id}`;
  $("#timeline-page").hidden = false;
  const body = $("#timeline tbody");
  body.replaceChildren();
  for (const s of saga.steps) {
    const row = body.insertRow();
    row.className = `step step-${s.kind}` + (s.expected ? " step-expected" : "");
    row.dataset.service = s.service;
    cell(row, Math.round((s.at - o.created_at) * 1000));
    for (const lane of lanes()) {
      if (lane === s.service) timelineCell(row, s); // its changes and handler too
      else cell(row, "");
    }
  }
}

function openSaga(id) {
  state.open = id;
  refreshTimeline();
  refreshSagas();
}

function onSnapshot(s) {
  state.snapshot = s;
  $("#updated").textContent = `updated ${fmtTime(s.at)}`;
  renderOverview(s);
  renderStuck(s.stuck);
  renderDeadLetters(s.dead_letters);
  for (const [name, cols] of Object.entries(s.charts)) drawChart(name, cols);
  refreshSagas();
  refreshTimeline();
}

// What follows from the declaration alone: the filter's statuses, the timeline's lanes (one
// per service, in the saga's order) and the topology graph.
function renderDeclared(saga) {
  const filter = $("#status-filter");
  for (const status of saga.statuses.all) {
    const option = document.createElement("option");
    option.textContent = status;
    filter.append(option);
  }
  filter.onchange = (e) => { state.status = e.target.value; refreshSagas(); };
  const head = $("#timeline thead tr");
  for (const lane of lanes()) {
    const th = document.createElement("th");
    th.textContent = lane;
    th.dataset.service = lane;
    head.append(th);
  }
  drawTopology($("#topology"), saga);
}

async function main() {
  // Nothing can be drawn without the declaration; the server answers it without any read.
  while (!(state.saga = await getJson("/api/saga").catch(() => null))) {
    $("#updated").textContent = "waiting for the dashboard…";
    await new Promise((done) => setTimeout(done, 1000));
  }
  renderDeclared(state.saga);
  listen();
}

// A stream the server refused (503: as many pages are open as it serves) is closed for good:
// the browser does not ask again by itself, so the page does, after a while.
const REFUSED_RETRY_MS = window.sagaDashboardRetryMs ?? 10_000; // the browser tests shorten it

function listen() {
  const events = new EventSource("/api/events");
  events.onmessage = (e) => onSnapshot(JSON.parse(e.data));
  events.onerror = () => {
    if (events.readyState !== EventSource.CLOSED) { $("#updated").textContent = "reconnecting…"; return; }
    $("#updated").textContent = "live updates refused (too many dashboard pages open?); trying again";
    setTimeout(listen, REFUSED_RETRY_MS);
  };
}

main();
