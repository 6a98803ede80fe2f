// Lesson 01 — the echo client: sends one message, prints the reply, closes cleanly.
// Run it: npx tsx lessons/lesson-01-echo/client.ts [ws://127.0.0.1:8765]
import { WebSocket } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

export const MESSAGE = 'Hello WebSocket!';

export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  // TODO 1: open the connection: new WebSocket(url), and wait for 'open' (hint: `once` from node:events).
  // TODO 2: send MESSAGE, wait for the reply, and print `Received: <reply>` plus a newline to `out`.
  //         If the connection closes or fails before the reply comes, reject: never wait forever.
  // TODO 3: close with code 1000 and wait for the 'close' event before returning.
  void WebSocket;
  void url;
  void out;
  todo('client.ts: connect, send MESSAGE, print `Received: <reply>`, then close with 1000');
}

if (isMain(import.meta.url)) await runClientProgram('Echo client', runClient);
