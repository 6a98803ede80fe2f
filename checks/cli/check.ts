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
import { passed, runChecks, type RunReport } from '../runner/run-checks.ts';
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
            console.log(shown.has(error.message) ? pc.dim('    (same reason as above)') : formatError(error));
            shown.add(error.message);
          }
          // What the learner's code printed is often the quickest clue.
          const lines = printed.get(event.name) ?? [];
          if (lines.length > 0) {
            console.log(pc.dim('    Your code printed:'));
            for (const line of lines.slice(0, 12)) console.log(pc.dim(`      ${line}`));
            if (lines.length > 12) console.log(pc.dim(`      … and ${lines.length - 12} more lines`));
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
    console.log(pc.red(`\n  ✗ TypeScript found ${count} type error${count === 1 ? '' : 's'} in your files:`));
    console.log(formatTypeErrors(types.errors));
  } else if (types?.failed) {
    console.log(pc.yellow(`\n  ! Your files could not be type-checked (${types.failed}); run npx tsc -p tsconfig.json to see why.`));
  }
  for (const { file, errors } of report.fileErrors) {
    console.log(pc.red(`\n  ✗ ${displayPath(file)} could not be loaded, so none of its checks ran.`));
    for (const error of errors) console.log(formatLoadError(error));
  }
  if (report.timedOut) {
    const { check, afterMs, phase, stuckAt = [] } = report.timedOut;
    const seconds = (afterMs / 1000).toFixed(1);
    if (phase === 'startup') {
      console.log(pc.red(`\n  ✗ The check runner did not start within ${seconds} s. Is the machine very busy? Try again.`));
    } else {
      const what = check ? `the check “${check}” never finished` : phase === 'loading' ? 'your files never finished loading' : 'a check\'s setup or clean-up never finished';
      console.log(pc.red(`\n  ✗ Stopped after ${seconds} s: ${what}.`));
      if (stuckAt.length > 0) console.log(formatStuck(stuckAt));
      const blocked = stuckAt.length > 0
        ? 'code that never gives control back (an endless loop?) blocks Node\'s event loop: no message, timer or close can happen while it runs.'
        : 'something blocks the event loop (an endless loop?) or waits for an event that never comes.';
      const loading = phase === 'loading' ? ' Code at the top level of a file runs when the file is imported.' : '';
      console.log(pc.cyan(`    Hint: ${blocked}${loading} Everything the check started has been stopped.`));
    }
  }
  if (report.crashed) {
    console.log(pc.red('\n  ✗ The check run crashed:'));
    console.log(report.crashed.split('\n').slice(0, 15).map((line) => `    ${line}`).join('\n'));
  }
  const reported = new Set(report.results.flatMap((result) => result.errors.map((error) => error.message)));
  const unhandled = report.unhandled.filter((error) => ![...reported].some((message) => message.includes(error.message)));
  for (const error of unhandled.slice(0, 3)) {
    console.log(pc.red(`\n  ✗ An error escaped your code: ${error.name}: ${error.message}`));
    for (const frame of learnerFrames(error.stack)) console.log(pc.dim(`      ${frame}`));
  }

  const ran = report.results.length;
  const total = Math.max(ran, report.expectedChecks ?? 0);
  const good = report.results.filter((result) => result.state === 'passed').length;
  const folder = displayPath(resolve(dir));
  console.log('');
  if (passed(report) && (types?.errors.length ?? 0) > 0) {
    console.log(pc.yellow(`  All ${total} checks pass, but ${lesson.id} is not done until TypeScript finds no type errors (above).`));
  } else if (passed(report)) {
    console.log(pc.green(`  All ${total} checks pass. ${lesson.id} is done!`));
    console.log(`  Now compare with the reference solution in ${pc.bold(`solutions/${lessonFolder(lesson)}/`)} (${lesson.files.join(', ')}):`);
    console.log(`  there is often more than one good answer, and the comments there say why each line is as it is.`);
    // Next is the first lesson not done yet (the overview's kept results say which are).
    const next = showNext ? nextNotDone(lesson) : undefined;
    if (!showNext) {
      // the caller says what comes next
    } else if (next) {
      console.log(`  Next: ${pc.bold(`${next.id} · ${next.title}`)}, read lessons/${lessonFolder(next)}/README.md, then ${pc.bold(`npm run check ${next.id}`)}`);
    } else {
      console.log('  Every published lesson is done. Well done!');
    }
  } else if (total === 0 && report.fileErrors.length === 0 && !report.timedOut && !report.crashed && !report.cancelled) {
    console.log(pc.yellow(`  No checks found in ${folder}/ (files named *.check.ts).`));
  } else {
    const firstFailure = report.results.find((result) => result.state === 'failed');
    const summary = total === 0
      ? 'No check could run: fix that first.'
      : `${good} of ${total} checks pass${ran < total ? ` (${total - ran} did not run)` : ''}.`;
    console.log(pc.yellow(`  ${summary}`) + (firstFailure ? ` Start with “${firstFailure.name}”.` : ''));
    console.log(`  Files to edit: ${lesson.files.map((file) => `${folder}/${file}`).join(', ')}`);
    console.log(`  Stuck? ${hintHow ? `${pc.bold(hintHow)} to reveal` : `${pc.bold(`npm run hint ${lesson.id}`)} reveals`} one hint at a time.`);
  }
}

type Spinner = { update(text: string): void; clear(): void; stop(): void };

function startSpinner(): Spinner | undefined {
  if (!process.stdout.isTTY) return undefined;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let text = 'loading your files…';
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
    console.error(`Which lesson? For example: npm run ${command} lesson-01\nLessons: ${lessonIdList()}`);
    process.exit(2);
  }
  const lesson = findLesson(query);
  if (!lesson) {
    console.error(`There is no lesson "${query}". Valid lessons: ${lessonIdList()}`);
    process.exit(2);
  }
  return lesson;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' }, wire: { type: 'boolean' } } });
  const lesson = lessonFromArgs(positionals[0], 'check');
  // --wire: show every frame of a failing check's transcript, not only the last few.
  if (values.wire) process.env.WORKBOOK_WIRE = 'all';
  const dir = values.dir ? resolve(ROOT, values.dir) : lessonDir(lesson);
  console.log(pc.bold(`${lesson.id} · ${lesson.title}`));
  if (!existsSync(dir)) {
    console.log(pc.yellow(`  ${displayPath(dir)}/ does not exist yet: this lesson is not published in your copy of the workbook.`));
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
