// Keeps what one connection queues for sending bounded, whatever its client does. A client that
// sends and never reads makes every reply (and every pong ws sends on its own for a ping) pile up
// in the server's memory: the kernel's buffers fill, then ws's. Lesson 02 teaches the cure by
// hand; the other lessons' servers use it from here, one line per connection:
//
//   wss.on('connection', (socket) => { limitSendBuffer(socket); … });
//
// Past `highWaterBytes` queued, the server stops reading from that client (socket.pause()) as its
// next message or ping arrives, so it gets no new work from it (ws still parses what is left of
// the read in hand: at most 64 KiB of frames); it reads again once the queue has drained below
// `lowWaterBytes`. A client that stays stalled for `stallTimeoutMs` is dropped: its queue could
// never be delivered.
import { WebSocket } from 'ws';

export interface SendBufferLimits {
  /** Stop reading from the client above this many queued bytes. Default 1 MiB. */
  highWaterBytes?: number;
  /** Read again at or below this many. Default a quarter of highWaterBytes. */
  lowWaterBytes?: number;
  /** Drop a client that stays above lowWaterBytes this long. Default 30 s. */
  stallTimeoutMs?: number;
  /** How often to look at the queue while reading is paused. Default 25 ms. */
  pollMs?: number;
  /** Told when a stalled client is dropped. */
  onStalled?: () => void;
}

export const DEFAULT_HIGH_WATER_BYTES = 1024 * 1024;

export function limitSendBuffer(socket: WebSocket, limits: SendBufferLimits = {}): void {
  const high = limits.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  const low = limits.lowWaterBytes ?? Math.floor(high / 4);
  const stallTimeoutMs = limits.stallTimeoutMs ?? 30_000;
  let poller: NodeJS.Timeout | undefined;
  let pausedAt = 0;
  let pending = false;

  const stopPolling = (): void => {
    clearInterval(poller);
    poller = undefined;
  };
  const poll = (): void => {
    if (socket.readyState !== WebSocket.OPEN) return stopPolling();
    if (socket.bufferedAmount <= low) {
      stopPolling();
      socket.resume();
    } else if (performance.now() - pausedAt > stallTimeoutMs) {
      stopPolling();
      limits.onStalled?.();
      // A close frame would wait behind the queue the client never reads: drop the connection.
      socket.terminate();
    }
  };
  const pauseIfOver = (): void => {
    if (poller || socket.readyState !== WebSocket.OPEN || socket.bufferedAmount <= high) return;
    socket.pause();
    pausedAt = performance.now();
    poller = setInterval(poll, limits.pollMs ?? 25);
  };
  // Looked at as each message (or ping) arrives, before its handlers reply: one read from the
  // kernel can carry thousands of tiny frames (Node reads up to 2 MiB in one go), and each earns
  // a reply; waiting for the end of the burst would queue all of theirs first. Looked at again
  // once the handlers of the last one have replied, for the reply that crossed the limit.
  const look = (): void => {
    pauseIfOver();
    if (pending || poller) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      pauseIfOver();
    });
  };

  socket.on('message', look);
  socket.on('ping', look);
  socket.on('close', stopPolling);
}
