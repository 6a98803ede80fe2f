// The overview (npm start): every lesson's state, worked out by running the checks in one run.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLesson, lessons, ROOT, type Lesson } from '../lessons.ts';
import { makeScratch, removeScratch } from '../runner/scratch.ts';
import { lessonStatuses, nextLesson, type LessonEntry, type LessonStatus } from './progress.ts';
import { renderOverview } from './overview.ts';

const lesson = findLesson('lesson-01') as Lesson;
const dirs: Record<string, string> = {};

beforeAll(async () => {
  const variants = {
    solved: { solution: true },
    halfway: { solution: true, files: { 'client.ts': (await import('../contract/starters.ts').then((m) => m.readStarters(lesson)))['client.ts'] ?? '' } },
    starter: {},
    broken: { files: { 'server.ts': 'export const = 1;\n' } },
    stuck: { files: { 'server.ts': 'while (true) {}\n' } },
    cachedSolved: { solution: true },
    cachedStarter: {},
  };
  await Promise.all(Object.entries(variants).map(async ([tag, options]) => { dirs[tag] = await makeScratch(lesson, `overview-${tag}`, options); }));
});

afterAll(() => {
  for (const dir of Object.values(dirs)) removeScratch(dir);
});

describe.concurrent('the overview', () => {
  it('works out each lesson\'s state from one run, and goes on past a lesson that has to be stopped', async () => {
    const entries: LessonEntry[] = [
      { lesson, dir: dirs.solved ?? '' },
      { lesson, dir: dirs.stuck ?? '' },
      { lesson, dir: dirs.halfway ?? '' },
      { lesson, dir: dirs.starter ?? '' },
      { lesson, dir: dirs.broken ?? '' },
      { lesson, dir: join(ROOT, '.workbook', 'lesson-01-echo--not-there') },
    ];
    const statuses = await lessonStatuses(entries, { checkLimitMs: 3000, checkTimeoutMs: 1000, cache: false });
    expect(statuses.map((status) => status.state)).toEqual(['done', 'stuck', 'started', 'not-started', 'broken', 'missing']);
    expect(statuses[1]?.reason).toBe('its files never finished loading');
    expect(statuses[2]?.passedChecks).toBeGreaterThan(0);
    expect(statuses[4]?.reason).toBe('a syntax error');
    expect(nextLesson(statuses)).toBe(statuses[1]);
  });

  it('keeps each lesson\'s status until its files change, and then checks only that lesson again', async () => {
    const state = join(ROOT, '.workbook', `overview-cache-${process.pid}.json`);
    const previous = process.env.WORKBOOK_STATE;
    process.env.WORKBOOK_STATE = state;
    try {
      const entries: LessonEntry[] = [{ lesson, dir: dirs.cachedSolved ?? '' }, { lesson, dir: dirs.cachedStarter ?? '' }];
      const checked = async (): Promise<{ states: string[]; files: string[] }> => {
        const files: string[] = [];
        const statuses = await lessonStatuses(entries, { onEvent: (event) => { if (event.type === 'file-start') files.push(event.file); } });
        return { states: statuses.map((status) => status.state), files };
      };
      const first = await checked();
      expect(first.states).toEqual(['done', 'not-started']);
      expect(first.files).toHaveLength(2);
      const again = await checked();
      expect(again).toEqual({ states: ['done', 'not-started'], files: [] });
      // A type error is a change, and makes a lesson whose checks pass not done.
      const server = join(dirs.cachedSolved ?? '', 'server.ts');
      writeFileSync(server, readFileSync(server, 'utf8').replace('export function createServer(', 'const wrong: number = "text";\nexport function createServer('));
      const changed = await checked();
      expect(changed.states).toEqual(['started', 'not-started']);
      expect(changed.files.map((file) => file.startsWith(dirs.cachedSolved ?? ''))).toEqual([true]);
    } finally {
      if (previous === undefined) delete process.env.WORKBOOK_STATE; else process.env.WORKBOOK_STATE = previous;
      rmSync(state, { force: true });
    }
  });

  const status = (id: string, state: LessonStatus['state']): LessonStatus => {
    const found = findLesson(id) as Lesson;
    return { lesson: found, dir: join(ROOT, 'lessons', `${found.id}-${found.slug}`), state, passedChecks: state === 'started' ? 2 : 0, reason: 'some check' };
  };

  it('lists every lesson, counts the done ones, and gives the exact command for the next', () => {
    // Colours are on wherever CI is set (picocolors), so read the text as a person would.
    const text = stripVTControlCharacters(renderOverview([status('lesson-01', 'done'), status('lesson-02', 'started'), status('lesson-03', 'not-started'), status('lesson-04', 'missing')]));
    expect(text).toMatch(/lesson-01 .*done/);
    expect(text).toMatch(/lesson-02 .*2 checks pass/);
    expect(text).toMatch(/lesson-04 .*not published yet/);
    expect(text).toContain('1 of 3 lessons done');
    expect(text).toMatch(/Next: lesson-02 · /);
    expect(text).toContain('check  npm run check lesson-02');
    expect(text).toContain('lessons/lesson-02-conversation/README.md');
  });

  it('congratulates when every published lesson is done', () => {
    expect(stripVTControlCharacters(renderOverview([status('lesson-01', 'done'), status('lesson-02', 'missing')]))).toContain('Every published lesson is done');
  });

  it('npm start prints the overview of the real lessons/ folder', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', WORKBOOK_LANG: 'en', WORKBOOK_STATE: join(ROOT, '.workbook', `overview-real-${process.pid}.json`) };
    delete env.FORCE_COLOR;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'checks/cli/overview.ts')], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      });
    });
    for (const { id } of lessons) expect(out).toContain(id);
    expect(out).toMatch(/\d+ of \d+ lessons done/);
    expect(out).toMatch(/check {2}npm run check lesson-\d\d|Every published lesson is done/);
  });
});
