// diandan search: finds programs, lecturers, courses and townships by Chinese or pinyin (full
// or initials; tones and spaces ignored) in the index the build wrote under /search/. The
// index is split into shards by a query's first character (Chinese) or first two letters; the
// build puts each entry into the shard of every way a query can start, so one fetch suffices.
// ES5 plus fetch and Math.imul (ES2015), for the in-app browsers of older phones. Without it the page lists
// categories and townships.
(function () {
  "use strict";
  var form = document.querySelector("form.search-page");
  if (!form || !window.fetch) return;
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var shards = parseInt(form.getAttribute("data-shards"), 10) || 1;
  var KINDS = ["节目", "老师", "课程", "乡镇"];
  var PATHS = ["/programs/", "/lecturers/", "/courses/", "/townships/"];
  var cache = {};
  var HAN = /[\u3400-\u4dbf\u4e00-\u9fff]/;

  // Lowercase, no tone marks or tone numbers, no spaces or punctuation.
  function norm(q) {
    q = String(q || "").toLowerCase();
    if (q.normalize) q = q.normalize("NFD");
    q = q.replace(/[\u0300-\u036f]/g, "").replace(/u\u0308/g, "v");
    q = q.replace(/[\s'’·•,，。.、:：;；!！?？()（）《》“”"\-_/]+/g, "");
    return q.replace(/([a-z])[1-5](?=[a-z]|$)/g, "$1");
  }

  function gram(q) {
    return HAN.test(q.charAt(0)) ? q.charAt(0) : q.slice(0, 2);
  }

  // FNV-1a over UTF-16 code units; the build's `gram_hash` is the same.
  function hash(s) {
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  function shard(n) {
    if (!cache[n]) {
      cache[n] = fetch("/search/" + n + ".json").then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      });
    }
    return cache[n];
  }

  // Whether pinyin `field` ("min ju|…" syllables) matches `q` at a syllable's start, in full
  // pinyin or in initials.
  function pinyinMatch(field, q) {
    var syl = field.split(" "), compact = syl.join(""), initials = "", at = 0;
    for (var i = 0; i < syl.length; i++) {
      if (compact.substr(at, q.length) === q) return true;
      at += syl[i].length;
      initials += syl[i].charAt(0);
    }
    return initials.indexOf(q) >= 0;
  }

  // The rank of entry `e` for `q`: 0 title, 1 category and the like, 2 other words; -1 none.
  function rank(e, q) {
    var han = HAN.test(q), texts = [e[2], e[3], e[4]], py = e[5].split("|");
    for (var f = 0; f < 3; f++) {
      var text = norm(texts[f]);
      if (text.indexOf(q) >= 0 || (!han && pinyinMatch(py[f] || "", q))) return f;
    }
    return -1;
  }

  function show(q, entries) {
    list.innerHTML = "";
    var found = [];
    entries.forEach(function (e, i) {
      var r = rank(e, q);
      if (r >= 0) found.push({ e: e, r: r, i: i });
    });
    found.sort(function (a, b) { return a.r - b.r || a.e[0] - b.e[0] || a.i - b.i; });
    found.slice(0, 50).forEach(function (m) {
      var e = m.e, li = document.createElement("li"), a = document.createElement("a");
      var kind = document.createElement("span"), sub = document.createElement("span");
      a.href = PATHS[e[0]] + e[1] + "/";
      a.textContent = e[2];
      kind.className = "kind";
      kind.textContent = KINDS[e[0]];
      sub.className = "sub";
      sub.textContent = e[3];
      li.appendChild(kind); li.appendChild(a); li.appendChild(sub);
      list.appendChild(li);
    });
    status.textContent = found.length ? "找到 " + found.length + " 条" + (found.length > 50 ? "，下面是前 50 条" : "") :
      "没有找到。换个说法试试，比如只打前两个字，或者打拼音首字母。";
  }

  var latest = 0;
  function search(raw) {
    var q = norm(raw), ticket = ++latest;
    if (!q) { list.innerHTML = ""; status.textContent = ""; return; }
    status.textContent = "正在搜索…";
    shard(shards > 1 ? hash(gram(q)) % shards : 0)
      .then(function (index) { if (ticket === latest) show(q, index.e || []); })
      .catch(function () { if (ticket === latest) status.textContent = "网络不太好，搜索没有成功，请稍后再试。"; });
  }

  function fromUrl() {
    var m = /[?&]q=([^&]*)/.exec(location.search);
    if (!m) return "";
    try { return decodeURIComponent(m[1].replace(/\+/g, " ")); } catch (e) { return ""; }
  }

  var timer;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 200);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (history.replaceState) history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    search(input.value);
  });
  input.value = fromUrl();
  search(input.value);
})();
