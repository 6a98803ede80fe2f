// Lesson 02 — the conversation client: three messages on one connection, one reply each.
// Run it: npx tsx lessons/lesson-02-conversation/client.ts [ws://127.0.0.1:8765]
import { WebSocket } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';
import { messages } from './messages.ts';

export const MESSAGES = ['Message 1', 'Message 2', 'Message 3'] as const;

export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  // TODO 1: new WebSocket(url), and create messages(ws) right away, before anything can arrive.
  //         Then wait for 'open' (hint: `once` from node:events).
  // TODO 2: for each of MESSAGES: send it, wait for ONE reply (await replies.next()), and print
  //         `Server replied: <reply>` plus a newline to `out`. If next() says done, throw: the
  //         server went away before answering.
  // TODO 3: finally: call replies.return(). Then, unless the server has already closed the
  //         connection (ws.readyState === WebSocket.CLOSED: 'close' has fired, and it fires only
  //         once, so waiting for it would hang), close with code 1000 and wait for 'close'.
  void WebSocket;
  void messages;
  void url;
  void out;
  todo('client.ts: send Message 1..3 one at a time, print each `Server replied: <reply>`, then close with 1000');
}

if (isMain(import.meta.url)) await runClientProgram('Conversation client', runClient);
