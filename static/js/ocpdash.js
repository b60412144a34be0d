// The only script besides htmx: zoom and drag-to-pan for the DAG, keeping the running step in
// view, and a bounded timeline. No eval, no inline handlers (strict CSP).
(function () {
  "use strict";
  var scale = 1;

  function applyScale(root) {
    (root || document).querySelectorAll("svg.dag").forEach(function (svg) {
      svg.setAttribute("width", Math.round(svg.dataset.width * scale));
      svg.setAttribute("height", Math.round(svg.dataset.height * scale));
    });
  }

  var lastRunning = null;
  function showRunning(root) {
    var node = (root || document).querySelector("svg.dag .node[data-status='RUNNING']");
    if (!node || node.id === lastRunning) return;
    lastRunning = node.id;
    var box = node.closest(".dag-scroll"), r = node.getBoundingClientRect(), b = box.getBoundingClientRect();
    box.scrollLeft += r.left - b.left - (b.width - r.width) / 2;
    box.scrollTop += r.top - b.top - (b.height - r.height) / 2;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-zoom]");
    if (!button) return;
    var how = button.dataset.zoom;
    if (how === "in") scale = Math.min(2, scale * 1.25);
    else if (how === "out") scale = Math.max(0.2, scale / 1.25);
    else {
      var box = document.querySelector(".dag-scroll"), svg = box && box.querySelector("svg.dag");
      scale = svg ? Math.min(1, (box.clientWidth - 4) / svg.dataset.width) : 1;
    }
    applyScale();
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

  document.addEventListener("DOMContentLoaded", function () { showRunning(); });
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

  document.addEventListener("htmx:afterSettle", function (event) {
    trimTimeline();
    if (scale !== 1) applyScale();
    if (event.target.querySelector && event.target.querySelector("svg.dag")) showRunning(event.target);
  });
})();
