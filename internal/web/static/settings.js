// clinic — the settings pages' enhancements (every form works without it).
//
//   data-hours                on the working-hours form: its rows
//                             (tbody[data-hours-rows] > tr[data-hours-row]) get a
//                             remove button (data-hours-remove), and the add button
//                             (data-hours-add, data-next = the next row index)
//                             appends a copy of <template data-hours-template>,
//                             whose "__i__" stand for the row's index.
//   data-copy="ID"            a button that copies the value of input #ID and says
//                             data-copied for a moment.
//   data-select-on-focus      an input whose whole value is selected on focus.
(function () {
  "use strict";

  var doc = document;

  function wireHours(form) {
    var rows = form.querySelector("[data-hours-rows]");
    var tpl = form.querySelector("template[data-hours-template]");
    var add = form.querySelector("[data-hours-add]");
    if (!rows || !tpl || !add) return;
    var next = parseInt(add.getAttribute("data-next"), 10) || 0;
    var show = function (root) {
      Array.prototype.forEach.call(root.querySelectorAll("[data-hours-remove]"), function (b) { b.hidden = false; });
    };
    show(rows);
    add.hidden = false;
    add.addEventListener("click", function () {
      var row = tpl.content.querySelector("tr");
      if (!row) return;
      row = row.cloneNode(true);
      var index = String(next++);
      Array.prototype.forEach.call(row.querySelectorAll("*"), function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v && v.indexOf("__i__") >= 0) el.setAttribute(a, v.split("__i__").join(index));
        });
      });
      // the new row starts on the day after the last row's
      var last = rows.querySelector("tr[data-hours-row]:last-of-type select");
      var day = row.querySelector("select");
      if (last && day) day.value = String(Math.min(parseInt(last.value, 10) + 1, 6));
      rows.appendChild(row);
      show(row);
      var start = row.querySelector("input");
      if (start) start.focus();
    });
    rows.addEventListener("click", function (e) {
      var t = e.target instanceof Element ? e.target.closest("[data-hours-remove]") : null;
      if (!t) return;
      var row = t.closest("tr");
      var focus = row && (row.nextElementSibling || row.previousElementSibling);
      if (row) row.parentNode.removeChild(row);
      var target = focus ? focus.querySelector("[data-hours-remove]") : add;
      (target || add).focus();
    });
  }

  Array.prototype.forEach.call(doc.querySelectorAll("form[data-hours]"), wireHours);

  Array.prototype.forEach.call(doc.querySelectorAll("[data-copy]"), function (btn) {
    var input = doc.getElementById(btn.getAttribute("data-copy"));
    if (!input || !navigator.clipboard) return;
    var label = btn.textContent;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        btn.textContent = btn.getAttribute("data-copied") || label;
        setTimeout(function () { btn.textContent = label; }, 2000);
      }, function () { input.focus(); input.select(); });
    });
  });

  Array.prototype.forEach.call(doc.querySelectorAll("[data-select-on-focus]"), function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
