// The auditor in the dashboard: the last pass (when, full or incremental, its findings, each
// linked to its saga's page) and, for a logged-in operator, a pass now.
"use strict";
(() => {
  const SECTIONS = [["violations", "violation"], ["stuck", "stuck"], ["warnings", "warning"]];

  const when = (state) => {
    const last = state.last;
    const every = state.interval_s > 0 ? `runs every ${state.interval_s} s` : "runs only from this page";
    if (!last) return `no pass yet (${every})`;
    const scope = last.full ? "full" : "incremental";
    const verdict = last.error ? `failed: ${last.error}` : (last.ok ? "OK" : "FAILED");
    return `last pass ${new Date(last.at).toLocaleString()} by ${last.by}, ${scope}, ` +
           `${last.seconds} s: ${verdict} (${every})`;
  };

  const show = (state) => {
    ops.$("#audit-when").textContent = when(state);
    const body = ops.$("#audit-findings tbody");
    body.replaceChildren();
    const last = state.last || {};
    for (const [key, severity] of SECTIONS) {
      for (const f of last[key] || []) {
        const row = body.insertRow();
        row.className = `finding ${severity}`;
        for (const v of [severity, f.kind, f.subject, f.message]) ops.cell(row, v);
        row.insertCell().append(ops.sagaLink(f.saga_id));
      }
    }
    window.sagaOps.auditShown = (window.sagaOps.auditShown || 0) + 1;
  };

  const load = async () => {
    try {
      show(await ops.getJson("/api/audit"));
    } catch (err) {
      ops.say("#audit-message", err.message, true);
    }
  };

  const runNow = async () => {
    const button = ops.$("#audit-run");
    button.disabled = true;
    ops.say("#audit-message", "running a pass ...");
    try {
      show(await ops.post("/api/audit/run", {}));
      ops.say("#audit-message", "pass done");
    } catch (err) {
      ops.say("#audit-message", err.message, true);
      await load();
    } finally {
      button.disabled = false;
    }
  };

  (async () => {
    await ops.loadSession();
    const button = ops.$("#audit-run");
    button.hidden = !ops.loggedIn();
    button.addEventListener("click", runNow);
    await load();
    setInterval(load, 15000); // the scheduled passes show up without a reload
  })();
})();
