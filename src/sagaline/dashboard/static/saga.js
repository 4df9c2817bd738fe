// One saga: its record, what it waits on and the steps still ahead (from the declaration),
// its timeline with what operators did in it, and its cancel and retry (for a logged-in operator).
"use strict";
const sagaPage = { id: decodeURIComponent(location.pathname.split("/").pop()), saga: null, loaded: 0 };
window.sagaPage = sagaPage; // for the browser tests

function renderRecord(o) {
  ops.$("#saga-title").textContent = `${o.saga_id}: ${o.status}${o.reason ? " (" + o.reason + ")" : ""}`;
  const body = ops.$("#saga-record tbody");
  body.replaceChildren();
  for (const [name, value] of [["status", o.status], ["reason", o.reason], ["user", o.user_id],
    ["amount", o.total_amount], ["placed", ops.fmtTime(o.created_at)],
    ["finished", ops.fmtTime(o.finished_at)], ["items", o.items ? JSON.stringify(o.items) : null]]) {
    const row = body.insertRow();
    row.dataset.field = name;
    ops.cell(row, name); ops.cell(row, value);
  }
}

// The timeline's rows: each step in its service's lane, each operator action in its own.
function renderTimeline(found, log) {
  const lanes = sagaPage.saga.services.map((s) => s.name);
  const head = ops.$("#saga-timeline thead tr");
  if (head.cells.length === 1) for (const lane of [...lanes, "operator"]) head.append(ops.el("th", lane));
  const o = found.saga;
  const rows = found.steps.map((s) => ({ at: s.at, lane: s.service, step: s, cls: `step step-${s.kind}` + (s.expected ? " step-expected" : "") }));
  for (const e of log) {
    rows.push({ at: Date.parse(e.at) / 1000, lane: "operator", cls: "step step-operator",
                text: `${e.operator} ${e.action}: ${e.result} (reason: ${e.reason || "-"})` });
  }
  rows.sort((a, b) => a.at - b.at);
  const body = ops.$("#saga-timeline tbody");
  body.replaceChildren();
  for (const r of rows) {
    const row = body.insertRow();
    row.className = r.cls;
    row.dataset.lane = r.lane;
    ops.cell(row, Math.round((r.at - o.created_at) * 1000));
    for (const lane of [...lanes, "operator"]) {
      if (lane !== r.lane) ops.cell(row, "");
      else if (r.step) timelineCell(row, r.step); // its changes and handler too
      else ops.cell(row, r.text);
    }
  }
}

function renderLog(log) {
  const body = ops.$("#saga-log tbody");
  body.replaceChildren();
  for (const e of log) {
    const row = body.insertRow();
    for (const v of [e.at, e.service, e.operator, e.action, e.reason, e.result]) ops.cell(row, v);
  }
}

function renderActions(state) {
  ops.$("#waiting-on").textContent = state.waitingOn || "-";
  ops.$("#remaining").textContent = state.remaining.length ? state.remaining.join(" → ") : "-";
  ops.$("#cancel-panel").hidden = !state.cancellable;
  ops.$("#cancel-form").hidden = !ops.loggedIn();
  ops.$("#cancel-login").hidden = ops.loggedIn();
  ops.$("#cancel-login-link").href = `/login?next=${encodeURIComponent(location.pathname)}`;
  ops.$("#retry-panel").hidden = !(state.retryable && ops.loggedIn());
  ops.$("#retry-topic").textContent = state.retryable || "";
}

async function refresh() {
  try {
    const [found, state] = await Promise.all([
      ops.getJson(`/api/sagas/${encodeURIComponent(sagaPage.id)}`),
      ops.getJson(`/api/sagas/${encodeURIComponent(sagaPage.id)}/operations`)]);
    renderRecord(found.saga);
    renderActions(state);
    renderTimeline(found, state.operatorLog);
    renderLog(state.operatorLog);
    sagaPage.loaded += 1;
  } catch (err) {
    ops.$("#saga-title").textContent = `${sagaPage.id}: ${err.message}`;
  }
}

ops.$("#cancel-form").onsubmit = async (event) => {
  event.preventDefault();
  try {
    const done = await ops.post(`/api/sagas/${encodeURIComponent(sagaPage.id)}/cancel`,
                                [["reason", ops.$("#cancel-reason").value]]);
    ops.say("#cancel-message", `cancelled: ${done.status} (${done.reason})`);
  } catch (err) {
    ops.say("#cancel-message", err.message, true);
  }
  refresh();
};

ops.$("#retry-form").onsubmit = async (event) => {
  event.preventDefault();
  try {
    const sent = await ops.post(`/api/sagas/${encodeURIComponent(sagaPage.id)}/retry`,
                                [["reason", ops.$("#retry-reason").value]]);
    ops.say("#retry-message", `${sent.topic} sent again (event ${sent.eventId})`);
  } catch (err) {
    ops.say("#retry-message", err.message, true);
  }
  refresh();
};

(async () => {
  await ops.loadSession();
  sagaPage.saga = await ops.getJson("/api/saga");
  await refresh();
  setInterval(refresh, 2000); // compensations follow a cancel
})();
