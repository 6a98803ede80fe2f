// Lesson 08 — a broadcast chat room: every message goes to every connection in the room,
// leavers are removed at once, and no one client can hurt the others: one that stops reading
// is cut off at a limit on what waits for it, and one that sends too fast is slowed down.
// Run it: npx tsx lessons/lesson-08-broadcast/server.ts   (then connect two or more clients)
// Check it: npm run check lesson-08
//
// Wire format (the Python tutorial's): a client sends plain text, e.g. `c1: hi`; everyone in the room,
// the sender included, receives {"type":"chat","message":"c1: hi"}. An empty message is
// answered with {"type":"error","message":…}; a binary frame closes the connection (1003).
// A message over the sender's rate limit is not broadcast: its sender gets
// {"type":"rate_limited","retryAfterMs":N}. With slowConsumer 'drop', a client that missed
// messages gets {"type":"dropped","count":N} before the next message it does receive.
import { WebSocket, WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

/** The largest message we accept (ws's default, 100 MiB, is far too trusting). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Per-connection limit on bytes waiting to be written to that client. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a slow client gets to take its close frame before the TCP connection is dropped. */
export const DEFAULT_CLOSE_GRACE_MS = 5000;
/** Each sender's token bucket holds this many bytes: the largest burst it may send at once. */
export const DEFAULT_SENDER_BURST_BYTES = 256 * 1024;
/** …and refills at this many bytes per second: what one sender may send for as long as it likes. */
export const DEFAULT_SENDER_BYTES_PER_SECOND = 64 * 1024;
/** The least a message costs, however short: a flood of tiny messages is still a flood. */
export const MIN_MESSAGE_COST = 1024;

/** What to do with a client whose buffer is full: disconnect it (default) or skip its messages. */
export type SlowConsumerPolicy = 'close' | 'drop';

export interface ChatServerOptions extends ServerOptions {
  maxBufferedBytes?: number;
  slowConsumer?: SlowConsumerPolicy;
  closeGraceMs?: number;
  /** The token bucket's capacity, in bytes. At least MAX_MESSAGE_BYTES, or a large message could never go out. */
  senderBurstBytes?: number;
  /** The token bucket's refill rate, in bytes per second. */
  senderBytesPerSecond?: number;
  /** The clock the rate limit reads, in milliseconds (the checks pass a fake one). */
  now?: () => number;
}

/** One connection in the room. */
export interface Member {
  id: number;
  /** Messages skipped since this client last received one (slowConsumer 'drop'). */
  dropped: number;
  /** Bytes this client may still send now (its token bucket), as of `tokensAt`. */
  tokens: number;
  tokensAt: number;
}

export interface ChatServer extends WebSocketServer {
  /** Everyone who receives broadcasts. A client leaves it the moment its connection closes. */
  readonly room: ReadonlyMap<WebSocket, Member>;
  readonly stats: { dropped: number; slowClosed: number };
}

/** A message is encoded once, whatever the number of receivers. */
export function chatFrame(text: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'chat', message: text }));
}

function errorFrame(message: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'error', message }));
}

function droppedFrame(count: number): Buffer {
  return Buffer.from(JSON.stringify({ type: 'dropped', count }));
}

function rateLimitedFrame(retryAfterMs: number): Buffer {
  return Buffer.from(JSON.stringify({ type: 'rate_limited', retryAfterMs }));
}

export function createServer({
  host = '127.0.0.1',
  port = 8765,
  log = console.log,
  maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES,
  slowConsumer = 'close',
  closeGraceMs = DEFAULT_CLOSE_GRACE_MS,
  senderBurstBytes = DEFAULT_SENDER_BURST_BYTES,
  senderBytesPerSecond = DEFAULT_SENDER_BYTES_PER_SECOND,
  now = () => performance.now(),
}: ChatServerOptions = {}): ChatServer {
  if (!(senderBurstBytes >= MAX_MESSAGE_BYTES && senderBytesPerSecond > 0)) {
    throw new RangeError(`senderBurstBytes must be at least ${MAX_MESSAGE_BYTES} and senderBytesPerSecond above 0`);
  }
  // autoPong: false, because ws would answer every ping at once, whatever is already queued for
  // that client: a client that pings and never reads would fill our memory with pongs (TODO 12).
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES, autoPong: false });
  const room = new Map<WebSocket, Member>();
  const stats = { dropped: 0, slowClosed: 0 };
  let nextId = 1;

  /** Queues `frame` for one client, unless that client is too far behind. Never waits. */
  function deliver(client: WebSocket, member: Member, frame: Buffer): void {
    // TODO 4: skip a client that is not OPEN (client.readyState !== WebSocket.OPEN).
    // TODO 5: if the frame does not fit(client, frame.length), call tooSlow(client, member) and return.
    // TODO 6: if member.dropped > 0, first send droppedFrame(member.dropped) and reset it to 0.
    // TODO 7: send the frame as text: client.send(frame, { binary: false }). No await, no callback.
    void droppedFrame;
    void client;
    void member;
    void frame;
    todo('server.ts: deliver(): send the frame to this client (client.send), unless its buffer is full');
  }

  /** True if `bytes` more may be queued for this client. Every byte counts: chat, notices, pongs. */
  function fits(client: WebSocket, bytes: number): boolean {
    // TODO 8: client.bufferedAmount is how many bytes ws holds for this client that the kernel
    //         has not taken yet. Return true if it is 0 (an empty buffer always takes one
    //         message, however large), or if adding `bytes` stays within maxBufferedBytes.
    //         Until you do, everything fits.
    void client;
    void bytes;
    void maxBufferedBytes;
    return true;
  }

  function tooSlow(client: WebSocket, member: Member): void {
    // TODO 9: the 'drop' policy: count the skipped message (member.dropped, stats.dropped) and
    //         return. Otherwise (the default, 'close'): closeSlow(client, member).
    void slowConsumer;
    void client;
    void member;
    todo('server.ts: tooSlow(): drop the message or close the client, as slowConsumer says');
  }

  function closeSlow(client: WebSocket, member: Member): void {
    // TODO 10: remove the client from the room, count it in stats.slowClosed, close it with
    //          client.close(1013, 'too slow: …'), and terminate() it if it has not closed after
    //          closeGraceMs (clear that timer on 'close'). The close frame waits behind the
    //          unread data: a client that never reads again sees the TCP connection drop (1006).
    void closeGraceMs;
    void client;
    void member;
    todo('server.ts: closeSlow(): close the client with 1013, and terminate() it after closeGraceMs');
  }

  /** Sends one frame to everyone in the room, the sender included. */
  function broadcast(frame: Buffer): void {
    // TODO 3: call deliver(client, member, frame) for every [client, member] in the room.
    //         Never wait for one client before moving to the next.
    void frame;
    void deliver;
    todo('server.ts: broadcast(): deliver the frame to every member of the room');
  }

  /**
   * The sender's token bucket: takes `cost` bytes from it and returns 0, or, when it holds too
   * few, takes nothing and returns how many milliseconds until it will hold enough.
   */
  function takeTokens(member: Member, cost: number): number {
    // TODO 11: refill first: add (now() − member.tokensAt) × senderBytesPerSecond / 1000 bytes
    //          to member.tokens, but never above senderBurstBytes; set member.tokensAt = now().
    //          If member.tokens >= cost, subtract cost and return 0. Otherwise return
    //          Math.ceil((cost − member.tokens) × 1000 / senderBytesPerSecond).
    //          Until you do, every message goes through (return 0).
    void member;
    void cost;
    void now;
    return 0;
  }

  wss.on('connection', (socket) => {
    const member: Member = { id: nextId++, dropped: 0, tokens: senderBurstBytes, tokensAt: now() };
    // TODO 1: add the socket to the room (room.set), and remove it (room.delete) in a 'close'
    //         listener: 'close' fires for a clean close, a dropped connection and terminate().
    //         Add an 'error' listener too, so one broken connection cannot crash the server.
    log(`client #${member.id} joined`);

    socket.on('message', (data, isBinary) => {
      // TODO 2: a binary frame: close with 1003 and return. Then const text = data.toString(),
      //         and the text pays for itself before anything else is done with it:
      //         const retryAfterMs = takeTokens(member, Math.max(Buffer.byteLength(text), MIN_MESSAGE_COST));
      //         if it is above 0, deliver rateLimitedFrame(retryAfterMs) to the sender and return.
      //         Empty (or blank) text: deliver errorFrame('…') to the sender and return.
      //         Otherwise log it, escaped: log(`#${member.id}: ${printable(text, 80)}`),
      //         and broadcast(chatFrame(text)).
      void data;
      void isBinary;
      void errorFrame;
      void rateLimitedFrame;
      void takeTokens;
      void printable;
      todo('server.ts: on each message, broadcast(chatFrame(text)) to the room');
    });

    // TODO 12: with autoPong: false (above), nobody answers pings until you do, here, under the
    //          same limit as everything else: socket.on('ping', (data) => …): if the socket is
    //          OPEN and fits(socket, data.length), socket.pong(data); if it does not fit and
    //          slowConsumer is 'close', closeSlow(socket, member). (With 'drop', skip the pong:
    //          it is not a chat message, so do not count it as dropped.)
    void closeSlow;
  });

  return Object.assign(wss, { room, stats });
}

if (isMain(import.meta.url)) await runServerProgram('Chat room', createServer);
