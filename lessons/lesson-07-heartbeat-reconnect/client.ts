// Lesson 07 — a client that stays connected: when the connection drops, or the server goes
// silent, it reconnects after an exponential backoff with full jitter, and it stops for good only
// when you call close().
// Run it: npx tsx lessons/lesson-07-heartbeat-reconnect/client.ts [ws://127.0.0.1:8765]   (Ctrl+C stops it)
// Check it: npm run check lesson-07
import { WebSocket } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';
import { backoffDelay, backoffSettings, type BackoffOptions } from './backoff.ts';

export const MAX_MESSAGE_BYTES = 64 * 1024;
/** A connection that stayed up this long counts as healthy: the next drop starts from `base` again. */
export const STABLE_MS = 10_000;
/** Nothing from the server (message, ping) for this long means it is gone. Must exceed its ping interval. */
export const SILENCE_MS = 45_000;
/** How long close() waits for the server to answer the close frame before dropping the connection. */
export const CLOSE_TIMEOUT_MS = 5_000;

/** Node's own setTimeout/clearTimeout fit this; the checks pass a fake clock so time is exact. */
export interface ClientTimers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
export type TimerHandle = NodeJS.Timeout | number;

const realTimers: ClientTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

/** What the client reports, in order, through onEvent. */
export type ClientEvent =
  | { type: 'open' }
  | { type: 'message'; text: string }
  /** Nothing arrived for silenceMs: the client drops the connection (a 'down' follows). */
  | { type: 'silent'; afterMs: number }
  /** The connection ended, or an attempt failed (1006 when it was cut or never opened). */
  | { type: 'down'; code: number }
  /** The next attempt starts after delayMs. `attempt` counts failures since the last stable connection. */
  | { type: 'retry'; attempt: number; delayMs: number }
  /** close() finished: no socket, no timer. */
  | { type: 'closed' };

export interface ReconnectOptions extends BackoffOptions {
  stableMs?: number;
  silenceMs?: number;
  timers?: ClientTimers;
  onEvent?: (event: ClientEvent) => void;
}

export interface ReconnectingClient {
  /** True while a connection is open. */
  readonly connected: boolean;
  /** Sends a text message if connected; returns false (and sends nothing) otherwise. */
  send(text: string): boolean;
  /** Stops for good: closes with 1000, cancels any pending reconnect. Resolves once nothing is left running. */
  close(): Promise<void>;
}

export function createReconnectingClient(url: string, options: ReconnectOptions = {}): ReconnectingClient {
  const backoff = backoffSettings(options);
  const { stableMs = STABLE_MS, silenceMs = SILENCE_MS, timers = realTimers, onEvent = () => {} } = options;
  const protocol = new URL(url).protocol; // throws on a malformed URL, before anything starts
  if (protocol !== 'ws:' && protocol !== 'wss:') throw new TypeError(`expected a ws:// or wss:// URL, not ${url}`);
  if (!(Number.isFinite(stableMs) && stableMs >= 0)) throw new RangeError(`stableMs must be a number of ms >= 0, not ${stableMs}`);
  if (!(Number.isFinite(silenceMs) && silenceMs > 0)) throw new RangeError(`silenceMs must be a positive number of ms, not ${silenceMs}`);

  let socket: WebSocket | undefined;
  let attempt = 0;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let finishStopping = (): void => {};
  // Every timer this client may own. Each is cleared where its reason ends, and all of them by
  // the time close() resolves.
  let retryTimer: TimerHandle | undefined;
  let stableTimer: TimerHandle | undefined;
  let silenceTimer: TimerHandle | undefined;
  let closeTimer: TimerHandle | undefined;

  const cancel = (handle: TimerHandle | undefined): undefined => {
    if (handle !== undefined) timers.clearTimeout(handle);
    return undefined;
  };

  // The silence timer: restarted by every sign of life from the server. Browsers cannot send
  // pings, and a half-open connection never reports an error, so "nothing at all for silenceMs"
  // is how a client notices a dead server.
  const expectLifeWithin = (ws: WebSocket): void => {
    // TODO 4: cancel the running silence timer, then arm a new one: timers.setTimeout(..., silenceMs).
    //         When it fires: report { type: 'silent', afterMs: silenceMs } and ws.terminate()
    //         (a silent server will not answer a close frame either).
    void ws;
  };

  const connect = (): void => {
    retryTimer = undefined;
    const ws = new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES });
    socket = ws;
    expectLifeWithin(ws); // also bounds the handshake

    ws.on('open', () => {
      expectLifeWithin(ws);
      // TODO 3: start the stable timer (stableTimer = timers.setTimeout(..., stableMs)): once the
      //         connection has stayed up that long, set attempt back to 0. Not earlier: a server
      //         that accepts and drops at once must still see growing delays.
      onEvent({ type: 'open' });
    });
    ws.on('message', (data, isBinary) => {
      // TODO 4: a message is a sign of life: restart the silence timer here...
      if (!isBinary) onEvent({ type: 'message', text: data.toString() });
    });
    // TODO 4: ...and on every 'ping' from the server (ws answers it with a pong for you), and on
    //         every 'pong' (a server may send pongs unasked, as a one-way heartbeat).
    // 'close' always follows 'error'; the listener only keeps an error from crashing the process.
    ws.on('error', () => {});
    ws.on('close', (code) => {
      stableTimer = cancel(stableTimer);
      silenceTimer = cancel(silenceTimer);
      closeTimer = cancel(closeTimer);
      socket = undefined;
      if (stopping) {
        finishStopping();
        return;
      }
      onEvent({ type: 'down', code });
      if (!stopping) scheduleReconnect(); // onEvent may have called close()
    });
  };

  const scheduleReconnect = (): void => {
    // TODO 1: delayMs = backoffDelay(attempt, backoff); then add one to attempt (it counts the
    //         failures in a row), keep the handle: retryTimer = timers.setTimeout(connect, delayMs),
    //         and report { type: 'retry', attempt, delayMs } (the attempt the delay was for).
    todo('client.ts: schedule the next attempt with backoffDelay and timers.setTimeout');
  };

  const close = (): Promise<void> => {
    // TODO 2: stop for good. Return the same promise when called again. Set stopping = true, so
    //         the 'close' handler above finishes instead of reconnecting; cancel a pending retry
    //         (retryTimer); make `stopped` a promise that finishStopping() resolves after reporting
    //         { type: 'closed' }. Then: no socket -> finish at once; an OPEN socket ->
    //         ws.close(1000, 'client closing') plus
    //         closeTimer = timers.setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS);
    //         any other socket (still connecting, or already closing) -> ws.terminate().
    todo('client.ts: close() stops reconnecting, closes with 1000 and leaves no timer');
  };

  connect();
  return {
    get connected() {
      return socket?.readyState === WebSocket.OPEN;
    },
    send(text: string): boolean {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(text);
      return true;
    },
    close,
  };
}

export interface RunClientOptions extends ClientOptions, ReconnectOptions {
  /** Stops the client when aborted. Without one, it runs until Ctrl+C. */
  signal?: AbortSignal;
}

/** Stays connected, printing what happens, until `signal` aborts (or Ctrl+C). */
export async function runClient(url: string, { out = process.stdout, signal, onEvent, ...options }: RunClientOptions = {}): Promise<void> {
  const client = createReconnectingClient(url, {
    ...options,
    onEvent: (event) => {
      out.write(`${describe(event)}\n`);
      if (event.type === 'open') client.send('Hello WebSocket!');
      onEvent?.(event);
    },
  });
  await untilStopped(signal);
  await client.close();
}

function describe(event: ClientEvent): string {
  switch (event.type) {
    case 'open': return 'connected';
    case 'message': return `Received: ${event.text}`;
    case 'silent': return `nothing from the server for ${event.afterMs} ms: dropping the connection`;
    case 'down': return `connection lost (code ${event.code})`;
    case 'retry': return `reconnecting in ${Math.round(event.delayMs)} ms (attempt ${event.attempt + 1})`;
    case 'closed': return 'closed';
  }
}

function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

if (isMain(import.meta.url)) await runClientProgram('Reconnecting client', runClient);
