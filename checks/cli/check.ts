// npm run check lesson-01   (also: 1, 01, lesson-01-echo)
// Runs one lesson's self-checks against the files in lessons/ and explains what failed.
// For maintainers and tests: `-- --dir <folder>` checks a copy of the lesson folder instead (it
// must sit at the same depth as lessons/<lesson>/, e.g. under .workbook/, so imports resolve).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { findLesson, lessonDir, lessonFolder, lessonIdList, ROOT, type Lesson } from '../lessons.ts';
import { displayPath, formatError, formatLoadError, formatStuck, formatTypeErrors, learnerFrames } from '../runner/format.ts';
import { typecheckFolder, type TypecheckResult } from '../runner/typecheck.ts';
import { activeLanguage, t } from '../runner/language.ts';
import { passed, runChecks, type RunReport } from '../runner/run-checks.ts';
import { speakLearnersLanguage, titleOf } from './lang.ts';
import { statusFromRun } from './progress.ts';
import { lessonKey, nextNotDone, writeCachedStatuses } from './status-cache.ts';
import { updateState } from './state.ts';

/** A check that awaits something for longer than this fails, saying where it waited. Waits for
 * what should happen at once fail sooner (the harness: 3 s); this leaves a busy machine room. */
export const CHECK_TIMEOUT_MS = 10_000;
/** Code that never gives control back (an endless loop) is stopped after this long. */
export const CHECK_LIMIT_MS = 7_000;

export interface CheckLessonOptions {
  /** Print nothing while the checks run. */
  quiet?: boolean;
  /** Check this folder instead of lessons/<lesson>/ (a copy at the same depth). */
  dir?: string;
  /** Cancels the run (watch mode, when a file changes mid-run). */
  signal?: AbortSignal;
}

export async function checkLesson(lesson: Lesson, { quiet = false, dir = lessonDir(lesson), signal }: CheckLessonOptions = {}): Promise<RunReport> {
  const spinner = quiet ? undefined : startSpinner();
  const shown = new Set<string>();
  const printed = new Map<string, string[]>();
  const report = await runChecks({
    paths: [dir],
    checkLimitMs: CHECK_LIMIT_MS,
    checkTimeoutMs: CHECK_TIMEOUT_MS,
    language: activeLanguage(),
    ...(signal ? { signal } : {}),
    onEvent: (event) => {
      if (quiet) return;
      if (event.type === 'start') spinner?.update(event.name);
      if (event.type === 'log' && event.check) {
        const lines = printed.get(event.check) ?? [];
        lines.push(...event.text.replace(/\n$/, '').split('\n'));
        printed.set(event.check, lines);
      }
      if (event.type === 'result') {
        spinner?.clear();
        const mark = event.state === 'passed' ? pc.green('✓') : event.state === 'failed' ? pc.red('✗') : pc.yellow('○');
        console.log(`  ${mark} ${event.name}${event.state === 'passed' ? pc.dim(` (${Math.round(event.durationMs)} ms)`) : ''}`);
        if (event.state === 'failed') {
          for (const error of event.errors.slice(0, 1)) {
            // The same reason twice in a row (a starter's todo) is said once.
            console.log(shown.has(error.message) ? pc.dim(t('    (same reason as above)', '    （原因同上）')) : formatError(error));
            shown.add(error.message);
          }
          // What the learner's code printed is often the quickest clue.
          const lines = printed.get(event.name) ?? [];
          if (lines.length > 0) {
            console.log(pc.dim(t('    Your code printed:', '    你的代码打印了：')));
            for (const line of lines.slice(0, 12)) console.log(pc.dim(`      ${line}`));
            if (lines.length > 12) console.log(pc.dim(t(`      … and ${lines.length - 12} more lines`, `      … 还有 ${lines.length - 12} 行`)));
          }
        }
      }
    },
  });
  spinner?.stop();
  return report;
}

export interface ExplainOptions {
  /** The folder that was checked (default lessons/<lesson>/). */
  dir?: string;
  /** After a pass, say which lesson comes next (watch mode says it itself). */
  showNext?: boolean;
  /** How to get a hint, e.g. `press h` in watch mode. */
  hintHow?: string;
  /** What TypeScript said about the lesson's files, checked beside the checks. */
  types?: TypecheckResult;
}

/** Done means every check passes and TypeScript finds no error in the lesson's files. */
export function lessonPassed(report: RunReport, types: TypecheckResult | undefined): boolean {
  return passed(report) && (types?.errors.length ?? 0) === 0;
}

export function explain(lesson: Lesson, report: RunReport, { dir = lessonDir(lesson), showNext = true, hintHow, types }: ExplainOptions = {}): void {
  for (const warning of report.warnings ?? []) console.log(pc.yellow(`\n  ! ${warning.text}`));
  if (types && types.errors.length > 0) {
    const count = types.errors.length;
    console.log(pc.red(t(`\n  ✗ TypeScript found ${count} type error${count === 1 ? '' : 's'} in your files:`, `\n  ✗ TypeScript 在你的文件里发现了 ${count} 个类型错误：`)));
    console.log(formatTypeErrors(types.errors));
  } else if (types?.failed) {
    console.log(pc.yellow(t(`\n  ! Your files could not be type-checked (${types.failed}); run npx tsc -p tsconfig.json to see why.`, `\n  ! 没能对你的文件做类型检查（${types.failed}）；运行 npx tsc -p tsconfig.json 看看原因。`)));
  }
  for (const { file, errors } of report.fileErrors) {
    console.log(pc.red(t(`\n  ✗ ${displayPath(file)} could not be loaded, so none of its checks ran.`, `\n  ✗ ${displayPath(file)} 加载失败，它的检查一个都没有运行。`)));
    for (const error of errors) console.log(formatLoadError(error));
  }
  if (report.timedOut) {
    const { check, afterMs, phase, stuckAt = [] } = report.timedOut;
    const seconds = (afterMs / 1000).toFixed(1);
    if (phase === 'startup') {
      console.log(pc.red(t(`\n  ✗ The check runner did not start within ${seconds} s. Is the machine very busy? Try again.`, `\n  ✗ 检查程序在 ${seconds} 秒内没能启动。机器是不是很忙？再试一次。`)));
    } else {
      const what = check
        ? t(`the check “${check}” never finished`, `检查“${check}”一直没有结束`)
        : phase === 'loading' ? t('your files never finished loading', '你的文件一直没有加载完') : t('a check\'s setup or clean-up never finished', '某个检查的准备或收尾工作一直没有结束');
      console.log(pc.red(t(`\n  ✗ Stopped after ${seconds} s: ${what}.`, `\n  ✗ ${seconds} 秒后停止了运行：${what}。`)));
      if (stuckAt.length > 0) console.log(formatStuck(stuckAt));
      const blocked = stuckAt.length > 0
        ? t('code that never gives control back (an endless loop?) blocks Node\'s event loop: no message, timer or close can happen while it runs.',
          '一段永远不交还控制权的代码（死循环？）堵住了 Node 的事件循环：它运行期间，消息、定时器、关闭都没法发生。')
        : t('something blocks the event loop (an endless loop?) or waits for an event that never comes.', '有东西堵住了事件循环（死循环？），或者在等一个永远不会来的事件。');
      const loading = phase === 'loading' ? t(' Code at the top level of a file runs when the file is imported.', '文件最外层的代码在文件被 import 时就会执行。') : '';
      console.log(pc.cyan(t(`    Hint: ${blocked}${loading} Everything the check started has been stopped.`, `    提示：${blocked}${loading}检查启动的一切都已经停掉了。`)));
    }
  }
  if (report.crashed) {
    console.log(pc.red(t('\n  ✗ The check run crashed:', '\n  ✗ 检查程序崩溃了：')));
    console.log(report.crashed.split('\n').slice(0, 15).map((line) => `    ${line}`).join('\n'));
  }
  const reported = new Set(report.results.flatMap((result) => result.errors.map((error) => error.message)));
  const unhandled = report.unhandled.filter((error) => ![...reported].some((message) => message.includes(error.message)));
  for (const error of unhandled.slice(0, 3)) {
    console.log(pc.red(t(`\n  ✗ An error escaped your code: ${error.name}: ${error.message}`, `\n  ✗ 有一个异常从你的代码里漏了出去：${error.name}: ${error.message}`)));
    for (const frame of learnerFrames(error.stack)) console.log(pc.dim(`      ${frame}`));
  }

  const ran = report.results.length;
  const total = Math.max(ran, report.expectedChecks ?? 0);
  const good = report.results.filter((result) => result.state === 'passed').length;
  const folder = displayPath(resolve(dir));
  console.log('');
  if (passed(report) && (types?.errors.length ?? 0) > 0) {
    console.log(pc.yellow(t(`  All ${total} checks pass, but ${lesson.id} is not done until TypeScript finds no type errors (above).`,
      `  ${total} 项检查全部通过，但 TypeScript 还报告了类型错误（见上面），改好之前 ${lesson.id} 还不算完成。`)));
  } else if (passed(report)) {
    const solution = pc.bold(`solutions/${lessonFolder(lesson)}/`);
    console.log(pc.green(t(`  All ${total} checks pass. ${lesson.id} is done!`, `  ${total} 项检查全部通过。${lesson.id} 完成了！`)));
    console.log(t(`  Now compare with the reference solution in ${solution} (${lesson.files.join(', ')}):`, `  现在和 ${solution} 里的参考答案（${lesson.files.join('、')}）对照一下：`));
    console.log(t('  there is often more than one good answer, and the comments there say why each line is as it is.', '  好的写法往往不止一种，那里的注释解释了每一行为什么这样写。'));
    // Next is the first lesson not done yet (the overview's kept results say which are).
    const next = showNext ? nextNotDone(lesson) : undefined;
    if (!showNext) {
      // the caller says what comes next
    } else if (next) {
      const title = pc.bold(`${next.id} · ${titleOf(next)}`);
      const command = pc.bold(`npm run check ${next.id}`);
      console.log(t(`  Next: ${title}, read lessons/${lessonFolder(next)}/README.md, then ${command}`, `  下一课：${title}。先读 lessons/${lessonFolder(next)}/README.zh-CN.md，再运行 ${command}`));
    } else {
      console.log(t('  Every published lesson is done. Well done!', '  已发布的课程全部完成了，干得漂亮！'));
    }
  } else if (total === 0 && report.fileErrors.length === 0 && !report.timedOut && !report.crashed && !report.cancelled) {
    console.log(pc.yellow(t(`  No checks found in ${folder}/ (files named *.check.ts).`, `  在 ${folder}/ 里没有找到检查（名为 *.check.ts 的文件）。`)));
  } else {
    const firstFailure = report.results.find((result) => result.state === 'failed');
    const summary = total === 0
      ? t('No check could run: fix that first.', '一个检查都没能运行：先解决这个问题。')
      : ran < total
        ? t(`${good} of ${total} checks pass (${total - ran} did not run).`, `${total} 项检查通过了 ${good} 项（${total - ran} 项没有运行）。`)
        : t(`${good} of ${total} checks pass.`, `${total} 项检查通过了 ${good} 项。`);
    console.log(pc.yellow(`  ${summary}`) + (firstFailure ? t(` Start with “${firstFailure.name}”.`, `从“${firstFailure.name}”开始。`) : ''));
    const files = lesson.files.map((file) => `${folder}/${file}`);
    console.log(t(`  Files to edit: ${files.join(', ')}`, `  要改的文件：${files.join('、')}`));
    console.log(hintHow
      ? t(`  Stuck? ${pc.bold(hintHow)} to reveal one hint at a time.`, `  卡住了？${pc.bold(hintHow)}，每次多显示一条提示。`)
      : t(`  Stuck? ${pc.bold(`npm run hint ${lesson.id}`)} reveals one hint at a time.`, `  卡住了？${pc.bold(`npm run hint ${lesson.id}`)} 每次多显示一条提示。`));
  }
}

type Spinner = { update(text: string): void; clear(): void; stop(): void };

function startSpinner(): Spinner | undefined {
  if (!process.stdout.isTTY) return undefined;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let text: string = t('loading your files…', '正在加载你的文件…');
  let frame = 0;
  const draw = (): void => { process.stdout.write(`\r\x1b[2K  ${pc.cyan(frames[frame++ % frames.length] ?? '')} ${pc.dim(text)}`); };
  const timer = setInterval(draw, 80);
  return {
    update: (next) => { text = next; },
    clear: () => process.stdout.write('\r\x1b[2K'),
    stop: () => { clearInterval(timer); process.stdout.write('\r\x1b[2K'); },
  };
}

/** Resolves the lesson named on the command line, or exits with the list of valid ones. */
export function lessonFromArgs(query: string | undefined, command: string): Lesson {
  if (!query) {
    console.error(t(`Which lesson? For example: npm run ${command} lesson-01\nLessons: ${lessonIdList()}`, `哪一课？例如：npm run ${command} lesson-01\n课程：${lessonIdList()}`));
    process.exit(2);
  }
  const lesson = findLesson(query);
  if (!lesson) {
    console.error(noSuchLesson(query));
    process.exit(2);
  }
  return lesson;
}

/** "There is no lesson …" with the valid ones, in the active language. */
export function noSuchLesson(query: string): string {
  return t(`There is no lesson "${query}". Valid lessons: ${lessonIdList()}`, `没有叫 "${query}" 的课。可用的课程：${lessonIdList()}`);
}

async function main(): Promise<void> {
  speakLearnersLanguage();
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' }, wire: { type: 'boolean' } } });
  const lesson = lessonFromArgs(positionals[0], 'check');
  // --wire: show every frame of a failing check's transcript, not only the last few.
  if (values.wire) process.env.WORKBOOK_WIRE = 'all';
  const dir = values.dir ? resolve(ROOT, values.dir) : lessonDir(lesson);
  console.log(pc.bold(`${lesson.id} · ${titleOf(lesson)}`));
  if (!existsSync(dir)) {
    console.log(pc.yellow(t(`  ${displayPath(dir)}/ does not exist yet: this lesson is not published in your copy of the workbook.`, `  ${displayPath(dir)}/ 还不存在：你手上这份教程里还没有发布这一课。`)));
    process.exitCode = 1;
    return;
  }
  if (!values.dir) updateState((state) => { state.current = lesson.id; });
  // The type check runs beside the checks (its own process), not after them.
  const typing = typecheckFolder(dir);
  const key = lessonKey(dir); // before the run: an edit during it must not be credited
  const report = await checkLesson(lesson, { dir });
  const types = await typing;
  explain(lesson, report, { dir, types });
  process.exitCode = lessonPassed(report, types) ? 0 : 1;
  // The overview (npm start) shows this result until the lesson's files change.
  const status = statusFromRun({ lesson, dir }, report, types);
  if (!values.dir && !types.failed && status.state !== 'stuck') writeCachedStatuses([{ status, key }]);
}

if (isMain(import.meta.url)) await main();
