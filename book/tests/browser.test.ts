// The book in a real browser: Debian's Chromium driven by playwright-core. Opened from the file
// system it follows the sidebar, searches in English and Chinese, switches language and theme;
// served by the book server it runs lesson 03's demo and sees the poem arrive line by line.
// The keyboard, the search dialog, the phone-sized menu, print, and the learner's real progress
// are tried by hand, with axe-core on the states they open. sweep.test.ts visits every page.
// Screenshots go to book/screenshots/ (ignored by git).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessonDir, lessons, ROOT } from '../../checks/lessons.ts';
import { lessonKey } from '../../checks/cli/status-cache.ts';
import { serveBook, type BookServer } from '../serve/server.ts';
import { buildBook, type BuildResult } from '../src/site.ts';
import { readIncluded } from '../src/include.ts';
import { axeProblems as axeOn, setTheme as themeOn } from './axe.ts';
import { CHROMIUM, chromiumInstalled, launchChromium, type Browser } from '../../checks/chromium.ts';

const SHOTS = join(ROOT, 'book', 'screenshots');
const outDir = join(ROOT, '.workbook', `book-browser-test-${process.pid}`);
// The learner's results the book reads: a scratch state file (checks/cli/state.ts honours it).
const stateFile = join(ROOT, '.workbook', `book-browser-state-${process.pid}.json`);
const lesson = (id: string): (typeof lessons)[number] => lessons.find((l) => l.id === id)!;

/**
 * Writes a check runner's state: each lesson's last result, keyed like status-cache.ts does by
 * the hash of its files as they are now; `stale` results carry a key from files since changed.
 */
function writeState(results: Record<string, 'done' | 'started' | 'stale-done'>): void {
  const statuses: Record<string, { key: string; state: string; passedChecks: number }> = {};
  for (const [id, result] of Object.entries(results)) {
    const dir = lessonDir(lesson(id));
    statuses[dir] = { key: result === 'stale-done' ? 'files-changed-since' : lessonKey(dir), state: result === 'started' ? 'started' : 'done', passedChecks: 3 };
  }
  mkdirSync(dirname(stateFile), { recursive: true }); // a fresh clone has no .workbook/ yet
  writeFileSync(stateFile, JSON.stringify({ statuses }));
}

const present = chromiumInstalled();
const required = process.env.CI === 'true';

if (!present) {
  const say = required ? 'fails: CI=true requires it' : 'was NOT run';
  console.warn(`\n  The book's browser test ${say}: there is no Chromium at ${CHROMIUM}.\n  Install Debian's package (apt-get install chromium) to run it.\n`);
}

if (!present && required) {
  describe('the book in a real browser', () => {
    it('needs Chromium in CI', () => {
      expect.fail(`CI=true but there is no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does).`);
    });
  });
} else if (!present) {
  describe.skip(`the book in a real browser: NOT RUN, no Chromium at ${CHROMIUM}`, () => {
    it('install chromium (apt-get install chromium) to run it', () => undefined);
  });
}

describe.runIf(present)('the book in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let server: BookServer | undefined;
  let built: BuildResult;
  const offsite: string[] = [];
  const pageErrors: string[] = [];
  const stateBefore = process.env.WORKBOOK_STATE;

  beforeAll(async () => {
    // Lesson 01 passes, lesson 02 is started, lesson 03 passed with files that have changed since.
    process.env.WORKBOOK_STATE = stateFile;
    writeState({ 'lesson-01': 'done', 'lesson-02': 'started', 'lesson-03': 'stale-done' });
    built = buildBook({ outDir });
    // A lesson named but not written yet is the READMEs' to fix (build.test.ts says which lines);
    // it does not stop the pages from being tried here.
    const errors = built.errors.filter((error) => !built.mentions.includes(error));
    expect(errors, errors.join('\n')).toEqual([]);
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // Nothing may come from the network: only the book's files and the loopback server.
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('file://') && !/^(http|ws):\/\/127\.0\.0\.1:\d+\//.test(url) && !url.startsWith('data:')) offsite.push(url);
    });
    // Script errors and Content-Security-Policy violations show up here.
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${page.url()}: ${message.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await browser?.close();
    rmSync(outDir, { recursive: true, force: true });
    rmSync(stateFile, { force: true });
    if (stateBefore === undefined) delete process.env.WORKBOOK_STATE;
    else process.env.WORKBOOK_STATE = stateBefore;
  });

  const fileUrl = (name: string): string => pathToFileURL(join(outDir, name)).href;
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const setTheme = (theme: 'light' | 'dark'): Promise<void> => themeOn(page, theme);
  const axeProblems = (label: string): Promise<string[]> => axeOn(page, label);
  const focused = (): Promise<{ tag: string; inDialog: boolean; inSidebar: boolean; left: number; right: number; text: string }> => page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const box = el?.getBoundingClientRect();
    return {
      tag: el?.tagName ?? '', inDialog: !!el?.closest('.search-dialog'), inSidebar: !!el?.closest('#sidebar'),
      left: box?.left ?? 0, right: box?.right ?? 0, text: (el?.className || el?.textContent || '').toString().slice(0, 60),
    };
  });

  it('opens from the file system and follows the sidebar to lesson-04', async () => {
    await page.goto(fileUrl('index.html'));
    await setTheme('light');
    await shot('landing-light');
    await page.click('.sidebar a[href="lesson-04-async-pitfalls.html"]');
    await page.waitForURL(/lesson-04-async-pitfalls\.html$/);
    expect(await page.getAttribute('body', 'data-lesson')).toBe('lesson-04');
    expect(await page.textContent('.lesson-item.is-current')).toContain(lessons[3]!.title);
    // ← and → move between lessons.
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/lesson-05-live-translation\.html$/);
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(/lesson-04-async-pitfalls\.html$/);
  }, 60_000);

  it('searches for "heartbeat" with / and lands on lesson-07', async () => {
    await page.keyboard.press('/');
    await page.fill('.search-input', 'heartbeat');
    await page.waitForSelector('.search-result a[href^="lesson-07-heartbeat-reconnect.html"]');
    await shot('search-heartbeat');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lesson-07-heartbeat-reconnect\.html(\?[^#]*)?(#.*)?$/);
    expect(await page.getAttribute('body', 'data-lesson')).toBe('lesson-07');
  }, 60_000);

  it('searches for "心跳" and lands on lesson-07 in Chinese', async () => {
    await page.keyboard.press('/');
    await page.fill('.search-input', '心跳');
    await page.waitForSelector('.search-result a[href^="lesson-07-heartbeat-reconnect.zh-CN.html"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lesson-07-heartbeat-reconnect\.zh-CN\.html(\?[^#]*)?(#.*)?$/);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.getAttribute('body', 'data-lesson')).toBe('lesson-07');
  }, 60_000);

  it('switches language and stays on the same lesson', async () => {
    await page.click('.lang-switch');
    await page.waitForURL(/lesson-07-heartbeat-reconnect\.html$/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.click('.lang-switch');
    await page.waitForURL(/lesson-07-heartbeat-reconnect\.zh-CN\.html$/);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.evaluate(() => window.scrollTo(0, 0));
    await setTheme('light');
    await shot('lesson-07-zh-light');
  }, 60_000);

  it('reveals self-test answers, and the copy button copies exactly the file shown', async () => {
    await page.goto(fileUrl('lesson-01-echo.html'));
    const answer = page.locator('details.qa').first();
    expect(await answer.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await answer.locator('summary').click();
    expect(await answer.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);

    await page.evaluate(() => {
      const w = window as unknown as { copied: string[] };
      w.copied = [];
      Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (text: string) => void w.copied.push(text) } });
    });
    await page.click('figure.code-file[data-path="lessons/lesson-01-echo/server.ts"] button.copy');
    const copied = await page.evaluate(() => (window as unknown as { copied: string[] }).copied[0]);
    expect(copied).toBe(readIncluded(join(lessonDir(lessons[0]!), 'server.ts'), undefined));
  }, 60_000);

  it('has light and dark themes', async () => {
    await page.goto(fileUrl('lesson-01-echo.html'));
    await setTheme('light');
    await page.click('.theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await shot('lesson-01-dark');
    await page.locator('figure.sequence').first().scrollIntoViewIfNeeded();
    await shot('lesson-01-diagram-dark');
    await page.keyboard.press('t');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('lesson-01-light');
    await page.locator('figure.sequence').first().scrollIntoViewIfNeeded();
    await shot('lesson-01-diagram-light');
    await page.goto(fileUrl('print.html'));
    await shot('print-light');
  }, 60_000);

  it('keeps ← and → for a focused code block (it scrolls) and for fields; elsewhere they turn the page', async () => {
    await page.goto(fileUrl('lesson-01-echo.html'));
    const start = page.url();
    // The reviewer's way in: Tab through the page to the first code block too wide for its box.
    let onCode = false;
    for (let i = 0; i < 120 && !onCode; i++) {
      await page.keyboard.press('Tab');
      onCode = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return !!el && el.tagName === 'PRE' && el.scrollWidth > el.clientWidth;
      });
    }
    expect(onCode, 'Tab reaches a code block that scrolls').toBe(true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(400);
    expect(page.url()).toBe(start);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).scrollLeft), 'the code scrolled').toBeGreaterThan(0);
    await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(300);
    expect(page.url()).toBe(start);
    // In a field, the arrows move the caret.
    await page.keyboard.press('/');
    await page.keyboard.type('ws');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(300);
    expect(page.url()).toBe(start);
    await page.keyboard.press('Escape');
    // Nothing focused: → turns the page.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/lesson-02-conversation\.html$/);
  }, 60_000);

  it('search is a real modal: focus stays inside, the chosen result is announced, Esc gives focus back', async () => {
    await page.goto(fileUrl('lesson-01-echo.html'));
    await page.click('.search-open');
    await page.keyboard.type('heartbeat');
    await page.waitForSelector('.search-result [role="option"]');
    const input = page.locator('.search-input');
    expect(await input.getAttribute('role')).toBe('combobox');
    expect(await input.getAttribute('aria-controls')).toBe('search-results');
    expect(await page.getAttribute('#search-results', 'role')).toBe('listbox');
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    const chosen = async (): Promise<{ active: string | null; selected: string[] }> => ({
      active: await input.getAttribute('aria-activedescendant'),
      selected: await page.$$eval('#search-results [role="option"][aria-selected="true"]', (els) => els.map((el) => el.id)),
    });
    const options = await page.$$eval('#search-results [role="option"]', (els) => els.map((el) => el.id));
    expect(options.length).toBeGreaterThan(1);
    expect(await chosen()).toEqual({ active: options[0], selected: [options[0]] });
    await page.keyboard.press('ArrowDown');
    expect(await chosen()).toEqual({ active: options[1], selected: [options[1]] });
    await page.keyboard.press('ArrowUp');
    expect(await chosen()).toEqual({ active: options[0], selected: [options[0]] });
    // Focus goes round inside the dialog, forwards and backwards; the page behind is inert.
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      const where = await focused();
      expect(where.inDialog, `after ${key}, focus is on ${where.tag} ${where.text}`).toBe(true);
    }
    expect(await page.evaluate(() => (document.querySelector('.layout') as HTMLElement).inert)).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.isHidden('.search-dialog')).toBe(true);
    expect((await focused()).text).toContain('search-open');
    expect(await page.evaluate(() => (document.querySelector('.layout') as HTMLElement).inert)).toBe(false);
    // Opened with / from nowhere in particular: Esc lands on the Search button too.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('/');
    expect((await focused()).inDialog).toBe(true);
    await page.keyboard.press('Escape');
    expect((await focused()).text).toContain('search-open');
  }, 60_000);

  it('marks the words searched for on the page a result opens; ?search= opens the search; snippets show the term', async () => {
    await page.goto(fileUrl('lesson-01-echo.html'));
    await page.keyboard.press('/');
    await page.keyboard.type('heartbeat');
    await page.waitForSelector('.search-result a[href^="lesson-07-heartbeat-reconnect.html"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lesson-07-heartbeat-reconnect\.html\?highlight=heartbeat(#.*)?$/);
    await page.waitForSelector('mark.search-hit');
    const hits = await page.$$eval('mark.search-hit', (els) => els.map((el) => el.textContent ?? ''));
    expect(hits.length).toBeGreaterThan(3);
    for (const hit of hits) expect(hit.toLowerCase()).toBe('heartbeat');
    const first = await page.locator('mark.search-hit.is-first').evaluate((el) => {
      const box = el.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, height: window.innerHeight };
    });
    expect(first.top, 'the first hit is on screen').toBeGreaterThanOrEqual(0);
    expect(first.bottom).toBeLessThanOrEqual(first.height);
    expect(await axeProblems('lesson-07 with search hits')).toEqual([]);
    await setTheme('dark');
    expect(await axeProblems('lesson-07 with search hits (dark)')).toEqual([]);
    await setTheme('light');
    await page.keyboard.press('Escape');
    expect(await page.locator('mark.search-hit').count(), 'Esc clears the marks').toBe(0);

    // A Chinese phrase, marked whole.
    await page.goto(`${fileUrl('lesson-07-heartbeat-reconnect.zh-CN.html')}?highlight=${encodeURIComponent('心跳')}`);
    await page.waitForSelector('mark.search-hit');
    expect(new Set(await page.$$eval('mark.search-hit', (els) => els.map((el) => el.textContent)))).toEqual(new Set(['心跳']));

    // ?search=… opens the search with that query.
    await page.goto(`${fileUrl('index.zh-CN.html')}?search=${encodeURIComponent('心跳')}`);
    await page.waitForSelector('.search-dialog:not([hidden]) .search-result');
    expect(await page.inputValue('.search-input')).toBe('心跳');
    expect((await focused()).inDialog).toBe(true);
    await page.keyboard.press('Escape');

    // Every snippet shows the term (or, for a Chinese phrase not found whole, a pair of its characters).
    for (const [query, accepts] of [
      ['heartbeat', ['heartbeat']], ['createSer', ['createser']], ['terminate', ['terminate']], ['ping', ['ping']],
      ['bufferedAmount', ['bufferedamount']], ['心跳', ['心跳']], ['服务器', ['服务器', '服务', '务器']], ['握手', ['握手']],
    ] as const) {
      await page.goto(`${fileUrl('index.html')}?search=${encodeURIComponent(query)}`);
      await page.waitForSelector('.search-dialog:not([hidden]) .search-result');
      const snippets = await page.$$eval('.search-result .r-snippet', (els) => els.map((el) => ({
        text: el.textContent ?? '', marks: Array.from(el.querySelectorAll('mark'), (m) => (m.textContent ?? '').toLowerCase()),
      })));
      expect(snippets.length, query).toBeGreaterThan(0);
      for (const snippet of snippets) {
        expect(snippet.marks.some((m) => (accepts as readonly string[]).includes(m)), `"${query}" in the snippet "${snippet.text}"`).toBe(true);
      }
    }
    await page.keyboard.press('Escape');
  }, 90_000);

  it('"Show all answers" says "Hide all answers" once they are all open, and back', async () => {
    await page.goto(fileUrl('lesson-01-echo.html'));
    const button = page.locator('.reveal-all');
    const answers = page.locator('.self-test details.qa');
    const openCount = (): Promise<number> => answers.evaluateAll((els) => els.filter((d) => (d as HTMLDetailsElement).open).length);
    const total = await answers.count();
    expect(total).toBeGreaterThan(1);
    expect(await button.textContent()).toBe('Show all answers');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    await button.click();
    expect(await openCount()).toBe(total);
    expect(await button.textContent()).toBe('Hide all answers');
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    await button.click();
    expect(await openCount()).toBe(0);
    expect(await button.textContent()).toBe('Show all answers');
    // Opening every answer by hand counts too.
    for (const summary of await answers.locator('summary').all()) await summary.click();
    await expect.poll(() => button.textContent()).toBe('Hide all answers');
    await answers.first().locator('summary').click();
    await expect.poll(() => button.textContent()).toBe('Show all answers');
    // And in Chinese.
    await page.goto(fileUrl('lesson-01-echo.zh-CN.html'));
    await page.click('.reveal-all');
    expect(await page.locator('.reveal-all').textContent()).toBe('收起全部答案');
  }, 60_000);

  it('on a phone-sized screen the closed lesson list is out of reach; open, a tap beside it or Esc closes it', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(fileUrl('lesson-02-conversation.html'));
      await page.waitForTimeout(300);
      const sidebar = page.locator('#sidebar');
      const look = (): Promise<{ visibility: string; shadow: string; right: number }> => sidebar.evaluate((el) => {
        const style = getComputedStyle(el);
        return { visibility: style.visibility, shadow: style.boxShadow, right: el.getBoundingClientRect().right };
      });
      const closed = await look();
      expect(closed.visibility).toBe('hidden');
      expect(closed.shadow, 'no shadow on the left edge').toBe('none');
      // Tab never lands in the hidden list, nor anywhere off the screen.
      for (let i = 0; i < 15; i++) {
        await page.keyboard.press('Tab');
        const where = await focused();
        expect(where.inSidebar, `Tab ${i + 1} is in the closed list`).toBe(false);
        expect(where.left, `Tab ${i + 1} (${where.tag} ${where.text}) is off the screen`).toBeGreaterThanOrEqual(0);
        expect(where.right).toBeLessThanOrEqual(390);
      }
      // Open: focus moves into the list, which is on the screen.
      await page.click('.menu-toggle');
      expect(await page.getAttribute('.menu-toggle', 'aria-expanded')).toBe('true');
      await page.waitForTimeout(300);
      const opened = await look();
      expect(opened.visibility).toBe('visible');
      const inside = await focused();
      expect(inside.inSidebar).toBe(true);
      expect(inside.left).toBeGreaterThanOrEqual(0);
      await page.keyboard.press('Tab');
      expect((await focused()).inSidebar).toBe(true);
      expect(await axeProblems('lesson-02 at 390 px with the list open')).toEqual([]);
      await shot('lesson-02-phone-menu');
      // A tap beside the list closes it.
      await page.mouse.click(370, 500);
      expect(await page.getAttribute('.menu-toggle', 'aria-expanded')).toBe('false');
      await page.waitForTimeout(300);
      expect((await look()).visibility).toBe('hidden');
      expect(page.url()).toContain('lesson-02-conversation.html');
      // Esc closes it and gives focus back to the menu button.
      await page.click('.menu-toggle');
      await page.waitForTimeout(300);
      await page.keyboard.press('Escape');
      expect(await page.getAttribute('.menu-toggle', 'aria-expanded')).toBe('false');
      expect((await focused()).text).toContain('menu-toggle');
    } finally {
      await page.setViewportSize({ width: 1360, height: 900 });
    }
  }, 60_000);

  it('prints with page margins, and the contents list in two columns that do not run together', async () => {
    // Served: a file:// page may not read its own style sheet's rules.
    server ??= await serveBook({ outDir, port: 0, log: () => undefined });
    await page.goto(`${server.url}print.html`);
    await page.emulateMedia({ media: 'print' });
    try {
      const margins = await page.evaluate(() => {
        for (const sheet of Array.from(document.styleSheets)) {
          for (const rule of Array.from(sheet.cssRules)) {
            if (rule instanceof CSSPageRule) return rule.style.getPropertyValue('margin') || rule.style.getPropertyValue('margin-top');
          }
        }
        return '';
      });
      expect(margins, 'an @page rule with margins').toMatch(/\d/);
      const entries = await page.$$eval('.print-contents li', (els) => els.map((el) => {
        const box = el.getBoundingClientRect();
        return { text: (el as HTMLElement).innerText.trim(), left: box.left, right: box.right, top: box.top, bottom: box.bottom, marker: getComputedStyle(el).listStyleType };
      }));
      expect(entries.length).toBe(lessons.length);
      const columns = new Set(entries.map((e) => Math.round(e.left)));
      expect(columns.size, 'two columns').toBe(2);
      for (const [i, a] of entries.entries()) {
        expect(a.marker, 'no list marker to stray into the next column').toBe('none');
        for (const b of entries.slice(i + 1)) {
          const apart = a.right + 12 <= b.left || b.right + 12 <= a.left || a.bottom <= b.top || b.bottom <= a.top;
          expect(apart, `"${a.text}" and "${b.text}" overlap or touch`).toBe(true);
        }
      }
      // As text, each entry is a line of its own.
      const lines = (await page.locator('.print-contents').innerText()).split('\n').map((l) => l.trim()).filter(Boolean);
      expect(lines).toEqual(entries.map((e) => e.text));
    } finally {
      await page.emulateMedia({ media: null });
    }
  }, 60_000);

  it("marks a lesson done only when its checks pass (the check runner's results, not the browser's)", async () => {
    expect(built.progress['lesson-01']).toBe('done');
    expect(built.progress['lesson-02']).toBe('started');
    expect(built.progress['lesson-03'], 'a result for files that changed since does not count').toBe('unchecked');
    await page.goto(fileUrl('index.html'));
    // An old "done" the browser kept is gone and counts for nothing.
    await page.evaluate(() => localStorage.setItem('wsbook-done', JSON.stringify(['lesson-05', 'lesson-06'])));
    await page.reload();
    const done = (): Promise<string[]> => page.$$eval('.sidebar .lesson-item.is-done', (els) => els.map((el) => (el as HTMLElement).dataset.lesson ?? ''));
    expect(await done()).toEqual(['lesson-01']);
    expect(await page.$$eval('.card.is-done', (els) => els.map((el) => (el as HTMLElement).dataset.lesson))).toEqual(['lesson-01']);
    expect(await page.textContent('.progress-text')).toBe(`1 of ${lessons.length} lessons done`);
    expect(await page.evaluate(() => localStorage.getItem('wsbook-done'))).toBeNull();
    expect(await page.locator('.mark-done').count(), 'no button to mark a lesson done by hand').toBe(0);
    await page.goto(fileUrl('lesson-01-echo.html'));
    expect(await page.isVisible('.lesson-check .lesson-check-done')).toBe(true);
    expect(await page.textContent('.lesson-item.is-done .lesson-done-text')).toBe(' (done)');
    await page.goto(fileUrl('lesson-02-conversation.html'));
    expect(await page.isVisible('.lesson-check .lesson-check-todo')).toBe(true);
    expect(await page.textContent('.lesson-check')).toContain('npm run check lesson-02');
  }, 60_000);

  it('on the served book, runs the lesson-03 demo and sees the poem arrive as separate frames over time', async () => {
    server = await serveBook({ outDir, port: 0, log: () => undefined });
    await page.goto(`${server.url}lesson-03-streaming.html#run-it`);
    await page.waitForSelector('.demo-live:not([hidden])');
    await page.click('[data-run="solution"]');
    // The first line of the poem is on the page while the server is still streaming the rest:
    // counted inside the page, the moment it appears.
    const seenWithFirst = await page.waitForFunction(() => {
      const lines = Array.from(document.querySelectorAll('.t-chunk[data-side="client"]')).filter((el) => /[\u4e00-\u9fff]/.test(el.textContent ?? ''));
      return lines.length > 0 ? lines.length : false;
    }, undefined, { polling: 'raf', timeout: 40_000 }).then((handle) => handle.jsonValue() as Promise<number>);
    await page.waitForSelector('.demo[data-state="done"]', { timeout: 40_000 });
    await shot('lesson-03-demo');
    expect(await axeProblems('served lesson-03 with its transcript')).toEqual([]);
    const chunks = await page.$$eval('.t-chunk[data-side="client"]', (els) =>
      els.map((el) => ({ text: el.textContent ?? '', received: Number((el as HTMLElement).dataset.received) })));
    const poem = chunks.filter((c) => /[\u4e00-\u9fff]/.test(c.text));
    expect(poem.length, `poem lines seen: ${JSON.stringify(chunks)}`).toBeGreaterThanOrEqual(4);
    expect(seenWithFirst, 'poem lines already on the page when the first one appeared').toBeLessThan(poem.length);
    // The server waits between lines, so the page receives them spread over time.
    const span = poem[poem.length - 1]!.received - poem[0]!.received;
    expect(span, 'time between the first and last poem line arriving in the page (ms)').toBeGreaterThanOrEqual(600);
    expect(await page.locator('.demo-status').textContent()).toContain('finished');
  }, 90_000);

  it('on the served book, the echo page talks to the echo server from the browser', async () => {
    await page.goto(`${server!.url}lesson-01-echo.html#run-it`);
    await page.waitForSelector('.echo-client:not([hidden])');
    await page.click('[data-echo-start="solution"]');
    await page.waitForSelector('.echo-form:not([hidden])', { timeout: 30_000 });
    await page.fill('.echo-input', '你好 👋');
    await page.click('.echo-form button[type="submit"]');
    await page.waitForSelector('.echo-log .t-received >> text=Echo: 你好 👋', { timeout: 15_000 });
    // Sent: the input is empty again, ready for the next message.
    expect(await page.inputValue('.echo-input')).toBe('');
    await shot('lesson-01-echo-client');
    expect(await axeProblems('served lesson-01 talking to the echo server')).toEqual([]);
    // Stop closes cleanly, as lesson 01 teaches: 1000, answered by the server, then it stops.
    await page.click('[data-echo-stop]');
    await page.waitForSelector('.echo-log .t-note >> text=connection closed (code 1000)', { timeout: 15_000 });
    await page.waitForSelector('.echo-log .t-note >> text=The server stopped.', { timeout: 15_000 });
    expect(await page.locator('.echo-log').textContent()).not.toContain('1006');
    expect(await page.isHidden('[data-echo-stop]')).toBe(true);
    expect(await page.isEnabled('[data-echo-start="solution"]')).toBe(true);
  }, 60_000);

  it('on the served book, says "too many demos" when every slot is taken, and does not still say running', async () => {
    // Four other pages hold the four demo slots with their echo servers.
    const holders: WebSocket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const ws = new WebSocket(`${server!.url.replace('http', 'ws')}__book/demo`, { origin: server!.url.replace(/\/$/, '') });
        holders.push(ws);
        ws.on('error', () => undefined);
        await new Promise<void>((resolve, reject) => {
          ws.on('message', (data: Buffer) => {
            const m = JSON.parse(data.toString()) as { type: string };
            if (m.type === 'echo-ready') resolve();
            else if (m.type === 'error' || m.type === 'echo-ended') reject(new Error(data.toString()));
          });
          ws.once('open', () => ws.send(JSON.stringify({ type: 'echo-start', variant: 'solution' })));
        });
      }
      await page.goto(`${server!.url}lesson-01-echo.html#run-it`);
      await page.waitForSelector('.demo-live:not([hidden])');
      await page.click('[data-run="solution"]');
      await page.waitForSelector('.demo[data-state="failed"]', { timeout: 15_000 });
      expect(await page.locator('.demo-status').textContent()).toContain('Too many demos');
      expect(await page.locator('.demo-status').textContent()).not.toContain('Running');
      expect(await page.isHidden('[data-stop]')).toBe(true);
      expect(await page.isEnabled('[data-run="solution"]')).toBe(true);
      expect(await page.locator('.demo').evaluate((el) => el.classList.contains('is-running'))).toBe(false);

      await page.click('[data-echo-start="solution"]');
      await page.waitForSelector('.echo-log >> text=Too many demos', { timeout: 15_000 });
      expect(await page.isEnabled('[data-echo-start="solution"]')).toBe(true);
      expect(await page.isHidden('[data-echo-stop]')).toBe(true);
      expect(await page.isHidden('.echo-form')).toBe(true);
    } finally {
      for (const ws of holders) ws.close(1000);
    }
    // The holders went away: so did their echo servers.
    const deadline = Date.now() + 20_000;
    while (server!.demos() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server!.demos()).toBe(0);
  }, 90_000);

  it('on the served book, shows the check results live: a lesson is marked done as soon as its checks pass', async () => {
    server ??= await serveBook({ outDir, port: 0, log: () => undefined });
    const live = async (): Promise<Record<string, string>> => (await fetch(`${server!.url}__book/progress`)).json() as Promise<Record<string, string>>;
    // Keys are hashes of the lessons' files, which others may be editing: write them afresh until they hold.
    const settle = async (results: Parameters<typeof writeState>[0], expected: Record<string, string>): Promise<void> => {
      let last: Record<string, string> = {};
      for (let i = 0; i < 5; i++) {
        writeState(results);
        last = await live();
        if (Object.entries(expected).every(([id, state]) => last[id] === state)) return;
      }
      expect(last).toMatchObject(expected);
    };
    await settle({ 'lesson-01': 'done', 'lesson-02': 'started', 'lesson-03': 'stale-done' }, { 'lesson-01': 'done', 'lesson-02': 'started', 'lesson-03': 'unchecked' });
    expect(Object.keys(await live()).sort()).toEqual(lessons.map((l) => l.id).sort());
    await page.goto(`${server!.url}lesson-02-conversation.html`);
    const done = (): Promise<string[]> => page.$$eval('.sidebar .lesson-item.is-done', (els) => els.map((el) => (el as HTMLElement).dataset.lesson ?? ''));
    await expect.poll(done).toEqual(['lesson-01']);
    expect(await page.isVisible('.lesson-check .lesson-check-todo')).toBe(true);
    // `npm run check lesson-02` passes in the terminal; back in the browser, the page says so.
    await settle({ 'lesson-01': 'done', 'lesson-02': 'done' }, { 'lesson-01': 'done', 'lesson-02': 'done' });
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await expect.poll(done).toEqual(['lesson-01', 'lesson-02']);
    expect(await page.isVisible('.lesson-check .lesson-check-done')).toBe(true);
    expect(await page.textContent('.progress-text')).toBe(`2 of ${lessons.length} lessons done`);
    expect(await page.getAttribute('.progress-bar', 'aria-valuenow')).toBe('2');
    // A change to the lesson's files would change its key: then it is not done until checked again.
    await settle({ 'lesson-01': 'done', 'lesson-02': 'stale-done' }, { 'lesson-02': 'unchecked' });
    await page.reload();
    await expect.poll(done).toEqual(['lesson-01']);
  }, 60_000);

  it('loaded nothing from the network, and no page logged an error', () => {
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
