// "Add a site" on the injection form, in place. Without this file the button sends the form
// back and the page returns with one more line (docs/clinical.md, Injection sites).
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("button[data-add-site]");
    var rows = document.querySelector("[data-site-rows]");
    var template = document.getElementById("site-row-template");
    if (!button || !rows || !template) return;
    var max = parseInt(rows.dataset.maxRows, 10);

    button.addEventListener("click", function (event) {
      var count = rows.querySelectorAll(".site-row").length;
      if (count >= max) return;
      event.preventDefault();
      // Indices continue after the highest sent one, so a line's name never repeats.
      var index = 0;
      rows.querySelectorAll("select[name$='-muscle']").forEach(function (select) {
        var found = /-(\d+)-muscle$/.exec(select.name);
        if (found) index = Math.max(index, parseInt(found[1], 10) + 1);
      });
      var html = template.innerHTML
        .replace(/__index__/g, String(index))
        .replace(/__number__/g, String(count + 1));
      rows.insertAdjacentHTML("beforeend", html);
      var added = rows.lastElementChild;
      var muscle = added.querySelector("select");
      if (muscle) muscle.focus();
      if (count + 1 >= max) button.hidden = true;
    });
  });
})();
