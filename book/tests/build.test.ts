// The book's build: every lesson in both languages, every link and included file real, both
// languages searchable, raw HTML never passed through.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessonDir, lessonFolder, lessons, ROOT, solutionDir } from '../../checks/lessons.ts';
import { buildBook, lessonPage, type BuildResult } from '../src/site.ts';

const outDir = join(ROOT, '.workbook', `book-build-test-${process.pid}`);
let result: BuildResult;
const html = (file: string): string => readFileSync(join(outDir, file), 'utf8');

// How fast the build is belongs to a benchmark (npm run bench:book), not to a test.
beforeAll(() => {
  result = buildBook({ outDir });
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the build', () => {
  it('finishes without errors (broken links, missing includes, diagram mistakes)', () => {
    // Lessons named but not published have their own test, below, which names each line.
    const errors = result.errors.filter((error) => !result.mentions.includes(error));
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('names only lessons that exist: every "lesson NN", "lesson-NN" and "第 NN 课" in a README is published', () => {
    for (const error of result.mentions) expect(result.errors).toContain(error);
    expect(result.mentions, `change these lines:\n${result.mentions.join('\n')}`).toEqual([]);
  });

  it('writes a landing page and a print view in both languages', () => {
    for (const file of ['index.html', 'index.zh-CN.html', 'print.html', 'print.zh-CN.html']) expect(existsSync(join(outDir, file)), file).toBe(true);
    const print = html('print.html');
    for (const lesson of lessons) expect(print.includes(`id="${lessonFolder(lesson)}"`), `${lesson.id} in the print view`).toBe(true);
  });
});

describe.each(lessons.map((lesson) => [lesson.id, lesson] as const))('%s', (_id, lesson) => {
  const folder = lessonFolder(lesson);

  it('has an English and a Chinese explainer', () => {
    expect(existsSync(join(lessonDir(lesson), 'README.md')), `${folder}/README.md`).toBe(true);
    expect(existsSync(join(lessonDir(lesson), 'README.zh-CN.md')), `${folder}/README.zh-CN.md`).toBe(true);
  });

  it.each([['en', 'README.md', /^## Self-test\s*$/m], ['zh-CN', 'README.zh-CN.md', /^## 自测\s*$/m]] as const)(
    'renders the %s page from its own %s, with self-test answers behind a reveal',
    (lang, readme, selfTest) => {
      const page = result.pages.find((p) => p.kind === 'lesson' && p.lesson === lesson.id && p.lang === lang);
      expect(page?.source, `the ${lang} page of ${lesson.id} was rendered from ${page?.source ?? 'nothing'}`).toBe(join(lessonDir(lesson), readme));
      expect(page?.fallback).toBe(false);
      const text = html(lessonPage(lesson, lang));
      expect(text.includes(`<html lang="${lang}">`), `the page says lang="${lang}"`).toBe(true);
      expect(selfTest.test(readFileSync(join(lessonDir(lesson), readme), 'utf8')), `${readme} has a ${selfTest.source} section`).toBe(true);
      expect(/<details class="qa" id="[^"]+"><summary>/.test(text), 'the self-test questions are reveals').toBe(true);
      // The language switch goes to the same lesson in the other language.
      expect(text.includes(`class="tool lang-switch" href="${lessonPage(lesson, lang === 'en' ? 'zh-CN' : 'en')}"`), 'the language switch keeps the lesson').toBe(true);
    },
  );

  it.each(['en', 'zh-CN'] as const)('shows every starter file and its reference solution, from the real files (%s)', (lang) => {
    const text = html(lessonPage(lesson, lang));
    for (const file of lesson.files) {
      const starter = `lessons/${folder}/${file}`;
      const solution = `solutions/${folder}/${file}`;
      expect(text.includes(`<figure class="code-file" data-path="${starter}">`), `${starter} is included`).toBe(true);
      expect(text.includes(`<figure class="code-file is-solution" data-path="${solution}">`), `${solution} is included`).toBe(true);
      expect(existsSync(join(solutionDir(lesson), file))).toBe(true);
    }
    // Solutions sit behind a reveal.
    const solutions = text.match(/<figure class="code-file is-solution"/g)?.length ?? 0;
    const revealed = text.match(/<details class="solution"><summary>[^]*?<figure class="code-file is-solution"/g)?.length ?? 0;
    expect(revealed).toBe(solutions);
  });
});

describe('links and includes', () => {
  const ids = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let set = ids.get(file);
    if (!set) ids.set(file, (set = new Set([...html(file).matchAll(/\sid="([^"]+)"/g)].map((m) => decode(m[1]!)))));
    return set;
  };
  const decode = (text: string): string => text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

  it('every internal link and asset in every page resolves (anchors included)', () => {
    const broken: string[] = [];
    const pages = readdirSync(outDir).filter((file) => file.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(lessons.length * 2);
    for (const file of pages) {
      for (const [, attr, raw] of html(file).matchAll(/\s(href|src)="([^"]*)"/g)) {
        const target = decode(raw!);
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target === '') continue;
        const [path = '', hash] = target.split('#');
        const targetFile = path === '' ? file : path;
        if (!existsSync(join(outDir, targetFile))) {
          broken.push(`${file}: ${attr}="${target}" (no such file)`);
        } else if (hash && targetFile.endsWith('.html') && !idsOf(targetFile).has(decodeURIComponent(hash))) {
          broken.push(`${file}: ${attr}="${target}" (no such heading)`);
        }
      }
    }
    expect(broken, broken.join('\n')).toEqual([]);
  });

  it("every ':include' in every README names a file (and region) that exists", () => {
    const missing: string[] = [];
    for (const lesson of lessons) {
      for (const readme of ['README.md', 'README.zh-CN.md']) {
        const path = join(lessonDir(lesson), readme);
        if (!existsSync(path)) continue;
        for (const [, href] of readFileSync(path, 'utf8').matchAll(/\]\(([^)\s]+)\s+[':"]:include['"]\)/g)) {
          const [file = '', region] = href!.split('#');
          const full = join(lessonDir(lesson), file);
          if (!existsSync(full)) missing.push(`${lessonFolder(lesson)}/${readme}: ${href} (no such file)`);
          else if (region && !new RegExp(`#region\\s+${region.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(readFileSync(full, 'utf8'))) {
            missing.push(`${lessonFolder(lesson)}/${readme}: ${href} (no such region)`);
          }
        }
      }
    }
    expect(missing, missing.join('\n')).toEqual([]);
    for (const file of result.includes) expect(existsSync(file), file).toBe(true);
  });
});

describe('search', () => {
  type Result = { url: string; lang: string };
  let search: (query: string, lang: string) => Result[];
  beforeAll(() => {
    const context: { window: Record<string, unknown> } = { window: {} };
    runInNewContext(readFileSync(join(outDir, 'assets', 'search-index.js'), 'utf8'), context);
    runInNewContext(readFileSync(join(outDir, 'assets', 'search.js'), 'utf8'), context);
    const api = context.window.BookSearch as { search: (index: unknown, q: string, lang: string, limit: number) => Result[] };
    search = (query, lang) => api.search(context.window.BOOK_SEARCH_INDEX, query, lang, 12);
  });

  it('indexes every lesson in both languages', () => {
    for (const lesson of lessons) {
      for (const lang of ['en', 'zh-CN'] as const) {
        const page = lessonPage(lesson, lang);
        expect(result.search.docs.some((doc) => doc.lang === lang && doc.url.split('#')[0] === page), `${page} in the index`).toBe(true);
      }
    }
  });

  it('finds lesson 07 first for "heartbeat" and for "心跳"', () => {
    expect(search('heartbeat', 'en')[0]?.url.split('#')[0]).toBe('lesson-07-heartbeat-reconnect.html');
    expect(search('心跳', 'zh-CN')[0]?.url.split('#')[0]).toBe('lesson-07-heartbeat-reconnect.zh-CN.html');
    // From an English page, a Chinese query still finds the Chinese lesson.
    expect(search('心跳', 'en')[0]?.url.split('#')[0]).toBe('lesson-07-heartbeat-reconnect.zh-CN.html');
  });

  it("shows the term in every result's snippet, for words and beginnings of words across the whole index", () => {
    const context: { window: Record<string, unknown> } = { window: {} };
    runInNewContext(readFileSync(join(outDir, 'assets', 'search.js'), 'utf8'), context);
    type Found = { snippet: string; url: string };
    const api = context.window.BookSearch as {
      search: (index: unknown, q: string, lang: string, limit: number) => Found[];
      terms: (q: string) => { cjk: boolean; text: string; keys: string[] }[];
    };
    const index = result.search;
    const vocabulary = Object.keys(index.terms);
    // Every 9th word of the index, and the first four letters of every 9th Latin word.
    const queries = new Set<string>();
    vocabulary.forEach((word, i) => {
      if (i % 9 === 0) queries.add(word);
      if (i % 9 === 4 && /^[a-z]{5,}$/.test(word)) queries.add(word.slice(0, 4));
    });
    queries.add('心跳').add('服务器').add('createSer').add('terminate close');
    expect(queries.size).toBeGreaterThan(200);
    const missing: string[] = [];
    for (const query of queries) {
      const needles = new Set(api.terms(query).flatMap((t) => (t.cjk ? [t.text, ...t.keys] : [t.text])).map((n) => n.toLowerCase()));
      for (const found of api.search(index, query, 'en', 12)) {
        const marks = [...found.snippet.matchAll(/<mark>([^<]*)<\/mark>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").toLowerCase());
        if (!marks.some((mark) => [...needles].some((needle) => mark.includes(needle)))) missing.push(`"${query}" → ${found.url}: ${found.snippet}`);
      }
    }
    expect(missing.slice(0, 20), `${missing.length} snippets without their term`).toEqual([]);
  });

  it('finds Chinese words the segmenter splits, and Latin words by their beginning', () => {
    // Intl.Segmenter cuts 服务器 into 服务|器; the bigram index still finds the whole word.
    expect(search('服务器', 'zh-CN').length).toBeGreaterThan(0);
    expect(search('握手', 'zh-CN').length).toBeGreaterThan(0);
    expect(search('createSer', 'en').length).toBeGreaterThan(0);
    expect(search('terminate close', 'en').every((r) => r.url.length > 0)).toBe(true);
    expect(search('qqqzzzxxx', 'en')).toEqual([]);
  });
});

describe("the learner's progress", () => {
  it('comes from the check runner, embedded as of the build; the book has no "mark as done" of its own', () => {
    expect(Object.keys(result.progress).sort()).toEqual(lessons.map((l) => l.id).sort());
    for (const file of readdirSync(outDir).filter((f) => f.endsWith('.html'))) {
      const text = html(file);
      const embedded = /<script type="application\/json" id="book-progress">([^<]*)<\/script>/.exec(text)?.[1];
      expect(embedded, file).toBeDefined();
      expect(JSON.parse(embedded!), file).toEqual(result.progress);
      expect(text, file).not.toContain('mark-done');
    }
    for (const lesson of lessons) {
      for (const lang of ['en', 'zh-CN'] as const) expect(html(lessonPage(lesson, lang))).toContain(`npm run check ${lesson.id}`);
    }
  });
});

describe('safe output', () => {
  it('renders raw HTML and script links from markdown as text', async () => {
    const dir = join(ROOT, '.workbook', `book-safe-test-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const { createMarkdown } = await import('../src/markdown.ts');
      const { STRINGS } = await import('../src/i18n.ts');
      const md = createMarkdown();
      const env = {
        root: ROOT, source: join(dir, 'README.md'), lang: 'en' as const, t: STRINGS.en, anchorPrefix: '', print: false,
        pageFor: () => undefined, filePage: () => 'x.html', media: () => 'm',
        headings: [], includes: [], links: [], errors: [] as string[], sections: [],
      };
      const out = md.render('# T\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) <b>bold</b>\n', env);
      expect(out).not.toMatch(/<script|<img|<b>|href="javascript:/i);
      expect(out).toContain('&lt;script&gt;');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the served book allows, and how pages read', () => {
  const pages = (): string[] => readdirSync(outDir).filter((file) => file.endsWith('.html'));

  it('writes no style attribute (the served CSP allows none): table alignment is a class', () => {
    const styled = pages().flatMap((file) => [...html(file).matchAll(/<[^>]*\sstyle="[^"]*"/g)].map((m) => `${file}: ${m[0].slice(0, 80)}`));
    expect(styled, styled.join('\n')).toEqual([]);
    // Lesson 08's number columns are right-aligned (`|---:|`), by class.
    const lesson08 = html(lessonPage(lessons.find((l) => l.id === 'lesson-08')!, 'en'));
    if (/\|\s*-+:\s*\|/.test(readFileSync(join(lessonDir(lessons.find((l) => l.id === 'lesson-08')!), 'README.md'), 'utf8'))) {
      expect(lesson08).toMatch(/<td class="align-right">/);
    }
    expect(readFileSync(join(outDir, 'assets', 'book.css'), 'utf8')).toContain('td.align-right');
  });

  it('never turns a self-test answer into a list because it starts with a number', () => {
    for (const file of pages()) {
      expect(html(file), file).not.toMatch(/<div class="qa-a">\s*<ol/);
    }
  });

  it('numbers lessons like their ids (01, 02 …) everywhere: titles, pager, cards, print contents', () => {
    for (const file of pages()) {
      const text = html(file);
      expect(text.match(/Lesson \d(?!\d)/g) ?? [], file).toEqual([]);
      expect(text.match(/第 \d(?!\d) 课/g) ?? [], file).toEqual([]);
    }
    expect(html('index.html')).toContain('<span class="card-num">Lesson 02</span>');
    expect(html(lessonPage(lessons[0]!, 'en'))).toMatch(/<span class="pager-title">Lesson 02 · /);
  });

  it("links every source-file page back to the lessons that link to it, and has a 404 page in both languages", () => {
    const files = pages().filter((file) => file.startsWith('file-'));
    for (const file of files) {
      expect(html(file), file).toMatch(/<p class="source-back">[^<]*<a href="lesson-\d\d-[\w-]+(\.zh-CN)?\.html">/);
    }
    expect(html('404.html')).toContain('<html lang="en">');
    expect(html('404.zh-CN.html')).toContain('<html lang="zh-CN">');
    expect(result.pages.filter((p) => p.kind === 'not-found').map((p) => p.file).sort()).toEqual(['404.html', '404.zh-CN.html']);
  });
});
