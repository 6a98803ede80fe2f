// The one list of lessons. The check runner, the contract test, play, hints, reset and the book
// all read it. Adding a lesson means adding its folders: lessons/ and solutions/ for the learner,
// and checks/lessons/<lesson-folder>/ for its maintainer material (lesson.ts with its entry,
// wrong.ts, starter.json, interop.py, equivalent-mutants.json).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import l01 from './lessons/lesson-01-echo/lesson.ts';
import l02 from './lessons/lesson-02-conversation/lesson.ts';
import l03 from './lessons/lesson-03-streaming/lesson.ts';
import l04 from './lessons/lesson-04-async-pitfalls/lesson.ts';
import l05 from './lessons/lesson-05-live-translation/lesson.ts';
import l06 from './lessons/lesson-06-message-protocol/lesson.ts';
import l07 from './lessons/lesson-07-heartbeat-reconnect/lesson.ts';
import l08 from './lessons/lesson-08-broadcast/lesson.ts';
import l09 from './lessons/lesson-09-usernames/lesson.ts';
import l10 from './lessons/lesson-10-rooms/lesson.ts';
import l11 from './lessons/lesson-11-auth/lesson.ts';

export interface Lesson {
  /** `lesson-NN`: what learners type. Numbers are fixed once published. */
  id: string;
  /** Folder name suffix: lessons/<id>-<slug>/ */
  slug: string;
  title: string;
  titleZh: string;
  /** The files the learner edits; solutions/<id>-<slug>/ holds completed versions of exactly these. */
  files: string[];
  /** Revealed one at a time by `npm run hint`, gentlest first. */
  hints: string[];
  /** The same hints in Chinese, one for one (shown under `npm run lang zh-CN` or a Chinese LANG). */
  hintsZh: string[];
}

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Where each lesson's maintainer material lives: checks/lessons/<lesson-folder>/ (see checks/README.md). */
export const LESSON_META_DIR = join(ROOT, 'checks', 'lessons');

// Each lesson's entry lives in its maintainer folder; a test fails when a folder is missing here.
export const lessons: readonly Lesson[] = [l01, l02, l03, l04, l05, l06, l07, l08, l09, l10, l11];

/** Folder name, e.g. lesson-01-echo. */
export function lessonFolder(lesson: Lesson): string {
  return `${lesson.id}-${lesson.slug}`;
}

export function lessonDir(lesson: Lesson): string {
  return join(ROOT, 'lessons', lessonFolder(lesson));
}

export function solutionDir(lesson: Lesson): string {
  return join(ROOT, 'solutions', lessonFolder(lesson));
}

/** Accepts `lesson-01`, `01`, `1`, the slug `echo` or the full folder name `lesson-01-echo`. */
export function findLesson(query: string): Lesson | undefined {
  const q = query.trim().toLowerCase().replace(/\/+$/, '').replace(/^(lessons|solutions)\//, '');
  const number = /^(?:lesson-?)?0*(\d+)$/.exec(q)?.[1];
  return lessons.find((lesson) =>
    lesson.id === q ||
    lesson.slug === q ||
    lessonFolder(lesson) === q ||
    (number !== undefined && Number(number) === Number(lesson.id.slice('lesson-'.length))),
  );
}

export function lessonIdList(): string {
  return lessons.map((lesson) => `${lesson.id} (${lesson.slug})`).join(', ');
}

/** The lesson's maintainer folder, checks/lessons/<lesson-folder>/. */
export function lessonMetaDir(lesson: Lesson): string {
  return join(LESSON_META_DIR, lessonFolder(lesson));
}
