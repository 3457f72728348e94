/* diandan staff page: plain JavaScript, no dependencies. Every call sends the admin token as
   a bearer token; the token lives in sessionStorage only (gone when the tab closes). All text
   from the server is inserted with textContent, never as HTML. */
(function () {
  "use strict";
  var KEY = "diandan-admin-token";
  var siteRoot = new URL("../", location.href);
  var apiRoot = null;
  var catalogue = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "onclick") node.addEventListener("click", attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function say(text, good) {
    var s = $("status");
    s.textContent = text || "";
    s.className = "status " + (good ? "good" : "bad");
  }

  function token() { return sessionStorage.getItem(KEY) || ""; }

  function showPanel(on) {
    $("login").hidden = on;
    $("panel").hidden = !on;
  }

  /* Loads catalogue.json once: the API's address and the names of programs and lecturers. */
  function loadCatalogue() {
    if (catalogue) return Promise.resolve(catalogue);
    return fetch(new URL("catalogue.json", siteRoot)).then(function (r) {
      if (!r.ok) throw new Error("读取 catalogue.json 失败（" + r.status + "）");
      return r.json();
    }).then(function (c) {
      catalogue = c;
      var api = (c.site && c.site.api_url) || "/api";
      apiRoot = new URL(api.replace(/\/+$/, "") + "/", siteRoot);
      return c;
    });
  }

  /* One admin call; resolves with the Response, or rejects with words for staff. */
  function call(method, path, body) {
    var init = { method: method, headers: { "Authorization": "Bearer " + token() } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return loadCatalogue().then(function () {
      return fetch(new URL("admin/" + path, apiRoot), init);
    }).then(function (r) {
      if (r.ok) return r;
      if (r.status === 401) { sessionStorage.removeItem(KEY); showPanel(false); }
      return r.json().catch(function () { return {}; }).then(function (p) {
        var detail = p.detail || ("出错了（" + r.status + "）");
        if (p.errors && p.errors.length) detail += " " + p.errors.map(function (e) { return e.message; }).join(" ");
        throw new Error(detail);
      });
    });
  }

  function json(method, path, body) {
    return call(method, path, body).then(function (r) { return r.json(); });
  }

  function fail(e) { say(e.message || String(e), false); }

  /* Wishes waiting for a reply. */
  function loadWishes() {
    return json("GET", "wishes").then(function (data) {
      var box = $("wishes");
      box.textContent = "";
      if (!data.wishes.length) { box.appendChild(el("p", { text: "没有待回复的诉求。" })); return; }
      data.wishes.forEach(function (w) {
        var reply = el("textarea", { "aria-label": "回复内容", maxlength: "1000" });
        var who = (w.name || "匿名") + " · " + w.township_name + " · " + w.asked_at.slice(0, 10);
        box.appendChild(el("div", { "class": "wish" },
          el("p", { text: w.text }),
          el("p", { "class": "small", text: "#" + w.id + " " + who }),
          reply,
          el("button", { "class": "primary", type: "button", text: "公开回复", onclick: function () {
            json("POST", "wishes/" + w.id + "/reply", { reply: reply.value })
              .then(function () { say("已回复，网站将重新生成。", true); return refresh(); }).catch(fail);
          } }),
          el("button", { type: "button", text: "隐藏", onclick: function () {
            if (!confirm("隐藏后这条诉求不会公开，也不能恢复。确定吗？")) return;
            json("POST", "wishes/" + w.id + "/hide")
              .then(function () { say("已隐藏。", true); return refresh(); }).catch(fail);
          } })));
      });
    });
  }

  var SOURCE = { content: "节目单", auto: "自动安排", staff: "工作人员" };
  var KIND = { stage: "戏台", forum: "讲坛" };

  function choices(kind) {
    var select = el("select", { "aria-label": kind === "stage" ? "节目" : "讲师" }, el("option", { value: "", text: "选择…" }));
    var items = kind === "stage" ? catalogue.programs : catalogue.lecturers;
    Object.keys(items).forEach(function (id) {
      var it = items[id];
      var label = kind === "stage" ? it.title + (it.orderable ? "" : "（暂停点单）") : it.name;
      select.appendChild(el("option", { value: id, text: label }));
    });
    return select;
  }

  function slotActions(s, today) {
    var cell = el("td");
    if (s.done) { cell.appendChild(el("span", { text: "已演出" })); return cell; }
    if (s.source !== "content") {
      var select = choices(s.kind);
      var reason = el("input", { type: "text", placeholder: "说明（可不填）", maxlength: "200", "aria-label": "说明" });
      cell.appendChild(select);
      cell.appendChild(reason);
      cell.appendChild(el("button", { type: "button", text: "指定", onclick: function () {
        var body = { reason: reason.value || undefined };
        body[s.kind === "stage" ? "program" : "lecturer"] = select.value;
        json("POST", "slots/" + s.slot + "/pin", body)
          .then(function () { say("已指定。", true); return refresh(); }).catch(fail);
      } }));
      if (s.source) {
        cell.appendChild(el("button", { type: "button", text: "清除", onclick: function () {
          json("DELETE", "slots/" + s.slot + "/pin")
            .then(function () { say("已清除。", true); return refresh(); }).catch(fail);
        } }));
      }
    }
    if (s.title && s.date <= today) {
      cell.appendChild(el("button", { type: "button", text: "已演出", onclick: function () {
        if (!confirm("标记“" + s.title + "”在" + s.township_name + "已演出？")) return;
        json("POST", "slots/" + s.slot + "/done").then(function (d) {
          say("已标记，" + d.closed_orders + " 条点单已完成。", true);
          return refresh();
        }).catch(fail);
      } }));
    }
    return cell;
  }

  function loadSlots() {
    return json("GET", "slots").then(function (data) {
      var body = el("tbody");
      data.slots.forEach(function (s) {
        var what = s.title ? s.title + "（" + (SOURCE[s.source] || "") + "）" : "待定";
        var row = el("tr", { "class": s.done ? "done" : "" },
          el("td", { text: s.date + " " + s.time }),
          el("td", { text: s.township_name + " · " + KIND[s.kind] }),
          el("td", { text: s.venue }),
          el("td", {}, what, s.reason ? el("div", { "class": "small", text: s.reason }) : null),
          slotActions(s, data.today));
        body.appendChild(row);
      });
      var head = el("tr", {}, el("th", { text: "时间" }), el("th", { text: "乡镇" }), el("th", { text: "地点" }),
        el("th", { text: "安排" }), el("th", { text: "操作" }));
      var box = $("slots");
      box.textContent = "";
      box.appendChild(el("table", {}, el("thead", {}, head), body));
    });
  }

  function showPlan(data) {
    var box = $("plan");
    box.textContent = "";
    if (!data.proposals.length) { box.appendChild(el("p", { text: "没有需要自动安排的场次。" })); return; }
    var body = el("tbody");
    data.proposals.forEach(function (p) {
      body.appendChild(el("tr", {},
        el("td", { text: p.date }), el("td", { text: p.township_name + " · " + KIND[p.kind] }),
        el("td", { text: p.title || "（空）" }), el("td", { text: p.reason })));
    });
    box.appendChild(el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "日期" }),
      el("th", { text: "乡镇" }), el("th", { text: "安排" }), el("th", { text: "理由" }))), body));
  }

  function plan(apply) {
    json("POST", "plan" + (apply ? "?apply=true" : "")).then(function (data) {
      showPlan(data);
      say(apply ? "已保存 " + data.stored + " 项自动安排。" : "这是预览，尚未保存。", true);
      return apply ? refresh() : null;
    }).catch(fail);
  }

  function download(name) {
    call("GET", "export/" + name + ".csv").then(function (r) {
      var disposition = r.headers.get("Content-Disposition") || "";
      var match = /filename="([^"]+)"/.exec(disposition);
      return r.blob().then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : name + ".csv" });
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        say("已下载 " + a.download + "。", true);
      });
    }).catch(fail);
  }

  function loadLog() {
    return json("GET", "log?limit=50").then(function (data) {
      var list = el("ul");
      data.actions.forEach(function (a) {
        list.appendChild(el("li", { text: a.at.slice(0, 16).replace("T", " ") + " " + a.detail }));
      });
      var box = $("log");
      box.textContent = "";
      box.appendChild(data.actions.length ? list : el("p", { text: "还没有操作记录。" }));
    });
  }

  /* Lottery courses (from catalogue.json): a witness field and a draw button each. */
  function loadDraws() {
    return loadCatalogue().then(function (c) {
      var box = $("draws");
      box.textContent = "";
      var ids = Object.keys(c.courses || {}).filter(function (id) { return c.courses[id].allocation === "lottery"; });
      if (!ids.length) { box.appendChild(el("p", { text: "没有摇号课程。" })); return; }
      ids.forEach(function (id) {
        var k = c.courses[id];
        var input = el("input", { type: "text", inputmode: "numeric", pattern: "[0-9]{1,20}", "aria-label": "见证号码：" + k.title });
        box.appendChild(el("p", {}, k.title + "（报名截止 " + k.registration.closes + "）见证号码 ", input, " ",
          el("button", { "class": "primary", type: "button", text: "摇号", onclick: function () {
            var witness = input.value.trim();
            if (!confirm("用见证号码 " + witness + " 给“" + k.title + "”摇号？每门课只能摇一次。")) return;
            json("POST", "courses/" + id + "/draw", { witness: witness }).then(function (d) {
              say("已摇号：" + d.ranking.length + " 份申请，前 " + d.capacity + " 名录取。结果将公布在课程页。", true);
              return refresh();
            }).catch(fail);
          } })));
      });
    });
  }

  function refresh() {
    return Promise.all([loadWishes(), loadSlots(), loadDraws(), loadLog()]).catch(fail);
  }

  function start() {
    if (!token()) { showPanel(false); return; }
    loadCatalogue().then(function () {
      showPanel(true);
      return refresh();
    }).catch(fail);
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    say("", true);
    start();
  });
  $("logout").addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    say("已退出。", true);
    showPanel(false);
  });
  $("refresh").addEventListener("click", function () { refresh().then(function () { say("已刷新。", true); }); });
  $("plan-preview").addEventListener("click", function () { plan(false); });
  $("plan-apply").addEventListener("click", function () {
    if (confirm("保存自动安排？已安排的场次不会改变。")) plan(true);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-export]"), function (b) {
    b.addEventListener("click", function () { download(b.getAttribute("data-export")); });
  });
  start();
})();
