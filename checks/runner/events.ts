// The messages the vitest child (child.mjs) sends
// to the process that runs the checks.
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  diff?: string;
  /** For errors that escaped a check: the check file vitest was running. */
  testPath?: string;
  /** For a file that could not be compiled: where, e.g. `lessons/lesson-01-echo/server.ts:12:5`. */
  location?: string;
  /** For a file that could not be compiled: the offending lines, with a marker under the column. */
  frame?: string;
}

export type CheckEvent =
  | { type: 'start'; file: string; name: string }
  | { type: 'result'; file: string; name: string; state: 'passed' | 'failed' | 'skipped'; durationMs: number; errors: ErrorInfo[] }
  | { type: 'file-error'; file: string; errors: ErrorInfo[] }
  | { type: 'end'; unhandled: ErrorInfo[] }
  // Added later; consumers that switch on `type` can ignore them.
  /** A check file started loading (importing the learner's files). */
  | { type: 'file-start'; file: string }
  /** A check file finished loading; its `checks` run next. */
  | { type: 'file-loaded'; file: string; checks?: number }
  /** A check file finished (all its checks, or its load failed). */
  | { type: 'file-end'; file: string }
  /** Something the code under test printed with console.log/console.error during a check. */
  | { type: 'log'; file?: string; check?: string; stream: 'stdout' | 'stderr'; text: string };
