// The book in a real browser: Debian's Chromium driven by playwright-core. Opened from the file
// system it follows the sidebar, searches in English and Chinese, switches language and theme;
// served by the book server it runs lesson 03's demo and sees the poem arrive line by line.
// Screenshots go to book/screenshots/ (ignored by git).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessonDir, lessons, ROOT } from '../../checks/lessons.ts';
import { serveBook, type BookServer } from '../serve/server.ts';
import { buildBook } from '../src/site.ts';
import { readIncluded } from '../src/include.ts';
import { CHROMIUM, chromiumInstalled, launchChromium, type Browser } from './chromium.ts';

const SHOTS = join(ROOT, 'book', 'screenshots');
const outDir = join(ROOT, '.workbook', `book-browser-test-${process.pid}`);
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
  const offsite: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const result = buildBook({ outDir });
    expect(result.errors, result.errors.join('\n')).toEqual([]);
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
  });

  const fileUrl = (name: string): string => pathToFileURL(join(outDir, name)).href;
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const setTheme = (theme: 'light' | 'dark'): Promise<void> => page.evaluate((t) => {
    localStorage.setItem('wsbook-theme', t);
    document.documentElement.dataset.theme = t;
  }, theme);

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
    await page.waitForURL(/lesson-07-heartbeat-reconnect\.html(#.*)?$/);
    expect(await page.getAttribute('body', 'data-lesson')).toBe('lesson-07');
  }, 60_000);

  it('searches for "心跳" and lands on lesson-07 in Chinese', async () => {
    await page.keyboard.press('/');
    await page.fill('.search-input', '心跳');
    await page.waitForSelector('.search-result a[href^="lesson-07-heartbeat-reconnect.zh-CN.html"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lesson-07-heartbeat-reconnect\.zh-CN\.html(#.*)?$/);
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

  it('shows every page, in both languages, from file:// and served, with no console error and no CSP violation', async () => {
    server ??= await serveBook({ outDir, port: 0, log: () => undefined });
    await browser.context.addInitScript(() => {
      const w = window as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        w.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sample})`);
      });
    });
    const files = readdirSync(outDir).filter((file) => file.endsWith('.html')).sort();
    expect(files.some((file) => file.endsWith('.zh-CN.html'))).toBe(true);
    const problems: string[] = [];
    const visit = async (url: string, status: number): Promise<void> => {
      const before = pageErrors.length;
      const response = await page.goto(url);
      if (url.startsWith('http')) expect(response?.status(), url).toBe(status);
      await page.waitForLoadState('networkidle');
      // The 404 page's own status is the one error that belongs there.
      const errors = pageErrors.splice(before).filter((e) => !(status === 404 && e.includes('status of 404')));
      const csp = await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
      problems.push(...errors, ...csp.map((v) => `${url}: CSP: ${v}`));
    };
    for (const file of files) await visit(fileUrl(file), 200);
    for (const file of files) await visit(`${server.url}${file}`, 200);
    for (const path of ['no-such-page.html', 'no-such-page.zh-CN.html', 'a/b/c']) await visit(`${server.url}${path}`, 404);
    expect(problems, problems.join('\n')).toEqual([]);
    // The 404 page works from any depth: styled, and the book's script ran.
    expect(await page.locator('.topbar').evaluate((el) => getComputedStyle(el).position)).not.toBe('static');
    expect(await page.locator('h1').textContent()).toContain('Page not found');
    // Search works there too, and its results lead to the book's pages, not to /a/b/….
    await page.keyboard.press('/');
    await page.fill('.search-input', 'heartbeat');
    await page.waitForSelector(`.search-result a[href^="${server.url}lesson-07-heartbeat-reconnect.html"]`);
  }, 300_000);

  it('loaded nothing from the network, and no page logged an error', () => {
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
