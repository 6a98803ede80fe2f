// Lesson 08 — a broadcast chat room: every message goes to every connection in the room,
// leavers are removed at once, and a client that stops reading cannot hold the room hostage.
// Run it: npx tsx lessons/lesson-08-broadcast/server.ts   (then connect two or more clients)
// Check it: npm run check lesson-08
//
// Wire format (the seed's): a client sends plain text, e.g. `c1: hi`; everyone in the room,
// the sender included, receives {"type":"chat","message":"c1: hi"}. An empty message is
// answered with {"type":"error","message":…}; a binary frame closes the connection (1003).
// With slowConsumer 'drop', a client that missed messages gets {"type":"dropped","count":N}
// before the next message it does receive.
import { WebSocket, WebSocketServer } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

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

  /** Queues `frame` for one client, unless that client is too far behind. Never waits. */
  function deliver(client: WebSocket, member: Member, frame: Buffer): void {
    // TODO 4: skip a client that is not OPEN (client.readyState !== WebSocket.OPEN).
    // TODO 5: slow consumers. client.bufferedAmount is how many bytes ws holds for this client
    //         that the kernel has not taken yet. If it is above 0 and adding frame.length would
    //         pass maxBufferedBytes, call tooSlow(client, member) and return.
    // TODO 6: if member.dropped > 0, first send droppedFrame(member.dropped) and reset it to 0.
    // TODO 7: send the frame as text: client.send(frame, { binary: false }). No await, no callback.
    void maxBufferedBytes;
    void droppedFrame;
    void client;
    void member;
    void frame;
    todo('server.ts: deliver(): send the frame to this client (client.send), unless its buffer is full');
  }

  function tooSlow(client: WebSocket, member: Member): void {
    // TODO 8: the 'drop' policy: count the skipped message (member.dropped, stats.dropped) and return.
    // TODO 9: the 'close' policy (the default): remove the client from the room, count it in
    //         stats.slowClosed, close it with 1013, and terminate() it if it has not closed
    //         after closeGraceMs (clear that timer on 'close').
    void slowConsumer;
    void closeGraceMs;
    void client;
    void member;
    todo('server.ts: tooSlow(): drop the message or close the client (1013), as slowConsumer says');
  }

  /** Sends one frame to everyone in the room, the sender included. */
  function broadcast(frame: Buffer): void {
    // TODO 3: call deliver(client, member, frame) for every [client, member] in the room.
    //         Never wait for one client before moving to the next.
    void frame;
    void deliver;
    todo('server.ts: broadcast(): deliver the frame to every member of the room');
  }

  wss.on('connection', (socket) => {
    const member: Member = { id: nextId++, dropped: 0 };
    // TODO 1: add the socket to the room (room.set), and remove it (room.delete) in a 'close'
    //         listener: 'close' fires for a clean close, a dropped connection and terminate().
    //         Add an 'error' listener too, so one broken connection cannot crash the server.
    log(`client #${member.id} joined`);

    socket.on('message', (data, isBinary) => {
      // TODO 2: a binary frame: close with 1003 and return. Empty (or blank) text: send its
      //         sender errorFrame('…') through deliver() and return. Otherwise log it and
      //         broadcast(chatFrame(text)).
      void data;
      void isBinary;
      void errorFrame;
      todo('server.ts: on each message, broadcast(chatFrame(text)) to the room');
    });
  });

  return Object.assign(wss, { room, stats });
}

if (isMain(import.meta.url)) await runServerProgram('Chat room', createServer);
