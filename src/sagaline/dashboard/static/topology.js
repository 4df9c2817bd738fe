// Draws the declared topology (GET /api/saga: its services and edges) as an SVG: one box per
// service in the saga's order, one arrow per producer -> consumer pair labelled with its
// topics (forward above, backward below).
"use strict";
const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function drawTopology(container, topo) {
  const width = Math.max(700, 200 * topo.services.length), height = 220, y = 110;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  const defs = svgEl("defs", {});
  const marker = svgEl("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
                                   markerWidth: 6, markerHeight: 6, orient: "auto" });
  marker.appendChild(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#667" }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  const names = topo.services.map((s) => s.name);
  const x = (name) => 90 + names.indexOf(name) * ((width - 180) / Math.max(1, names.length - 1));
  const pairs = new Map();
  for (const e of topo.edges) {
    const key = `${e.producer}>${e.consumer}`;
    if (!pairs.has(key)) pairs.set(key, { producer: e.producer, consumer: e.consumer, topics: [] });
    pairs.get(key).topics.push(e.topic);
  }
  for (const p of pairs.values()) {
    const x1 = x(p.producer), x2 = x(p.consumer);
    const forward = x2 > x1, span = Math.abs(names.indexOf(p.consumer) - names.indexOf(p.producer));
    const bend = (forward ? -1 : 1) * (28 + 34 * (span - 1));
    const yy = y + (forward ? -22 : 22);
    const mid = (x1 + x2) / 2;
    svg.appendChild(svgEl("path", { d: `M${x1},${yy} Q${mid},${yy + 2 * bend} ${x2},${yy}`,
                                    fill: "none", stroke: "#667", "marker-end": "url(#arrow)" }));
    const label = svgEl("text", { x: mid, y: yy + bend + (forward ? -4 : 12), "text-anchor": "middle" });
    label.textContent = p.topics.join(", ");
    svg.appendChild(label);
  }
  for (const s of topo.services) {
    const g = svgEl("g", { class: "service", "data-service": s.name });
    g.appendChild(svgEl("rect", { x: x(s.name) - 55, y: y - 20, width: 110, height: 40, rx: 5,
                                  fill: "#fff", stroke: "#1d2330" }));
    g.appendChild(svgEl("text", { x: x(s.name), y: y + 5, "text-anchor": "middle",
                                  "font-weight": "600" }, s.name));
    svg.appendChild(g);
  }
  container.replaceChildren(svg);
}

function markServices(container, services) {
  for (const g of container.querySelectorAll("g.service")) {
    const s = services[g.dataset.service] || {};
    g.querySelector("rect").setAttribute("fill", s.ready === false ? "#fde2df" : "#fff");
  }
}
