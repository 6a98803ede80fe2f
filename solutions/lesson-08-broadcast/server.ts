// Lesson 08 — a broadcast chat room: every message goes to every connection in the room,
// leavers are removed at once, and a client that stops reading cannot hold the room hostage.
// Run it: npx tsx lessons/lesson-08-broadcast/server.ts   (then connect two or more clients)
//
// Wire format (the seed's): a client sends plain text, e.g. `c1: hi`; everyone in the room,
// the sender included, receives {"type":"chat","message":"c1: hi"}. An empty message is
// answered with {"type":"error","message":…}; a binary frame closes the connection (1003).
// With slowConsumer 'drop', a client that missed messages gets {"type":"dropped","count":N}
// before the next message it does receive.
import { WebSocket, WebSocketServer } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';

/** The largest message we accept (ws's default, 100 MiB, is far too trusting). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Per-connection limit on bytes waiting to be written to that client. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a slow client gets to take its close frame before the TCP connection is dropped. */
export const DEFAULT_CLOSE_GRACE_MS = 5000;

/** What to do with a client whose buffer is full: disconnect it (default) or skip its messages. */
export type SlowConsumerPolicy = 'close' | 'drop';

export interface ChatServerOptions extends ServerOptions {
  maxBufferedBytes?: number;
  slowConsumer?: SlowConsumerPolicy;
  closeGraceMs?: number;
}

/** One connection in the room. */
export interface Member {
  id: number;
  /** Messages skipped since this client last received one (slowConsumer 'drop'). */
  dropped: number;
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

export function createServer({
  host = '127.0.0.1',
  port = 8765,
  log = console.log,
  maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES,
  slowConsumer = 'close',
  closeGraceMs = DEFAULT_CLOSE_GRACE_MS,
}: ChatServerOptions = {}): ChatServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  const room = new Map<WebSocket, Member>();
  const stats = { dropped: 0, slowClosed: 0 };
  let nextId = 1;

  // #region deliver
  /** Queues `frame` for one client, unless that client is too far behind. Never waits. */
  function deliver(client: WebSocket, member: Member, frame: Buffer): void {
    if (client.readyState !== WebSocket.OPEN) return;
    // bufferedAmount: bytes ws has queued for this client that the kernel has not taken yet.
    // An empty buffer always takes one message, so a message larger than the limit still goes out.
    const buffered = client.bufferedAmount;
    if (buffered > 0 && buffered + frame.length > maxBufferedBytes) {
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
    // 1013 "try again later": the client should reconnect and catch up, not give up.
    room.delete(client);
    stats.slowClosed += 1;
    log(`client #${member.id} is too slow (${client.bufferedAmount} bytes waiting): disconnecting it`);
    client.close(1013, 'too slow: reconnect to catch up');
    // The close frame waits behind the unread data; if the client still does not read, drop TCP.
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

  // #region connection
  wss.on('connection', (socket) => {
    const member: Member = { id: nextId++, dropped: 0 };
    room.set(socket, member);
    log(`client #${member.id} joined (${room.size} in the room)`);

    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.close(1003, 'text messages only');
        return;
      }
      const text = data.toString();
      if (text.trim() === '') {
        deliver(socket, member, errorFrame('empty message: nothing to broadcast'));
        return;
      }
      log(`#${member.id}: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`);
      broadcast(chatFrame(text));
    });

    // 'close' fires for a clean close, a dropped connection and terminate() alike.
    socket.on('close', () => {
      if (room.delete(socket)) log(`client #${member.id} left (${room.size} in the room)`);
    });
    socket.on('error', (error) => log(`client #${member.id} error: ${error.message}`));
  });
  // #endregion connection

  return Object.assign(wss, { room, stats });
}

if (isMain(import.meta.url)) await runServerProgram('Chat room', createServer);
