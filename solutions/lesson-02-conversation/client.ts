// Lesson 02 — the conversation client: three messages on one connection, one reply each.
// Run it: npx tsx lessons/lesson-02-conversation/client.ts [ws://127.0.0.1:8765]
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { messages } from './messages.ts';

export const MESSAGES = ['Message 1', 'Message 2', 'Message 3'] as const;

export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  const ws = new WebSocket(url);
  // Listen before anything can arrive: a reply can never slip past us.
  const replies = messages(ws);
  try {
    // once() rejects if 'error' comes first, e.g. when nothing listens at `url`.
    await once(ws, 'open');
    for (const message of MESSAGES) {
      ws.send(message);
      // The Python tutorial's `await websocket.recv()`: one reply before the next message.
      const reply = await replies.next();
      if (reply.done) throw new Error(`the server closed the connection before answering "${message}"`);
      out.write(`Server replied: ${reply.value.toString()}\n`);
    }
  } finally {
    await replies.return();
    await closeCleanly(ws);
  }
}

/** The closing handshake: send a close frame (1000 = normal) and wait until the server answers it. */
async function closeCleanly(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = once(ws, 'close');
  ws.close(1000);
  await closed;
}

if (isMain(import.meta.url)) await runClientProgram('Conversation client', runClient);
