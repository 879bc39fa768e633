// A start/stop timer for "How long did it last?". Loaded only on that page; without it the
// page still works: the patient types the number of seconds. Its words come from the page
// (data- attributes of the status line), in the page's language (docs/wording.md, Strings).
(function () {
  "use strict";

  var MAX_SECONDS = 3600;

  function setUp(panel) {
    var display = panel.querySelector("[data-timer-display]");
    var start = panel.querySelector("[data-timer-start]");
    var stop = panel.querySelector("[data-timer-stop]");
    var status = panel.querySelector("[data-timer-status]");
    var target = document.querySelector("input[data-timer-target]");
    if (!display || !start || !stop || !target) return;

    var startedAt = null;
    var ticker = null;

    // Whole seconds, as the display counts them, so the length saved is the one shown.
    function elapsedSeconds() {
      return Math.min(MAX_SECONDS, Math.max(1, Math.floor((Date.now() - startedAt) / 1000)));
    }

    function show() {
      display.textContent = Math.floor((Date.now() - startedAt) / 1000) + " s";
    }

    start.addEventListener("click", function () {
      startedAt = Date.now();
      show();
      ticker = window.setInterval(show, 250);
      start.disabled = true;
      stop.disabled = false;
      stop.focus();
      if (status) status.textContent = status.dataset.runningText;
    });

    stop.addEventListener("click", function () {
      if (startedAt === null) return;
      window.clearInterval(ticker);
      var seconds = elapsedSeconds();
      display.textContent = seconds + " s";
      target.value = String(seconds);
      startedAt = null;
      start.disabled = false;
      stop.disabled = true;
      target.focus();
      if (status) {
        // The sentence for this count, from the page (templates/journal/episode.html).
        var sentence = seconds === 1 ? status.dataset.stoppedOne : status.dataset.stoppedOther;
        status.textContent = sentence.replace("%(num)s", String(seconds));
      }
    });

    panel.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-timer]").forEach(setUp);
  });
})();
