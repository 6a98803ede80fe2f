// Lesson 04 — the greeter client. It compiles, it looks reasonable, and it has five bugs.
// What it should do: connect, print the server's greeting, send MESSAGE, print the reply (as
// text), close with code 1000 and return only once the connection has closed. When the server
// cannot be reached it should reject with the connection error, not crash the process.
// Each bug is one of the traps in README.md; each failing check points at one of them.
// Run it: npx tsx lessons/lesson-04-async-pitfalls/greeter-server.ts   (terminal 1)
//         npx tsx lessons/lesson-04-async-pitfalls/client.ts           (terminal 2)
// Check it: npm run check lesson-04
import { format } from 'node:util';
import { WebSocket, type RawData } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

export const MESSAGE = 'Hello WebSocket!';

export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  // Prints like console.log, but to `out`.
  const print = (...values: unknown[]): void => {
    out.write(`${format(...values)}\n`);
  };

  const ws = new WebSocket(url);
  ws.send(MESSAGE);

  // Wait until the connection is open.
  await new Promise<void>((resolve) => ws.once('open', () => resolve()));

  const greeting = await nextMessage(ws);
  print('Greeting:', greeting);

  const reply = nextMessage(ws);
  print('Received:', reply);

  ws.close(1000);
}

/** The next message from the server. */
function nextMessage(ws: WebSocket): Promise<RawData> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(data)));
}

if (isMain(import.meta.url)) await runClientProgram('Greeter client', runClient);
