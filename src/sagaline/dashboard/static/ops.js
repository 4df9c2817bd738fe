// What the operator pages share: the navigation with who is logged in, values set as text
// only (textContent: a `<script>` in a user id is shown as those characters), and a post of
// an action as a form with the session's CSRF token.
"use strict";
const ops = { session: null };
window.sagaOps = ops; // for the browser tests

ops.$ = (sel) => document.querySelector(sel);
ops.fmtTime = (t) => (t ? new Date(t * 1000).toLocaleString() : "-");

ops.el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
};

ops.cell = (row, text, cls) => {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? "-" : String(text);
  if (cls) td.className = cls;
  return td;
};

ops.sagaLink = (id) => {
  const a = ops.el("a", id ? id.slice(0, 8) : "-");
  if (id) { a.href = `/saga/${encodeURIComponent(id)}`; a.title = id; }
  return a;
};

// The server's reason for a refusal: its text, or the fields it found wrong.
ops.why = (data, status) => {
  const detail = data && data.detail;
  if (typeof detail === "string") return detail;
  return detail ? JSON.stringify(detail) : `${status}`;
};

ops.getJson = async (url) => {
  const r = await fetch(url);
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new Error(ops.why(data, r.status));
  return data;
};

// An action: a urlencoded form, the CSRF token in it; the server's refusal as the error.
ops.post = async (url, fields) => {
  const body = new URLSearchParams(fields);
  body.append("csrf", ops.session?.csrf || "");
  const r = await fetch(url, { method: "POST", body, credentials: "same-origin" });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(ops.why(data, r.status));
  return data;
};

ops.loggedIn = () => Boolean(ops.session && ops.session.operator);

ops.loadSession = async () => {
  ops.session = await ops.getJson("/api/session").catch(() => null);
  const nav = ops.$("#ops-nav");
  const links = [["/", "overview"], ["/search", "search"], ["/dead-letters", "dead letters"],
                 ["/operator-log", "operator log"], ["/audit", "audit"]].map(([href, text]) => {
    const a = ops.el("a", text); a.href = href; return a;
  });
  const who = ops.el("span", "", "who");
  if (ops.loggedIn()) {
    const form = ops.el("form"); form.method = "post"; form.action = "/logout";
    const csrf = ops.el("input"); csrf.type = "hidden"; csrf.name = "csrf"; csrf.value = ops.session.csrf;
    const out = ops.el("button", "log out"); out.type = "submit";
    form.append(csrf, out);
    who.append(`acting as ${ops.session.operator} `, form);
  } else {
    const a = ops.el("a", "log in to act");
    a.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    a.id = "login-link";
    who.append(a);
  }
  nav.replaceChildren(...links, who);
};

ops.say = (sel, text, bad) => {
  const e = ops.$(sel);
  e.textContent = text;
  e.className = bad ? "message bad" : "message";
};
