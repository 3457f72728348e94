/* diandan staff page: plain JavaScript, no dependencies. Staff log in with their account (an
   HttpOnly session cookie the page never sees); automation and first set-up may use the admin
   token instead, sent as a bearer token and kept in sessionStorage only (gone when the tab
   closes). The page shows what the role may do: admin accounts (and the token) also manage
   accounts; helpers are sent to their own page. All text from the server is inserted with
   textContent, never as HTML. */
(function () {
  "use strict";
  var KEY = "diandan-admin-token";
  var siteRoot = new URL("../", location.href);
  var apiRoot = null;
  var catalogue = null;
  var role = null;
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

  /* One API call (path under /api/); the bearer token if one was given, else the session
     cookie. Resolves with the Response, or rejects with words for staff. */
  function api(method, path, body) {
    var init = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (token()) init.headers["Authorization"] = "Bearer " + token();
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return loadCatalogue().then(function () {
      return fetch(new URL(path, apiRoot), init);
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

  /* One staff call, under /api/admin/. */
  function call(method, path, body) { return api(method, "admin/" + path, body); }

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
        list.appendChild(el("li", { text: a.at.slice(0, 16).replace("T", " ") + " " + a.actor + "：" + a.detail }));
      });
      var box = $("log");
      box.textContent = "";
      box.appendChild(data.actions.length ? list : el("p", { text: "还没有操作记录。" }));
    });
  }

  /* The latest texts to residents: a failed one says so in words, not by colour alone. */
  function messageRow(m) {
    var failed = m.state === "failed";
    var state = failed ? el("strong", { text: "✗ " + m.state_name }) : m.state_name;
    return el("tr", { "class": failed ? "failed" : "" },
      el("td", { text: (m.created_at || "").slice(0, 16).replace("T", " ") }),
      el("td", { text: m.kind_name + "：" + m.subject }),
      el("td", { text: m.to }),
      el("td", {}, state),
      el("td", { text: String(m.tries) }),
      el("td", { text: m.error || "" }));
  }

  function loadMessages() {
    return json("GET", "messages").then(function (data) {
      var box = $("messages");
      box.textContent = "";
      if (!data.messages.length) { box.appendChild(el("p", { text: "还没有短信。" })); return; }
      var failed = data.messages.filter(function (m) { return m.state === "failed"; }).length;
      var head = el("tr", {});
      ["排队时间", "短信", "手机号码", "状态", "尝试次数", "错误"].forEach(function (t) {
        head.appendChild(el("th", { scope: "col", text: t }));
      });
      var body = el("tbody");
      data.messages.forEach(function (m) { body.appendChild(messageRow(m)); });
      var caption = "最近 " + data.messages.length + " 条短信" + (failed ? "，其中 " + failed + " 条未能发送" : "");
      box.appendChild(el("table", {}, el("caption", { text: caption }), el("thead", {}, head), body));
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

  var ROLE = { admin: "管理员", staff: "工作人员", helper: "帮办员" };

  /* Each village helper: today's count against the cap, and their latest submissions. */
  function loadHelpers() {
    return json("GET", "helpers").then(function (data) {
      var box = $("helpers");
      box.textContent = "";
      if (!data.helpers.length) { box.appendChild(el("p", { text: "还没有帮办员账号。" })); return; }
      data.helpers.forEach(function (h) {
        var list = el("ul");
        h.submissions.slice(0, 50).forEach(function (a) {
          list.appendChild(el("li", { text: a.at.slice(0, 16).replace("T", " ") + " " + a.detail }));
        });
        var cap = data.daily_cap ? " / " + data.daily_cap : "";
        var head = h.account + "（" + h.townships.map(townshipName).join("、") + "）今天 " + h.today + cap + " 条" + (h.disabled ? "，已停用" : "");
        box.appendChild(el("details", {}, el("summary", { text: head }),
          h.submissions.length ? list : el("p", { text: "还没有代办记录。" })));
      });
    });
  }

  function townshipName(id) { return ((catalogue.townships || {})[id] || {}).name || id; }

  function accountRow(a) {
    var actions = el("td");
    if (!a.disabled_at) {
      var pw = el("input", { type: "password", autocomplete: "new-password", minlength: "10", "aria-label": "新密码：" + a.account });
      actions.appendChild(pw);
      actions.appendChild(el("button", { type: "button", text: "重设密码", onclick: function () {
        json("POST", "accounts/" + a.account + "/password", { password: pw.value }).then(function () {
          pw.value = "";
          say("已为 " + a.account + " 重设密码，他已登录的设备需要重新登录。", true);
        }).catch(fail);
      } }));
      actions.appendChild(el("button", { type: "button", text: "停用", onclick: function () {
        if (!confirm("停用账号 " + a.account + "？停用后不能再登录，也不能恢复。")) return;
        json("POST", "accounts/" + a.account + "/disable").then(function () {
          say("已停用 " + a.account + "。", true);
          return loadAccounts();
        }).catch(fail);
      } }));
    }
    return el("tr", {}, el("td", { text: a.account }), el("td", { text: ROLE[a.role] || a.role }),
      el("td", { text: a.townships.map(townshipName).join("、") }),
      el("td", { text: a.disabled_at ? "已停用" : "使用中" }), actions);
  }

  function loadAccounts() {
    if (role !== "admin") return Promise.resolve();
    return json("GET", "accounts").then(function (data) {
      var head = el("tr", {}, el("th", { text: "账号" }), el("th", { text: "角色" }),
        el("th", { text: "负责乡镇" }), el("th", { text: "状态" }), el("th", { text: "操作" }));
      var body = el("tbody");
      data.accounts.forEach(function (a) { body.appendChild(accountRow(a)); });
      var box = $("accounts");
      box.textContent = "";
      box.appendChild(el("table", {}, el("thead", {}, head), body));
    });
  }

  function townshipBoxes() {
    var box = $("new-townships");
    if (box.querySelector("input")) return;
    Object.keys(catalogue.townships || {}).forEach(function (id) {
      var input = el("input", { type: "checkbox", value: id });
      box.appendChild(el("label", {}, input, " " + townshipName(id)));
    });
  }

  function addAccount(e) {
    e.preventDefault();
    var ticked = Array.prototype.map.call($("new-townships").querySelectorAll("input:checked"), function (i) { return i.value; });
    var body = { account: $("new-account").value.trim(), role: $("new-role").value,
      townships: ticked.join(","), password: $("new-password").value };
    json("POST", "accounts", body).then(function (a) {
      $("new-password").value = "";
      $("new-account").value = "";
      say("已新增账号 " + a.account + "（" + (ROLE[a.role] || a.role) + "）。", true);
      return loadAccounts();
    }).catch(fail);
  }

  function refresh() {
    return Promise.all([loadWishes(), loadSlots(), loadDraws(), loadHelpers(), loadMessages(), loadLog(), loadAccounts()]).catch(fail);
  }

  /* Shows the parts the role may use. */
  function enter(who, r) {
    role = r;
    $("whoami").textContent = who + "（" + (ROLE[r] || r) + "）";
    Array.prototype.forEach.call(document.querySelectorAll("[data-need=admin]"), function (n) { n.hidden = r !== "admin"; });
    townshipBoxes();
    showPanel(true);
    return refresh();
  }

  /* The token acts as an admin; otherwise the session says who is signed in. */
  function start() {
    return loadCatalogue().then(function () {
      if (token()) return enter("管理员口令", "admin");
      return fetch(new URL("staff/me", apiRoot), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (me) {
          if (!me) { showPanel(false); return null; }
          if (me.role === "helper") { location.href = "helper.html"; return null; }
          return enter(me.account, me.role);
        });
    }).catch(fail);
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { account: $("account").value.trim(), password: $("password").value };
    api("POST", "staff/login", body).then(function () {
      $("password").value = "";
      say("", true);
      return start();
    }).catch(function (err) { $("password").value = ""; fail(err); $("password").focus(); });
  });
  $("token-form").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    say("", true);
    start();
  });
  $("logout").addEventListener("click", function () {
    var out = token() ? Promise.resolve() : api("POST", "staff/logout").catch(function () {});
    sessionStorage.removeItem(KEY);
    out.then(function () { role = null; say("已退出。", true); showPanel(false); });
  });
  $("account-form").addEventListener("submit", addAccount);
  $("refresh").addEventListener("click", function () { refresh().then(function () { say("已刷新。", true); }); });
  $("plan-preview").addEventListener("click", function () { plan(false); });
  $("plan-apply").addEventListener("click", function () {
    if (confirm("保存自动安排？已安排的场次不会改变。")) plan(true);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-export]"), function (b) {
    b.addEventListener("click", function () { download(b.getAttribute("data-export")); });
  });
  // WeChat's in-app browser cannot save the CSV files: say how to open the page elsewhere.
  var exports = document.querySelector("[data-export]");
  if (exports && /MicroMessenger/i.test(navigator.userAgent)) {
    exports.parentNode.appendChild(el("span", { class: "wechat-hint", text: "微信里存不了表格：请点右上角 ··· 在浏览器打开" }));
  }
  start();
})();
