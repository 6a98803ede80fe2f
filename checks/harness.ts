// The in-process harness every lesson's checks share: real servers and real clients on
// 127.0.0.1, port 0, in one process, the way a notebook cell runs them. Every wait is bounded,
// and everything a check opened is closed afterwards, also when the check fails.
//
//   check('replies with Echo', async ({ net }) => {
//     const server = await net.serve(createServer);
//     const client = await net.connect(server.url);
//     client.send('hi');
//     expect(await client.nextText()).toBe('Echo: hi');
//   });
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { test } from 'vitest';
import { WebSocket, WebSocketServer, type ClientOptions as WsClientOptions, type RawData } from 'ws';
import type { ServerOptions } from '../lib/program.ts';
import { learnerFrames } from './runner/format.ts';
import { WireLog } from './wire.ts';

export { closedPort } from './ports.ts';

/** How long a check waits for something that should happen at once. Generous: CI machines get busy. */
export const WAIT_MS = 3000;

/** A failed check, worded for the learner: what was expected, what happened, where to look. */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

export interface FailureReport {
  expected: string;
  actual: string;
  hint: string;
}

/** The harness of the check running now (one at a time per worker): its wire log goes into failures. */
let active: Harness | undefined;

/** A failure message with the check's wire transcript under it. */
function withWire(message: string): string {
  const wire = active?.wire.lines() ?? [];
  return wire.length > 0 ? `${message}\n${wire.join('\n')}` : message;
}

export function fail({ expected, actual, hint }: FailureReport): never {
  throw new CheckFailure(withWire(`Expected ${expected}\nGot ${actual}\nHint: ${hint}`));
}

/** Short, readable rendering of a value for failure messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}…` : value);
  if (Buffer.isBuffer(value)) return `a binary message of ${value.length} bytes`;
  return inspect(value, { depth: 3, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200 });
}

/** Asserts equality with a learner-facing explanation instead of a bare diff. */
export function expectEqual<T>(actual: T, expected: T, what: string, hint: string): void {
  if (Object.is(actual, expected)) return;
  if (typeof expected === 'object' && expected !== null && JSON.stringify(actual) === JSON.stringify(expected)) return;
  fail({ expected: `${what} to be ${show(expected)}`, actual: show(actual), hint });
}

/** How a promise settled: see Harness.settle. */
export type Outcome<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown };

/** The TCP socket under a ws WebSocket (ws keeps it in a private field): to pause reading, or write raw bytes. */
export function tcpSocket(ws: WebSocket): Socket {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket) throw new Error('harness: this WebSocket has no TCP socket (not connected yet, or already closed)');
  return socket;
}

export interface Received {
  /** Text frames arrive as strings, binary frames as Buffers. */
  data: string | Buffer;
  isBinary: boolean;
  /** performance.now() when it arrived. */
  at: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  at: number;
}

interface WaitOptions {
  within?: number;
  /** Completes "Expected ..." in the failure message, e.g. `the reply "Echo: hi"`. */
  waitingFor?: string;
  hint?: string;
}

/**
 * One side of a WebSocket connection with its traffic recorded from the first moment, so a
 * check never misses a message by starting to listen too late (the mistake lesson-04 teaches).
 */
export class Endpoint {
  readonly received: Received[] = [];
  private readCursor = 0;
  private closeInfo: CloseInfo | undefined;
  private errors: Error[] = [];

  constructor(readonly ws: WebSocket, readonly label: string, private readonly harness: Harness, learnerSide = 'your server') {
    harness.wire.attach(ws, label, learnerSide);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buffer = toBuffer(data);
      this.received.push({ data: isBinary ? buffer : buffer.toString('utf8'), isBinary, at: performance.now() });
      this.harness.wakeAll();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeInfo = { code, reason: reason.toString('utf8'), at: performance.now() };
      this.harness.wakeAll();
    });
    // A check's socket must never crash the process; the error is reported by the wait that needed it.
    ws.on('error', (error) => {
      this.errors.push(error);
      this.harness.wakeAll();
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** The close code and reason, once the connection has closed. */
  get closed(): CloseInfo | undefined {
    return this.closeInfo;
  }

  send(data: string | Buffer): void {
    this.ws.send(data, { binary: Buffer.isBuffer(data) });
  }

  /** The next message not yet read by next()/nextText(). Fails after `within` ms. */
  async next(options: WaitOptions = {}): Promise<Received> {
    const message = await this.until(() => this.received[this.readCursor], {
      ...options,
      waitingFor: options.waitingFor ?? 'a message',
      onClose: true,
    });
    this.readCursor += 1;
    return message;
  }

  /** Like next(), and fails if the message is binary. */
  async nextText(options: WaitOptions = {}): Promise<string> {
    const message = await this.next(options);
    if (message.isBinary || typeof message.data !== 'string') {
      fail({
        expected: `${options.waitingFor ?? 'a text message'} as a text frame`,
        actual: `a binary frame (${show(message.data)})`,
        hint: options.hint ?? 'send strings with socket.send(text); a Buffer is sent as a binary frame.',
      });
    }
    return message.data;
  }

  /** Reads `count` text messages in order. */
  async texts(count: number, options: WaitOptions = {}): Promise<string[]> {
    const texts: string[] = [];
    for (let i = 0; i < count; i += 1) {
      texts.push(await this.nextText({ ...options, waitingFor: options.waitingFor ?? `message ${i + 1} of ${count}` }));
    }
    return texts;
  }

  /** Waits for the connection to close and returns its code and reason. */
  async waitClosed(options: WaitOptions = {}): Promise<CloseInfo> {
    return this.until(() => this.closeInfo, { ...options, waitingFor: options.waitingFor ?? 'the connection to close' });
  }

  /** Asserts that nothing arrives for `ms` milliseconds (use sparingly: it always takes that long). */
  async expectQuiet(ms: number, what: string, hint: string): Promise<void> {
    const before = this.received.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    const extra = this.received.slice(before);
    if (extra.length > 0) {
      fail({ expected: `no further messages (${what})`, actual: `${extra.length}: ${extra.slice(0, 3).map((m) => show(m.data)).join(', ')}`, hint });
    }
  }

  /** Closes with the closing handshake and waits for it to finish. */
  async close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (!this.closeInfo && this.ws.readyState !== WebSocket.CLOSED) this.ws.close(code, reason);
    return this.waitClosed({ waitingFor: `the closing handshake started by ${this.label} to finish` });
  }

  /** Drops the TCP connection with no closing handshake, like a crashed peer or a pulled cable. */
  terminate(): void {
    this.ws.terminate();
  }

  private async until<T>(probe: () => T | undefined, options: WaitOptions & { onClose?: boolean }): Promise<T> {
    const within = options.within ?? WAIT_MS;
    const deadline = performance.now() + within;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      this.harness.throwIfLearnerCrashed();
      if (options.onClose && this.closeInfo) {
        fail({
          expected: `${options.waitingFor} on ${this.label}`,
          actual: `the connection closed first (code ${this.closeInfo.code}${this.closeInfo.reason ? `, reason ${show(this.closeInfo.reason)}` : ''})`,
          hint: options.hint ?? closeCodeHint(this.closeInfo.code),
        });
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        const error = this.errors[0];
        fail({
          expected: `${options.waitingFor} on ${this.label} within ${within} ms`,
          actual: error ? `a socket error: ${error.message}` : 'nothing arrived',
          hint: options.hint ?? 'make sure your code sends it, and that nothing throws before it does.',
        });
      }
      await this.harness.sleepUntilWoken(remaining);
    }
  }
}

function closeCodeHint(code: number): string {
  switch (code) {
    case 1006: return 'code 1006 means the TCP connection dropped without a closing handshake: something called terminate(), crashed, or never answered.';
    case 1009: return 'code 1009 means a message was larger than the receiver allows (maxPayload).';
    case 1011: return 'code 1011 means the server hit an unexpected error while handling the connection.';
    default: return 'check where your code calls close(), and that it only does so after sending everything.';
  }
}

export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export interface RunningServer {
  url: string;
  port: number;
  wss: WebSocketServer;
  /** What the server passed to its `log` option, line by line. */
  logs: string[];
  /** The server-side sockets, in the order clients connected. */
  connections: WebSocket[];
}

export interface Peer extends RunningServer {
  /** The next connection the peer accepted, wrapped so its traffic is recorded. */
  nextConnection(options?: WaitOptions): Promise<Endpoint>;
}

/** Captures what a lesson client prints, with the time of every write. */
export class Output extends Writable {
  readonly writes: { text: string; at: number }[] = [];

  constructor(private readonly harness: Harness) {
    super({ decodeStrings: false });
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.writes.push({ text: typeof chunk === 'string' ? chunk : chunk.toString('utf8'), at: performance.now() });
    this.harness.wakeAll();
    done();
  }

  get text(): string {
    return this.writes.map((write) => write.text).join('');
  }

  /** Waits until the printed text contains `expected`. */
  async waitFor(expected: string, options: WaitOptions = {}): Promise<void> {
    const within = options.within ?? WAIT_MS;
    const deadline = performance.now() + within;
    while (!this.text.includes(expected)) {
      this.harness.throwIfLearnerCrashed();
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        fail({
          expected: `the client to print ${show(expected)} within ${within} ms`,
          actual: this.text ? `it printed ${show(this.text)}` : 'it printed nothing',
          hint: options.hint ?? 'write to the `out` stream you were given (out.write), not console.log.',
        });
      }
      await this.harness.sleepUntilWoken(remaining);
    }
  }
}

type Wake = () => void;

export class Harness {
  /** Every frame on the check's connections, for failure messages. */
  readonly wire = new WireLog();
  private readonly servers: WebSocketServer[] = [];
  private readonly sockets: WebSocket[] = [];
  private readonly sleepers = new Set<Wake>();
  private learnerCrash: unknown;
  private crashKind: 'threw' | 'rejected' = 'threw';
  private readonly onRejection = (error: unknown): void => {
    if (this.learnerCrash === undefined) this.crashKind = 'rejected';
    this.onCrash(error);
  };
  private readonly onCrash = (error: unknown): void => {
    this.learnerCrash ??= error;
    this.wakeAll();
  };

  constructor() {
    // Code under test that throws inside an event handler would crash a real program; here it
    // fails the check at once, with the learner's error, instead of a timeout later.
    process.on('uncaughtException', this.onCrash);
    process.on('unhandledRejection', this.onRejection);
  }

  /** Starts a lesson server on 127.0.0.1 with an OS-chosen port and waits until it listens. */
  async serve<O extends ServerOptions>(factory: (options: O) => WebSocketServer, options?: Omit<O, 'host' | 'port' | 'log'>): Promise<RunningServer> {
    const logs: string[] = [];
    let wss: WebSocketServer;
    try {
      wss = factory({ ...options, host: '127.0.0.1', port: 0, log: (line: string) => { logs.push(line); this.wakeAll(); } } as O);
    } catch (error) {
      throw learnerError('createServer threw before the server started', error);
    }
    if (!(wss instanceof WebSocketServer)) {
      fail({ expected: 'createServer to return the WebSocketServer it created', actual: show(wss), hint: 'end createServer with `return wss;`.' });
    }
    this.servers.push(wss);
    const connections: WebSocket[] = [];
    wss.on('connection', (socket) => { connections.push(socket); this.wakeAll(); });
    const port = await this.listening(wss);
    return { url: `ws://127.0.0.1:${port}`, port, wss, logs, connections };
  }

  /** A test-controlled server, for checking a lesson's client against known behaviour. */
  async peer(options: Omit<ConstructorParameters<typeof WebSocketServer>[0] & object, 'host' | 'port' | 'server' | 'noServer'> = {}): Promise<Peer> {
    const wss = new WebSocketServer({ ...options, host: '127.0.0.1', port: 0 });
    this.servers.push(wss);
    const connections: WebSocket[] = [];
    const endpoints: Endpoint[] = [];
    wss.on('connection', (socket) => {
      connections.push(socket);
      endpoints.push(new Endpoint(socket, 'the test server', this, 'your client'));
      this.wakeAll();
    });
    const port = await this.listening(wss);
    let handedOut = 0;
    const nextConnection = async (wait: WaitOptions = {}): Promise<Endpoint> => {
      const within = wait.within ?? WAIT_MS;
      const deadline = performance.now() + within;
      for (;;) {
        const endpoint = endpoints[handedOut];
        if (endpoint) {
          handedOut += 1;
          return endpoint;
        }
        this.throwIfLearnerCrashed();
        const remaining = deadline - performance.now();
        if (remaining <= 0) {
          fail({
            expected: `${wait.waitingFor ?? 'the client to connect'} within ${within} ms`,
            actual: 'no connection arrived',
            hint: wait.hint ?? 'create the WebSocket with the URL you were given: new WebSocket(url).',
          });
        }
        await this.sleepUntilWoken(remaining);
      }
    };
    return { url: `ws://127.0.0.1:${port}`, port, wss, logs: [], connections, nextConnection };
  }

  /** Opens a client connection and waits for the handshake to complete. */
  async connect(url: string, options: WsClientOptions & { label?: string } = {}): Promise<Endpoint> {
    const { label = 'the test client', ...wsOptions } = options;
    const ws = new WebSocket(url, wsOptions);
    this.sockets.push(ws);
    const endpoint = new Endpoint(ws, label, this);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckFailure(withWire(
        `Expected the WebSocket handshake with ${url} to complete within ${WAIT_MS} ms\nGot no answer\nHint: the server must be listening and must not block the event loop.`,
      ))), WAIT_MS);
      ws.once('open', () => { clearTimeout(timer); resolve(); });
      ws.once('error', (error) => { clearTimeout(timer); reject(new CheckFailure(withWire(`Expected to connect to ${url}\nGot ${error.message}\nHint: is the server listening?`))); });
    });
    return endpoint;
  }

  /** Opens `count` clients at once. */
  async connectMany(url: string, count: number): Promise<Endpoint[]> {
    return Promise.all(Array.from({ length: count }, (_, i) => this.connect(url, { label: `client ${i + 1}` })));
  }

  /** A writable stream to give a lesson client as `out`. */
  output(): Output {
    return new Output(this);
  }

  /**
   * Waits until `probe` returns something other than undefined or false, and returns it. Fails
   * with `onTimeout()` after `within` ms, and at once if code under test crashed. Polls at least
   * every 20 ms, for conditions the harness cannot see change (a server's internal state).
   */
  async waitUntil<T>(probe: () => T | undefined | false, within: number, onTimeout: () => FailureReport): Promise<T> {
    const deadline = performance.now() + within;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      this.throwIfLearnerCrashed();
      const remaining = deadline - performance.now();
      if (remaining <= 0) fail(onTimeout());
      await this.sleepUntilWoken(Math.min(remaining, 20));
    }
  }

  /**
   * Waits (bounded) for a promise to settle and says how, so a hung promise becomes a clear
   * failure and a rejection is never unhandled. Call it at once on a promise the code under test
   * returned, and await the result when the check needs it.
   */
  async settle<T>(promise: Promise<T>, within: number, onTimeout: () => FailureReport): Promise<Outcome<T>> {
    let outcome: Outcome<T> | undefined;
    promise.then(
      (value) => { outcome = { kind: 'value', value }; this.wakeAll(); },
      (error: unknown) => { outcome = { kind: 'error', error }; this.wakeAll(); },
    );
    return this.waitUntil(() => outcome, within, onTimeout);
  }

  /** What code under test threw where nobody could catch it, in one line; undefined if nothing. */
  crashMessage(): string | undefined {
    const crash = this.learnerCrash;
    if (crash === undefined) return undefined;
    return (crash instanceof Error ? `${crash.name}: ${crash.message}` : show(crash)).split('\n')[0];
  }

  /** Fails the current check if code under test threw where nobody could catch it. */
  throwIfLearnerCrashed(): void {
    if (this.learnerCrash === undefined) return;
    throw learnerError(this.crashKind === 'rejected'
      ? 'A promise in your code rejected and nothing handled it (a real program would crash here)'
      : 'Your code threw an error that nothing caught (a real program would crash here)', this.learnerCrash);
  }

  /** Sleeps until `ms` pass or something the harness watches changes. */
  async sleepUntilWoken(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      this.sleepers.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Closes every socket and server this check opened. Runs after every check, pass or fail. */
  async dispose(): Promise<void> {
    process.off('uncaughtException', this.onCrash);
    process.off('unhandledRejection', this.onRejection);
    for (const ws of this.sockets) ws.terminate();
    await Promise.all(this.servers.map((wss) => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      const timer = setTimeout(resolve, 1000);
      wss.close(() => { clearTimeout(timer); resolve(); });
    })));
    this.wakeAll();
  }

  private async listening(wss: WebSocketServer): Promise<number> {
    const address = (): number | undefined => {
      const bound = wss.address();
      return typeof bound === 'object' && bound !== null ? bound.port : undefined;
    };
    const ready = address();
    if (ready !== undefined) return ready;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckFailure(`Expected the server to start listening within ${WAIT_MS} ms\nGot no "listening" event\nHint: pass the host and port options you were given to new WebSocketServer({ host, port }).`)), WAIT_MS);
      wss.once('listening', () => { clearTimeout(timer); resolve(); });
      wss.once('error', (error) => { clearTimeout(timer); reject(learnerError('The server failed to listen', error)); });
    });
    const port = address();
    if (port === undefined) fail({ expected: 'a TCP server with a port', actual: 'no address', hint: 'create the server with { host, port }, not noServer.' });
    return port;
  }
}

/**
 * Runs steps that provoke an 'error' on a server-side socket (a broken or oversize frame). If the
 * server had no 'error' listener, Node threw that error, and a real server process would have
 * stopped: fail saying so, with `hint` (where to add the listener), whichever step noticed first.
 */
export async function survives(net: Harness, what: string, hint: string, steps: () => Promise<void>): Promise<void> {
  let failure: unknown;
  try {
    await steps();
  } catch (error) {
    failure = error;
  }
  const crash = net.crashMessage();
  if (crash !== undefined) {
    fail({
      expected: `the server to survive ${what}`,
      actual: `a connection's "error" event had no listener, and Node turns an unheard "error" into an uncaught exception (${crash}): a real server process would have stopped, dropping every client`,
      hint,
    });
  }
  if (failure !== undefined) throw failure;
}

/**
 * Calls `start` (a lesson's createServer with a port but no host, as a learner's own script
 * might) and fails unless the server listens on 127.0.0.1 only; closes it either way.
 */
export async function expectLoopbackByDefault(net: Harness, start: () => WebSocketServer): Promise<void> {
  const wss = start();
  try {
    const address = await net.waitUntil(() => { const bound = wss.address(); return typeof bound === 'object' && bound !== null ? bound : undefined; }, WAIT_MS, () => ({
      expected: 'the server to start listening', actual: 'no address', hint: 'pass host and port to new WebSocketServer({ host, port }).',
    }));
    expectEqual(address.address, '127.0.0.1', 'the address createServer({ port }) listens on when no host is given', 'keep the default host = "127.0.0.1": a development server must not be reachable from other machines unless asked.');
  } finally {
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}

function learnerError(context: string, error: unknown): Error {
  // Already explained (a check's own failure, or a todo reported from inside an event handler).
  if (error instanceof CheckFailure) return error;
  // A starter's todo(...) is not a crash: it is the next step, so say it that way.
  if (error instanceof Error && error.name === 'TodoError') {
    const todoFailure = new CheckFailure(`Expected this step to be done\nGot a starter TODO: ${error.message}\nHint: replace the todo(...) call with your code.`);
    todoFailure.stack = `${todoFailure.name}: ${todoFailure.message}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}`;
    return todoFailure;
  }
  const ownFrames = error instanceof Error ? learnerFrames(error.stack).filter((frame) => !frame.includes('.check.ts')) : [];
  const hint = ownFrames.length > 0
    ? 'the first line below that points into your file is where it happened.'
    : 'no line of your code is in this error\'s stack: it was raised inside ws or Node and reached the top through your code. Look for an async function whose promise nothing awaits or catches (an async "connection" or "message" handler: wrap its body in try/catch), or a socket with no "error" listener.';
  const wrapped = new CheckFailure(withWire(`${context}: ${error instanceof Error ? `${error.name}: ${error.message}` : show(error)}\nHint: ${hint}`));
  if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
  return wrapped;
}

/** `check(...)` is vitest's `test` with a fresh harness as `net`, disposed after every check. */
export const check = test.extend<{ net: Harness }>({
  // eslint-disable-next-line no-empty-pattern
  net: async ({}, use) => {
    const harness = new Harness();
    active = harness;
    try {
      await use(harness);
    } finally {
      if (active === harness) active = undefined;
      await harness.dispose();
    }
  },
});
