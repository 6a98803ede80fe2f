// npm run watch [lesson-01] — re-checks the lesson every time one of its files is saved, in place,
// and moves on to the next lesson when it passes. Without a lesson: the next one not done yet.
// Keys: r (or Enter) re-checks now, h shows the next hint, q quits. Where file-change events do
// not arrive (some network drives, WSL on /mnt, containers), use `-- --poll`, or press r.
// For maintainers and tests: `-- --dir <folder>` watches a copy of the first lesson's folder.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { watch, type FSWatcher } from 'chokidar';
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { findLesson, lessonDir, lessonFolder, lessonIdList, ROOT, type Lesson } from '../lessons.ts';
import { displayPath } from '../runner/format.ts';
import { warmUp } from '../runner/run-checks.ts';
import { typecheckFolder, type TypecheckResult } from '../runner/typecheck.ts';
import { checkLesson, explain, lessonPassed } from './check.ts';
import { renderHints, revealNextHint } from './hint.ts';
import { currentLanguage } from './lang.ts';
import { lessonStatuses, nextLesson, statusFromRun } from './progress.ts';
import { updateState } from './state.ts';
import { lessonKey, nextNotDone, writeCachedStatuses } from './status-cache.ts';

/** Saves come in bursts (editors write, rename, touch): wait for a quiet moment. */
const DEBOUNCE_MS = 150;
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?|json)$/;

export interface WatchOptions {
  lesson: Lesson;
  /** The folder to watch and check for the first lesson (default lessons/<lesson>/). */
  dir?: string;
  /** Poll the file system instead of relying on change events. */
  poll?: boolean;
}

export async function watchLessons({ lesson: first, dir: firstDir, poll = false }: WatchOptions): Promise<void> {
  const tty = process.stdout.isTTY === true;
  let lesson = first;
  let dir = firstDir ?? lessonDir(first);
  let watcher: FSWatcher | undefined;
  let running: AbortController | undefined;
  let rerunRequested = false;
  let debounce: NodeJS.Timeout | undefined;
  let quitting = false;

  const keysLine = pc.dim('r re-check · h hint · q quit');

  const startWatching = async (): Promise<void> => {
    await watcher?.close();
    const next = watch(dir, {
      ignoreInitial: true,
      usePolling: poll,
      interval: 300,
      atomic: true,
      // Only source files: not editor swap files, backups or the README.
      ignored: (path, stats) => /(?:^|\/)(?:node_modules|\.git)(?:\/|$)/.test(path) || (stats?.isFile() === true && !SOURCE_FILE.test(path)),
    });
    next.on('all', (_event, path) => {
      if (!SOURCE_FILE.test(path)) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => void requestRun(), DEBOUNCE_MS);
    });
    next.on('error', (error) => console.error(pc.red(`Watching ${displayPath(dir)} failed: ${(error as Error).message}. Press r to check by hand.`)));
    await new Promise<void>((ready) => next.once('ready', ready));
    watcher = next;
  };

  const requestRun = async (): Promise<void> => {
    if (quitting) return;
    if (running) {
      // A save during a run: stop it and check the newest files instead.
      rerunRequested = true;
      running.abort();
      return;
    }
    do {
      rerunRequested = false;
      running = new AbortController();
      await runOnce(running.signal);
      running = undefined;
    } while (rerunRequested && !quitting);
  };

  const runOnce = async (signal: AbortSignal): Promise<void> => {
    if (tty) console.clear();
    else console.log(pc.dim('─'.repeat(60)));
    console.log(`${pc.bold(`${lesson.id} · ${lesson.title}`)}  ${pc.dim(`watching ${displayPath(dir)}/`)}`);
    const started = new Date();
    const typing = typecheckFolder(dir, { signal }).catch((): TypecheckResult => ({ errors: [], failed: 'cancelled' }));
    const key = lessonKey(dir);
    const report = await checkLesson(lesson, { dir, signal });
    const types = await typing;
    if (!report.cancelled && !types.failed) {
      const status = statusFromRun({ lesson, dir }, report, types);
      if (status.state !== 'stuck') writeCachedStatuses([{ status, key }]);
    }
    // The next run finds vitest already loaded (saves a third of a second per save).
    if (!quitting) warmUp();
    if (report.cancelled) return;
    explain(lesson, report, { dir, showNext: false, hintHow: 'press h', types });
    if (lessonPassed(report, types)) {
      await moveOn();
      return;
    }
    console.log('');
    console.log(pc.dim(`Checked at ${started.toLocaleTimeString()}. Watching for changes…  `) + keysLine);
  };

  const moveOn = async (): Promise<void> => {
    const next = nextNotDone(lesson);
    console.log('');
    if (!next) {
      console.log(pc.green('Every published lesson is done: the workbook is done!'));
      console.log(pc.dim('Still watching this lesson, in case you want to experiment.  ') + keysLine);
      return;
    }
    lesson = next;
    dir = lessonDir(next);
    updateState((state) => { state.current = next.id; });
    await startWatching();
    console.log(`${pc.bold('Moving on')} to ${pc.bold(`${next.id} · ${next.title}`)}: now watching ${displayPath(dir)}/.`);
    console.log(`Read lessons/${lessonFolder(next)}/README.md, then edit ${next.files.join(', ')}: every save re-checks it.`);
    console.log(pc.dim('Press r to check it now.  ') + keysLine);
  };

  const quit = async (): Promise<void> => {
    if (quitting) return;
    quitting = true;
    clearTimeout(debounce);
    running?.abort();
    await watcher?.close();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    console.log(pc.dim('\nStopped watching.'));
    // A learner's leftover handle in this process (there should be none) must not keep it alive.
    setTimeout(() => process.exit(0), 100).unref();
  };

  const onKey = (key: string): void => {
    switch (key.toLowerCase()) {
      case 'q':
      case '\u0003': // Ctrl+C in raw mode
        void quit();
        break;
      case 'r':
      case '\r':
      case '\n':
      case '':
        void requestRun();
        break;
      case 'h': {
        const { shown, newlyShown } = revealNextHint(lesson);
        console.log(`\n${renderHints(lesson, shown, newlyShown, currentLanguage() === 'zh-CN' ? '再按 h' : 'press h again')}`);
        break;
      }
    }
  };

  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (data: string) => { for (const key of data) onKey(key); });
  } else {
    // Not a terminal (a pipe, a test): one command per line.
    createInterface({ input: process.stdin }).on('line', (line) => onKey(line.trim().charAt(0)));
  }
  process.on('SIGINT', () => void quit());
  process.on('SIGTERM', () => void quit());

  updateState((state) => { state.current = lesson.id; });
  await startWatching();
  await requestRun();
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { poll: { type: 'boolean' }, dir: { type: 'string' } } });
  const poll = values.poll === true || process.env.npm_config_poll === 'true' || process.env.WORKBOOK_POLL === '1';
  let lesson: Lesson | undefined;
  if (positionals[0]) {
    lesson = findLesson(positionals[0]);
    if (!lesson) {
      console.error(`There is no lesson "${positionals[0]}". Valid lessons: ${lessonIdList()}`);
      process.exit(2);
    }
  } else {
    console.log(pc.dim('Finding the next lesson to do…'));
    const next = nextLesson(await lessonStatuses());
    if (!next) {
      console.log(pc.green('Every published lesson is done. Name one to watch it anyway: npm run watch lesson-01'));
      return;
    }
    lesson = next.lesson;
  }
  const dir = values.dir ? resolve(ROOT, values.dir) : lessonDir(lesson);
  if (!existsSync(dir)) {
    console.error(`${displayPath(dir)}/ does not exist: ${lesson.id} is not published in your copy of the workbook.`);
    process.exit(1);
  }
  await watchLessons({ lesson, dir, poll });
}

if (isMain(import.meta.url)) await main();
