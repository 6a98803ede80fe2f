// A contract run that loses results must say so: "no result" is never a pass, and never the
// failure a known-wrong solution should have caused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLesson } from '../lessons.ts';
import { makeScratch, removeScratch } from '../runner/scratch.ts';
import type { RunReport } from '../runner/run-checks.ts';
import { judge, runVariants, type Variant } from './contract.ts';

const lesson = findLesson('lesson-01')!;
const dirs: string[] = [];
afterAll(() => { for (const dir of dirs) removeScratch(dir); });

async function variant(tag: string, kind: Variant['kind'], files: Record<string, string> = {}, remove: string[] = []): Promise<Variant> {
  const dir = await makeScratch(lesson, `lost-${tag}`, { solution: true, files, remove });
  dirs.push(dir);
  const wrong = kind === 'wrong' ? { name: tag, mistake: 'a test variant', edits: [], mustFail: ['never reached'] } : undefined;
  return { lesson, kind, name: tag, dir, wrong };
}

const KILLER = `import { test } from 'vitest';
test('kills the process that runs it', async () => {
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.kill(process.pid, 'SIGKILL');
});
test('never reached', () => { throw new Error('never reached'); });
`;

describe('a contract run that loses results', () => {
  it('reports a variant whose check run is killed mid-run as lost, and still judges the others', async () => {
    const healthy = await variant('healthy', 'solution');
    const killedSolution = await variant('killed-solution', 'solution', { 'crash.check.ts': KILLER }, ['echo.check.ts']);
    const killedWrong = await variant('killed-wrong', 'wrong', { 'crash.check.ts': KILLER }, ['echo.check.ts']);
    const [ok, solution, wrong] = await runVariants([healthy, killedSolution, killedWrong], { maxWorkers: 3 });

    expect(ok!.problems).toEqual([]);
    expect(ok!.results.length).toBeGreaterThan(0);
    for (const lost of [solution!, wrong!]) {
      expect(lost.problems.join('\n')).toMatch(/results lost: crash\.check\.ts never finished \(the check run crashed/);
    }
    // The wrong variant's mustFail check never ran: that must not read as "caught".
    expect(wrong!.problems.join('\n')).toContain('the check "never reached" should fail');
  }, 120_000);

  it('names the variant that hung the run, and runs the others again instead of losing them', async () => {
    const hung = await variant('hung', 'solution', { 'loop.check.ts': "import { test } from 'vitest';\ntest('loops forever', () => { for (;;) { /* never yields */ } });\n" }, ['echo.check.ts']);
    // Still running when the endless loop stops the run: 14 checks of 600 ms each.
    const slowChecks = Array.from({ length: 14 }, (_, i) => `test('step ${i}', () => new Promise((resolve) => setTimeout(resolve, 600)));`).join('\n');
    const slow = await variant('slow', 'solution', { 'slow.check.ts': `import { test } from 'vitest';\n${slowChecks}\n` }, ['echo.check.ts']);
    const starts: string[] = [];
    const [stuck, ok] = await runVariants([hung, slow], {
      maxWorkers: 2,
      checkLimitMs: 6000,
      onEvent: (event) => { if (event.type === 'file-start') starts.push(event.file); },
    });
    expect(stuck!.problems.join('\n')).toMatch(/the run was stopped: the check "loops forever" never finished/);
    expect(ok!.problems).toEqual([]);
    expect(ok!.results.filter((result) => result.state === 'passed')).toHaveLength(14);
    expect(starts.filter((file) => file.startsWith(`${slow.dir}/`)).length, 'the slow variant ran twice').toBe(2);
  }, 120_000);

  it('reports checks a finished file never reported', async () => {
    const healthy = await variant('short', 'solution');
    const file = join(healthy.dir, 'echo.check.ts');
    const report: RunReport = {
      results: [{ file, name: 'one', state: 'passed', durationMs: 1, errors: [] }],
      fileErrors: [], unhandled: [], finishedFiles: [file], checksPerFile: { [file]: 3 },
    };
    expect(judge(healthy, report).problems).toEqual(['results lost: echo.check.ts reported 1 of its 3 checks (the run ended without its results)']);
    writeFileSync(join(healthy.dir, 'extra.check.ts'), '');
    report.checksPerFile = { [file]: 1 };
    expect(judge(healthy, report).problems[0]).toBe('results lost: extra.check.ts never finished (the run ended without its results)');
  });
});
