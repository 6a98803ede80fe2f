// How the book server and its demo children (play-child.ts, echo-child.ts) talk, and how a child
// is tied to the server's life.
//
// - The children write on file descriptor 3 (one JSON object per line), so a learner's own
//   console.log on stdout can never be mistaken for the transcript. The server parses each line
//   with parseChildMessage: a learner's code runs in the child and could write anything there.
// - File descriptor 4 is the child's lifeline: a pipe whose other end only the server holds. The
//   kernel closes that end when the server exits, however it exits (Ctrl+C, a crash, SIGKILL), and
//   the child then ends itself and its process group (endWithServer). Nothing is ever written on it.
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Side, TranscriptEvent } from '../../checks/play/play-lesson.ts';

export type ChildMessage =
  | ({ type: 'event' } & TranscriptEvent)
  | { type: 'end'; ok: boolean; message: string }
  | { type: 'ready'; port: number }
  | { type: 'log'; text: string }
  | { type: 'crash'; message: string };

export const CHANNEL_FD = 3;
export const LIFELINE_FD = 4;
/** The children's stdio: no stdin (a learner's code reading it sees its end), then fd 3 and fd 4. */
export const CHILD_STDIO = ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] as const;

export function tell(message: ChildMessage): void {
  try {
    writeSync(CHANNEL_FD, `${JSON.stringify(message)}\n`);
  } catch {
    // The book server is gone: nobody is listening, so stop.
    process.exit(1);
  }
}

const SIDES: ReadonlySet<string> = new Set<Side>(['server', 'client', 'note']);

/** One line from a child's fd 3, checked field by field; undefined when it is not a message. */
export function parseChildMessage(line: string): ChildMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const m = value as Record<string, unknown>;
  const str = (v: unknown): v is string => typeof v === 'string';
  switch (m.type) {
    case 'event':
      return str(m.side) && SIDES.has(m.side) && str(m.text) && typeof m.at === 'number' && Number.isFinite(m.at)
        ? { type: 'event', side: m.side as Side, text: m.text, at: m.at }
        : undefined;
    case 'end':
      return typeof m.ok === 'boolean' && str(m.message) ? { type: 'end', ok: m.ok, message: m.message } : undefined;
    case 'ready':
      return Number.isInteger(m.port) && (m.port as number) > 0 && (m.port as number) < 65536 ? { type: 'ready', port: m.port as number } : undefined;
    case 'log':
      return str(m.text) ? { type: 'log', text: m.text } : undefined;
    case 'crash':
      return str(m.message) ? { type: 'crash', message: m.message } : undefined;
    default:
      return undefined;
  }
}

// Runs on its own thread, with its own event loop, so a learner's endless loop on the main thread
// cannot stop it. The child leads its own process group (the server spawns it detached): killing
// the group ends whatever the lesson's code started too.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { Socket } = require('node:net');
const end = () => {
  if (process.platform !== 'win32') { try { process.kill(-process.pid, 'SIGKILL'); } catch {} }
  process.kill(process.pid, 'SIGKILL');
};
setTimeout(end, workerData.hardLimitMs);
const lifeline = new Socket({ fd: workerData.fd, readable: true, writable: false });
lifeline.on('end', end).on('close', end).on('error', end).resume();
`;

/**
 * Ends this process (and its process group) when the book server goes away, however it ends, and
 * at `hardLimitMs` whatever the main thread is doing. The child's own, polite time limit comes
 * first; this one is the backstop.
 */
export function endWithServer(hardLimitMs: number): void {
  const worker = new Worker(WATCHDOG, {
    eval: true,
    execArgv: [],
    workerData: { fd: LIFELINE_FD, hardLimitMs },
  });
  worker.unref();
  // No lifeline (fd 4 not open: not started by the book server) or no watchdog: a child that
  // cannot promise to end with the server does not run.
  worker.on('error', () => process.kill(process.pid, 'SIGKILL'));
}

/** A learner-facing sentence for an error thrown by lesson code. */
export function describeError(error: unknown): string {
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.name === 'TodoError') return `Not done yet: ${err.message}`;
  const code = (err as NodeJS.ErrnoException).code;
  return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
}
