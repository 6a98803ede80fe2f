// Lesson 03 — the streaming server: the poem 春晓, one line per message, a pause between lines,
// then a normal close (1000).
// Run it: npx tsx lessons/lesson-03-streaming/server.ts   (then the client, in another terminal)
// Check it: npm run check lesson-03
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, WebSocket } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

export const POEM = ['春眠不觉晓，', '处处闻啼鸟。', '夜来风雨声，', '花落知多少。'] as const;

/** The client sends nothing that matters here; anything large is refused with 1009. */
export const MAX_MESSAGE_BYTES = 4 * 1024;

export interface StreamServerOptions extends ServerOptions {
  /** Milliseconds between two lines (the Python tutorial's asyncio.sleep(1)). */
  delayMs?: number;
}

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log, delayMs = 1000 }: StreamServerOptions = {}): WebSocketServer {
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`delayMs must be a number of milliseconds, 0 or more, not ${String(delayMs)}`);
  }
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('connection', (socket) => {
    // Given: a client's malformed frame makes ws close that connection and emit 'error'; without
    // this listener that error would crash the whole server.
    socket.on('error', (error) => log(`Connection error: ${error.message}`));
    void streamPoem(socket, delayMs, log);
  });
  return wss;
}

/** Sends the poem to one client. Must never reject: handle every way the stream can end here. */
async function streamPoem(socket: WebSocket, delayMs: number, log: (line: string) => void): Promise<void> {
  // TODO 1: log('Client connected: streaming the poem'), then send each line of POEM as its own
  //         message (socket.send(line)), and wait delayMs between two lines (not before the
  //         first, not after the last): `await sleep(delayMs)` (setTimeout from node:timers/promises).
  // TODO 2: after the last line, close at once with socket.close(1000, 'end of poem'): that is how
  //         the client knows it has it all.
  // TODO 3: stop at once when the client leaves. Make an AbortController, call its abort() on the
  //         socket's 'close' event, and wait with sleep(delayMs, undefined, { signal }): the wait
  //         then rejects with an AbortError, so wrap the loop in try/catch, and in the catch
  //         log('Client left mid-stream: stopped'). Also send only while
  //         socket.readyState === WebSocket.OPEN. Remove your 'close' listener when done.
  void sleep;
  void socket;
  void delayMs;
  void log;
  todo('server.ts: send each line of POEM as its own message, delayMs apart, then close with 1000');
}

if (isMain(import.meta.url)) await runServerProgram('Stream server', createServer);
