"use strict";
(() => {
  const query = new URLSearchParams(location.search);
  ops.$("#next").value = query.get("next") || "/";
  if (query.has("failed")) ops.say("#login-message", "wrong key: not logged in", true);
  if (query.has("disabled")) ops.say("#login-message", "this dashboard holds no ADMIN_API_KEY: it can only read", true);
  ops.loadSession();
})();
