// A timeline row's cell in its service's lane (the main page's and the saga page's): its
// label, what the step wrote with it (each change: what, before → after) and, for a handled
// event, its handler's module and line (a link when DASHBOARD_SOURCE_URL is set). Every
// value is set as text.
"use strict";
function timelineCell(row, step) {
  const td = row.insertCell();
  td.append(step.label);
  for (const c of step.changes || []) {
    const div = document.createElement("div");
    div.className = "change";
    div.textContent = `${c.what}: ${c.before ?? "-"} → ${c.after ?? "-"}`;
    td.append(div);
  }
  if (step.handler) {
    const where = document.createElement(step.handler.url ? "a" : "div");
    where.className = "handler";
    where.textContent = step.handler.text;
    if (step.handler.url) where.href = step.handler.url;
    td.append(where);
  }
  return td;
}
window.timelineCell = timelineCell;
