// The console's little JS: sparklines and charts with the vendored uPlot, and the overview's polling.
"use strict";

function drawSparks(root) {
  if (typeof uPlot === "undefined") return;
  root.querySelectorAll("[data-spark]").forEach(function (el) {
    var data = JSON.parse(el.dataset.spark);
    el.textContent = "";
    if (data[0].length < 2) { el.textContent = "collecting…"; return; }
    new uPlot({
      width: el.clientWidth || 180, height: 40, legend: { show: false }, cursor: { show: false },
      axes: [{ show: false }, { show: false }],
      scales: { x: { time: true } },
      series: [{}, { stroke: "#0a58ca", width: 1.5 }, { stroke: "#c0392b", width: 1 }],
    }, data, el);
  });
}

var palette = ["#0a58ca", "#c0392b", "#2e7d32", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b"];

// chartOptions turns a chart spec of the server (see chart.go) into uPlot options: an
// index on x (the default, or kind "bars" with labels), or days (kind "time"); bands
// shade the area between two series (a forecast's intervals).
function chartOptions(spec, width) {
  var time = spec.kind === "time", bars = spec.kind === "bars";
  var x = { label: spec.xlabel };
  if (!time) x.incrs = [1, 2, 5, 10, 20, 50, 100];
  if (bars && spec.labels) {
    x.values = function (u, splits) { return splits.map(function (i) { return spec.labels[i] || ""; }); };
    x.rotate = 0;
  }
  var banded = {};
  (spec.bands || []).forEach(function (b) { banded[b[0]] = banded[b[1]] = true; });
  var n = spec.series.length;
  var series = [{ label: spec.xlabel || (time ? "day" : bars ? "" : "x") }].concat(spec.series.map(function (s, i) {
    var o = { label: s, stroke: palette[i % palette.length], width: 1.5, spanGaps: false };
    if (banded[i + 1]) { // an interval's edge: the band's shade says it, the line only hints
      o.stroke = "rgba(10, 88, 202, 0.35)"; o.width = 1; o.points = { show: false };
    }
    if (bars) { // grouped bars: two series side by side, more centred on the value
      o.fill = palette[i % palette.length];
      o.paths = uPlot.paths.bars({ size: [n > 1 ? 0.4 : 0.6, 60], align: n === 2 ? (i === 0 ? -1 : 1) : 0, gap: 1 });
      o.points = { show: false };
    }
    return o;
  }));
  var opts = {
    width: width, height: 220,
    scales: bars ? { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } }, y: { range: function (u, min, max) { return [0, Math.max(max, 1)]; } } }
      : { x: { time: time } },
    axes: [x, { label: spec.ylabel }],
    series: series,
  };
  if (spec.bands) {
    opts.bands = spec.bands.map(function (b) { return { series: b, fill: "rgba(10, 88, 202, 0.12)" }; });
  }
  return opts;
}

function drawCharts(root) {
  if (typeof uPlot === "undefined") return;
  root.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = JSON.parse(el.dataset.chart);
    el.textContent = "";
    new uPlot(chartOptions(spec, Math.min(el.clientWidth || 600, 900)), spec.data, el);
  });
}

function poll(table) {
  var url = table.dataset.poll;
  setInterval(function () {
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : Promise.reject(r.status);
    }).then(function (html) {
      var body = table.querySelector("tbody");
      var tmp = document.createElement("table");
      tmp.innerHTML = html;
      var fresh = tmp.querySelector("tbody");
      if (body && fresh) { body.replaceWith(fresh); drawSparks(fresh); }
    }).catch(function () { /* the next poll retries; the page keeps the last figures */ });
  }, 5000);
}

// refresh replaces el with the fragment at its data-refresh URL every 2 s until the fresh
// one says it is done (data-done): a replay's progress.
function refresh(el) {
  if (el.hasAttribute("data-done")) return;
  var timer = setInterval(function () {
    fetch(el.dataset.refresh, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : Promise.reject(r.status);
    }).then(function (html) {
      var tmp = document.createElement("div");
      tmp.innerHTML = html;
      var fresh = tmp.firstElementChild;
      if (!fresh) return;
      el.replaceWith(fresh);
      el = fresh;
      if (fresh.hasAttribute("data-done")) clearInterval(timer);
    }).catch(function () { /* the next round retries */ });
  }, 2000);
}

document.addEventListener("DOMContentLoaded", function () {
  drawSparks(document);
  drawCharts(document);
  document.querySelectorAll("[data-poll]").forEach(poll);
  document.querySelectorAll("[data-refresh]").forEach(refresh);
});
