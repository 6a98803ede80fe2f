// The overview's memory: each lesson's last status, kept with a hash of everything the status
// depends on (the lesson folder's files, the shared check code, the installed packages). When
// nothing changed, `npm start` shows the kept status instead of running the checks again.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lessonDir, lessons, ROOT, type Lesson } from '../lessons.ts';
import { activeLanguage } from '../runner/language.ts';
import type { LessonEntry, LessonStatus } from './progress.ts';
import { readState, updateState } from './state.ts';

/** Shared code a lesson's result depends on besides its own folder. */
const SHARED = ['checks/harness.ts', 'checks/ports.ts', 'checks/programs.ts', 'checks/wire.ts', 'checks/runner/language.ts', 'checks/runner/setup.ts', 'checks/runner/variant-setup.ts', 'checks/runner/child.mjs', 'package-lock.json', 'tsconfig.json', 'lib'];

function addTree(hash: ReturnType<typeof createHash>, path: string): void {
  let stat;
  try { stat = statSync(path); } catch { hash.update(`missing ${path}\n`); return; }
  if (stat.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      addTree(hash, join(path, name));
    }
  } else {
    hash.update(`${path}\n`);
    hash.update(readFileSync(path));
  }
}

/** A hash of the lesson folder and the shared code: the same key means the same result. */
export function lessonKey(dir: string): string {
  const hash = createHash('sha256');
  addTree(hash, dir);
  for (const path of SHARED) addTree(hash, join(ROOT, path));
  return hash.digest('hex');
}

interface Kept {
  key: string;
  state: LessonStatus['state'];
  passedChecks: number;
  reason?: string;
  /** The language `reason` is in (a check's name, in the learner's language then). */
  lang?: string;
}

/**
 * The kept status of a lesson whose files have not changed (same key). Its reason (a check's
 * name) is in the language of the run that found it: with `sameLanguage`, a status whose reason
 * the learner would now read in the other language counts as not kept (the overview runs that
 * lesson again); without, the state is given and a reason in another language is left out.
 */
export function readCachedStatus(entry: LessonEntry, key: string, sameLanguage = false): LessonStatus | undefined {
  const kept = readState().statuses?.[entry.dir] as Kept | undefined;
  if (!kept || kept.key !== key) return undefined;
  const wordsFit = (kept.lang ?? 'en') === activeLanguage();
  if (sameLanguage && kept.reason && !wordsFit) return undefined;
  return { ...entry, state: kept.state, passedChecks: kept.passedChecks, ...(kept.reason && wordsFit ? { reason: kept.reason } : {}) };
}

export function writeCachedStatuses(entries: readonly { status: LessonStatus; key: string }[]): void {
  if (entries.length === 0) return;
  updateState((state) => {
    state.statuses ??= {};
    for (const { status, key } of entries) {
      state.statuses[status.dir] = { key, state: status.state, passedChecks: status.passedChecks, ...(status.reason ? { reason: status.reason } : {}), lang: activeLanguage() };
    }
  });
}

/**
 * What to do after `current` passes: the first lesson, in course order, that is published and
 * not known to be done (a kept status whose files have not changed since). Undefined: all done.
 */
export function nextNotDone(current: Lesson): Lesson | undefined {
  return lessons.find((lesson) => {
    if (lesson === current) return false;
    const dir = lessonDir(lesson);
    if (!existsSync(dir)) return false;
    return readCachedStatus({ lesson, dir }, lessonKey(dir))?.state !== 'done';
  });
}
