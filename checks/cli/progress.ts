// Where the learner stands: every lesson's checks, all in one run, each lesson stopped at its
// first failing check (that is enough to know it is not done yet). Used by the overview
// (`npm start`) and by watch mode to find the next lesson.
import { existsSync } from 'node:fs';
import { lessonDir, lessons, type Lesson } from '../lessons.ts';
import { compileError } from '../runner/format.ts';
import { isInside, runChecks, type RunReport } from '../runner/run-checks.ts';
import type { CheckEvent } from '../runner/events.ts';
import { CHECK_LIMIT_MS, CHECK_TIMEOUT_MS } from './check.ts';

export type LessonState =
  | 'done'
  | 'started' // some checks pass
  | 'not-started' // the first check fails
  | 'broken' // its files do not load (syntax error, throw at import)
  | 'stuck' // the run had to be stopped in it (an endless loop?)
  | 'no-checks' // the folder has no *.check.ts (a lesson being written)
  | 'missing'; // no folder: not published yet

export interface LessonStatus {
  lesson: Lesson;
  dir: string;
  state: LessonState;
  /** Checks that passed before the first failure. */
  passedChecks: number;
  /** The first check that failed, or why the lesson could not be checked. */
  reason?: string;
}

export interface LessonEntry {
  lesson: Lesson;
  dir: string;
}

export function defaultEntries(): LessonEntry[] {
  return lessons.map((lesson) => ({ lesson, dir: lessonDir(lesson) }));
}

/**
 * Checks every lesson whose folder exists, in one vitest run. A lesson that has to be stopped
 * (an endless loop) is marked stuck and the others are checked again without it.
 */
export interface StatusOptions {
  onEvent?: (event: CheckEvent) => void;
  /** The limits of one check (tests shorten them). */
  checkLimitMs?: number;
  checkTimeoutMs?: number;
}

export async function lessonStatuses(entries: readonly LessonEntry[] = defaultEntries(), options: StatusOptions = {}): Promise<LessonStatus[]> {
  const { onEvent, checkLimitMs = CHECK_LIMIT_MS, checkTimeoutMs = CHECK_TIMEOUT_MS } = options;
  const statuses = new Map<LessonEntry, LessonStatus>();
  for (const entry of entries) {
    if (!existsSync(entry.dir)) statuses.set(entry, { ...entry, state: 'missing', passedChecks: 0 });
  }
  // Bounded: each round either finishes or marks one more lesson stuck.
  for (let round = 0; round <= entries.length; round += 1) {
    const pending = entries.filter((entry) => !statuses.has(entry));
    if (pending.length === 0) break;
    const report = await runChecks({
      paths: pending.map((entry) => entry.dir),
      checkLimitMs,
      checkTimeoutMs,
      stopAtFirstFailure: true,
      ...(onEvent ? { onEvent } : {}),
    });
    const stuck = report.timedOut ? pending.find((entry) => isInside(entry.dir, report.timedOut?.file)) : undefined;
    for (const entry of pending) {
      const finished = report.finishedFiles?.some((file) => isInside(entry.dir, file)) ?? false;
      if (entry === stuck) {
        statuses.set(entry, { ...entry, state: 'stuck', passedChecks: 0, reason: report.timedOut?.check ? `"${report.timedOut.check}" never finished` : 'its files never finished loading' });
      } else if (!report.timedOut || finished) {
        statuses.set(entry, judge(entry, report));
      }
    }
    if (report.crashed || (report.timedOut && !stuck)) {
      // Nothing to blame a lesson for: say so rather than loop.
      for (const entry of pending.filter((e) => !statuses.has(e))) {
        statuses.set(entry, { ...entry, state: 'stuck', passedChecks: 0, reason: report.crashed ? 'the check run crashed' : 'the check run was stopped' });
      }
    }
  }
  return entries.map((entry) => statuses.get(entry) ?? { ...entry, state: 'stuck', passedChecks: 0, reason: 'not checked' });
}

function judge(entry: LessonEntry, report: RunReport): LessonStatus {
  const inside = (file: string | undefined): boolean => isInside(entry.dir, file);
  const results = report.results.filter((result) => inside(result.file));
  const fileError = report.fileErrors.find((error) => inside(error.file))?.errors[0];
  const passedChecks = results.filter((result) => result.state === 'passed').length;
  if (fileError) {
    const compile = compileError(fileError);
    return { ...entry, state: 'broken', passedChecks, reason: compile ? 'a syntax error' : `${fileError.name}: ${fileError.message.split('\n')[0]}` };
  }
  const failed = results.find((result) => result.state === 'failed');
  if (failed) return { ...entry, state: passedChecks > 0 ? 'started' : 'not-started', passedChecks, reason: failed.name };
  const escaped = report.unhandled.find((error) => inside(error.testPath));
  if (escaped) return { ...entry, state: 'started', passedChecks, reason: `an error escaped: ${escaped.message.split('\n')[0]}` };
  if (results.length === 0) return { ...entry, state: 'no-checks', passedChecks: 0 };
  return { ...entry, state: 'done', passedChecks };
}

/** The first lesson (in order) that exists and is not done. */
export function nextLesson(statuses: readonly LessonStatus[]): LessonStatus | undefined {
  return statuses.find((status) => status.state !== 'done' && status.state !== 'missing' && status.state !== 'no-checks');
}
