// The one list of lessons. The check runner, the contract test, play, hints, reset and the book
// all read it. Adding a lesson means adding its folders: lessons/ and solutions/ for the learner,
// and checks/lessons/<lesson-folder>/ for its maintainer material (lesson.ts with its entry,
// wrong.ts, starter.json, interop.py, equivalent-mutants.json).
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
}

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Where each lesson's maintainer material lives: checks/lessons/<lesson-folder>/ (see checks/README.md). */
export const LESSON_META_DIR = join(ROOT, 'checks', 'lessons');

// Every folder under checks/lessons/ with a lesson.ts is a lesson, in folder (= number) order.
export const lessons: readonly Lesson[] = await Promise.all(
  readdirSync(LESSON_META_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(LESSON_META_DIR, entry.name, 'lesson.ts')))
    .map((entry) => entry.name)
    .sort()
    .map(async (folder) => ((await import(pathToFileURL(join(LESSON_META_DIR, folder, 'lesson.ts')).href)) as { default: Lesson }).default),
);

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

/** Accepts `lesson-01`, `01`, `1` or the full folder name `lesson-01-echo`. */
export function findLesson(query: string): Lesson | undefined {
  const q = query.trim().toLowerCase().replace(/\/+$/, '').replace(/^(lessons|solutions)\//, '');
  const number = /^(?:lesson-?)?0*(\d+)$/.exec(q)?.[1];
  return lessons.find((lesson) =>
    lesson.id === q ||
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
