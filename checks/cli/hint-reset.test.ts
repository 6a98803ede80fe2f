// npm run hint and npm run reset: the real commands, on scratch state and a scratch lesson copy.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLesson, ROOT, solutionDir, type Lesson } from '../lessons.ts';
import { readStarters } from '../contract/starters.ts';
import { makeScratch, removeScratch } from '../runner/scratch.ts';
import { renderHints, revealNextHint } from './hint.ts';

const lesson = findLesson('lesson-01') as Lesson;
const statePath = join(ROOT, '.workbook', `cli-test-${process.pid}-state.json`);
const hintState = join(ROOT, '.workbook', `cli-test-${process.pid}-hints.json`);
const backups = join(ROOT, '.workbook', `cli-test-${process.pid}-backups`);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env, WORKBOOK_STATE: statePath, WORKBOOK_BACKUPS: backups, NO_COLOR: '1', WORKBOOK_LANG: 'en', ...env };
  delete base.FORCE_COLOR;
  return new Promise((resolve) => {
    // stdin is not a terminal here, as in CI or a pipe.
    const child = execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'checks/cli', `${command}.ts`), ...args], { cwd: ROOT, env: base, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    child.stdin?.end();
  });
}

afterAll(() => {
  rmSync(statePath, { force: true });
  rmSync(hintState, { force: true });
  rmSync(backups, { recursive: true, force: true });
});

describe.concurrent('npm run hint', () => {
  it('speaks Chinese under a Chinese LANG, or after npm run lang zh-CN, and English again after npm run lang en', async () => {
    const state = join(ROOT, '.workbook', `cli-test-${process.pid}-lang.json`);
    try {
      const byLang = await run('hint', ['lesson-01'], { WORKBOOK_STATE: state, WORKBOOK_LANG: undefined as unknown as string, LANG: 'zh_CN.UTF-8', LC_ALL: '' });
      expect(byLang.out).toContain(`提示 1 / ${lesson.hintsZh.length}`);
      expect(byLang.out).toContain(`1. ${lesson.hintsZh[0]}`);
      expect(byLang.out).toContain(lesson.titleZh);
      await run('lang', ['en'], { WORKBOOK_STATE: state, WORKBOOK_LANG: undefined as unknown as string });
      const chosen = await run('hint', ['lesson-01'], { WORKBOOK_STATE: state, WORKBOOK_LANG: undefined as unknown as string, LANG: 'zh_CN.UTF-8', LC_ALL: '' });
      expect(chosen.out).toContain(`1. ${lesson.hints[0]}`);
      await run('lang', ['zh-CN'], { WORKBOOK_STATE: state, WORKBOOK_LANG: undefined as unknown as string });
      const back = await run('hint', ['lesson-01'], { WORKBOOK_STATE: state, WORKBOOK_LANG: undefined as unknown as string, LANG: 'C' });
      expect(back.out).toContain(`2. ${lesson.hintsZh[1]}`);
    } finally {
      rmSync(state, { force: true });
    }
  });

  it('reveals the hints one at a time, shows the earlier ones, and says when they run out', async () => {
    const total = lesson.hints.length;
    const first = await run('hint', ['lesson-01'], { WORKBOOK_STATE: hintState });
    expect(first.code).toBe(0);
    expect(first.out).toContain(`hint 1 of ${total}`);
    expect(first.out).toContain(`1. ${lesson.hints[0]}`);
    expect(first.out).not.toContain(`2. ${lesson.hints[1]}`);

    const second = await run('hint', ['1'], { WORKBOOK_STATE: hintState });
    expect(second.out).toContain(`hint 2 of ${total}`);
    expect(second.out).toContain(`1. ${lesson.hints[0]}`);
    expect(second.out).toContain(`2. ${lesson.hints[1]}`);

    // The rest in-process (the same functions the command calls), past the end.
    process.env.WORKBOOK_STATE = hintState;
    try {
      let revealed = revealNextHint(lesson);
      for (let i = 0; i < total; i += 1) revealed = revealNextHint(lesson);
      expect(revealed).toEqual({ shown: total, total, newlyShown: false });
      const last = renderHints(lesson, revealed.shown, revealed.newlyShown, undefined, 'en');
      expect(last).toContain(`hint ${total} of ${total}`);
      expect(last).toContain('That was the last hint');
      expect(last).toContain('solutions/lesson-01-echo/');
      expect(JSON.parse(readFileSync(hintState, 'utf8')).hints['lesson-01']).toBe(total);
    } finally {
      delete process.env.WORKBOOK_STATE;
    }

    const restarted = await run('hint', ['lesson-01', '--restart'], { WORKBOOK_STATE: hintState });
    expect(restarted.out).toContain('hidden again');
    expect((await run('hint', ['lesson-01'], { WORKBOOK_STATE: hintState })).out).toContain(`hint 1 of ${total}`);
  });

  it('names the valid lessons when the lesson does not exist', async () => {
    const result = await run('hint', ['lesson-99']);
    expect(result.code).toBe(2);
    expect(result.out).toContain('There is no lesson "lesson-99"');
    expect(result.out).toContain('lesson-01 (echo)');
  });
});

describe('npm run reset', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeScratch(lesson, 'reset', { solution: true, files: { 'notes.md': 'my notes\n' } });
  });
  afterAll(() => removeScratch(dir));

  it('does nothing without confirmation when it cannot ask', async () => {
    const result = await run('reset', ['lesson-01', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('Nothing changed');
    expect(result.out).toContain('--yes');
    expect(readFileSync(join(dir, 'server.ts'), 'utf8')).toBe(readFileSync(join(solutionDir(lesson), 'server.ts'), 'utf8'));
  });

  it('with --yes restores only the learner files, from the saved starters, and keeps a backup', async () => {
    const checkFile = readFileSync(join(dir, 'echo.check.ts'), 'utf8');
    const result = await run('reset', ['lesson-01', '--dir', dir, '--yes']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Restored server.ts, client.ts of lesson-01');
    const starters = await readStarters(lesson);
    for (const file of lesson.files) expect(readFileSync(join(dir, file), 'utf8')).toBe(starters[file]);
    // Everything else in the folder is untouched.
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(dir, 'echo.check.ts'), 'utf8')).toBe(checkFile);
    const [backup] = readdirSync(backups).filter((name) => name.startsWith('lesson-01-'));
    expect(backup).toBeDefined();
    expect(readFileSync(join(backups, backup ?? '', 'server.ts'), 'utf8')).toBe(readFileSync(join(solutionDir(lesson), 'server.ts'), 'utf8'));
  });

  it('says so when the files are already the starter, and recreates a deleted file', async () => {
    const again = await run('reset', ['lesson-01', '--dir', dir, '--yes']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('already hold the starter code');

    rmSync(join(dir, 'client.ts'));
    writeFileSync(join(dir, 'server.ts'), (await readStarters(lesson))['server.ts'] ?? '');
    // `npm run reset lesson-01 --yes` without `--` reaches the script as npm's own setting.
    const restored = await run('reset', ['lesson-01', '--dir', dir], { npm_config_yes: 'true' });
    expect(restored.code).toBe(0);
    expect(restored.out).toContain('Restored client.ts of lesson-01');
    expect(existsSync(join(dir, 'client.ts'))).toBe(true);
  });
});
