// clinic — progressive enhancements for the server-rendered pages.
//
// Every page works without this file; it only makes them nicer. No inline
// handlers are needed (the CSP forbids inline script): pages declare what
// they want with data- attributes, and this file, loaded with
// <script src="…" defer>, wires them up, again after every htmx swap.
//
//   data-dialog-open="ID"  on a button: opens <dialog id="ID"> as a modal.
//   data-dialog-close      inside a dialog: closes it (a <form method="dialog">
//                          does the same without JavaScript).
//   data-nav-toggle        the phone top bar's menu button (aria-controls names
//                          the sidebar): opens and closes it, Escape closes.
//   data-autodismiss[=MS]  on a .flash: fades it out after MS ms (default 6000),
//                          paused while hovered or focused. Use on success and
//                          info messages only; errors stay until dismissed.
//   data-flash-dismiss     a close button inside a .flash.
//   data-confirm="TEXT"    on a <form> (or a submit button): asks TEXT (written by
//                          the server, in the user's language) before submitting.
//
// htmx (vendor/htmx) is configured here when it is loaded before this file:
//   - its inline indicator styles are off (app.css styles .htmx-indicator),
//     and so are eval-based features (hx-on, js: values), which the CSP forbids;
//   - responses with these statuses are swapped into the target, so the server
//     can answer a rejected form with the same form and its field errors:
//       2xx           swapped (htmx's default; 204 swaps nothing)
//       422           Unprocessable Content: validation errors, form re-rendered
//       409           Conflict: e.g. the slot was taken meanwhile, form re-rendered
//     Any other 4xx/5xx is not swapped; an element with data-htmx-error in the
//     page (e.g. a hidden .flash--error) is shown instead.
(function () {
  "use strict";

  var doc = document;
  doc.documentElement.classList.add("js");

  // --- dialogs -----------------------------------------------------------
  function openDialog(id, opener) {
    var dialog = doc.getElementById(id);
    if (!dialog || typeof dialog.showModal !== "function") return false;
    if (!dialog.open) dialog.showModal();
    dialog._opener = opener || null;
    var first = dialog.querySelector("[autofocus], input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    return true;
  }

  doc.addEventListener("click", function (e) {
    var t = e.target instanceof Element ? e.target : null;
    if (!t) return;

    var opener = t.closest("[data-dialog-open]");
    if (opener && openDialog(opener.getAttribute("data-dialog-open"), opener)) {
      e.preventDefault();
      return;
    }

    var closer = t.closest("[data-dialog-close]");
    if (closer) {
      var dlg = closer.closest("dialog");
      if (dlg) { e.preventDefault(); dlg.close(closer.value || ""); }
      return;
    }

    // a click on the backdrop (the dialog element itself, outside its box) closes it
    if (t instanceof HTMLDialogElement && t.open && t.hasAttribute("data-light-dismiss")) {
      var r = t.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) t.close("");
      return;
    }

    var dismiss = t.closest("[data-flash-dismiss]");
    if (dismiss) { removeFlash(dismiss.closest(".flash")); return; }

    var toggle = t.closest("[data-nav-toggle]");
    if (toggle) { setNav(toggle, toggle.getAttribute("aria-expanded") !== "true"); }
  });

  // focus goes back to the button that opened a dialog
  doc.addEventListener("close", function (e) {
    var d = e.target;
    if (d instanceof HTMLDialogElement && d._opener && d._opener.isConnected) d._opener.focus();
  }, true);

  // --- phone navigation --------------------------------------------------
  function setNav(toggle, open) {
    var nav = doc.getElementById(toggle.getAttribute("aria-controls"));
    if (!nav) return;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-open", open);
    if (open) {
      var first = nav.querySelector("a, button");
      if (first) first.focus();
    }
  }
  doc.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var toggle = doc.querySelector('[data-nav-toggle][aria-expanded="true"]');
    if (toggle) { setNav(toggle, false); toggle.focus(); }
  });

  // --- flash messages ----------------------------------------------------
  function removeFlash(flash) {
    if (!flash || flash.classList.contains("is-leaving")) return;
    flash.classList.add("is-leaving");
    var done = function () { if (flash.parentNode) flash.parentNode.removeChild(flash); };
    flash.addEventListener("transitionend", done, { once: true });
    setTimeout(done, 400); // reduced motion: no transition event
  }
  function armFlashes(root) {
    var list = root.querySelectorAll ? root.querySelectorAll(".flash[data-autodismiss]") : [];
    Array.prototype.forEach.call(list, function (flash) {
      if (flash._armed) return;
      flash._armed = true;
      var ms = parseInt(flash.getAttribute("data-autodismiss"), 10) || 6000;
      var timer = null;
      var start = function () { timer = setTimeout(function () { removeFlash(flash); }, ms); };
      var stop = function () { clearTimeout(timer); };
      flash.addEventListener("mouseenter", stop);
      flash.addEventListener("mouseleave", start);
      flash.addEventListener("focusin", stop);
      flash.addEventListener("focusout", start);
      start();
    });
  }

  // --- confirmation before submitting --------------------------------------
  doc.addEventListener("submit", function (e) {
    var form = e.target;
    var btn = e.submitter;
    var text = (btn && btn.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      e.preventDefault();
      e.stopImmediatePropagation(); // htmx listens too
    }
  }, true);

  // --- htmx ----------------------------------------------------------------
  var htmx = window.htmx;
  if (htmx) {
    htmx.config.includeIndicatorStyles = false;
    htmx.config.allowEval = false;
    htmx.config.allowScriptTags = false;
    htmx.config.historyCacheSize = 0; // pages with patient data are not kept in localStorage
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "409", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
    doc.addEventListener("htmx:responseError", function () {
      var box = doc.querySelector("[data-htmx-error]");
      if (box) box.hidden = false;
    });
    doc.addEventListener("htmx:sendError", function () {
      var box = doc.querySelector("[data-htmx-error]");
      if (box) box.hidden = false;
    });
    doc.addEventListener("htmx:load", function (e) { armFlashes(e.target); });
  }

  armFlashes(doc);
})();
