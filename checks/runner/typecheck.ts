// Type-checks a lesson folder beside its checks. vitest strips types without checking them, so
// `const n: number = data.toString()` would run and pass; this is a TypeScript course, and a type
// error is a failure. TypeScript 7's native compiler checks a lesson in about a second.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ROOT } from '../lessons.ts';
import { isInside } from './run-checks.ts';

export interface TypeError {
  /** Absolute path. */
  file: string;
  line: number;
  column: number;
  /** e.g. TS2322 */
  code: string;
  /** The compiler's message, its follow-up lines joined. */
  message: string;
}

export interface TypecheckResult {
  errors: TypeError[];
  /** Set when the compiler could not be run at all: the errors are then unknown, not none. */
  failed?: string;
}

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
let runs = 0;
const LINE = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/;

/** Parses `tsc --pretty false` output: one line per error, continuation lines indented. */
export function parseTscOutput(output: string): TypeError[] {
  const errors: TypeError[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (match) {
      const [, file = '', row = '0', column = '0', code = '', message = ''] = match;
      errors.push({ file: resolve(ROOT, file), line: Number(row), column: Number(column), code, message });
    } else if (/^\s+\S/.test(line) && errors.length > 0) {
      errors[errors.length - 1]!.message += ` ${line.trim()}`;
    }
  }
  return errors;
}

/** Type-checks every .ts file under `dir` (and what they import); returns the errors inside `dir`. */
export async function typecheckFolder(dir: string, options: { signal?: AbortSignal } = {}): Promise<TypecheckResult> {
  const results = await typecheckFolders([dir], options);
  return results.get(dir) ?? { errors: [] };
}

/** One compiler run over several folders; each folder's own errors, keyed as given. */
export async function typecheckFolders(dirs: readonly string[], { signal }: { signal?: AbortSignal } = {}): Promise<Map<string, TypecheckResult>> {
  // A throwaway config beside the root one, so paths and options resolve the same way.
  const folders = dirs.map((dir) => resolve(ROOT, dir));
  const configDir = join(ROOT, '.workbook', 'tsconfig');
  const config = join(configDir, `${process.pid}-${(runs += 1)}.json`);
  mkdirSync(configDir, { recursive: true });
  writeFileSync(config, JSON.stringify({
    extends: relative(configDir, join(ROOT, 'tsconfig.json')),
    include: folders.map((folder) => `${relative(configDir, folder)}/**/*.ts`),
    exclude: [],
  }));
  const outcome = await new Promise<{ errors: TypeError[]; failed?: string }>((resolveRun) => {
    execFile(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: ROOT, timeout: 60_000, maxBuffer: 4 * 1024 * 1024, ...(signal ? { signal } : {}) }, (error, stdout, stderr) => {
      const all = parseTscOutput(stdout);
      // tsc exits non-zero when it finds errors; non-zero with none to show means it did not run.
      rmSync(config, { force: true });
      if (error && all.length === 0) resolveRun({ errors: [], failed: (stderr || error.message).trim().split('\n')[0] || 'tsc failed' });
      else resolveRun({ errors: all });
    });
  });
  return new Map(dirs.map((dir, i) => [dir, {
    errors: outcome.errors.filter((found) => isInside(folders[i]!, found.file)),
    ...(outcome.failed ? { failed: outcome.failed } : {}),
  }]));
}
