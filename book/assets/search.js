// Search over the index in search-index.js, in the browser (and in the book's tests).
// The query is cut the way the index was built (book/src/search.ts): Latin words match whole
// index words or, less strongly, words they begin; a Chinese phrase matches the sections holding
// all its pairs of neighbouring characters, and ranks higher where it is a word of its own.
(function (root) {
  'use strict';
  var CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
  var RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|[\p{L}\p{N}_]+/gu;

  function terms(query) {
    var out = [];
    var runs = String(query).normalize('NFKC').match(RUN) || [];
    runs.forEach(function (run) {
      if (CJK.test(run)) {
        var chars = Array.from(run);
        var keys = [];
        if (chars.length === 1) keys.push(run);
        for (var i = 0; i + 1 < chars.length; i++) keys.push(chars[i] + chars[i + 1]);
        out.push({ cjk: true, text: run, keys: keys });
      } else {
        out.push({ cjk: false, text: run.toLowerCase(), keys: [run.toLowerCase()] });
      }
    });
    return out;
  }

  function postings(index, key) {
    var list = index.terms[key];
    var map = new Map();
    if (!list) return map;
    for (var i = 0; i < list.length; i += 2) map.set(list[i], list[i + 1]);
    return map;
  }

  function idf(index, key) {
    var list = index.terms[key];
    return list ? Math.log(1 + index.docs.length / (list.length / 2)) : 0;
  }

  function vocabulary(index) {
    if (!index._vocab) index._vocab = Object.keys(index.terms).sort();
    return index._vocab;
  }

  function add(map, doc, score) {
    map.set(doc, (map.get(doc) || 0) + score);
  }

  /** doc → score for one query term; empty when the term is found nowhere. */
  function match(index, term) {
    var scores = new Map();
    if (term.cjk) {
      var found = null;
      term.keys.forEach(function (key) {
        var p = postings(index, key);
        var weight = idf(index, key);
        var next = new Map();
        p.forEach(function (w, doc) {
          if (found === null || found.has(doc)) next.set(doc, (found ? found.get(doc) : 0) + (1 + Math.log(w)) * weight);
        });
        found = next;
      });
      if (found) found.forEach(function (s, doc) { scores.set(doc, s); });
      if (term.keys.length > 1 && index.terms[term.text]) {
        postings(index, term.text).forEach(function (w, doc) { if (scores.has(doc)) add(scores, doc, 2 * (1 + Math.log(w)) * idf(index, term.text)); });
      }
      return scores;
    }
    postings(index, term.text).forEach(function (w, doc) { add(scores, doc, (1 + Math.log(w)) * idf(index, term.text)); });
    if (term.text.length >= 2) {
      var vocab = vocabulary(index);
      var lo = 0;
      var hi = vocab.length;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (vocab[mid] < term.text) lo = mid + 1; else hi = mid;
      }
      for (var k = lo, n = 0; k < vocab.length && n < 60 && vocab[k].indexOf(term.text) === 0; k++, n++) {
        if (vocab[k] === term.text) continue;
        var key = vocab[k];
        postings(index, key).forEach(function (w, doc) { add(scores, doc, 0.5 * (1 + Math.log(w)) * idf(index, key)); });
      }
    }
    return scores;
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (ch) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch];
    });
  }

  /** A piece of the text around the first match, as HTML with the matches in <mark>. */
  function snippet(text, queryTerms, size) {
    size = size || 150;
    var lower = text.toLowerCase();
    var needles = [];
    queryTerms.forEach(function (t) {
      needles.push(t.text);
      if (t.cjk) t.keys.forEach(function (k) { needles.push(k); });
    });
    var at = -1;
    needles.some(function (needle) {
      at = lower.indexOf(needle.toLowerCase());
      return at >= 0;
    });
    var start = Math.max(0, at - Math.floor(size / 3));
    if (start > 0) {
      var space = text.lastIndexOf(' ', start);
      if (space > start - 15) start = space + 1;
    }
    var piece = text.slice(start, start + size);
    var pattern = new RegExp(needles.map(function (n) { return n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }).sort(function (a, b) { return b.length - a.length; }).join('|'), 'gi');
    var html = '';
    var last = 0;
    piece.replace(pattern, function (found, offset) {
      html += escapeHtml(piece.slice(last, offset)) + '<mark>' + escapeHtml(found) + '</mark>';
      last = offset + found.length;
      return found;
    });
    html += escapeHtml(piece.slice(last));
    return (start > 0 ? '…' : '') + html + (start + size < text.length ? '…' : '');
  }

  /**
   * Results for a query, best first: { url, lang, lesson, page, heading, snippet, score }.
   * Every term must match; pages in the reader's language come first among equals; at most
   * three sections per page.
   */
  function search(index, query, lang, limit) {
    limit = limit || 12;
    var queryTerms = terms(query);
    if (!queryTerms.length || !index) return [];
    var total = null;
    for (var i = 0; i < queryTerms.length; i++) {
      var scores = match(index, queryTerms[i]);
      if (!scores.size) return [];
      if (total === null) total = scores;
      else {
        var both = new Map();
        total.forEach(function (s, doc) { if (scores.has(doc)) both.set(doc, s + scores.get(doc)); });
        total = both;
      }
      if (!total.size) return [];
    }
    var ranked = [];
    total.forEach(function (score, doc) {
      var d = index.docs[doc];
      ranked.push({ doc: d, score: score * (d.lang === lang ? 1.3 : 1) * (d.heading ? 1 : 1.1) });
    });
    ranked.sort(function (a, b) { return b.score - a.score; });
    var perPage = new Map();
    var out = [];
    for (var r = 0; r < ranked.length && out.length < limit; r++) {
      var d = ranked[r].doc;
      var key = d.url.split('#')[0];
      var count = perPage.get(key) || 0;
      if (count >= 3) continue;
      perPage.set(key, count + 1);
      out.push({ url: d.url, lang: d.lang, lesson: d.lesson, page: d.page, heading: d.heading, snippet: snippet(d.text || d.heading, queryTerms), score: ranked[r].score });
    }
    return out;
  }

  root.BookSearch = { terms: terms, search: search, snippet: snippet };
})(typeof window !== 'undefined' ? window : globalThis);
