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

  // ---- sidebar on small screens ----
  var menu = document.querySelector('.menu-toggle');
  if (menu) {
    menu.addEventListener('click', function () {
      var open = body.classList.toggle('sidebar-open');
      menu.setAttribute('aria-expanded', String(open));
    });
  }

  // ---- progress through the course ----
  var lessonId = body.dataset.lesson;
  var done = store.get('done', []);
  var visited = store.get('visited', []);
  if (lessonId) {
    if (visited.indexOf(lessonId) < 0) { visited.push(lessonId); store.set('visited', visited); }
    store.set('last', { lesson: lessonId, href: location.pathname.split('/').pop() });
  }
  function renderProgress() {
    var items = document.querySelectorAll('.lesson-item');
    items.forEach(function (item) {
      item.classList.toggle('is-done', done.indexOf(item.dataset.lesson) >= 0);
      item.classList.toggle('is-visited', visited.indexOf(item.dataset.lesson) >= 0);
    });
    var total = items.length;
    var count = 0;
    items.forEach(function (item) { if (done.indexOf(item.dataset.lesson) >= 0) count++; });
    var bar = document.querySelector('.progress-bar');
    if (bar) {
      bar.setAttribute('aria-valuenow', String(count));
      bar.firstElementChild.style.width = (total ? (100 * count) / total : 0) + '%';
    }
    var text = document.querySelector('.progress-text');
    if (text && strings.progress) text.textContent = strings.progress.replace('{done}', count).replace('{total}', total);
    document.querySelectorAll('.mark-done').forEach(function (button) {
      var isDone = done.indexOf(button.dataset.lesson) >= 0;
      button.setAttribute('aria-pressed', String(isDone));
      button.classList.toggle('is-done', isDone);
      button.textContent = isDone ? strings.markedDone : strings.markDone;
    });
    document.querySelectorAll('.card').forEach(function (card) {
      card.classList.toggle('is-done', done.indexOf(card.dataset.lesson) >= 0);
    });
  }
  document.querySelectorAll('.mark-done').forEach(function (button) {
    button.addEventListener('click', function () {
      var id = button.dataset.lesson;
      var at = done.indexOf(id);
      if (at >= 0) done.splice(at, 1); else done.push(id);
      store.set('done', done);
      renderProgress();
    });
  });
  renderProgress();
  var continueLink = document.querySelector('.continue-link');
  var last = store.get('last', null);
  if (continueLink && last && last.lesson) {
    var item = document.querySelector('.lesson-item[data-lesson="' + last.lesson + '"] a');
    if (item) {
      continueLink.href = item.getAttribute('href');
      continueLink.textContent = continueLink.textContent + ': ' + item.textContent.replace(/^\d+/, '').trim() + ' →';
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

  // ---- self-test: reveal every answer at once ----
  document.querySelectorAll('.reveal-all').forEach(function (button) {
    button.addEventListener('click', function () {
      var all = button.closest('.self-test').querySelectorAll('details.qa');
      var open = Array.prototype.some.call(all, function (d) { return !d.open; });
      all.forEach(function (d) { d.open = open; });
    });
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

  // ---- search ----
  var dialog = document.querySelector('.search-dialog');
  var input = dialog && dialog.querySelector('.search-input');
  var list = dialog && dialog.querySelector('.search-results');
  var selected = 0;
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error('cannot load ' + src)); };
      document.head.appendChild(script);
    });
  }
  function loadIndex() {
    if (!loading) {
      // Loaded with script tags (not fetch) so search works from file:// too.
      loading = Promise.all([
        window.BOOK_SEARCH_INDEX ? null : loadScript(asset('search-index.js')),
        window.BookSearch ? null : loadScript(asset('search.js')),
      ]);
    }
    return loading;
  }
  function openSearch() {
    if (!dialog) return;
    dialog.hidden = false;
    body.classList.add('search-is-open');
    input.focus();
    input.select();
    if (!window.BOOK_SEARCH_INDEX) list.innerHTML = '<li class="search-empty">' + (strings.searchLoading || '…') + '</li>';
    loadIndex().then(runSearch, function () { list.innerHTML = '<li class="search-empty">Search index missing: run npm run book</li>'; });
  }
  function closeSearch() {
    if (!dialog || dialog.hidden) return;
    dialog.hidden = true;
    body.classList.remove('search-is-open');
  }
  function runSearch() {
    if (!window.BookSearch || !window.BOOK_SEARCH_INDEX) return;
    var query = input.value.trim();
    if (!query) { list.innerHTML = ''; return; }
    var results = window.BookSearch.search(window.BOOK_SEARCH_INDEX, query, lang, 12);
    selected = 0;
    if (!results.length) {
      list.innerHTML = '<li class="search-empty">' + (strings.searchEmpty || 'Nothing found.') + '</li>';
      return;
    }
    list.innerHTML = results.map(function (r, i) {
      var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); };
      return '<li role="option" class="search-result' + (i === 0 ? ' is-selected' : '') + '" aria-selected="' + (i === 0) + '">' +
        '<a href="' + esc(bookPage(r.url)) + '" data-lang="' + esc(r.lang) + '">' +
        '<span class="r-where"><span class="r-lesson">' + esc(r.lesson) + '</span> · ' + esc(r.page) +
        (r.lang !== lang ? ' <span class="r-lang">' + (r.lang === 'en' ? 'English' : '中文') + '</span>' : '') + '</span>' +
        (r.heading ? '<span class="r-heading">' + esc(r.heading) + '</span>' : '') +
        '<span class="r-snippet">' + r.snippet + '</span></a></li>';
    }).join('');
  }
  function select(delta) {
    var items = list.querySelectorAll('.search-result');
    if (!items.length) return;
    items[selected].classList.remove('is-selected');
    items[selected].setAttribute('aria-selected', 'false');
    selected = (selected + delta + items.length) % items.length;
    items[selected].classList.add('is-selected');
    items[selected].setAttribute('aria-selected', 'true');
    items[selected].scrollIntoView({ block: 'nearest' });
  }
  if (dialog) {
    document.querySelector('.search-open').addEventListener('click', openSearch);
    input.addEventListener('input', runSearch);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown') { event.preventDefault(); select(1); }
      else if (event.key === 'ArrowUp') { event.preventDefault(); select(-1); }
      else if (event.key === 'Enter') {
        var link = list.querySelector('.search-result.is-selected a');
        if (link) { event.preventDefault(); closeSearch(); location.href = link.getAttribute('href'); }
      }
    });
    dialog.addEventListener('click', function (event) {
      if (event.target === dialog) closeSearch();
      else if (event.target.closest('a')) closeSearch();
    });
  }

  // ---- keyboard shortcuts ----
  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Escape') { closeSearch(); body.classList.remove('sidebar-open'); return; }
    var el = event.target;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
    if (event.key === '/' || (event.key === 's' && !event.shiftKey)) { event.preventDefault(); openSearch(); }
    else if (event.key === 'ArrowLeft' && body.dataset.prev) location.href = body.dataset.prev;
    else if (event.key === 'ArrowRight' && body.dataset.next) location.href = body.dataset.next;
    else if (event.key === 't') toggleTheme();
  });

  // ---- live demos, when the book is served by `npm run book -- --serve` ----
  if (document.querySelector('.demo') && /^https?:$/.test(location.protocol)) {
    fetch('/__book/info').then(function (response) { return response.ok ? response.json() : null; }).then(function (info) {
      if (info && info.demos) return loadScript(asset('demo.js'));
    }).catch(function () { /* a plain static server: the demo panel keeps its explanation */ });
  }
})();
