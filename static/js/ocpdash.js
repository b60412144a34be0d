// The only scripts besides htmx: this one (opening a step from the DAG or the table, drag-to-pan,
// a bounded timeline) and upgrade.js (the graph's framing, minimap, keyboard and the replay).
// No eval, no inline handlers (strict CSP).
(function () {
  "use strict";

  // A click on a DAG node or a steps-table row opens its step in the side panel: one listener for
  // all of them, where hx-get on each had htmx wire up every one (2,000 on a 1,000-step page) before
  // the page was drawn. With the element as source, htmx takes the target, swap and URL push it
  // inherits from svg.dag or table.steps, as it would for hx-get. A modified click on a row's link
  // still opens it in a new tab.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-step-url]");
    if (!link || !window.htmx) return;
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    htmx.ajax("GET", link.dataset.stepUrl, { source: link });
  });

  var drag = null;
  document.addEventListener("mousedown", function (event) {
    var box = event.target.closest(".dag-scroll");
    if (!box || event.target.closest(".node")) return;
    drag = { box: box, x: event.clientX, y: event.clientY, left: box.scrollLeft, top: box.scrollTop };
    box.classList.add("dragging");
  });
  document.addEventListener("mousemove", function (event) {
    if (!drag) return;
    drag.box.scrollLeft = drag.left - (event.clientX - drag.x);
    drag.box.scrollTop = drag.top - (event.clientY - drag.y);
  });
  document.addEventListener("mouseup", function () {
    if (drag) drag.box.classList.remove("dragging");
    drag = null;
  });

  // A page watched for hours keeps only the newest events in the timeline (the server sends the
  // same number on a reload), so the DOM and the heap stay flat.
  function trimTimeline() {
    var list = document.getElementById("timeline");
    if (!list) return;
    var keep = parseInt(list.dataset.keep || "100", 10);
    while (list.children.length > keep) {
      while (list.firstChild.nodeType !== 1) list.removeChild(list.firstChild);  // text between items
      list.removeChild(list.firstChild);
    }
  }

  // Chromium keeps a node whose CSS animation still runs as it leaves the page (seen for the
  // pulse of a running step in a child task's graph), and with it everything it was attached to:
  // one node per change, or a whole old graph when a task is re-sent whole. So, before htmx swaps
  // a part of the page out, the pulse of its running steps stops while they are still on the page.
  // Animation.cancel() is not enough; taking the animation away in style, and restyling, is.
  function stopPulses(target) {
    if (!target || !target.querySelectorAll) return;
    var rects = target.matches(".node.st-running")
      ? target.querySelectorAll("rect")
      : target.querySelectorAll(".node.st-running rect");
    if (!rects.length) return;
    rects.forEach(function (rect) { rect.style.animationName = "none"; });
    getComputedStyle(rects[0]).animationName;  // restyle now
  }
  document.addEventListener("htmx:oobBeforeSwap", function (event) { stopPulses(event.detail.target); });
  // htmx gives a swapped-in node the old node's class for 20 ms (to let CSS transitions run, which
  // this page has none of): a step that just finished would pulse again on its new node, and that
  // node was then kept when it was replaced in turn.
  if (window.htmx) htmx.config.attributesToSettle = [];

  document.addEventListener("htmx:afterSettle", trimTimeline);
})();
