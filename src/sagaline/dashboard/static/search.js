// The saga records by id (or its start), user, status, reason and time placed; a page at a
// time, older pages by the cursor the server gives (keyset); every match as CSV or JSON.
"use strict";
const searchPage = { next: null, page: 0, loaded: 0 };
window.searchPage = searchPage; // for the browser tests

function terms() {
  const q = new URLSearchParams();
  for (const [key, sel] of [["id", "#search-id"], ["user", "#search-user"], ["status", "#search-status"], ["reason", "#search-reason"]]) {
    const v = ops.$(sel).value.trim();
    if (v) q.set(key, v);
  }
  for (const [key, sel] of [["since", "#search-since"], ["until", "#search-until"]]) {
    const v = ops.$(sel).value;
    if (v) q.set(key, String(new Date(v).getTime() / 1000));
  }
  return q;
}

function exportLinks(q) {
  for (const fmt of ["csv", "json"]) {
    const query = new URLSearchParams(q);
    query.set("format", fmt);
    ops.$(`#export-${fmt}`).href = `/api/search/export?${query}`;
  }
}

async function show(after) {
  const q = terms();
  exportLinks(q);
  if (after) q.set("after", after);
  q.set("limit", String(window.searchPageSize || 50));
  let found;
  try {
    found = await ops.getJson(`/api/search?${q}`);
  } catch (err) {
    ops.say("#search-message", err.message, true);
    return;
  }
  ops.say("#search-message", `${found.rows.length} sagas on this page`);
  const body = ops.$("#search-results tbody");
  body.replaceChildren();
  for (const o of found.rows) {
    const row = body.insertRow();
    row.dataset.sagaId = o.saga_id;
    row.insertCell().append(ops.sagaLink(o.saga_id));
    for (const v of [o.status, o.reason, o.total_amount, o.user_id, ops.fmtTime(o.created_at)]) ops.cell(row, v);
  }
  searchPage.page = after ? searchPage.page + 1 : 1;
  searchPage.next = found.next;
  searchPage.loaded += 1;
  ops.$("#search-page").textContent = `page ${searchPage.page}`;
  ops.$("#search-next").disabled = !found.next;
  ops.$("#search-first").disabled = searchPage.page === 1;
}

ops.$("#search-form").onsubmit = (event) => { event.preventDefault(); show(null); };
ops.$("#search-next").onclick = () => show(searchPage.next);
ops.$("#search-first").onclick = () => show(null);

(async () => {
  await ops.loadSession();
  const saga = await ops.getJson("/api/saga");
  for (const s of saga.statuses.all) ops.$("#search-status").append(ops.el("option", s));
  const given = new URLSearchParams(location.search);
  for (const key of ["id", "user", "status", "reason"]) if (given.get(key)) ops.$(`#search-${key}`).value = given.get(key);
  show(null);
})();
