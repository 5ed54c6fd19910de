// A timed attempt's countdown, beside the "Submit by" line the page shows without JavaScript.
// The time left runs on the server's clock (the page says what it was when sent), so a device
// whose clock is wrong still counts right. Warnings at 5 and 1 minutes go to live regions, each
// once per attempt (sessionStorage remembers them across its pages). At zero it sends what was
// answered: the question's form when something is chosen or typed, else the finish form. The
// server has the last word: an answer after the deadline and its grace is not recorded.
(function () {
  "use strict";
  var box = document.getElementById("deadline");
  if (!box) return;
  var deadline = Date.parse(box.getAttribute("data-deadline"));
  var serverNow = Date.parse(box.getAttribute("data-now"));
  if (isNaN(deadline) || isNaN(serverNow)) return;
  var skew = serverNow - Date.now();
  var timer = box.querySelector("[role=timer]");
  var polite = document.getElementById("countdown-status");
  var urgent = document.getElementById("countdown-alert");
  var key = "quizapp-countdown-" + box.getAttribute("data-attempt");
  var WARNINGS = [
    { at: 5 * 60 * 1000, region: polite },
    { at: 60 * 1000, region: urgent },
  ];

  function told() {
    try {
      return JSON.parse(window.sessionStorage.getItem(key) || "[]");
    } catch (e) {
      return [];
    }
  }

  function remember(list) {
    try {
      window.sessionStorage.setItem(key, JSON.stringify(list));
    } catch (e) {
      /* private browsing: the warnings may repeat on the next page, nothing worse */
    }
  }

  function left() {
    return deadline - (Date.now() + skew);
  }

  function clock(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function warningText(ms) {
    if (ms <= 60 * 1000) {
      return "Less than 1 minute left. At zero, what you have answered is submitted.";
    }
    var minutes = Math.ceil(ms / 60000);
    return minutes + " minutes left.";
  }

  // The smallest warning reached and not yet given, once; the larger ones count as given.
  function warn(ms) {
    var given = told();
    var due = WARNINGS.filter(function (w) {
      return ms <= w.at && given.indexOf(w.at) < 0;
    });
    if (!due.length) return;
    var last = due[due.length - 1];
    WARNINGS.forEach(function (w) {
      if (w.region !== last.region) w.region.textContent = ""; // an earlier warning is stale
    });
    last.region.textContent = warningText(ms);
    remember(given.concat(due.map(function (w) { return w.at; })));
  }

  function answered(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.name !== "answer") return false;
      if (el.type === "radio" || el.type === "checkbox") return el.checked;
      return el.value.trim() !== "";
    });
  }

  function hidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  function submitNow() {
    urgent.textContent = "Time is up: sending your answers.";
    var form = document.querySelector("form.question");
    if (!form || !answered(form)) {
      var token = document.querySelector("input[name=csrf_token]");
      form = document.createElement("form");
      form.method = "post";
      form.action = box.getAttribute("data-finish");
      if (token) hidden(form, "csrf_token", token.value);
      document.body.appendChild(form);
    }
    hidden(form, "timeup", "1");
    form.submit();
  }

  var ticking;
  function tick() {
    var ms = left();
    timer.hidden = false;
    timer.textContent = clock(ms) + " left";
    warn(ms);
    if (ms <= 0) {
      window.clearInterval(ticking);
      submitNow();
    }
  }

  ticking = window.setInterval(tick, 1000);
  tick();
})();
