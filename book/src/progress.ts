// The learner's real progress, for the sidebar's marks: each lesson's last result from the check
// runner (.workbook/state.json, or WORKBOOK_STATE), taken only while the lesson's files are the
// ones it was checked with (checks/cli/status-cache.ts). A lesson is done when its checks pass,
// nowhere else: the book never keeps a "done" of its own.
import { existsSync } from 'node:fs';
import { lessonDir, lessons as allLessons, type Lesson } from '../../checks/lessons.ts';
import { lessonKey, readCachedStatus } from '../../checks/cli/status-cache.ts';

/**
 * Lesson id → its state: the check runner's (`done`, `started`, `not-started`, `broken`, `stuck`,
 * `no-checks`), `missing` when the lesson has no folder, `unchecked` when there is no kept result
 * for the files as they are now.
 */
export type Progress = Record<string, string>;

export function learnerProgress(lessons: readonly Lesson[] = allLessons, dirOf: (lesson: Lesson) => string = lessonDir): Progress {
  const progress: Progress = {};
  for (const lesson of lessons) {
    const dir = dirOf(lesson);
    if (!existsSync(dir)) {
      progress[lesson.id] = 'missing';
      continue;
    }
    progress[lesson.id] = readCachedStatus({ lesson, dir }, lessonKey(dir))?.state ?? 'unchecked';
  }
  return progress;
}
