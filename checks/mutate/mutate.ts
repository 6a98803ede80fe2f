// npm run mutate lesson-NN [-- --concurrency N] — mutation testing of a lesson's checks.
// Builds a scratch copy of the lesson with the reference solution, lets Stryker change the
// solution's learner files one small edit at a time (a mutant), and runs the lesson's checks
// against each: a mutant no check fails is a mistake a learner could make and still pass.
// Prints the survivors and the score; exits 1 below SCORE_THRESHOLD, 2 when the run itself fails.
// Output: .workbook/mutate/<lesson-folder>/{mutation-report.json,summary.json}.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { lessonFolder, ROOT } from '../lessons.ts';
import { lessonFromArgs } from '../cli/check.ts';
import { makeScratch, removeScratch } from '../runner/scratch.ts';
import { defaultConcurrency, writeConfigs } from './config.ts';
import { loadEquivalents } from './equivalents.ts';
import { readReport } from './report.ts';
import { runStryker, type StrykerRun } from './run-stryker.ts';
import { passes, scoreMutants } from './score.ts';
import { summaryJson, summaryText } from './summary.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { concurrency: { type: 'string' } } });
const lesson = lessonFromArgs(positionals[0], 'mutate');
const concurrency = values.concurrency ? Number(values.concurrency) : defaultConcurrency();
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`--concurrency must be a whole number ≥ 1, got ${values.concurrency}`);
  process.exit(2);
}
const folder = lessonFolder(lesson);
const outDir = join(ROOT, '.workbook', 'mutate', folder);

let scratch: string | undefined;
let stryker: StrykerRun | undefined;
// Runs on every way out: normal end, error, Ctrl+C, kill. Synchronous, as 'exit' requires.
const cleanUp = (): void => {
  stryker?.stop();
  if (scratch) removeScratch(scratch);
  scratch = undefined;
};
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(pc.yellow(`\nmutate: stopped (${signal}); cleaning up.`));
    process.exit(128 + constants.signals[signal]);
  });
}

const started = performance.now();
try {
  // Read before the long run, so a malformed file fails at once.
  const equivalents = loadEquivalents(lesson);
  scratch = await makeScratch(lesson, 'mutate', { solution: true });
  // Stryker writes into the scratch copy; only a finished report is copied to outDir, so two runs
  // of the same lesson never delete or half-read each other's files.
  const strykerReport = join(scratch, 'mutation-report.json');
  const configFile = writeConfigs(scratch, lesson, { reportFile: strykerReport, concurrency, interactive: Boolean(process.stdout.isTTY) });
  console.log(pc.bold(`${lesson.id}: mutating ${lesson.files.join(', ')} of the solution; ${concurrency} worker(s).`));
  stryker = runStryker(scratch, configFile);
  const code = await stryker.done;
  if (code !== 0 || !existsSync(strykerReport)) {
    throw new Error(`Stryker ended with exit code ${code}${existsSync(strykerReport) ? '' : ' and no report'}: see its output above. A check that fails on the solution stops the run before any mutant.`);
  }
  const durationSeconds = Math.round((performance.now() - started) / 1000);
  const scored = scoreMutants(readReport(strykerReport), equivalents);
  mkdirSync(outDir, { recursive: true });
  const reportFile = join(outDir, 'mutation-report.json');
  copyFileSync(strykerReport, reportFile);
  console.log(summaryText(lesson.id, scored).join('\n'));
  const summaryFile = join(outDir, 'summary.json');
  writeFileSync(summaryFile, `${JSON.stringify(summaryJson(lesson.id, folder, scored, { report: relative(ROOT, reportFile), durationSeconds }), null, 2)}\n`);
  console.log(pc.dim(`${durationSeconds} s. Report: ${relative(ROOT, reportFile)}  Summary: ${relative(ROOT, summaryFile)}`));
  process.exitCode = passes(scored.total) ? 0 : 1;
} catch (error) {
  console.error(pc.red(`mutate: ${(error as Error).message}`));
  process.exitCode = 2;
} finally {
  cleanUp();
}
