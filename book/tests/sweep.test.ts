// Every page of the book, in both languages, in a real browser (Debian's Chromium): from the file
// system in both themes with axe-core (zero serious or critical accessibility problems), and
// served by the book server; no console error and no Content-Security-Policy violation anywhere.
// Apart from browser.test.ts (which tries the book by hand) so the two run side by side.
// Without Chromium this file is skipped; browser.test.ts says so, and fails under CI=true.
import { readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../checks/lessons.ts';
import { serveBook, type BookServer } from '../serve/server.ts';
import { buildBook } from '../src/site.ts';
import { axeProblems, contrastOf, setTheme, THEME_RULES } from './axe.ts';
import { chromiumInstalled, launchChromium, type Browser } from '../../checks/chromium.ts';

const outDir = join(ROOT, '.workbook', `book-sweep-test-${process.pid}`);
const stateFile = join(ROOT, '.workbook', `book-sweep-state-${process.pid}.json`);

describe.runIf(chromiumInstalled())('every page of the book in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let server: BookServer | undefined;
  let files: string[] = [];
  const pageErrors: string[] = [];
  const offsite: string[] = [];
  const stateBefore = process.env.WORKBOOK_STATE;

  beforeAll(async () => {
    // No learner's results: the book as a fresh clone shows it.
    process.env.WORKBOOK_STATE = stateFile;
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify({ statuses: {} }));
    const built = buildBook({ outDir });
    const errors = built.errors.filter((error) => !built.mentions.includes(error));
    expect(errors, errors.join('\n')).toEqual([]);
    files = readdirSync(outDir).filter((file) => file.endsWith('.html')).sort();
    expect(files.some((file) => file.endsWith('.zh-CN.html'))).toBe(true);
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('file://') && !/^(http|ws):\/\/127\.0\.0\.1:\d+\//.test(url) && !url.startsWith('data:')) offsite.push(url);
    });
    // Script errors, and Content-Security-Policy violations (Chromium logs them as errors too).
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${page.url()}: ${message.text()}`);
    });
    await browser.context.addInitScript(() => {
      const w = window as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        w.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sample})`);
      });
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

  /** Opens a page; what it logged as errors and the CSP violations it met, one line each. */
  const visit = async (url: string, status: number, idle: boolean): Promise<string[]> => {
    const before = pageErrors.length;
    const response = await page.goto(url);
    if (url.startsWith('http')) expect(response?.status(), url).toBe(status);
    // Served pages fetch their live state after load; from file:// nothing more is loaded.
    if (idle) await page.waitForLoadState('networkidle');
    else await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    // The 404 page's own status is the one error that belongs there.
    const errors = pageErrors.splice(before).filter((e) => !(status === 404 && e.includes('status of 404')));
    const csp = await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
    return [...errors, ...csp.map((v) => `${url}: CSP: ${v}`)];
  };

  it('has no serious or critical accessibility problem and no console error on any page, in either language or theme, from file:// (axe-core)', async () => {
    const problems: string[] = [];
    for (const theme of ['light', 'dark'] as const) {
      for (const file of files) {
        problems.push(...await visit(fileUrl(file), 200, false));
        await setTheme(page, theme);
        // A theme changes colours only: every rule runs once (light), the colour rules in both.
        // The one-page book holds the lessons' pages again, same elements and colours: its
        // colours are measured on those pages, its own cover and contents here.
        const print = file.startsWith('print');
        const scope = theme === 'dark'
          ? { rules: THEME_RULES, ...(print ? { exclude: ['.print-lesson'] } : {}) }
          : print ? { skip: THEME_RULES } : {};
        problems.push(...await axeProblems(page, `${file} (${theme})`, scope));
        if (print && theme === 'light') problems.push(...await axeProblems(page, `${file} cover (${theme})`, { rules: THEME_RULES, exclude: ['.print-lesson'] }));
      }
      // The search dialog, open with results and its hint showing.
      await page.goto(fileUrl('lesson-01-echo.html'));
      await setTheme(page, theme);
      await page.keyboard.press('/');
      await page.keyboard.type('heartbeat');
      await page.waitForSelector('.search-result [role="option"]');
      problems.push(...await axeProblems(page, `the search dialog (${theme})`));
      // The colours the review measured by hand, now measured by axe: each checked, each passing
      // (the page behind the open dialog is inert, so it is measured once the dialog is closed).
      const measure = async (selectors: string[]): Promise<void> => {
        for (const selector of selectors) {
          const { passed, failed } = await contrastOf(page, selector);
          expect(failed, `${selector} (${theme}):\n${failed.join('\n')}`).toEqual([]);
          expect(passed, `${selector} (${theme}) was checked`).toBeGreaterThan(0);
        }
      };
      await measure(['.search-hint', '.r-snippet', '.r-where']);
      await page.keyboard.press('Escape');
      await measure(['.hljs-comment', '.file-path', '.sidebar-keys', '.progress-label', '.toc-title']);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  }, 900_000);

  it('shows every page, in both languages, served, with no console error and no CSP violation', async () => {
    server ??= await serveBook({ outDir, port: 0, log: () => undefined });
    const problems: string[] = [];
    for (const file of files) problems.push(...await visit(`${server.url}${file}`, 200, true));
    for (const path of ['no-such-page.html', 'no-such-page.zh-CN.html', 'a/b/c']) problems.push(...await visit(`${server.url}${path}`, 404, true));
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
