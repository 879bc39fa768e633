// The cohort's Kaplan-Meier step chart: reads the page's JSON block and draws it with Chart.js.
// x is months since surgery (days / 30.4375, a linear axis), y the estimated share spasm-free
// in percent; the line holds each value until the next event ("stepped"), and a patient who
// is not yet spasm-free is marked where their follow-up ends. The table under the chart
// gives the same numbers.
(function () {
  "use strict";

  var MONTH_DAYS = 30.4375;
  var COLOURS = { line: "#1d4e89", censored: "#333333", grid: "#e1e5eb", text: "#333333" };

  // The curve's value on a day: the last step at or before it.
  function percentOn(points, day) {
    var value = 0;
    for (var i = 0; i < points.length && points[i].day <= day; i++) value = points[i].percent;
    return value;
  }

  function start() {
    var holder = document.getElementById("cohort-data");
    var canvas = document.getElementById("cohort-chart");
    if (!holder || !canvas || !window.Chart) return;
    var data = JSON.parse(holder.textContent);
    var points = data.points;
    var last = points.length ? points[points.length - 1].day : 0;
    data.censored.forEach(function (day) { if (day > last) last = day; });
    var line = points.map(function (p) { return { x: p.day / MONTH_DAYS, y: p.percent }; });
    // The estimate holds until the longest follow-up.
    if (points.length) line.push({ x: last / MONTH_DAYS, y: points[points.length - 1].percent });
    var marks = data.censored.map(function (day) {
      return { x: day / MONTH_DAYS, y: percentOn(points, day) };
    });
    // Whole months on the axis, every 1, 3 or 6 of them.
    var months = Math.max(1, Math.ceil(last / MONTH_DAYS));
    var step = months <= 12 ? 1 : months <= 36 ? 3 : 6;
    window.Chart.defaults.color = COLOURS.text;
    window.Chart.defaults.font.size = 12;
    var chart = new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: "Share spasm-free (Kaplan-Meier)", data: line, stepped: true,
            borderColor: COLOURS.line, backgroundColor: COLOURS.line, borderWidth: 3,
            pointRadius: 0, pointHitRadius: 6, pointStyle: "line"
          },
          {
            label: "Followed until here, not yet spasm-free", data: marks, showLine: false,
            pointStyle: "crossRot", pointRadius: 4, borderColor: COLOURS.censored,
            backgroundColor: COLOURS.censored, borderWidth: 1.5
          }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: true,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear", min: 0, max: Math.ceil(months / step) * step, grid: { color: COLOURS.grid },
            title: { display: true, text: "Months since surgery" },
            ticks: { stepSize: step, precision: 0 }
          },
          y: {
            min: 0, max: 100, grid: { color: COLOURS.grid },
            title: { display: true, text: "Spasm-free (%)" }, ticks: { stepSize: 25 }
          }
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, color: COLOURS.text } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + item.parsed.y + "% at " + item.parsed.x.toFixed(1) + " months";
              }
            }
          }
        }
      }
    });
    canvas.dataset.points = String(points.length);
    window.cohortChart = chart; // read by the browser tests
    window.addEventListener("beforeprint", function () { chart.resize(680, 320); });
    window.addEventListener("afterprint", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
