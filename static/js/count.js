// The home page's count box: minus and plus steppers beside the number, and a day tapped in
// the strip chosen for the box in the page, the number focused in the same tap (so a phone
// opens its keyboard). Without this file the box is a plain number field and a strip day is
// a link to /?day=..., which does the same on the server (docs/journal.md, The count box).
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

  function chooseDays(form) {
    var input = form.querySelector("input[name=spasm_count]");
    var day = form.querySelector("input[name=day]");
    var question = form.querySelector("[data-count-question]");
    var words = form.querySelector("[data-count-day]");
    var help = document.getElementById("count-help");
    var detail = document.querySelector("[data-count-detail]");
    if (!input || !day || !question || !words) return;
    document.querySelectorAll("a[data-choose-day]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        // A box showing a refusal keeps it: the server's page then says which day.
        if (form.classList.contains("has-error")) return;
        event.preventDefault();
        day.value = link.dataset.chooseDay;
        input.value = link.dataset.count;
        question.textContent = link.dataset.question;
        words.textContent = link.dataset.dayWords;
        if (help) help.textContent = link.dataset.help;
        if (detail) {
          detail.href = link.dataset.detailHref;
          detail.textContent = link.dataset.detailText;
        }
        document.querySelectorAll("a.day-chosen").forEach(function (a) { a.classList.remove("day-chosen"); });
        link.classList.add("day-chosen");
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", link.getAttribute("href"));
        }
        // As a fresh page would: the last message is done with, and the box, at the top of
        // the page, is shown from the top.
        document.querySelectorAll(".flashes").forEach(function (f) { f.remove(); });
        window.scrollTo(0, 0);
        input.focus({ preventScroll: true });
        input.select();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-stepper]").forEach(setUp);
    var form = document.querySelector("form.count-form");
    if (form) chooseDays(form);
  });
})();
