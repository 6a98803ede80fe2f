// For maintainers running lesson checks by hand with vitest's own reporter, e.g.
//   npx vitest run --config checks/vitest.lessons.config.ts lessons/lesson-01-echo
// `npm run check` and the contract do not read this file: checks/runner/child.mjs starts vitest
// with the same settings inline (loading a config file costs time on every check).
import { defineConfig } from 'vitest/config';
import { ROOT } from './lessons.ts';

export default defineConfig({
  root: ROOT,
  test: {
    include: ['lessons/**/*.check.ts', '.workbook/**/*.check.ts'],
    testTimeout: 15_000,
    hookTimeout: 10_000,
    teardownTimeout: 5_000,
    pool: 'threads',
    setupFiles: ['./checks/runner/variant-setup.ts', './checks/runner/setup.ts'],
    watch: false,
  },
});
