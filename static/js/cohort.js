// The cohort's Kaplan-Meier step chart: reads the page's JSON block and draws it with Chart.js.
// x is months since surgery (days / 30.4375, a linear axis), y the estimated share spasm-free
// in percent; the line holds each value until the next event ("stepped"), the shaded band is
// its 95% confidence band (Greenwood, log-log; absent where it is undefined), a patient who
// is not yet spasm-free is marked where their follow-up ends, and each month on the axis
// carries the number still at risk under it (docs/cohort.md). The table under the chart
// gives the same numbers.
(function () {
  "use strict";

  var MONTH_DAYS = 30.4375;
  var COLOURS = {
    line: "#1d4e89", band: "rgba(29, 78, 137, 0.18)", censored: "#333333",
    grid: "#e1e5eb", text: "#333333"
  };

  // The curve's value on a day: the last step at or before it.
  function percentOn(points, day) {
    var value = 0;
    for (var i = 0; i < points.length && points[i].day <= day; i++) value = points[i].percent;
    return value;
  }

  // One series of the chart, in months, held from the last step until the longest follow-up.
  function series(points, last, key) {
    var values = points.map(function (p) { return { x: p.day / MONTH_DAYS, y: p[key] }; });
    if (points.length) values.push({ x: last / MONTH_DAYS, y: points[points.length - 1][key] });
    return values;
  }

  // The chart's words, in the page's language (templates/clinic/cohort.html), with their
  // %(name)s placeholders filled in.
  function word(words, key, values) {
    var text = words[key] || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(values[name]));
    });
    return text;
  }

  function start() {
    var holder = document.getElementById("cohort-data");
    var wordsHolder = document.getElementById("cohort-words");
    var words = wordsHolder ? JSON.parse(wordsHolder.textContent) : {};
    var canvas = document.getElementById("cohort-chart");
    if (!holder || !canvas || !window.Chart) return;
    var data = JSON.parse(holder.textContent);
    var points = data.points;
    var ticks = data.ticks;
    var atRisk = {};
    ticks.forEach(function (t) { atRisk[t.months] = t.at_risk; });
    var marks = data.censored.map(function (day) {
      return { x: day / MONTH_DAYS, y: percentOn(points, day) };
    });
    var every = ticks.length > 1 ? ticks[1].months - ticks[0].months : 1;
    window.Chart.defaults.color = COLOURS.text;
    window.Chart.defaults.font.size = 12;
    var chart = new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: word(words, "share"), data: series(points, data.last_day, "percent"),
            stepped: true, borderColor: COLOURS.line, backgroundColor: COLOURS.line, borderWidth: 3,
            pointRadius: 0, pointHitRadius: 6, pointStyle: "line", order: 0
          },
          {
            label: word(words, "band_low"), data: series(points, data.last_day, "low"), stepped: true,
            borderWidth: 0, pointRadius: 0, pointHitRadius: 0, fill: false, spanGaps: false, order: 2
          },
          {
            label: word(words, "band"), data: series(points, data.last_day, "high"), stepped: true,
            borderWidth: 0, borderColor: COLOURS.band, backgroundColor: COLOURS.band, pointRadius: 0,
            pointHitRadius: 0, pointStyle: "rect", fill: "-1", spanGaps: false, order: 2
          },
          {
            label: word(words, "censored"), data: marks, showLine: false,
            pointStyle: "crossRot", pointRadius: 5, borderColor: COLOURS.censored,
            backgroundColor: COLOURS.censored, borderWidth: 1.5, order: 1
          }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: true,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear", min: 0, max: ticks.length ? ticks[ticks.length - 1].months : 1,
            grid: { color: COLOURS.grid },
            title: { display: true, text: word(words, "x_axis") },
            // Each labelled month and, under it, the number still at risk then (on a narrow
            // screen Chart.js leaves out whole labels, never a number without its month).
            ticks: {
              stepSize: every, precision: 0, maxRotation: 0,
              callback: function (value) {
                return value in atRisk ? [String(value), "(" + atRisk[value] + ")"] : "";
              }
            }
          },
          y: {
            min: 0, max: 100, grid: { color: COLOURS.grid },
            title: { display: true, text: word(words, "y_axis") }, ticks: { stepSize: 25 }
          }
        },
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              usePointStyle: true, color: COLOURS.text,
              filter: function (item) { return item.datasetIndex !== 1; }
            }
          },
          tooltip: {
            filter: function (item) { return item.datasetIndex === 0 || item.datasetIndex === 3; },
            callbacks: {
              label: function (item) {
                return word(words, "tooltip", {
                  label: item.dataset.label, percent: item.parsed.y, months: item.parsed.x.toFixed(1)
                });
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
