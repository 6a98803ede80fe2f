// Lesson 04 — the greeter client, fixed: it connects, prints the server's greeting, sends MESSAGE,
// prints the reply, closes with 1000 and returns once the connection has closed. When the
// server cannot be reached it rejects with the connection error; it never crashes the process.
// Run it: npx tsx solutions/lesson-04-async-pitfalls/client.ts [ws://127.0.0.1:8765]
import { once } from 'node:events';
import { format } from 'node:util';
import { WebSocket, type RawData } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

export const MESSAGE = 'Hello WebSocket!';

export interface GreeterClientOptions extends ClientOptions {
  /** How long to wait for the handshake, and then for each message. */
  timeoutMs?: number;
}

// What we accept from the server, so a misbehaving one cannot make us hold unbounded memory.
/** A larger message closes the connection with 1009 (ws does it when given maxPayload). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** At most this many messages may wait unread; one more closes the connection with 1008. */
export const MAX_UNREAD_MESSAGES = 100;

// #region run
export async function runClient(url: string, { out = process.stdout, timeoutMs = 10_000 }: GreeterClientOptions = {}): Promise<void> {
  // Prints like console.log, but to `out`.
  const print = (...values: unknown[]): void => {
    out.write(`${format(...values)}\n`);
  };

  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, maxPayload: MAX_MESSAGE_BYTES });
  // Listeners go on now, in the same synchronous step as `new WebSocket`: no event can fire before
  // this function first awaits, so no message is missed and an 'error' always has a listener.
  const inbox = new Inbox(ws);
  try {
    // once() rejects if 'error' comes first: ECONNREFUSED, a refused handshake, the timeout.
    await once(ws, 'open');
    const greeting = await inbox.next(timeoutMs);
    print('Greeting:', greeting);
    // Only now is the socket OPEN; send() while CONNECTING throws "WebSocket is not open".
    ws.send(MESSAGE);
    const reply = await inbox.next(timeoutMs);
    print('Received:', reply);
  } finally {
    await closeCleanly(ws);
  }
}
// #endregion

// #region inbox
/**
 * Queues text messages from the moment it is created and hands them out in order: the
 * `await websocket.recv()` of Python's websockets. next() rejects if the connection fails first.
 */
class Inbox {
  private readonly queue: string[] = [];
  private waiter: { resolve: (text: string) => void; reject: (error: Error) => void } | undefined;
  private ended: Error | undefined;

  constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary));
    // Without an 'error' listener, EventEmitter throws the error and the process crashes.
    ws.on('error', (error: Error) => this.end(error));
    ws.on('close', (code: number) => this.end(new Error(`the connection closed (code ${code}) before the next message arrived`)));
  }

  /** The next message, or a rejection if none arrives within `timeoutMs` or the connection ends. */
  next(timeoutMs: number): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    // One reader at a time: a second waiter would silently replace the first.
    if (this.waiter !== undefined) return Promise.reject(new Error('next() is already waiting for a message'));
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.waiter = undefined;
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`no message from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (text) => { settle(); resolve(text); },
        reject: (error) => { settle(); reject(error); },
      };
    });
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary) {
      this.end(new Error('the server sent a binary message; this client understands text only'));
      this.ws.close(1003, 'text messages only');
      return;
    }
    if (this.queue.length >= MAX_UNREAD_MESSAGES) {
      this.end(new Error(`the server sent more than ${MAX_UNREAD_MESSAGES} messages nobody read`));
      this.ws.close(1008, 'too many messages');
      return;
    }
    // ws 8 hands over every message as a Buffer, text included. Text frames are UTF-8: decode.
    const text = data.toString();
    if (this.waiter) this.waiter.resolve(text);
    else this.queue.push(text);
  }

  private end(reason: Error): void {
    this.ended ??= reason; // the first reason is the real one: an 'error' is followed by 'close'
    this.waiter?.reject(this.ended);
  }
}
// #endregion

// #region close
/** The closing handshake: send 1000, then wait until the server's answer has closed the connection. */
async function closeCleanly(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  // Listen before closing, so the event cannot slip past. The wait is bounded: ws destroys the
  // socket itself if the server never answers the close frame (after 30 s).
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.close(1000);
  await closed;
}
// #endregion

if (isMain(import.meta.url)) await runClientProgram('Greeter client', runClient);
