// The pristine starter files, one JSON file per lesson in checks/starters/. `npm run reset`
// restores from them without git, and the contract test checks the untouched starters even on a
// learner's machine where lessons/ holds work in progress. Maintainers refresh a lesson's snapshot
// with `npm run starters:save lesson-NN` after changing its starter files.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lessonDir, lessonFolder, ROOT, type Lesson } from '../lessons.ts';

export const STARTERS_DIR = join(ROOT, 'checks', 'starters');

/** File name → pristine contents, e.g. `{ "server.ts": "…" }`. */
export type StarterSnapshot = Record<string, string>;

export function snapshotPath(lesson: Lesson): string {
  return join(STARTERS_DIR, `${lessonFolder(lesson)}.json`);
}

export async function readStarters(lesson: Lesson): Promise<StarterSnapshot> {
  const snapshot = JSON.parse(await readFile(snapshotPath(lesson), 'utf8')) as StarterSnapshot;
  for (const file of lesson.files) {
    if (typeof snapshot[file] !== 'string') {
      throw new Error(`${snapshotPath(lesson)} has no ${file}: run npm run starters:save ${lesson.id}`);
    }
  }
  return snapshot;
}

/** The lesson's starter files as they are now in lessons/. */
export async function currentStarters(lesson: Lesson): Promise<StarterSnapshot> {
  const snapshot: StarterSnapshot = {};
  for (const file of lesson.files) snapshot[file] = await readFile(join(lessonDir(lesson), file), 'utf8');
  return snapshot;
}

export async function saveStarters(lesson: Lesson): Promise<void> {
  await mkdir(STARTERS_DIR, { recursive: true });
  await writeFile(snapshotPath(lesson), `${JSON.stringify(await currentStarters(lesson), null, 2)}\n`);
}
