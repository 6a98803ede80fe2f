// The server side of a benchmark, run in its own process so the load generator and the server
// each get a core, and so the server's memory can be measured alone.
//   node --import tsx --expose-gc bench/server-process.ts <kind> '<options json>'
// Talks to the parent over IPC: sends {type:'ready', port}; answers 'mark' (baseline memory,
// after a full GC), 'report' (peak and current memory since the mark, server stats) and 'stop'.
import type { WebSocketServer } from 'ws';
import { createServer as createEchoSolution } from '../solutions/lesson-01-echo/server.ts';
import { createServer as createChatSolution, type ChatServer } from '../solutions/lesson-08-broadcast/server.ts';
import { createBareEchoServer } from './bare-echo.ts';
import { createNaiveServer } from './naive-broadcast.ts';

export type ServerKind = 'echo-solution' | 'echo-bare' | 'broadcast-solution' | 'broadcast-naive';

export interface Memory {
  rss: number;
  heapUsed: number;
  /** Buffers live outside the JS heap: external + arrayBuffers. */
  external: number;
}

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'marked'; memory: Memory }
  | { type: 'report'; baseline: Memory; peak: Memory; current: Memory; room?: number; dropped?: number; slowClosed?: number };

export type ParentMessage = { type: 'mark' } | { type: 'report' } | { type: 'stop' };

const noLog = (): void => {};

function start(kind: ServerKind, options: Record<string, unknown>): WebSocketServer {
  const common = { host: '127.0.0.1', port: 0, log: noLog };
  switch (kind) {
    case 'echo-solution': return createEchoSolution(common);
    case 'echo-bare': return createBareEchoServer(common);
    case 'broadcast-solution': return createChatSolution({ ...options, ...common });
    case 'broadcast-naive': return createNaiveServer(common);
  }
}

function memory(): Memory {
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external + usage.arrayBuffers };
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

const [kind, rawOptions = '{}'] = process.argv.slice(2);
const kinds: ServerKind[] = ['echo-solution', 'echo-bare', 'broadcast-solution', 'broadcast-naive'];
if (!kinds.includes(kind as ServerKind) || !process.send) {
  console.error(`usage (from the bench, over IPC): server-process.ts <${kinds.join('|')}> [options json]`);
  process.exit(2);
}
const wss = start(kind as ServerKind, JSON.parse(rawOptions) as Record<string, unknown>);
let baseline = memory();
let peak = { ...baseline };
// Sampled often enough to catch a buffer that grows for a few hundred milliseconds.
const sampler = setInterval(() => {
  const now = memory();
  peak = { rss: Math.max(peak.rss, now.rss), heapUsed: Math.max(peak.heapUsed, now.heapUsed), external: Math.max(peak.external, now.external) };
}, 20);

wss.once('listening', () => {
  const address = wss.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'mark':
      collect();
      baseline = memory();
      peak = { ...baseline };
      send({ type: 'marked', memory: baseline });
      break;
    case 'report': {
      const chat = kind === 'broadcast-solution' ? (wss as ChatServer) : undefined;
      send({
        type: 'report', baseline, peak, current: memory(),
        ...(chat ? { room: chat.room.size, dropped: chat.stats.dropped, slowClosed: chat.stats.slowClosed } : { room: wss.clients.size }),
      });
      break;
    }
    case 'stop':
      clearInterval(sampler);
      for (const client of wss.clients) client.terminate();
      wss.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 1000).unref();
      break;
  }
});
// The parent going away (a crash, Ctrl+C) must not leave this server running.
process.on('disconnect', () => process.exit(0));
