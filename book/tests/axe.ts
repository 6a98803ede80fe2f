// axe-core, a real accessibility engine, run inside a page of the browser tests.
import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** The axe rules whose outcome a colour theme can change. */
export const THEME_RULES = ['color-contrast', 'link-in-text-block'];

interface AxeNode { target: unknown[]; failureSummary?: string }
interface AxeRule { id: string; impact?: string | null; nodes: AxeNode[] }
interface AxeResults { violations: AxeRule[]; passes: AxeRule[]; incomplete: AxeRule[] }
type AxeWindow = { axe?: { run(context: unknown, options: unknown): Promise<AxeResults> } };

async function load(page: Page): Promise<void> {
  if (!(await page.evaluate(() => !!(window as unknown as AxeWindow).axe))) await page.evaluate(axe.source);
}

export interface AxeScope {
  /** Only these rules (default: every rule). */
  rules?: string[];
  /** Every rule but these. */
  skip?: string[];
  /** CSS selectors of parts of the page left out. */
  exclude?: string[];
}

/** Runs axe-core on the page as it is now; the serious and critical violations, one line each. */
export async function axeProblems(page: Page, label: string, scope: AxeScope = {}): Promise<string[]> {
  await load(page);
  const violations = await page.evaluate(async ({ rules, skip, exclude }) => {
    const options = {
      // preload: false: axe would fetch the style sheets again, which file:// pages may not.
      resultTypes: ['violations'], preload: false,
      ...(rules ? { runOnly: { type: 'rule', values: rules } } : {}),
      ...(skip ? { rules: Object.fromEntries(skip.map((id) => [id, { enabled: false }])) } : {}),
    };
    const context = exclude ? { include: [['html']], exclude: exclude.map((selector) => [selector]) } : document;
    const results = await (window as unknown as AxeWindow).axe!.run(context, options);
    return results.violations.map((rule) => ({ id: rule.id, impact: rule.impact ?? '', nodes: rule.nodes.map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`) }));
  }, scope);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((node) => `${label}: ${v.id} (${v.impact}) ${node}`));
}

/** axe's colour-contrast rule on the elements a selector names: how many pass, and what fails. */
export async function contrastOf(page: Page, selector: string): Promise<{ passed: number; failed: string[] }> {
  await load(page);
  return page.evaluate(async (sel) => {
    const results = await (window as unknown as AxeWindow).axe!.run(sel, { runOnly: { type: 'rule', values: ['color-contrast'] }, preload: false });
    const lines = (rules: AxeRule[]): string[] => rules.flatMap((rule) => rule.nodes.map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`));
    return { passed: results.passes.reduce((sum, rule) => sum + rule.nodes.length, 0), failed: [...lines(results.violations), ...lines(results.incomplete)] };
  }, selector);
}

/** Switches the book's colour theme the way its toggle does. */
export function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  return page.evaluate((t) => {
    localStorage.setItem('wsbook-theme', t);
    document.documentElement.dataset.theme = t;
  }, theme);
}
