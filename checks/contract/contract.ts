// The lesson contract, proved for every lesson: the untouched starter fails (and says what to do
// first), the solution copied over it passes, and every known-wrong solution fails the checks
// that name its mistake. All variants run in one child vitest run, each in a scratch copy of the
// lesson folder under .workbook/ (same depth as lessons/, so relative imports resolve the same).
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lessonFolder, lessonMetaDir, type Lesson } from '../lessons.ts';
import { runChecks, type CheckResult, type RunReport } from '../runner/run-checks.ts';
import type { CheckEvent, ErrorInfo } from '../runner/events.ts';
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
    variants.push({ lesson, kind: 'starter', name: 'untouched starter', dir: await makeScratch(lesson, 'starter') });
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

export function judge(variant: Variant, report: RunReport): VariantOutcome {
  const inside = (file: string | undefined): boolean => file !== undefined && file.startsWith(`${variant.dir}/`);
  const results = report.results.filter((result) => inside(result.file));
  const fileErrors = report.fileErrors.filter((entry) => inside(entry.file)).flatMap((entry) => entry.errors);
  const unhandled = report.unhandled.filter((error) => inside(error.testPath));
  const failed = results.filter((result) => result.state === 'failed');
  const problems: string[] = [];

  if (report.timedOut && inside(report.timedOut.file)) problems.push(`the run was stopped: "${report.timedOut.check}" never finished`);
  if (fileErrors.length > 0) problems.push(`its check file could not be loaded: ${fileErrors[0]?.message}`);
  switch (variant.kind) {
    case 'solution':
      if (results.length === 0) problems.push('no checks ran');
      for (const result of results.filter((r) => r.state !== 'passed')) {
        problems.push(`"${result.name}" ${result.state}: ${result.errors[0]?.message.split('\n').join(' | ') ?? ''}`);
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

export async function runContract(selected: readonly Lesson[], onEvent?: (event: CheckEvent) => void): Promise<VariantOutcome[]> {
  const variants = await materialize(selected);
  try {
    const report = await runChecks({
      paths: variants.map((variant) => variant.dir),
      checkLimitMs: 40_000,
      totalLimitMs: 15 * 60_000,
      // Most of a contract run is waiting (wrong solutions time out), not computing: overlap it.
      maxWorkers: 8,
      moduleCache: false,
      onEvent,
    });
    if (report.crashed) throw new Error(`the check run crashed:\n${report.crashed}`);
    const outcomes = variants.map((variant) => judge(variant, report));
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

