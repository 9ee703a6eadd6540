/* The console's charts: every <script type="application/json" class="chart-option" data-for="id">
   holds an ECharts option built on the server (typed names already escaped in tooltips); it is drawn
   as SVG into the element with that id, so the chart scales and prints. No option carries code. */
(function () {
  "use strict";
  var drawn = [];

  function draw(root) {
    if (!window.echarts) { return; }
    var scripts = (root || document).querySelectorAll('script[type="application/json"].chart-option');
    Array.prototype.forEach.call(scripts, function (script) {
      var target = document.getElementById(script.getAttribute("data-for"));
      if (!target || target.getAttribute("data-drawn")) { return; }
      var option;
      try { option = JSON.parse(script.textContent); } catch (e) { return; }
      var chart = window.echarts.init(target, null, { renderer: "svg" });
      chart.setOption(option);
      target.setAttribute("data-drawn", "1");
      drawn.push(chart);
    });
  }

  function resizeAll() {
    drawn.forEach(function (chart) { if (!chart.isDisposed()) { chart.resize(); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  window.addEventListener("resize", resizeAll);
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
}());
