// Scratch copies of a lesson for the runner's and the CLI's own tests and for the bench:
// .workbook/<lesson-folder>--<tag>--<pid>/, the same depth as lessons/<lesson-folder>/, so the
// lesson's relative imports (../../lib, ../../checks) resolve the same. lessons/ is never touched.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonDir, lessonFolder, ROOT, solutionDir, type Lesson } from '../lessons.ts';
import { readStarters } from '../contract/starters.ts';

export interface ScratchOptions {
  /** Start from the reference solution instead of the pristine starter. */
  solution?: boolean;
  /** File name → new contents, written last. */
  files?: Record<string, string>;
  /** Files to delete (e.g. the lesson's own *.check.ts, to run only a test's check file). */
  remove?: string[];
}

export async function makeScratch(lesson: Lesson, tag: string, options: ScratchOptions = {}): Promise<string> {
  const dir = join(ROOT, '.workbook', `${lessonFolder(lesson)}--${tag}--${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(ROOT, '.workbook'), { recursive: true });
  cpSync(lessonDir(lesson), dir, { recursive: true });
  if (options.solution) {
    cpSync(solutionDir(lesson), dir, { recursive: true });
  } else {
    // The pristine starter, whatever state the learner's lessons/ copy is in.
    const starters = await readStarters(lesson);
    for (const file of lesson.files) writeFileSync(join(dir, file), starters[file] ?? '');
  }
  for (const file of options.remove ?? []) rmSync(join(dir, file), { force: true });
  for (const [file, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, file), text);
  return dir;
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Processes (other than this one) whose environment holds `marker`: a test sets a unique marker
 * in the environment of what it starts, then asks this to prove nothing outlived the run.
 * Linux only (/proc); elsewhere it returns [] rather than guess.
 */
export function processesWithMarker(marker: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(pid);
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}
