// Runs Stryker in a child process, in the scratch copy, in its own process group: one kill then
// stops Stryker, its test-runner workers, their vitest threads and anything a mutant started
// (a server a mutant left listening, a stray client). `stop()` is synchronous so it also works
// from an 'exit' handler.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { processesWithMarker } from '../runner/scratch.ts';

export interface StrykerRun {
  /** Stryker's exit code (a signal counts as 128 + its number). */
  done: Promise<number>;
  /** Kills the whole group and any process that left it; safe to call more than once. */
  stop(): void;
}

function strykerBin(): string {
  const pkg = createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json');
  return join(dirname(pkg), 'bin', 'stryker.js');
}

export function runStryker(cwd: string, configFile: string): StrykerRun {
  const isWindows = process.platform === 'win32';
  // Everything Stryker starts inherits this, so stop() can find what escaped the group (setsid).
  const marker = `WORKBOOK_MUTATE_RUN=${process.pid}-${Date.now()}`;
  const [markerName, markerValue] = marker.split('=') as [string, string];
  const child: ChildProcess = spawn(process.execPath, [strykerBin(), 'run', configFile], {
    cwd,
    stdio: 'inherit',
    detached: !isWindows,
    env: { ...process.env, [markerName]: markerValue },
  });

  const done = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });

  const stop = (): void => {
    if (child.pid !== undefined && !isWindows) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    } else if (child.exitCode === null) {
      child.kill('SIGKILL');
    }
    for (const pid of processesWithMarker(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  };

  return { done, stop };
}
