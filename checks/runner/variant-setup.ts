// Loaded by vitest before each lesson check file. In a contract scratch copy of a lesson, its
// `.variant.json` says which checks the contract needs:
// - `only`: a known-wrong solution runs only the checks that must catch its mistake;
// - `firstFailureOnly`: the untouched starter stops at its first failure, which is all the
//   contract judges (that it fails, and that the first failure says what to do).
// Skipping the rest (many of which would wait out a timeout or start programs) keeps npm test
// fast. Skipped checks never count as passes in the contract.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

interface VariantMarker { only?: string[]; firstFailureOnly?: boolean }

const cache = new Map<string, VariantMarker | undefined>();
let failedBefore = false;

function markerFor(file: string): VariantMarker | undefined {
  const dir = dirname(file);
  if (!cache.has(dir)) {
    const marker = join(dir, '.variant.json');
    cache.set(dir, existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as VariantMarker) : undefined);
  }
  return cache.get(dir);
}

beforeEach(({ task, skip }) => {
  const marker = markerFor(task.file.filepath);
  if (marker?.only && !marker.only.some((name) => task.name.includes(name))) skip();
  if (marker?.firstFailureOnly && failedBefore) skip();
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0) failedBefore = true;
});
