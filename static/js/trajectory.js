// The trajectory chart: reads the page's JSON blocks (the data, and the chart's words in the
// page's language) and draws it with Chart.js. Dates travel as YYYY-MM-DD and are placed on a
// linear axis of whole days, so the chart never shifts with the viewer's time zone; the ones
// it shows are written by the browser's Intl in the locale the words block names. Severity
// has a pane of its own under the spasms (docs/trajectory.md, The chart), the date axis
// has a tick at least every quarter, and the injection labels are staggered over two rows
// so that none hides another; a label that fits no row is left off (the list under the
// chart names every treatment).
(function () {
  "use strict";

  var DAY_MS = 86400000;
  var MONTH_DAYS = 30.4375;
  // Under this chart width (px) the axis titles are left off: the legend names both scales.
  var NARROW = 480;
  var LABEL_FONT = { size: 12, weight: "bold" };
  var LABEL_PADDING = { x: 6, y: 4 };
  var ROW = 26; // px between the rows of treatment labels at the top of the chart
  var INJECTION_ROWS = 2; // rows the injection labels are staggered over
  var TICK_ROOM = 70; // px a date label needs on the axis
  var GAP = 4; // px between two labels in one row
  // The chart's words, in the page's language (templates/progress/_chart.html).
  var WORDS = {};
  var LOCALE = "en-GB";
  // Colours: every line and label has at least 3:1 against white (text 4.5:1, WCAG AA).
  var COLOURS = {
    text: "#333333",
    grid: "#e1e5eb",
    bars: "#9fb6d6",
    denseBars: "#6f91c0", // no border between hundreds of bars: the fill alone has 3:1
    barBorder: "#1d4e89",
    mean: "#8b0f15",
    severity: "#7a4b00",
    surgery: "#133660",
    injection: "#1e6b3a",
    regimen: "rgba(122, 75, 0, 0.12)",
    regimenText: "#5c3900",
    regimenEdge: "#b08a50",
    regimenFill: "#efe8dd",
    baseline: "#4a4a4a",
    assessment: "#5b2a86"
  };

  function dayNumber(iso) {
    var p = iso.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]) / DAY_MS;
  }

  function isoOf(day) {
    return new Date(Math.round(day) * DAY_MS).toISOString().slice(0, 10);
  }

  // A word of the words block, its %(name)s placeholders filled in.
  function word(key, values) {
    var text = WORDS[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(values[name]));
    });
    return text;
  }

  function formatDay(day) {
    var d = new Date(Math.round(day) * DAY_MS);
    return d.toLocaleDateString(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function formatMonth(day) {
    var d = new Date(Math.round(day) * DAY_MS);
    return d.toLocaleDateString(LOCALE, { month: "short", year: "numeric", timeZone: "UTC" });
  }

  // The last day a bucket starting on `first` covers.
  function bucketEnd(first, bucket) {
    if (bucket === "week") return first + 6;
    if (bucket === "month") {
      var d = new Date(first * DAY_MS);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS - 1;
    }
    return first;
  }

  // "Microvascular decompression (MVD)" reads "MVD" on the chart; the list has the full name.
  function shortName(label) {
    var m = /\(([^)]+)\)\s*$/.exec(label);
    return m ? m[1] : label;
  }

  function textWidth(chart, text) {
    var ctx = chart.ctx;
    ctx.save();
    ctx.font = LABEL_FONT.weight + " " + LABEL_FONT.size + "px " + window.Chart.defaults.font.family;
    var width = ctx.measureText(text).width;
    ctx.restore();
    return width + 2 * LABEL_PADDING.x;
  }

  // Ticks every 1, 2 or 3 months, never fewer than one a quarter: each is {value, label}, and
  // when `room` labels do not fit them all, only every 6th, 12th, 24th... month is labelled
  // (the others keep their grid line). `months` counts from a fixed origin, so the labelled
  // ones are the same Januaries and Julys whatever the range.
  function monthlyTicks(months, room) {
    var step = [1, 2, 3].filter(function (s) { return months.count / s <= room; })[0] || 3;
    var every = step;
    while (months.count / every > room) every = every < 12 ? every * 2 : every + 12;
    var ticks = [];
    months.each(function (index, value) {
      if (index % step === 0) ticks.push({ value: value, labelled: index % every === 0 });
    });
    return ticks;
  }

  // Calendar ticks: weekly for a range of two months or less, else monthlyTicks by calendar month.
  function calendarTicks(min, max, room) {
    var ticks = [];
    if (max - min <= 62) {
      for (var w = Math.ceil(min); w <= max; w += 7) ticks.push({ value: w, labelled: true });
      return ticks;
    }
    var d = new Date(Math.ceil(min) * DAY_MS);
    var first = d.getUTCFullYear() * 12 + d.getUTCMonth() + (d.getUTCDate() > 1 ? 1 : 0);
    return monthlyTicks({
      count: (max - min) / MONTH_DAYS,
      each: function (visit) {
        for (var index = first; ; index++) {
          var day = Date.UTC(Math.floor(index / 12), index % 12, 1) / DAY_MS;
          if (day > max) break;
          visit(index, day);
        }
      }
    }, room);
  }

  // Whole months since surgery, on the same rule.
  function monthTicks(min, max, room) {
    return monthlyTicks({
      count: max - min,
      each: function (visit) {
        for (var m = Math.ceil(min); m <= max; m++) visit(m, m);
      }
    }, room);
  }

  function build(data, axis) {
    var bucket = data.range.bucket;
    var from = dayNumber(data.range.from);
    var to = dayNumber(data.range.to);
    var surgery = data.summary.surgery ? dayNumber(data.summary.surgery) : null;
    var sinceSurgery = axis === "surgery" && surgery !== null;
    function x(day) {
      return sinceSurgery ? (day - surgery) / MONTH_DAYS : day;
    }
    function xOf(iso) { return x(dayNumber(iso)); }
    // A week or month is drawn at the middle of the days it covers inside the range.
    function xOfBucket(iso) {
      var first = dayNumber(iso);
      return x((Math.max(first, from) + Math.min(bucketEnd(first, bucket), to)) / 2);
    }

    var s = data.series;
    var xs = s.start.map(xOfBucket);
    var dense = bucket === "day" && s.start.length > 120;
    var datasets = [{
      type: "bar", label: bucket === "day" ? word("spasms_per_day") : word("spasms_per_logged_day"),
      data: xs.map(function (v, i) { return { x: v, y: s.spasms[i] }; }),
      backgroundColor: dense ? COLOURS.denseBars : COLOURS.bars, borderColor: COLOURS.barBorder, borderWidth: dense ? 0 : 1,
      barPercentage: 1, categoryPercentage: dense ? 1 : 0.9, yAxisID: "y", order: 3,
      pointStyle: "rect"
    }];
    if (s.rolling_mean) {
      datasets.push({
        type: "line", label: word("mean"), yAxisID: "y", order: 1, pointRadius: 0, pointHitRadius: 4,
        borderColor: COLOURS.mean, backgroundColor: COLOURS.mean, borderWidth: 3, spanGaps: false,
        pointStyle: "line",
        data: xs.map(function (v, i) { return { x: v, y: s.rolling_mean[i] }; })
      });
    }
    // Severity is a whole number a day: dots at their level read better than a zigzag line.
    // It has its own pane under the spasms, so a level never sits on the baseline's line.
    var severity = xs.map(function (v, i) { return { x: v, y: s.severity[i] }; })
      .filter(function (p) { return p.y !== null; });
    datasets.push(bucket === "day" ? {
      type: "line", label: word("severity"), yAxisID: "severity", order: 2,
      showLine: false, pointRadius: 2, pointHoverRadius: 4, pointStyle: "circle",
      borderColor: COLOURS.severity, backgroundColor: COLOURS.severity, data: severity
    } : {
      type: "line", label: word("severity"), yAxisID: "severity", order: 2,
      borderColor: COLOURS.severity, backgroundColor: COLOURS.severity, borderDash: [5, 4],
      borderWidth: 2, pointRadius: 2.5, pointStyle: "circle", data: severity
    });

    var first = x(from);
    var last = x(to);
    // Labels sit in rows at the top: surgeries, then injections, then medication.
    function label(options) {
      return Object.assign({
        display: true, font: LABEL_FONT, padding: LABEL_PADDING, borderRadius: 4, color: "#ffffff"
      }, options);
    }
    // Rows for labels centred on x values: each label goes into the first of `rows` rows
    // where it clears the label before it by GAP px; one that fits no row gets -1 and is not
    // drawn. The annotation plugin itself keeps a line's label inside the plot area,
    // LABEL_PADDING.x from its edge, so a label near an edge is placed there here too.
    // Computed once per chart width.
    function staggered(values, texts, rows) {
      var memo = { width: null };
      return function (chart) {
        if (memo.width === chart.width && memo.result) return memo.result;
        var area = chart.chartArea;
        var scale = chart.scales.x;
        var ends = [];
        var placed = values.map(function () { return -1; });
        var order = values.map(function (v, i) { return i; })
          .sort(function (a, b) { return values[a] - values[b]; });
        var used = 0;
        order.forEach(function (i) {
          var width = textWidth(chart, texts[i]);
          var left = scale.getPixelForValue(values[i]) - width / 2;
          if (area) {
            left = Math.min(Math.max(left, area.left + LABEL_PADDING.x), area.right - LABEL_PADDING.x - width);
          }
          for (var r = 0; r < rows; r++) {
            if (ends[r] === undefined || ends[r] + GAP <= left) {
              ends[r] = left + width;
              placed[i] = r;
              used = Math.max(used, r + 1);
              return;
            }
          }
        });
        memo.width = chart.width;
        memo.result = { rows: placed, used: used };
        return memo.result;
      };
    }
    // Whether every label of a row has room beside its neighbours; if not, none is drawn.
    function rowFits(values, texts) {
      return function (ctx) {
        var scale = ctx.chart.scales.x;
        for (var i = 1; i < values.length; i++) {
          var gap = Math.abs(scale.getPixelForValue(values[i]) - scale.getPixelForValue(values[i - 1]));
          var need = (textWidth(ctx.chart, texts[i]) + textWidth(ctx.chart, texts[i - 1])) / 2 + 4;
          if (gap < need) return false;
        }
        return true;
      };
    }

    var annotations = {};
    var surgeryTexts = data.surgeries.map(function (op) { return shortName(op.label); });
    var surgeryXs = data.surgeries.map(function (op) { return xOf(op.date); });
    var surgeriesFit = rowFits(surgeryXs, surgeryTexts);
    data.surgeries.forEach(function (op, i) {
      annotations["surgery" + i] = {
        type: "line", yScaleID: "y", xMin: surgeryXs[i], xMax: surgeryXs[i], borderColor: COLOURS.surgery, borderWidth: 3,
        label: label({
          content: surgeryTexts[i], position: "end", backgroundColor: COLOURS.surgery,
          display: surgeriesFit
        })
      };
    });
    // The clinic's assessments (review page only): a dotted line at the visit, its grade and
    // class at the foot of the chart, clear of the treatment labels at the top.
    var assessments = data.assessments || [];
    var assessmentXs = assessments.map(function (a) { return xOf(a.date); });
    var assessmentTexts = assessments.map(function (a) { return a.label; });
    var assessmentsFit = rowFits(assessmentXs, assessmentTexts);
    assessments.forEach(function (a, i) {
      annotations["assessment" + i] = {
        type: "line", yScaleID: "y", xMin: assessmentXs[i], xMax: assessmentXs[i], borderColor: COLOURS.assessment,
        borderWidth: 2, borderDash: [2, 3],
        label: label({
          content: assessmentTexts[i], position: "start", backgroundColor: COLOURS.assessment,
          display: assessmentsFit
        })
      };
    });
    var injectionTexts = data.injections.map(function (inj) {
      return inj.product + (inj.units !== null ? " " + word("units", { units: inj.units }) : "");
    });
    var injectionXs = data.injections.map(function (inj) { return xOf(inj.date); });
    var injectionRows = staggered(injectionXs, injectionTexts, INJECTION_ROWS);
    data.injections.forEach(function (inj, i) {
      annotations["injection" + i] = {
        type: "line", yScaleID: "y", xMin: injectionXs[i], xMax: injectionXs[i], borderColor: COLOURS.injection,
        borderWidth: 2, borderDash: [4, 3],
        label: label({
          content: injectionTexts[i], position: "end", backgroundColor: COLOURS.injection,
          yAdjust: function (ctx) { return ROW * (1 + Math.max(0, injectionRows(ctx.chart).rows[i])); },
          display: function (ctx) { return injectionRows(ctx.chart).rows[i] >= 0; }
        })
      };
    });
    // The medication label's row: under the injection rows in use.
    function regimenRow(chart) { return 1 + Math.max(1, injectionRows(chart).used); }
    data.regimens.forEach(function (r, i) {
      var left = Math.max(xOf(r["from"]), first);
      var right = r.to ? Math.min(xOf(r.to), last) : last;
      var full = r.drug + " " + r.dose;
      // The drug and dose when the band is wide enough, else the drug, else nothing.
      function fitting(ctx) {
        var scale = ctx.chart.scales.x;
        var width = scale.getPixelForValue(right) - scale.getPixelForValue(left);
        if (textWidth(ctx.chart, full) <= width) return full;
        if (textWidth(ctx.chart, r.drug) <= width) return r.drug;
        return null;
      }
      annotations["regimen" + i] = {
        type: "box", yScaleID: "y", xMin: left, xMax: right, backgroundColor: COLOURS.regimen, borderWidth: 0,
        drawTime: "beforeDatasetsDraw"
      };
      // Its name, on white over the data, in the row under the injection labels.
      annotations["regimenLabel" + i] = {
        type: "label", yScaleID: "y", xValue: left, yValue: function (ctx) { return ctx.chart.scales.y.max; },
        position: { x: "start", y: "start" }, xAdjust: 2,
        yAdjust: function (ctx) { return regimenRow(ctx.chart) * ROW + 4; },
        display: function (ctx) { return fitting(ctx) !== null; },
        content: function (ctx) { return fitting(ctx) || ""; },
        font: LABEL_FONT, padding: LABEL_PADDING, color: COLOURS.regimenText,
        backgroundColor: "rgba(255, 255, 255, 0.9)", borderRadius: 4, borderWidth: 0
      };
    });
    // The mean before surgery is named in the legend: a label on the line would sit among
    // the tallest bars and the treatment labels.
    var base = data.summary.baseline;
    var baseText = null;
    if (base && base.mean !== null) {
      baseText = word("baseline", { mean: base.mean });
      annotations.baseline = {
        type: "line", yMin: base.mean, yMax: base.mean, yScaleID: "y", borderColor: COLOURS.baseline,
        borderDash: [6, 4], borderWidth: 2, label: { display: false, content: baseText }
      };
    }
    // Legend entries for what the annotations draw, after the datasets' own.
    var extraLegend = [];
    function extra(text, options) {
      extraLegend.push(Object.assign({
        text: text, fontColor: COLOURS.text, hidden: false, lineWidth: 2, pointStyle: "line"
      }, options));
    }
    if (baseText) extra(baseText, { strokeStyle: COLOURS.baseline, fillStyle: COLOURS.baseline, lineDash: [6, 4] });
    if (data.surgeries.length) extra(word("surgery"), { strokeStyle: COLOURS.surgery, fillStyle: COLOURS.surgery, lineWidth: 3 });
    if (data.injections.length) extra(word("injection"), { strokeStyle: COLOURS.injection, fillStyle: COLOURS.injection, lineDash: [4, 3] });
    if (assessments.length) extra(word("assessment"), { strokeStyle: COLOURS.assessment, fillStyle: COLOURS.assessment, lineDash: [2, 3] });
    if (data.regimens.length) extra(word("medication"), { strokeStyle: COLOURS.regimenEdge, fillStyle: COLOURS.regimenFill, lineWidth: 1, pointStyle: "rect" });

    function wide(ctx) { return ctx.chart.width >= NARROW; }
    var labelled = {}; // the x ticks that carry a label (afterBuildTicks)
    return {
      data: { datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: false, normalized: true,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        layout: { padding: { top: 4 } },
        scales: {
          x: {
            type: "linear", min: first, max: last, offset: false, grid: { color: COLOURS.grid },
            title: { display: true, text: sinceSurgery ? word("months_axis") : word("date_axis") },
            afterBuildTicks: function (scale) {
              var room = Math.max(2, Math.floor((scale.maxWidth || scale.chart.width) / TICK_ROOM));
              var ticks = sinceSurgery ? monthTicks(first, last, room) : calendarTicks(first, last, room);
              labelled = {};
              ticks.forEach(function (t) { if (t.labelled) labelled[t.value] = true; });
              scale.ticks = ticks.map(function (t) { return { value: t.value }; });
            },
            ticks: {
              autoSkip: false, maxRotation: 0,
              callback: function (v) {
                if (!labelled[v]) return "";
                if (sinceSurgery) return v > 0 ? "+" + v : v < 0 ? "\u2212" + -v : "0";
                return last - first <= 62 ? formatDay(v) : formatMonth(v);
              }
            }
          },
          // Severity in a pane of its own under the spasms (stacked axes, 1:4; Chart.js stacks
          // the first one listed lowest), so that no severity level sits on the baseline's
          // line. Room above the highest bar for the rows of treatment labels.
          severity: {
            position: "left", stack: "panes", stackWeight: 1, offset: true, min: 0, max: 4,
            grid: { color: COLOURS.grid }, border: { color: COLOURS.text },
            title: { display: wide, text: word("severity_axis") }, ticks: { stepSize: 2 }
          },
          y: {
            position: "left", stack: "panes", stackWeight: 4,
            beginAtZero: true, grace: "15%", grid: { color: COLOURS.grid },
            title: { display: wide, text: word("spasms_axis") }, ticks: { precision: 0 }
          }
        },
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              usePointStyle: true, boxHeight: 8, pointStyleWidth: 26, padding: 12, color: COLOURS.text,
              generateLabels: function (chart) {
                var own = window.Chart.defaults.plugins.legend.labels.generateLabels(chart);
                own.sort(function (a, b) { return a.datasetIndex - b.datasetIndex; });
                // Lines show as short lines (the severity dots as a dotted one), bars as swatches.
                own.forEach(function (item) {
                  var set = chart.data.datasets[item.datasetIndex];
                  if (set.type !== "line") return;
                  item.pointStyle = "line";
                  item.lineWidth = set.showLine === false ? 3 : set.borderWidth;
                  item.lineDash = set.showLine === false ? [1, 4] : set.borderDash || [];
                  item.lineCap = "round";
                });
                return own.concat(extraLegend);
              }
            },
            // The entries for lines and bands are names only: a click hides nothing.
            onClick: function (event, item, legend) {
              if (item.datasetIndex === undefined) return;
              window.Chart.defaults.plugins.legend.onClick.call(this, event, item, legend);
            }
          },
          tooltip: {
            callbacks: {
              title: function (items) {
                if (!items.length) return "";
                var v = items[0].parsed.x;
                return formatDay(sinceSurgery ? v * MONTH_DAYS + surgery : v);
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
    var words = document.getElementById("trajectory-words");
    if (words) {
      WORDS = JSON.parse(words.textContent);
      LOCALE = WORDS.locale || LOCALE;
    }
    var canvas = document.getElementById("trajectory-chart");
    if (!holder || !canvas || !window.Chart) return;
    if (window["chartjs-plugin-annotation"]) window.Chart.register(window["chartjs-plugin-annotation"]);
    window.Chart.defaults.color = COLOURS.text;
    window.Chart.defaults.font.size = 12;
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
    // Printing: the chart takes the printed column's width (and the height a page asks for
    // with data-print-height, as the one-page report does), and its own size back afterwards.
    var printHeight = Number(canvas.dataset.printHeight) || 340;
    window.addEventListener("beforeprint", function () { chart.resize(680, printHeight); });
    window.addEventListener("afterprint", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", start);
  window.trajectoryIso = isoOf;
})();
