// The console's little JS: sparklines with the vendored uPlot, and the overview's polling.
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

function drawCharts(root) {
  if (typeof uPlot === "undefined") return;
  root.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = JSON.parse(el.dataset.chart);
    el.textContent = "";
    new uPlot({
      width: Math.min(el.clientWidth || 600, 900), height: 220,
      scales: { x: { time: false } },
      axes: [{ label: spec.xlabel, incrs: [1, 2, 5, 10, 20, 50, 100] }, { label: spec.ylabel }],
      series: [{ label: spec.xlabel }].concat(spec.series.map(function (s, i) {
        return { label: s, stroke: ["#0a58ca", "#c0392b", "#2e7d32"][i % 3], width: 1.5 };
      })),
    }, spec.data, el);
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

document.addEventListener("DOMContentLoaded", function () {
  drawSparks(document);
  drawCharts(document);
  document.querySelectorAll("[data-poll]").forEach(poll);
});
