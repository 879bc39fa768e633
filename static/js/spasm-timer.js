// The home page's "Time a spasm": the start is held in the page, and "Stop and save" sends
// "Spasm now" with the length measured, in whole seconds as shown. Without this file the
// panel stays hidden and "Spasm now" asks the length on the next page (docs/journal.md).
(function () {
  "use strict";

  var MAX_SECONDS = 3600;

  function setUp(panel) {
    var form = document.getElementById(panel.dataset.spasmTimer);
    var toggle = panel.querySelector("[data-timer-toggle]");
    var display = panel.querySelector("[data-timer-display]");
    var status = panel.querySelector("[data-timer-status]");
    var target = form && form.querySelector("input[name=duration_seconds]");
    if (!form || !toggle || !display || !target) return;

    var startedAt = null;
    var ticker = null;

    function seconds() {
      return Math.min(MAX_SECONDS, Math.floor((Date.now() - startedAt) / 1000));
    }

    function show() {
      display.textContent = seconds() + " s";
    }

    toggle.addEventListener("click", function () {
      if (startedAt === null) {
        startedAt = Date.now();
        show();
        ticker = window.setInterval(show, 250);
        toggle.textContent = toggle.dataset.stopText;
        display.hidden = false;
        if (status) status.textContent = status.dataset.runningText;
        return;
      }
      window.clearInterval(ticker);
      var measured = Math.max(1, seconds());
      display.textContent = measured + " s";
      target.value = String(measured);
      toggle.disabled = true;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });

    panel.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-spasm-timer]").forEach(setUp);
  });
})();
