// Loads checks/lessons/<lesson-folder>/equivalent-mutants.json: the mutants a maintainer has
// judged equivalent (no check could ever tell them from the solution), each with its reason.
// A missing file means none. A malformed one stops the run: a typo must not quietly drop an entry.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonFolder, ROOT, type Lesson } from '../lessons.ts';
import type { EquivalentEntry } from './score.ts';

const FIELDS = ['file', 'mutator', 'original', 'replacement', 'reason'] as const;

export function equivalentsPath(lesson: Lesson): string {
  return join(ROOT, 'checks', 'lessons', lessonFolder(lesson), 'equivalent-mutants.json');
}

/** Validates the parsed file; `where` names it in errors. */
export function parseEquivalents(data: unknown, files: readonly string[], where: string): EquivalentEntry[] {
  if (!Array.isArray(data)) throw new Error(`${where}: expected an array of entries`);
  return data.map((item: unknown, index): EquivalentEntry => {
    const entry = item as Record<string, unknown> | null;
    for (const field of FIELDS) {
      if (typeof entry?.[field] !== 'string') throw new Error(`${where}: entry ${index} needs a string "${field}"`);
    }
    const { file, mutator, original, replacement, reason } = entry as unknown as EquivalentEntry;
    if (!files.includes(file)) throw new Error(`${where}: entry ${index}: "${file}" is not one of the lesson's files (${files.join(', ')})`);
    if (reason.trim() === '') throw new Error(`${where}: entry ${index} needs a reason`);
    return { file, mutator, original, replacement, reason };
  });
}

export function loadEquivalents(lesson: Lesson): EquivalentEntry[] {
  const path = equivalentsPath(lesson);
  if (!existsSync(path)) return [];
  const where = path.slice(ROOT.length + 1);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  return parseEquivalents(data, lesson.files, where);
}
