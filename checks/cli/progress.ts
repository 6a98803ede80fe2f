// Where the learner stands: every lesson's checks, all in one run, each lesson stopped at its
// first failing check (that is enough to know it is not done yet), and its files type-checked.
// Used by the overview (`npm start`) and by watch mode to find the next lesson. A lesson's last
// status is kept with a hash of everything it depends on (status-cache.ts): unchanged lessons are
// not run again.
import { existsSync } from 'node:fs';
import { lessonDir, lessons, type Lesson } from '../lessons.ts';
import { compileError } from '../runner/format.ts';
import { activeLanguage, t } from '../runner/language.ts';
import { isInside, runChecks, type RunReport } from '../runner/run-checks.ts';
import { typecheckFolders, type TypecheckResult } from '../runner/typecheck.ts';
import { lessonKey, readCachedStatus, writeCachedStatuses } from './status-cache.ts';
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
  /** Reuse the kept status of a lesson whose files have not changed (default true). */
  cache?: boolean;
}

export async function lessonStatuses(entries: readonly LessonEntry[] = defaultEntries(), options: StatusOptions = {}): Promise<LessonStatus[]> {
  const { onEvent, checkLimitMs = CHECK_LIMIT_MS, checkTimeoutMs = CHECK_TIMEOUT_MS, cache = true } = options;
  const statuses = new Map<LessonEntry, LessonStatus>();
  const keys = new Map<LessonEntry, string>();
  for (const entry of entries) {
    if (!existsSync(entry.dir)) {
      statuses.set(entry, { ...entry, state: 'missing', passedChecks: 0 });
      continue;
    }
    const key = lessonKey(entry.dir);
    keys.set(entry, key);
    const kept = cache ? readCachedStatus(entry, key, true) : undefined;
    if (kept) statuses.set(entry, kept);
  }
  const toCheck = entries.filter((entry) => !statuses.has(entry));
  // The type check runs beside the checks: one compiler run for every lesson being checked.
  const typing = toCheck.length > 0 ? typecheckFolders(toCheck.map((entry) => entry.dir)) : Promise.resolve(new Map<string, TypecheckResult>());
  // Bounded: each round either finishes or marks one more lesson stuck.
  for (let round = 0; round <= entries.length; round += 1) {
    const pending = toCheck.filter((entry) => !statuses.has(entry));
    if (pending.length === 0) break;
    const report = await runChecks({
      paths: pending.map((entry) => entry.dir),
      checkLimitMs,
      checkTimeoutMs,
      stopAtFirstFailure: true,
      language: activeLanguage(),
      ...(onEvent ? { onEvent } : {}),
    });
    const stuck = report.timedOut ? pending.find((entry) => isInside(entry.dir, report.timedOut?.file)) : undefined;
    for (const entry of pending) {
      const finished = report.finishedFiles?.some((file) => isInside(entry.dir, file)) ?? false;
      if (entry === stuck) {
        const check = report.timedOut?.check;
        statuses.set(entry, { ...entry, state: 'stuck', passedChecks: 0, reason: check ? t(`"${check}" never finished`, `“${check}”一直没有结束`) : t('its files never finished loading', '它的文件一直没有加载完') });
      } else if (!report.timedOut || finished) {
        statuses.set(entry, judge(entry, report));
      }
    }
    if (report.crashed || (report.timedOut && !stuck)) {
      // Nothing to blame a lesson for: say so rather than loop.
      for (const entry of pending.filter((e) => !statuses.has(e))) {
        statuses.set(entry, { ...entry, state: 'stuck', passedChecks: 0, reason: report.crashed ? t('the check run crashed', '检查程序崩溃了') : t('the check run was stopped', '检查程序被停止了') });
      }
    }
  }
  const types = await typing;
  for (const entry of toCheck) {
    const status = statuses.get(entry);
    const errors = types.get(entry.dir)?.errors ?? [];
    if (status?.state === 'done' && errors.length > 0) {
      const [first] = errors;
      statuses.set(entry, { ...status, state: 'started', reason: typeErrorReason(first) });
    }
  }
  // Stuck lessons are not kept: a stop can come from a busy machine as well as from the code.
  if (cache) writeCachedStatuses(toCheck.flatMap((entry) => {
    const status = statuses.get(entry);
    const key = keys.get(entry);
    return status && key && status.state !== 'stuck' ? [{ status, key }] : [];
  }));
  return entries.map((entry) => statuses.get(entry) ?? { ...entry, state: 'stuck', passedChecks: 0, reason: t('not checked', '没有检查') });
}

function typeErrorReason(first: { code: string; line: number } | undefined): string {
  return t(`a type error (${first?.code} at line ${first?.line})`, `类型错误（第 ${first?.line} 行，${first?.code}）`);
}

/** The status of one lesson from a full check run (npm run check), to keep for the overview. */
export function statusFromRun(entry: LessonEntry, report: RunReport, types: TypecheckResult): LessonStatus {
  const status = report.timedOut && isInside(entry.dir, report.timedOut.file)
    ? { ...entry, state: 'stuck' as const, passedChecks: 0, reason: t('the check run was stopped', '检查程序被停止了') }
    : judge(entry, report);
  const [first] = types.errors;
  return status.state === 'done' && first ? { ...status, state: 'started', reason: typeErrorReason(first) } : status;
}

function judge(entry: LessonEntry, report: RunReport): LessonStatus {
  const inside = (file: string | undefined): boolean => isInside(entry.dir, file);
  const results = report.results.filter((result) => inside(result.file));
  const fileError = report.fileErrors.find((error) => inside(error.file))?.errors[0];
  const passedChecks = results.filter((result) => result.state === 'passed').length;
  if (fileError) {
    const compile = compileError(fileError);
    return { ...entry, state: 'broken', passedChecks, reason: compile ? t('a syntax error', '语法错误') : `${fileError.name}: ${fileError.message.split('\n')[0]}` };
  }
  const failed = results.find((result) => result.state === 'failed');
  if (failed) return { ...entry, state: passedChecks > 0 ? 'started' : 'not-started', passedChecks, reason: failed.name };
  const escaped = report.unhandled.find((error) => inside(error.testPath));
  if (escaped) return { ...entry, state: 'started', passedChecks, reason: t(`an error escaped: ${escaped.message.split('\n')[0]}`, `有异常漏了出来：${escaped.message.split('\n')[0]}`) };
  if (results.length === 0) return { ...entry, state: 'no-checks', passedChecks: 0 };
  return { ...entry, state: 'done', passedChecks };
}

/** The first lesson (in order) that exists and is not done. */
export function nextLesson(statuses: readonly LessonStatus[]): LessonStatus | undefined {
  return statuses.find((status) => status.state !== 'done' && status.state !== 'missing' && status.state !== 'no-checks');
}
