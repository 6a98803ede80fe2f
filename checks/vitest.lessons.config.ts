// Runs lessons' self-checks (*.check.ts) in lessons/ and in the scratch copies under .workbook/.
import { defineConfig } from 'vitest/config';
import { ROOT } from './lessons.ts';

export default defineConfig({
  root: ROOT,
  test: {
    include: ['lessons/**/*.check.ts', '.workbook/**/*.check.ts'],
    // The harness bounds every wait at a few seconds; this only catches a check that ignores it.
    testTimeout: 15_000,
    hookTimeout: 10_000,
    teardownTimeout: 5_000,
    pool: 'forks',
    reporters: ['./checks/runner/reporter.ts'],
    setupFiles: ['./checks/runner/variant-setup.ts'],
    watch: false,
  },
});
