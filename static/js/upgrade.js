// The upgrade page's graph and replay, where htmx cannot do it. No eval, no inline handlers (strict CSP).
//
// - Framing: each task's graph opens whole when it fits its box at a readable zoom, else at full
//   size around its running (or failed) step, placed in the part of the box on screen. A zoom the
//   operator chose is kept per graph across live updates.
// - A minimap under a graph larger than its box: every node in its status colour and the part in
//   view; a click or drag there moves the view.
// - Lane labels stay at the left edge while the graph scrolls sideways.
// - Keyboard: Tab reaches one node per graph (its running or failed step, else the first), arrows
//   move between nodes (left/right: previous/next column, up/down: within the column), Home/End,
//   Enter or Space opens the step; a focused node shows its full name beside it.
// - The overview's cells jump to their zone's step in the graph.
// - The replay's Play button steps the slider on, one redraw at a time.
(function () {
  "use strict";
  var READABLE = 0.7, MIN_SCALE = 0.2, MAX_SCALE = 2, NODE_W = 180, NODE_H = 46, MIN_BOX = 140, MAP_FROM = 20;
  var chosen = {};  // graph box id -> the scale the operator chose with the zoom buttons

  function boxes(root) {
    var found = [].slice.call((root || document).querySelectorAll(".dag-scroll"));
    if (root && root.matches && root.matches(".dag-scroll")) found.push(root);
    return found.filter(function (box) { return box.querySelector("svg.dag"); });
  }
  function svgOf(box) { return box.querySelector("svg.dag"); }
  function scaleOf(box) { return parseFloat(box.dataset.scale || "1"); }
  function position(node) {
    var m = /translate\(([-\d.]+),\s*([-\d.]+)\)/.exec(node.getAttribute("transform") || "");
    return m ? { x: +m[1], y: +m[2] } : { x: 0, y: 0 };
  }

  function setScale(box, scale) {
    var svg = svgOf(box);
    box.dataset.scale = scale;
    svg.setAttribute("width", Math.round(svg.dataset.width * scale));
    svg.setAttribute("height", Math.round(svg.dataset.height * scale));
  }

  // The box's height when its graph overflows (its CSS max-height), in pixels.
  function boxHeight(box) {
    var max = parseFloat(getComputedStyle(box).maxHeight);
    return isFinite(max) ? max : box.clientHeight;
  }

  function focusTarget(svg) {
    return svg.querySelector(".node[data-status='RUNNING']") || svg.querySelector(".node[data-status='FAILED']") ||
      svg.querySelector(".node[data-status='CANCELING']") || svg.querySelector(".node[data-status='READY']");
  }

  // Scroll the box so the node sits in the middle of the part of the box that is on screen. Near the
  // end of the graph the box cannot scroll that far: a box reaching below the screen is then cut to
  // end at the screen's bottom (from the page's first frame on, the graph is in view as a whole).
  function centre(box, node, first) {
    var s = scaleOf(box), p = position(node), b = box.getBoundingClientRect();
    var top = Math.max(b.top, 0), bottom = Math.min(b.bottom, window.innerHeight);
    if (bottom - top < NODE_H * s + 24) { top = b.top; bottom = b.bottom; }
    box.scrollLeft = p.x * s - (box.clientWidth - NODE_W * s) / 2;
    box.scrollTop = p.y * s - ((top + bottom) / 2 - b.top - NODE_H * s / 2);
    var r = node.getBoundingClientRect(), room = window.innerHeight - b.top - 8;
    if (first && r.bottom > bottom && b.bottom > window.innerHeight && room >= MIN_BOX) {
      box.style.maxHeight = room + "px";
      centre(box, node, false);
    }
  }

  function frame(box) {
    var svg = svgOf(box);
    if (!box.clientWidth) return;  // in a closed child task: framed when it opens
    var scale = chosen[box.id];
    if (scale === undefined) {
      var fit = Math.min(1, (box.clientWidth - 4) / svg.dataset.width, (boxHeight(box) - 4) / svg.dataset.height);
      scale = fit >= READABLE ? fit : 1;
    }
    setScale(box, scale);
    var node = focusTarget(svg);
    if (node && box.dataset.framedOn !== node.id) {
      centre(box, node, !box.dataset.framedOn);
      box.dataset.framedOn = node.id;
    }
    later(box);
  }

  // The Tab stop, the minimap and the labels' places wait for the first frame with the graph: a
  // thousand nodes are read or touched there, and the graph shows sooner without them.
  var waiting = new Set();
  function later(box) {
    if (!waiting.size) requestAnimationFrame(function () {
      setTimeout(function () {
        waiting.forEach(function (b) {
          if (!b.isConnected) return;
          rove(svgOf(b));
          minimap(b);
          pinLabels(b);
        });
        waiting.clear();
      });
    });
    waiting.add(box);
  }

  // --- minimap ---------------------------------------------------------------------------------
  var colours = {};
  function colourOf(node) {
    var key = node.getAttribute("class");
    if (!(key in colours)) colours[key] = getComputedStyle(node).getPropertyValue("--c").trim() || "#98a2b3";
    return colours[key];
  }

  function minimap(box) {
    var svg = svgOf(box), s = scaleOf(box), w = +svg.dataset.width, h = +svg.dataset.height;
    var map = box.nextElementSibling && box.nextElementSibling.matches("canvas.minimap") ? box.nextElementSibling : null;
    var overflows = w * s > box.clientWidth + 1 || h * s > box.clientHeight + 1;
    overflows = overflows && svg.querySelectorAll(".node").length >= MAP_FROM;  // a short chain scrolls
    if (!overflows) { if (map) map.remove(); return; }
    if (!map) {
      map = document.createElement("canvas");
      map.className = "minimap";
      map.setAttribute("aria-hidden", "true");
      map.title = "Overview of this graph: click or drag to move the view";
      box.after(map);
    }
    var width = box.clientWidth, height = Math.max(28, Math.min(90, Math.round(width * h / w)));
    var k = Math.min(width / w, height / h);
    if (map.width !== width || map.height !== height) { map.width = width; map.height = height; }
    map.dataset.k = k;
    var ctx = map.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = "#eef2f6";
    ctx.fillRect(0, 0, w * k, h * k);
    svg.querySelectorAll(".node").forEach(function (node) {
      var p = position(node);
      ctx.fillStyle = colourOf(node);
      ctx.fillRect(p.x * k, p.y * k, Math.max(2, NODE_W * k), Math.max(2, NODE_H * k));
    });
    ctx.strokeStyle = "#14213d";
    ctx.lineWidth = 1.5;
    ctx.strokeRect(box.scrollLeft / s * k, box.scrollTop / s * k, box.clientWidth / s * k, box.clientHeight / s * k);
  }

  function jumpFromMap(map, event) {
    var box = map.previousElementSibling, s = scaleOf(box), k = +map.dataset.k, r = map.getBoundingClientRect();
    box.scrollLeft = (event.clientX - r.left) / k * s - box.clientWidth / 2;
    box.scrollTop = (event.clientY - r.top) / k * s - box.clientHeight / 2;
  }
  var mapDrag = null;
  document.addEventListener("mousedown", function (event) {
    var map = event.target.closest && event.target.closest("canvas.minimap");
    if (!map) return;
    mapDrag = map;
    jumpFromMap(map, event);
    event.preventDefault();
  });
  document.addEventListener("mousemove", function (event) { if (mapDrag) jumpFromMap(mapDrag, event); });
  document.addEventListener("mouseup", function () { mapDrag = null; });

  // --- lane labels stay in view ----------------------------------------------------------------
  function pinLabels(box) {
    var s = scaleOf(box), x = 6 + box.scrollLeft / s, top = box.scrollTop / s + 13;
    box.querySelectorAll("svg.dag .lane-label").forEach(function (label) {
      var y = +label.dataset.y, h = +label.dataset.h;
      label.setAttribute("x", x);
      label.setAttribute("y", Math.max(y + 13, Math.min(top, y + h - 4)));  // within its lane
    });
  }

  var pending = new Set();
  document.addEventListener("scroll", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(".dag-scroll")) return;
    if (!pending.size) requestAnimationFrame(function () {
      pending.forEach(function (b) { pinLabels(b); minimap(b); });
      pending.clear();
    });
    pending.add(box);
  }, true);

  // --- zoom ------------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-zoom]");
    if (!button) return;
    boxes().forEach(function (box) {
      if (!box.clientWidth) return;
      var svg = svgOf(box), how = button.dataset.zoom, scale = scaleOf(box);
      if (how === "in") scale = Math.min(MAX_SCALE, scale * 1.25);
      else if (how === "out") scale = Math.max(MIN_SCALE, scale / 1.25);
      else scale = Math.max(MIN_SCALE, Math.min(1, (box.clientWidth - 4) / svg.dataset.width, (boxHeight(box) - 4) / svg.dataset.height));
      chosen[box.id] = scale;
      setScale(box, scale);
      minimap(box);
      pinLabels(box);
    });
  });

  // --- keyboard --------------------------------------------------------------------------------
  // One node per graph is in the Tab order; the arrows move from node to node.
  function rove(svg) {
    var nodes = svg.querySelectorAll(".node");
    if (!nodes.length) return;
    var keep = svg.querySelector(".node[tabindex='0']");
    var entry = (document.activeElement && svg.contains(document.activeElement) && document.activeElement) ||
      keep || focusTarget(svg) || nodes[0];
    nodes.forEach(function (node) { node.setAttribute("tabindex", node === entry ? "0" : "-1"); });
  }

  function neighbour(node, key) {
    var here = position(node), best = null, bestScore = Infinity;
    node.ownerSVGElement.querySelectorAll(".node").forEach(function (other) {
      if (other === node) return;
      var p = position(other), dx = p.x - here.x, dy = p.y - here.y, score;
      if (key === "ArrowRight" && dx > 0) score = dx * 1000 + Math.abs(dy);
      else if (key === "ArrowLeft" && dx < 0) score = -dx * 1000 + Math.abs(dy);
      else if (key === "ArrowDown" && dy > 0) score = Math.abs(dx) * 1000 + dy;
      else if (key === "ArrowUp" && dy < 0) score = Math.abs(dx) * 1000 - dy;
      else return;
      if (score < bestScore) { bestScore = score; best = other; }
    });
    return best;
  }

  function moveTo(node, target) {
    if (!target) return;
    node.setAttribute("tabindex", "-1");
    target.setAttribute("tabindex", "0");
    target.focus({ preventScroll: true });
    var box = target.closest(".dag-scroll"), r = target.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.left < b.left || r.right > b.right || r.top < b.top || r.bottom > b.bottom) centre(box, target);
    showTip(target);
  }

  document.addEventListener("keydown", function (event) {
    var node = event.target.closest && event.target.closest("svg.dag .node");
    if (!node) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      node.dispatchEvent(new MouseEvent("click", { bubbles: true }));  // ocpdash.js opens the step
    } else if (/^Arrow/.test(event.key)) {
      event.preventDefault();
      moveTo(node, neighbour(node, event.key));
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      var all = node.ownerSVGElement.querySelectorAll(".node");
      var sorted = [].slice.call(all).sort(function (a, b) { return position(a).x - position(b).x || position(a).y - position(b).y; });
      moveTo(node, event.key === "Home" ? sorted[0] : sorted[sorted.length - 1]);
    }
  });

  // --- the full name of a focused node -----------------------------------------------------------
  var tip = null;
  function showTip(node) {
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "dag-tip";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    var title = node.querySelector("title");
    tip.textContent = title ? title.textContent : "";
    var r = node.getBoundingClientRect();
    tip.style.left = Math.max(4, r.left + window.scrollX) + "px";
    tip.style.top = (r.bottom + window.scrollY + 4) + "px";
    tip.hidden = false;
    node.setAttribute("aria-describedby", "dag-tip");
  }
  document.addEventListener("focusin", function (event) {
    var node = event.target.closest && event.target.closest("svg.dag .node");
    if (node) showTip(node);
  });
  document.addEventListener("focusout", function (event) {
    if (tip && event.target.closest && event.target.closest("svg.dag .node")) tip.hidden = true;
  });

  // --- the overview's cells jump into the graph ----------------------------------------------
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-jump]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var node = document.getElementById(link.dataset.jump);
    if (!node || !node.closest("svg.dag")) return;  // the Gantt is open: the link opens the step
    event.preventDefault();
    var details = node.closest("details");
    if (details && !details.open) details.open = true;
    var box = node.closest(".dag-scroll");
    frame(box);
    box.scrollIntoView({ block: "nearest" });
    centre(box, node);
    moveTo(svgOf(box).querySelector(".node[tabindex='0']") || node, node);
  });

  document.addEventListener("toggle", function (event) {
    if (event.target.open) boxes(event.target).forEach(frame);
  }, true);

  // --- the replay's Play button ------------------------------------------------------------------
  var playing = null;
  function stop(button) {
    playing = null;
    button.textContent = "▶ Play";
    button.setAttribute("aria-pressed", "false");
  }
  function tick(button, slider) {
    if (playing !== slider) return;
    var max = +slider.max, next = Math.min(max, +slider.value + Math.max(1, Math.round((max - slider.min) / 60)));
    slider.value = next;
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    if (next >= max) stop(button);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#replay-play");
    if (!button) return;
    var slider = document.getElementById("replay-at");
    if (playing) { stop(button); return; }
    if (+slider.value >= +slider.max) slider.value = slider.min;
    playing = slider;
    button.textContent = "❚❚ Pause";
    button.setAttribute("aria-pressed", "true");
    tick(button, slider);
  });

  // A live update replaces a node that changed: the graph keeps one node in the Tab order, and a
  // node that had the focus has it again.
  var focused = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    focused = target && target.contains && target.contains(document.activeElement) ? document.activeElement.id : focused;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    boxes(event.target).forEach(frame);
    if (event.target.matches && event.target.matches("svg.dag .node")) rove(event.target.ownerSVGElement);
    if (focused) {  // every swap of the response is done by its first afterSettle
      var again = document.getElementById(focused);
      focused = null;
      if (again && again !== document.activeElement) again.focus({ preventScroll: true });
    }
    if (playing && event.target.id === "dag") {
      var button = document.getElementById("replay-play");
      setTimeout(function () { tick(button, playing); }, 150);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { boxes().forEach(frame); });
})();
