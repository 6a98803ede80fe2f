// The book's behaviour: theme, keyboard shortcuts, copy buttons, progress, table of contents,
// self-test reveals, search. No network: everything is in the book's own folder, so the same
// file works opened from the file system and served by `npm run book -- --serve`.
(function () {
  'use strict';
  var body = document.body;
  var html = document.documentElement;
  var lang = body.dataset.lang || 'en';
  // The book's other scripts sit beside this one: found from its own address, so a page served
  // from anywhere (the 404 page answers any path) loads them from the right place.
  var here = document.currentScript && document.currentScript.src;
  function asset(name) { return here ? new URL(name, here).href : 'assets/' + name; }
  // Search results name pages relative to the book's folder: right as they are on every page
  // of the book, but not on the 404 page answering /a/b/c.
  var root = here ? new URL('..', here).href : '';
  var atRoot = !here || new URL('.', location.href).href === root;
  function bookPage(name) { return atRoot ? name : root + name; }
  var strings = {};
  try { strings = JSON.parse(document.getElementById('book-strings').textContent); } catch (e) { /* defaults below */ }

  var store = {
    get: function (key, fallback) {
      try { var v = localStorage.getItem('wsbook-' + key); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
    },
    set: function (key, value) {
      try { localStorage.setItem('wsbook-' + key, JSON.stringify(value)); } catch (e) { /* private mode: progress is not kept */ }
    },
  };

  // ---- theme ----
  function setTheme(theme) {
    html.dataset.theme = theme;
    try { localStorage.setItem('wsbook-theme', theme); } catch (e) { /* ignore */ }
  }
  function toggleTheme() { setTheme(html.dataset.theme === 'dark' ? 'light' : 'dark'); }
  var themeButton = document.querySelector('.theme-toggle');
  if (themeButton) themeButton.addEventListener('click', toggleTheme);

  // ---- the lesson list on small screens: a drawer ----
  // Closed, it is off the screen and hidden (out of the Tab order, book.css); open, focus moves
  // into it, and Esc or a tap beside it closes it.
  var menu = document.querySelector('.menu-toggle');
  var sidebar = document.getElementById('sidebar');
  function sidebarOpen() { return body.classList.contains('sidebar-open'); }
  function setSidebar(open, focusMenu) {
    body.classList.toggle('sidebar-open', open);
    if (menu) menu.setAttribute('aria-expanded', String(open));
    if (open && sidebar) {
      var link = sidebar.querySelector('a[aria-current="page"]') || sidebar.querySelector('a');
      if (link) link.focus();
    } else if (focusMenu && menu) {
      menu.focus();
    }
  }
  if (menu) menu.addEventListener('click', function () { setSidebar(!sidebarOpen(), false); });
  // The dimmed page beside the open list is the body's own ::after: a tap there lands on <body>.
  document.addEventListener('click', function (event) {
    if (sidebarOpen() && event.target === body) setSidebar(false, false);
  });

  // ---- progress through the course: the learner's real results, from the check runner ----
  // A lesson is done when `npm run check` passes for it (.workbook/state.json): the build embeds
  // the results as they were then, and the served book asks for them live (/__book/progress).
  // The browser keeps only which lessons were opened, and the last one.
  var lessonId = body.dataset.lesson;
  var visited = store.get('visited', []);
  try { localStorage.removeItem('wsbook-done'); } catch (e) { /* the book no longer keeps its own "done" */ }
  var progress = {};
  try { progress = JSON.parse(document.getElementById('book-progress').textContent) || {}; } catch (e) { /* none */ }
  if (lessonId) {
    if (visited.indexOf(lessonId) < 0) { visited.push(lessonId); store.set('visited', visited); }
    store.set('last', { lesson: lessonId, href: location.pathname.split('/').pop() });
  }
  function isDone(id) { return progress[id] === 'done'; }
  function renderProgress() {
    var items = document.querySelectorAll('.lesson-item');
    var count = 0;
    items.forEach(function (item) {
      var done = isDone(item.dataset.lesson);
      if (done) count++;
      item.classList.toggle('is-done', done);
      item.classList.toggle('is-visited', visited.indexOf(item.dataset.lesson) >= 0);
      item.dataset.state = progress[item.dataset.lesson] || 'unchecked';
      var said = item.querySelector('.lesson-done-text');
      if (said) said.hidden = !done;
    });
    var total = items.length;
    var text = strings.progress ? strings.progress.replace('{done}', count).replace('{total}', total) : count + ' / ' + total;
    var bar = document.querySelector('.progress-bar');
    if (bar) {
      bar.setAttribute('aria-valuenow', String(count));
      bar.setAttribute('aria-valuetext', text);
      bar.firstElementChild.style.width = (total ? (100 * count) / total : 0) + '%';
    }
    var label = document.querySelector('.progress-text');
    if (label) label.textContent = text;
    document.querySelectorAll('.lesson-check').forEach(function (box) {
      var done = isDone(box.dataset.lesson);
      box.classList.toggle('is-done', done);
      box.querySelector('.lesson-check-todo').hidden = done;
      box.querySelector('.lesson-check-done').hidden = !done;
    });
    document.querySelectorAll('.card').forEach(function (card) {
      card.classList.toggle('is-done', isDone(card.dataset.lesson));
    });
  }
  function refreshProgress() {
    fetch('/__book/progress', { cache: 'no-store' }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (live) {
      if (live && typeof live === 'object') { progress = live; renderProgress(); }
    }).catch(function () { /* keep what the page was built with */ });
  }
  renderProgress();
  var continueLink = document.querySelector('.continue-link');
  var last = store.get('last', null);
  if (continueLink && last && last.lesson) {
    var item = document.querySelector('.lesson-item[data-lesson="' + last.lesson + '"] a .lesson-title');
    if (item) {
      continueLink.href = item.parentElement.getAttribute('href');
      continueLink.textContent = continueLink.textContent + ': ' + item.textContent.trim() + ' →';
      continueLink.hidden = false;
    }
  }

  // ---- copy buttons: copy exactly the code shown ----
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      try { document.execCommand('copy') ? resolve() : reject(new Error('copy failed')); } catch (e) { reject(e); }
      area.remove();
    });
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button.copy');
    if (!button) return;
    var code = button.closest('.code-block, .code-file').querySelector('pre code');
    var label = button.textContent;
    copyText(code.textContent).then(function () {
      button.textContent = button.dataset.copied || strings.copied || 'Copied';
      button.classList.add('is-copied');
      setTimeout(function () { button.textContent = label; button.classList.remove('is-copied'); }, 1500);
    }, function () { /* the reader can still select the text */ });
  });

  // ---- self-test: reveal every answer at once; the button says what it will do ----
  document.querySelectorAll('.self-test').forEach(function (section) {
    var button = section.querySelector('.reveal-all');
    if (!button) return;
    var all = section.querySelectorAll('details.qa');
    function allOpen() { return all.length > 0 && Array.prototype.every.call(all, function (d) { return d.open; }); }
    function update() {
      var open = allOpen();
      button.textContent = open ? button.dataset.hide : button.dataset.show;
      button.setAttribute('aria-expanded', String(open));
    }
    button.addEventListener('click', function () {
      var open = !allOpen();
      all.forEach(function (d) { d.open = open; });
      update();
    });
    // One answer opened or closed by hand changes it too ('toggle' does not bubble: capture it).
    section.addEventListener('toggle', update, true);
    update();
  });
  // A link to a question opens it.
  function openTarget() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === 'DETAILS') target.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();

  // ---- print view ----
  var printNow = document.querySelector('.print-now');
  if (printNow) printNow.addEventListener('click', function () { window.print(); });
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });

  // ---- table of contents: mark the section being read ----
  var tocLinks = Array.prototype.slice.call(document.querySelectorAll('.toc a'));
  if (tocLinks.length && 'IntersectionObserver' in window) {
    var byId = {};
    tocLinks.forEach(function (a) { byId[decodeURIComponent(a.getAttribute('href').slice(1))] = a; });
    var headings = Object.keys(byId).map(function (id) { return document.getElementById(id); }).filter(Boolean);
    var visible = new Set();
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { if (entry.isIntersecting) visible.add(entry.target); else visible.delete(entry.target); });
      var current = null;
      headings.forEach(function (h) { if (!current && visible.has(h)) current = h; });
      if (!current) {
        headings.forEach(function (h) { if (h.getBoundingClientRect().top < 120) current = h; });
      }
      tocLinks.forEach(function (a) { a.classList.toggle('is-active', !!current && byId[current.id] === a); });
    }, { rootMargin: '-64px 0px -55% 0px' });
    headings.forEach(function (h) { observer.observe(h); });
  }

  // ---- language switch: land on the same section of the same lesson ----
  var switcher = document.querySelector('.lang-switch');
  if (switcher && lessonId) {
    switcher.addEventListener('click', function () {
      var sections = document.querySelectorAll('.lesson h2');
      var index = -1;
      sections.forEach(function (h, i) { if (h.getBoundingClientRect().top < 140) index = i; });
      try { sessionStorage.setItem('wsbook-section', JSON.stringify({ lesson: lessonId, index: index })); } catch (e) { /* ignore */ }
    });
  }
  try {
    var carried = JSON.parse(sessionStorage.getItem('wsbook-section') || 'null');
    sessionStorage.removeItem('wsbook-section');
    if (carried && carried.lesson === lessonId && carried.index >= 0 && !location.hash) {
      var target = document.querySelectorAll('.lesson h2')[carried.index];
      if (target) target.scrollIntoView();
    }
  } catch (e) { /* ignore */ }

  // ---- blocks that scroll can be focused, so the keyboard can scroll them ----
  // (Chromium does this by itself for some; every browser and screen reader should get it.)
  function hasTabbable(el) {
    return !!el.querySelector('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])');
  }
  function markScrollers() {
    document.querySelectorAll('pre, .table-wrap, figure.sequence').forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      if (scrolls && !el.hasAttribute('tabindex') && !hasTabbable(el)) {
        el.setAttribute('tabindex', '0');
        el.setAttribute('data-scroll-focus', '');
      } else if (!scrolls && el.hasAttribute('data-scroll-focus') && document.activeElement !== el) {
        el.removeAttribute('tabindex');
        el.removeAttribute('data-scroll-focus');
      }
    });
  }
  var rescan = 0;
  function markScrollersSoon() {
    cancelAnimationFrame(rescan);
    rescan = requestAnimationFrame(markScrollers);
  }
  markScrollers();
  window.addEventListener('load', markScrollersSoon); // fonts and images may change the widths
  window.addEventListener('resize', markScrollersSoon);
  document.addEventListener('toggle', markScrollersSoon, true); // an opened answer or solution

  // ---- search: a modal dialog with a combobox over a listbox of results ----
  var dialog = document.querySelector('.search-dialog');
  var input = dialog && dialog.querySelector('.search-input');
  var list = dialog && dialog.querySelector('.search-results');
  var searchStatus = dialog && dialog.querySelector('.search-status');
  var searchButton = document.querySelector('.search-open');
  var selected = -1;
  var loading = null;
  var opener = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error('cannot load ' + src)); };
      document.head.appendChild(script);
    });
  }
  function loadSearch() { return window.BookSearch ? Promise.resolve() : loadScript(asset('search.js')); }
  function loadIndex() {
    if (!loading) {
      // Loaded with script tags (not fetch) so search works from file:// too.
      loading = Promise.all([window.BOOK_SEARCH_INDEX ? null : loadScript(asset('search-index.js')), loadSearch()]);
    }
    return loading;
  }
  /** Everything but the dialog is inert while it is open: nothing behind it takes focus or clicks. */
  function setBackground(inert) {
    Array.prototype.forEach.call(body.children, function (el) {
      if (el !== dialog && el.tagName !== 'SCRIPT') el.inert = inert;
    });
  }
  function setStatus(text, isCount) {
    searchStatus.textContent = text;
    searchStatus.classList.toggle('is-count', !!isCount);
  }
  function openSearch(query) {
    if (!dialog) return;
    if (dialog.hidden) {
      var active = document.activeElement;
      opener = active && active !== body && active !== html ? active : null;
      dialog.hidden = false;
      body.classList.add('search-is-open');
      setBackground(true);
    }
    if (typeof query === 'string') input.value = query;
    input.focus();
    input.select();
    if (!window.BOOK_SEARCH_INDEX) setStatus(strings.searchLoading || '…');
    loadIndex().then(runSearch, function () { setStatus('Search index missing: run npm run book'); });
  }
  /** Closes the dialog; focus goes back where it was (the Search button if it was nowhere). */
  function closeSearch(restoreFocus) {
    if (!dialog || dialog.hidden) return;
    dialog.hidden = true;
    body.classList.remove('search-is-open');
    setBackground(false);
    if (restoreFocus !== false) {
      var back = opener && opener.isConnected && typeof opener.focus === 'function' ? opener : searchButton;
      if (back) back.focus();
      if (back && document.activeElement !== back && searchButton) searchButton.focus();
    }
    opener = null;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  /** A result's address, asking the page it opens to mark the words searched for. */
  function withHighlight(url, query) {
    var at = url.indexOf('#');
    var page = at < 0 ? url : url.slice(0, at);
    var hash = at < 0 ? '' : url.slice(at);
    return page + '?highlight=' + encodeURIComponent(query) + hash;
  }
  function showResults(results, query) {
    selected = -1;
    input.removeAttribute('aria-activedescendant');
    list.innerHTML = results.map(function (r, i) {
      return '<li class="search-result" role="none">' +
        '<a role="option" id="search-result-' + i + '" tabindex="-1" aria-selected="false" href="' + escapeHtml(withHighlight(bookPage(r.url), query)) + '" data-lang="' + escapeHtml(r.lang) + '"' +
        (r.lang !== lang ? ' hreflang="' + escapeHtml(r.lang) + '"' : '') + '>' +
        '<span class="r-where"><span class="r-lesson">' + escapeHtml(r.lesson) + '</span> · ' + escapeHtml(r.page) +
        (r.lang !== lang ? ' <span class="r-lang">' + (r.lang === 'en' ? 'English' : '中文') + '</span>' : '') + '</span>' +
        (r.heading && r.snippetFrom !== 'heading' ? '<span class="r-heading">' + r.headingHtml + '</span>' : '') +
        '<span class="r-snippet">' + r.snippet + '</span></a></li>';
    }).join('');
    input.setAttribute('aria-expanded', String(results.length > 0));
    if (results.length) {
      var count = strings.searchCount || ['1 result', '{n} results'];
      setStatus(results.length === 1 ? count[0] : count[1].replace('{n}', results.length), true);
      select(0);
    }
  }
  function runSearch() {
    if (!window.BookSearch || !window.BOOK_SEARCH_INDEX) return;
    var query = input.value.trim();
    if (!query) { showResults([], query); setStatus(''); return; }
    var results = window.BookSearch.search(window.BOOK_SEARCH_INDEX, query, lang, 12);
    showResults(results, query);
    if (!results.length) setStatus(strings.searchEmpty || 'Nothing found.');
  }
  function select(index) {
    var options = list.querySelectorAll('[role="option"]');
    if (!options.length) return;
    if (selected >= 0 && options[selected]) {
      options[selected].setAttribute('aria-selected', 'false');
      options[selected].parentElement.classList.remove('is-selected');
    }
    selected = (index + options.length) % options.length;
    var option = options[selected];
    option.setAttribute('aria-selected', 'true');
    option.parentElement.classList.add('is-selected');
    // The screen reader hears the chosen result while focus stays in the field.
    input.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
  }
  /** What Tab can reach inside the dialog: it goes round them and never leaves. */
  function dialogTabbables() {
    return Array.prototype.filter.call(dialog.querySelectorAll('input, button, a[href], [tabindex]'), function (el) {
      return el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0;
    });
  }
  if (dialog) {
    searchButton.addEventListener('click', function () { openSearch(); });
    dialog.querySelector('.search-close').addEventListener('click', function () { closeSearch(); });
    input.addEventListener('input', runSearch);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown') { event.preventDefault(); select(selected + 1); }
      else if (event.key === 'ArrowUp') { event.preventDefault(); select(selected - 1); }
      else if (event.key === 'Enter') {
        var link = list.querySelector('.search-result.is-selected a');
        if (link) { event.preventDefault(); closeSearch(false); location.href = link.href; }
      }
    });
    dialog.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        closeSearch();
      } else if (event.key === 'Tab') {
        var stops = dialogTabbables();
        if (!stops.length) return;
        var first = stops[0];
        var lastStop = stops[stops.length - 1];
        var at = stops.indexOf(document.activeElement);
        if (event.shiftKey && (at <= 0)) { event.preventDefault(); lastStop.focus(); }
        else if (!event.shiftKey && (at < 0 || at === stops.length - 1)) { event.preventDefault(); first.focus(); }
      }
    });
    // Focus that gets out anyway (a click on the browser's own UI, then back) is brought back.
    document.addEventListener('focusin', function (event) {
      if (!dialog.hidden && !dialog.contains(event.target)) input.focus();
    });
    dialog.addEventListener('click', function (event) {
      if (event.target === dialog) closeSearch();
      else if (event.target.closest('a')) closeSearch(false);
    });
  }

  // ---- the words searched for, marked on the page a result opened (?highlight=…) ----
  var params = null;
  try { params = new URLSearchParams(location.search); } catch (e) { /* no query */ }
  var hits = [];
  function clearHits() {
    hits.forEach(function (mark) {
      var parent = mark.parentNode;
      if (!parent) return;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    });
    hits = [];
    body.classList.remove('has-search-hits');
  }
  var highlightQuery = params && params.get('highlight');
  var content = document.querySelector('.content');
  if (highlightQuery && content) {
    loadSearch().then(function () {
      hits = window.BookSearch.highlight(content, highlightQuery);
      if (!hits.length) return;
      body.classList.add('has-search-hits');
      // The first one in the section the result named, or after it.
      var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
      var first = hits[0];
      if (target) {
        for (var i = 0; i < hits.length; i++) {
          if (target.contains(hits[i]) || (target.compareDocumentPosition(hits[i]) & Node.DOCUMENT_POSITION_FOLLOWING)) { first = hits[i]; break; }
        }
      }
      for (var node = first.parentElement; node; node = node.parentElement) {
        if (node.tagName === 'DETAILS') node.open = true;
      }
      first.classList.add('is-first');
      var box = first.getBoundingClientRect();
      if (box.top < 64 || box.bottom > window.innerHeight) first.scrollIntoView({ block: 'center' });
    }, function () { /* no search script: the page is still there */ });
  }
  // ?search=… opens the search with that query.
  var searchQuery = params && params.get('search');
  if (searchQuery && dialog) openSearch(searchQuery);

  // ---- keyboard shortcuts ----
  var EDITABLE = /^(INPUT|TEXTAREA|SELECT)$/;
  var WIDGET = /^(listbox|combobox|textbox|searchbox|slider|spinbutton|grid|tree|treegrid|tablist|menu|menubar|radiogroup|log)$/;
  /**
   * ← and → belong to whatever has focus when it can use them: a field, a code block, a table
   * or anything else that scrolls or is edited. Only elsewhere do they turn the page.
   */
  function arrowsBelongTo(el) {
    for (var node = el; node && node.nodeType === 1 && node !== body && node !== html; node = node.parentElement) {
      if (node.isContentEditable || EDITABLE.test(node.tagName) || node.tagName === 'PRE' || node.tagName === 'CODE') return true;
      if (WIDGET.test(node.getAttribute('role') || '')) return true;
      var style = getComputedStyle(node);
      if (/(auto|scroll)/.test(style.overflowX) && node.scrollWidth > node.clientWidth + 1) return true;
      if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight + 1) return true;
    }
    return false;
  }
  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var el = event.target;
    if (event.key === 'Escape') {
      if (dialog && !dialog.hidden) { closeSearch(); return; }
      if (sidebarOpen()) { setSidebar(false, !!sidebar && sidebar.contains(document.activeElement)); return; }
      if (hits.length) clearHits();
      return;
    }
    if (el && (el.isContentEditable || EDITABLE.test(el.tagName))) return;
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      if (event.shiftKey || arrowsBelongTo(el)) return;
      var to = event.key === 'ArrowLeft' ? body.dataset.prev : body.dataset.next;
      if (to) location.href = to;
    } else if (event.key === '/' || (event.key === 's' && !event.shiftKey)) {
      event.preventDefault();
      openSearch();
    } else if (event.key === 't') {
      toggleTheme();
    }
  });

  // ---- served by `npm run book -- --serve`: live progress, and live demos ----
  if (/^https?:$/.test(location.protocol)) {
    fetch('/__book/info', { cache: 'no-store' }).then(function (response) { return response.ok ? response.json() : null; }).then(function (info) {
      if (!info) return;
      if (info.progress) {
        // Back from the terminal where `npm run check` just passed: the marks are up to date.
        refreshProgress();
        document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'visible') refreshProgress(); });
        window.addEventListener('focus', refreshProgress);
      }
      if (info.demos && document.querySelector('.demo')) return loadScript(asset('demo.js'));
    }).catch(function () { /* a plain static server: the demo panel keeps its explanation */ });
  }
})();
