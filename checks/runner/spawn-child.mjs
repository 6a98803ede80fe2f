// Starts the check runner's child process (child.mjs). Plain JavaScript, so that launch.mjs can
// start one before any TypeScript is loaded; run-checks.ts uses the same function.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'child.mjs');
const ROOT = dirname(dirname(HERE));

export function spawnCheckChild() {
  return fork(CHILD, [], {
    cwd: ROOT,
    // No TypeScript loader (a caller under tsx passes its own): vitest loads 4× faster without it.
    execArgv: [],
    // Its own process group, so one kill stops vitest's threads and anything the learner started.
    // (Windows has no process groups, and would open a console window for a detached child.)
    detached: process.platform !== 'win32',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
}

const WARM = Symbol.for('websocket-workbook.warm-check-child');

/**
 * Starts a child ahead of time for the next run of this process: it loads vitest while the
 * caller does other work. It does not keep this process alive, and exits when this process does.
 */
export function warmUp() {
  const current = globalThis[WARM];
  if (current && current.exitCode === null && current.signalCode === null && current.connected) return;
  const child = spawnCheckChild();
  setReferenced(child, false);
  globalThis[WARM] = child;
}

/** The child warmUp() started, if it is still usable; it is handed out once. */
export function takeWarmChild() {
  const child = globalThis[WARM];
  globalThis[WARM] = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null || !child.connected) return undefined;
  setReferenced(child, true);
  return child;
}

/** Whether the child's process, IPC channel and pipes keep this process alive. */
function setReferenced(child, referenced) {
  for (const handle of [child, child.channel, child.stdout, child.stderr]) {
    if (referenced) handle?.ref?.(); else handle?.unref?.();
  }
}
