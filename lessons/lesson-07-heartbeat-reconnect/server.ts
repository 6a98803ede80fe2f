// Lesson 07 — a server that notices dead connections. Every heartbeatMs it pings each peer with a
// fresh random token; a peer that has not sent that token back in a pong by the next tick is gone
// (crashed, unplugged, lost behind a NAT) and is terminated, which removes it from every set the
// server keeps.
// Run it: npx tsx lessons/lesson-07-heartbeat-reconnect/server.ts   (then the client)
// Check it: npm run check lesson-07
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import { todo } from '../../lib/todo.ts';

export const MAX_MESSAGE_BYTES = 64 * 1024;
/** How often to ping. ws's own README uses 30 s; most NATs and proxies forget idle flows after 60 s or more. */
export const HEARTBEAT_MS = 30_000;

/** What the server knows about one connection. */
export interface Peer {
  id: number;
  /** True once the peer answered the last ping (or just connected); set false when a ping goes out. */
  isAlive: boolean;
  /** The payload of the last ping: only a pong that carries it back answers that ping. */
  pingToken?: Buffer;
}

/** A WebSocketServer that also keeps its own registry of peers, as real servers do (user, rooms, ...). */
export class HeartbeatServer extends WebSocketServer {
  /** Every open connection. A peer that leaves, however it leaves, must leave this map too. */
  readonly peers = new Map<WebSocket, Peer>();
}

/** Node's own setInterval/clearInterval fit this; the checks pass a fake clock so time is exact. */
export interface HeartbeatTimers {
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}
export type TimerHandle = NodeJS.Timeout | number;

const realTimers: HeartbeatTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle),
};

export interface HeartbeatServerOptions extends ServerOptions {
  /** Ping every this many ms; a peer silent for a whole interval after a ping is terminated. */
  heartbeatMs?: number;
  timers?: HeartbeatTimers;
}

export function createServer({
  host = '127.0.0.1',
  port = 8765,
  log = console.log,
  heartbeatMs = HEARTBEAT_MS,
  timers = realTimers,
}: HeartbeatServerOptions = {}): HeartbeatServer {
  if (!(Number.isFinite(heartbeatMs) && heartbeatMs > 0)) throw new RangeError(`heartbeatMs must be a positive number, not ${heartbeatMs}`);
  const wss = new HeartbeatServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  let nextId = 1;

  wss.on('connection', (socket) => {
    const peer: Peer = { id: nextId, isAlive: true };
    nextId += 1;
    limitSendBuffer(socket); // given: a client that never reads cannot pile up echoes (lesson 02 explains it)
    socket.on('message', (data, isBinary) => {
      if (isBinary) return; // this server speaks text
      socket.send(`Echo: ${decode(data)}`);
    });
    socket.on('error', (error) => log(`peer #${peer.id} error: ${error.message}`));
    socket.send(`Welcome, peer #${peer.id}`);

    // TODO 1: register the peer: wss.peers.set(socket, peer), then
    //         log(`peer #${peer.id} connected (${wss.peers.size} online)`).
    // TODO 2: forget it when the connection ends: on 'close' (code), wss.peers.delete(socket), then
    //         log(`peer #${peer.id} left (code ${code}, ${wss.peers.size} online)`).
    //         'close' fires however a connection ends (close frame, terminate(), reset).
    // TODO 3: on 'pong', the peer has answered your ping, but only if the pong carries your ping's
    //         payload back: if (peer.pingToken?.equals(data)) peer.isAlive = true. A pong of any
    //         other kind may be sent unasked, and says nothing about whether the peer still reads.
    todo('server.ts: register each peer in wss.peers, and delete it again on "close"');
  });

  // TODO 4: the heartbeat. Every heartbeatMs, with timers.setInterval (the timers you were
  //         given, not the global setInterval: the checks move a fake clock), go through
  //         wss.peers: a peer whose isAlive is still false missed the last ping, so
  //         log(`peer #${peer.id} did not answer the last ping: terminating`) and
  //         socket.terminate() it; otherwise set isAlive = false, give it a new token
  //         (peer.pingToken = randomBytes(8)) and socket.ping(peer.pingToken).
  // TODO 5: stop the interval when the server closes: wss.on('close', ...) with timers.clearInterval.

  return wss;
}

function decode(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

if (isMain(import.meta.url)) await runServerProgram('Heartbeat server', createServer);
