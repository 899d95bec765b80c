// The findings table of keyhound's HTML report: reads the findings from the JSON data block
// (columns of indices into one table of distinct strings, see src/report/html.rs), then
// filters, sorts and pages them. The state lives in the URL fragment (#provider=GitHub&sort=
// path), so a link, the summary's counts and the controls all go through the same code.
// Rows are built with textContent only: no text from the report is ever parsed as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var S = data.s, C = data.c, N = data.n;
  var FILTERS = ["rule", "provider", "exposure", "confidence", "severity", "status"];
  var RANKED = { severity: ["critical", "high", "medium", "low"], confidence: ["high", "medium", "low"] };
  var PRINT_ALL = 5000;
  var state = {};
  var order = [];
  var page = 0;
  var size = 100;
  var stringIndex = null;
  var stringRank = null;
  var lowerPaths = [];

  function $(id) { return document.getElementById(id); }
  function text(name, i) { var c = C[name]; return c ? S[c[i]] : ""; }
  function num(name, i) { var c = C[name]; return c ? c[i] : null; }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined && content !== null) e.textContent = content;
    return e;
  }

  // The index of a text in S, or -1.
  function indexOf(value) {
    if (!stringIndex) {
      stringIndex = new Map();
      for (var i = 0; i < S.length; i++) stringIndex.set(S[i], i);
    }
    var i = stringIndex.get(value);
    return i === undefined ? -1 : i;
  }

  // Each text's place in sorted order, so sorting compares numbers.
  function ranks() {
    if (!stringRank) {
      var idx = S.map(function (_, i) { return i; });
      idx.sort(function (a, b) { return S[a] < S[b] ? -1 : S[a] > S[b] ? 1 : 0; });
      stringRank = new Int32Array(S.length);
      idx.forEach(function (s, r) { stringRank[s] = r; });
    }
    return stringRank;
  }

  // Whole days from the commit to the scan: the report's age_days when --max-age set it.
  var scanTime = data.time ? Date.parse(data.time) : NaN;
  function age(i) {
    var a = num("age_days", i);
    if (a !== null && a !== undefined) return a;
    var d = text("date", i);
    if (!d || isNaN(scanTime)) return null;
    var t = Date.parse(d);
    return isNaN(t) ? null : Math.max(0, Math.floor((scanTime - t) / 86400000));
  }

  function parseFragment() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var eq = part.indexOf("=");
      var k = eq < 0 ? part : part.slice(0, eq);
      var v = eq < 0 ? "" : part.slice(eq + 1);
      try { out[decodeURIComponent(k)] = decodeURIComponent(v.replace(/\+/g, " ")); } catch (e) { /* a bad escape: ignored */ }
    });
    return out;
  }

  function writeFragment() {
    var parts = [];
    Object.keys(state).forEach(function (k) {
      if (state[k] !== "" && state[k] !== undefined) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(state[k]));
    });
    var hash = parts.length ? "#" + parts.join("&") : " ";
    history.replaceState(null, "", hash === " " ? location.pathname + location.search : hash);
  }

  // Findings that pass every filter of the state, in report order.
  function filtered() {
    var tests = [];
    FILTERS.forEach(function (k) {
      var v = state[k];
      if (!v) return;
      var c = C[k];
      var want = k === "status" && v === "unverified" ? 0 : indexOf(v);
      if (!c) { tests.push(function () { return want === 0; }); return; }
      tests.push(function (i) { return c[i] === want; });
    });
    if (state.overdue) {
      var od = C.overdue;
      tests.push(function (i) { return !!od && od[i] === 1; });
    }
    if (state.path) {
      var needle = state.path.toLowerCase();
      var pc = C.path;
      tests.push(function (i) {
        var s = pc[i];
        var low = lowerPaths[s];
        if (low === undefined) low = lowerPaths[s] = S[s].toLowerCase();
        return low.indexOf(needle) >= 0;
      });
    }
    var out = [];
    for (var i = 0; i < N; i++) {
      var ok = true;
      for (var t = 0; t < tests.length && ok; t++) ok = tests[t](i);
      if (ok) out.push(i);
    }
    return out;
  }

  function sortKey(name) {
    var key = new Float64Array(N);
    var i;
    if (RANKED[name]) {
      var names = RANKED[name];
      for (i = 0; i < N; i++) key[i] = names.indexOf(text(name, i));
    } else if (name === "age") {
      for (i = 0; i < N; i++) { var a = age(i); key[i] = a === null ? -1 : a; }
    } else if (name === "path") {
      var r = ranks(), pc = C.path, lc = C.line;
      for (i = 0; i < N; i++) key[i] = r[pc[i]] * 1e7 + Math.min(lc[i], 9999999);
    } else {
      var rk = ranks(), c = C[name];
      for (i = 0; i < N; i++) key[i] = c ? rk[c[i]] : 0;
    }
    return key;
  }

  function apply() {
    order = filtered();
    if (state.sort) {
      var key = sortKey(state.sort);
      var dir = state.dir === "desc" ? -1 : 1;
      order.sort(function (a, b) { return (key[a] - key[b]) * dir || a - b; });
    }
    document.querySelectorAll("#table th[data-sort]").forEach(function (th) {
      var s = th.getAttribute("data-sort");
      if (s === state.sort) th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    var pages = Math.max(1, Math.ceil(order.length / size));
    page = Math.min(Math.max(0, page), pages - 1);
    render(page * size, Math.min(order.length, (page + 1) * size));
    $("shown").textContent = String(order.length);
    $("page").textContent = "Page " + (page + 1) + " of " + pages;
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  function frameCell(td, i) {
    var frame = text("frame", i);
    var box = el("span", "frame");
    if (frame) {
      var chars = Array.from(frame);
      var start = num("frame_start", i) || 0, len = num("frame_len", i) || 0;
      box.appendChild(document.createTextNode(chars.slice(0, start).join("")));
      box.appendChild(el("mark", null, chars.slice(start, start + len).join("")));
      box.appendChild(document.createTextNode(chars.slice(start + len).join("")));
    } else {
      box.appendChild(el("mark", null, text("secret", i) || text("redacted", i)));
    }
    td.appendChild(box);
  }

  function row(i) {
    var tr = el("tr", "finding");
    tr.setAttribute("data-provider", text("provider", i));
    var sev = text("severity", i);
    tr.appendChild(el("td", "sev-" + sev, sev));
    tr.appendChild(el("td", null, text("confidence", i)));
    var rule = el("td");
    rule.appendChild(el("span", null, text("name", i)));
    rule.appendChild(el("code", "sub", text("rule", i)));
    tr.appendChild(rule);
    var prov = el("td", "provider", text("provider", i));
    if (text("attributed_by", i)) prov.appendChild(el("span", "sub", "named in " + text("attributed_by", i)));
    tr.appendChild(prov);
    var loc = el("td");
    loc.appendChild(el("code", "loc", text("path", i) + ":" + num("line", i) + ":" + num("column", i)));
    frameCell(loc, i);
    if (text("encoding", i)) loc.appendChild(el("span", "sub", "encoded: " + text("encoding", i)));
    if (text("secret", i)) loc.appendChild(el("code", "sub", "secret: " + text("secret", i)));
    tr.appendChild(loc);
    var exp = el("td", null, text("exposure", i));
    if (text("exposure_reason", i)) exp.appendChild(el("span", "sub", text("exposure_reason", i)));
    tr.appendChild(exp);
    var st = text("status", i);
    var ver = el("td");
    ver.appendChild(el("span", st ? "st-" + st : "sub", st || "not verified"));
    if (text("detail", i)) ver.appendChild(el("span", "sub", text("detail", i)));
    if (text("access", i)) ver.appendChild(el("span", "sub", text("access", i)));
    tr.appendChild(ver);
    var commit = text("commit", i);
    var ct = el("td", "git");
    if (commit) { var c = el("code", null, commit.slice(0, 12)); c.title = commit; ct.appendChild(c); }
    if (text("date", i)) ct.appendChild(el("span", "sub", text("date", i).slice(0, 10)));
    tr.appendChild(ct);
    // The name, and the address on hover: the column stays narrow.
    var author = text("author", i);
    var au = el("td", "git", author.replace(/\s*<[^>]*>$/, ""));
    if (author) au.title = author;
    tr.appendChild(au);
    var a = age(i);
    var at = el("td", "git age", a === null ? "" : a + (a === 1 ? " day" : " days"));
    if (num("overdue", i) === 1) at.appendChild(el("span", "sub st-live", "rotation overdue"));
    if (num("at_head", i) === 0) at.appendChild(el("span", "sub", "gone from HEAD"));
    tr.appendChild(at);
    return tr;
  }

  function render(from, to) {
    var body = $("rows");
    var frag = document.createDocumentFragment();
    for (var k = from; k < to; k++) frag.appendChild(row(order[k]));
    body.textContent = "";
    body.appendChild(frag);
  }

  function fillSelects() {
    document.querySelectorAll("#controls select[data-key]").forEach(function (sel) {
      var k = sel.getAttribute("data-key");
      var c = C[k];
      var counts = new Map();
      for (var i = 0; c && i < N; i++) counts.set(c[i], (counts.get(c[i]) || 0) + 1);
      if (!c && k === "status") counts.set(0, N);
      var names = [];
      counts.forEach(function (n, s) { names.push([s === 0 ? (k === "status" ? "unverified" : "") : S[s], n]); });
      names = names.filter(function (x) { return x[0] !== ""; });
      if (RANKED[k]) names.sort(function (a, b) { return RANKED[k].indexOf(a[0]) - RANKED[k].indexOf(b[0]); });
      else names.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
      names.forEach(function (x) {
        var o = el("option", null, x[0] + " (" + x[1] + ")");
        o.value = x[0];
        sel.appendChild(o);
      });
    });
  }

  // The controls show the state; a value no finding has (from a link) is added so it shows.
  function showState() {
    document.querySelectorAll("#controls [data-key]").forEach(function (input) {
      var k = input.getAttribute("data-key");
      var v = state[k] || "";
      if (input.tagName === "SELECT" && v && !Array.prototype.some.call(input.options, function (o) { return o.value === v; })) {
        var o = el("option", null, v + " (0)");
        o.value = v;
        input.appendChild(o);
      }
      input.value = v;
    });
  }

  function fromFragment() {
    state = parseFragment();
    page = state.page ? Math.max(0, parseInt(state.page, 10) - 1 || 0) : 0;
    delete state.page;
    showState();
    apply();
  }

  function changed() {
    page = 0;
    writeFragment();
    apply();
  }

  function wire() {
    var form = $("controls");
    form.addEventListener("input", function (e) {
      var k = e.target.getAttribute("data-key");
      if (!k) return;
      state[k] = e.target.value;
      changed();
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("reset", function (e) {
      e.preventDefault();
      state = {};
      showState();
      changed();
    });
    document.querySelectorAll("#table th[data-sort]").forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); th.click(); }
      });
      th.addEventListener("click", function () {
        var s = th.getAttribute("data-sort");
        if (state.sort === s) state.dir = state.dir === "desc" ? "" : "desc";
        else { state.sort = s; state.dir = ""; }
        changed();
      });
    });
    $("prev").addEventListener("click", function () { page--; apply(); });
    $("next").addEventListener("click", function () { page++; apply(); });
    $("size").addEventListener("change", function (e) { size = parseInt(e.target.value, 10) || 100; page = 0; apply(); });
    window.addEventListener("hashchange", function () {
      fromFragment();
      $("findings").scrollIntoView();
    });
    // Printing shows every row of the current filter, up to a limit that a printer survives.
    window.addEventListener("beforeprint", function () {
      if (order.length <= PRINT_ALL) {
        render(0, order.length);
        $("print-note").textContent = "";
      } else {
        $("print-note").textContent = " (printed: rows " + (page * size + 1) + " to " + Math.min(order.length, (page + 1) * size) +
          "; narrow the filters to " + PRINT_ALL + " findings or fewer to print them all)";
      }
    });
    window.addEventListener("afterprint", function () { $("print-note").textContent = ""; apply(); });
  }

  $("count").textContent = String(N);
  if (!C.commit) $("table").classList.add("nogit");
  if (!C.status) $("controls").querySelector("[data-key=status]").parentNode.hidden = true;
  fillSelects();
  wire();
  fromFragment();
  document.documentElement.setAttribute("data-ready", performance.now().toFixed(0));
})();
