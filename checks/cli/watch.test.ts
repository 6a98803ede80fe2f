// Watch mode, end to end: the real command on a scratch copy of lesson-01, real file changes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLesson, ROOT, solutionDir, type Lesson } from '../lessons.ts';
import { makeScratch, processesWithMarker, removeScratch } from '../runner/scratch.ts';

const lesson = findLesson('lesson-01') as Lesson;
const next = findLesson('lesson-02') as Lesson;
const scratches: string[] = [];

interface Session {
  child: ChildProcess;
  marker: string;
  output(): string;
  /** Waits until `pattern` appears in the output written after `from`; returns the output length then. */
  waitFor(pattern: RegExp, from: number, withinMs?: number): Promise<number>;
  send(line: string): void;
  exited: Promise<number | null>;
}

function startWatch(dir: string, extra: string[] = []): Session {
  const marker = randomUUID();
  // English whatever the machine's LANG (the words matched below are the English ones).
  const env: NodeJS.ProcessEnv = { ...process.env, WORKBOOK_TEST_MARK: marker, WORKBOOK_STATE: `${dir}--state.json`, NO_COLOR: '1', WORKBOOK_LANG: 'en' };
  delete env.FORCE_COLOR; // picocolors colours whenever it is set, even to 0
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'checks/cli/watch.ts'), lesson.id, '--dir', dir, ...extra], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    marker,
    output: () => out,
    send: (line) => child.stdin?.write(`${line}\n`),
    exited,
    async waitFor(pattern, from, withinMs = 20_000) {
      const deadline = performance.now() + withinMs;
      for (;;) {
        const match = pattern.exec(out.slice(from));
        if (match) return from + match.index + match[0].length;
        if (performance.now() > deadline || child.exitCode !== null) {
          throw new Error(`watch never printed ${pattern} within ${withinMs} ms; it printed:\n${out.slice(from)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

async function noneLeft(marker: string): Promise<number[]> {
  // The warm child started for the next run exits as soon as it sees its parent is gone.
  const deadline = performance.now() + 5000;
  let left = processesWithMarker(marker);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesWithMarker(marker);
  }
  return left;
}

let starterCopy = '';
let pollCopy = '';
beforeAll(async () => {
  starterCopy = await makeScratch(lesson, 'watch');
  pollCopy = await makeScratch(lesson, 'watch-poll');
  scratches.push(starterCopy, pollCopy);
});

afterAll(() => {
  for (const dir of scratches) {
    removeScratch(dir);
    rmSync(`${dir}--state.json`, { force: true });
  }
});

describe.concurrent('npm run watch', () => {
  it('re-checks on save, re-checks on r, moves on to the next lesson when it passes, and quits on q', async () => {
    const watch = startWatch(starterCopy);
    try {
      let at = await watch.waitFor(/ 0 of \d+ checks pass[\s\S]*Watching for changes/, 0);
      // A real change to a learner file: the server is solved, the client is not.
      copyFileSync(join(solutionDir(lesson), 'server.ts'), join(starterCopy, 'server.ts'));
      at = await watch.waitFor(/ [1-9]\d* of \d+ checks pass[\s\S]*Watching for changes/, at);
      // The fallback for file systems without change events: re-check by hand.
      watch.send('r');
      at = await watch.waitFor(/lesson-01 · [^\n]*watching[\s\S]* [1-9]\d* of \d+ checks pass[\s\S]*Watching for changes/, at);
      copyFileSync(join(solutionDir(lesson), 'client.ts'), join(starterCopy, 'client.ts'));
      // Then the reference solution to compare with, and the next lesson.
      at = await watch.waitFor(new RegExp(`All \\d+ checks pass[\\s\\S]*solutions/lesson-01-echo/[\\s\\S]*Moving on to ${next.id}[^\\n]*now watching lessons/${next.id}`), at);
      watch.send('h');
      at = await watch.waitFor(new RegExp(`${next.id} · [^\\n]*hint 1 of`), at);
      watch.send('q');
      expect(await watch.exited).toBe(0);
      expect(await noneLeft(watch.marker)).toEqual([]);
    } finally {
      watch.child.kill('SIGKILL');
    }
  });

  it('with --poll, still sees a save', async () => {
    const watch = startWatch(pollCopy, ['--poll']);
    try {
      const at = await watch.waitFor(/ 0 of \d+ checks pass[\s\S]*Watching for changes/, 0);
      copyFileSync(join(solutionDir(lesson), 'server.ts'), join(pollCopy, 'server.ts'));
      await watch.waitFor(/ [1-9]\d* of \d+ checks pass[\s\S]*Watching for changes/, at);
      watch.child.kill('SIGINT');
      expect(await watch.exited).toBe(0);
      expect(await noneLeft(watch.marker)).toEqual([]);
    } finally {
      watch.child.kill('SIGKILL');
      rmSync(`${pollCopy}--state.json`, { force: true });
    }
  });
});
