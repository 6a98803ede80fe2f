// A vitest reporter, loaded only by the mutation run's generated config: a check file that fails
// to load (a mutant at the top level of a learner file throws, or calls process.exit, while the
// check file imports it) gets one failed test carrying the load error.
//
// Why: Stryker's vitest runner (9.6.1, and 10.0.0) builds each mutant's result from the tests it
// finds in vitest's file tasks. A file that never loaded holds none, so the mutant is reported
// Survived with 0 tests run (stryker-js#6150), although `npm run check` would fail on it. The
// runner reads the same task objects after the run, so adding the test here is enough.
import type { RunnerTask as Task, RunnerTestCase as Test, RunnerTestFile as File } from 'vitest';
import type { Reporter, Vitest } from 'vitest/node';

function hasTests(task: Task): boolean {
  return task.type === 'test' || (task.type === 'suite' && task.tasks.some(hasTests));
}

export default class LoadFailureReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(): void {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      if (file.result?.state === 'fail' && !hasTests(file)) file.tasks.push(loadFailure(file));
    }
  }
}

function loadFailure(file: File): Test {
  // Only the fields Stryker's runner reads (type, name, mode, file, result); nothing runs it.
  return {
    type: 'test',
    id: `${file.id}_load_failure`,
    name: 'the check file loads',
    mode: 'run',
    file,
    result: { state: 'fail', errors: file.result?.errors ?? [{ message: 'the check file failed to load' }] },
    meta: {},
  } as unknown as Test;
}
