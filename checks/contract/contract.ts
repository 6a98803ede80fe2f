// The lesson contract, proved for every lesson: the untouched starter fails (and says what to do
// first), the solution copied over it passes, and every known-wrong solution fails the checks
// that name its mistake. All variants run in one child vitest run, each in a scratch copy of the
// lesson folder under .workbook/ (same depth as lessons/, so relative imports resolve the same).
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { lessonFolder, lessonMetaDir, ROOT, type Lesson } from '../lessons.ts';
import { runChecks, type CheckResult, type RunReport } from '../runner/run-checks.ts';
import type { CheckEvent, ErrorInfo } from '../runner/events.ts';
import { splitWire } from '../runner/format.ts';
import { makeScratch, removeScratch } from '../runner/scratch.ts';
import type { WrongSolution } from './wrong-solution.ts';

export interface Variant {
  lesson: Lesson;
  kind: 'starter' | 'solution' | 'wrong';
  name: string;
  dir: string;
  wrong?: WrongSolution;
}

export interface VariantOutcome {
  variant: Variant;
  results: CheckResult[];
  fileErrors: ErrorInfo[];
  unhandled: ErrorInfo[];
  /** Why the variant breaks the contract; empty when it keeps it. */
  problems: string[];
}

export async function loadWrongSolutions(lesson: Lesson): Promise<WrongSolution[]> {
  const file = join(lessonMetaDir(lesson), 'wrong.ts');
  if (!existsSync(file)) return [];
  const module = (await import(file)) as { default: WrongSolution[] };
  return module.default;
}

/** Writes the starter, solution and wrong-solution copies of each lesson under .workbook/. */
export async function materialize(selected: readonly Lesson[]): Promise<Variant[]> {
  const variants: Variant[] = [];
  for (const lesson of selected) {
    const starter = await makeScratch(lesson, 'starter');
    // The starter is judged on its first failure only (variant-setup.ts).
    await writeFile(join(starter, '.variant.json'), JSON.stringify({ firstFailureOnly: true }));
    variants.push({ lesson, kind: 'starter', name: 'untouched starter', dir: starter });
    variants.push({ lesson, kind: 'solution', name: 'reference solution', dir: await makeScratch(lesson, 'solution', { solution: true }) });

    for (const wrong of await loadWrongSolutions(lesson)) {
      const dir = await makeScratch(lesson, `wrong-${wrong.name}`, { solution: true });
      for (const edit of wrong.edits) {
        const path = join(dir, edit.file);
        const text = await readFile(path, 'utf8');
        const count = text.split(edit.find).length - 1;
        if (count !== 1) {
          throw new Error(`wrong solution "${wrong.name}" of ${lesson.id}: ${JSON.stringify(edit.find)} occurs ${count} times in solutions/${lessonFolder(lesson)}/${edit.file} (must be exactly once)`);
        }
        await writeFile(path, text.replace(edit.find, () => edit.replace));
      }
      await writeFile(join(dir, '.variant.json'), JSON.stringify({ only: wrong.mustFail }));
      variants.push({ lesson, kind: 'wrong', name: wrong.name, dir, wrong });
    }
  }
  return variants;
}

/** The variant's check files (absolute paths), the files whose results it is judged on. */
function checkFiles(variant: Variant): string[] {
  return readdirSync(variant.dir).filter((name) => name.endsWith('.check.ts')).map((name) => join(variant.dir, name));
}

/**
 * Why some of the variant's results are missing from the report, or undefined when every check
 * file of the variant ran to its end and reported every check it holds.
 */
export function missingResults(variant: Variant, report: RunReport): string | undefined {
  const finished = new Set(report.finishedFiles ?? []);
  for (const file of checkFiles(variant)) {
    const name = file.slice(variant.dir.length + 1);
    if (!finished.has(file)) return `${name} never finished`;
    const expected = report.checksPerFile?.[file];
    const got = report.results.filter((result) => result.file === file).length;
    if (expected === undefined && !report.fileErrors.some((entry) => entry.file === file)) return `${name} never said how many checks it holds`;
    if (expected !== undefined && got < expected) return `${name} reported ${got} of its ${expected} checks`;
  }
  return undefined;
}

export function judge(variant: Variant, report: RunReport): VariantOutcome {
  const inside = (file: string | undefined): boolean => file !== undefined && file.startsWith(`${variant.dir}/`);
  const results = report.results.filter((result) => inside(result.file));
  const fileErrors = report.fileErrors.filter((entry) => inside(entry.file)).flatMap((entry) => entry.errors);
  const unhandled = report.unhandled.filter((error) => inside(error.testPath));
  const failed = results.filter((result) => result.state === 'failed');
  const problems: string[] = [];

  if (report.timedOut && inside(report.timedOut.file)) {
    problems.push(`the run was stopped: ${report.timedOut.check ? `the check "${report.timedOut.check}"` : 'loading its check file'} never finished (${Math.round(report.timedOut.afterMs / 1000)} s)`);
  } else {
    const missing = missingResults(variant, report);
    // Never read "no result" as a pass or as the right failure: say what was lost.
    if (missing) problems.push(`results lost: ${missing}${lossCause(report)}`);
  }
  if (fileErrors.length > 0) problems.push(`its check file could not be loaded: ${fileErrors[0]?.message}`);
  switch (variant.kind) {
    case 'solution':
      if (results.length === 0) problems.push('no checks ran');
      for (const result of results.filter((r) => r.state !== 'passed')) {
        problems.push(`"${result.name}" ${result.state}: ${splitWire(result.errors[0]?.message ?? '').message.split('\n').join(' | ')}`);
      }
      for (const error of unhandled) problems.push(`an error escaped: ${error.name}: ${error.message}`);
      break;
    case 'starter': {
      if (failed.length === 0) problems.push('the untouched starter passes every check');
      const first = failed[0]?.errors[0];
      if (first && !(first.name === 'TodoError' || /Hint: /.test(first.message))) {
        problems.push(`its first failure does not say what to do: ${first.name}: ${first.message}`);
      }
      break;
    }
    case 'wrong': {
      if ((variant.wrong?.mustFail.length ?? 0) === 0) problems.push('it names no check that must catch it (mustFail is empty)');
      if (failed.length === 0) problems.push(`no check catches the mistake: ${variant.wrong?.mistake}`);
      for (const expected of variant.wrong?.mustFail ?? []) {
        if (!failed.some((result) => result.name.includes(expected))) {
          problems.push(`the check "${expected}" should fail for this mistake but did not (failed: ${failed.map((r) => `"${r.name}"`).join(', ') || 'none'})`);
        }
      }
      break;
    }
  }
  return { variant, results, fileErrors, unhandled, problems };
}

/** What ended a run early, as a suffix for a "results lost" problem. */
function lossCause(report: RunReport): string {
  if (report.crashed) return ` (the check run crashed: ${report.crashed.split('\n')[0]})`;
  if (report.timedOut) return ` (the run was stopped when ${report.timedOut.file ? relative(ROOT, report.timedOut.file) : 'vitest'} hung)`;
  if (report.cancelled) return ' (the run was cancelled)';
  return ' (the run ended without its results)';
}

export interface ContractOptions {
  onEvent?: (event: CheckEvent) => void;
  /** Check files run at once. Default: twice the cores (most of a contract run waits on timeouts). */
  maxWorkers?: number;
  /** The hard limit for one check (code that never yields). Default 60 s. */
  checkLimitMs?: number;
}

/**
 * Runs every variant's checks and judges each. A run that is stopped (a variant hung) or that
 * crashes loses the results of the variants still running: those are run again, a suspect of a
 * crash alone, so every variant ends with its results or with a problem that says what was lost.
 */
export async function runVariants(variants: readonly Variant[], options: ContractOptions = {}): Promise<VariantOutcome[]> {
  const outcomes = new Map<Variant, VariantOutcome>();
  const run = (batch: readonly Variant[]): Promise<RunReport> => runChecks({
    paths: batch.map((variant) => variant.dir),
    // Hard limits catch code that never yields (an endless loop); hangs that yield fail softly
    // at 30 s inside vitest (a check may set its own). Wide: the whole suite beside the contract
    // starves some workers for seconds at a time, and a loaded machine must never trip them.
    checkLimitMs: options.checkLimitMs ?? 60_000,
    checkTimeoutMs: 30_000,
    totalLimitMs: 15 * 60_000,
    maxWorkers: Math.min(batch.length, options.maxWorkers ?? Math.max(2, availableParallelism() * 2)),
    moduleCache: false,
    onEvent: options.onEvent,
  });
  const inAny = (variant: Variant, files: readonly string[] | undefined): boolean =>
    (files ?? []).some((file) => file.startsWith(`${variant.dir}/`));

  let pending = [...variants];
  for (let round = 1; pending.length > 0; round += 1) {
    const report = await run(pending);
    const again: Variant[] = [];
    const suspects: Variant[] = [];
    for (const variant of pending) {
      const hung = report.timedOut?.file !== undefined && report.timedOut.file.startsWith(`${variant.dir}/`);
      // Stopped after long silence without being seen running its own code (its worker starved
      // or stuck in the runner, not in the lesson): not proof against it, so it runs again alone.
      const unconfirmed = hung && (report.timedOut?.stuckAt?.length ?? 0) === 0;
      const complete = missingResults(variant, report) === undefined;
      if (unconfirmed && round < MAX_ROUNDS) {
        suspects.push(variant);
      } else if (complete || hung || round >= MAX_ROUNDS || !(report.timedOut || report.crashed)) {
        outcomes.set(variant, judge(variant, report));
      } else if (report.crashed && inAny(variant, report.unfinishedFiles)) {
        suspects.push(variant);
      } else {
        again.push(variant); // lost only because another variant stopped the run
      }
    }
    // A crash's suspects run alone: the one that crashes again is judged on that run.
    for (const variant of suspects) outcomes.set(variant, judge(variant, await run([variant])));
    pending = again;
  }
  return variants.map((variant) => outcomes.get(variant)!);
}

/** Re-runs after a stop or a crash are bounded: past this, what is still missing is reported lost. */
const MAX_ROUNDS = 4;

export async function runContract(selected: readonly Lesson[], onEvent?: (event: CheckEvent) => void): Promise<VariantOutcome[]> {
  const variants = await materialize(selected);
  try {
    const outcomes = await runVariants(variants, { onEvent });
    // A wrong solution's failures mean something only if the same checks pass the solution.
    for (const outcome of outcomes) {
      const solution = outcomes.find((o) => o.variant.lesson === outcome.variant.lesson && o.variant.kind === 'solution');
      if (outcome.variant.kind !== 'solution' && solution && solution.problems.length > 0) {
        outcome.problems.push('not judged: the reference solution fails the same checks');
      }
    }
    return outcomes;
  } finally {
    for (const variant of variants) removeScratch(variant.dir);
  }
}
