// Every service's operator log, newest first (the same table `sagaline log` reads).
"use strict";
(async () => {
  await ops.loadSession();
  let entries;
  try {
    entries = await ops.getJson("/api/operator-log?limit=500");
  } catch (err) {
    ops.say("#log-message", err.message, true);
    return;
  }
  const body = ops.$("#operator-log tbody");
  for (const e of entries) {
    const row = body.insertRow();
    for (const v of [e.at, e.service, e.operator, e.action, e.reason, e.result]) ops.cell(row, v);
    const sagas = row.insertCell();
    for (const id of e.sagas.slice(0, 10)) sagas.append(ops.sagaLink(id), " ");
    if (e.sagas.length > 10) sagas.append(`and ${e.sagas.length - 10} more`);
  }
  ops.say("#log-message", `${entries.length} entries`);
  window.sagaOps.logLoaded = true;
})();
