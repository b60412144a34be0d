// Elapsed times that move on their own: an element with data-elapsed (seconds when the server drew
// it) shows that plus the time since this page got it, as the server's |duration filter writes it
// (1h 02m, 3m 05s, 12s). No request and no clock of the server's needed: the dashboard's poll
// replaces the elements when anything changes, and a new element starts from its own value.
(function () {
  "use strict";
  var seen = new WeakMap();

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function duration(total) {
    var s = Math.max(0, Math.floor(total)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h) return h + "h " + two(m) + "m";
    if (m) return m + "m " + two(s % 60) + "s";
    return s + "s";
  }

  function tick() {
    var now = performance.now();
    document.querySelectorAll("[data-elapsed]").forEach(function (el) {
      if (!seen.has(el)) seen.set(el, now);
      var text = duration(Number(el.dataset.elapsed) + (now - seen.get(el)) / 1000);
      if (el.textContent !== text) el.textContent = text;
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 1000);
})();
