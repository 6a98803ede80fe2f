// The page templates: plain template strings; every value from outside goes through esc().
import { esc } from './html.ts';
import { STRINGS, type Lang, type Strings } from './i18n.ts';
import type { Heading } from './markdown.ts';
import type { Progress } from './progress.ts';

export interface NavLesson {
  id: string;
  number: number;
  title: string;
  href: string;
  missing: boolean;
}

export interface Chrome {
  lang: Lang;
  /** The <title>. */
  title: string;
  /** This page's file name, and the same page in the other language. */
  href: string;
  otherHref: string;
  nav: NavLesson[];
  currentLesson?: string;
  /** The learner's results as of the build (the served book replaces them with live ones). */
  progress?: Progress;
  /** Extra data-* attributes for <body>. */
  data?: Record<string, string>;
  bodyClass?: string;
}

const other = (lang: Lang): Lang => (lang === 'en' ? 'zh-CN' : 'en');

/** JSON inside a <script> element: a "</script>" in it cannot end the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/** Escapes text, then turns `code` into <code>code</code>. */
export function rich(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

const icon = {
  search: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M15.5 15.5 21 21" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>',
  theme: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 3a9 9 0 0 1 0 18z" fill="currentColor"/></svg>',
  print: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M7 9V3h10v6M7 17H4v-7h16v7h-3M7 14h10v7H7z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/></svg>',
  menu: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>',
  lang: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M4 5h9M8.5 3v2M6 5c0 4 3 7 6 8M11 5c0 4-3 7-6 8M13 21l4-10 4 10M14.5 18h5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
};

// Runs before the first paint so a dark-theme reader never sees a white flash.
export const THEME_SCRIPT_SOURCE = `(function(){var t;try{t=localStorage.getItem('wsbook-theme')}catch(e){}if(t!=='light'&&t!=='dark'){t=matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light'}document.documentElement.dataset.theme=t})()`;
const THEME_SCRIPT = `<script>${THEME_SCRIPT_SOURCE}</script>`;

export function page(chrome: Chrome, main: string, aside = ''): string {
  const t = STRINGS[chrome.lang];
  const alt = other(chrome.lang);
  const data = Object.entries({ lang: chrome.lang, ...chrome.data })
    .map(([key, value]) => ` data-${key}="${esc(value)}"`)
    .join('');
  return `<!doctype html>
<html lang="${chrome.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(chrome.title)}</title>
<link rel="alternate" hreflang="${alt}" href="${esc(chrome.otherHref)}">
<link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="assets/book.css">
${THEME_SCRIPT}
<script src="assets/book.js" defer></script>
</head>
<body class="${esc(chrome.bodyClass ?? '')}"${data}>
<a class="skip-link" href="#content">${chrome.lang === 'en' ? 'Skip to the lesson' : '跳到正文'}</a>
<header class="topbar">
  <button class="icon-button menu-toggle" type="button" aria-label="${esc(t.menu)}" aria-expanded="false" aria-controls="sidebar">${icon.menu}</button>
  <a class="brand" href="${chrome.lang === 'en' ? 'index.html' : 'index.zh-CN.html'}"><span class="brand-mark" aria-hidden="true">⇄</span><span class="brand-text">${esc(t.bookTitle)}</span></a>
  <button class="search-open" type="button" aria-label="${esc(t.search)}" aria-keyshortcuts="/" aria-haspopup="dialog" aria-controls="search-dialog">${icon.search}<span class="search-open-text">${esc(t.search)}</span><kbd>/</kbd></button>
  <nav class="tools" aria-label="${chrome.lang === 'en' ? 'Book tools' : '工具'}">
    <a class="tool lang-switch" href="${esc(chrome.otherHref)}" hreflang="${alt}" lang="${alt}" title="${esc(STRINGS[alt].langName)}">${icon.lang}<span>${esc(STRINGS[alt].langName)}</span></a>
    <button class="tool theme-toggle" type="button" aria-label="${esc(t.themeToggle)}" title="${esc(t.themeToggle)} (t)">${icon.theme}</button>
    <a class="tool print-link" href="${chrome.lang === 'en' ? 'print.html' : 'print.zh-CN.html'}" aria-label="${esc(t.printBook)}" title="${esc(t.printBook)}">${icon.print}</a>
  </nav>
</header>
<div class="layout${aside ? ' has-toc' : ''}">
${sidebar(chrome, t)}
<main id="content" class="content" tabindex="-1">
${main}
</main>
${aside}
</div>
<div class="search-dialog" id="search-dialog" hidden role="dialog" aria-modal="true" aria-label="${esc(t.search)}">
  <div class="search-panel">
    <div class="search-field">${icon.search}<input type="search" class="search-input" id="search-input" role="combobox" aria-expanded="false" aria-controls="search-results" aria-autocomplete="list" aria-describedby="search-hint" placeholder="${esc(t.searchPlaceholder)}" aria-label="${esc(t.search)}" autocomplete="off" spellcheck="false"><button type="button" class="search-close"><kbd>Esc</kbd><span class="visually-hidden"> ${esc(t.searchClose)}</span></button></div>
    <ol class="search-results" id="search-results" role="listbox" aria-label="${esc(t.searchResults)}"></ol>
    <p class="search-status" role="status"></p>
    <p class="search-hint" id="search-hint">${esc(t.searchHint)}</p>
  </div>
</div>
<script type="application/json" id="book-strings">${scriptJson({
    copy: t.copy, copied: t.copied, progress: t.progress('{done}', '{total}'),
    searchEmpty: t.searchEmpty, searchLoading: t.searchLoading, searchCount: [t.searchCount(1), t.searchCount(2).replace('2', '{n}')],
    demoRunning: t.demoRunning,
    demoDisconnected: t.demoDisconnected,
  })}</script>
<script type="application/json" id="book-progress">${scriptJson(chrome.progress ?? {})}</script>
</body>
</html>
`;
}

function sidebar(chrome: Chrome, t: Strings): string {
  const done = (id: string): boolean => chrome.progress?.[id] === 'done';
  const items = chrome.nav.map((lesson) => {
    const current = lesson.id === chrome.currentLesson;
    return `<li class="lesson-item${current ? ' is-current' : ''}${lesson.missing ? ' is-missing' : ''}${done(lesson.id) ? ' is-done' : ''}" data-lesson="${esc(lesson.id)}">` +
      `<a href="${esc(lesson.href)}"${current ? ' aria-current="page"' : ''}><span class="lesson-num" aria-hidden="true">${String(lesson.number).padStart(2, '0')}</span>` +
      `<span class="lesson-title">${esc(lesson.title)}</span><span class="visually-hidden lesson-done-text"${done(lesson.id) ? '' : ' hidden'}> (${esc(t.doneMark)})</span></a></li>`;
  }).join('\n');
  const count = chrome.nav.filter((lesson) => done(lesson.id)).length;
  const total = chrome.nav.length;
  return `<nav id="sidebar" class="sidebar" aria-label="${esc(t.lessons)}">
<div class="progress" data-total="${total}">
  <div class="progress-head"><span class="progress-label">${esc(t.lessons)}</span><span class="progress-text">${esc(t.progress(count, total))}</span></div>
  <div class="progress-bar" role="progressbar" aria-label="${esc(t.progressName)}" aria-valuemin="0" aria-valuemax="${total}" aria-valuenow="${count}" aria-valuetext="${esc(t.progress(count, total))}"><span></span></div>
</div>
<ol class="lesson-list">
${items}
</ol>
<p class="sidebar-keys"><span>${esc(t.keyboard)}</span> ${esc(t.keys)}</p>
</nav>`;
}

export function toc(headings: Heading[], t: Strings): string {
  const items = headings
    .filter((h) => (h.level === 2 || h.level === 3) && !h.question)
    .map((h) => `<li class="toc-l${h.level}"><a href="#${esc(h.id)}">${h.html}</a></li>`)
    .join('\n');
  if (!items) return '';
  return `<aside class="toc" aria-label="${esc(t.onThisPage)}"><p class="toc-title">${esc(t.onThisPage)}</p><ol>\n${items}\n</ol></aside>`;
}

export function prevNext(t: Strings, prev: NavLesson | undefined, next: NavLesson | undefined): string {
  const link = (lesson: NavLesson | undefined, rel: 'prev' | 'next'): string => lesson
    ? `<a class="pager-${rel}" rel="${rel}" href="${esc(lesson.href)}"><span class="pager-dir">${rel === 'prev' ? `← ${esc(t.previous)}` : `${esc(t.next)} →`}</span><span class="pager-title">${esc(t.lessonN(lesson.number))} · ${esc(lesson.title)}</span></a>`
    : '<span></span>';
  return `<nav class="pager" aria-label="${esc(t.previous)} / ${esc(t.next)}">${link(prev, 'prev')}${link(next, 'next')}</nav>`;
}

/** Under a lesson: it is done when its checks pass (book.js shows which, from the learner's results). */
export function lessonCheck(t: Strings, lessonId: string, done: boolean): string {
  return `<p class="lesson-check${done ? ' is-done' : ''}" data-lesson="${esc(lessonId)}"><span class="lesson-check-todo"${done ? ' hidden' : ''}>${rich(t.checkToFinish(lessonId))}</span>` +
    `<span class="lesson-check-done"${done ? '' : ' hidden'}>${rich(t.lessonPassed(lessonId))}</span></p>`;
}

/** The live demo panel of a lesson page; it comes alive when the book is served (assets/book.js). */
export function demoPanel(t: Strings, lessonId: string, id: string, echo: boolean): string {
  const echoClient = echo ? `
<div class="echo-client" hidden>
  <h3>${esc(t.echoTitle)}</h3>
  <p>${esc(t.echoIntro)}</p>
  <div class="demo-controls">
    <button type="button" class="button" data-echo-start="learner">${esc(t.echoStartMine)}</button>
    <button type="button" class="button primary" data-echo-start="solution">${esc(t.echoStartSolution)}</button>
    <button type="button" class="button" data-echo-stop hidden>${esc(t.echoDisconnect)}</button>
    <span class="echo-status" role="status"></span>
  </div>
  <form class="echo-form" hidden><input class="echo-input" type="text" maxlength="2000" placeholder="${esc(t.echoPlaceholder)}" value="Hello WebSocket!" aria-label="${esc(t.echoPlaceholder)}"><button type="submit" class="button primary">${esc(t.echoSend)}</button></form>
  <ol class="echo-log transcript" aria-live="polite" tabindex="0" aria-label="${esc(t.echoTitle)}"></ol>
</div>` : '';
  return `<section class="demo" data-lesson="${esc(lessonId)}" aria-labelledby="${esc(id)}">
<h2 id="${esc(id)}"><a class="anchor" href="#${esc(id)}" aria-hidden="true" tabindex="-1">#</a>${esc(t.demoTitle)}</h2>
<p>${esc(t.demoIntro)}</p>
<p class="demo-offline">${rich(t.demoOffline.replace('{id}', lessonId))}</p>
<div class="demo-live" hidden>
  <div class="demo-controls">
    <button type="button" class="button" data-run="learner">▶ ${esc(t.demoRunMine)}</button>
    <button type="button" class="button primary" data-run="solution">▶ ${esc(t.demoRunSolution)}</button>
    <button type="button" class="button" data-stop hidden>■ ${esc(t.demoStop)}</button>
    <span class="demo-status" role="status"></span>
  </div>
  <div class="transcript demo-transcript" role="log" tabindex="0" aria-label="${esc(t.demoTitle)}" hidden></div>
</div>${echoClient}
</section>
`;
}
