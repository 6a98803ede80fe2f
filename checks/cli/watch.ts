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
import { findLesson, lessonDir, lessonFolder, ROOT, type Lesson } from '../lessons.ts';
import { displayPath } from '../runner/format.ts';
import { t } from '../runner/language.ts';
import { warmUp } from '../runner/run-checks.ts';
import { typecheckFolder, type TypecheckResult } from '../runner/typecheck.ts';
import { checkLesson, explain, lessonPassed, noSuchLesson } from './check.ts';
import { renderHints, revealNextHint } from './hint.ts';
import { speakLearnersLanguage, titleOf } from './lang.ts';
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

  const keysLine = pc.dim(t('r re-check · h hint · q quit', 'r 重新检查 · h 提示 · q 退出'));

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
    next.on('error', (error) => console.error(pc.red(t(`Watching ${displayPath(dir)} failed: ${(error as Error).message}. Press r to check by hand.`, `监视 ${displayPath(dir)} 失败：${(error as Error).message}。按 r 手动检查。`))));
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
    console.log(`${pc.bold(`${lesson.id} · ${titleOf(lesson)}`)}  ${pc.dim(t(`watching ${displayPath(dir)}/`, `正在监视 ${displayPath(dir)}/`))}`);
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
    explain(lesson, report, { dir, showNext: false, hintHow: t('press h', '按 h'), types });
    if (lessonPassed(report, types)) {
      await moveOn();
      return;
    }
    console.log('');
    console.log(pc.dim(t(`Checked at ${started.toLocaleTimeString()}. Watching for changes…  `, `${started.toLocaleTimeString('zh-CN')} 检查完毕。正在等你保存修改…  `)) + keysLine);
  };

  const moveOn = async (): Promise<void> => {
    const next = nextNotDone(lesson);
    console.log('');
    if (!next) {
      console.log(pc.green(t('Every published lesson is done: the workbook is done!', '已发布的课程全部完成：整本教程都做完了！')));
      console.log(pc.dim(t('Still watching this lesson, in case you want to experiment.  ', '还在监视这一课，你可以接着做实验。  ')) + keysLine);
      return;
    }
    lesson = next;
    dir = lessonDir(next);
    updateState((state) => { state.current = next.id; });
    await startWatching();
    const title = pc.bold(`${next.id} · ${titleOf(next)}`);
    console.log(t(`${pc.bold('Moving on')} to ${title}: now watching ${displayPath(dir)}/.`, `${pc.bold('进入下一课')}：${title}，现在监视 ${displayPath(dir)}/。`));
    console.log(t(`Read lessons/${lessonFolder(next)}/README.md, then edit ${next.files.join(', ')}: every save re-checks it.`, `先读 lessons/${lessonFolder(next)}/README.zh-CN.md，再改 ${next.files.join('、')}：每次保存都会重新检查。`));
    console.log(pc.dim(t('Press r to check it now.  ', '按 r 立即检查。  ')) + keysLine);
  };

  const quit = async (): Promise<void> => {
    if (quitting) return;
    quitting = true;
    clearTimeout(debounce);
    running?.abort();
    await watcher?.close();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    console.log(pc.dim(t('\nStopped watching.', '\n已停止监视。')));
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
        console.log(`\n${renderHints(lesson, shown, newlyShown, t('press h again', '再按 h'))}`);
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
  speakLearnersLanguage();
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { poll: { type: 'boolean' }, dir: { type: 'string' } } });
  const poll = values.poll === true || process.env.npm_config_poll === 'true' || process.env.WORKBOOK_POLL === '1';
  let lesson: Lesson | undefined;
  if (positionals[0]) {
    lesson = findLesson(positionals[0]);
    if (!lesson) {
      console.error(noSuchLesson(positionals[0]));
      process.exit(2);
    }
  } else {
    console.log(pc.dim(t('Finding the next lesson to do…', '正在找下一课…')));
    const next = nextLesson(await lessonStatuses());
    if (!next) {
      console.log(pc.green(t('Every published lesson is done. Name one to watch it anyway: npm run watch lesson-01', '已发布的课程全部完成。想继续监视某一课，就指名：npm run watch lesson-01')));
      return;
    }
    lesson = next.lesson;
  }
  const dir = values.dir ? resolve(ROOT, values.dir) : lessonDir(lesson);
  if (!existsSync(dir)) {
    console.error(t(`${displayPath(dir)}/ does not exist: ${lesson.id} is not published in your copy of the workbook.`, `${displayPath(dir)}/ 不存在：你手上这份教程里还没有发布 ${lesson.id}。`));
    process.exit(1);
  }
  await watchLessons({ lesson, dir, poll });
}

if (isMain(import.meta.url)) await main();
