// The style guide's own script (not shipped): the agenda sample, the page
// height for full-page screenshots, and an axe-core run when ?axe is set.
(function () {
  "use strict";

  // after every deferred script, Event Calendar's included
  document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("sg-agenda");
  if (el && window.EventCalendar) {
    var day = "2026-09-14";
    var ev = function (id, res, from, to, title, status, color, extra) {
      return {
        id: id, resourceIds: [res], start: day + " " + from, end: day + " " + to, title: title,
        backgroundColor: color, classNames: ["status-" + status].concat(extra || []),
        extendedProps: { status: status }
      };
    };
    window.EventCalendar.create(el, {
      view: "resourceTimeGridDay",
      date: day,
      locale: "pt-BR",
      firstDay: 0,
      allDaySlot: false,
      slotMinTime: "08:00",
      slotMaxTime: "12:30",
      slotDuration: "00:15",
      slotHeight: 22,
      slotLabelInterval: "01:00",
      nowIndicator: false,
      headerToolbar: { start: "prev,next today", center: "title", end: "resourceTimeGridDay,resourceTimeGridWeek" },
      buttonText: function (t) { t.today = "Hoje"; t.resourceTimeGridDay = "Dia"; t.resourceTimeGridWeek = "Semana"; return t; },
      resources: [
        { id: "1", title: "Dra. Beatriz Lima" },
        { id: "2", title: "Dr. Carlos Mendes" },
        { id: "3", title: "Dra. Juliana Rocha" }
      ],
      events: [
        ev("a", "1", "08:00", "08:30", "Maria da Silva · Primeira consulta", "completed", "#0d6e66"),
        ev("b", "1", "08:30", "09:00", "João Pereira · Retorno", "in_progress", "#3c5fa8"),
        ev("c", "1", "09:00", "09:30", "Ana Costa · Consulta", "arrived", "#0d6e66"),
        ev("d", "1", "10:00", "10:45", "Lucas Almeida · Avaliação", "confirmed", "#7a4fb0"),
        ev("e", "2", "08:15", "09:00", "Fernanda Souza · Limpeza", "no_show", "#a34a28"),
        ev("f", "2", "09:30", "10:00", "Rafael Gomes · Consulta", "scheduled", "#3c5fa8"),
        ev("g", "2", "10:00", "10:15", "Paulo Nunes · Encaixe", "confirmed", "#3c5fa8", ["is-squeeze"]),
        ev("h", "3", "08:00", "09:00", "Sessão de fisioterapia · Cláudia Reis", "completed", "#2f7d4f"),
        ev("i", "3", "09:00", "10:00", "Sessão de fisioterapia · Pedro Dias", "cancelled", "#2f7d4f"),
        ev("j", "3", "11:00", "12:00", "Sessão de fisioterapia · Marta Luz", "scheduled", "#2f7d4f"),
        { start: day + " 12:00", end: day + " 12:30", resourceIds: ["1", "2"], display: "background" }
      ]
    });
  }
  });

  // ?menu opens the phone menu and ?dialog the booking dialog, to look at them
  [["menu", "[data-nav-toggle]"], ["dialog", "[data-dialog-open]"]].forEach(function (c) {
    if (location.search.indexOf(c[0]) < 0) return;
    window.addEventListener("load", function () {
      var t = document.querySelector(c[1]);
      if (t) t.click();
    });
  });

  var report = function () {
    document.documentElement.setAttribute("data-sg-height", String(document.documentElement.scrollHeight));
  };
  window.addEventListener("load", function () { setTimeout(report, 300); });

  if (location.search.indexOf("axe") >= 0) {
    var out = document.createElement("pre");
    out.id = "sg-axe";
    out.hidden = true;
    document.body.appendChild(out);
    var s = document.createElement("script");
    s.src = "/sg/axe.js";
    s.onload = function () {
      // Event Calendar 5.10.1's own markup fails aria-required-children (its
      // role=table and role=rowgroup hold non-row children) and heading-order
      // (h4 in events): upstream, reported to the agenda's owner; this run
      // checks clinic's markup.
      var context = { include: [document], exclude: [["#sg-agenda"]] };
      window.axe.run(context, { resultTypes: ["violations"] }).then(function (r) {
        var lines = r.violations.map(function (v) {
          return v.impact + " " + v.id + ": " + v.help + " — " + v.nodes.map(function (n) { return n.target.join(" "); }).join(", ");
        });
        out.textContent = lines.length ? lines.join("\n") : "ok";
      }, function (err) { out.textContent = "critical axe-error: " + err; });
    };
    document.head.appendChild(s);
  }
})();
