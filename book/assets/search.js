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

  var LETTER = /[\p{L}\p{N}]/u;
  var LOWER = /[\p{Ll}\p{N}]/u;
  var UPPER = /\p{Lu}/u;
  /** Does a word (or a part of a name: createServer, send_buffer, HTTPServer) start at `at`? */
  function startsWord(text, at) {
    if (at === 0) return true;
    var prev = text[at - 1];
    var here = text[at];
    if (!LETTER.test(prev)) return true;
    if (LOWER.test(prev) && UPPER.test(here)) return true;
    return UPPER.test(prev) && UPPER.test(here) && at + 1 < text.length && /\p{Ll}/u.test(text[at + 1]);
  }

  /**
   * Where a needle occurs in a text: [start, end] pairs, ignoring case. Latin words are matched
   * where a word starts, as the index cut them; with `loose`, anywhere when no word starts so.
   */
  function find(text, needle, latin, loose) {
    var out = [];
    if (!needle) return out;
    var pattern = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
    var all = [];
    var m;
    while ((m = pattern.exec(text)) !== null) {
      all.push([m.index, m.index + m[0].length]);
      if (m[0].length === 0) pattern.lastIndex++;
    }
    if (!latin) return all;
    all.forEach(function (r) { if (startsWord(text, r[0])) out.push(r); });
    return out.length || !loose ? out : all;
  }

  /** Where one query term occurs: a Chinese phrase whole, or else its pairs of characters. */
  function occurrences(text, term, loose) {
    if (!term.cjk) return find(text, term.text, true, loose);
    var whole = find(text, term.text, false);
    if (whole.length || !loose) return whole;
    var pairs = [];
    term.keys.forEach(function (key) { pairs = pairs.concat(find(text, key, false)); });
    return pairs.sort(function (a, b) { return a[0] - b[0]; });
  }

  /** The ranges to mark, sorted, without overlaps (the longer one wins where two start together). */
  function merge(ranges) {
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var out = [];
    ranges.forEach(function (r) {
      var last = out[out.length - 1];
      if (last && r[0] < last[1]) { if (r[1] > last[1]) last[1] = r[1]; }
      else out.push([r[0], r[1]]);
    });
    return out;
  }

  function marked(text, ranges, from, to) {
    var html = '';
    var at = from;
    ranges.forEach(function (r) {
      if (r[0] < from || r[1] > to) return;
      html += escapeHtml(text.slice(at, r[0])) + '<mark>' + escapeHtml(text.slice(r[0], r[1])) + '</mark>';
      at = r[1];
    });
    return html + escapeHtml(text.slice(at, to));
  }

  /** Every occurrence of every term in a text. */
  function rangesIn(text, queryTerms) {
    var ranges = [];
    queryTerms.forEach(function (term, i) {
      occurrences(text, term, true).forEach(function (r) { ranges.push([r[0], r[1], i]); });
    });
    return ranges;
  }

  /**
   * A piece of the text around the terms, as HTML with them in <mark>; null when the text holds
   * none of them. The piece is the one that holds the most different terms, the earliest of those.
   */
  function snippet(text, queryTerms, size) {
    size = size || 150;
    var ranges = rangesIn(text, queryTerms).sort(function (a, b) { return a[0] - b[0]; }).slice(0, 400);
    if (!ranges.length) return null;
    var longest = 0;
    ranges.forEach(function (r) { longest = Math.max(longest, r[1] - r[0]); });
    var lead = Math.floor(size / 3);
    size = Math.max(size, longest + lead + 10);
    var best = 0;
    var bestCount = -1;
    ranges.forEach(function (r) {
      var from = Math.max(0, r[0] - lead);
      var seen = {};
      var count = 0;
      ranges.forEach(function (q) {
        if (q[0] >= from && q[1] <= from + size && !seen[q[2]]) { seen[q[2]] = true; count++; }
      });
      if (count > bestCount) { bestCount = count; best = r[0]; }
    });
    var start = Math.max(0, best - lead);
    if (start > 0) {
      var space = text.lastIndexOf(' ', start);
      if (space >= 0 && space > start - 15) start = space + 1;
    }
    var end = Math.min(text.length, start + size);
    return (start > 0 ? '…' : '') + marked(text, merge(ranges), start, end) + (end < text.length ? '…' : '');
  }

  /** The whole text, escaped, with the terms in <mark>. */
  function markAll(text, queryTerms) {
    return marked(text, merge(rangesIn(text, queryTerms)), 0, text.length);
  }

  /**
   * Marks the terms in the page (the text under `root`) with <mark class="search-hit"> and returns
   * the marks in page order. Words are matched where they start (`heart` marks heartbeat, not
   * sweetheart); a Chinese phrase found nowhere whole is marked by its pairs of characters.
   */
  function highlight(root, query) {
    var queryTerms = terms(query);
    if (!queryTerms.length || !root) return [];
    var doc = root.ownerDocument;
    var nodes = [];
    var walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */, null);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var parent = node.parentElement;
      if (!node.nodeValue.trim() || !parent || parent.closest('script, style, textarea, svg, mark, .anchor, .search-dialog, [hidden]')) continue;
      nodes.push(node);
    }
    var wholeFound = queryTerms.map(function (term) {
      return !term.cjk || nodes.some(function (n) { return find(n.nodeValue, term.text, false).length > 0; });
    });
    var marks = [];
    nodes.forEach(function (textNode) {
      var text = textNode.nodeValue;
      var ranges = [];
      queryTerms.forEach(function (term, i) {
        var found = term.cjk && !wholeFound[i] ? occurrences(text, term, true) : occurrences(text, term, false);
        ranges = ranges.concat(found);
      });
      if (!ranges.length) return;
      var fragment = doc.createDocumentFragment();
      var at = 0;
      merge(ranges).forEach(function (r) {
        if (r[0] > at) fragment.appendChild(doc.createTextNode(text.slice(at, r[0])));
        var mark = doc.createElement('mark');
        mark.className = 'search-hit';
        mark.textContent = text.slice(r[0], r[1]);
        fragment.appendChild(mark);
        marks.push(mark);
        at = r[1];
      });
      if (at < text.length) fragment.appendChild(doc.createTextNode(text.slice(at)));
      textNode.parentNode.replaceChild(fragment, textNode);
    });
    return marks;
  }

  /**
   * Results for a query, best first: { url, lang, lesson, page, heading, headingHtml, snippet,
   * snippetFrom ('text', 'heading' or 'page': where the snippet's words come from), score }.
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
      // The snippet shows the terms: from the text, or the heading or the page's title when
      // only they hold them (they count in the index too).
      var from = 'text';
      var piece = snippet(d.text || '', queryTerms);
      if (piece === null && d.heading) { from = 'heading'; piece = snippet(d.heading, queryTerms); }
      if (piece === null) { from = 'page'; piece = snippet(d.page, queryTerms); }
      if (piece === null) { from = 'text'; piece = escapeHtml((d.text || d.heading).slice(0, 150)); }
      out.push({
        url: d.url, lang: d.lang, lesson: d.lesson, page: d.page, heading: d.heading,
        headingHtml: markAll(d.heading || '', queryTerms), snippet: piece, snippetFrom: from, score: ranked[r].score,
      });
    }
    return out;
  }

  root.BookSearch = { terms: terms, search: search, snippet: snippet, highlight: highlight };
})(typeof window !== 'undefined' ? window : globalThis);
