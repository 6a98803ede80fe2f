// Lesson 08 — a broadcast chat room: every message goes to every connection in the room,
// leavers are removed at once, and no one client can hurt the others: one that stops reading
// is cut off at a limit on what waits for it, and one that sends too fast is slowed down.
// Run it: npx tsx lessons/lesson-08-broadcast/server.ts   (then connect two or more clients)
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
  // that client: a client that pings and never reads would fill our memory with pongs.
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES, autoPong: false });
  const room = new Map<WebSocket, Member>();
  const stats = { dropped: 0, slowClosed: 0 };
  let nextId = 1;

  // #region deliver
  /** True if `bytes` more may be queued for this client. Every byte counts: chat, notices, pongs. */
  function fits(client: WebSocket, bytes: number): boolean {
    // bufferedAmount: bytes ws has queued for this client that the kernel has not taken yet.
    // An empty buffer always takes one message, so a message larger than the limit still goes out.
    const buffered = client.bufferedAmount;
    return buffered === 0 || buffered + bytes <= maxBufferedBytes;
  }

  /** Queues `frame` for one client, unless that client is too far behind. Never waits. */
  function deliver(client: WebSocket, member: Member, frame: Buffer): void {
    if (client.readyState !== WebSocket.OPEN) return;
    if (!fits(client, frame.length)) {
      tooSlow(client, member);
      return;
    }
    if (member.dropped > 0) {
      // Tell the client what it missed, so it can fetch the history instead of trusting a gap.
      client.send(droppedFrame(member.dropped), { binary: false });
      member.dropped = 0;
    }
    // No callback and no await: ws queues the bytes and writes them when the socket can take them.
    client.send(frame, { binary: false });
  }

  function tooSlow(client: WebSocket, member: Member): void {
    if (slowConsumer === 'drop') {
      member.dropped += 1;
      stats.dropped += 1;
      return;
    }
    closeSlow(client, member);
  }

  function closeSlow(client: WebSocket, member: Member): void {
    room.delete(client);
    stats.slowClosed += 1;
    log(`client #${member.id} is too slow (${client.bufferedAmount} bytes waiting): disconnecting it`);
    // 1013 "try again later": the client should reconnect and catch up. The close frame waits
    // behind the unread data, so only a client that reads again ever sees it.
    client.close(1013, 'too slow: reconnect to catch up');
    // One that does not gets its TCP connection dropped: it will see 1006, not 1013.
    const timer = setTimeout(() => client.terminate(), closeGraceMs);
    client.once('close', () => clearTimeout(timer));
  }
  // #endregion deliver

  // #region broadcast
  /** Sends one frame to everyone in the room, the sender included. */
  function broadcast(frame: Buffer): void {
    for (const [client, member] of room) deliver(client, member, frame);
  }
  // #endregion broadcast

  // #region rate
  /**
   * The sender's token bucket: takes `cost` bytes from it and returns 0, or, when it holds too
   * few, takes nothing and returns how many milliseconds until it will hold enough.
   */
  function takeTokens(member: Member, cost: number): number {
    const t = now();
    // Refill for the time since the last look, but never past the bucket's capacity.
    member.tokens = Math.min(senderBurstBytes, member.tokens + ((t - member.tokensAt) * senderBytesPerSecond) / 1000);
    member.tokensAt = t;
    if (member.tokens >= cost) {
      member.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - member.tokens) * 1000) / senderBytesPerSecond);
  }
  // #endregion rate

  // #region connection
  wss.on('connection', (socket) => {
    const member: Member = { id: nextId++, dropped: 0, tokens: senderBurstBytes, tokensAt: now() };
    room.set(socket, member);
    log(`client #${member.id} joined (${room.size} in the room)`);

    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.close(1003, 'text messages only');
        return;
      }
      const text = data.toString();
      // Every message pays before anything else is done with it, an empty one too.
      const retryAfterMs = takeTokens(member, Math.max(Buffer.byteLength(text), MIN_MESSAGE_COST));
      if (retryAfterMs > 0) {
        deliver(socket, member, rateLimitedFrame(retryAfterMs));
        return;
      }
      if (text.trim() === '') {
        deliver(socket, member, errorFrame('empty message: nothing to broadcast'));
        return;
      }
      // The client chose this text: escaped, a newline in it cannot forge a log line.
      log(`#${member.id}: ${printable(text, 80)}`);
      broadcast(chatFrame(text));
    });

    // The pongs obey the same limit as everything else queued for this client.
    socket.on('ping', (data) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (fits(socket, data.length)) socket.pong(data);
      else if (slowConsumer === 'close') closeSlow(socket, member);
      // With 'drop', the pong is skipped: a client that does not read cannot miss it.
    });

    // 'close' fires for a clean close, a dropped connection and terminate() alike.
    socket.on('close', () => {
      if (room.delete(socket)) log(`client #${member.id} left (${room.size} in the room)`);
    });
    socket.on('error', (error) => log(`client #${member.id} error: ${printable(error.message)}`));
  });
  // #endregion connection

  return Object.assign(wss, { room, stats });
}

if (isMain(import.meta.url)) await runServerProgram('Chat room', createServer);
