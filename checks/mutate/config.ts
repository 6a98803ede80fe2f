// The two config files a mutation run needs, written into the scratch copy of the lesson:
// - a vitest config that runs only that copy's *.check.ts, with the lesson runner's setup files,
//   pool and time limits (the values of checks/vitest.lessons.config.ts; not imported from it,
//   so loading this config needs nothing but the file itself);
// - a Stryker config that mutates exactly the lesson's learner files.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ROOT, type Lesson } from '../lessons.ts';
import { SCORE_THRESHOLD } from './score.ts';

export const VITEST_CONFIG = 'vitest.mutate.config.mjs';
export const STRYKER_CONFIG = 'stryker.mutate.config.json';
/** Inside the scratch copy, so it goes when the copy goes. */
const STRYKER_TEMP = '.stryker-tmp';

/** vitest's own time limit for one check: a check that hangs fails here first (status Killed). */
const TEST_TIMEOUT_MS = 15_000;

export function vitestConfig(scratch: string): object {
  return {
    root: scratch,
    test: {
      include: ['**/*.check.ts'],
      exclude: ['**/node_modules/**', `${STRYKER_TEMP}/**`],
      testTimeout: TEST_TIMEOUT_MS,
      hookTimeout: 10_000,
      teardownTimeout: 5_000,
      pool: 'threads',
      setupFiles: [join(ROOT, 'checks/runner/variant-setup.ts'), join(ROOT, 'checks/runner/setup.ts')],
      // A check file that fails to load must count as a failed check (see the reporter).
      reporters: ['default', join(ROOT, 'checks/mutate/load-failure-reporter.ts')],
      watch: false,
    },
  };
}

export interface StrykerSettings {
  reportFile: string;
  concurrency: number;
  /** A terminal: Stryker's progress bar (it redraws one line) and colours; else plain lines. */
  interactive: boolean;
}

export function defaultConcurrency(): number {
  // The checks mostly wait on sockets, so one worker per core keeps the cores busy.
  return Math.max(1, availableParallelism());
}

export function strykerConfig(lesson: Lesson, settings: StrykerSettings): object {
  return {
    testRunner: 'vitest',
    // Load only the runner we use (the default loads every @stryker-mutator/* package).
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: {
      configFile: VITEST_CONFIG,
      // The config already holds only this lesson's checks; `related` could only drop some.
      related: false,
    },
    mutate: lesson.files,
    // The scratch copy is ours, and the checks import ../../checks and ../../lib: a sandbox copy
    // one level deeper would break those imports. So Stryker instruments the copy's files in place.
    inPlace: true,
    tempDirName: STRYKER_TEMP,
    cleanTempDir: 'always',
    coverageAnalysis: 'perTest',
    concurrency: settings.concurrency,
    // Stryker's own limit is per mutant run: the covering checks' normal time × 1.5 + timeoutMS.
    // Above vitest's testTimeout, so a hung check normally fails inside vitest (no worker restart);
    // code that never yields (an endless loop) is still stopped by this one, status Timeout.
    timeoutMS: TEST_TIMEOUT_MS + 5_000,
    timeoutFactor: 1.5,
    dryRunTimeoutMinutes: 5,
    reporters: ['json', settings.interactive ? 'progress' : 'progress-append-only'],
    jsonReporter: { fileName: settings.reportFile },
    thresholds: { high: SCORE_THRESHOLD, low: SCORE_THRESHOLD - 10, break: null },
    allowConsoleColors: settings.interactive,
    logLevel: 'info',
    fileLogLevel: 'off',
  };
}

/** Writes both configs into `scratch`; returns the Stryker config's path. */
export function writeConfigs(scratch: string, lesson: Lesson, settings: StrykerSettings): string {
  writeFileSync(join(scratch, VITEST_CONFIG), `// Written by checks/mutate/config.ts for one mutation run.\nexport default ${JSON.stringify(vitestConfig(scratch), null, 2)};\n`);
  const path = join(scratch, STRYKER_CONFIG);
  writeFileSync(path, `${JSON.stringify(strykerConfig(lesson, settings), null, 2)}\n`);
  return path;
}
