// Dead letters grouped by cause; pick groups or single letters, look (dry run), then replay
// (a job at a bounded rate, with a stop) or discard with a reason. Acting needs a login.
"use strict";
const dlqPage = { service: null, job: null, groups: [] };
window.dlqPage = dlqPage; // for the browser tests

function picked() {
  const fields = [];
  for (const box of document.querySelectorAll("#dlq-groups input[type=checkbox]:checked")) {
    fields.push([box.dataset.kind, box.value]);
  }
  return fields;
}

function checkbox(kind, value, label) {
  const box = ops.el("input");
  box.type = "checkbox"; box.value = value; box.dataset.kind = kind;
  box.setAttribute("aria-label", label);
  return box;
}

async function loadGroups() {
  const body = ops.$("#dlq-groups tbody");
  try {
    dlqPage.groups = await ops.getJson(`/api/dlq/${encodeURIComponent(dlqPage.service)}/groups`);
  } catch (err) {
    ops.say("#dlq-message", err.message, true);
    return;
  }
  body.replaceChildren();
  for (const g of dlqPage.groups) {
    const row = body.insertRow();
    row.dataset.group = g.group;
    row.insertCell().append(checkbox("group", g.group, `group ${g.group}`));
    for (const v of [g.group, g.count, g.handled, g.consumer, g.sourceTopic,
                     `${g.errorType}: ${g.error}`, ops.fmtTime(g.firstSeen), ops.fmtTime(g.lastSeen)]) ops.cell(row, v);
    const sagas = row.insertCell();
    sagas.className = "sagas";
    for (const id of g.sagas.slice(0, 20)) sagas.append(ops.sagaLink(id), " ");
    if (g.sagas.length > 20) sagas.append(`and ${g.sagas.length - 20} more`);
    const refs = row.insertCell();
    for (const ref of g.refs.slice(0, 50)) {
      const label = ops.el("label", "", "ref");
      label.append(checkbox("ref", ref, `letter ${ref}`), ref);
      refs.append(label);
    }
  }
  dlqPage.loaded = (dlqPage.loaded || 0) + 1;
}

async function planned(action) {
  const query = new URLSearchParams([["action", action], ...picked()]);
  const found = await ops.getJson(`/api/dlq/${encodeURIComponent(dlqPage.service)}/plan?${query}`);
  return found.plan;
}

async function follow(job) {
  dlqPage.job = job;
  ops.$("#dlq-stop").disabled = job.state !== "running";
  ops.say("#dlq-job", `${job.action} by ${job.operator}: ${job.state}${job.result ? " — " + job.result : ""}`, job.state === "failed");
  if (job.state === "running") {
    setTimeout(async () => follow(await ops.getJson(`/api/jobs/${job.job}`)), 300);
  } else {
    loadGroups();
  }
}

async function act(run) {
  try { await run(); } catch (err) { ops.say("#dlq-message", err.message, true); }
}

ops.$("#dlq-plan").onclick = () => act(async () => ops.say("#dlq-message", await planned("replay")));
ops.$("#dlq-replay").onclick = () => act(async () => {
  ops.say("#dlq-message", await planned("replay"));
  const job = await ops.post(`/api/dlq/${encodeURIComponent(dlqPage.service)}/replay`,
    [...picked(), ["reason", ops.$("#dlq-reason").value], ["rate", ops.$("#dlq-rate").value]]);
  follow(job);
});
ops.$("#dlq-discard").onclick = () => act(async () => {
  const done = await ops.post(`/api/dlq/${encodeURIComponent(dlqPage.service)}/discard`,
    [...picked(), ["reason", ops.$("#dlq-reason").value]]);
  ops.say("#dlq-message", done.result);
  loadGroups();
});
ops.$("#dlq-stop").onclick = () => act(async () => {
  follow(await ops.post(`/api/jobs/${dlqPage.job.job}/stop`, []));
});

(async () => {
  await ops.loadSession();
  const saga = await ops.getJson("/api/saga");
  const select = ops.$("#dlq-service");
  for (const s of saga.services) select.append(ops.el("option", s.name));
  const wanted = new URLSearchParams(location.search).get("service");
  if (wanted) select.value = wanted;
  dlqPage.service = select.value;
  select.onchange = () => { dlqPage.service = select.value; loadGroups(); };
  for (const b of document.querySelectorAll("button.act")) b.title = ops.loggedIn() ? "" : "log in to act";
  loadGroups();
})();
