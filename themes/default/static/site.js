// diandan: forms submit in place and counts stay live when JavaScript runs; without it the
// plain HTML forms post and redirect, so nothing here is required.
(function () {
  "use strict";
  var api = document.body.getAttribute("data-api") || "/api";

  function text(el, s) { el.textContent = s; el.hidden = !s; }

  function showCounts(t) {
    document.querySelectorAll("[data-tally]").forEach(function (el) {
      var id = el.getAttribute("data-id"), kind = el.getAttribute("data-tally");
      if (kind === "program" && t.programs && t.programs[id]) {
        var n = t.programs[id].total;
        text(el, n > 0 ? "已有 " + n + " 人点单" : "还没有人点单，欢迎您第一个点");
      } else if (kind === "lecturer" && t.lecturers && t.lecturers[id]) {
        var l = t.lecturers[id];
        text(el, l.reached ? "已有 " + l.nominations + " 人点将，讲座即将安排" : "已有 " + l.nominations + " 人点将，还差 " + (l.threshold - l.nominations) + " 人");
      } else if (kind === "course" && t.courses && t.courses[id]) {
        var c = t.courses[id];
        text(el, c.places_left > 0 ? "还剩 " + c.places_left + " 个名额" : "名额已满，现有 " + c.waitlisted + " 人候补");
      }
    });
  }

  function counts(url) {
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  // The static /tallies.json first (a file through the CDN, rewritten every few seconds);
  // the API's /tallies where the site's host has no such file, or right after the resident's
  // own submission, which the file may not show for a few seconds yet.
  function refresh(fresh) {
    if (!document.querySelector("[data-tally]") || !window.fetch) return;
    (fresh ? Promise.resolve(null) : counts("/tallies.json"))
      .then(function (t) { return t || counts(api + "/tallies"); })
      .then(function (t) { if (t) showCounts(t); });
  }

  function clearErrors(form) {
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".error").forEach(function (el) { text(el, ""); });
    var s = form.querySelector(".summary");
    if (s) { s.hidden = true; s.querySelector("ul").innerHTML = ""; }
  }

  function showErrors(form, problem) {
    var s = form.querySelector(".summary"), list = s.querySelector("ul");
    var errors = problem.errors && problem.errors.length ? problem.errors : [{ field: "", message: problem.detail || problem.title || "提交没有成功，请稍后再试。" }];
    errors.forEach(function (e) {
      var input = e.field && form.querySelector("[name='" + e.field + "']");
      var li = document.createElement("li");
      if (input && input.id) {
        input.setAttribute("aria-invalid", "true");
        var msg = document.getElementById(input.id + "-error");
        if (msg) text(msg, e.message);
        var a = document.createElement("a");
        a.href = "#" + input.id; a.textContent = e.message;
        li.appendChild(a);
      } else { li.textContent = e.message; }
      list.appendChild(li);
    });
    s.hidden = false; s.focus();
  }

  function receipt(kind, r) {
    if (kind === "order") return "点单成功！每人每个节目只算一次。" + (r.township_count != null ? "您乡镇已有 " + r.township_count + " 人点了这个节目。" : "");
    if (kind === "nomination") return "点将成功！已有 " + r.count + " 人点将（满 " + r.threshold + " 人安排讲座）。";
    if (kind === "registration") return null;
    if (kind === "wish") return "已收到您的诉求，工作人员会在网站上公开回复。";
    if (kind === "rating") return "谢谢您的评分！";
    return "提交成功。";
  }

  function showResult(form, kind, r) {
    var box = form.querySelector(".result");
    box.innerHTML = "";
    var p = document.createElement("p");
    var msg = receipt(kind, r);
    if (msg === null) {
      p.textContent = r.status === "confirmed" ? "报名成功！请记下报名码：" : "名额已满，已为您排上候补。候补码：";
      var code = document.createElement("p");
      code.className = "code"; code.textContent = r.code;
      box.appendChild(p); box.appendChild(code);
      [[r.status_url, "查看报名情况和上课时间"], [r.cancel_url, "不能来了？点这里取消报名"]].forEach(function (l) {
        if (!l[0]) return;
        var line = document.createElement("p"), a = document.createElement("a");
        a.href = l[0]; a.textContent = l[1];
        line.appendChild(a); box.appendChild(line);
      });
    } else { p.textContent = msg; box.appendChild(p); }
    if (r.withdraw_url) {
      var w = document.createElement("p"), wa = document.createElement("a");
      wa.href = r.withdraw_url; wa.textContent = "想撤回这次点将？请收藏这个链接（只属于您，请不要转发）";
      w.appendChild(wa); box.appendChild(w);
    }
  }

  // Text-message codes: "获取验证码" asks /api/verify, then waits out the resend minute.
  function countdown(button, seconds) {
    button.disabled = true;
    (function tick() {
      if (seconds <= 0) { button.disabled = false; button.textContent = "重新获取"; return; }
      button.textContent = "重新获取（" + seconds-- + " 秒）";
      setTimeout(tick, 1000);
    })();
  }

  function sendCode(form) {
    var phone = form.querySelector("[name=phone]"), button = form.querySelector("[data-send-code]");
    var status = form.querySelector("[name=code]").id + "-status";
    clearErrors(form);
    if (!phone.value.trim()) return showErrors(form, { errors: [{ field: "phone", message: "请先填写手机号码，验证码会发到这个号码上。" }] });
    button.disabled = true;
    fetch(api + "/verify", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify({ phone: phone.value }) })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, wait: Number(r.headers.get("Retry-After")) || 60, body: j }; }); })
      .then(function (res) {
        if (res.status === 202) {
          text(document.getElementById(status), "验证码已发送至 " + res.body.phone + "，10 分钟内有效。请填写短信里的 6 位数字。");
          form.querySelector("[name=code]").focus();
          return countdown(button, res.body.resend_after || 60);
        }
        showErrors(form, res.body);
        if (res.status === 429) countdown(button, res.wait); else button.disabled = false;
      })
      .catch(function () { button.disabled = false; showErrors(form, { detail: "网络不太好，验证码没有发出去，请稍后再试。" }); });
  }

  // A form that needs a code came back asking for one and none was typed: send it, as the
  // server does for a plain form, so the resident only has to type it in.
  function wantsCode(form, problem) {
    var code = form.querySelector("[name=code]"), errors = problem.errors || [];
    return code && !code.value && errors.length === 1 && errors[0].field === "code";
  }

  function submit(ev) {
    var form = ev.target, kind = form.getAttribute("data-form");
    if (!window.fetch || !window.FormData) return;
    ev.preventDefault();
    clearErrors(form);
    var data = {};
    new FormData(form).forEach(function (v, k) { if (v !== "") data[k] = v; });
    if (data.child_age) data.child_age = Number(data.child_age);
    if (data.stars) data.stars = Number(data.stars);
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(data) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (res.ok) { showResult(form, kind, res.body); refresh(true); }
        else if (wantsCode(form, res.body)) sendCode(form);
        else showErrors(form, res.body);
      })
      .catch(function () { showErrors(form, { detail: "网络不太好，提交没有成功，请稍后再试。" }); })
      .then(function () { button.disabled = false; });
  }

  document.querySelectorAll("form[data-form]").forEach(function (f) { f.addEventListener("submit", submit); });
  document.querySelectorAll("[data-send-code]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { sendCode(b.form); });
  });
  refresh();
})();
