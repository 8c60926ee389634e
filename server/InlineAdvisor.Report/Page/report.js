// Draws the report from the JSON in #report-data (the server's evidence model, serialized). Hand-written DOM and SVG,
// no library: the page must be one file that fetches nothing. Every text from the data goes in through textContent or
// an attribute, never as markup. When all panels are drawn it sets window.__rendered (ms since navigation) for the bench.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var report = data.report;
  var SVG = 'http://www.w3.org/2000/svg';
  var PAGE = 100;   // table rows per page: 10k sites stay fast because only one page is in the DOM

  // ---- small helpers ----
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function num(x) { return typeof x === 'number' ? x : NaN; }   // the server writes NaN and ±Infinity as strings
  function pct(f) { f = num(f); return isFinite(f) ? (f * 100).toFixed(1) + '%' : '-'; }
  function signed(f) { f = num(f); return isFinite(f) ? (f >= 0 ? '+' : '') + (f * 100).toFixed(1) + '%' : '∞'; }
  function count(n) { return n == null ? '-' : Number(n).toLocaleString('en-US'); }
  function methodName(m) { return m ? m.display : '?'; }
  function methodKey(m) { return m.assembly + '|' + m.type + '|' + m.name + '|' + m.signature; }
  function outcomeTag(outcome, text) { return el('span', { cls: 'tag d-' + (outcome || 'unknown'), text: text || outcome }); }
  function note(parent, text) { parent.appendChild(el('p', { cls: 'note', text: text })); }

  // ---- header ----
  (function header() {
    var r = report.run, t = report.totals, head = document.getElementById('head');
    head.appendChild(el('h1', { text: 'run ' + r.id + ' ' + r.program }));
    head.appendChild(el('div', { cls: 'muted', text: r.mode + ' · ' + String(r.startedUtc).replace('T', ' ').slice(0, 16) + ' UTC · ' +
      num(r.durationSeconds).toFixed(1) + ' s' + (r.runtimeConfig ? ' · ' + r.runtimeConfig : '') }));
    head.appendChild(el('div', { text: 'CPU samples ' + count(t.samples) + ' · JIT ' + Math.round(num(t.jitMilliseconds)) + ' ms over ' +
      count(t.methodsJitted) + ' compiles · Tier1 code ' + count(t.tier1CodeBytes) + ' bytes · ' + count(report.sitesTotal) + ' call sites' +
      (report.frameworkSitesHidden > 0 ? ' (' + count(report.frameworkSitesHidden) + ' framework-internal hidden)' : '') }));
    (r.notes || []).concat(data.notes || []).forEach(function (n) { head.appendChild(el('div', { cls: 'warn', text: 'note: ' + n })); });
    var nav = document.getElementById('nav');
    document.querySelectorAll('main section').forEach(function (s) {
      nav.appendChild(el('a', { href: '#' + s.id, text: s.querySelector('h2').textContent.split(':')[0].split('(')[0].trim() }));
    });
  })();

  // ---- a sortable, filterable, paged table ----
  // columns: { title, value(row) → sortable value, text(row) → shown text (default String(value)), num, name, node(row) → element }
  function DataTable(container, id, columns, rows, initialSort) {
    var state = { sort: initialSort || null, desc: true, filter: '', page: 0 };
    var search = el('input', { type: 'search', placeholder: 'filter (any column)', 'aria-label': 'filter ' + id });
    var info = el('span', { cls: 'muted' });
    var prev = el('button', { text: '‹ prev', onclick: function () { state.page--; draw(); } });
    var next = el('button', { text: 'next ›', onclick: function () { state.page++; draw(); } });
    var table = el('table', { id: id });
    var thead = el('thead'), tbody = el('tbody');
    var tr = el('tr');
    columns.forEach(function (c, i) {
      tr.appendChild(el('th', { cls: c.num ? 'num' : '', text: c.title, 'data-col': i, onclick: function () {
        if (state.sort === i) state.desc = !state.desc; else { state.sort = i; state.desc = !!c.num; }
        state.page = 0; draw();
      } }));
    });
    thead.appendChild(tr); table.appendChild(thead); table.appendChild(tbody);
    container.appendChild(el('div', { cls: 'toolbar' }, [search, prev, next, info]));
    container.appendChild(table);
    // The text a filter matches, computed once per row.
    var haystack = rows.map(function (r) { return columns.map(function (c) { return shown(c, r); }).join(' ').toLowerCase(); });
    var timer = null;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.filter = search.value.trim().toLowerCase(); state.page = 0; draw(); }, 60);
    });
    function shown(c, r) { return c.text ? c.text(r) : String(c.value(r)); }
    function draw() {
      var idx = [];
      for (var i = 0; i < rows.length; i++) if (!state.filter || haystack[i].indexOf(state.filter) >= 0) idx.push(i);
      if (state.sort != null) {
        var col = columns[state.sort], keys = rows.map(col.value), sign = state.desc ? -1 : 1;
        idx.sort(function (a, b) {
          var x = keys[a], y = keys[b];
          if (typeof x === 'number' || typeof y === 'number') { x = isFinite(x) ? x : -Infinity; y = isFinite(y) ? y : -Infinity; }
          return (x < y ? -1 : x > y ? 1 : a - b) * sign;
        });
      }
      var pages = Math.max(1, Math.ceil(idx.length / PAGE));
      state.page = Math.min(Math.max(0, state.page), pages - 1);
      var start = state.page * PAGE, end = Math.min(idx.length, start + PAGE);
      var body = document.createDocumentFragment();
      for (var k = start; k < end; k++) {
        var row = rows[idx[k]], tr = el('tr');
        columns.forEach(function (c) {
          var td = el('td', { cls: (c.num ? 'num' : '') + (c.name ? ' name' : '') });
          if (c.node) td.appendChild(c.node(row)); else td.textContent = shown(c, row);
          tr.appendChild(td);
        });
        body.appendChild(tr);
      }
      tbody.replaceChildren(body);
      thead.querySelectorAll('th').forEach(function (th, i) {
        if (i === state.sort) th.setAttribute('data-sort', state.desc ? 'desc' : 'asc'); else th.removeAttribute('data-sort');
      });
      info.textContent = idx.length === 0 ? 'no rows match' :
        'rows ' + (start + 1) + '–' + end + ' of ' + idx.length + (idx.length < rows.length ? ' (filtered from ' + rows.length + ')' : '') + ' · page ' + (state.page + 1) + ' of ' + pages;
      prev.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
    }
    draw();
    return { draw: draw };
  }

  function siteText(s) { return methodName(s.caller) + ' → ' + methodName(s.callee) + (s.ilOffset >= 0 ? ' @IL_' + ('000' + s.ilOffset.toString(16)).slice(-4) : ''); }
  function fileName(p) { return p.split(/[\\/]/).pop(); }

  // ---- sites and methods ----
  (function sites() {
    var box = document.getElementById('sites');
    var siteBox = el('div'), methodBox = el('div', { hidden: '' });
    var perSite = el('button', { text: 'per site', 'aria-pressed': 'true' }), perMethod = el('button', { text: 'per method', 'aria-pressed': 'false' });
    function show(methods) {
      siteBox.hidden = methods; methodBox.hidden = !methods;
      perSite.setAttribute('aria-pressed', String(!methods)); perMethod.setAttribute('aria-pressed', String(methods));
    }
    perSite.addEventListener('click', function () { show(false); });
    perMethod.addEventListener('click', function () { show(true); });
    box.appendChild(el('div', { cls: 'toolbar' }, [perSite, perMethod,
      el('span', { cls: 'muted', text: 'share: of all CPU samples through the site (calls + inlined time); bold threshold for "hot" ' + pct(report.hotThreshold) })]));
    box.appendChild(siteBox); box.appendChild(methodBox);
    if (report.sites.length === 0) note(siteBox, 'no call sites with samples or JIT decisions in this run');
    else DataTable(siteBox, 'sites-table', [
      { title: '#', num: true, value: function (r) { return r.site.id > 0 ? r.site.id : r.rank; } },
      { title: 'share', num: true, value: function (r) { return num(r.bound); }, text: function (r) { return pct(r.bound); } },
      { title: 'of caller', num: true, value: function (r) { return num(r.shareOfCaller); }, text: function (r) { return pct(r.shareOfCaller); } },
      { title: 'caller → callee', name: true, value: function (r) { return siteText(r.site) + (r.partial ? ' · ' + r.partial : ''); } },
      { title: 'source', value: function (r) { return r.site.source ? fileName(r.site.source.file) + ':' + r.site.source.line : '-'; } },
      { title: 'JIT decision', value: function (r) { return r.decision; },
        node: function (r) { return outcomeTag(r.site.decision.outcome, r.decision); } },
      { title: 'IL/native', num: true, value: function (r) { return r.calleeIlSize; },
        text: function (r) { return (r.calleeIlSize >= 0 ? r.calleeIlSize : '?') + '/' + (r.calleeNativeSize >= 0 ? r.calleeNativeSize : '-'); } },
      { title: 'attribute', value: function (r) { return r.existingAttribute || '-'; } },
      { title: 'PGO count', num: true, value: function (r) { return r.site.pgoCount == null ? -1 : r.site.pgoCount; },
        text: function (r) { return r.site.pgoCount == null ? 'no PGO data' : count(r.site.pgoCount); } },
      { title: 'measured', value: function (r) { return r.measured || '-'; } },
    ], report.sites, 1);
    if (data.methods.length === 0) note(methodBox, 'no callee methods');
    else DataTable(methodBox, 'methods-table', [
      { title: 'method', name: true, value: function (m) { return methodName(m.method); } },
      { title: 'attribute', value: function (m) { return m.existingAttribute || '-'; } },
      { title: 'sites', num: true, value: function (m) { return m.sites; } },
      { title: 'callers', num: true, value: function (m) { return m.callers; } },
      { title: 'summed share', num: true, value: function (m) { return num(m.summedShare); }, text: function (m) { return pct(m.summedShare); } },
      { title: 'inlined', num: true, value: function (m) { return m.inlinedSites; } },
      { title: 'refused (by reason)', value: function (m) {
        var parts = Object.keys(m.refusedByReason).map(function (k) { return m.refusedByReason[k] + ' ' + k; });
        return parts.length ? parts.join('; ') : '0'; } },
      { title: 'no decision', num: true, value: function (m) { return m.undecidedSites; } },
      { title: "callers' JIT", num: true, value: function (m) { return num(m.callersJitMilliseconds); },
        text: function (m) { return num(m.callersJitMilliseconds).toFixed(1) + ' ms'; } },
      { title: 'inlined code (est.)', num: true, value: function (m) { return m.inlinedCodeBytes == null ? -1 : m.inlinedCodeBytes; },
        text: function (m) { return m.inlinedCodeBytes == null ? '-' : m.inlinedCodeBytes + ' B'; } },
    ], data.methods, 4);
  })();

  // ---- icicle of the hot call edges ----
  (function flame() {
    var box = document.getElementById('flame');
    var W = 1100, ROW = 18, MAX_DEPTH = 14, MAX_NODES = 4000, MIN_SHARE = 0.001;   // the hot part only: edges under 0.1% are not drawn
    var byCaller = {}, isCallee = {}, hot = report.sites.filter(function (r) { return num(r.bound) >= MIN_SHARE; });
    hot.forEach(function (r) {
      var k = methodKey(r.site.caller);
      (byCaller[k] = byCaller[k] || []).push(r);
      isCallee[methodKey(r.site.callee)] = true;
    });
    Object.keys(byCaller).forEach(function (k) { byCaller[k].sort(function (a, b) { return b.bound - a.bound; }); });
    var roots = Object.keys(byCaller).filter(function (k) { return !isCallee[k]; });
    if (roots.length === 0 && hot.length) roots = [methodKey(hot[0].site.caller)];
    if (roots.length === 0) { note(box, 'no call edge reaches ' + pct(MIN_SHARE) + ' of the samples'); return; }
    function sum(list) { return list.reduce(function (s, r) { return s + num(r.bound); }, 0); }
    roots.sort(function (a, b) { return sum(byCaller[b]) - sum(byCaller[a]); });
    var rootWidths = roots.map(function (k) { return sum(byCaller[k]); });
    var total = Math.max(1, rootWidths.reduce(function (s, w) { return s + w; }, 0));   // widths are shares of all samples
    var nodes = [], depthSeen = 0;
    // A callee reached along several paths is drawn under each, its share scaled down to fit its parent: an icicle of
    // edges, not of stacks (the profile keeps edges).
    function place(key, x, width, depth, path) {
      var kids = byCaller[key];
      if (!kids || depth >= MAX_DEPTH) return;
      var s = sum(kids), scale = s > width ? width / s : 1;
      kids.forEach(function (r) {
        var w = num(r.bound) * scale;
        if (w / total * W < 2 || nodes.length >= MAX_NODES) return;   // under 2 px nothing can be read or clicked
        nodes.push({ x: x, w: w, depth: depth, row: r });
        depthSeen = Math.max(depthSeen, depth);
        var ck = methodKey(r.site.callee);
        if (!path[ck]) { path[ck] = true; place(ck, x, w, depth + 1, path); delete path[ck]; }
        x += w;
      });
    }
    var x = 0, rootNodes = [];
    roots.forEach(function (k, i) {
      rootNodes.push({ x: x, w: rootWidths[i], key: k, name: methodName(byCaller[k][0].site.caller) });
      var path = {}; path[k] = true;
      place(k, x, rootWidths[i], 1, path);
      x += rootWidths[i];
    });
    var H = (depthSeen + 1) * ROW + 2;
    var root = svg('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'icicle of hot call edges' });
    function label(g, px, py, pw, text) {
      if (pw < 40) return;
      var chars = Math.floor((pw - 6) / 6.2);
      g.appendChild(svg('text', { x: px + 3, y: py + 12.5 }, text.length > chars ? text.slice(0, Math.max(1, chars - 1)) + '…' : text));
    }
    rootNodes.forEach(function (n) {
      var g = svg('g'), px = n.x / total * W, pw = n.w / total * W;
      var rect = svg('rect', { x: px, y: 0, width: Math.max(0.5, pw - 0.5), height: ROW - 1, fill: '#6e7781', 'class': 'root' });
      rect.appendChild(svg('title', {}, n.name + ' (root: ' + pct(n.w) + ' summed over its call edges)'));
      g.appendChild(rect); label(g, px, 0, pw, n.name); root.appendChild(g);
    });
    var colour = { inlined: 'var(--inlined)', notInlined: 'var(--refused)', mixed: 'var(--mixed)', unknown: 'var(--unknown)' };
    nodes.forEach(function (n) {
      var r = n.row, px = n.x / total * W, pw = n.w / total * W, py = n.depth * ROW;
      var g = svg('g');
      var rect = svg('rect', { x: px, y: py, width: Math.max(0.5, pw - 0.5), height: ROW - 1, 'class': 'edge',
        fill: colour[r.site.decision.outcome] || colour.unknown, 'data-outcome': r.site.decision.outcome });
      rect.appendChild(svg('title', {}, siteText(r.site) + '\n' + pct(r.bound) + ' of samples · ' + r.decision));
      rect.addEventListener('click', function () { if (window.__showTree) window.__showTree(r.site.caller); });
      g.appendChild(rect); label(g, px, py, pw, r.site.callee.name); root.appendChild(g);
    });
    var legend = el('div', { cls: 'legend muted' }, [
      el('span', {}, [outcomeTag('inlined', 'inlined')]), el('span', {}, [outcomeTag('notInlined', 'refused')]),
      el('span', {}, [outcomeTag('mixed', 'mixed')]), el('span', {}, [outcomeTag('unknown', 'no decision seen')]),
      'width: share of all CPU samples through the edge; edges under ' + pct(MIN_SHARE) + ' and deeper than ' + MAX_DEPTH + ' levels are not drawn' +
      (nodes.length >= MAX_NODES ? '; capped at ' + MAX_NODES + ' edges' : '') + '. Click an edge for its caller\'s inline tree.']);
    box.appendChild(legend);
    box.appendChild(root);
  })();

  // ---- per-method inline tree ----
  (function tree() {
    var box = document.getElementById('tree');
    var byCaller = {}, share = {};
    report.sites.forEach(function (r) {
      var k = methodKey(r.site.caller);
      (byCaller[k] = byCaller[k] || []).push(r);
      share[k] = (share[k] || 0) + num(r.bound);
    });
    var budgetBy = {};
    (data.budgetCompiles || []).forEach(function (c) { var k = methodKey(c.compiled); (budgetBy[k] = budgetBy[k] || []).push(c); });
    var callers = Object.keys(byCaller).sort(function (a, b) { return share[b] - share[a]; }).slice(0, 1000);
    if (callers.length === 0) { note(box, 'no call sites'); return; }
    var select = el('select', { 'aria-label': 'method' });
    callers.forEach(function (k) {
      select.appendChild(el('option', { value: k, text: methodName(byCaller[k][0].site.caller) + ' (' + pct(share[k]) + ' through its sites)' }));
    });
    var out = el('div');
    box.appendChild(el('div', { cls: 'toolbar' }, [el('label', { text: 'method ' }), select,
      el('span', { cls: 'muted', text: 'its call sites with the JIT\'s decisions; under an inlined callee, that callee\'s own sites (inlined with it when inlined)' })]));
    box.appendChild(out);
    function sizes(r) { return 'IL ' + (r.calleeIlSize >= 0 ? r.calleeIlSize + ' B' : '?') + (r.calleeNativeSize >= 0 ? ', native ' + r.calleeNativeSize + ' B alone' : ''); }
    function branch(key, depth, path) {
      var ul = el('ul', { cls: 'tree' });
      (byCaller[key] || []).slice().sort(function (a, b) { return b.bound - a.bound; }).slice(0, 60).forEach(function (r) {
        var ck = methodKey(r.site.callee);
        var li = el('li', {}, [outcomeTag(r.site.decision.outcome, r.site.decision.outcome === 'notInlined' ? 'refused' : r.site.decision.outcome === 'unknown' ? 'no decision' : r.site.decision.outcome), ' ',
          el('span', { cls: 'name', text: methodName(r.site.callee) }),
          el('span', { cls: 'muted', text: ' · ' + sizes(r) + ' · ' + pct(r.bound) + (r.site.decision.reason ? ' · ' + r.site.decision.reason : '') +
            (r.existingAttribute ? ' · ' + r.existingAttribute : '') })]);
        var inlined = r.site.decision.outcome === 'inlined' || r.site.decision.outcome === 'mixed';
        if (inlined && depth < 8 && !path[ck] && byCaller[ck]) { path[ck] = true; li.appendChild(branch(ck, depth + 1, path)); delete path[ck]; }
        ul.appendChild(li);
      });
      return ul;
    }
    function show(key) {
      out.replaceChildren();
      var p = {}; p[key] = true;
      out.appendChild(branch(key, 0, p));
      var compiles = budgetBy[key] || [];
      if (compiles.length) {
        out.appendChild(el('h3', { text: 'compiles that ran out of inline budget: every decision in the JIT\'s order, up to the last budget refusal' }));
        compiles.forEach(function (c) {
          out.appendChild(el('div', { cls: 'muted', text: c.tier + ' compile of ' + methodName(c.compiled) }));
          var ol = el('ol', { cls: 'jit-order' });
          c.inlines.forEach(function (i) {
            ol.appendChild(el('li', {}, [outcomeTag(i.succeeded ? 'inlined' : 'notInlined', i.succeeded ? 'inlined' : 'refused'),
              ' ' + methodName(i.inlinee) + ' in ' + i.inliner.name + (i.reason ? ' · ' + i.reason : '')]));
          });
          out.appendChild(ol);
        });
      }
    }
    select.addEventListener('change', function () { show(select.value); });
    window.__showTree = function (m) {
      var k = methodKey(m);
      if (!byCaller[k]) return;
      if (!select.querySelector('option[value="' + CSS.escape(k) + '"]'))
        select.appendChild(el('option', { value: k, text: methodName(m) }));
      select.value = k; show(k);
      document.getElementById('tree-section').scrollIntoView();
    };
    show(callers[0]);
  })();

  // ---- inline budget ----
  (function budget() {
    var box = document.getElementById('budget');
    var cases = report.budget || [];
    if (cases.length === 0) { note(box, 'no compile of this run ran out of the JIT\'s inline budget'); return; }
    note(box, cases.length + ' method(s) whose compiles ran out of the inline budget (from the JIT\'s events, in its order)');
    DataTable(box, 'budget-table', [
      { title: 'compiled method', name: true, value: function (c) { return methodName(c.compiled); } },
      { title: 'share', num: true, value: function (c) { return num(c.share); }, text: function (c) { return pct(c.share); } },
      { title: 'compiles', num: true, value: function (c) { return c.compiles; }, text: function (c) { return c.compiles + ' (' + c.tiers.join(', ') + ')'; } },
      { title: 'inlined before the first refusal', num: true, value: function (c) { return c.inlinesBefore; } },
      { title: 'forced inlinees before it (IL bytes)', value: function (c) {
        return c.spenders.length ? c.spenders.map(function (s) { return methodName(s.method) + ' ×' + s.inlines + ' (' + (s.ilSize >= 0 ? s.ilSize : '?') + ' B)'; }).join('; ') : 'none'; } },
      { title: 'refused for budget (share at the call)', value: function (c) {
        return c.lost.map(function (l) { return methodName(l.inlinee) + (l.forced ? ' [forced]' : '') + ' ×' + l.refusals + ' in ' + l.inliner.name + ' (' + pct(l.share) + ')'; }).join('; '); } },
    ], cases, null);
  })();

  // ---- one horizontal axis for a plot ----
  function scale(lo, hi, x0, x1) {
    if (!(hi > lo)) { var pad = Math.abs(lo) * 0.05 || 1; lo -= pad; hi += pad; }
    var span = hi - lo; lo -= span * 0.05; hi += span * 0.05;
    var f = function (v) { return x0 + (v - lo) / (hi - lo) * (x1 - x0); };
    f.lo = lo; f.hi = hi;
    return f;
  }
  function ticks(f, n) { var out = [], step = (f.hi - f.lo) / n; for (var i = 0; i <= n; i++) out.push(f.lo + step * i); return out; }
  function quantile(sorted, q) { var p = (sorted.length - 1) * q, i = Math.floor(p); return sorted[i] + (sorted[Math.min(i + 1, sorted.length - 1)] - sorted[i]) * (p - i); }

  // ---- experiments: per-run distributions per arm, effect with interval and n ----
  (function experiments() {
    var box = document.getElementById('experiments');
    if (data.experiments.length === 0) { note(box, 'no stored experiment speaks for a site of this run: measure one with `advisor experiment --site N`'); return; }
    var armNames = { A: 'A baseline', B: 'B variant', C: 'C control (A/A)' };
    data.experiments.forEach(function (x) {
      var e = x.record, card = el('div', { cls: 'card experiment', 'data-experiment': e.id });
      card.appendChild(el('h3', { text: 'experiment ' + e.id + ': ' + e.edits.map(function (d) { return d.action + ' ' + methodName(d.method); }).join(', ') }));
      card.appendChild(el('div', { text: x.summary }));
      var arms = Object.keys(x.distributions).filter(function (a) { return x.distributions[a].length > 0; });
      if (arms.length === 0) note(card, 'no raw runs stored for ' + e.decidingMetric);
      else {
        var all = [].concat.apply([], arms.map(function (a) { return x.distributions[a]; }));
        var W = 620, L = 120, R = 20, ROW = 34, H = arms.length * ROW + 28;
        var f = scale(Math.min.apply(null, all), Math.max.apply(null, all), L, W - R);
        var plot = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'class': 'distribution', role: 'img', 'aria-label': 'runs per arm' });
        ticks(f, 4).forEach(function (t) {
          plot.appendChild(svg('line', { x1: f(t), x2: f(t), y1: 4, y2: H - 22, 'class': 'grid' }));
          plot.appendChild(svg('text', { x: f(t), y: H - 8, 'text-anchor': 'middle' }, t.toPrecision(4)));
        });
        arms.forEach(function (a, i) {
          var v = x.distributions[a].slice().sort(function (p, q) { return p - q; }), y = 8 + i * ROW + ROW / 2;
          plot.appendChild(svg('text', { x: 4, y: y + 4 }, (armNames[a] || a) + ' n=' + v.length));
          var q1 = quantile(v, 0.25), q2 = quantile(v, 0.5), q3 = quantile(v, 0.75);
          plot.appendChild(svg('line', { x1: f(v[0]), x2: f(v[v.length - 1]), y1: y, y2: y, 'class': 'axis' }));
          plot.appendChild(svg('rect', { x: f(q1), y: y - 9, width: Math.max(1, f(q3) - f(q1)), height: 18, fill: 'none', stroke: 'var(--accent)' }));
          plot.appendChild(svg('line', { x1: f(q2), x2: f(q2), y1: y - 9, y2: y + 9, stroke: 'var(--accent)', 'stroke-width': 2 }));
          v.forEach(function (val, j) {
            var c = svg('circle', { cx: f(val), cy: y + ((j * 7) % 13) - 6, r: 2.2, fill: 'var(--fg)', 'fill-opacity': 0.55 });
            c.appendChild(svg('title', {}, a + ': ' + val));
            plot.appendChild(c);
          });
        });
        var unit = (e.metrics.filter(function (m) { return m.metric === e.decidingMetric; })[0] || {}).unit;
        card.appendChild(el('div', { cls: 'muted', text: e.decidingMetric + (unit ? ' (' + unit + ')' : '') + ' per measured run (box: quartiles and median; dots: runs)' }));
        card.appendChild(plot);
      }
      var rows = e.metrics.map(function (m) {
        return el('tr', {}, [el('td', { text: m.metric + (m.metric === e.decidingMetric ? ' (deciding)' : '') }),
          el('td', { cls: 'num', text: signed(m.effect) + ' [' + signed(m.low) + ', ' + signed(m.high) + ']' }),
          el('td', { cls: 'num', text: signed(m.controlEffect) + ' [' + signed(m.controlLow) + ', ' + signed(m.controlHigh) + ']' }),
          el('td', { cls: 'num', text: String(m.n) })]);
      });
      if (rows.length) card.appendChild(el('table', {}, [el('thead', {}, [el('tr', {}, [el('th', { text: 'metric' }), el('th', { cls: 'num', text: 'B vs A, 95% interval' }),
        el('th', { cls: 'num', text: 'control C vs A' }), el('th', { cls: 'num', text: 'n (pairs)' })])]), el('tbody', {}, rows)]));
      box.appendChild(card);
    });
  })();

  // ---- screens: each candidate's main effect with its interval, the control column's beside ----
  (function screens() {
    var box = document.getElementById('screens');
    if (!data.screens || data.screens.length === 0) { note(box, 'no screens on this run (`advisor experiment --screen --top K`)'); return; }
    data.screens.forEach(function (s) {
      var card = el('div', { cls: 'card screen' });
      card.appendChild(el('h3', { text: 'screen ' + s.id + ': ' + s.candidates.length + ' changes, ' + s.replicates + ' replicate(s) of ' + (2 * s.order) + ' runs, deciding ' + s.decidingMetric }));
      var items = s.candidates.map(function (c) {
        var m = c.metrics.filter(function (x) { return x.metric === s.decidingMetric; })[0];
        return { c: c, m: m };
      }).filter(function (i) { return i.m; });
      if (items.length === 0) { note(card, 'no effects on the deciding metric'); box.appendChild(card); return; }
      var vals = [0];
      items.forEach(function (i) { [i.m.effect, i.m.low, i.m.high, i.m.controlLow, i.m.controlHigh].forEach(function (v) { if (isFinite(num(v))) vals.push(num(v)); }); });
      var W = 720, L = 300, R = 20, ROW = 22, H = items.length * ROW + 30;
      var f = scale(Math.min.apply(null, vals), Math.max.apply(null, vals), L, W - R);
      var plot = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'screen effects' });
      var m0 = items[0].m;
      if (isFinite(num(m0.controlLow)) && isFinite(num(m0.controlHigh)))
        plot.appendChild(svg('rect', { x: f(m0.controlLow), y: 2, width: Math.max(1, f(m0.controlHigh) - f(m0.controlLow)), height: H - 26, fill: 'var(--unknown)', 'fill-opacity': 0.2 }));
      plot.appendChild(svg('line', { x1: f(0), x2: f(0), y1: 2, y2: H - 24, 'class': 'axis' }));
      ticks(f, 4).forEach(function (t) { plot.appendChild(svg('text', { x: f(t), y: H - 8, 'text-anchor': 'middle' }, signed(t))); });
      items.forEach(function (i, k) {
        var y = 12 + k * ROW, m = i.m, lo = isFinite(num(m.low)) ? num(m.low) : f.lo, hi = isFinite(num(m.high)) ? num(m.high) : f.hi;
        var text = i.c.edit.action + ' ' + methodName(i.c.edit.method);
        plot.appendChild(svg('text', { x: 4, y: y + 4 }, text.length > 46 ? text.slice(0, 45) + '…' : text));
        plot.appendChild(svg('line', { x1: f(lo), x2: f(hi), y1: y, y2: y, stroke: 'var(--accent)', 'stroke-width': 2 }));
        var dot = svg('circle', { cx: f(num(m.effect)), cy: y, r: 4, fill: i.c.verdict === 'effect' ? 'var(--accent)' : 'var(--bg)', stroke: 'var(--accent)' });
        dot.appendChild(svg('title', {}, text + ': ' + signed(m.effect) + ' [' + signed(m.low) + ', ' + signed(m.high) + '], ' + i.c.verdict + ' at ' + i.c.decidedAtPairs + ' mirror pairs'));
        plot.appendChild(dot);
      });
      card.appendChild(el('div', { cls: 'muted', text: 'main effect on ' + s.decidingMetric + ' with its interval (filled: effect); grey band: the A/A control column\'s interval' }));
      card.appendChild(plot);
      (s.interactions || []).filter(function (x) { return x.detected; }).forEach(function (x) {
        card.appendChild(el('div', { text: 'interaction ' + x.pairs.map(function (p) { return p.a + '×' + p.b; }).join(' = ') + ': ' + signed(x.effect) + ' [' + signed(x.low) + ', ' + signed(x.high) + ']' }));
      });
      box.appendChild(card);
    });
  })();

  // ---- calibration: predicted vs measured ----
  (function calibration() {
    var box = document.getElementById('calibration');
    var pts = data.calibration || [];
    if (pts.length === 0) {
      note(box, data.calibrationNote || 'no stored experiment has a model prediction for the same site and action: nothing to compare yet');
      return;
    }
    var vals = [0];
    pts.forEach(function (p) { [p.measured, p.measuredLow, p.measuredHigh, p.predicted, p.predictedLow, p.predictedHigh].forEach(function (v) { if (isFinite(num(v))) vals.push(num(v)); }); });
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals), S = 400, M = 70, R = 30;   // M: room for tick labels and the axis title
    var fx = scale(lo, hi, M, S - R), fy = scale(lo, hi, S - M, 12);
    var plot = svg('svg', { width: S, height: S, viewBox: '0 0 ' + S + ' ' + S, role: 'img', 'aria-label': 'predicted vs measured' });
    plot.appendChild(svg('line', { x1: fx(fx.lo), y1: fy(fx.lo), x2: fx(fx.hi), y2: fy(fx.hi), 'class': 'grid', 'stroke-dasharray': '4 3' }));
    plot.appendChild(svg('line', { x1: M, x2: S - R, y1: fy(0), y2: fy(0), 'class': 'axis' }));
    plot.appendChild(svg('line', { x1: fx(0), x2: fx(0), y1: 12, y2: S - M, 'class': 'axis' }));
    ticks(fx, 3).forEach(function (t) {
      plot.appendChild(svg('text', { x: fx(t), y: S - M + 16, 'text-anchor': 'middle' }, signed(t)));
      plot.appendChild(svg('text', { x: M - 4, y: fy(t) + 4, 'text-anchor': 'end' }, signed(t)));
    });
    plot.appendChild(svg('text', { x: (M + S - R) / 2, y: S - M + 40, 'text-anchor': 'middle' }, 'predicted (app-level, 90% interval)'));
    plot.appendChild(svg('text', { x: 12, y: (S - M) / 2, transform: 'rotate(-90 12 ' + (S - M) / 2 + ')', 'text-anchor': 'middle' }, 'measured (95% interval)'));
    pts.forEach(function (p) {
      var x = fx(num(p.predicted)), y = fy(num(p.measured));
      var pl = isFinite(num(p.predictedLow)) ? fx(num(p.predictedLow)) : fx(fx.lo), ph = isFinite(num(p.predictedHigh)) ? fx(num(p.predictedHigh)) : fx(fx.hi);
      plot.appendChild(svg('line', { x1: pl, x2: ph, y1: y, y2: y, stroke: 'var(--muted)' }));
      plot.appendChild(svg('line', { x1: x, x2: x, y1: fy(num(p.measuredLow)), y2: fy(num(p.measuredHigh)), stroke: 'var(--muted)' }));
      var c = svg('circle', { cx: x, cy: y, r: 4, fill: 'var(--accent)', 'class': 'calibration-point' });
      c.appendChild(svg('title', {}, 'experiment ' + p.experimentId + ': ' + p.action + ' at ' + siteText(p.site) + '\nmeasured ' + signed(p.measured) +
        ' [' + signed(p.measuredLow) + ', ' + signed(p.measuredHigh) + '] ' + p.metric + '; predicted ' + signed(p.predicted) +
        ' [' + signed(p.predictedLow) + ', ' + signed(p.predictedHigh) + ']' + (p.outsideRange ? ' (outside the model\'s range)' : '')));
      plot.appendChild(c);
    });
    note(box, pts.length + ' experiment(s) with a prediction for the same site and action; the dashed line is predicted = measured');
    box.appendChild(plot);
  })();

  // ---- advice: measured, candidates (predictions), leave ----
  (function advice() {
    var box = document.getElementById('advice');
    var a = data.advice;
    if (!a) { note(box, data.adviceNote || 'no advice computed'); return; }
    (a.notes || []).forEach(function (n) { box.appendChild(el('div', { cls: 'warn', text: 'note: ' + n })); });
    var parts = [
      ['measured', 'advice (measured at the site)', 'no site has an experiment yet: the candidates below are what to measure first'],
      ['candidate', 'candidates worth measuring (predicted or from the JIT\'s events; not advice until measured)', 'no candidates'],
      ['leave', 'leave', 'nothing to leave'],
    ];
    parts.forEach(function (p) {
      var rows = a.sites.filter(function (s) { return s.standing === p[0]; });
      box.appendChild(el('h3', { text: p[1] }));
      if (rows.length === 0) { note(box, p[2]); return; }
      var holder = el('div', { 'data-standing': p[0] });
      box.appendChild(holder);
      DataTable(holder, 'advice-' + p[0], [
        { title: '#', num: true, value: function (s) { return s.rank; } },
        { title: 'advice', value: function (s) { return s.headline; } },
        { title: 'share', num: true, value: function (s) { return num(s.bound); }, text: function (s) { return pct(s.bound); } },
        { title: 'caller → callee', name: true, value: function (s) { return siteText(s.site); } },
        { title: 'JIT decision', value: function (s) { return s.decision; } },
        { title: 'payoff', value: function (s) { return s.payoff; } },
        { title: 'why', value: function (s) { return s.reason + (s.split ? ' · ' + s.split : ''); } },
      ], rows, null);
    });
    // The method lines (an attribute is the method's: its effect is the sum over its sites) and the inline-budget lines.
    if ((a.methods || []).length) {
      box.appendChild(el('h3', { text: 'methods with an inlining attribute' }));
      var mh = el('div'); box.appendChild(mh);
      DataTable(mh, 'advice-methods', [
        { title: 'advice', value: function (m) { return m.headline; } },
        { title: 'method', name: true, value: function (m) { return methodName(m.method); } },
        { title: 'attribute', value: function (m) { return m.existingAttribute; } },
        { title: 'sites', num: true, value: function (m) { return m.sites; } },
        { title: 'summed share', num: true, value: function (m) { return num(m.summedShare); }, text: function (m) { return pct(m.summedShare); } },
        { title: 'payoff', value: function (m) { return m.payoff; } },
        { title: 'why', value: function (m) { return m.reason; } },
      ], a.methods, null);
    }
    if ((a.budget || []).length) {
      box.appendChild(el('h3', { text: 'inline budget' }));
      var bh = el('div'); box.appendChild(bh);
      DataTable(bh, 'advice-budget', [
        { title: 'advice', value: function (b) { return b.headline; } },
        { title: 'change', value: function (b) { return b.change; } },
        { title: 'payoff', value: function (b) { return b.payoff; } },
        { title: 'why', value: function (b) { return b.reason; } },
      ], a.budget, null);
    }
  })();

  window.__rendered = performance.now();
  document.body.setAttribute('data-rendered', 'true');
})();
