/* diandan helper page: a village helper's proxy submissions for residents, in the browser.
   Plain JavaScript, no dependencies. The session is an HttpOnly cookie the page never sees;
   the pickers come from catalogue.json. Without JavaScript the login form posts as it is and
   the server's own pages take over. Text from the server goes in with textContent only. */
(function () {
  "use strict";
  var siteRoot = new URL("../", location.href);
  var apiRoot = new URL("/api/", location.href);
  var catalogue = null;
  var me = null;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("proxy");

  function say(text, bad) {
    var s = $("status");
    s.textContent = text || "";
    s.className = "status" + (bad ? " bad" : "");
  }

  function el(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* One API call with the session cookie; resolves with { status, body }. */
  function call(method, path, body) {
    var init = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(new URL(path, apiRoot), init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        return { status: r.status, body: b };
      });
    });
  }

  function options(select, pairs, placeholder) {
    select.textContent = "";
    if (placeholder) select.appendChild(new Option(placeholder, ""));
    pairs.forEach(function (p) { select.appendChild(new Option(p[1], p[0])); });
  }

  function ids(map, keep, words) {
    return Object.keys(map || {}).filter(function (id) { return keep(map[id]); })
      .map(function (id) { return [id, words(map[id], id)]; });
  }

  /* The pickers: the helper's townships (preset when there is one), orderable programs,
     lecturers, courses open today, and events already held in the helper's townships. */
  function fillPickers() {
    var c = catalogue, today = me.today;
    var mine = me.townships.map(function (t) { return [t, (c.townships[t] || {}).name || t]; });
    options($("f-township"), mine, mine.length === 1 ? null : "请选择");
    options($("f-program"), ids(c.programs, function (p) { return p.orderable; },
      function (p) { return p.title; }), "请选择节目");
    options($("f-lecturer"), ids(c.lecturers, function () { return true; },
      function (l) { return l.name; }), "请选择老师");
    options($("f-course"), ids(c.courses, function (k) {
      return k.registration.opens <= today && today <= k.registration.closes;
    }, function (k) { return k.title + "（" + k.ages.min + "–" + k.ages.max + " 岁）"; }), "请选择课程");
    var held = ids(c.slots, function (s) {
      return s.date <= today && me.townships.indexOf(s.township) >= 0;
    }, function (s, id) {
      var what = s.program ? (c.programs[s.program] || {}).title : (c.lecturers[s.lecturer] || {}).name;
      return s.date + " " + ((c.townships[s.township] || {}).name || "") + " " + (what || id);
    }).sort(function (a, b) { return a[1] < b[1] ? 1 : -1; });
    options($("f-slot"), held, held.length ? "请选择场次" : "最近没有已举行的活动");
  }

  function kind() { return form.querySelector("input[name=kind]:checked").value; }

  /* Shows only the fields the chosen kind takes. */
  function showFields() {
    var k = kind();
    Array.prototype.forEach.call(form.querySelectorAll("[data-kinds]"), function (node) {
      node.hidden = node.getAttribute("data-kinds").split(" ").indexOf(k) < 0;
    });
  }

  function clearErrors() {
    $("summary").hidden = true;
    $("summary-list").textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll(".error"), function (e) {
      e.hidden = true;
      e.textContent = "";
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (e) {
      e.removeAttribute("aria-invalid");
    });
  }

  /* The server's field mistakes: a summary linking to each field, and a line at the field. */
  function showErrors(problem) {
    var list = $("summary-list");
    var errors = problem.errors && problem.errors.length ? problem.errors : [{ field: "", message: problem.detail || "提交没有成功，请稍后再试。" }];
    errors.forEach(function (e) {
      var target = $("f-" + e.field), line = $("e-" + e.field);
      var item = el("li");
      if (target && line) {
        var link = el("a", e.message);
        link.href = "#f-" + e.field;
        link.addEventListener("click", function (ev) { ev.preventDefault(); target.focus(); });
        item.appendChild(link);
        line.textContent = e.message;
        line.hidden = false;
        if (target.tagName !== "FIELDSET") target.setAttribute("aria-invalid", "true");
      } else {
        item.textContent = e.message;
      }
      list.appendChild(item);
    });
    $("summary").hidden = false;
    $("summary").focus();
  }

  function body() {
    var k = kind(), out = {};
    var channel = form.querySelector("input[name=channel]:checked");
    if (channel) out.channel = channel.value;
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (f) {
      if (f.hidden) return;
      var input = f.querySelector("input, select, textarea");
      if (input && input.type === "checkbox") {
        if (input.checked) out[input.name] = true;
      } else if (input && input.value.trim() !== "") out[input.name] = input.value.trim();
    });
    return { kind: k, fields: out };
  }

  function showReceipt(k, answer) {
    var slip = $("slip"), label = form.querySelector("input[name=kind]:checked").parentNode.textContent.trim();
    slip.textContent = "";
    slip.appendChild(el("p", label + " · " + new Date().toLocaleString("zh-CN")));
    (answer.receipt || []).forEach(function (line) { slip.appendChild(el("p", line)); });
    slip.appendChild(el("p", "代办人：" + me.account));
    form.hidden = true;
    $("receipt").hidden = false;
    $("receipt").focus();
    say("已提交。", false);
    loadMine();
  }

  function submit(e) {
    e.preventDefault();
    clearErrors();
    var b = body();
    say("正在提交…", false);
    call("POST", "helper/" + b.kind, b.fields).then(function (r) {
      if (r.status === 201 || r.status === 200) return showReceipt(b.kind, r.body);
      if (r.status === 401) { say("登录已过期，请重新登录。", true); return showLogin(); }
      say("", false);
      showErrors(r.body);
    }).catch(function () { say("网络不通，请稍后再试。", true); });
  }

  function again() {
    Array.prototype.forEach.call(form.querySelectorAll("input[type=text], input[type=tel], textarea"), function (i) { i.value = ""; });
    $("receipt").hidden = true;
    form.hidden = false;
    say("", false);
    form.querySelector("input[name=kind]:checked").focus();
  }

  function loadMine() {
    return call("GET", "helper/submissions").then(function (r) {
      var list = $("mine-list");
      list.textContent = "";
      (r.body.submissions || []).slice(0, 20).forEach(function (s) {
        list.appendChild(el("li", s.at.slice(5, 16).replace("T", " ") + " " + s.detail));
      });
      if (!list.children.length) list.appendChild(el("li", "还没有代办记录。"));
    });
  }

  function showLogin() {
    $("app").hidden = true;
    $("login").hidden = false;
  }

  function showApp() {
    $("who").textContent = me.account;
    $("where").textContent = me.townships.map(function (t) {
      return (catalogue.townships[t] || {}).name || t;
    }).join("、");
    fillPickers();
    showFields();
    $("login").hidden = true;
    $("app").hidden = false;
    return loadMine();
  }

  /* Who is signed in: a helper gets the page, staff go to their own page. */
  function start() {
    return call("GET", "staff/me").then(function (r) {
      if (r.status !== 200) return showLogin();
      me = r.body;
      if (me.role !== "helper") { location.href = new URL("assets/admin.html", siteRoot).href; return null; }
      return fetch(new URL("catalogue.json", siteRoot)).then(function (c) { return c.json(); })
        .then(function (c) { catalogue = c; return showApp(); });
    }).catch(function () { say("网络不通，请稍后再试。", true); showLogin(); });
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var account = $("login-account").value.trim(), password = $("login-password").value;
    say("正在登录…", false);
    call("POST", "staff/login", { account: account, password: password }).then(function (r) {
      $("login-password").value = "";
      if (r.status === 200) { say("", false); return start(); }
      say(r.body.detail || "登录没有成功，请稍后再试。", true);
      $("login-password").focus();
    }).catch(function () { say("网络不通，请稍后再试。", true); });
  });
  Array.prototype.forEach.call(form.querySelectorAll("input[name=kind]"), function (r) {
    r.addEventListener("change", function () { clearErrors(); showFields(); });
  });
  form.addEventListener("submit", submit);
  $("print").addEventListener("click", function () { window.print(); });
  $("again").addEventListener("click", again);
  $("logout").addEventListener("click", function () {
    call("POST", "staff/logout").then(function () { me = null; say("已退出登录。", false); showLogin(); });
  });
  $("login").hidden = true;
  start();
})();
