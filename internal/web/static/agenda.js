// clinic — the agenda (templates/pages/agenda*.html).
//
// The agenda page works without this file: the day's list, the free-slot
// links, the booking form and the appointment's page are plain HTML and
// forms. With it:
//   - on a wide screen the day (a column per professional) or the week shows
//     in Event Calendar (vendor/event-calendar, MIT), in the CLINIC's time
//     zone whatever the browser's: times are turned into the clinic's wall
//     clock here (Intl) and back into instants with the clinic's offset;
//   - a click on a free time, on a free-slot link or on "New appointment"
//     opens the booking form in a <dialog> (htmx loads its fragment), a click
//     on an appointment opens its details there;
//   - drag and resize PATCH the JSON API; a refusal snaps the appointment back
//     and shows the API's message (in the page's language) in a toast;
//   - GET /clinics/{id}/live (Server-Sent Events) says when anything changed:
//     the calendar (or the list) is fetched again, so another user's booking
//     shows within a second or two; a broken stream is re-opened with backoff.
//
// The calendar's events come from the JSON API, GET /api/v1/clinics/{id}/
// appointments (the same agenda the API serves: cached per clinic and
// gzipped, one request per range), mapped to Event Calendar events below;
// working time still free comes from /availability (cached too) and is
// drawn as the background of the columns. The page only adds what the API
// does not say: the columns (data-resources) and the clinic's zone.
(function () {
  "use strict";

  var doc = document;
  var lang = doc.documentElement.lang || "pt-BR";
  // htmx loads after this file (the layout's scripts follow the page's): ask
  // for it when needed
  function hx() { return window.htmx; }

  // --- time in the clinic's zone -----------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  var formats = {};
  function zoneParts(ms, zone) {
    var f = formats[zone];
    if (!f) {
      f = formats[zone] = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit"
      });
    }
    var o = {};
    f.formatToParts(new Date(ms)).forEach(function (p) { o[p.type] = p.value; });
    return { y: +o.year, m: +o.month, d: +o.day, h: +o.hour % 24, mi: +o.minute, s: +o.second };
  }
  // wall: an instant as the clinic's wall clock, "YYYY-MM-DDTHH:MM:SS" (a
  // floating time, which Event Calendar shows as it is).
  function wall(iso, zone) {
    var p = zoneParts(Date.parse(iso), zone);
    return p.y + "-" + pad(p.m) + "-" + pad(p.d) + "T" + pad(p.h) + ":" + pad(p.mi) + ":" + pad(p.s);
  }
  // offsetAt: the zone's offset from UTC, in minutes, at the instant ms.
  function offsetAt(ms, zone) {
    var p = zoneParts(ms, zone);
    return Math.round((Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000) / 60000);
  }
  // instant: a wall clock of the clinic as RFC 3339 with the clinic's offset.
  function instant(y, m, d, h, mi, zone) {
    var guess = Date.UTC(y, m - 1, d, h, mi);
    var off = offsetAt(guess, zone);
    var off2 = offsetAt(guess - off * 60000, zone);
    if (off2 !== off) off = off2;
    var a = Math.abs(off);
    return y + "-" + pad(m) + "-" + pad(d) + "T" + pad(h) + ":" + pad(mi) + ":00" +
      (off < 0 ? "-" : "+") + pad(Math.floor(a / 60)) + ":" + pad(a % 60);
  }
  // Event Calendar hands out Dates whose local fields are the wall clock shown.
  function fromCalendar(date, zone) {
    return instant(date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes(), zone);
  }
  function localStamp(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }
  function addDays(day, n) {
    var t = new Date(Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) + n * 864e5);
    return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate());
  }

  // --- toasts --------------------------------------------------------------
  function toast(text, kind, closeLabel) {
    var box = doc.getElementById("agenda-toasts") || doc.getElementById("flashes");
    if (!box || !text) return;
    var t = doc.createElement("div");
    t.className = "flash flash--" + kind;
    t.setAttribute("role", kind === "error" ? "alert" : "status");
    var body = doc.createElement("div");
    body.className = "flash__body";
    body.textContent = text;
    var close = doc.createElement("button");
    close.type = "button";
    close.className = "flash__close";
    close.setAttribute("data-flash-dismiss", "");
    close.setAttribute("aria-label", closeLabel || "×");
    close.textContent = "×";
    t.appendChild(body);
    t.appendChild(close);
    box.appendChild(t);
    if (kind !== "error") {
      setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, 5000);
    }
    return t;
  }

  // --- the booking form and the appointment's dialog -------------------------
  function load(url, target) {
    if (!hx()) { location.href = url; return null; }
    return hx().ajax("GET", url, { target: target, swap: "innerHTML" });
  }
  // The dialog opens once its content is there: a key that opened it (Enter
  // on a link acts on keydown) must not reach the dialog's first button.
  function openIn(dialogID, contentID, url, opener) {
    var dlg = doc.getElementById(dialogID);
    if (!dlg || typeof dlg.showModal !== "function" || !hx()) return false;
    var p = load(url, "#" + contentID);
    if (!p || !p.then) return false;
    p.then(function () {
      if (!dlg.open) dlg.showModal();
      dlg._opener = opener || null;
      var first = dlg.querySelector("[autofocus], #f-q, .dialog__body input:not([type=hidden]), .dialog__body select, .dialog__body textarea, .dialog__body button");
      if (first) first.focus();
    }, function () { location.href = url; });
    return true;
  }
  function openBooking(url, opener) { return openIn("agenda-book-dialog", "agenda-book-content", url, opener); }
  function openDetail(url, opener) { return openIn("agenda-detail-dialog", "agenda-detail-content", url, opener); }

  doc.addEventListener("click", function (e) {
    var t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    var book = t.closest("a[data-agenda-book]");
    if (book && openBooking(book.href, book)) { e.preventDefault(); return; }
    var open = t.closest("a[data-agenda-open]");
    if (open && openDetail(open.href, open)) { e.preventDefault(); }
  });

  // The booking form: the professional's usual length until one is typed;
  // ArrowDown from the search goes to the results, Enter there searches.
  doc.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-agenda-duration-from]")) {
      var form = t.form;
      var dur = form && form.elements.namedItem("duration_minutes");
      var opt = t.options[t.selectedIndex];
      if (dur && opt && opt.getAttribute("data-duration") && !dur._typed) dur.value = opt.getAttribute("data-duration");
    }
    if (t.matches && t.matches("[data-agenda-autosubmit]") && t.form) {
      if (t.form.requestSubmit) t.form.requestSubmit(); else t.form.submit();
    }
    if (t.id === "agenda-next-professional") {
      var o = t.options[t.selectedIndex], d = doc.getElementById("agenda-next-duration");
      if (o && d) d.value = o.getAttribute("data-duration") || d.value;
    }
  });
  doc.addEventListener("input", function (e) {
    if (e.target && e.target.name === "duration_minutes") e.target._typed = true;
  });
  doc.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!(t instanceof Element) || t.id !== "f-q") return;
    var results = doc.getElementById("agenda-patient-results");
    var radios = results ? results.querySelectorAll("input[type=radio]") : [];
    if (e.key === "ArrowDown" && radios.length) {
      e.preventDefault();
      var pick = results.querySelector("input[type=radio]:checked") || radios[0];
      pick.checked = true;
      pick.focus();
    } else if (e.key === "Enter") {
      e.preventDefault(); // never submits the booking from the search box
      if (radios.length === 1) { radios[0].checked = true; radios[0].focus(); }
      else if (hx()) hx().trigger(t, "search");
    }
  });

  // colour swatches (a style attribute would break the CSP)
  function paint(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-color]"), function (el) {
      var c = el.getAttribute("data-color");
      if (/^#[0-9a-fA-F]{6}$/.test(c)) el.style.backgroundColor = c;
    });
  }

  // --- the agenda page -------------------------------------------------------
  var root = doc.getElementById("agenda");
  if (!root) return;
  var cfg = root.dataset;
  var zone = cfg.zone || "UTC";
  var canBook = cfg.canBook === "true";
  var resources = [];
  try { resources = JSON.parse(cfg.resources || "[]"); } catch (err) { resources = []; }
  var colors = {};
  resources.forEach(function (r) { colors[r.id] = r.color; });
  var view = cfg.view;
  var ec = null;
  paint(doc);

  var narrow = window.matchMedia("(max-width: 640px)");
  function markView() {
    if (!root.classList.contains("agenda--auto")) return;
    var links = root.querySelectorAll(".segmented a");
    Array.prototype.forEach.call(links, function (a) { a.removeAttribute("aria-current"); });
    var current = links[narrow.matches ? 2 : 0];
    if (current) current.setAttribute("aria-current", "page");
  }
  markView();

  function apiJSON(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ "Accept": "application/json", "Accept-Language": lang }, options.headers || {});
    return fetch(url, options).then(function (res) {
      return res.text().then(function (text) {
        var body = {};
        try { body = text ? JSON.parse(text) : {}; } catch (err) { body = {}; }
        if (!res.ok) { var e = new Error("HTTP " + res.status); e.body = body; throw e; }
        return body;
      });
    });
  }
  function apiMessage(err) {
    var e = err && err.body && err.body.error;
    return (e && e.message) || cfg.msgFailed;
  }

  // every appointment of [from, to] (clinic-local dates, inclusive), page by page
  function appointments(from, to, professional) {
    var base = cfg.api + "/appointments?limit=1000&from=" + from + "&to=" + to + (professional ? "&professional_id=" + encodeURIComponent(professional) : "");
    var all = [];
    function page(cursor) {
      return apiJSON(base + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "")).then(function (p) {
        all = all.concat(p.items || []);
        return p.next_cursor ? page(p.next_cursor) : all;
      });
    }
    return page("");
  }
  // the free working time, as spans per professional (5-minute slots merged)
  function freeTime(from, to, professional) {
    var url = cfg.api + "/availability?duration=5&from=" + from + "&to=" + to +
      (professional ? "&professional_id=" + encodeURIComponent(professional) : "") +
      (cfg.room ? "&room_id=" + encodeURIComponent(cfg.room) : "");
    return apiJSON(url).then(function (r) {
      var spans = {};
      (r.slots || []).forEach(function (s) {
        var list = spans[s.professional_id] || (spans[s.professional_id] = []);
        var last = list[list.length - 1];
        if (last && Date.parse(last.end) >= Date.parse(s.start)) last.end = s.end;
        else list.push({ start: s.start, end: s.end });
      });
      return spans;
    }, function () { return {}; }); // the shading is a nicety: the calendar works without it
  }

  function toEvent(a) {
    var st = a.status;
    var over = st === "completed" || st === "cancelled" || st === "no_show";
    var movable = canBook && !over;
    return {
      id: a.id,
      resourceIds: [a.professional_id],
      start: wall(a.starts_at, zone),
      end: wall(a.ends_at, zone),
      title: a.patient_name,
      // the colour (procedure's, else professional's) is the event's edge
      // and tint, set as --ev in eventDidMount: the text stays dark on it
      // whatever colour the clinic chose
      classNames: ["status-" + st],
      startEditable: movable,
      durationEditable: movable,
      extendedProps: { color: a.procedure_color || colors[a.professional_id] || "#0d6e66", status: st, procedure: a.procedure || "", room: a.room_name || "", roomID: a.room_id || "" }
    };
  }
  var statusNames = {};
  Array.prototype.forEach.call(doc.querySelectorAll(".agenda-legend .badge"), function (b) {
    var m = /status-(\w+)/.exec(b.className);
    if (m) statusNames[m[1]] = b.textContent;
  });
  // 08:00 in pt-BR, 8:00 AM in English
  var hourStyle = /^pt/i.test(lang) ? "2-digit" : "numeric";
  var timeFormat = new Intl.DateTimeFormat(lang, { hour: hourStyle, minute: "2-digit" });

  function fetchEvents(info) {
    var from = info.startStr.slice(0, 10);
    var to = addDays(info.endStr.slice(0, 10), -1);
    var professional = resources.length === 1 ? resources[0].id : "";
    return Promise.all([appointments(from, to, professional), freeTime(from, to, professional)]).then(function (r) {
      var events = [];
      r[0].forEach(function (a) {
        if (a.status === "cancelled") return; // a cancelled appointment holds no time (the list still shows it)
        if (cfg.room && a.room_id !== cfg.room) return;
        if (colors[a.professional_id] === undefined) return;
        events.push(toEvent(a));
      });
      Object.keys(r[1]).forEach(function (pid) {
        r[1][pid].forEach(function (s) {
          events.push({ start: wall(s.start, zone), end: wall(s.end, zone), resourceIds: [pid], display: "background", classNames: ["agenda-open"] });
        });
      });
      return events;
    });
  }

  function eventContent(info) {
    var ev = info.event;
    if (ev.display === "background") return "";
    var p = ev.extendedProps;
    var box = doc.createElement("div");
    box.className = "agenda-ev";
    var head = doc.createElement("div");
    head.className = "agenda-ev__head";
    var mark = doc.createElement("span");
    mark.className = "status-marker status-" + p.status;
    mark.setAttribute("aria-hidden", "true");
    var title = doc.createElement("span");
    title.className = "agenda-ev__title";
    title.textContent = ev.title;
    head.appendChild(mark);
    head.appendChild(title);
    box.appendChild(head);
    var meta = doc.createElement("div");
    meta.className = "agenda-ev__meta";
    var time = doc.createElement("span");
    time.className = "agenda-ev__time";
    time.textContent = timeFormat.format(ev.start) + "–" + timeFormat.format(ev.end);
    meta.appendChild(time);
    var more = [p.procedure, p.room].filter(Boolean).join(" · ");
    if (more) meta.appendChild(doc.createTextNode(" · " + more));
    box.appendChild(meta);
    var sr = doc.createElement("span");
    sr.className = "visually-hidden";
    sr.textContent = ", " + (statusNames[p.status] || p.status);
    box.appendChild(sr);
    return { domNodes: [box] };
  }

  function move(info) {
    var ev = info.event;
    var body = { starts_at: fromCalendar(ev.start, zone), ends_at: fromCalendar(ev.end, zone) };
    if (info.newResource) body.professional_id = String(info.newResource.id);
    apiJSON(cfg.api + "/appointments/" + encodeURIComponent(ev.id), {
      method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function () {
      toast(cfg.msgMoved, "success", cfg.msgClose);
      refresh();
    }, function (err) {
      info.revert();
      toast(apiMessage(err), "error", cfg.msgClose);
    });
  }

  // Event Calendar's grid says role="table"/"rowgroup"/"row" on wrappers whose
  // children are not rows and cells (axe: aria-required-children): those
  // wrappers are layout, so they become role="presentation"; the columns'
  // headings stay readable as text, the events as buttons.
  function fixRoles() {
    if (!ec) return;
    var el = doc.getElementById("agenda-calendar");
    Array.prototype.forEach.call(el.querySelectorAll("[role=table], [role=rowgroup], [role=row], [role=columnheader], [role=cell], [role=gridcell], [role=rowheader]"), function (n) {
      n.setAttribute("role", "presentation");
      ["aria-label", "aria-colindex", "aria-rowindex", "aria-colspan", "aria-rowspan", "aria-sort"].forEach(function (a) { n.removeAttribute(a); });
    });
    // The time grid scrolls: keyboard users reach it and scroll it with
    // the arrow keys (it may show no focusable event at all).
    Array.prototype.forEach.call(el.querySelectorAll(".ec-main"), function (n) {
      if (n.getAttribute("tabindex") !== "0") {
        n.setAttribute("tabindex", "0");
        n.setAttribute("role", "region");
        n.setAttribute("aria-label", cfg.msgGrid);
      }
    });
  }

  function scrollTime() {
    var now = zoneParts(Date.now(), zone);
    var today = now.y + "-" + pad(now.m) + "-" + pad(now.d);
    if (today === cfg.date && now.h > 8) return pad(Math.min(now.h - 1, 18)) + ":00";
    return "07:30";
  }

  function calendarHeight(el) {
    var top = el.getBoundingClientRect().top + window.scrollY;
    return Math.max(520, Math.min(1100, window.innerHeight - Math.min(top, 260) - 24)) + "px";
  }

  function createCalendar() {
    var el = doc.getElementById("agenda-calendar");
    if (ec || !el || !window.EventCalendar || el.offsetParent === null) return;
    var week = view === "week";
    var opts = {
      view: week ? "timeGridWeek" : "resourceTimeGridDay",
      date: cfg.date,
      locale: lang,
      firstDay: 0,
      headerToolbar: { start: "", center: "", end: "" },
      allDaySlot: false,
      slotDuration: "00:15",
      slotLabelInterval: "01:00",
      slotHeight: 20,
      snapDuration: "00:05",
      slotMinTime: "06:00",
      slotMaxTime: "21:00",
      scrollTime: scrollTime(),
      nowIndicator: true,
      height: calendarHeight(el),
      dayHeaderFormat: week ? { weekday: "short", day: "2-digit", month: "2-digit" } : { weekday: "long", day: "numeric", month: "long" },
      slotLabelFormat: { hour: hourStyle, minute: "2-digit" },
      eventTimeFormat: { hour: hourStyle, minute: "2-digit" },
      editable: canBook,
      eventStartEditable: canBook,
      eventDurationEditable: canBook,
      eventResizableFromStart: false,
      selectable: false,
      dragScroll: true,
      eventSources: [{ events: fetchEvents }],
      eventContent: eventContent,
      eventClick: function (info) {
        if (info.event.display === "background") return;
        if (info.jsEvent) info.jsEvent.preventDefault();
        openDetail(cfg.appointmentUrl + encodeURIComponent(info.event.id), info.el);
      },
      eventDidMount: function (info) {
        var c = info.event.extendedProps.color;
        if (c && /^#[0-9a-fA-F]{6}$/.test(c)) info.el.style.setProperty("--ev", c);
      },
      eventDrop: move,
      eventResize: move,
      dateClick: function (info) {
        if (!canBook || info.allDay) return;
        var pid = info.resource ? String(info.resource.id) : (resources[0] && resources[0].id);
        if (!pid) return;
        // the start of the 15-minute cell clicked (drags snap to 5 minutes)
        var d = new Date(info.date.getTime());
        d.setMinutes(d.getMinutes() - d.getMinutes() % 15, 0, 0);
        openBooking(cfg.bookUrl + "?professional_id=" + encodeURIComponent(pid) + "&starts_at=" + encodeURIComponent(localStamp(d)), null);
      },
      datesSet: function () { setTimeout(fixRoles, 0); },
      eventAllUpdated: function () { fixRoles(); }
    };
    if (!week) opts.resources = resources.map(function (r) { return { id: r.id, title: r.title }; });
    ec = window.EventCalendar.create(el, opts);
    new MutationObserver(function (ms) {
      for (var i = 0; i < ms.length; i++) {
        if (ms[i].type === "childList" || ms[i].attributeName === "role") { fixRoles(); return; }
      }
    }).observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ["role"] });
    fixRoles();
    root.classList.add("has-calendar");
  }
  doc.addEventListener("DOMContentLoaded", createCalendar);
  if (doc.readyState !== "loading") createCalendar();
  narrow.addEventListener("change", function () { markView(); createCalendar(); });

  // --- keeping up with the others ---------------------------------------------
  var pending = null;
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(function () {
      if (ec) ec.refetchEvents();
      var list = doc.getElementById("agenda-list");
      if (list && list.offsetParent !== null && hx()) {
        hx().ajax("GET", location.pathname + location.search, { target: "#agenda-list", swap: "outerHTML" }).then(function () { paint(doc); });
      }
    }, 150);
  }

  doc.addEventListener("agenda:booked", function (e) {
    var dlg = doc.getElementById("agenda-book-dialog");
    if (dlg && dlg.open) dlg.close();
    toast(e.detail && e.detail.message, "success", cfg.msgClose);
    refresh();
  });
  doc.addEventListener("agenda:changed", refresh);

  var offline = null;
  function live() {
    if (!window.EventSource || !cfg.live) return;
    var delay = 1000, opened = false, failures = 0;
    function connect() {
      var es = new EventSource(cfg.live);
      es.addEventListener("agenda", refresh);
      es.addEventListener("gap", refresh);
      es.addEventListener("ready", function () {
        if (opened) refresh(); // back after a break: what changed meanwhile
        opened = true;
        failures = 0;
        delay = 1000;
        if (offline && offline.parentNode) offline.parentNode.removeChild(offline);
        offline = null;
      });
      es.onerror = function () {
        es.close();
        failures++;
        if (failures >= 3 && !offline) offline = toast(cfg.msgOffline, "warning", cfg.msgClose);
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    connect();
  }
  live();
})();
