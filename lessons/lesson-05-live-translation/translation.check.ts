// Self-checks for lesson 05. Run: npm run check lesson-05
// Each check starts your server or client for real, on 127.0.0.1 with a free port.
import { once } from 'node:events';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, onTestFinished } from 'vitest';
import { WebSocket, type WebSocketServer } from 'ws';
import { check, expectEqual, fail, show, t, tcpSocket, WAIT_MS, type Endpoint, type Harness, type Text } from '../../checks/harness.ts';
import { createServer, MAX_MESSAGE_BYTES, MAX_TEXT_LENGTH } from './server.ts';
import { runClient, SENTENCE } from './client.ts';

const require = createRequire(import.meta.url);

const TRANSLATED = ['你好', '世界', '这', '是', '一个', '测试'];
const FINAL_LINE = TRANSLATED.join(' ');

/** A server frame as the checks see it: JSON, with at least a `type`. */
interface Frame {
  type: string;
  id?: unknown;
  index?: unknown;
  text?: unknown;
  reason?: unknown;
  message?: unknown;
}

const FINAL_TYPES = new Set(['done', 'cancelled', 'error']);
/** Control characters, as lib/printable.ts escapes them: in a log line they forge lines or drive the terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const DONE_HINT = t('after the last word, send {"type":"done","id":<id>} and keep the connection open: the client finishes on "done" (the Python tutorial\'s client waited for a close that never came), and the same connection carries the next request.',
  '最后一个词发完后，发送 {"type":"done","id":<id>}，并保持连接打开：客户端看到 "done" 就结束（Python 教程里的客户端在等一个永远不会来的关闭），同一个连接还要承载下一个请求。');
const CHUNK_HINT = t('send a chunk frame for each word as soon as it is translated.', '每个词一翻译好，就发送一个 chunk 帧。');

async function nextFrame(endpoint: Endpoint, waitingFor: Text, hint: Text): Promise<Frame> {
  const raw = await endpoint.nextText({ waitingFor, hint });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    fail({
      expected: t(`${waitingFor} as a JSON frame, e.g. {"type":"chunk","id":1,"index":0,"text":"你好"}`, `${waitingFor}，以 JSON 帧的形式，比如 {"type":"chunk","id":1,"index":0,"text":"你好"}`),
      actual: show(raw),
      hint: t('send every frame with socket.send(JSON.stringify(frame)): the type and id tell the client what the message means and which request it belongs to.', '每一帧都用 socket.send(JSON.stringify(frame)) 发送：type 和 id 告诉客户端这条消息是什么意思、属于哪个请求。'),
    });
  }
  if (typeof value !== 'object' || value === null || typeof (value as Frame).type !== 'string') {
    fail({ expected: t(`${waitingFor} as a JSON object with a "type"`, `${waitingFor}，以带 "type" 的 JSON 对象的形式`), actual: show(raw), hint: t('every frame is an object: {"type":"chunk"|"done"|"cancelled"|"error","id":<request number>,…}.', '每一帧都是一个对象：{"type":"chunk"|"done"|"cancelled"|"error","id":<请求编号>,…}。') });
  }
  return value as Frame;
}

/** Reads frames until request `id` gets its final frame (done, cancelled or error). `what`: t('request 1', '请求 1'). */
async function untilFinal(endpoint: Endpoint, id: number, what: Text): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let i = 0; i < 300; i += 1) {
    const frame = await nextFrame(endpoint, t(`the frames of ${what}, ending with its "done" frame`, `${what}的各帧，以它的 "done" 帧结尾`), DONE_HINT);
    frames.push(frame);
    if (frame.id === id && FINAL_TYPES.has(frame.type)) return frames;
  }
  return fail({ expected: t(`${what} to end with a final frame`, `${what}以一个结束帧收尾`), actual: t(`${frames.length} frames and no final one`, `${frames.length} 帧，没有结束帧`), hint: DONE_HINT });
}

/** `request ${n}` in the active language. */
function request(n: number): Text {
  return t(`request ${n}`, `请求 ${n}`);
}

/** Checks that `frames` are request `id`'s chunks, in order, followed by its `done` frame. */
function expectTranslation(frames: Frame[], id: number, words: string[], what: Text): void {
  const final = frames.at(-1);
  if (final?.type === 'error') {
    fail({ expected: t(`${what} to be translated`, `${what}被翻译`), actual: t(`an error frame: ${show(final)}`, `一个 error 帧：${show(final)}`), hint: t('refuse only empty, too long or binary messages; any other text is a sentence to translate.', '只拒绝空的、太长的或者二进制的消息；其他任何文本都是要翻译的句子。') });
  }
  if (final?.type !== 'done') {
    fail({ expected: t(`${what} to end with {"type":"done","id":${id}}`, `${what}以 {"type":"done","id":${id}} 结尾`), actual: show(final), hint: DONE_HINT });
  }
  const chunks = frames.slice(0, -1);
  const strangers = chunks.filter((frame) => frame.type !== 'chunk' || frame.id !== id);
  if (strangers.length > 0) {
    fail({ expected: t(`only {"type":"chunk","id":${id},…} frames before the "done" of ${what}`, `${what}的 "done" 之前只有 {"type":"chunk","id":${id},…} 帧`), actual: show(strangers.slice(0, 3)), hint: t('each word goes out as {"type":"chunk","id":<request number>,"index":<position>,"text":<word>}; the id is the number of the request on this connection (1, 2, 3…).', '每个词都以 {"type":"chunk","id":<请求编号>,"index":<位置>,"text":<词>} 发出；id 是这个请求在本连接上的编号（1、2、3……）。') });
  }
  const texts = chunks.map((frame) => frame.text);
  if (texts.some((text) => typeof text === 'string' && text.endsWith(' '))) {
    fail({ expected: t(`the words ${show(words)}`, `词语 ${show(words)}`), actual: show(texts), hint: t('send each word alone, without the trailing space the Python tutorial adds: the client puts the spaces in when it joins the words.', '每个词单独发送，不要带 Python 教程加的那个尾随空格：客户端拼接词语时自己会加空格。') });
  }
  expectEqual(texts, words, t(`the chunk texts of ${what}`, `${what}各个 chunk 的文本`), t('split the sentence on whitespace, look each word up in TRANSLATIONS, and send one chunk per word, in order.', '按空白把句子切开，每个词到 TRANSLATIONS 里查一下，按顺序每个词发一个 chunk。'));
  expectEqual(chunks.map((frame) => frame.index), words.map((_, i) => i), t(`the chunk indexes of ${what}`, `${what}各个 chunk 的 index`), t('number the chunks of a request 0, 1, 2… in the "index" field.', '在 "index" 字段里给一个请求的各个 chunk 编号 0、1、2……'));
  expectEqual(final.id, id, t(`the id of the "done" frame of ${what}`, `${what}的 "done" 帧的 id`), t('the done frame carries the id of the request it ends.', 'done 帧带着它所结束的那个请求的 id。'));
}

function expectFirstChunk(frame: Frame, id: number): void {
  if (frame.type !== 'chunk' || frame.id !== id) {
    fail({ expected: t(`the first frame to be a chunk of request ${id}`, `第一帧是请求 ${id} 的一个 chunk`), actual: show(frame), hint: t('each word goes out as {"type":"chunk","id":<request number>,"index":<position>,"text":<word>}.', '每个词都以 {"type":"chunk","id":<请求编号>,"index":<位置>,"text":<词>} 发出。') });
  }
}

type Outcome = { ok: true } | { ok: false; error: Error };

/**
 * A run of the learner's client, watched from the start: its outcome is recorded (so a rejection
 * can never go unhandled and leak into the next check), and a starter's todo(...) is reported as
 * the step to do instead of as whatever the check was waiting for.
 */
class ClientRun {
  outcome: Outcome | undefined;
  readonly settled: Promise<Outcome>;

  constructor(promise: Promise<void>, private readonly net: Harness) {
    this.settled = promise.then(
      (): Outcome => ({ ok: true }),
      (error: unknown): Outcome => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    void this.settled.then((outcome) => { this.outcome = outcome; net.wakeAll(); });
  }

  /** Throws the starter's TodoError if the client already stopped at one. */
  throwIfTodo(): void {
    if (this.outcome && !this.outcome.ok && this.outcome.error.name === 'TodoError') throw this.outcome.error;
  }

  /** Runs a wait of the check; if it fails because the client stopped at a todo(...), says that instead. */
  async during<T>(wait: Promise<T>): Promise<T> {
    try {
      return await wait;
    } catch (error) {
      await Promise.race([this.settled, this.net.sleepUntilWoken(50)]);
      this.throwIfTodo();
      throw error;
    }
  }

  /** Waits, with a bound, for runClient to settle. */
  async settle(what: Text, hint: Text): Promise<Outcome> {
    const deadline = performance.now() + WAIT_MS;
    while (!this.outcome && performance.now() < deadline) {
      this.net.throwIfLearnerCrashed();
      await this.net.sleepUntilWoken(deadline - performance.now());
    }
    if (!this.outcome) fail({ expected: t(`${what} within ${WAIT_MS} ms`, `${what}，在 ${WAIT_MS} 毫秒之内`), actual: t('runClient was still waiting', 'runClient 还在等'), hint });
    this.throwIfTodo();
    return this.outcome;
  }
}

/** What a terminal would show for `text`: its finished lines and the line being drawn. */
function screen(text: string): { lines: string[]; current: string } {
  const lines: string[] = [];
  let line: string[] = [];
  let cursor = 0;
  // eslint-disable-next-line no-control-regex
  for (const token of text.match(/\x1b\[[0-9;]*[A-Za-z]|[\s\S]/gu) ?? []) {
    if (token === '\r') cursor = 0;
    else if (token === '\n') { lines.push(line.join('')); line = []; cursor = 0; }
    else if (token === '\x1b[2K') line = [];
    else if (token === '\x1b[K' || token === '\x1b[0K') line = line.slice(0, cursor);
    else if (token.startsWith('\x1b')) continue; // colours and other escapes draw nothing
    else { line[cursor] = token; cursor += 1; }
  }
  return { lines, current: line.join('') };
}

/** How a pending delayMs wait was started: only the abortable sleep is cleared by abort(). */
type TimerKind = 'abortable sleep' | 'sleep without a signal' | 'setTimeout';

function timerKindWords(kind: TimerKind): Text {
  switch (kind) {
    case 'abortable sleep': return t('an abortable sleep', '可中止的 sleep');
    case 'sleep without a signal': return t('a sleep without a signal', '不带 signal 的 sleep');
    case 'setTimeout': return t('setTimeout', 'setTimeout 定时器');
  }
}

/**
 * Watches the timers a server starts with exactly `delayMs`: setTimeout (global or node:timers)
 * and node:timers/promises' setTimeout. Named imports of built-in modules are live bindings, so
 * they see the swap once syncBuiltinESMExports() runs. Everything is put back by restore().
 */
function watchTimers(delayMs: number): { readonly pending: number; readonly started: number; readonly pendingKinds: TimerKind[]; restore(): void } {
  const promises = require('node:timers/promises') as { setTimeout: typeof sleep };
  const originalSleep = promises.setTimeout;
  const originalSet = globalThis.setTimeout;
  const originalClear = globalThis.clearTimeout;
  const timers = require('node:timers') as { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
  const pending = new Map<unknown, TimerKind>();
  let started = 0;
  promises.setTimeout = ((ms?: number, ...rest: unknown[]) => {
    const promise = (originalSleep as (...args: unknown[]) => Promise<unknown>)(ms, ...rest);
    if (ms !== delayMs) return promise;
    const token = {};
    started += 1;
    const options = rest[1] as { signal?: unknown } | undefined;
    pending.set(token, options?.signal ? 'abortable sleep' : 'sleep without a signal');
    const forget = (): void => { pending.delete(token); };
    promise.then(forget, forget);
    return promise;
  }) as typeof sleep;
  globalThis.setTimeout = Object.assign((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (ms !== delayMs) return originalSet(callback, ms, ...args);
    started += 1;
    const timer: NodeJS.Timeout = originalSet((...callArgs: unknown[]) => { pending.delete(timer); callback(...callArgs); }, ms, ...args);
    pending.set(timer, 'setTimeout');
    return timer;
  }, originalSet) as typeof setTimeout;
  globalThis.clearTimeout = ((timer?: NodeJS.Timeout | string | number) => { pending.delete(timer); originalClear(timer); }) as typeof clearTimeout;
  timers.setTimeout = globalThis.setTimeout;
  timers.clearTimeout = globalThis.clearTimeout;
  syncBuiltinESMExports();
  return {
    get pending() { return pending.size; },
    get started() { return started; },
    get pendingKinds() { return [...pending.values()]; },
    restore() {
      promises.setTimeout = originalSleep;
      globalThis.setTimeout = originalSet;
      globalThis.clearTimeout = originalClear;
      timers.setTimeout = originalSet;
      timers.clearTimeout = originalClear;
      syncBuiltinESMExports();
    },
  };
}

const TABLE = new Map([['Hello', '你好'], ['world', '世界'], ['this', '这'], ['is', '是'], ['a', '一个'], ['test', '测试']]);

/** A well-behaved translation server for checking the client: chunks, then done, and it never closes. */
function translateLikeTheProtocol(wss: WebSocketServer, delayMs = 10): void {
  wss.on('connection', (socket) => {
    let id = 0;
    socket.on('message', async (data) => {
      id += 1;
      const words = data.toString().split(/\s+/).filter(Boolean).map((word) => TABLE.get(word) ?? word);
      for (const [index, text] of words.entries()) {
        await sleep(delayMs);
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(JSON.stringify({ type: 'chunk', id, index, text }));
      }
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'done', id }));
    });
  });
}

describe('the translation server', () => {
  check(t('translates "Hello world this is a test" word by word, one chunk per word, then "done"', '逐词翻译 "Hello world this is a test"：每个词一个 chunk，最后发 "done"'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const client = await net.connect(server.url);
    client.send(SENTENCE);
    expectTranslation(await untilFinal(client, 1, request(1)), 1, TRANSLATED, t(`the translation of ${show(SENTENCE)}`, `${show(SENTENCE)} 的翻译`));
    if (!server.logs.includes(`Received: ${SENTENCE}`)) {
      fail({ expected: t(`the server to log ${show(`Received: ${SENTENCE}`)}`, `服务器记下 ${show(`Received: ${SENTENCE}`)}`), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('log `Received: ${printable(request.text)}` for each sentence it translates (the log option, not console.log).', '每翻译一个句子，就记下 `Received: ${printable(request.text)}`（用 log 选项，不要用 console.log）。') });
    }
  });

  check(t('passes unknown words through unchanged', '不认识的词原样放过'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const [first, second] = await net.connectMany(server.url, 2);
    if (!first || !second) throw new Error('harness: expected two clients');
    first.send('Hello WebSocket world 2024 constructor toString');
    expectTranslation(await untilFinal(first, 1, request(1)), 1, ['你好', 'WebSocket', '世界', '2024', 'constructor', 'toString'], t('a sentence with unknown words', '含有不认识的词的句子'));
    second.send('  Hello \t world\n');
    expectTranslation(await untilFinal(second, 1, request(1)), 1, ['你好', '世界'], t('a sentence with extra spaces', '带多余空白的句子'));
  });

  check(t('waits delayMs before each word', '每个词之前等待 delayMs'), async ({ net }) => {
    const delayMs = 120;
    const server = await net.serve(createServer, { delayMs });
    const client = await net.connect(server.url);
    const sentAt = performance.now();
    client.send('Hello world this');
    await untilFinal(client, 1, request(1));
    // Lower bounds only: a busy machine may make chunks late, never early.
    client.received.slice(0, 3).forEach((message, i) => {
      const after = message.at - sentAt;
      if (after < (i + 1) * delayMs - 5) {
        fail({ expected: t(`word ${i + 1} to arrive at least ${(i + 1) * delayMs} ms after the request (delayMs = ${delayMs}, before each word)`, `第 ${i + 1} 个词在请求之后至少 ${(i + 1) * delayMs} 毫秒才到（delayMs = ${delayMs}，每个词之前都等）`), actual: t(`it arrived after ${Math.round(after)} ms`, `它在 ${Math.round(after)} 毫秒后就到了`), hint: t('await an abortable sleep of delayMs before sending each word, as the Python tutorial\'s asyncio.sleep(0.5) does.', '每发一个词之前，await 一个可中止的、时长为 delayMs 的 sleep，就像 Python 教程里的 asyncio.sleep(0.5)。') });
      }
    });
  });

  check(t('ends each translation with "done" and keeps the connection open', '每次翻译以 "done" 结尾，并保持连接打开'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const client = await net.connect(server.url);
    client.send('Hello world');
    expectTranslation(await untilFinal(client, 1, request(1)), 1, ['你好', '世界'], show('Hello world'));
    await client.expectQuiet(100, t('after "done"', '"done" 之后'), t('a request gets its chunks and one final frame; nothing follows "done".', '一个请求得到它的若干 chunk 和一个结束帧；"done" 之后什么都没有。'));
    if (client.closed) {
      fail({ expected: t('the connection to stay open after "done"', '"done" 之后连接保持打开'), actual: t(`the server closed it (code ${client.closed.code})`, `服务器把它关了（关闭码 ${client.closed.code}）`), hint: t('do not close after a translation: "done" already tells the client the stream is over, and the client may send another sentence.', '翻译完不要关闭连接："done" 已经告诉客户端流结束了，客户端还可能再发一个句子。') });
    }
  });

  check(t('answers several requests on one connection, numbered 1, 2, 3', '在同一个连接上回答多个请求，编号 1、2、3'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const client = await net.connect(server.url);
    const requests: [string, string[]][] = [['Hello world', ['你好', '世界']], ['this is a test', ['这', '是', '一个', '测试']], ['a test', ['一个', '测试']]];
    for (const [i, [sentence, words]] of requests.entries()) {
      client.send(sentence);
      expectTranslation(await untilFinal(client, i + 1, request(i + 1)), i + 1, words, t(`request ${i + 1} (${show(sentence)}) on the same connection`, `同一连接上的请求 ${i + 1}（${show(sentence)}）`));
    }
  });

  check(t('a new request mid-stream cancels the old one: no old chunk after the new one starts', '传输中途来了新请求就取消旧的：新请求开始后，不再有旧请求的 chunk'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 60 });
    const client = await net.connect(server.url);
    client.send(`${SENTENCE} ${SENTENCE}`);
    const first = await nextFrame(client, t('the first chunk of request 1', '请求 1 的第一个 chunk'), CHUNK_HINT);
    expectFirstChunk(first, 1);
    client.send('this is a test');
    const frames = [first, ...(await untilFinal(client, 2, request(2)))];
    // Wait a few more delays: an old stream still running would show up now.
    await sleep(4 * 60);
    const late = client.received.slice(frames.length).map((message) => message.data);
    const all = [...frames, ...late.map((data) => { try { return JSON.parse(String(data)) as Frame; } catch { return { type: String(data) }; } })];

    const newStart = all.findIndex((frame) => frame.id === 2);
    const stale = all.slice(newStart).filter((frame) => frame.id === 1);
    if (stale.length > 0) {
      fail({ expected: t('no frame of request 1 after request 2 has started', '请求 2 开始后，不再有请求 1 的任何帧'), actual: t(`${show(stale.slice(0, 3))} arrived after the first frame of request 2`, `${show(stale.slice(0, 3))} 在请求 2 的第一帧之后才到`), hint: t('when a new message arrives, stop the stream in progress first: abort its AbortController, so its sleep rejects and its loop sends nothing more.', '新消息一到，先停掉正在进行的流：abort 它的 AbortController，让它的 sleep reject，它的循环就不会再发送任何东西。') });
    }
    const oldFrames = all.slice(0, newStart);
    const cancelled = oldFrames.filter((frame) => frame.type === 'cancelled');
    if (cancelled.length !== 1 || oldFrames.at(-1)?.type !== 'cancelled') {
      fail({ expected: t('request 1 to end with one {"type":"cancelled","id":1} frame, before anything of request 2', '请求 1 以一个 {"type":"cancelled","id":1} 帧结束，而且在请求 2 的任何东西之前'), actual: show(oldFrames.slice(-3)), hint: t('every request gets exactly one final frame: after aborting the old stream, send {"type":"cancelled","id":<old id>} so the client knows it will get nothing more for it.', '每个请求正好得到一个结束帧：中止旧的流之后，发送 {"type":"cancelled","id":<旧 id>}，让客户端知道这个请求不会再有任何东西了。') });
    }
    expectTranslation(all.slice(newStart, all.findIndex((frame) => frame.id === 2 && frame.type === 'done') + 1), 2, ['这', '是', '一个', '测试'], t('request 2, which replaced request 1', '取代了请求 1 的请求 2'));
    expectEqual(late.length, 0, t('the number of frames after request 2\'s "done"', '请求 2 的 "done" 之后的帧数'), t('after "done" nothing more may arrive: the old stream must be stopped, not left running.', '"done" 之后不能再有任何东西到达：旧的流必须停掉，不能放着它继续跑。'));
    const failed = server.logs.filter((line) => line.includes('failed'));
    if (failed.length > 0) {
      fail({ expected: t('a cancelled stream to end quietly', '被取消的流安静地结束'), actual: t(`the server logged ${show(failed[0])}`, `服务器记下了 ${show(failed[0])}`), hint: t('the AbortError from an aborted sleep is the expected way out of a cancelled stream: in streamTranslation, catch it and return when signal.aborted, and rethrow only other errors.', '被中止的 sleep 抛出的 AbortError，正是被取消的流应有的退出方式：在 streamTranslation 里捕获它，signal.aborted 时直接 return，只把其他错误重新抛出。') });
    }
  });

  check(t('the newest of several quick requests wins', '连着发来几个请求时，最新的那个胜出'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 30 });
    const client = await net.connect(server.url);
    client.send('Hello world');
    client.send('this is');
    client.send('a test');
    const frames = await untilFinal(client, 3, request(3));
    const summary = frames.map((frame) => `${frame.type} ${String(frame.id)}`);
    expectEqual(summary, ['cancelled 1', 'cancelled 2', 'chunk 3', 'chunk 3', 'done 3'], t('the frames, as "type id"', '各帧（写成 "type id"）'),
      t('each new request cancels the one before it at once (a "cancelled" frame for the old id), so only the newest one is translated.', '每个新请求都立刻取消它之前的那个（为旧的 id 发一个 "cancelled" 帧），所以只有最新的那个会被翻译。'));
  });

  check(t('refuses empty, too-long and binary messages with an error frame, and stays usable', '用 error 帧拒绝空的、太长的和二进制的消息，并且之后照常可用'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const client = await net.connect(server.url);
    const bad: [string | Buffer, string, Text][] = [
      ['', 'empty', t('an empty message', '一条空消息')],
      ['  \t ', 'empty', t('a message of only spaces', '一条只有空白的消息')],
      ['word '.repeat(Math.ceil(MAX_TEXT_LENGTH / 5) + 1), 'too-long', t(`a sentence longer than MAX_TEXT_LENGTH (${MAX_TEXT_LENGTH}) characters`, `一个超过 MAX_TEXT_LENGTH（${MAX_TEXT_LENGTH}）个字符的句子`)],
      [Buffer.from('Hello world'), 'binary', t('a binary frame', '一个二进制帧')],
    ];
    for (const [i, [data, reason, what]] of bad.entries()) {
      client.send(data);
      const frame = await nextFrame(client, t(`the answer to ${what}`, `对${what}的回答`), t(`answer ${what} with {"type":"error","id":<id>,"reason":"${reason}","message":…} (readRequest does the checking).`, `用 {"type":"error","id":<id>,"reason":"${reason}","message":…} 回答${what}（检查工作由 readRequest 来做）。`));
      if (frame.type !== 'error' || frame.id !== i + 1 || frame.reason !== reason || typeof frame.message !== 'string' || frame.message.trim() === '') {
        fail({ expected: t(`${what} to get {"type":"error","id":${i + 1},"reason":"${reason}","message":<text>}`, `${what}得到 {"type":"error","id":${i + 1},"reason":"${reason}","message":<文本>}`), actual: show(frame), hint: t('check each message with readRequest before translating: a refused request still uses up its id and gets exactly one final frame, an error.', '翻译之前先用 readRequest 检查每条消息：被拒绝的请求照样占用一个 id，并且正好得到一个结束帧，也就是 error。') });
      }
    }
    if (!server.logs.some((line) => line.startsWith('Request 1 refused: '))) {
      fail({ expected: t('the server to log "Request 1 refused: <why>"', '服务器记下 "Request 1 refused: <原因>"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('log each refusal with its id and message: a refused request is worth a line in the log.', '每次拒绝都连同 id 和说明记进日志：被拒绝的请求值得在日志里占一行。') });
    }
    // Exactly MAX_TEXT_LENGTH characters is still a sentence (one long word here).
    const longest = 'x'.repeat(MAX_TEXT_LENGTH);
    client.send(longest);
    expectTranslation(await untilFinal(client, 5, request(5)), 5, [longest], t(`a sentence of exactly MAX_TEXT_LENGTH (${MAX_TEXT_LENGTH}) characters`, `一个正好 MAX_TEXT_LENGTH（${MAX_TEXT_LENGTH}）个字符的句子`));
    client.send('Hello world');
    expectTranslation(await untilFinal(client, 6, request(6)), 6, ['你好', '世界'], t('a good sentence after four refused ones', '四个被拒绝的请求之后的一个正常句子'));

    // A frame of exactly MAX_MESSAGE_BYTES is read (and refused as too long); one byte more is not read at all.
    client.send('x'.repeat(MAX_MESSAGE_BYTES));
    const atLimit = await nextFrame(client, t(`the answer to a frame of exactly MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) bytes`, `对一个正好 MAX_MESSAGE_BYTES（${MAX_MESSAGE_BYTES}）字节的帧的回答`), t('maxPayload is the largest frame allowed (inclusive): new WebSocketServer({ …, maxPayload: MAX_MESSAGE_BYTES }).', 'maxPayload 是允许的最大帧（包含等于）：new WebSocketServer({ …, maxPayload: MAX_MESSAGE_BYTES })。'));
    expectEqual(atLimit.reason, 'too-long', t(`the reason for a frame of exactly MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) bytes`, `正好 MAX_MESSAGE_BYTES（${MAX_MESSAGE_BYTES}）字节的帧的 reason`), t('a frame within maxPayload is read, and a text that long is refused as "too-long".', '不超过 maxPayload 的帧会被读进来，而这么长的文本会以 "too-long" 被拒绝。'));
    const huge = await net.connect(server.url, { label: t('a client sending a huge frame', '发送超大帧的客户端') });
    huge.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const closed = await huge.waitClosed({ waitingFor: t(`the server to close a connection that sends a frame over MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES} bytes)`, `服务器关闭发来超过 MAX_MESSAGE_BYTES（${MAX_MESSAGE_BYTES} 字节）的帧的连接`), hint: t('pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...).', '把 maxPayload: MAX_MESSAGE_BYTES 传给 new WebSocketServer(...)。') });
    expectEqual(closed.code, 1009, t('the close code for a frame over maxPayload', '帧超过 maxPayload 时的关闭码'), t('set maxPayload on the WebSocketServer: ws then closes with 1009 (message too big).', '在 WebSocketServer 上设置 maxPayload：ws 就会用 1009（消息太大）关闭。'));
    expectEqual(client.isOpen, true, t('the first client\'s connection still open', '第一个客户端的连接仍然打开'), t('refusing a request answers it; it does not close the connection.', '拒绝一个请求就是回答它；并不关闭连接。'));
  });

  check(t('stops the stream, with no timer left over, when the client leaves mid-stream', '客户端在传输中途离开时停止推送，不留下定时器'), async ({ net }) => {
    const delayMs = 37; // an odd value, so the stream's own timers can be told apart from any other
    const timers = watchTimers(delayMs);
    try {
      const server = await net.serve(createServer, { delayMs });
      const client = await net.connect(server.url);
      client.send(Array.from({ length: 40 }, () => 'Hello world').join(' ')); // 80 words: seconds of streaming
      expectFirstChunk(await nextFrame(client, t('the first chunk of request 1', '请求 1 的第一个 chunk'), CHUNK_HINT), 1);
      if (timers.started === 0) {
        fail({ expected: t('to see the server wait delayMs before each word', '看到服务器在每个词之前等待 delayMs'), actual: t('it streams without any timer of delayMs ms that this check can see', '它推送时没有用这个检查能看到的、时长为 delayMs 毫秒的定时器'), hint: t('pause with sleep(delayMs, undefined, { signal }) from node:timers/promises, as the starter imports it (or setTimeout(…, delayMs)).', '用 node:timers/promises 的 sleep(delayMs, undefined, { signal }) 停顿，起始代码就是这么 import 的（或者 setTimeout(…, delayMs)）。') });
      }
      const socket = server.connections[0];
      if (!socket) throw new Error('harness: the server has no connection');
      const serverSawClose = once(socket, 'close');
      client.terminate();
      const bound = new AbortController();
      await Promise.race([serverSawClose, sleep(WAIT_MS, undefined, { signal: bound.signal }).catch(() => undefined)]);
      bound.abort();
      await new Promise((resolve) => setImmediate(resolve)); // let the server's own "close" handling finish
      const leftAt = timers.started;
      if (timers.pending > 0) {
        const kinds = timers.pendingKinds;
        const deaf = kinds.find((kind) => kind !== 'abortable sleep');
        fail({
          expected: t('the pause before the next word to be cancelled as soon as the client has gone', '客户端一走，下一个词之前的停顿就被取消'),
          actual: deaf
            ? t(`${timers.pending} delayMs timer(s) still pending after the server saw the connection close (started with ${timerKindWords(deaf)})`, `服务器看到连接关闭之后，还有 ${timers.pending} 个 delayMs 定时器没结束（用${timerKindWords(deaf)}启动的）`)
            : t(`${timers.pending} delayMs timer(s) still pending after the server saw the connection close (an abortable sleep whose signal was never aborted)`, `服务器看到连接关闭之后，还有 ${timers.pending} 个 delayMs 定时器没结束（一个可中止的 sleep，但它的 signal 从没被 abort）`),
          hint: deaf
            ? t('the pause in streamTranslation cannot be cancelled: a plain `await new Promise((r) => setTimeout(r, delayMs))` (or a sleep without { signal }) ignores abort() and keeps its timer. Wait with sleep(delayMs, undefined, { signal }) from node:timers/promises: abort() then clears the timer at once.', 'streamTranslation 里的停顿没法取消：一个普通的 `await new Promise((r) => setTimeout(r, delayMs))`（或者不带 { signal } 的 sleep）不理会 abort()，定时器一直留着。用 node:timers/promises 的 sleep(delayMs, undefined, { signal }) 来等：abort() 会立刻清掉定时器。')
            : t('in the socket\'s "close" handler, abort the stream in progress (current.controller.abort()): the abortable sleep then clears its timer at once, and the loop ends.', '在 socket 的 "close" 处理函数里中止正在进行的流（current.controller.abort()）：可中止的 sleep 会立刻清掉它的定时器，循环随之结束。'),
        });
      }
      await sleep(3 * delayMs);
      net.throwIfLearnerCrashed();
      if (timers.started > leftAt) {
        fail({ expected: t('the stream to stop once the client has gone', '客户端走了之后流就停止'), actual: t(`it started ${timers.started - leftAt} more delayMs pause(s) for a client that is no longer there`, `它又为一个已经不在的客户端开始了 ${timers.started - leftAt} 次 delayMs 停顿`), hint: t('stop the stream in the socket\'s "close" handler (abort its controller), and leave the loop when the signal is aborted.', '在 socket 的 "close" 处理函数里停掉流（abort 它的 controller），signal 被 abort 时就离开循环。') });
      }
    } finally {
      timers.restore();
    }
  });

  check(t('a second new request cancels the second stream too, and no stale chunk ever follows a newer request', '第二个新请求同样取消第二个流，更新的请求之后绝不再出现过时的 chunk'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 40 });
    const client = await net.connect(server.url);
    const long = `${SENTENCE} ${SENTENCE}`;
    client.send(long);
    expectFirstChunk(await nextFrame(client, t('the first chunk of request 1', '请求 1 的第一个 chunk'), CHUNK_HINT), 1);
    client.send(long);
    // Request 2 is streaming now (its first chunk is out): request 3 must stop it just the same.
    for (let i = 0; i < 300; i += 1) {
      const frame = await nextFrame(client, t('the first chunk of request 2', '请求 2 的第一个 chunk'), t('after cancelling request 1, stream request 2 as usual.', '取消请求 1 之后，照常推送请求 2。'));
      if (frame.id === 2 && frame.type === 'chunk') break;
      if (frame.id === 2) fail({ expected: t('request 2 to stream', '请求 2 开始推送'), actual: show(frame), hint: t('a request that replaced another one is translated like any other.', '取代了别人的请求，也像其他请求一样被翻译。') });
    }
    client.send('this is a test');
    await untilFinal(client, 3, request(3));
    await sleep(4 * 40); // an old stream still running would show up now
    const all = client.received.map((message) => { try { return JSON.parse(String(message.data)) as Frame; } catch { return { type: String(message.data) }; } });
    // Once a request has sent its first frame, nothing of an older one may follow.
    let newest = 0;
    for (const [position, frame] of all.entries()) {
      const id = typeof frame.id === 'number' ? frame.id : 0;
      if (id < newest) {
        fail({
          expected: t(`nothing of request ${id} after request ${newest} has started`, `请求 ${newest} 开始之后，不再有请求 ${id} 的任何东西`),
          actual: t(`frame ${position + 1} is ${show(frame)}, after frames of request ${newest}`, `第 ${position + 1} 帧是 ${show(frame)}，它出现在请求 ${newest} 的帧之后`),
          hint: t('the stream that ended must not clear the one that replaced it: in the .finally after streamTranslation, forget `current` only if it is still this stream (current?.controller === controller). Otherwise the next request finds nothing to cancel and the old stream runs on.', '结束了的流不能清掉取代它的那个：在 streamTranslation 后面的 .finally 里，只有 `current` 还是这个流时（current?.controller === controller）才忘掉它。否则下一个请求就找不到可以取消的东西，旧的流会一直跑下去。'),
        });
      }
      newest = Math.max(newest, id);
    }
    const finals = all.filter((frame) => FINAL_TYPES.has(frame.type)).map((frame) => `${frame.type} ${String(frame.id)}`);
    expectEqual(finals, ['cancelled 1', 'cancelled 2', 'done 3'], t('the final frames, as "type id"', '各个结束帧（写成 "type id"）'), t('every request gets exactly one final frame: the two replaced ones "cancelled", the last one "done".', '每个请求正好得到一个结束帧：被取代的两个是 "cancelled"，最后一个是 "done"。'));
  });

  check(t('a refused request cancels the stream too, and no request is cancelled twice', '被拒绝的请求同样会取消正在进行的流，而且没有哪个请求会被取消两次'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 40 });
    const client = await net.connect(server.url);
    client.send(`${SENTENCE} ${SENTENCE}`);
    expectFirstChunk(await nextFrame(client, t('the first chunk of request 1', '请求 1 的第一个 chunk'), CHUNK_HINT), 1);
    // Back to back: refused, but still the newest input; then a good one, before anything settles.
    client.send('   ');
    client.send('Hello world');
    const rest = await untilFinal(client, 3, request(3));
    await sleep(4 * 40);
    net.throwIfLearnerCrashed();
    const late = client.received.slice(rest.length + 1).map((message) => String(message.data));
    const finals = rest.filter((frame) => FINAL_TYPES.has(frame.type)).map((frame) => `${frame.type} ${String(frame.id)}`);
    expectEqual(finals, ['cancelled 1', 'error 2', 'done 3'], t('the final frames, as "type id"', '各个结束帧（写成 "type id"）'),
      t('a refused request also replaces the one streaming (cancel first, then check the request), and a cancelled request is forgotten (current = undefined): the next request must not cancel it a second time.', '被拒绝的请求同样会取代正在推送的那个（先取消，再检查请求），被取消的请求要忘掉（current = undefined）：下一个请求不能再取消它一次。'));
    expectTranslation(rest.filter((frame) => frame.id === 3), 3, ['你好', '世界'], t('request 3, after a refused one', '被拒绝的请求之后的请求 3'));
    expectEqual(late, [], t('frames after request 3\'s "done"', '请求 3 的 "done" 之后的帧'), t('a request gets exactly one final frame, and nothing follows it.', '一个请求正好得到一个结束帧，之后什么都没有。'));
  });

  check(t('stops streaming to a client that has begun to close, even before it is gone', '客户端一开始关闭就停止给它推送，哪怕它还没完全走'), async ({ net }) => {
    const delayMs = 41; // an odd value, so the stream's own timers can be told apart from any other
    const timers = watchTimers(delayMs);
    try {
      const server = await net.serve(createServer, { delayMs });
      const client = await net.connect(server.url);
      client.send(Array.from({ length: 40 }, () => 'Hello world').join(' ')); // 80 words: seconds of streaming
      expectFirstChunk(await nextFrame(client, t('the first chunk of request 1', '请求 1 的第一个 chunk'), CHUNK_HINT), 1);
      const socket = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: t('a server-side connection', '服务器一端的连接'), actual: t('none', '没有'), hint: t('accept connections.', '要接受连接。') }));
      // The client says goodbye but stops reading, so it never completes the closing handshake:
      // the server's socket stays CLOSING (no "close" event yet) for as long as ws lets it.
      tcpSocket(client.ws).pause();
      client.ws.close(1000);
      await net.waitUntil(() => socket.readyState === WebSocket.CLOSING, WAIT_MS, () => ({ expected: t('the server side to be closing', '服务器一端处于关闭中'), actual: t(`readyState ${socket.readyState}`, `readyState 是 ${socket.readyState}`), hint: t('ws answers a close frame on its own.', 'ws 会自己回应关闭帧。') }));
      const atClosing = timers.started;
      await sleep(4 * delayMs);
      if (socket.readyState === WebSocket.CLOSING && timers.started > atClosing) {
        fail({
          expected: t('no new pause before a word once the connection is closing', '连接开始关闭后，不再为下一个词开始新的停顿'),
          actual: t(`the stream started ${timers.started - atClosing} more delayMs wait(s) for a connection that can no longer carry a word`, `流又为一个再也传不了词的连接开始了 ${timers.started - atClosing} 次 delayMs 等待`),
          hint: t('after each sleep, leave the loop unless the socket is still open: if (signal.aborted || socket.readyState !== WebSocket.OPEN) return;. "close" fires only when the closing handshake is over, which a slow client can delay by seconds.', '每次 sleep 之后，除非 socket 仍然打开，否则就离开循环：if (signal.aborted || socket.readyState !== WebSocket.OPEN) return;。"close" 要等关闭握手结束才触发，一个慢吞吞的客户端能把它拖上好几秒。'),
        });
      }
    } finally {
      timers.restore();
    }
  });

  check(t('listens on 127.0.0.1 unless told otherwise', '没有特别指定时，只监听 127.0.0.1'), async ({ net }) => {
    // The checks pass their own host everywhere else; here createServer gets only a free port.
    const wss = createServer({ port: 0, log: () => undefined, delayMs: 10 });
    onTestFinished(() => new Promise<void>((resolve) => {
      for (const socket of wss.clients) socket.terminate();
      wss.close(() => resolve());
    }));
    await net.waitUntil(() => wss.address() !== null, WAIT_MS, () => ({ expected: t('the server to start listening', '服务器开始监听'), actual: t('no address', '没有地址'), hint: t('create the WebSocketServer with { host, port }.', '用 { host, port } 创建 WebSocketServer。') }));
    const address = wss.address();
    const host = typeof address === 'object' && address !== null ? address.address : String(address);
    expectEqual(host, '127.0.0.1', t('the address the server listens on by default', '服务器默认监听的地址'), t('keep host = \'127.0.0.1\' as the default: a lesson server must not be reachable from other machines unless someone asks for it (--host).', '保留默认的 host = \'127.0.0.1\'：除非有人要求（--host），课程里的服务器不应该让别的机器访问到。'));
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const client = await net.connect(`ws://127.0.0.1:${port}`);
    client.send('Hello world');
    expectTranslation(await untilFinal(client, 1, request(1)), 1, ['你好', '世界'], t('a sentence sent to a server started with only a port', '发给只给了端口就启动的服务器的句子'));
  });

  check(t('a malformed frame closes only that connection; the server logs it and serves the others', '格式错误的帧只关闭那一个连接；服务器记下日志，继续为其他客户端服务'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const steady = await net.connect(server.url, { label: t('a client that behaves', '守规矩的客户端') });
    const broken = await net.connect(server.url, { label: t('a client that sends a malformed frame', '发送格式错误的帧的客户端') });
    // A text frame (0x81) of 2 bytes, unmasked: clients must mask, so the server's ws emits 'error'.
    tcpSocket(broken.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const closed = await broken.waitClosed({ waitingFor: t('the server to close the connection that sent an unmasked frame', '服务器关闭发来无掩码帧的连接') });
    expectEqual(closed.code, 1002, t('the close code for a protocol error', '协议错误的关闭码'), t('ws closes a connection that breaks the protocol with 1002 on its own: keep an "error" listener so it is not a crash.', '违反协议的连接 ws 会自己用 1002 关闭：保留 "error" 监听器，这样就不会崩溃。'));
    await net.waitUntil(() => server.logs.some((line) => line.startsWith('Connection error: ')), WAIT_MS, () => ({
      expected: t('the server to log "Connection error: <message>"', '服务器记下 "Connection error: <message>"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('socket.on(\'error\', (error) => log(`Connection error: ${error.message}`)): a failure nobody logs cannot be looked into.', 'socket.on(\'error\', (error) => log(`Connection error: ${error.message}`))：没人记录的故障，事后没法查。'),
    }));
    steady.send('Hello world');
    expectTranslation(await untilFinal(steady, 1, request(1)), 1, ['你好', '世界'], t('a sentence from the client that stayed', '留下来的客户端发来的句子'));
  });

  check(t('logs what a client sends without letting it forge a log line or drive the terminal', '记录客户端发来的内容，但不让它伪造日志行或操控终端'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 5 });
    const client = await net.connect(server.url);
    const tricky = 'Hello\nRequest 9 refused: admin \u001b[2Jworld';
    client.send(tricky);
    await untilFinal(client, 1, request(1));
    const raw = server.logs.find((line) => CONTROL.test(line));
    if (raw !== undefined) {
      fail({
        expected: t('no control character in any log line: the client chose that text', '任何日志行里都没有控制字符：那段文本是客户端定的'),
        actual: t(`the server logged ${show(raw)}: a newline there prints a second line the client wrote, an escape code clears or recolours the terminal`, `服务器记下了 ${show(raw)}：其中的换行会打印出客户端写好的第二行，转义码会清屏或者改终端颜色`),
        hint: t('log `Received: ${printable(request.text)}` (printable from lib/printable.ts shows a newline as \\n and an escape as \\u001b).', '日志写成 `Received: ${printable(request.text)}`（lib/printable.ts 里的 printable 会把换行显示成 \\n，把 ESC 显示成 \\u001b）。'),
      });
    }
    if (!server.logs.some((line) => line.startsWith('Received: Hello'))) {
      fail({ expected: t('a "Received: Hello…" line for the request', '为这个请求记下一行 "Received: Hello…"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('log `Received: ${printable(request.text)}` for each sentence.', '每个句子都记下 `Received: ${printable(request.text)}`。') });
    }
  });
});

describe('the translation client', () => {
  check(t('sends the sentence, redraws one line and ends with "Translation complete!"', '发送句子，在同一行上重绘，最后打印 "Translation complete!"'), async ({ net }) => {
    const peer = await net.peer();
    translateLikeTheProtocol(peer.wss);
    const out = net.output();
    const run = new ClientRun(runClient(peer.url, { out }), net);
    const connection = await run.during(peer.nextConnection());
    const sent = await run.during(connection.nextText({ waitingFor: t('the client to send the sentence', '客户端发来句子'), hint: t('after "open", send the sentence as a text frame: ws.send(text).', '"open" 之后，把句子作为文本帧发送：ws.send(text)。') }));
    expectEqual(sent, SENTENCE, t('the sentence the client sends', '客户端发送的句子'), t('send the `text` option (by default SENTENCE) exactly as it is.', '原样发送 `text` 选项（默认是 SENTENCE）。'));
    const outcome = await run.settle(t('runClient to finish after the "done" frame', 'runClient 在 "done" 帧之后结束'), t('finish when {"type":"done","id":1} arrives: the server keeps the connection open, so waiting for it to close hangs forever.', '收到 {"type":"done","id":1} 就结束：服务器会一直开着连接，等它关闭就会永远卡住。'));
    if (!outcome.ok) fail({ expected: t('runClient to resolve after a complete translation', '完整翻译之后 runClient resolve'), actual: t(`it rejected: ${outcome.error.message}`, `它 reject 了：${outcome.error.message}`), hint: t('resolve on the "done" frame of request 1.', '在请求 1 的 "done" 帧上 resolve。') });
    const { lines, current } = screen(out.text);
    expectEqual([...lines, ...(current ? [current] : [])], ['Translating:', FINAL_LINE, 'Translation complete!'], t('the lines on the screen', '屏幕上的各行'),
      t('print `Translating:` and a newline, redraw the translation so far with out.write(`\\r${partial}`) for each chunk, then a newline and `Translation complete!` and a newline.', '先打印 `Translating:` 加一个换行，每个 chunk 都用 out.write(`\\r${partial}`) 重绘目前为止的译文，最后打印一个换行、`Translation complete!` 和一个换行。'));
  });

  check(t('finishes on the "done" message, without waiting for the server to close', '收到 "done" 消息就结束，不等服务器关闭'), async ({ net }) => {
    const peer = await net.peer();
    translateLikeTheProtocol(peer.wss);
    const run = new ClientRun(runClient(peer.url, { out: net.output(), text: 'Hello world' }), net);
    const connection = await run.during(peer.nextConnection());
    // The test server never closes: only "done" can tell the client the translation is over.
    const outcome = await run.settle(t('runClient to finish after {"type":"done","id":1}, while the server keeps the connection open', '服务器一直开着连接时，runClient 在 {"type":"done","id":1} 之后结束'),
      t('the server does not close after a translation (the connection is for more requests). Resolve on the "done" frame; waiting for "close" is why the Python tutorial\'s client hangs forever.', '服务器翻译完不会关闭连接（这个连接还要接着用）。在 "done" 帧上 resolve；Python 教程里的客户端永远卡住，就是因为在等 "close"。'));
    if (!outcome.ok) fail({ expected: t('runClient to resolve', 'runClient 正常 resolve'), actual: t(`it rejected: ${outcome.error.message}`, `它 reject 了：${outcome.error.message}`), hint: t('resolve on the "done" frame of request 1.', '在请求 1 的 "done" 帧上 resolve。') });
    if (connection.ws.readyState === WebSocket.OPEN) {
      fail({ expected: t('runClient to return only after the closing handshake', 'runClient 在关闭握手完成之后才返回'), actual: t('it returned while the connection was still open', '连接还开着它就返回了'), hint: t('after the translation, call ws.close(1000) and wait for the "close" event before returning.', '翻译完之后调用 ws.close(1000)，等到 "close" 事件再返回。') });
    }
    const closed = await run.during(connection.waitClosed());
    expectEqual(closed.code, 1000, t('the close code the client sends when it is done', '客户端结束时发出的关闭码'), t('close with ws.close(1000): a normal closure, not terminate().', '用 ws.close(1000) 关闭：正常关闭，不要用 terminate()。'));
  });

  check(t('redraws the line with \\r as each word arrives', '每来一个词，就用 \\r 重绘这一行'), async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const run = new ClientRun(runClient(peer.url, { out, text: 'this is a test' }), net);
    const connection = await run.during(peer.nextConnection());
    expectEqual(await run.during(connection.nextText({ waitingFor: t('the sentence', '句子') })), 'this is a test', t('the sentence the client sends', '客户端发送的句子'), t('send the `text` option you were given, not always SENTENCE.', '发送传给你的 `text` 选项，而不是总发 SENTENCE。'));
    const words = ['这', '是', '一个', '测试'];
    for (const [index, text] of words.entries()) {
      connection.send(JSON.stringify({ type: 'chunk', id: 1, index, text }));
      const partial = words.slice(0, index + 1).join(' ');
      // The next word is sent only once this one is on screen: printing at the end would stall here.
      const deadline = performance.now() + WAIT_MS;
      while (screen(out.text).current !== partial && performance.now() < deadline) {
        await net.sleepUntilWoken(deadline - performance.now()); // every write wakes it
      }
      const shown = screen(out.text);
      if (shown.current !== partial) {
        fail({ expected: t(`the line being drawn to read ${show(partial)} after chunk ${index + 1}`, `第 ${index + 1} 个 chunk 之后，正在绘制的这一行显示为 ${show(partial)}`), actual: t(`the screen shows ${show([...shown.lines, shown.current])} (printed so far: ${show(out.text)})`, `屏幕上显示的是 ${show([...shown.lines, shown.current])}（到目前为止打印了：${show(out.text)}）`), hint: t('for each chunk, add the word and redraw the whole line at once: out.write(`\\r${words.join(" ")}`). \\r moves the cursor back to the start of the line; a newline would start a new one.', '每来一个 chunk，加上这个词，一次性重绘整行：out.write(`\\r${words.join(" ")}`)。\\r 把光标移回行首；换行则会另起一行。') });
      }
      if (shown.lines.length !== 1) {
        fail({ expected: t('only the `Translating:` line to be finished while the words arrive', '词语陆续到达时，只有 `Translating:` 这一行是完整结束的'), actual: t(`finished lines ${show(shown.lines)}`, `已经结束的行是 ${show(shown.lines)}`), hint: t('do not end a line per chunk: redraw the same line with \\r, and print the newline only after "done".', '不要每个 chunk 换一行：用 \\r 重绘同一行，到 "done" 之后才打印换行。') });
      }
    }
    connection.send(JSON.stringify({ type: 'done', id: 1 }));
    const outcome = await run.settle(t('runClient to finish after "done"', 'runClient 在 "done" 之后结束'), t('resolve on {"type":"done","id":1}.', '在 {"type":"done","id":1} 上 resolve。'));
    if (!outcome.ok) fail({ expected: t('runClient to resolve', 'runClient 正常 resolve'), actual: t(`it rejected: ${outcome.error.message}`, `它 reject 了：${outcome.error.message}`), hint: t('resolve on the "done" frame of request 1.', '在请求 1 的 "done" 帧上 resolve。') });
    const writes = out.writes.filter((write) => write.text.includes('\r')).length;
    if (writes < words.length) {
      fail({ expected: t(`at least ${words.length} writes containing \\r, one per word`, `至少 ${words.length} 次包含 \\r 的写入，每个词一次`), actual: t(`${writes}`, `${writes} 次`), hint: t('redraw once per chunk as it arrives, with out.write(`\\r${partial}`).', '每个 chunk 一到就重绘一次：out.write(`\\r${partial}`)。') });
    }
  });

  check(t('rejects with a ProtocolError and closes with 1002 when the server breaks the protocol', '服务器违反协议时，用 ProtocolError reject，并用 1002 关闭'), async ({ net }) => {
    const peer = await net.peer();
    const cases: [string | Buffer, Text][] = [
      ['not JSON at all', t('a frame that is not JSON', '一个不是 JSON 的帧')],
      ['null', t('the JSON null', 'JSON 的 null')],
      ['42', t('a JSON number', '一个 JSON 数字')],
      [Buffer.from(JSON.stringify({ type: 'chunk', id: 1, index: 0, text: '你好' })), t('a chunk sent as a binary frame', '一个以二进制帧发送的 chunk')],
      [JSON.stringify({ type: 'chunk', index: 0, text: '你好' }), t('a chunk without an id', '一个没有 id 的 chunk')],
      [JSON.stringify({ type: 'chunk', id: 1, index: 0 }), t('a chunk without text', '一个没有 text 的 chunk')],
      [JSON.stringify({ type: 'chunk', id: 1, index: 0, text: 5 }), t('a chunk whose text is a number', '一个 text 是数字的 chunk')],
      [JSON.stringify({ type: 'chunk', id: 1, text: '你好' }), t('a chunk without an index', '一个没有 index 的 chunk')],
      [JSON.stringify({ type: 'error', id: 1, reason: 'empty' }), t('an error frame without a message', '一个没有 message 的 error 帧')],
      [JSON.stringify({ type: 'finished', id: 1 }), t('a frame of an unknown type', '一个未知类型的帧')],
      ['x'.repeat(5000), t('five thousand bytes of garbage', '五千字节的垃圾数据')],
    ];
    for (const [data, what] of cases) {
      const run = new ClientRun(runClient(peer.url, { out: net.output(), text: 'Hello world' }), net);
      const connection = await run.during(peer.nextConnection());
      await run.during(connection.nextText({ waitingFor: t('the sentence', '句子') }));
      connection.send(data);
      const outcome = await run.settle(t(`runClient to reject after ${what}`, `收到${what}之后 runClient reject`), t('a frame the protocol does not allow means this server cannot be understood: parseFrame returns undefined for it, and the client rejects with a ProtocolError instead of waiting or guessing.', '协议不允许的帧，说明这个服务器没法理解：parseFrame 对它返回 undefined，客户端用 ProtocolError reject，而不是等下去或者瞎猜。'));
      if (outcome.ok) fail({ expected: t(`runClient to reject after ${what}`, `收到${what}之后 runClient reject`), actual: t('it resolved', '它 resolve 了'), hint: t('only a "done" frame of request 1 completes a translation.', '只有请求 1 的 "done" 帧才算翻译完成。') });
      const { error } = outcome;
      if (error.name !== 'ProtocolError' || error.message.trim() === '' || error.message.length > 300) {
        fail({
          expected: t(`a ProtocolError with a short message that says what came, after ${what}`, `收到${what}之后，得到一个 ProtocolError，带一条简短的、说明收到了什么的 message`),
          actual: t(`${error.name}: ${show(error.message)} (${error.message.length} characters)`, `${error.name}: ${show(error.message)}（${error.message.length} 个字符）`),
          hint: t('keep the given line: if (!frame) return finish(new ProtocolError(`the server sent a frame this client does not understand: ${data.toString().slice(0, 100)}`)). It quotes the start of the frame, never all of it.', '保留现成的那一行：if (!frame) return finish(new ProtocolError(`the server sent a frame this client does not understand: ${data.toString().slice(0, 100)}`))。它只引用帧的开头，绝不引用全部。'),
        });
      }
      const closed = await run.during(connection.waitClosed({ waitingFor: t(`the client to close after ${what}`, `客户端在收到${what}之后关闭`) }));
      expectEqual(closed.code, 1002, t(`the close code after ${what}`, `收到${what}之后的关闭码`), t('the server broke the protocol: close with 1002 (protocol error), not 1000. runClient\'s catch sets closeCode = 1002 for a ProtocolError.', '服务器违反了协议：用 1002（协议错误）关闭，不要用 1000。runClient 的 catch 遇到 ProtocolError 时会设 closeCode = 1002。'));
    }
  });

  check(t('ignores frames of another request, and anything after "done"', '忽略其他请求的帧，以及 "done" 之后的一切'), async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const run = new ClientRun(runClient(peer.url, { out, text: 'Hello world' }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: t('the sentence', '句子') }));
    // All in one burst: another request's frames mixed in, and a stray chunk after our "done".
    for (const frame of [
      { type: 'chunk', id: 7, index: 0, text: 'stale' },
      { type: 'chunk', id: 1, index: 0, text: '你好' },
      { type: 'done', id: 7 },
      { type: 'chunk', id: 1, index: 1, text: '世界' },
      { type: 'done', id: 1 },
      { type: 'chunk', id: 1, index: 2, text: 'after' },
    ]) connection.send(JSON.stringify(frame));
    const outcome = await run.settle(t('runClient to finish after {"type":"done","id":1}', 'runClient 在 {"type":"done","id":1} 之后结束'), t('resolve on the "done" frame of request 1, and only of request 1.', '在请求 1 的 "done" 帧上 resolve，而且只认请求 1 的。'));
    if (!outcome.ok) fail({ expected: t('runClient to resolve', 'runClient 正常 resolve'), actual: t(`it rejected: ${outcome.error.message}`, `它 reject 了：${outcome.error.message}`), hint: t('frames of another request are not errors: skip them (frame.id !== id).', '其他请求的帧不是错误：跳过它们（frame.id !== id）。') });
    const { lines, current } = screen(out.text);
    expectEqual([...lines, ...(current ? [current] : [])], ['Translating:', '你好 世界', 'Translation complete!'], t('the lines on the screen', '屏幕上的各行'),
      t('show only request 1\'s words (skip a frame whose id is not 1), and stop listening once the translation is over: finish() removes the three listeners, so a frame after "done" draws nothing.', '只显示请求 1 的词（跳过 id 不是 1 的帧），翻译结束后就不再监听：finish() 会移除那三个监听器，所以 "done" 之后来的帧什么也不会画。'));
  });

  check(t('rejects when the server cancels the translation, and closes normally', '服务器取消翻译时 reject，并正常关闭'), async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output() }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: t('the sentence', '句子') }));
    connection.send(JSON.stringify({ type: 'chunk', id: 1, index: 0, text: '你好' }));
    connection.send(JSON.stringify({ type: 'cancelled', id: 1 }));
    const outcome = await run.settle(t('runClient to reject after {"type":"cancelled","id":1}', '收到 {"type":"cancelled","id":1} 之后 runClient reject'), t('a "cancelled" frame is the final frame of its request: nothing more will come, so reject instead of waiting for "done".', '"cancelled" 帧是它那个请求的结束帧：不会再有任何东西来了，所以要 reject，而不是等 "done"。'));
    if (outcome.ok) fail({ expected: t('runClient to reject: the translation was cancelled', 'runClient reject：翻译被取消了'), actual: t('it resolved as if complete', '它像翻译完成那样 resolve 了'), hint: t('only "done" means complete: finish(new Error(\'the server cancelled the translation\')) on "cancelled".', '只有 "done" 才表示完成：收到 "cancelled" 时 finish(new Error(\'the server cancelled the translation\'))。') });
    if (!/cancel/i.test(outcome.error.message)) fail({ expected: t('an error that says the translation was cancelled', '一个说明翻译被取消了的错误'), actual: show(outcome.error.message), hint: t('on "cancelled": finish(new Error(\'the server cancelled the translation\')).', '收到 "cancelled" 时：finish(new Error(\'the server cancelled the translation\'))。') });
    const closed = await run.during(connection.waitClosed({ hint: t('close the connection in a finally block, on failure as well as on success.', '在 finally 块里关闭连接，失败和成功时都要关。') }));
    expectEqual(closed.code, 1000, t('the close code after a cancelled translation', '翻译被取消之后的关闭码'), t('"cancelled" is part of the protocol, not a protocol error: close normally with 1000.', '"cancelled" 是协议的一部分，不是协议错误：用 1000 正常关闭。'));
  });

  check(t('rejects with the socket\'s error when the server sends an invalid frame, without crashing', '服务器发来非法帧时，用 socket 的错误 reject，而不是崩溃'), async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output() }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: t('the sentence', '句子') }));
    // A text frame whose bytes are not UTF-8: the client's ws emits "error" (and closes with 1007).
    tcpSocket(connection.ws).write(Buffer.from([0x81, 0x02, 0xff, 0xfe]));
    const outcome = await run.settle(t('runClient to reject after an invalid frame', '收到非法帧之后 runClient reject'), t('listen for "error" while you wait for the translation, and reject with it.', '等待译文时也要监听 "error"，并用它 reject。'));
    if (outcome.ok) fail({ expected: t('runClient to reject after an invalid frame', '收到非法帧之后 runClient reject'), actual: t('it resolved', '它 resolve 了'), hint: t('an "error" event means the translation failed: reject with it.', '"error" 事件表示翻译失败了：用它 reject。') });
    if (!/UTF-8/i.test(outcome.error.message)) {
      fail({ expected: t('the rejection to be the socket\'s own error, which says what was wrong (invalid UTF-8)', 'reject 的就是 socket 自己的错误，它说明了哪里出了问题（非法的 UTF-8）'), actual: show(outcome.error.message), hint: t('in receiveTranslation, ws.on(\'error\', (error) => finish(error)): the error says why; the close that follows only says that the connection ended.', '在 receiveTranslation 里写 ws.on(\'error\', (error) => finish(error))：错误说明了原因；随后的关闭只说明连接结束了。') });
    }
  });

  check(t('rejects, instead of hanging, when the connection ends before "done"', '连接在 "done" 之前结束时，reject 而不是卡住'), async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output() }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: t('the sentence', '句子') }));
    connection.send(JSON.stringify({ type: 'chunk', id: 1, index: 0, text: '你好' }));
    connection.send(JSON.stringify({ type: 'chunk', id: 1, index: 1, text: '世界' }));
    connection.ws.close(1011, 'translator crashed');
    const outcome = await run.settle(t('runClient to reject once the connection closes without "done"', '连接没收到 "done" 就关闭时，runClient reject'), t('listen for "close" while you wait for "done": a connection that ends first is a failure, and waiting on would hang forever.', '等 "done" 的时候也要监听 "close"：连接先结束就是失败，继续等下去会永远卡住。'));
    if (outcome.ok) {
      fail({ expected: t('runClient to reject: the translation never completed', 'runClient reject：翻译一直没有完成'), actual: t('it resolved as if all was well', '它像一切正常那样 resolve 了'), hint: t('only "done" means complete. A close before "done" is an error: reject with it, so the caller knows the translation is cut short.', '只有 "done" 才表示完成。"done" 之前的关闭是错误：用它 reject，让调用者知道翻译被截断了。') });
    }
    if (!outcome.error.message.includes('1011')) {
      fail({ expected: t('the error to say how the connection ended (its close code, 1011)', '错误说明连接是怎么结束的（它的关闭码 1011）'), actual: show(outcome.error.message), hint: t('in the "close" listener you get the code: finish(new Error(`the connection closed (code ${code}) before the translation was complete`)).', '在 "close" 监听器里能拿到关闭码：finish(new Error(`the connection closed (code ${code}) before the translation was complete`))。') });
    }
  });

  check(t('rejects when the server refuses the sentence with an error frame', '服务器用 error 帧拒绝句子时 reject'), async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output(), text: '' }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: t('the sentence', '句子') }));
    connection.send(JSON.stringify({ type: 'error', id: 1, reason: 'empty', message: 'send an English sentence with at least one word' }));
    const outcome = await run.settle(t('runClient to reject after an error frame', '收到 error 帧之后 runClient reject'), t('an {"type":"error"} frame is the final frame of its request: reject with its message instead of waiting for "done".', '{"type":"error"} 帧是它那个请求的结束帧：用它的 message reject，而不是等 "done"。'));
    if (outcome.ok) {
      fail({ expected: t('runClient to reject after {"type":"error"}', '收到 {"type":"error"} 之后 runClient reject'), actual: t('it resolved', '它 resolve 了'), hint: t('an error frame means there is no translation: reject with its message.', 'error 帧表示没有译文：用它的 message reject。') });
    }
    if (!outcome.error.message.includes('send an English sentence with at least one word')) {
      fail({ expected: t('the error to carry the server\'s message, "send an English sentence with at least one word"', '错误带上服务器的 message，也就是 "send an English sentence with at least one word"'), actual: show(outcome.error.message), hint: t('reject with the frame\'s own words: new Error(`the server refused the sentence: ${frame.message}`).', '用这个帧自己的话 reject：new Error(`the server refused the sentence: ${frame.message}`)。') });
    }
    const closed = await run.during(connection.waitClosed({ hint: t('close the connection in a finally block, on failure as well as on success.', '在 finally 块里关闭连接，失败和成功时都要关。') }));
    expectEqual(closed.code, 1000, t('the close code after a refused sentence', '句子被拒绝之后的关闭码'), t('the server answered correctly, so close normally with 1000.', '服务器的回答是正确的，所以用 1000 正常关闭。'));
  });
});

// Last in the file: the flood leaves the process busy for a moment (its garbage), and no check
// that follows should pay for it.
describe('the translation server, under abuse', () => {
  check(t('a client that sends and never reads cannot make the server queue replies without limit', '只发不读的客户端，不能让服务器无限制地排队回复'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const flooder = await net.connect(server.url, { label: t('a client that never reads', '从不读取的客户端') });
    const steady = await net.connect(server.url, { label: t('a client that reads', '正常读取的客户端') });
    const queueFor = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: t('the server to accept the connection', '服务器接受这个连接'), actual: t('no connection', '没有连接'), hint: t('createServer must accept connections.', 'createServer 必须接受连接。') }));
    tcpSocket(flooder.ws).pause(); // it stops reading: every reply to it stays queued
    let peak = 0;
    let requests = 0;
    const sample = (): void => { peak = Math.max(peak, queueFor.bufferedAmount); };
    const sampler = setInterval(sample, 5);
    onTestFinished(() => clearInterval(sampler));
    queueFor.on('message', () => { requests += 1; });
    // Each " " is refused with an error frame of about 100 bytes. Sent 10,000 at a time until the
    // server stops reading, up to 400,000 (40 MB of replies): a bounded server stops long before.
    const stopped = (): boolean => queueFor.isPaused || queueFor.readyState === WebSocket.CLOSED;
    let count = 0;
    while (count < 400_000 && !stopped()) {
      for (let i = 0; i < 10_000; i += 1) flooder.send(' ');
      count += 10_000;
      await net.waitUntil(() => requests === count || stopped(), 60_000, () => ({
        expected: t('the server to read the requests or to stop reading', '服务器读完这些请求，或者停止读取'), actual: t(`it had read ${requests} of ${count} requests`, `${count} 个请求它读了 ${requests} 个`), hint: t('keep limitSendBuffer(socket) as the first line of the connection handler.', '把 limitSendBuffer(socket) 保留在 connection 处理函数的第一行。'),
      }));
    }
    sample();
    const limit = 32 * 1024 * 1024;
    if (!queueFor.isPaused && queueFor.readyState !== WebSocket.CLOSED) {
      fail({
        expected: t('the server to stop reading from a client that never reads its replies', '服务器停止从一个从不读取回复的客户端那里读取'),
        actual: t(`it read all ${count} requests and had ${(peak / 1048576).toFixed(1)} MB of error frames waiting to be sent to that client`, `它读完了全部 ${count} 个请求，有 ${(peak / 1048576).toFixed(1)} MB 的 error 帧等着发给那个客户端`),
        hint: t('every " " earns an error frame, and for a client that never reads they pile up in memory. Keep limitSendBuffer(socket) (from lib/send-buffer.ts) as the first line of the connection handler: past 1 MiB queued it pauses reading from that client (lesson 02 explains the idea).', '每个 " " 都换来一个 error 帧，遇到从不读取的客户端，它们就会堆在内存里。把 limitSendBuffer(socket)（来自 lib/send-buffer.ts）保留在 connection 处理函数的第一行：排队超过 1 MiB，它就暂停读取那个客户端（第 02 课讲过这个思路）。'),
      });
    }
    if (peak > limit) {
      fail({ expected: t(`what the server queues for that client to stay under ${limit / 1048576} MB`, `服务器给那个客户端排队的数据不超过 ${limit / 1048576} MB`), actual: t(`${(peak / 1048576).toFixed(1)} MB`, `${(peak / 1048576).toFixed(1)} MB`), hint: t('call limitSendBuffer(socket) at once in the connection handler, before any message can arrive.', '在 connection 处理函数里立刻调用 limitSendBuffer(socket)，赶在任何消息到达之前。') });
    }
    steady.send('Hello world');
    expectTranslation(await untilFinal(steady, 1, request(1)), 1, ['你好', '世界'], t('a sentence from another client while one never reads', '有一个客户端从不读取时，另一个客户端发来的句子'));
  }, 120_000);
});
