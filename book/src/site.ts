// Builds the whole site: a landing page, one page per lesson and language, the one-page print
// view, pages for linked source files, the search index and the assets.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lessons as allLessons, lessonDir, lessonFolder, ROOT, type Lesson } from '../../checks/lessons.ts';
import { highlight, languageFor, loadHighlightCache, saveHighlightCache } from './highlight.ts';
import { esc } from './html.ts';
import { LANGS, STRINGS, type Lang } from './i18n.ts';
import { createMarkdown, type Heading, type LinkRef, type RenderEnv } from './markdown.ts';
import { missingLessonErrors } from './mentions.ts';
import { learnerProgress, type Progress } from './progress.ts';
import { buildSearchIndex, searchIndexScript, type SearchDoc, type SearchIndex } from './search.ts';
import { demoPanel, lessonCheck, page, prevNext, rich, toc, type NavLesson } from './templates.ts';

export const BOOK_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const DEFAULT_OUT = join(BOOK_DIR, 'site');
const ASSETS = join(BOOK_DIR, 'assets');
/** The id of the live demo section on every lesson page. */
export const DEMO_ID = 'run-it';

export interface BuildOptions {
  outDir?: string;
  root?: string;
  lessons?: readonly Lesson[];
}

export interface PageRecord {
  file: string;
  kind: 'landing' | 'lesson' | 'print' | 'file' | 'not-found';
  lang: Lang;
  lesson?: string;
  /** The markdown file the page was rendered from (absent for a lesson not written yet). */
  source?: string;
  /** The page shows the other language's text, because this one's README does not exist yet. */
  fallback?: boolean;
  ids: Set<string>;
}

export interface BuildResult {
  outDir: string;
  pages: PageRecord[];
  errors: string[];
  /** The errors that name a lesson the course does not have ("lesson 16"); also in errors. */
  mentions: string[];
  warnings: string[];
  /** The learner's results as of the build, embedded in every page (progress.ts). */
  progress: Progress;
  /** Every file shown by an ':include'. */
  includes: string[];
  search: SearchIndex;
  ms: number;
}

const README: Record<Lang, string> = { en: 'README.md', 'zh-CN': 'README.zh-CN.md' };
const suffix = (lang: Lang): string => (lang === 'en' ? '' : `.${lang}`);
export const lessonPage = (lesson: Lesson, lang: Lang): string => `${lessonFolder(lesson)}${suffix(lang)}.html`;
const landingPage = (lang: Lang): string => `index${suffix(lang)}.html`;
const printPage = (lang: Lang): string => `print${suffix(lang)}.html`;
/** What the book server answers for an address the book does not have. */
export const notFoundPage = (lang: Lang): string => `404${suffix(lang)}.html`;
const number = (lesson: Lesson): number => Number(lesson.id.replace(/^\D+/, ''));
const otherLang = (lang: Lang): Lang => (lang === 'en' ? 'zh-CN' : 'en');

export function buildBook(options: BuildOptions = {}): BuildResult {
  const started = performance.now();
  const root = options.root ?? ROOT;
  const outDir = resolve(options.outDir ?? DEFAULT_OUT);
  const lessons = options.lessons ?? allLessons;
  const md = createMarkdown();
  const errors: string[] = [];
  const warnings: string[] = [];
  const includes = new Set<string>();
  const files = new Map<string, string>(); // output file → content
  const pages: PageRecord[] = [];
  const links: { from: PageRecord; link: LinkRef }[] = [];
  const linkedFiles = new Map<string, { path: string; lang: Lang }>();
  /** For each linked file, the lessons whose READMEs link to it (its page links back to them). */
  const linkedFrom = new Map<string, Set<Lesson>>();
  const media = new Map<string, string>();
  const docs: SearchDoc[] = [];
  const highlightCache = join(root, 'node_modules', '.cache', 'websocket-workbook-book', 'highlight.json');
  loadHighlightCache(highlightCache);

  const dirOf = (lesson: Lesson): string => (options.root ? join(root, 'lessons', lessonFolder(lesson)) : lessonDir(lesson));
  const sourceOf = (lesson: Lesson, lang: Lang): string | undefined => {
    const path = join(dirOf(lesson), README[lang]);
    return existsSync(path) ? path : undefined;
  };
  const pageFor = (path: string, lang: Lang): string | undefined => {
    const dir = /README(\.[\w-]+)?\.md$/i.test(path) ? dirname(path) : path.replace(/[\\/]+$/, '');
    if (dir === root && /README\.md$/i.test(path)) return landingPage(lang);
    const lesson = lessons.find((l) => dirOf(l) === dir);
    return lesson ? lessonPage(lesson, lang) : undefined;
  };
  // The learner's results as of now; the served book reads them live (/__book/progress).
  const progress = learnerProgress(lessons, dirOf);
  const nav = (lang: Lang): NavLesson[] => lessons.map((lesson) => ({
    id: lesson.id,
    number: number(lesson),
    title: lang === 'en' ? lesson.title : lesson.titleZh,
    href: lessonPage(lesson, lang),
    missing: !sourceOf(lesson, 'en') && !sourceOf(lesson, 'zh-CN'),
  }));

  const render = (source: string, lang: Lang, extra: Partial<RenderEnv>): { html: string; env: RenderEnv } => {
    const env: RenderEnv = {
      root, source, lang, t: STRINGS[lang], anchorPrefix: '', print: false,
      pageFor,
      filePage: (path) => {
        const name = `file-${relative(root, path).split(sep).join('--')}${suffix(lang)}.html`;
        linkedFiles.set(name, { path, lang });
        const lesson = lessons.find((l) => dirOf(l) === dirname(source));
        if (lesson) linkedFrom.set(path, (linkedFrom.get(path) ?? new Set()).add(lesson));
        return name;
      },
      media: (path) => {
        const name = `media/${relative(root, path).split(sep).join('--')}`;
        media.set(name, path);
        return name;
      },
      headings: [], includes: [], links: [], errors: [], sections: [],
      ...extra,
    };
    const html = md.render(readFileSync(source, 'utf8'), env);
    errors.push(...env.errors);
    for (const file of env.includes) includes.add(file);
    return { html, env };
  };

  const summaries = new Map<string, string>();

  // ---- lesson pages ----
  for (const lang of LANGS) {
    const t = STRINGS[lang];
    const navList = nav(lang);
    lessons.forEach((lesson, i) => {
      const file = lessonPage(lesson, lang);
      const own = sourceOf(lesson, lang);
      const source = own ?? sourceOf(lesson, otherLang(lang));
      const record: PageRecord = { file, kind: 'lesson', lang, lesson: lesson.id, source, fallback: !own && !!source, ids: new Set(['content']) };
      pages.push(record);
      const navTitle = navList[i]!.title;
      let article: string;
      let headings: Heading[] = [];
      let title = `${t.lessonN(number(lesson))} · ${navTitle}`;
      if (source) {
        const demo = demoPanel(t, lesson.id, DEMO_ID, lesson.id === 'lesson-01');
        const { html, env } = render(source, lang, { beforeSelfTest: { id: DEMO_ID, text: t.demoTitle, html: demo } });
        headings = env.headings;
        title = headings.find((h) => h.level === 1)?.text ?? title;
        for (const h of headings) record.ids.add(h.id);
        for (const link of env.links) links.push({ from: record, link });
        const notice = record.fallback
          ? `<p class="notice notice-fallback" lang="${lang}">${esc(t.fallbackNotice(lang === 'en' ? 'Chinese' : '英文'))}</p>\n`
          : '';
        if (record.fallback) warnings.push(`${lessonFolder(lesson)}: no ${README[lang]} yet; the ${lang} page shows the other language.`);
        article = `${notice}<article class="lesson"${record.fallback ? ` lang="${otherLang(lang)}"` : ''}>\n${html}</article>`;
        if (!record.fallback) {
          summaries.set(`${lesson.id}:${lang}`, summaryOf(env));
          for (const section of env.sections) {
            const text = section.text.join(' ').replace(/\s+/g, ' ').trim();
            if (!text && !section.heading) continue;
            docs.push({ url: section.id ? `${file}#${section.id}` : file, lang, lesson: t.lessonN(number(lesson)), page: navTitle, heading: section.heading, text });
          }
        }
      } else {
        warnings.push(`${lessonFolder(lesson)}: no README yet; its pages say the lesson is being written.`);
        article = `<article class="lesson"><h1>${esc(title)}</h1><p class="notice">${esc(t.missingNotice)}</p></article>`;
      }
      const main = `${article}\n${lessonCheck(t, lesson.id, progress[lesson.id] === 'done')}\n${prevNext(t, navList[i - 1], navList[i + 1])}`;
      files.set(file, page({
        lang, title: `${title} · ${t.bookTitle}`, href: file, otherHref: lessonPage(lesson, otherLang(lang)), nav: navList, progress,
        currentLesson: lesson.id, bodyClass: 'page-lesson',
        data: { lesson: lesson.id, prev: navList[i - 1]?.href ?? '', next: navList[i + 1]?.href ?? '' },
      }, main, toc(headings, t)));
    });
  }

  // ---- landing pages ----
  for (const lang of LANGS) {
    const t = STRINGS[lang];
    const navList = nav(lang);
    const file = landingPage(lang);
    pages.push({ file, kind: 'landing', lang, ids: new Set(['content', 'lessons']) });
    const cards = navList.map((lesson) => {
      const summary = summaries.get(`${lesson.id}:${lang}`) ?? summaries.get(`${lesson.id}:${otherLang(lang)}`) ?? '';
      return `<li class="card${lesson.missing ? ' is-missing' : ''}${progress[lesson.id] === 'done' ? ' is-done' : ''}" data-lesson="${esc(lesson.id)}"><a href="${esc(lesson.href)}">` +
        `<span class="card-num">${esc(t.lessonN(lesson.number))}</span><span class="card-title">${esc(lesson.title)}</span>` +
        `${summary ? `<span class="card-summary">${esc(summary)}</span>` : ''}${lesson.missing ? `<span class="card-tag">${esc(t.missingNotice)}</span>` : ''}</a></li>`;
    }).join('\n');
    const first = navList[0];
    const main = `<div class="landing">
<section class="hero">
<p class="hero-kicker">${esc(t.bookSubtitle)}</p>
<h1>${esc(t.bookTitle)}</h1>
<p class="hero-intro">${esc(t.landingIntro)}</p>
<p class="hero-actions">${first ? `<a class="button primary start-link" href="${esc(first.href)}">${esc(t.startCourse)} →</a>` : ''}<a class="button continue-link" hidden href="#">${esc(t.continueWith)}</a></p>
</section>
<section class="how"><h2>${esc(t.landingHow)}</h2><ol class="steps">${t.landingSteps.map((step) => `<li>${rich(step)}</li>`).join('')}</ol></section>
<section><h2 id="lessons">${esc(t.landingLessons)}</h2><ol class="cards">
${cards}
</ol></section>
</div>`;
    files.set(file, page({ lang, title: `${t.bookTitle} · ${t.bookSubtitle}`, href: file, otherHref: landingPage(otherLang(lang)), nav: navList, progress, bodyClass: 'page-landing', data: { next: first?.href ?? '' } }, main));
  }

  // ---- the whole book on one page ----
  for (const lang of LANGS) {
    const t = STRINGS[lang];
    const navList = nav(lang);
    const file = printPage(lang);
    const record: PageRecord = { file, kind: 'print', lang, ids: new Set(['content']) };
    pages.push(record);
    const sections = lessons.map((lesson, i) => {
      const folder = lessonFolder(lesson);
      record.ids.add(folder);
      const source = sourceOf(lesson, lang) ?? sourceOf(lesson, otherLang(lang));
      if (!source) return `<section class="print-lesson" id="${folder}"><h1>${esc(`${t.lessonN(number(lesson))} · ${navList[i]!.title}`)}</h1><p class="notice">${esc(t.missingNotice)}</p></section>`;
      const { html, env } = render(source, lang, { print: true, anchorPrefix: `${folder}--` });
      for (const h of env.headings) record.ids.add(h.id);
      for (const link of env.links) links.push({ from: record, link });
      return `<section class="print-lesson" id="${folder}"><article class="lesson">\n${html}</article></section>`;
    });
    const contents = navList.map((lesson) => `<li><a href="#${esc(lessonFolder(lessons.find((l) => l.id === lesson.id)!))}">${esc(t.lessonN(lesson.number))} · ${esc(lesson.title)}</a></li>`).join('');
    const main = `<header class="print-cover"><h1>${esc(t.bookTitle)}</h1><p class="hero-kicker">${esc(t.bookSubtitle)}</p><p class="print-intro">${esc(t.printIntro)} <button type="button" class="button print-now">${esc(t.printNow)}</button></p><ol class="print-contents">${contents}</ol></header>\n${sections.join('\n')}`;
    files.set(file, page({ lang, title: `${t.printTitle} · ${t.bookTitle}`, href: file, otherHref: printPage(otherLang(lang)), nav: navList, progress, bodyClass: 'page-print' }, main));
  }

  // ---- pages for source files that lessons link to (not include) ----
  for (const [file, { path, lang }] of linkedFiles) {
    const t = STRINGS[lang];
    const shown = relative(root, path).split(sep).join('/');
    const language = languageFor(path);
    pages.push({ file, kind: 'file', lang, ids: new Set(['content']) });
    const otherName = file.replace(/(\.zh-CN)?\.html$/, `${suffix(otherLang(lang))}.html`);
    if (!linkedFiles.has(otherName)) linkedFiles.set(otherName, { path, lang: otherLang(lang) });
    const from = lessons.filter((lesson) => linkedFrom.get(path)?.has(lesson));
    const back = from.length
      ? `<p class="source-back">${esc(t.linkedFrom)} ${from.map((lesson) =>
        `<a href="${esc(lessonPage(lesson, lang))}">← ${esc(t.lessonN(number(lesson)))} · ${esc(lang === 'en' ? lesson.title : lesson.titleZh)}</a>`).join(' ')}</p>\n`
      : '';
    const main = `<article class="lesson source-file">${back}<p class="hero-kicker">${esc(t.sourceOf)}</p><h1><code>${esc(shown)}</code></h1>
<figure class="code-file" data-path="${esc(shown)}"><figcaption><span class="file-name">${esc(basename(path))}</span><span class="file-path">${esc(shown)}</span><button class="copy" type="button" data-copied="${esc(t.copied)}">${esc(t.copy)}</button></figcaption>
<pre><code class="hljs language-${language ?? 'text'}">${highlight(readFileSync(path, 'utf8').replace(/\n$/, ''), language)}</code></pre></figure></article>`;
    files.set(file, page({ lang, title: `${shown} · ${t.bookTitle}`, href: file, otherHref: otherName, nav: nav(lang), progress, bodyClass: 'page-file' }, main));
  }

  // ---- the page for an address the book does not have (served by the book server) ----
  for (const lang of LANGS) {
    const t = STRINGS[lang];
    const file = notFoundPage(lang);
    pages.push({ file, kind: 'not-found', lang, ids: new Set(['content']) });
    const main = `<article class="lesson not-found"><p class="hero-kicker">404</p><h1>${esc(t.notFoundTitle)}</h1>
<p>${esc(t.notFoundText)}</p>
<p><a class="button primary" href="${landingPage(lang)}">${esc(t.notFoundHome)} →</a></p></article>`;
    files.set(file, page({ lang, title: `${t.notFoundTitle} · ${t.bookTitle}`, href: file, otherHref: notFoundPage(otherLang(lang)), nav: nav(lang), progress, bodyClass: 'page-not-found' }, main));
  }

  // ---- every internal link must land on a page and, if it names one, a heading ----
  // (The print view's links are the same links again; the build test crawls it separately.)
  const byFile = new Map(pages.map((p) => [p.file, p]));
  for (const { from, link } of links) {
    if (from.kind === 'print') continue;
    const target = link.page ? byFile.get(link.page) : from;
    if (!target) errors.push(`${link.from}: the link "${link.href}" points to ${link.page}, which the book does not have.`);
    else if (link.anchor && !target.ids.has(link.anchor)) {
      errors.push(`${link.from}: the link "${link.href}" names a heading that does not exist (no #${link.anchor} in ${target.file}).`);
    }
  }

  // ---- every lesson a README names by number must exist ----
  const numbers = lessons.map(number);
  const mentions: string[] = [];
  for (const lesson of lessons) {
    for (const lang of LANGS) {
      const source = sourceOf(lesson, lang);
      if (source) mentions.push(...missingLessonErrors(relative(root, source).split(sep).join('/'), readFileSync(source, 'utf8'), numbers));
    }
  }
  errors.push(...mentions);

  const search = buildSearchIndex(docs);
  files.set('assets/search-index.js', searchIndexScript(search));
  writeSite(outDir, files, media);
  saveHighlightCache(highlightCache);
  return { outDir, pages, errors: [...new Set(errors)], mentions, warnings, progress, includes: [...includes], search, ms: performance.now() - started };
}

/** The first paragraph of a lesson, as plain text, for its card on the landing page. */
function summaryOf(env: RenderEnv): string {
  const intro = env.sections.find((section) => section.id === '' && section.text.length > 0);
  const text = (intro?.text[0] ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 240 ? `${text.slice(0, 237).replace(/\s+\S*$/, '')}…` : text;
}

/** Writes the site in place and removes what the previous build left that this one did not write. */
function writeSite(outDir: string, files: Map<string, string>, media: Map<string, string>): void {
  const written = new Set<string>();
  const write = (name: string, content: string | Buffer): void => {
    writeFileSync(join(outDir, name), content);
    written.add(name);
  };
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  for (const name of readdirSync(ASSETS)) {
    if (statSync(join(ASSETS, name)).isFile()) write(`assets/${name}`, readFileSync(join(ASSETS, name)));
  }
  if (media.size) mkdirSync(join(outDir, 'media'), { recursive: true });
  for (const [name, path] of media) write(name, readFileSync(path));
  for (const [name, content] of files) write(name, content);
  for (const dir of ['', 'assets', 'media']) {
    if (!existsSync(join(outDir, dir))) continue;
    for (const name of readdirSync(join(outDir, dir))) {
      const rel = dir ? `${dir}/${name}` : name;
      if (!written.has(rel) && statSync(join(outDir, rel)).isFile()) rmSync(join(outDir, rel));
    }
  }
}
