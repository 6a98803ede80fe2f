// Runs lesson checks in a child vitest process with a hard time limit, and collects the results.
// Learner code runs only in that child: an endless loop or a hung promise cannot wedge the caller,
// and the whole process group is killed afterwards, so no server or port outlives a run.
import { execaNode } from 'execa';
import { join, relative, resolve } from 'node:path';
import { ROOT } from '../lessons.ts';
import type { CheckEvent, ErrorInfo } from './events.ts';

export interface CheckResult {
  file: string;
  name: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  errors: ErrorInfo[];
}

export interface RunReport {
  results: CheckResult[];
  /** Files that could not be loaded at all (syntax error, throw at import). */
  fileErrors: { file: string; errors: ErrorInfo[] }[];
  unhandled: ErrorInfo[];
  /** Set when the run was stopped by the time limit: what was running then. */
  timedOut?: { file?: string; check?: string; afterMs: number };
  /** The child ended without reporting the end of the run. */
  crashed?: string;
}

export interface RunOptions {
  /** Files or folders (relative to the project root or absolute) whose *.check.ts files to run. */
  paths: string[];
  /** Hard limit for one check (or for loading a file) before the run is killed. */
  checkLimitMs?: number;
  /** Hard limit for the whole run. */
  totalLimitMs?: number;
  maxWorkers?: number;
  onEvent?: (event: CheckEvent) => void;
}

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const CONFIG = join(ROOT, 'checks', 'vitest.lessons.config.ts');

export async function runChecks(options: RunOptions): Promise<RunReport> {
  const { paths, checkLimitMs = 20_000, totalLimitMs = 10 * 60_000, maxWorkers, onEvent } = options;
  const report: RunReport = { results: [], fileErrors: [], unhandled: [] };
  const filters = paths.map((path) => relative(ROOT, resolve(ROOT, path)) || '.');
  const args = ['run', '--config', CONFIG, ...(maxWorkers ? [`--maxWorkers=${maxWorkers}`] : []), ...filters];

  const child = execaNode(VITEST, args, {
    cwd: ROOT,
    ipc: true,
    serialization: 'json',
    // Its own process group, so the watchdog can kill vitest's workers too.
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
    env: { FORCE_COLOR: '0', NO_COLOR: '1' },
    buffer: { stdout: true, stderr: true },
  });

  const started = performance.now();
  const running = new Map<string, { file: string; name: string; since: number }>();
  let loadingSince = started;
  let ended = false;

  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  const watchdog = setInterval(() => {
    const now = performance.now();
    const oldest = [...running.values()].sort((a, b) => a.since - b.since)[0];
    const stuckCheck = oldest && now - oldest.since > checkLimitMs;
    const stuckLoading = !oldest && now - loadingSince > checkLimitMs;
    if (stuckCheck || stuckLoading || now - started > totalLimitMs) {
      report.timedOut = { file: oldest?.file, check: oldest?.name, afterMs: Math.round(now - (oldest?.since ?? loadingSince)) };
      killGroup();
    }
  }, 100);

  const exitKiller = (): void => killGroup();
  process.once('exit', exitKiller);

  child.on('message', (message: unknown) => {
    const event = message as CheckEvent;
    switch (event.type) {
      case 'start':
        running.set(`${event.file}\0${event.name}`, { file: event.file, name: event.name, since: performance.now() });
        break;
      case 'result':
        running.delete(`${event.file}\0${event.name}`);
        loadingSince = performance.now();
        report.results.push({ file: event.file, name: event.name, state: event.state, durationMs: event.durationMs, errors: event.errors });
        break;
      case 'file-error':
        report.fileErrors.push({ file: event.file, errors: event.errors });
        break;
      case 'end':
        ended = true;
        report.unhandled.push(...event.unhandled);
        break;
    }
    onEvent?.(event);
  });

  const result = await child;
  clearInterval(watchdog);
  killGroup(); // workers that outlived vitest (a learner's server that never closed)
  process.off('exit', exitKiller);

  if (!ended && !report.timedOut) {
    const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.trim();
    report.crashed = output || `vitest exited with code ${result.exitCode ?? result.signal}`;
  }
  return report;
}

export function passed(report: RunReport): boolean {
  return !report.timedOut && !report.crashed && report.fileErrors.length === 0 && report.unhandled.length === 0 &&
    report.results.length > 0 && report.results.every((result) => result.state === 'passed');
}
