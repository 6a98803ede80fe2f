// Lesson 01 — the echo client: sends one message, prints the reply, closes cleanly.
// Run it: npx tsx lessons/lesson-01-echo/client.ts [ws://127.0.0.1:8765]
import { once } from 'node:events';
import { WebSocket, type RawData } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

export const MESSAGE = 'Hello WebSocket!';

export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  const ws = new WebSocket(url);
  try {
    // once() also rejects if the socket emits 'error' first, e.g. when nothing listens at `url`.
    await once(ws, 'open');
    // Start listening before sending, so the reply cannot slip past us. Attaching it after the
    // await is safe only because an echo server never speaks first; lesson 04 shows the server
    // that does, and why its listener must go on before the first await.
    const reply = nextMessage(ws);
    ws.send(MESSAGE);
    out.write(`Received: ${await reply}\n`);
  } finally {
    await closeCleanly(ws);
  }
}

/**
 * Resolves with the next text message; rejects if the connection closes or fails first. A promise
 * settles only once: whichever event comes first decides, and the ones after it change nothing.
 */
function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: RawData) => resolve(data.toString()));
    ws.once('close', (code: number) => reject(new Error(`connection closed (code ${code}) before a reply arrived`)));
    // Without an 'error' listener, an error (say, a malformed frame) would crash the program.
    ws.once('error', reject);
  });
}

/** The closing handshake: send a close frame (1000 = normal) and wait until the server answers it. */
async function closeCleanly(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = once(ws, 'close');
  ws.close(1000);
  await closed;
}

if (isMain(import.meta.url)) await runClientProgram('Echo client', runClient);
