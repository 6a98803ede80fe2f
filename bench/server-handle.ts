// Starts a benchmark server in a child process and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, Memory, ParentMessage, ServerKind } from './server-process.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const START_LIMIT_MS = 20_000;
const ANSWER_LIMIT_MS = 10_000;

export type ServerReport = Extract<ChildMessage, { type: 'report' }>;

export interface ServerHandle {
  kind: ServerKind;
  url: string;
  pid: number;
  /** Full GC in the server, then takes its memory as the baseline for the next report. */
  mark(): Promise<Memory>;
  report(): Promise<ServerReport>;
  stop(): Promise<void>;
}

export async function startServer(kind: ServerKind, options: Record<string, unknown> = {}): Promise<ServerHandle> {
  const child = fork(join(HERE, 'server-process.ts'), [kind, JSON.stringify(options)], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await answer(child, 'ready', START_LIMIT_MS);
    return handle(kind, child, ready.port);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

function handle(kind: ServerKind, child: ChildProcess, port: number): ServerHandle {
  const ask = async <T extends ChildMessage['type']>(message: ParentMessage, reply: T): Promise<Extract<ChildMessage, { type: T }>> => {
    const answered = answer(child, reply, ANSWER_LIMIT_MS);
    child.send(message);
    return answered;
  };
  return {
    kind,
    url: `ws://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    mark: async () => (await ask({ type: 'mark' }, 'marked')).memory,
    report: async () => ask({ type: 'report' }, 'report'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child's next message of type `type`; rejects if the child exits or takes too long. */
function answer<T extends ChildMessage['type']>(child: ChildProcess, type: T, limitMs: number): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`the bench server exited (code ${code}, signal ${signal}) before answering "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the bench server did not answer "${type}" within ${limitMs} ms`));
    }, limitMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
