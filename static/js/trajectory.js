// The trajectory chart: reads the page's JSON block and draws it with Chart.js.
// Dates travel as YYYY-MM-DD and are placed on a linear axis of whole days, so the chart
// never shifts with the viewer's time zone.
(function () {
  "use strict";

  var DAY_MS = 86400000;
  var MONTH_DAYS = 30.4375;

  function dayNumber(iso) {
    var p = iso.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]) / DAY_MS;
  }

  function isoOf(day) {
    return new Date(Math.round(day) * DAY_MS).toISOString().slice(0, 10);
  }

  function formatDay(day) {
    var d = new Date(Math.round(day) * DAY_MS);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "2-digit", timeZone: "UTC" });
  }

  function build(data, axis) {
    var surgery = data.summary.surgery ? dayNumber(data.summary.surgery) : null;
    var sinceSurgery = axis === "surgery" && surgery !== null;
    function x(iso) {
      var d = dayNumber(iso);
      return sinceSurgery ? (d - surgery) / MONTH_DAYS : d;
    }
    var s = data.series;
    var bars = s.start.map(function (iso, i) { return { x: x(iso), y: s.spasms[i] }; });
    var datasets = [{
      type: "bar", label: data.range.bucket === "day" ? "Spasms per day" : "Spasms per logged day",
      data: bars, backgroundColor: "rgba(29, 78, 137, 0.45)", borderColor: "#1d4e89",
      borderWidth: 1, barThickness: "flex", yAxisID: "y", order: 3
    }];
    if (s.rolling_mean) {
      datasets.push({
        type: "line", label: "7-day mean", yAxisID: "y", order: 1, pointRadius: 0,
        borderColor: "#a3141b", borderWidth: 2, spanGaps: false,
        data: s.start.map(function (iso, i) { return { x: x(iso), y: s.rolling_mean[i] }; })
      });
    }
    datasets.push({
      type: "line", label: "Severity (self-rated, 0-4)", yAxisID: "severity", order: 2,
      borderColor: "#7a4b00", borderDash: [4, 4], pointRadius: 0, borderWidth: 1.5,
      data: s.start.map(function (iso, i) { return { x: x(iso), y: s.severity[i] }; })
        .filter(function (p) { return p.y !== null; })
    });

    var annotations = {};
    data.surgeries.forEach(function (op, i) {
      annotations["surgery" + i] = {
        type: "line", xMin: x(op.date), xMax: x(op.date), borderColor: "#133660", borderWidth: 3,
        label: { display: true, content: op.label, position: "start", backgroundColor: "#133660", font: { size: 12 } }
      };
    });
    data.injections.forEach(function (inj, i) {
      annotations["injection" + i] = {
        type: "line", xMin: x(inj.date), xMax: x(inj.date), borderColor: "#1e6b3a", borderWidth: 1.5,
        borderDash: [2, 3],
        label: {
          display: true, position: "end", backgroundColor: "#1e6b3a", font: { size: 11 },
          content: inj.product + (inj.units !== null ? " " + inj.units + " U" : "")
        }
      };
    });
    var first = s.start.length ? x(s.start[0]) : x(data.range.from);
    var last = x(data.range.to);
    data.regimens.forEach(function (r, i) {
      annotations["regimen" + i] = {
        type: "box", xMin: Math.max(x(r.from), first), xMax: r.to ? Math.min(x(r.to), last) : last,
        backgroundColor: "rgba(122, 75, 0, 0.08)", borderWidth: 0,
        label: { display: true, content: r.drug + " " + r.dose, position: { x: "start", y: "start" }, font: { size: 11 }, color: "#4a4a4a" }
      };
    });
    var base = data.summary.baseline;
    if (base && base.mean !== null) {
      annotations.baseline = {
        type: "line", yMin: base.mean, yMax: base.mean, yScaleID: "y", borderColor: "#4a4a4a",
        borderDash: [6, 4], borderWidth: 1.5,
        label: { display: true, content: "Before surgery: " + base.mean + " a day", position: "end", font: { size: 11 } }
      };
    }

    return {
      data: { datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: false, normalized: true,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: {
            type: "linear", min: x(data.range.from), max: last,
            title: { display: true, text: sinceSurgery ? "Months since surgery" : "Date" },
            ticks: {
              maxTicksLimit: 8,
              callback: function (v) { return sinceSurgery ? Math.round(v * 10) / 10 : formatDay(v); }
            }
          },
          y: { beginAtZero: true, title: { display: true, text: "Spasms" } },
          severity: { position: "right", min: 0, max: 4, grid: { drawOnChartArea: false }, title: { display: true, text: "Severity" } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) {
                if (!items.length) return "";
                var v = items[0].parsed.x;
                return sinceSurgery ? formatDay(v * MONTH_DAYS + surgery) : formatDay(v);
              }
            }
          },
          annotation: { annotations: annotations }
        }
      }
    };
  }

  function start() {
    var holder = document.getElementById("trajectory-data");
    var canvas = document.getElementById("trajectory-chart");
    if (!holder || !canvas || !window.Chart) return;
    if (window["chartjs-plugin-annotation"]) window.Chart.register(window["chartjs-plugin-annotation"]);
    var data = JSON.parse(holder.textContent);
    var axis = "calendar";
    var chart = new window.Chart(canvas, build(data, axis));
    canvas.dataset.points = String(data.series.start.length);
    window.trajectoryChart = chart; // read by the browser tests

    var controls = document.querySelector("[data-chart-controls]");
    if (controls) {
      controls.hidden = false;
      controls.querySelectorAll("button[data-axis]").forEach(function (button) {
        button.addEventListener("click", function () {
          axis = button.dataset.axis;
          controls.querySelectorAll("button[data-axis]").forEach(function (b) {
            var on = b === button;
            b.setAttribute("aria-pressed", on ? "true" : "false");
            b.classList.toggle("primary", on);
          });
          var config = build(data, axis);
          chart.data = config.data;
          chart.options = config.options;
          chart.update();
        });
      });
    }
    // Printing: give the chart the page's width, and back afterwards.
    window.addEventListener("beforeprint", function () { chart.resize(680, 320); });
    window.addEventListener("afterprint", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", start);
  window.trajectoryIso = isoOf;
})();
