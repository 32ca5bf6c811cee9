// clinic — the billing pages' enhancements (every page works without it).
//
//   data-print   a button that prints the page (the receipt).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
})();
