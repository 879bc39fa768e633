// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Registration: default the time zone to the browser's own.
  function defaultTimeZone() {
    var select = document.querySelector("select[data-default-timezone]");
    if (!select || select.dataset.userChosen === "true") return;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) { select.value = zone; return; }
    }
  }

  // Forms that must be confirmed before they delete something.
  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  // A submitted form is disabled so a double tap sends it once.
  function singleSubmit() {
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) return;
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    defaultTimeZone();
    confirmForms();
    singleSubmit();
  });
})();
