// The runner cannot be hung or fooled: learner code that loops forever, never settles, does not
// compile or throws at import ends quickly with a message that says where, and leaves no process
// (so no listening port) behind. Each case runs on a scratch copy of lesson-01 under .workbook/.
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLesson, ROOT, type Lesson } from '../lessons.ts';
import { compileError, formatLoadError, learnerFrames } from './format.ts';
import { includeGlobs, passed, runChecks, type RunOptions, type RunReport } from './run-checks.ts';
import { makeScratch, processesWithMarker, removeScratch } from './scratch.ts';

const lesson = findLesson('lesson-01') as Lesson;
const NEVER_SETTLES = `import { check } from '../../checks/harness.ts';

check('waits for a promise that never settles', async () => {
  const reply = new Promise<string>(() => {});
  await reply;
});
`;
const SYNTAX_ERROR_LINE = 3;
const scratch: Record<string, string> = {};

// Time bounds here are hang guards, far above what each case needs on a quiet machine: a loaded
// machine must not fail them. The hard limit is short only where a case is about it (endless loops).
const HANG_GUARD_MS = 40_000;

/** Runs the checks with a fresh marker in the child's environment, and says what outlived the run. */
async function run(dir: string, options: Partial<RunOptions> = {}): Promise<{ report: RunReport; ms: number; leftovers: number[] }> {
  const marker = `WORKBOOK_TEST_MARK=${randomUUID()}`;
  process.env.WORKBOOK_TEST_MARK = marker.split('=')[1];
  const started = performance.now();
  const pending = runChecks({ paths: [dir], checkLimitMs: 20_000, checkTimeoutMs: 1000, ...options });
  delete process.env.WORKBOOK_TEST_MARK;
  const report = await pending;
  const ms = performance.now() - started;
  return { report, ms, leftovers: processesWithMarker(marker) };
}

beforeAll(async () => {
  const variants: Record<string, Parameters<typeof makeScratch>[2]> = {
    'loop-at-import': { files: { 'server.ts': 'while (true) {}\n' } },
    'loop-in-check': { solution: true, files: { 'client.ts': 'export const MESSAGE = "Hello WebSocket!";\nexport async function runClient(): Promise<void> {\n  for (;;) { /* spins */ }\n}\n' } },
    'syntax-error': { files: { 'server.ts': 'export function createServer() {\n  const x = {\n    a: 1,,\n  };\n  return x;\n}\n' } },
    'throws-at-import': { files: { 'server.ts': 'function start(): never {\n  throw new Error("port missing in config");\n}\nstart();\nexport function createServer(): void {}\n' } },
    'never-settles': { solution: true, remove: ['echo.check.ts'], files: { 'never.check.ts': NEVER_SETTLES } },
    solved: { solution: true },
    typed: { solution: true },
    'listens-at-import': { solution: true },
  };
  await Promise.all(Object.entries(variants).map(async ([tag, options]) => { scratch[tag] = await makeScratch(lesson, `runner-${tag}`, options); }));
});

beforeAll(() => {
  // A solved lesson with one type error: its checks pass, TypeScript does not.
  const server = join(scratch.typed ?? '', 'server.ts');
  writeFileSync(server, readFileSync(server, 'utf8').replace('export function createServer(', 'const port: number = "8765";\nexport function createServer('));
  // A server started by top-level code: the check passes, the learner is told.
  const listening = join(scratch['listens-at-import'] ?? '', 'server.ts');
  writeFileSync(listening, `${readFileSync(listening, 'utf8')}\nexport const started = createServer({ port: 0 });\n`);
});

afterAll(() => {
  for (const dir of Object.values(scratch)) removeScratch(dir);
});

describe.concurrent('the check runner', { timeout: 3 * HANG_GUARD_MS }, () => {
  it('stops an endless loop at import time, says it never finished loading and where it was stuck', async () => {
    const { report, ms, leftovers } = await run(scratch['loop-at-import'] ?? '', { checkLimitMs: 5000 });
    expect(report.timedOut?.phase).toBe('loading');
    expect(report.timedOut?.stuckAt?.[0]).toMatchObject({ line: 1, source: 'while (true) {}' });
    expect(report.timedOut?.stuckAt?.[0]?.file).toMatch(/server\.ts$/);
    expect(ms).toBeLessThan(HANG_GUARD_MS);
    expect(leftovers).toEqual([]);
    expect(passed(report)).toBe(false);
  });

  it('stops an endless loop inside a check, and names the check', async () => {
    const { report, leftovers } = await run(scratch['loop-in-check'] ?? '', { checkLimitMs: 5000 });
    expect(report.timedOut?.phase).toBe('check');
    expect(report.timedOut?.check).toBeTruthy();
    expect(report.timedOut?.stuckAt?.[0]).toMatchObject({ function: 'runClient', line: 3 });
    // The server checks before it still ran and passed: their servers were listening, and are gone.
    expect(report.results.filter((result) => result.state === 'passed').length).toBeGreaterThan(0);
    expect(leftovers).toEqual([]);
  });

  it('fails a check whose promise never settles, naming the check and the line it waited on', async () => {
    const { report, ms, leftovers } = await run(scratch['never-settles'] ?? '');
    const [result] = report.results;
    expect(result?.name).toBe('waits for a promise that never settles');
    expect(result?.state).toBe('failed');
    expect(result?.errors[0]?.message).toContain('Expected the check to finish within 1 s');
    expect(result?.errors[0]?.message).toMatch(/never\.check\.ts:5\n\s+await reply;\n\s+\(reply comes from line 4: const reply = new Promise<string>\(\(\) => \{\}\);\)/);
    expect(report.timedOut).toBeUndefined();
    expect(ms).toBeLessThan(HANG_GUARD_MS);
    expect(leftovers).toEqual([]);
  });

  it('reports a syntax error with the file, line and the offending code', async () => {
    const { report, leftovers } = await run(scratch['syntax-error'] ?? '');
    const error = report.fileErrors[0]?.errors[0];
    expect(error).toBeDefined();
    const where = error && compileError(error);
    expect(where?.file).toBe(join(scratch['syntax-error'] ?? '', 'server.ts'));
    expect(where?.line).toBe(SYNTAX_ERROR_LINE);
    const text = error ? formatLoadError(error) : '';
    expect(text).toContain(`server.ts:${SYNTAX_ERROR_LINE}:`);
    expect(text).toContain('a: 1,,');
    expect(leftovers).toEqual([]);
  });

  it('shows the learner\'s own stack for a file that throws at import, without the runner\'s frames', async () => {
    const { report, leftovers } = await run(scratch['throws-at-import'] ?? '');
    const error = report.fileErrors[0]?.errors[0];
    expect(error?.message).toBe('port missing in config');
    const text = error ? formatLoadError(error) : '';
    expect(text).toMatch(/server\.ts threw while it was being loaded/);
    expect(text).toMatch(/at start \(.*server\.ts:2:9\)/);
    expect(text).not.toMatch(/node_modules|vitest|module-evaluator/);
    expect(learnerFrames(error?.stack).every((frame) => frame.includes('server.ts'))).toBe(true);
    expect(leftovers).toEqual([]);
  });

  it('passes a solved lesson and leaves nothing running', async () => {
    const { report, leftovers } = await run(scratch.solved ?? '', { checkLimitMs: 20_000, checkTimeoutMs: 15_000 });
    expect(report.results.length).toBeGreaterThan(0);
    expect(passed(report)).toBe(true);
    expect(leftovers).toEqual([]);
  });

  it('warns, once, about a server started when a file is imported', async () => {
    const { report, leftovers } = await run(scratch['listens-at-import'] ?? '', { checkLimitMs: 20_000, checkTimeoutMs: 15_000 });
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings?.[0]?.text).toMatch(/started listening when your files were imported/);
    expect(leftovers).toEqual([]);
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    const pending = run(scratch['loop-at-import'] ?? '', { signal: controller.signal, checkLimitMs: 60_000 });
    setTimeout(() => controller.abort(), 300);
    const { report, ms, leftovers } = await pending;
    expect(report.cancelled).toBe(true);
    expect(ms).toBeLessThan(HANG_GUARD_MS);
    expect(leftovers).toEqual([]);
  });

  it('npm run check stops an endless loop with a timeout message, leaving nothing running', async () => {
    const marker = randomUUID();
    const started = performance.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'checks/cli/check.ts'), 'lesson-01', '--dir', scratch['loop-at-import'] ?? ''], {
        cwd: ROOT, env: { ...process.env, WORKBOOK_LANG: 'en', WORKBOOK_TEST_MARK: marker, WORKBOOK_STATE: join(ROOT, '.workbook', `state-hardening-${process.pid}.json`) }, timeout: 2 * HANG_GUARD_MS,
      }, (error, out) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out }));
    });
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
    expect(code).toBe(1);
    expect(stdout).toMatch(/Stopped after \d+\.\d s: your files never finished loading/);
    expect(stdout).toMatch(/stuck at .*server\.ts:1/);
    expect(stdout).toContain('while (true) {}');
    expect(processesWithMarker(marker)).toEqual([]);
  });
});

describe('npm run check and TypeScript', () => {
  it('fails a lesson whose checks pass but whose files have a type error, naming the file, line and code', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'checks/cli/check.ts'), 'lesson-01', '--dir', scratch.typed ?? ''], {
        cwd: ROOT, env: { ...process.env, NO_COLOR: '1', WORKBOOK_LANG: 'en', WORKBOOK_STATE: join(ROOT, '.workbook', `state-typed-${process.pid}.json`) }, timeout: 2 * HANG_GUARD_MS,
      }, (error, out) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out }));
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/TypeScript found 1 type error/);
    expect(stdout).toMatch(/server\.ts:\d+:7 TS2322: a value of one type is stored where another type is expected/);
    expect(stdout).toContain('const port: number = "8765";');
    expect(stdout).toMatch(/checks pass, but lesson-01 is not done/);
  }, 3 * HANG_GUARD_MS);
});

describe('includeGlobs', () => {
  it('turns folders into *.check.ts globs and keeps files, relative to the root', () => {
    expect(includeGlobs(['lessons/lesson-01-echo', join(ROOT, 'lessons/lesson-01-echo/echo.check.ts')]))
      .toEqual(['lessons/lesson-01-echo/**/*.check.ts', 'lessons/lesson-01-echo/echo.check.ts']);
    expect(includeGlobs(['.workbook/a(1)'])).toEqual(['.workbook/a\\(1\\)/**/*.check.ts']);
  });
});
