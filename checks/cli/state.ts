// The learner's small bit of state: which hints they have seen, which lesson they worked on last.
// Lives in .workbook/state.json (git-ignored). Whether a lesson is done is worked out by running
// its checks; the result is kept here only with a hash of the files it came from.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../lessons.ts';

export interface WorkbookState {
  /** Lesson id → how many of its hints have been revealed. */
  hints?: Record<string, number>;
  /** The lesson last checked or watched, e.g. `lesson-02`: `npm run hint` without a lesson uses it. */
  current?: string;
  /** The language the learner chose with `npm run lang` (lang.ts). */
  lang?: string;
  /** Lesson folder → its last status and the hash of what it depended on (status-cache.ts). */
  statuses?: Record<string, { key: string; state: string; passedChecks: number; reason?: string; lang?: string }>;
}

/** WORKBOOK_STATE lets tests use a scratch file. */
export function statePath(): string {
  return process.env.WORKBOOK_STATE ?? join(ROOT, '.workbook', 'state.json');
}

export function readState(): WorkbookState {
  try {
    const parsed: unknown = JSON.parse(readFileSync(statePath(), 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed as WorkbookState : {};
  } catch {
    return {}; // missing or damaged: start afresh rather than fail
  }
}

export function updateState(change: (state: WorkbookState) => void): WorkbookState {
  const state = readState();
  change(state);
  const path = statePath();
  try {
    mkdirSync(dirname(path), { recursive: true });
    // Write then rename: an interrupted write never leaves half a file.
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(temporary, path);
  } catch {
    // State is a convenience; never fail a command over it.
  }
  return state;
}
