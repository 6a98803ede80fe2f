// Lesson 03 — the streaming server: the poem 春晓, one line per message, a pause between lines,
// then a normal close (1000). The Python tutorial's "AI typing" effect, done so it stops when nobody listens.
// Run it: npx tsx lessons/lesson-03-streaming/server.ts   (then the client, in another terminal)
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, WebSocket } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';

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
    // ws closes a failed connection itself; the listener only keeps the error from crashing us.
    socket.on('error', (error) => log(`Connection error: ${error.message}`));
    void streamPoem(socket, delayMs, log);
  });
  return wss;
}

/** Sends the poem to one client. Never rejects: every way the stream can end is handled here. */
async function streamPoem(socket: WebSocket, delayMs: number, log: (line: string) => void): Promise<void> {
  // Aborted the moment the client goes away, so a pending wait ends at once instead of sleeping on.
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  socket.once('close', onClose);
  log('Client connected: streaming the poem');
  try {
    // #region stream
    for (const [index, line] of POEM.entries()) {
      if (index > 0) await sleep(delayMs, undefined, { signal: gone.signal });
      // Closing (or closed) means nobody will read the rest: stop, do not send into the void.
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(line);
    }
    // The close is the "end of stream" signal: 1000 tells the client it got everything.
    socket.close(1000, 'end of poem');
    // #endregion
  } catch (error) {
    if (gone.signal.aborted) {
      log('Client left mid-stream: stopped');
    } else {
      log(`Stream failed: ${(error as Error).message}`);
      socket.terminate();
    }
  } finally {
    socket.off('close', onClose);
  }
}

if (isMain(import.meta.url)) await runServerProgram('Stream server', createServer);
