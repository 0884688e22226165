// Offline search for an exported Quire edition. The index is search-index.js, which sets
// window.QUIRE_SEARCH_INDEX (a script, not JSON, so it loads from file:// too). This script
// runs on search.html only: it reads ?q= from the address, finds the paragraphs and headings
// that contain every word of the query, and lists them with links to section#anchor.
// It builds the results with DOM methods and textContent only, never innerHTML.
(function () {
  'use strict';

  var MAX_RESULTS = 100;

  function fold(text) {
    var t = String(text).toLowerCase();
    if (t.normalize) {
      t = t.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    }
    return t.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"');
  }

  function words(query) {
    return fold(query).split(/[^\p{L}\p{N}'-]+/u).filter(function (w) { return w.length > 0; });
  }

  function param(name) {
    var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(window.location.search);
    if (!m) { return ''; }
    try {
      return decodeURIComponent(m[1].replace(/\+/g, ' '));
    } catch (e) {
      return '';
    }
  }

  function search(index, query) {
    var ws = words(query);
    var phrase = fold(query).trim();
    if (ws.length === 0) { return []; }
    var hits = [];
    index.sections.forEach(function (s, si) {
      var title = fold(s.title);
      s.blocks.forEach(function (b, bi) {
        var text = fold(b[2]);
        var all = ws.every(function (w) { return text.indexOf(w) >= 0 || title.indexOf(w) >= 0; });
        if (!all) { return; }
        var inText = ws.filter(function (w) { return text.indexOf(w) >= 0; }).length;
        if (inText === 0) { return; }
        var score = inText * 10 + (text.indexOf(phrase) >= 0 ? 100 : 0) + (b[1].charAt(0) !== '¶' ? 5 : 0);
        hits.push({ section: s, block: b, score: score, order: si * 10000 + bi });
      });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return hits;
  }

  // The text with the first match of each word marked.
  function snippet(text, ws) {
    var folded = fold(text);
    var first = text.length;
    ws.forEach(function (w) {
      var i = folded.indexOf(w);
      if (i >= 0 && i < first) { first = i; }
    });
    var start = Math.max(0, first - 80);
    var end = Math.min(text.length, start + 260);
    var frag = document.createDocumentFragment();
    var piece = text.slice(start, end);
    var fpiece = folded.slice(start, end);
    var marks = [];
    ws.forEach(function (w) {
      var i = fpiece.indexOf(w);
      while (i >= 0) {
        marks.push([i, i + w.length]);
        i = fpiece.indexOf(w, i + w.length);
      }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var at = 0;
    if (start > 0) { frag.appendChild(document.createTextNode('… ')); }
    marks.forEach(function (m) {
      if (m[0] < at) { return; }
      frag.appendChild(document.createTextNode(piece.slice(at, m[0])));
      var mark = document.createElement('mark');
      mark.textContent = piece.slice(m[0], m[1]);
      frag.appendChild(mark);
      at = m[1];
    });
    frag.appendChild(document.createTextNode(piece.slice(at)));
    if (end < text.length) { frag.appendChild(document.createTextNode(' …')); }
    return frag;
  }

  function show(index, query) {
    var status = document.getElementById('search-status');
    var list = document.getElementById('search-results');
    if (!status || !list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!query.trim()) {
      status.textContent = 'Type one or more words and press Search.';
      return;
    }
    var ws = words(query);
    var hits = search(index, query);
    if (hits.length === 0) {
      status.textContent = 'No results for “' + query + '”.';
      return;
    }
    status.textContent = (hits.length > MAX_RESULTS ? 'Showing the first ' + MAX_RESULTS + ' of ' : '') +
      hits.length + (hits.length === 1 ? ' result' : ' results') + ' for “' + query + '”.';
    hits.slice(0, MAX_RESULTS).forEach(function (h) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = h.section.url + '#' + h.block[0];
      a.textContent = h.section.title + (h.block[1] ? ', ' + h.block[1] : '');
      li.appendChild(a);
      var where = document.createElement('span');
      where.className = 'where';
      where.textContent = h.section.part;
      li.appendChild(where);
      var p = document.createElement('p');
      p.appendChild(snippet(h.block[2], ws));
      li.appendChild(p);
      list.appendChild(li);
    });
  }

  function start() {
    var index = window.QUIRE_SEARCH_INDEX;
    var status = document.getElementById('search-status');
    if (!index) {
      if (status) { status.textContent = 'The search index did not load. Browse the contents instead.'; }
      return;
    }
    var query = param('q');
    var input = document.getElementById('search-page-q');
    if (input) { input.value = query; }
    show(index, query);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
