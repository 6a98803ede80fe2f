// A vitest reporter that forwards each check's start and result to the parent process (over IPC),
// which renders them for the learner. It prints nothing itself.
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { SerializedError } from '@vitest/utils';
import type { CheckEvent, ErrorInfo } from './events.ts';

function toInfo(error: SerializedError): ErrorInfo {
  const info: ErrorInfo = { name: error.name ?? 'Error', message: error.message ?? String(error) };
  if (typeof error.stack === 'string') info.stack = error.stack;
  if (typeof error.diff === 'string') info.diff = error.diff;
  if (typeof error.VITEST_TEST_PATH === 'string') info.testPath = error.VITEST_TEST_PATH;
  return info;
}

function send(event: CheckEvent): void {
  process.send?.(event);
}

export default class CheckReporter implements Reporter {
  onTestCaseReady(test: TestCase): void {
    send({ type: 'start', file: test.module.moduleId, name: test.name });
  }

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    const state = result.state === 'pending' ? 'skipped' : result.state;
    send({
      type: 'result',
      file: test.module.moduleId,
      name: test.name,
      state,
      durationMs: test.diagnostic()?.duration ?? 0,
      errors: (result.errors ?? []).map(toInfo),
    });
  }

  onTestModuleEnd(module: TestModule): void {
    const errors = module.errors();
    if (errors.length > 0) send({ type: 'file-error', file: module.moduleId, errors: errors.map(toInfo) });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    send({ type: 'end', unhandled: unhandled.map(toInfo) });
  }
}
