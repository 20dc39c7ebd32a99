// Polls the status of submissions still in progress and updates status, progress bar, stage and wait reason and queue place.
(function () {
  "use strict";
  var INTERVAL_MS = 1500;
  var TERMINAL = { scored: true, failed: true, cancelled: true };

  function update(el, info) {
    var status = el.querySelector('[data-field="status"]');
    var bar = el.querySelector('[data-field="bar"]');
    var stage = el.querySelector('[data-field="stage"]');
    var waiting = el.querySelector('[data-field="waiting"]');
    var queue = el.querySelector('[data-field="queue"]');
    if (status) { status.textContent = info.status; status.className = "status status-" + info.status; }
    if (bar) { bar.style.width = Math.round(100 * Math.max(0, Math.min(1, info.progress))) + "%"; }
    if (stage) { stage.textContent = info.stage || ""; }
    if (waiting) { waiting.textContent = info.waiting || ""; }
    if (queue) { queue.textContent = info.queue || ""; }
  }

  function poll(el) {
    var url = el.getAttribute("data-poll");
    if (!url) { return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (info) {
        update(el, info);
        if (TERMINAL[info.status]) {
          el.removeAttribute("data-poll");
          if (el.hasAttribute("data-reload-when-done")) { window.location.reload(); }
        } else {
          window.setTimeout(function () { poll(el); }, INTERVAL_MS);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(el); }, INTERVAL_MS * 4); });
  }

  document.querySelectorAll("[data-poll]").forEach(function (el) {
    window.setTimeout(function () { poll(el); }, INTERVAL_MS);
  });
})();
