/* tieval appendices: search across every appendix, offline.
   The index (assets/search-index.js, written at build time) is loaded by a <script> element on first
   use, so search works from disk (file://) as well as from a server; nothing is asked of another host. */
(function () {
  "use strict";
  var box = document.querySelector(".site-search");
  if (!box) return;
  var input = document.getElementById("site-search-input");
  var out = document.getElementById("site-search-results");
  var root = document.body.getAttribute("data-root") || "";
  var loading = false;
  box.hidden = false;

  function load(then) {
    if (window.TIEVAL_SEARCH) return then();
    if (loading) return;
    loading = true;
    var s = document.createElement("script");
    s.src = root + "assets/search-index.js";
    s.onload = function () { loading = false; then(); };
    s.onerror = function () { loading = false; say("The search index could not be loaded."); };
    document.head.appendChild(s);
  }

  function say(text) {
    out.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    out.appendChild(p);
  }

  function snippet(text, term) {
    var i = text.toLowerCase().indexOf(term);
    if (i < 0) return text.slice(0, 160);
    var start = Math.max(0, i - 60);
    return (start > 0 ? "… " : "") + text.slice(start, i + term.length + 100) + " …";
  }

  function mark(parent, text, term) {
    var i = text.toLowerCase().indexOf(term);
    if (!term || i < 0) { parent.appendChild(document.createTextNode(text)); return; }
    parent.appendChild(document.createTextNode(text.slice(0, i)));
    var m = document.createElement("mark");
    m.textContent = text.slice(i, i + term.length);
    parent.appendChild(m);
    parent.appendChild(document.createTextNode(text.slice(i + term.length)));
  }

  function run() {
    var q = input.value.trim().toLowerCase();
    if (q.length < 2) { out.textContent = ""; return; }
    var terms = q.split(/\s+/);
    var hits = [];
    (window.TIEVAL_SEARCH || []).forEach(function (e) {
      var head = (e.t + " " + e.h).toLowerCase();
      var all = head + " " + e.x.toLowerCase();
      for (var k = 0; k < terms.length; k++) if (all.indexOf(terms[k]) < 0) return;
      var score = 0;
      terms.forEach(function (t) { if (head.indexOf(t) >= 0) score += 10; });
      hits.push({ e: e, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    out.textContent = "";
    var p = document.createElement("p");
    p.textContent = hits.length ? hits.length + " section" + (hits.length === 1 ? "" : "s") + " found" +
      (hits.length > 30 ? "; the first 30:" : ":") : "No section contains all of these words.";
    out.appendChild(p);
    if (!hits.length) return;
    var ol = document.createElement("ol");
    hits.slice(0, 30).forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + h.e.p + (h.e.a ? "#" + h.e.a : "");
      a.textContent = h.e.h || h.e.t;
      li.appendChild(a);
      var where = document.createElement("span");
      where.className = "hit-where";
      where.textContent = h.e.t;
      li.appendChild(where);
      var s = document.createElement("span");
      mark(s, snippet(h.e.x, terms[0]), terms[0]);
      li.appendChild(s);
      ol.appendChild(li);
    });
    out.appendChild(ol);
  }

  var timer = null;
  input.addEventListener("focus", function () { load(function () {}); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(run); }, 120);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { input.value = ""; out.textContent = ""; }
  });
})();
