// The saga's AsyncAPI document (GET /api/asyncapi.json), drawn by the vendored AsyncAPI React
// component (static/vendor/asyncapi-react): no CDN, nothing off this origin.
"use strict";
(function () {
  const status = document.getElementById("contract-status");
  fetch("/api/asyncapi.json")
    .then((response) => {
      if (!response.ok) throw new Error(`GET /api/asyncapi.json: ${response.status}`);
      return response.json();
    })
    .then((doc) => {
      status.textContent = `${doc.info.title}, version ${doc.info.version}`;
      // The sidebar lists every operation and message; errors show what the parser refused.
      AsyncApiStandalone.render({schema: doc, config: {show: {sidebar: true, errors: true}}},
                                document.getElementById("asyncapi"));
    })
    .catch((err) => { status.textContent = `not loaded: ${err.message}`; });
})();
