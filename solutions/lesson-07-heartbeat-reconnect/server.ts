// Lesson 07 — a server that notices dead connections. Every heartbeatMs it pings each peer with a
// fresh random token; a peer that has not sent that token back in a pong by the next tick is gone
// (crashed, unplugged, lost behind a NAT) and is terminated, which removes it from every set the
// server keeps.
// Run it: npx tsx lessons/lesson-07-heartbeat-reconnect/server.ts   (then the client)
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';

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

  // #region connection
  wss.on('connection', (socket) => {
    const peer: Peer = { id: nextId, isAlive: true };
    nextId += 1;
    wss.peers.set(socket, peer);
    log(`peer #${peer.id} connected (${wss.peers.size} online)`);
    // A client that sends and never reads would make its echoes pile up in our memory (lesson 02).
    limitSendBuffer(socket);

    // ws answers pings by itself (autoPong), sending the ping's payload back. Only that pong
    // proves the peer read our ping: a peer may send pongs of its own at any time (RFC 6455
    // allows unsolicited pongs), and those say nothing about whether it still reads.
    socket.on('pong', (data) => {
      if (peer.pingToken?.equals(data)) peer.isAlive = true;
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return; // this server speaks text
      socket.send(`Echo: ${decode(data)}`);
    });
    // 'close' fires however the connection ends: a close frame, terminate(), a reset. One place
    // to forget the peer means no path can leave a stale entry behind.
    socket.on('close', (code) => {
      wss.peers.delete(socket);
      log(`peer #${peer.id} left (code ${code}, ${wss.peers.size} online)`);
    });
    socket.on('error', (error) => log(`peer #${peer.id} error: ${error.message}`));

    socket.send(`Welcome, peer #${peer.id}`);
  });
  // #endregion

  // #region heartbeat
  const heartbeat = timers.setInterval(() => {
    for (const [socket, peer] of wss.peers) {
      if (!peer.isAlive) {
        // No pong since the last tick. close() would wait for a closing handshake the peer can
        // no longer answer; terminate() drops the TCP connection now, and 'close' cleans up.
        log(`peer #${peer.id} did not answer the last ping: terminating`);
        socket.terminate();
        continue;
      }
      peer.isAlive = false;
      peer.pingToken = randomBytes(8);
      socket.ping(peer.pingToken);
    }
  }, heartbeatMs);
  // Without this the interval keeps the process (and this server's peers) alive after close().
  wss.on('close', () => timers.clearInterval(heartbeat));
  // #endregion

  return wss;
}

function decode(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

if (isMain(import.meta.url)) await runServerProgram('Heartbeat server', createServer);
