// Runs lesson checks in a child process with hard time limits, and collects the results.
// Learner code runs only in that child (child.mjs: vitest, the checks in a worker thread): an
// endless loop or a promise that never settles cannot wedge the caller, and the child's whole
// process group is killed when the run ends, so no server, port or process outlives a run.
//
// Two limits: a soft one inside vitest (a check that awaits something for too long fails with
// where it was waiting, and the run goes on), and a hard one here, for code that never gives
// control back (an endless loop): the run is stopped, and the report says which check or file
// was running and, when it can be seen, the line the code was stuck on.
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ROOT } from '../lessons.ts';
import type { CheckEvent, ErrorInfo } from './events.ts';
import type { Language } from './language.ts';
import { spawnCheckChild, takeWarmChild } from './spawn-child.mjs';

export { warmUp } from './spawn-child.mjs';

export interface CheckResult {
  file: string;
  name: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  errors: ErrorInfo[];
}

/** One frame of what a stuck worker was executing, mapped back to the source file. */
export interface StuckFrame {
  function: string;
  /** Relative to the project root. */
  file: string;
  line: number;
  column: number;
  /** The source line, trimmed. */
  source: string;
}

export interface LogLine {
  file?: string;
  check?: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface RunReport {
  results: CheckResult[];
  /** Files that could not be loaded at all (syntax error, throw at import). */
  fileErrors: { file: string; errors: ErrorInfo[] }[];
  unhandled: ErrorInfo[];
  /** Set when the run was stopped by the time limit: what was running then. */
  timedOut?: {
    file?: string;
    check?: string;
    afterMs: number;
    /** `loading`: importing the check file and the learner's files; `check`: running a check. */
    phase?: 'startup' | 'loading' | 'check';
    /** What the stuck code was executing (project files only, innermost first), when it could be seen. */
    stuckAt?: StuckFrame[];
  };
  /** The child ended without reporting the end of the run. */
  crashed?: string;
  /** The run was cancelled through `signal` before it ended. */
  cancelled?: boolean;
  /** What the code under test printed during the checks. */
  logs?: LogLine[];
  /** Check files that ran to their end (or failed to load), in the order they finished. */
  finishedFiles?: string[];
  /** How many checks the loaded files hold (some may not have run when a run is stopped). */
  expectedChecks?: number;
  /** How many checks each loaded file holds: a file that reported fewer results lost some. */
  checksPerFile?: Record<string, number>;
  /** Files that had started but not finished when the run was stopped or the child died. */
  unfinishedFiles?: string[];
  /** Things worth telling the learner that fail no check (setup.ts), once each. */
  warnings?: { file: string; text: string }[];
}

export interface RunOptions {
  /** Files or folders (relative to the project root or absolute) whose *.check.ts files to run. */
  paths: string[];
  /**
   * Hard limit: how long a check file's worker may fall silent (its event loop not turning: an
   * endless loop, loading or running) before the run is killed. A slow check that still yields is
   * never killed by it: the soft limit fails it instead.
   */
  checkLimitMs?: number;
  /**
   * Soft limit for one check, enforced inside vitest: the check fails with where it was waiting,
   * and the run goes on. Defaults to 15 s. Independent of `checkLimitMs`, which watches for silence.
   */
  checkTimeoutMs?: number;
  /** Hard limit for the whole run. */
  totalLimitMs?: number;
  /** Check files run at once. Default: one per core, at least two (checks mostly wait on sockets and timers). */
  maxWorkers?: number;
  /** Skip the rest of a check file after its first failure (enough to know "not done yet"). */
  stopAtFirstFailure?: boolean;
  /**
   * Reuse vitest's on-disk module cache between runs (default true: the learner's loop).
   * Runs over throwaway copies (the contract) turn it off: their entries are never reused, and
   * hundreds of them would push the shared cache into pruning while another run reads it.
   */
  moduleCache?: boolean;
  /** Cancels the run: the child is killed at once and the report has `cancelled`. */
  signal?: AbortSignal;
  onEvent?: (event: CheckEvent) => void;
  /**
   * The language of the checks' messages and names (default English: the contract, tests). The
   * CLI passes the learner's (activeLanguage()).
   */
  language?: Language;
}

/** What child.mjs gets in its { type: 'run' } message. */
interface ChildConfig {
  /** vitest include globs, relative to the project root. */
  include: string[];
  testTimeout: number;
  hookTimeout: number;
  teardownTimeout: number;
  maxWorkers: number;
  stopAtFirstFailure: boolean;
  /** null: no on-disk module cache for this run. */
  cacheDir: string | null;
  /** Passed to the workers as WORKBOOK_LANG. */
  lang: Language;
}

/** vitest itself must be up and running a file within this long, even on a very busy machine. */
const STARTUP_LIMIT_MS = 60_000;

/** Sent by setup.ts in the worker as each check starts and ends, and while it is alive, unbatched (see setup.ts). */
type WorkerSignal =
  | { type: 'alive'; file: string }
  | { type: 'warning'; file: string; text: string }
  | { type: 'running'; file: string; name: string }
  | ({ type: 'check-done' } & CheckResult);

const OUTPUT_LIMIT = 64 * 1024;

/** vitest include globs for the given files or folders. */
export function includeGlobs(paths: string[]): string[] {
  return paths.map((path) => {
    const rel = relative(ROOT, resolve(ROOT, path)).split('\\').join('/');
    const escaped = rel.replace(/[*?[\]{}()!+@]/g, '\\$&');
    if (/\.[cm]?[jt]s$/.test(rel)) return escaped;
    return escaped === '' ? '**/*.check.ts' : `${escaped}/**/*.check.ts`;
  });
}

export async function runChecks(options: RunOptions): Promise<RunReport> {
  const { paths, checkLimitMs = 20_000, totalLimitMs = 10 * 60_000, maxWorkers = Math.max(2, availableParallelism()), onEvent, signal } = options;
  const softLimitMs = Math.max(1000, options.checkTimeoutMs ?? 15_000);
  const report: RunReport = { results: [], fileErrors: [], unhandled: [], logs: [], finishedFiles: [], checksPerFile: {} };
  if (signal?.aborted) return { ...report, cancelled: true };

  const config: ChildConfig = {
    include: includeGlobs(paths),
    testTimeout: softLimitMs,
    hookTimeout: softLimitMs,
    teardownTimeout: 5000,
    maxWorkers,
    stopAtFirstFailure: options.stopAtFirstFailure ?? false,
    cacheDir: options.moduleCache === false ? null : join(ROOT, '.workbook', 'cache', 'vitest'),
    lang: options.language ?? 'en',
  };
  // A child started ahead of time (warmUp) has vitest loaded already.
  const child = takeWarmChild() ?? spawnCheckChild();
  child.send({ type: 'run', config });

  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString('utf8'); });

  const killGroup = (): void => killProcessGroup(child);
  const started = performance.now();
  // Per running check file: when it started, when its worker last said it was alive (undefined until
  // setup.ts first runs in it), whether it is still loading, and its current check.
  // `cleared`: when a suspected silence was last found not to be code stuck in this file.
  const files = new Map<string, { since: number; alive?: number; cleared?: number; loaded: boolean; check?: { name: string; since: number } }>();
  let confirming = false;
  const finished = new Set<string>();
  let anyFileStarted = false;
  let ended = false;
  let stopping = false;

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, exitSignal) => resolveExit({ code, signal: exitSignal }));
    child.once('error', () => resolveExit({ code: null, signal: null }));
  });

  // Checks the worker finished but vitest has not reported yet (it batches its reports).
  const doneUnreported = new Map<string, CheckResult>();
  const key = (file: string, name: string): string => `${file}\0${name}`;

  const stop = async (why: NonNullable<RunReport['timedOut']>, seen?: StuckFrame[]): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const frames = seen ?? pickFrames(await askWhere(child, 1500), why.file);
    report.unfinishedFiles = [...files.keys()];
    killGroup();
    // A stuck worker never sends vitest's last batch: report what setup.ts saw finish.
    for (const result of doneUnreported.values()) {
      report.results.push(result);
      onEvent?.({ type: 'result', ...result });
    }
    report.timedOut = why;
    if (frames.length > 0) report.timedOut.stuckAt = frames;
  };

  const watchdog = setInterval(() => {
    if (stopping || ended) return;
    const now = performance.now();
    if (now - started > totalLimitMs) {
      const [file, state] = [...files.entries()][0] ?? [];
      void stop({ file, check: state?.check?.name, afterMs: Math.round(now - started), phase: state?.check ? 'check' : 'loading' });
      return;
    }
    if (!anyFileStarted && now - started > STARTUP_LIMIT_MS) {
      void stop({ afterMs: Math.round(now - started), phase: 'startup' });
      return;
    }
    if (confirming) return;
    for (const [file, state] of files) {
      // Before its first beat the worker is vitest's own start-up: slow on a busy machine, not stuck.
      const limit = state.alive === undefined ? Math.max(checkLimitMs, STARTUP_LIMIT_MS) : checkLimitMs;
      const lastHeard = state.alive ?? state.since;
      if (now - Math.max(lastHeard, state.cleared ?? 0) <= limit) continue;
      // Silence is only a suspicion: a starved process hears beats late. Stop only when a worker
      // is seen executing this file's code, or after three limits of silence.
      confirming = true;
      void askWhere(child, 1500).then((workers) => {
        confirming = false;
        if (stopping || ended || !files.has(file)) return;
        const frames = pickFrames(workers, file);
        const at = performance.now();
        // A beat may have come in while we asked: count silence from the latest one.
        if (frames.length > 0 || at - (state.alive ?? state.since) > 3 * limit) {
          const since = state.check?.since ?? state.since;
          void stop({ file, check: state.check?.name, afterMs: Math.round(at - since), phase: state.check || state.loaded ? 'check' : 'loading' }, frames);
        } else {
          state.cleared = at; // not seen stuck: listen for another limit before asking again
        }
      });
      return;
    }
  }, 100);

  const onAbort = (): void => {
    report.cancelled = true;
    stopping = true;
    killGroup();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  // Ctrl+C reaches the caller's process group, not the child's (it has its own): kill it here.
  const onSignal = (received: NodeJS.Signals): void => {
    killGroup();
    if (process.listenerCount(received) === 1) {
      removeSignalHandlers();
      process.kill(process.pid, received);
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const removeSignalHandlers = (): void => { for (const name of signals) process.off(name, onSignal); };
  for (const name of signals) process.on(name, onSignal);
  process.once('exit', killGroup);

  child.on('message', (message: unknown) => {
    const event = message as CheckEvent | WorkerSignal | { type: 'where' };
    const now = performance.now();
    switch (event.type) {
      case 'where':
        return; // answered to askWhere()
      case 'warning':
        report.warnings ??= [];
        if (!report.warnings.some((warning) => warning.text === event.text)) report.warnings.push({ file: event.file, text: event.text });
        return;
      case 'alive': {
        // A worker may beat once more after vitest reported its file finished.
        if (finished.has(event.file)) return;
        const state = files.get(event.file) ?? { since: now, loaded: false };
        state.alive = now;
        files.set(event.file, state);
        return;
      }
      case 'running': {
        anyFileStarted = true;
        const state = files.get(event.file) ?? { since: now, loaded: true };
        state.check = { name: event.name, since: now };
        state.alive = now;
        files.set(event.file, state);
        return;
      }
      case 'check-done': {
        const { type: _type, ...result } = event;
        if (!report.results.some((r) => r.file === result.file && r.name === result.name)) doneUnreported.set(key(result.file, result.name), result);
        const state = files.get(event.file);
        if (state) state.alive = now;
        if (state?.check?.name === event.name) {
          state.check = undefined;
          state.since = now;
        }
        return;
      }
      case 'file-start':
        anyFileStarted = true;
        if (!files.has(event.file)) files.set(event.file, { since: now, loaded: false });
        break;
      case 'file-loaded': {
        report.expectedChecks = (report.expectedChecks ?? 0) + (event.checks ?? 0);
        if (report.checksPerFile) report.checksPerFile[event.file] = event.checks ?? 0;
        const state = files.get(event.file);
        if (state) Object.assign(state, { since: now, loaded: true });
        break;
      }
      case 'start': {
        // vitest's start events come in batches, late: setup.ts's 'running' keeps the time.
        anyFileStarted = true;
        const state = files.get(event.file) ?? { since: now, loaded: true };
        state.check ??= { name: event.name, since: now };
        files.set(event.file, state);
        break;
      }
      case 'result': {
        const state = files.get(event.file);
        if (state?.check?.name === event.name) {
          state.since = now;
          state.check = undefined;
        }
        doneUnreported.delete(key(event.file, event.name));
        report.results.push({ file: event.file, name: event.name, state: event.state, durationMs: event.durationMs, errors: event.errors });
        break;
      }
      case 'file-error':
        report.fileErrors.push({ file: event.file, errors: event.errors });
        break;
      case 'file-end':
        files.delete(event.file);
        finished.add(event.file);
        report.finishedFiles?.push(event.file);
        break;
      case 'log':
        if ((report.logs?.length ?? 0) < 500) report.logs?.push({ file: event.file, check: event.check, stream: event.stream, text: event.text });
        break;
      case 'end':
        ended = true;
        report.unhandled.push(...event.unhandled);
        // Everything is known: stop vitest's teardown and anything the learner left running.
        setImmediate(killGroup);
        break;
    }
    if (!stopping || event.type === 'end') onEvent?.(event);
  });

  const exit = await exited;
  clearInterval(watchdog);
  killGroup(); // anything that outlived the child in its group
  signal?.removeEventListener('abort', onAbort);
  removeSignalHandlers();
  process.off('exit', killGroup);

  if (!ended && !report.timedOut && !report.cancelled) {
    const output = `${stderr}\n${stdout}`.trim();
    report.crashed = output || `the check runner exited with ${exit.code ?? exit.signal}`;
    report.unfinishedFiles = [...files.keys()];
  }
  return report;
}

export function passed(report: RunReport): boolean {
  return !report.timedOut && !report.crashed && !report.cancelled && report.fileErrors.length === 0 && report.unhandled.length === 0 &&
    report.results.length > 0 && report.results.length >= (report.expectedChecks ?? 0) &&
    report.results.every((result) => result.state === 'passed');
}

function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone, or no process groups (Windows): the child itself, threads and all.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Asks the child what its worker threads are executing (an endless loop shows up here). */
/** Asks the child what each of its worker threads is executing (project frames only). */
async function askWhere(child: ChildProcess, withinMs: number): Promise<StuckFrame[][]> {
  if (!child.connected) return [];
  return new Promise((resolveWhere) => {
    const done = (frames: StuckFrame[][]): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolveWhere(frames);
    };
    const onMessage = (message: unknown): void => {
      const reply = message as { type?: string; frames?: StuckFrame[][] };
      if (reply.type !== 'where') return;
      done(reply.frames ?? []);
    };
    const timer = setTimeout(() => done([]), withinMs);
    child.on('message', onMessage);
    try {
      child.send({ type: 'where' });
    } catch {
      done([]);
    }
  });
}

/**
 * The frames of the worker executing code of the given check file's folder (the learner's files
 * or the check itself); without a file, of any worker executing project code.
 */
function pickFrames(workers: StuckFrame[][], checkFile: string | undefined): StuckFrame[] {
  const folder = checkFile ? dirname(checkFile) : undefined;
  const mine = (frames: StuckFrame[]): boolean => frames.length > 0 && (!folder || frames.some((frame) => isInside(folder, resolve(ROOT, frame.file))));
  return workers.find(mine) ?? [];
}

export function isInside(dir: string, file: string | undefined): boolean {
  if (!file) return false;
  const rel = relative(resolve(ROOT, dir), resolve(ROOT, file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
