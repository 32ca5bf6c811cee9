// The clinical record's pages: the printable prescription's button.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-print]");
    if (b) {
      ev.preventDefault();
      window.print();
    }
  });
})();
