// Lesson 04 — the greeter client. It compiles, it looks reasonable, and it falls into every trap
// in README.md. What it should do: connect, print the server's greeting, send MESSAGE, print the
// reply (as text), close with code 1000 and return only once the connection has closed. When the
// server cannot be reached, closes early, breaks the protocol or goes silent, it should reject
// with an error that says so: never crash the process, never wait forever.
// Each failing check points at one trap.
// Run it: npx tsx lessons/lesson-04-async-pitfalls/greeter-server.ts   (terminal 1)
//         npx tsx lessons/lesson-04-async-pitfalls/client.ts           (terminal 2)
// Check it: npm run check lesson-04
import { format } from 'node:util';
import { WebSocket, type RawData } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

export const MESSAGE = 'Hello WebSocket!';

export interface GreeterClientOptions extends ClientOptions {
  /** How long to wait for the handshake, and then for each message (trap 6). */
  timeoutMs?: number;
}

// What the client accepts from the server (trap 7): keep these, the checks use them.
/** A larger message closes the connection with 1009 (ws does it when given maxPayload). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** At most this many messages may wait unread; one more closes the connection with 1008. */
export const MAX_UNREAD_MESSAGES = 100;

export async function runClient(url: string, { out = process.stdout, timeoutMs = 10_000 }: GreeterClientOptions = {}): Promise<void> {
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
