// Loaded by vitest before each lesson check file. In a contract scratch copy of a lesson whose
// `.variant.json` lists `only`, checks not named there are skipped: a known-wrong solution needs
// only the checks that must catch its mistake, and skipping the rest (many of which would wait
// out a timeout) keeps npm test fast. Skipped checks never count as passes in the contract.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach } from 'vitest';

const cache = new Map<string, string[] | undefined>();

function onlyFor(file: string): string[] | undefined {
  const dir = dirname(file);
  if (!cache.has(dir)) {
    const marker = join(dir, '.variant.json');
    cache.set(dir, existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { only?: string[] }).only : undefined);
  }
  return cache.get(dir);
}

beforeEach(({ task, skip }) => {
  const only = onlyFor(task.file.filepath);
  if (only && !only.some((name) => task.name.includes(name))) skip();
});
