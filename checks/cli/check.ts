// npm run check lesson-01   (also: 1, 01, lesson-01-echo)
// Runs one lesson's self-checks against the files in lessons/ and explains what failed.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { findLesson, lessonDir, lessonFolder, lessonIdList, type Lesson } from '../lessons.ts';
import { displayPath, formatError, learnerFrames } from '../runner/format.ts';
import { passed, runChecks, type RunReport } from '../runner/run-checks.ts';

export async function checkLesson(lesson: Lesson, { quiet = false } = {}): Promise<RunReport> {
  const spinner = quiet ? undefined : startSpinner();
  const shown = new Set<string>();
  const report = await runChecks({
    paths: [lessonDir(lesson)],
    checkLimitMs: 10_000,
    onEvent: (event) => {
      if (quiet) return;
      if (event.type === 'start') spinner?.update(event.name);
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
        }
      }
    },
  });
  spinner?.stop();
  return report;
}

export function explain(lesson: Lesson, report: RunReport): void {
  for (const { file, errors } of report.fileErrors) {
    console.log(pc.red(`\n  ✗ ${displayPath(file)} could not be loaded`));
    for (const error of errors) console.log(formatError(error));
  }
  if (report.timedOut) {
    const { check, afterMs } = report.timedOut;
    console.log(pc.red(`\n  ✗ Stopped after ${(afterMs / 1000).toFixed(1)} s: ${check ? `the check "${check}" never finished` : 'your files never finished loading'}.`));
    console.log(pc.cyan('    Hint: something blocks the event loop (an endless loop?) or waits for an event that never comes. Every process the check started has been stopped.'));
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

  const total = report.results.length;
  const good = report.results.filter((result) => result.state === 'passed').length;
  console.log('');
  if (passed(report)) {
    console.log(pc.green(`  All ${total} checks pass. ${lesson.id} is done!`));
    console.log(`  Compare with the reference solution in solutions/${lessonFolder(lesson)}/ — there is often more than one good answer.`);
  } else {
    const firstFailure = report.results.find((result) => result.state === 'failed');
    console.log(pc.yellow(`  ${good} of ${total} checks pass.`) + (firstFailure ? ` Start with "${firstFailure.name}".` : ''));
    console.log(`  Files to edit: ${lesson.files.map((file) => `lessons/${lessonFolder(lesson)}/${file}`).join(', ')}`);
    console.log(`  Stuck? ${pc.bold(`npm run hint ${lesson.id}`)} reveals one hint at a time.`);
  }
}

function startSpinner(): { update(text: string): void; clear(): void; stop(): void } | undefined {
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

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const query = positionals[0];
  if (!query) {
    console.error(`Which lesson? For example: npm run check lesson-01\nLessons: ${lessonIdList()}`);
    process.exit(2);
  }
  const lesson = findLesson(query);
  if (!lesson) {
    console.error(`There is no lesson "${query}". Valid lessons: ${lessonIdList()}`);
    process.exit(2);
  }
  console.log(pc.bold(`${lesson.id} · ${lesson.title}`));
  const report = await checkLesson(lesson);
  explain(lesson, report);
  process.exitCode = passed(report) ? 0 : 1;
}

if (isMain(import.meta.url)) await main();
