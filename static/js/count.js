// The home page's count box: minus and plus steppers beside the number. Without this file
// the box is a plain number field and still saves (docs/journal.md, The count box).
(function () {
  "use strict";

  var MAX = 2000;

  function setUp(stepper) {
    var input = stepper.querySelector("input[type=number]");
    if (!input) return;
    stepper.querySelectorAll("[data-step]").forEach(function (button) {
      var step = parseInt(button.dataset.step, 10);
      button.addEventListener("click", function () {
        var current = parseInt(input.value, 10);
        if (isNaN(current)) current = 0;
        var next = Math.min(MAX, Math.max(0, current + step));
        // The first tap on an empty box gives 1 (plus) or 0 (minus).
        if (input.value === "" && step > 0) next = 1;
        input.value = String(next);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      button.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-stepper]").forEach(setUp);
  });
})();
