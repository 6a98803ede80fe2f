// Lesson 07 — a server that notices dead connections. Every heartbeatMs it pings each peer; a
// peer that has not answered the previous ping by the next tick is gone (crashed, unplugged,
// lost behind a NAT) and is terminated, which removes it from every set the server keeps.
// Run it: npx tsx lessons/lesson-07-heartbeat-reconnect/server.ts   (then the client)
// Check it: npm run check lesson-07
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

export const MAX_MESSAGE_BYTES = 64 * 1024;
/** How often to ping. ws's own README uses 30 s; most NATs and proxies forget idle flows after 60 s or more. */
export const HEARTBEAT_MS = 30_000;

/** What the server knows about one connection. */
export interface Peer {
  id: number;
  /** True once the peer answered the last ping (or just connected); set false when a ping goes out. */
  isAlive: boolean;
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
    socket.on('message', (data, isBinary) => {
      if (isBinary) return; // this server speaks text
      socket.send(`Echo: ${decode(data)}`);
    });
    socket.on('error', (error) => log(`peer #${peer.id} error: ${error.message}`));
    socket.send(`Welcome, peer #${peer.id}`);

    // TODO 1: register the peer: wss.peers.set(socket, peer), and log `peer #<id> connected`.
    // TODO 2: forget it when the connection ends: on 'close', wss.peers.delete(socket).
    //         'close' fires however a connection ends (close frame, terminate(), reset).
    // TODO 3: on 'pong', the peer has answered your ping: peer.isAlive = true.
    todo('server.ts: register each peer in wss.peers, and delete it again on "close"');
  });

  // TODO 4: the heartbeat. Every heartbeatMs, with timers.setInterval (the timers you were
  //         given, not the global setInterval: the checks move a fake clock), go through
  //         wss.peers: a peer whose isAlive is still false missed the last ping, so
  //         socket.terminate() it; otherwise set isAlive = false and socket.ping().
  // TODO 5: stop the interval when the server closes: wss.on('close', ...) with timers.clearInterval.

  return wss;
}

function decode(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

if (isMain(import.meta.url)) await runServerProgram('Heartbeat server', createServer);
