// The phone menu is a <details> and works without this file (docs/architecture.md, The site
// menu). This only closes it the way people expect: Escape, or a tap outside it.
(function () {
  "use strict";

  function closeMenu(menu, focusSummary) {
    if (!menu.open) return;
    menu.open = false;
    if (focusSummary) menu.querySelector("summary").focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var menu = document.querySelector("details.nav-menu");
    if (!menu) return;
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) closeMenu(menu, true);
    });
    document.addEventListener("click", function (event) {
      if (!menu.contains(event.target)) closeMenu(menu, false);
    });
  });
})();
