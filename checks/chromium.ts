// Debian's Chromium, driven by playwright-core (never a downloaded browser). The book's tests and
// the lessons whose checks run a page (lesson 13's page script, the browser as one more client of
// a learner's server) share it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CheckFailure } from './harness.ts';
import { failureMessage, t } from './runner/language.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile, no network services, nothing from the internet. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'wsbook-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1360, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * For a check that needs a browser: Chromium, or a failure that says exactly what to install
 * (never a skip that would read as a pass). Close it in the check's `finally` or an `afterAll`.
 */
export async function chromiumForCheck(): Promise<Browser> {
  if (!chromiumInstalled()) {
    throw new CheckFailure(failureMessage({
      expected: t(`a Chromium browser at ${CHROMIUM} for this check`, `这个检查需要 ${CHROMIUM} 处的 Chromium 浏览器`),
      actual: t('there is none on this machine', '这台机器上没有'),
      hint: t('install Debian\'s package: sudo apt-get install chromium (or set CHROMIUM_PATH to a Chromium binary), then run the check again.',
        '安装 Debian 的软件包：sudo apt-get install chromium（或把 CHROMIUM_PATH 设为某个 Chromium 可执行文件），然后重新运行检查。'),
    }));
  }
  return launchChromium();
}
