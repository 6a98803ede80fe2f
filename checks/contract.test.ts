// The lesson contract (../shared/WORKBOOK.md), proved for every lesson on every run:
// starter fails and says what to do first, solution passes, each known-wrong solution fails the
// checks that name its mistake. Set WORKBOOK_LESSONS=lesson-03,lesson-04 to prove only some.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findLesson, lessonDir, lessons, solutionDir, type Lesson } from './lessons.ts';
import { loadWrongSolutions, runContract, type VariantOutcome } from './contract/contract.ts';
import { currentStarters, readStarters } from './contract/starters.ts';

const only = process.env.WORKBOOK_LESSONS?.split(',').map((query) => findLesson(query)).filter((l): l is Lesson => l !== undefined);
const selected = only && only.length > 0 ? only : lessons;

describe('every lesson has its parts', () => {
  it.each(selected.map((lesson) => [lesson.id, lesson] as const))('%s has starter, solution, explainer and at least two known-wrong solutions', async (_id, lesson) => {
    expect(existsSync(join(lessonDir(lesson), 'README.md')), 'explainer README.md').toBe(true);
    for (const file of lesson.files) {
      expect(existsSync(join(lessonDir(lesson), file)), `starter ${file}`).toBe(true);
      expect(existsSync(join(solutionDir(lesson), file)), `solution ${file}`).toBe(true);
    }
    expect(lesson.hints.length, 'hints').toBeGreaterThanOrEqual(2);
    expect((await loadWrongSolutions(lesson)).length, 'known-wrong solutions').toBeGreaterThanOrEqual(2);
    await readStarters(lesson);
  });
});

// In a fresh clone lessons/ must hold exactly the saved starters; a learner's working copy won't.
describe.runIf(process.env.CI)('starter snapshots (CI only: a learner\'s lessons/ holds their work)', () => {
  it.each(selected.map((lesson) => [lesson.id, lesson] as const))('%s: checks/starters/ matches lessons/', async (_id, lesson) => {
    expect(await currentStarters(lesson), `run npm run starters:save ${lesson.id}`).toEqual(await readStarters(lesson));
  });
});

describe('the lesson contract', () => {
  let outcomes: VariantOutcome[] = [];
  beforeAll(async () => {
    outcomes = await runContract(selected);
  });

  it('ran every variant\'s checks', () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(selected.length * 4);
    for (const outcome of outcomes) expect(outcome.results.length, `${outcome.variant.lesson.id} ${outcome.variant.name}`).toBeGreaterThan(0);
  });

  for (const lesson of selected) {
    describe(lesson.id, () => {
      it('the untouched starter fails and says what to do first', () => expectKept(lesson, 'starter'));
      it('the solution passes every check', () => expectKept(lesson, 'solution'));
      it('every known-wrong solution fails the checks that name its mistake', () => expectKept(lesson, 'wrong'));
    });
  }

  function expectKept(lesson: Lesson, kind: VariantOutcome['variant']['kind']): void {
    const mine = outcomes.filter((outcome) => outcome.variant.lesson.id === lesson.id && outcome.variant.kind === kind);
    expect(mine.length, `${kind} variants of ${lesson.id}`).toBeGreaterThan(0);
    const broken = mine.filter((outcome) => outcome.problems.length > 0)
      .map((outcome) => `${outcome.variant.name}:\n  ${outcome.problems.join('\n  ')}`);
    expect(broken, `${lesson.id} breaks the contract`).toEqual([]);
  }
});
