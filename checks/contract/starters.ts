// The pristine starter files, checks/lessons/<lesson-folder>/starter.json. `npm run reset`
// restores from them without git, and the contract test checks the untouched starters even on a
// learner's machine where lessons/ holds work in progress. Maintainers refresh a lesson's snapshot
// with `npm run starters:save lesson-NN` after changing its starter files.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lessonDir, lessonMetaDir, type Lesson } from '../lessons.ts';

/** File name → pristine contents, e.g. `{ "server.ts": "…" }`. */
export type StarterSnapshot = Record<string, string>;

export function snapshotPath(lesson: Lesson): string {
  return join(lessonMetaDir(lesson), 'starter.json');
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
  await mkdir(lessonMetaDir(lesson), { recursive: true });
  await writeFile(snapshotPath(lesson), `${JSON.stringify(await currentStarters(lesson), null, 2)}\n`);
}
