// The messages the vitest reporter sends to the process that runs the checks.
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  diff?: string;
  /** For errors that escaped a check: the check file vitest was running. */
  testPath?: string;
}

export type CheckEvent =
  | { type: 'start'; file: string; name: string }
  | { type: 'result'; file: string; name: string; state: 'passed' | 'failed' | 'skipped'; durationMs: number; errors: ErrorInfo[] }
  | { type: 'file-error'; file: string; errors: ErrorInfo[] }
  | { type: 'end'; unhandled: ErrorInfo[] };
