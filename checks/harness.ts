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
import { failureLabels, failureMessage, t, verbatim, type FailureReport, type Text, type Words } from './runner/language.ts';
import { WireLog } from './wire.ts';

export { closedPort } from './ports.ts';
export { t, verbatim, type FailureReport, type Text, type Words } from './runner/language.ts';

/** How long a check waits for something that should happen at once. Generous: CI machines get busy. */
export const WAIT_MS = 3000;

/** A failed check, worded for the learner: what was expected, what happened, where to look. */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

/** The harness of the check running now (one at a time per worker): its wire log goes into failures. */
let active: Harness | undefined;

/** A failure message with the check's wire transcript under it. */
function withWire(message: string): string {
  const wire = active?.wire.lines() ?? [];
  return wire.length > 0 ? `${message}\n${wire.join('\n')}` : message;
}

export function fail(report: FailureReport): never {
  throw new CheckFailure(withWire(failureMessage(report)));
}

/** Short, readable rendering of a value for failure messages (data: the same in every language). */
export function show(value: unknown): Text {
  if (typeof value === 'string') return verbatim(JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}…` : value));
  if (Buffer.isBuffer(value)) return t(`a binary message of ${value.length} bytes`, `一条 ${value.length} 字节的二进制消息`);
  return verbatim(inspect(value, { depth: 3, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200 }));
}

/** Asserts equality with a learner-facing explanation instead of a bare diff. `what` names the value: t('the reply', '回复'). */
export function expectEqual<T>(actual: T, expected: T, what: Words, hint: Words): void {
  if (Object.is(actual, expected)) return;
  if (typeof expected === 'object' && expected !== null && JSON.stringify(actual) === JSON.stringify(expected)) return;
  fail({ expected: t(`${what} to be ${show(expected)}`, `${what}应为 ${show(expected)}`), actual: show(actual), hint });
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
  /** What is awaited, a noun phrase: t('the reply "Echo: hi"', '回复 "Echo: hi"'). */
  waitingFor?: Words;
  hint?: Words;
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

  constructor(readonly ws: WebSocket, readonly label: Words, private readonly harness: Harness, learnerSide: Words = t('your server', '你的服务器')) {
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
      waitingFor: options.waitingFor ?? t('a message', '一条消息'),
      onClose: true,
    });
    this.readCursor += 1;
    return message;
  }

  /** Like next(), and fails if the message is binary. */
  async nextText(options: WaitOptions = {}): Promise<string> {
    const message = await this.next(options);
    if (message.isBinary || typeof message.data !== 'string') {
      const what = options.waitingFor ?? t('a text message', '一条文本消息');
      fail({
        expected: t(`${what} as a text frame`, `${what}，以文本帧发送`),
        actual: t(`a binary frame (${show(message.data)})`, `一个二进制帧（${show(message.data)}）`),
        hint: options.hint ?? t('send strings with socket.send(text); a Buffer is sent as a binary frame.', '用 socket.send(text) 发送字符串；Buffer 会被当作二进制帧发送。'),
      });
    }
    return message.data;
  }

  /** Reads `count` text messages in order. */
  async texts(count: number, options: WaitOptions = {}): Promise<string[]> {
    const texts: string[] = [];
    for (let i = 0; i < count; i += 1) {
      texts.push(await this.nextText({ ...options, waitingFor: options.waitingFor ?? t(`message ${i + 1} of ${count}`, `第 ${i + 1} 条消息（共 ${count} 条）`) }));
    }
    return texts;
  }

  /** Waits for the connection to close and returns its code and reason. */
  async waitClosed(options: WaitOptions = {}): Promise<CloseInfo> {
    return this.until(() => this.closeInfo, { ...options, waitingFor: options.waitingFor ?? t('the connection to close', '连接关闭') });
  }

  /** Asserts that nothing arrives for `ms` milliseconds (use sparingly: it always takes that long). `what`: when, e.g. t('after the reply', '回复之后'). */
  async expectQuiet(ms: number, what: Words, hint: Words): Promise<void> {
    const before = this.received.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    const extra = this.received.slice(before);
    if (extra.length > 0) {
      const shown = extra.slice(0, 3).map((m) => show(m.data)).join(', ');
      fail({ expected: t(`no further messages (${what})`, `不再有消息（${what}）`), actual: t(`${extra.length}: ${shown}`, `又来了 ${extra.length} 条：${shown}`), hint });
    }
  }

  /** Closes with the closing handshake and waits for it to finish. */
  async close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (!this.closeInfo && this.ws.readyState !== WebSocket.CLOSED) this.ws.close(code, reason);
    return this.waitClosed({ waitingFor: t(`the closing handshake started by ${this.label} to finish`, `${this.label}发起的关闭握手完成`) });
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
        const { code, reason } = this.closeInfo;
        fail({
          expected: t(`${options.waitingFor} on ${this.label}`, `${this.label}等到${options.waitingFor}`),
          actual: t(`the connection closed first (code ${code}${reason ? `, reason ${show(reason)}` : ''})`, `连接先关闭了（关闭码 ${code}${reason ? `，原因 ${show(reason)}` : ''}）`),
          hint: options.hint ?? closeCodeHint(code),
        });
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        const error = this.errors[0];
        fail({
          expected: t(`${options.waitingFor} on ${this.label} within ${within} ms`, `${this.label}在 ${within} 毫秒内等到${options.waitingFor}`),
          actual: error ? t(`a socket error: ${error.message}`, `socket 出错：${error.message}`) : t('nothing arrived', '什么也没等到'),
          hint: options.hint ?? t('make sure your code sends it, and that nothing throws before it does.', '确认你的代码确实发送了它，并且在发送之前没有任何地方抛出异常。'),
        });
      }
      await this.harness.sleepUntilWoken(remaining);
    }
  }
}

function closeCodeHint(code: number): Text {
  switch (code) {
    case 1006: return t('code 1006 means the TCP connection dropped without a closing handshake: something called terminate(), crashed, or never answered.', '关闭码 1006 表示 TCP 连接没有经过关闭握手就断了：有代码调用了 terminate()、程序崩溃了，或者对方一直没有应答。');
    case 1009: return t('code 1009 means a message was larger than the receiver allows (maxPayload).', '关闭码 1009 表示有一条消息超过了接收方允许的大小（maxPayload）。');
    case 1011: return t('code 1011 means the server hit an unexpected error while handling the connection.', '关闭码 1011 表示服务器处理这个连接时遇到了意外错误。');
    default: return t('check where your code calls close(), and that it only does so after sending everything.', '看看你的代码在哪里调用了 close()，确认它是在所有内容都发出之后才关闭的。');
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
          expected: t(`the client to print ${show(expected)} within ${within} ms`, `客户端在 ${within} 毫秒内打印出 ${show(expected)}`),
          actual: this.text ? t(`it printed ${show(this.text)}`, `它打印的是 ${show(this.text)}`) : t('it printed nothing', '它什么也没打印'),
          hint: options.hint ?? t('write to the `out` stream you were given (out.write), not console.log.', '写到传给你的 `out` 流里（out.write），不要用 console.log。'),
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
      throw learnerError(t('createServer threw before the server started', 'createServer 在服务器启动之前就抛出了异常'), error);
    }
    if (!(wss instanceof WebSocketServer)) {
      fail({ expected: t('createServer to return the WebSocketServer it created', 'createServer 返回它创建的 WebSocketServer'), actual: show(wss), hint: t('end createServer with `return wss;`.', '在 createServer 的最后写上 `return wss;`。') });
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
      endpoints.push(new Endpoint(socket, t('the test server', '测试服务器'), this, t('your client', '你的客户端')));
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
          const what = wait.waitingFor ?? t('the client to connect', '客户端连上来');
          fail({
            expected: t(`${what} within ${within} ms`, `在 ${within} 毫秒内等到${what}`),
            actual: t('no connection arrived', '没有任何连接进来'),
            hint: wait.hint ?? t('create the WebSocket with the URL you were given: new WebSocket(url).', '用传给你的 URL 创建 WebSocket：new WebSocket(url)。'),
          });
        }
        await this.sleepUntilWoken(remaining);
      }
    };
    return { url: `ws://127.0.0.1:${port}`, port, wss, logs: [], connections, nextConnection };
  }

  /** Opens a client connection and waits for the handshake to complete. */
  async connect(url: string, options: WsClientOptions & { label?: Words } = {}): Promise<Endpoint> {
    const { label = t('the test client', '测试客户端'), ...wsOptions } = options;
    const ws = new WebSocket(url, wsOptions);
    this.sockets.push(ws);
    const endpoint = new Endpoint(ws, label, this);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckFailure(withWire(failureMessage({
        expected: t(`the WebSocket handshake with ${url} to complete within ${WAIT_MS} ms`, `与 ${url} 的 WebSocket 握手在 ${WAIT_MS} 毫秒内完成`),
        actual: t('no answer', '没有应答'),
        hint: t('the server must be listening and must not block the event loop.', '服务器必须在监听，而且不能阻塞事件循环。'),
      })))), WAIT_MS);
      ws.once('open', () => { clearTimeout(timer); resolve(); });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(new CheckFailure(withWire(failureMessage({ expected: t(`to connect to ${url}`, `连上 ${url}`), actual: verbatim(error.message), hint: t('is the server listening?', '服务器在监听吗？') }))));
      });
    });
    return endpoint;
  }

  /** Opens `count` clients at once. */
  async connectMany(url: string, count: number): Promise<Endpoint[]> {
    return Promise.all(Array.from({ length: count }, (_, i) => this.connect(url, { label: t(`client ${i + 1}`, `客户端 ${i + 1}`) })));
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
      ? t('A promise in your code rejected and nothing handled it (a real program would crash here)', '你的代码里有一个 promise 被 reject 了，却没有任何地方处理它（真实的程序会在这里崩溃）')
      : t('Your code threw an error that nothing caught (a real program would crash here)', '你的代码抛出了一个没人捕获的异常（真实的程序会在这里崩溃）'), this.learnerCrash);
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
      const timer = setTimeout(() => reject(new CheckFailure(failureMessage({
        expected: t(`the server to start listening within ${WAIT_MS} ms`, `服务器在 ${WAIT_MS} 毫秒内开始监听`),
        actual: t('no "listening" event', '没有 "listening" 事件'),
        hint: t('pass the host and port options you were given to new WebSocketServer({ host, port }).', '把传给你的 host 和 port 选项交给 new WebSocketServer({ host, port })。'),
      }))), WAIT_MS);
      wss.once('listening', () => { clearTimeout(timer); resolve(); });
      wss.once('error', (error) => { clearTimeout(timer); reject(learnerError(t('The server failed to listen', '服务器没能开始监听'), error)); });
    });
    const port = address();
    if (port === undefined) fail({ expected: t('a TCP server with a port', '一个有端口的 TCP 服务器'), actual: t('no address', '没有地址'), hint: t('create the server with { host, port }, not noServer.', '用 { host, port } 创建服务器，不要用 noServer。') });
    return port;
  }
}

/**
 * Runs steps that provoke an 'error' on a server-side socket (a broken or oversize frame). If the
 * server had no 'error' listener, Node threw that error, and a real server process would have
 * stopped: fail saying so, with `hint` (where to add the listener), whichever step noticed first.
 * `what` is the event: t('a client sending a malformed frame', '客户端发来格式错误的帧').
 */
export async function survives(net: Harness, what: Words, hint: Words, steps: () => Promise<void>): Promise<void> {
  let failure: unknown;
  try {
    await steps();
  } catch (error) {
    failure = error;
  }
  const crash = net.crashMessage();
  if (crash !== undefined) {
    fail({
      expected: t(`the server to survive ${what}`, `服务器在${what}时不崩溃、继续运行`),
      actual: t(
        `a connection's "error" event had no listener, and Node turns an unheard "error" into an uncaught exception (${crash}): a real server process would have stopped, dropping every client`,
        `某个连接的 "error" 事件没有监听器，而 Node 会把没人监听的 "error" 变成未捕获的异常（${crash}）：真实的服务器进程会就此退出，所有客户端一起断线`,
      ),
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
      expected: t('the server to start listening', '服务器开始监听'), actual: t('no address', '没有地址'), hint: t('pass host and port to new WebSocketServer({ host, port }).', '把 host 和 port 交给 new WebSocketServer({ host, port })。'),
    }));
    expectEqual(address.address, '127.0.0.1',
      t('the address createServer({ port }) listens on when no host is given', '不传 host 时 createServer({ port }) 监听的地址'),
      t('keep the default host = "127.0.0.1": a development server must not be reachable from other machines unless asked.', '保留默认的 host = "127.0.0.1"：开发用的服务器，除非特意要求，不应该让别的机器访问到。'));
  } finally {
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}

function learnerError(context: Text, error: unknown): Error {
  // Already explained (a check's own failure, or a todo reported from inside an event handler).
  if (error instanceof CheckFailure) return error;
  // A starter's todo(...) is not a crash: it is the next step, so say it that way.
  if (error instanceof Error && error.name === 'TodoError') {
    const todoFailure = new CheckFailure(failureMessage({
      expected: t('this step to be done', '这一步已经完成'),
      actual: t(`a starter TODO: ${error.message}`, `起始代码里的 TODO：${error.message}`),
      hint: t('replace the todo(...) call with your code.', '把 todo(...) 调用换成你自己的代码。'),
    }));
    todoFailure.stack = `${todoFailure.name}: ${todoFailure.message}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}`;
    return todoFailure;
  }
  const ownFrames = error instanceof Error ? learnerFrames(error.stack).filter((frame) => !frame.includes('.check.ts')) : [];
  const hint = ownFrames.length > 0
    ? t('the first line below that points into your file is where it happened.', '下面第一行指向你的文件的位置，就是出事的地方。')
    : t('no line of your code is in this error\'s stack: it was raised inside ws or Node and reached the top through your code. Look for an async function whose promise nothing awaits or catches (an async "connection" or "message" handler: wrap its body in try/catch), or a socket with no "error" listener.',
      '这个异常的调用栈里没有一行是你的代码：它是在 ws 或 Node 内部抛出的，经由你的代码一路冒到了最上层。找找有没有哪个 async 函数返回的 promise 没人 await、也没人 catch（比如 async 的 "connection" 或 "message" 处理函数：用 try/catch 包住函数体），或者哪个 socket 没有 "error" 监听器。');
  const separator = t(': ', '：');
  const wrapped = new CheckFailure(withWire(`${context}${separator}${error instanceof Error ? `${error.name}: ${error.message}` : show(error)}\n${failureLabels().hint}${hint}`));
  if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
  return wrapped;
}

/** vitest's `test` with a fresh harness as `net`, disposed after every check. */
const checkWithNet = test.extend<{ net: Harness }>({
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

/**
 * A check: vitest's `test` with a fresh harness as `net`, disposed after every check. Its name is
 * what the learner reads in the list of checks: t(english, chinese). `mustFail` in a lesson's
 * wrong.ts names checks by their English name (the contract runs in English).
 */
export function check(name: Words, body: (context: { net: Harness }) => Promise<void> | void, timeout?: number): void {
  checkWithNet(name, ({ net }) => body({ net }), timeout);
}
