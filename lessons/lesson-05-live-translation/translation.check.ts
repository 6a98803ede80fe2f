// Self-checks for lesson 05. Run: npm run check lesson-05
// Each check starts your server or client for real, on 127.0.0.1 with a free port.
import { once } from 'node:events';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, onTestFinished } from 'vitest';
import { WebSocket, type WebSocketServer } from 'ws';
import { check, expectEqual, fail, show, tcpSocket, WAIT_MS, type Endpoint, type Harness } from '../../checks/harness.ts';
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
const DONE_HINT = 'after the last word, send {"type":"done","id":<id>} and keep the connection open: the client finishes on "done" (the Python tutorial\'s client waited for a close that never came), and the same connection carries the next request.';

async function nextFrame(endpoint: Endpoint, waitingFor: string, hint: string): Promise<Frame> {
  const raw = await endpoint.nextText({ waitingFor, hint });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    fail({
      expected: `${waitingFor} as a JSON frame, e.g. {"type":"chunk","id":1,"index":0,"text":"你好"}`,
      actual: show(raw),
      hint: 'send every frame with socket.send(JSON.stringify(frame)): the type and id tell the client what the message means and which request it belongs to.',
    });
  }
  if (typeof value !== 'object' || value === null || typeof (value as Frame).type !== 'string') {
    fail({ expected: `${waitingFor} as a JSON object with a "type"`, actual: show(raw), hint: 'every frame is an object: {"type":"chunk"|"done"|"cancelled"|"error","id":<request number>,…}.' });
  }
  return value as Frame;
}

/** Reads frames until request `id` gets its final frame (done, cancelled or error). */
async function untilFinal(endpoint: Endpoint, id: number, what: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let i = 0; i < 300; i += 1) {
    const frame = await nextFrame(endpoint, `the frames of ${what}, ending with its "done" frame`, DONE_HINT);
    frames.push(frame);
    if (frame.id === id && FINAL_TYPES.has(frame.type)) return frames;
  }
  return fail({ expected: `${what} to end with a final frame`, actual: `${frames.length} frames and no final one`, hint: DONE_HINT });
}

/** Checks that `frames` are request `id`'s chunks, in order, followed by its `done` frame. */
function expectTranslation(frames: Frame[], id: number, words: string[], what: string): void {
  const final = frames.at(-1);
  if (final?.type === 'error') {
    fail({ expected: `${what} to be translated`, actual: `an error frame: ${show(final)}`, hint: 'refuse only empty, too long or binary messages; any other text is a sentence to translate.' });
  }
  if (final?.type !== 'done') {
    fail({ expected: `${what} to end with {"type":"done","id":${id}}`, actual: show(final), hint: DONE_HINT });
  }
  const chunks = frames.slice(0, -1);
  const strangers = chunks.filter((frame) => frame.type !== 'chunk' || frame.id !== id);
  if (strangers.length > 0) {
    fail({ expected: `only {"type":"chunk","id":${id},…} frames before the "done" of ${what}`, actual: show(strangers.slice(0, 3)), hint: 'each word goes out as {"type":"chunk","id":<request number>,"index":<position>,"text":<word>}; the id is the number of the request on this connection (1, 2, 3…).' });
  }
  const texts = chunks.map((frame) => frame.text);
  if (texts.some((text) => typeof text === 'string' && text.endsWith(' '))) {
    fail({ expected: `the words ${show(words)}`, actual: show(texts), hint: 'send each word alone, without the trailing space the Python tutorial adds: the client puts the spaces in when it joins the words.' });
  }
  expectEqual(texts, words, `the chunk texts of ${what}`, 'split the sentence on whitespace, look each word up in TRANSLATIONS, and send one chunk per word, in order.');
  expectEqual(chunks.map((frame) => frame.index), words.map((_, i) => i), `the chunk indexes of ${what}`, 'number the chunks of a request 0, 1, 2… in the "index" field.');
  expectEqual(final.id, id, `the id of the "done" frame of ${what}`, 'the done frame carries the id of the request it ends.');
}

function expectFirstChunk(frame: Frame, id: number): void {
  if (frame.type !== 'chunk' || frame.id !== id) {
    fail({ expected: `the first frame to be a chunk of request ${id}`, actual: show(frame), hint: 'each word goes out as {"type":"chunk","id":<request number>,"index":<position>,"text":<word>}.' });
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
  async settle(what: string, hint: string): Promise<Outcome> {
    const deadline = performance.now() + WAIT_MS;
    while (!this.outcome && performance.now() < deadline) {
      this.net.throwIfLearnerCrashed();
      await this.net.sleepUntilWoken(deadline - performance.now());
    }
    if (!this.outcome) fail({ expected: `${what} within ${WAIT_MS} ms`, actual: 'runClient was still waiting', hint });
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
  check('translates "Hello world this is a test" word by word, one chunk per word, then "done"', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const client = await net.connect(server.url);
    client.send(SENTENCE);
    expectTranslation(await untilFinal(client, 1, 'request 1'), 1, TRANSLATED, `the translation of ${show(SENTENCE)}`);
    if (!server.logs.includes(`Received: ${SENTENCE}`)) {
      fail({ expected: `the server to log ${show(`Received: ${SENTENCE}`)}`, actual: `it logged ${show(server.logs)}`, hint: 'log `Received: ${printable(request.text)}` for each sentence it translates (the log option, not console.log).' });
    }
  });

  check('passes unknown words through unchanged', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const [first, second] = await net.connectMany(server.url, 2);
    if (!first || !second) throw new Error('harness: expected two clients');
    first.send('Hello WebSocket world 2024 constructor toString');
    expectTranslation(await untilFinal(first, 1, 'request 1'), 1, ['你好', 'WebSocket', '世界', '2024', 'constructor', 'toString'], 'a sentence with unknown words');
    second.send('  Hello \t world\n');
    expectTranslation(await untilFinal(second, 1, 'request 1'), 1, ['你好', '世界'], 'a sentence with extra spaces');
  });

  check('waits delayMs before each word', async ({ net }) => {
    const delayMs = 120;
    const server = await net.serve(createServer, { delayMs });
    const client = await net.connect(server.url);
    const sentAt = performance.now();
    client.send('Hello world this');
    await untilFinal(client, 1, 'request 1');
    // Lower bounds only: a busy machine may make chunks late, never early.
    client.received.slice(0, 3).forEach((message, i) => {
      const after = message.at - sentAt;
      if (after < (i + 1) * delayMs - 5) {
        fail({ expected: `word ${i + 1} to arrive at least ${(i + 1) * delayMs} ms after the request (delayMs = ${delayMs}, before each word)`, actual: `it arrived after ${Math.round(after)} ms`, hint: 'await an abortable sleep of delayMs before sending each word, as the Python tutorial\'s asyncio.sleep(0.5) does.' });
      }
    });
  });

  check('ends each translation with "done" and keeps the connection open', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const client = await net.connect(server.url);
    client.send('Hello world');
    expectTranslation(await untilFinal(client, 1, 'request 1'), 1, ['你好', '世界'], show('Hello world'));
    await client.expectQuiet(100, 'after "done"', 'a request gets its chunks and one final frame; nothing follows "done".');
    if (client.closed) {
      fail({ expected: 'the connection to stay open after "done"', actual: `the server closed it (code ${client.closed.code})`, hint: 'do not close after a translation: "done" already tells the client the stream is over, and the client may send another sentence.' });
    }
  });

  check('answers several requests on one connection, numbered 1, 2, 3', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const client = await net.connect(server.url);
    const requests: [string, string[]][] = [['Hello world', ['你好', '世界']], ['this is a test', ['这', '是', '一个', '测试']], ['a test', ['一个', '测试']]];
    for (const [i, [sentence, words]] of requests.entries()) {
      client.send(sentence);
      expectTranslation(await untilFinal(client, i + 1, `request ${i + 1}`), i + 1, words, `request ${i + 1} (${show(sentence)}) on the same connection`);
    }
  });

  check('a new request mid-stream cancels the old one: no old chunk after the new one starts', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 60 });
    const client = await net.connect(server.url);
    client.send(`${SENTENCE} ${SENTENCE}`);
    const first = await nextFrame(client, 'the first chunk of request 1', 'send a chunk frame for each word as soon as it is translated.');
    expectFirstChunk(first, 1);
    client.send('this is a test');
    const frames = [first, ...(await untilFinal(client, 2, 'request 2'))];
    // Wait a few more delays: an old stream still running would show up now.
    await sleep(4 * 60);
    const late = client.received.slice(frames.length).map((message) => message.data);
    const all = [...frames, ...late.map((data) => { try { return JSON.parse(String(data)) as Frame; } catch { return { type: String(data) }; } })];

    const newStart = all.findIndex((frame) => frame.id === 2);
    const stale = all.slice(newStart).filter((frame) => frame.id === 1);
    if (stale.length > 0) {
      fail({ expected: 'no frame of request 1 after request 2 has started', actual: `${show(stale.slice(0, 3))} arrived after the first frame of request 2`, hint: 'when a new message arrives, stop the stream in progress first: abort its AbortController, so its sleep rejects and its loop sends nothing more.' });
    }
    const oldFrames = all.slice(0, newStart);
    const cancelled = oldFrames.filter((frame) => frame.type === 'cancelled');
    if (cancelled.length !== 1 || oldFrames.at(-1)?.type !== 'cancelled') {
      fail({ expected: 'request 1 to end with one {"type":"cancelled","id":1} frame, before anything of request 2', actual: show(oldFrames.slice(-3)), hint: 'every request gets exactly one final frame: after aborting the old stream, send {"type":"cancelled","id":<old id>} so the client knows it will get nothing more for it.' });
    }
    expectTranslation(all.slice(newStart, all.findIndex((frame) => frame.id === 2 && frame.type === 'done') + 1), 2, ['这', '是', '一个', '测试'], 'request 2, which replaced request 1');
    expectEqual(late.length, 0, 'the number of frames after request 2\'s "done"', 'after "done" nothing more may arrive: the old stream must be stopped, not left running.');
    const failed = server.logs.filter((line) => line.includes('failed'));
    if (failed.length > 0) {
      fail({ expected: 'a cancelled stream to end quietly', actual: `the server logged ${show(failed[0])}`, hint: 'the AbortError from an aborted sleep is the expected way out of a cancelled stream: in streamTranslation, catch it and return when signal.aborted, and rethrow only other errors.' });
    }
  });

  check('the newest of several quick requests wins', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 30 });
    const client = await net.connect(server.url);
    client.send('Hello world');
    client.send('this is');
    client.send('a test');
    const frames = await untilFinal(client, 3, 'request 3');
    const summary = frames.map((frame) => `${frame.type} ${String(frame.id)}`);
    expectEqual(summary, ['cancelled 1', 'cancelled 2', 'chunk 3', 'chunk 3', 'done 3'], 'the frames, as "type id"',
      'each new request cancels the one before it at once (a "cancelled" frame for the old id), so only the newest one is translated.');
  });

  check('refuses empty, too-long and binary messages with an error frame, and stays usable', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const client = await net.connect(server.url);
    const bad: [string | Buffer, string, string][] = [
      ['', 'empty', 'an empty message'],
      ['  \t ', 'empty', 'a message of only spaces'],
      ['word '.repeat(Math.ceil(MAX_TEXT_LENGTH / 5) + 1), 'too-long', `a sentence longer than MAX_TEXT_LENGTH (${MAX_TEXT_LENGTH}) characters`],
      [Buffer.from('Hello world'), 'binary', 'a binary frame'],
    ];
    for (const [i, [data, reason, what]] of bad.entries()) {
      client.send(data);
      const frame = await nextFrame(client, `the answer to ${what}`, `answer ${what} with {"type":"error","id":<id>,"reason":"${reason}","message":…} (readRequest does the checking).`);
      if (frame.type !== 'error' || frame.id !== i + 1 || frame.reason !== reason || typeof frame.message !== 'string' || frame.message.trim() === '') {
        fail({ expected: `${what} to get {"type":"error","id":${i + 1},"reason":"${reason}","message":<text>}`, actual: show(frame), hint: 'check each message with readRequest before translating: a refused request still uses up its id and gets exactly one final frame, an error.' });
      }
    }
    if (!server.logs.some((line) => line.startsWith('Request 1 refused: '))) {
      fail({ expected: 'the server to log "Request 1 refused: <why>"', actual: `it logged ${show(server.logs)}`, hint: 'log each refusal with its id and message: a refused request is worth a line in the log.' });
    }
    // Exactly MAX_TEXT_LENGTH characters is still a sentence (one long word here).
    const longest = 'x'.repeat(MAX_TEXT_LENGTH);
    client.send(longest);
    expectTranslation(await untilFinal(client, 5, 'request 5'), 5, [longest], `a sentence of exactly MAX_TEXT_LENGTH (${MAX_TEXT_LENGTH}) characters`);
    client.send('Hello world');
    expectTranslation(await untilFinal(client, 6, 'request 6'), 6, ['你好', '世界'], 'a good sentence after four refused ones');

    // A frame of exactly MAX_MESSAGE_BYTES is read (and refused as too long); one byte more is not read at all.
    client.send('x'.repeat(MAX_MESSAGE_BYTES));
    const atLimit = await nextFrame(client, `the answer to a frame of exactly MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) bytes`, 'maxPayload is the largest frame allowed (inclusive): new WebSocketServer({ …, maxPayload: MAX_MESSAGE_BYTES }).');
    expectEqual(atLimit.reason, 'too-long', `the reason for a frame of exactly MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) bytes`, 'a frame within maxPayload is read, and a text that long is refused as "too-long".');
    const huge = await net.connect(server.url, { label: 'a client sending a huge frame' });
    huge.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const closed = await huge.waitClosed({ waitingFor: `the server to close a connection that sends a frame over MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES} bytes)`, hint: 'pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...).' });
    expectEqual(closed.code, 1009, 'the close code for a frame over maxPayload', 'set maxPayload on the WebSocketServer: ws then closes with 1009 (message too big).');
    expectEqual(client.isOpen, true, 'the first client\'s connection still open', 'refusing a request answers it; it does not close the connection.');
  });

  check('stops the stream, with no timer left over, when the client leaves mid-stream', async ({ net }) => {
    const delayMs = 37; // an odd value, so the stream's own timers can be told apart from any other
    const timers = watchTimers(delayMs);
    try {
      const server = await net.serve(createServer, { delayMs });
      const client = await net.connect(server.url);
      client.send(Array.from({ length: 40 }, () => 'Hello world').join(' ')); // 80 words: seconds of streaming
      expectFirstChunk(await nextFrame(client, 'the first chunk of request 1', 'send a chunk frame for each word as soon as it is translated.'), 1);
      if (timers.started === 0) {
        fail({ expected: 'to see the server wait delayMs before each word', actual: 'it streams without any timer of delayMs ms that this check can see', hint: 'pause with sleep(delayMs, undefined, { signal }) from node:timers/promises, as the starter imports it (or setTimeout(…, delayMs)).' });
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
          expected: 'the pause before the next word to be cancelled as soon as the client has gone',
          actual: `${timers.pending} delayMs timer(s) still pending after the server saw the connection close (${deaf ? `started with ${deaf}` : 'an abortable sleep whose signal was never aborted'})`,
          hint: deaf
            ? 'the pause in streamTranslation cannot be cancelled: a plain `await new Promise((r) => setTimeout(r, delayMs))` (or a sleep without { signal }) ignores abort() and keeps its timer. Wait with sleep(delayMs, undefined, { signal }) from node:timers/promises: abort() then clears the timer at once.'
            : 'in the socket\'s "close" handler, abort the stream in progress (current.controller.abort()): the abortable sleep then clears its timer at once, and the loop ends.',
        });
      }
      await sleep(3 * delayMs);
      net.throwIfLearnerCrashed();
      if (timers.started > leftAt) {
        fail({ expected: 'the stream to stop once the client has gone', actual: `it started ${timers.started - leftAt} more delayMs pause(s) for a client that is no longer there`, hint: 'stop the stream in the socket\'s "close" handler (abort its controller), and leave the loop when the signal is aborted.' });
      }
    } finally {
      timers.restore();
    }
  });

  check('a second new request cancels the second stream too, and no stale chunk ever follows a newer request', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 40 });
    const client = await net.connect(server.url);
    const long = `${SENTENCE} ${SENTENCE}`;
    client.send(long);
    expectFirstChunk(await nextFrame(client, 'the first chunk of request 1', 'send a chunk frame for each word as soon as it is translated.'), 1);
    client.send(long);
    // Request 2 is streaming now (its first chunk is out): request 3 must stop it just the same.
    for (let i = 0; i < 300; i += 1) {
      const frame = await nextFrame(client, 'the first chunk of request 2', 'after cancelling request 1, stream request 2 as usual.');
      if (frame.id === 2 && frame.type === 'chunk') break;
      if (frame.id === 2) fail({ expected: 'request 2 to stream', actual: show(frame), hint: 'a request that replaced another one is translated like any other.' });
    }
    client.send('this is a test');
    await untilFinal(client, 3, 'request 3');
    await sleep(4 * 40); // an old stream still running would show up now
    const all = client.received.map((message) => { try { return JSON.parse(String(message.data)) as Frame; } catch { return { type: String(message.data) }; } });
    // Once a request has sent its first frame, nothing of an older one may follow.
    let newest = 0;
    for (const [position, frame] of all.entries()) {
      const id = typeof frame.id === 'number' ? frame.id : 0;
      if (id < newest) {
        fail({
          expected: `nothing of request ${id} after request ${newest} has started`,
          actual: `frame ${position + 1} is ${show(frame)}, after frames of request ${newest}`,
          hint: 'the stream that ended must not clear the one that replaced it: in the .finally after streamTranslation, forget `current` only if it is still this stream (current?.controller === controller). Otherwise the next request finds nothing to cancel and the old stream runs on.',
        });
      }
      newest = Math.max(newest, id);
    }
    const finals = all.filter((frame) => FINAL_TYPES.has(frame.type)).map((frame) => `${frame.type} ${String(frame.id)}`);
    expectEqual(finals, ['cancelled 1', 'cancelled 2', 'done 3'], 'the final frames, as "type id"', 'every request gets exactly one final frame: the two replaced ones "cancelled", the last one "done".');
  });

  check('a refused request cancels the stream too, and no request is cancelled twice', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 40 });
    const client = await net.connect(server.url);
    client.send(`${SENTENCE} ${SENTENCE}`);
    expectFirstChunk(await nextFrame(client, 'the first chunk of request 1', 'send a chunk frame for each word as soon as it is translated.'), 1);
    // Back to back: refused, but still the newest input; then a good one, before anything settles.
    client.send('   ');
    client.send('Hello world');
    const rest = await untilFinal(client, 3, 'request 3');
    await sleep(4 * 40);
    net.throwIfLearnerCrashed();
    const late = client.received.slice(rest.length + 1).map((message) => String(message.data));
    const finals = rest.filter((frame) => FINAL_TYPES.has(frame.type)).map((frame) => `${frame.type} ${String(frame.id)}`);
    expectEqual(finals, ['cancelled 1', 'error 2', 'done 3'], 'the final frames, as "type id"',
      'a refused request also replaces the one streaming (cancel first, then check the request), and a cancelled request is forgotten (current = undefined): the next request must not cancel it a second time.');
    expectTranslation(rest.filter((frame) => frame.id === 3), 3, ['你好', '世界'], 'request 3, after a refused one');
    expectEqual(late, [], 'frames after request 3\'s "done"', 'a request gets exactly one final frame, and nothing follows it.');
  });

  check('stops streaming to a client that has begun to close, even before it is gone', async ({ net }) => {
    const delayMs = 41; // an odd value, so the stream's own timers can be told apart from any other
    const timers = watchTimers(delayMs);
    try {
      const server = await net.serve(createServer, { delayMs });
      const client = await net.connect(server.url);
      client.send(Array.from({ length: 40 }, () => 'Hello world').join(' ')); // 80 words: seconds of streaming
      expectFirstChunk(await nextFrame(client, 'the first chunk of request 1', 'send a chunk frame for each word as soon as it is translated.'), 1);
      const socket = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: 'a server-side connection', actual: 'none', hint: 'accept connections.' }));
      // The client says goodbye but stops reading, so it never completes the closing handshake:
      // the server's socket stays CLOSING (no "close" event yet) for as long as ws lets it.
      tcpSocket(client.ws).pause();
      client.ws.close(1000);
      await net.waitUntil(() => socket.readyState === WebSocket.CLOSING, WAIT_MS, () => ({ expected: 'the server side to be closing', actual: `readyState ${socket.readyState}`, hint: 'ws answers a close frame on its own.' }));
      const atClosing = timers.started;
      await sleep(4 * delayMs);
      if (socket.readyState === WebSocket.CLOSING && timers.started > atClosing) {
        fail({
          expected: 'no new pause before a word once the connection is closing',
          actual: `the stream started ${timers.started - atClosing} more delayMs wait(s) for a connection that can no longer carry a word`,
          hint: 'after each sleep, leave the loop unless the socket is still open: if (signal.aborted || socket.readyState !== WebSocket.OPEN) return;. "close" fires only when the closing handshake is over, which a slow client can delay by seconds.',
        });
      }
    } finally {
      timers.restore();
    }
  });

  check('listens on 127.0.0.1 unless told otherwise', async ({ net }) => {
    // The checks pass their own host everywhere else; here createServer gets only a free port.
    const wss = createServer({ port: 0, log: () => undefined, delayMs: 10 });
    onTestFinished(() => new Promise<void>((resolve) => {
      for (const socket of wss.clients) socket.terminate();
      wss.close(() => resolve());
    }));
    await net.waitUntil(() => wss.address() !== null, WAIT_MS, () => ({ expected: 'the server to start listening', actual: 'no address', hint: 'create the WebSocketServer with { host, port }.' }));
    const address = wss.address();
    const host = typeof address === 'object' && address !== null ? address.address : String(address);
    expectEqual(host, '127.0.0.1', 'the address the server listens on by default', 'keep host = \'127.0.0.1\' as the default: a lesson server must not be reachable from other machines unless someone asks for it (--host).');
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const client = await net.connect(`ws://127.0.0.1:${port}`);
    client.send('Hello world');
    expectTranslation(await untilFinal(client, 1, 'request 1'), 1, ['你好', '世界'], 'a sentence sent to a server started with only a port');
  });

  check('a malformed frame closes only that connection; the server logs it and serves the others', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const steady = await net.connect(server.url, { label: 'a client that behaves' });
    const broken = await net.connect(server.url, { label: 'a client that sends a malformed frame' });
    // A text frame (0x81) of 2 bytes, unmasked: clients must mask, so the server's ws emits 'error'.
    tcpSocket(broken.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const closed = await broken.waitClosed({ waitingFor: 'the server to close the connection that sent an unmasked frame' });
    expectEqual(closed.code, 1002, 'the close code for a protocol error', 'ws closes a connection that breaks the protocol with 1002 on its own: keep an "error" listener so it is not a crash.');
    await net.waitUntil(() => server.logs.some((line) => line.startsWith('Connection error: ')), WAIT_MS, () => ({
      expected: 'the server to log "Connection error: <message>"', actual: `it logged ${show(server.logs)}`, hint: 'socket.on(\'error\', (error) => log(`Connection error: ${error.message}`)): a failure nobody logs cannot be looked into.',
    }));
    steady.send('Hello world');
    expectTranslation(await untilFinal(steady, 1, 'request 1'), 1, ['你好', '世界'], 'a sentence from the client that stayed');
  });

  check('logs what a client sends without letting it forge a log line or drive the terminal', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 5 });
    const client = await net.connect(server.url);
    const tricky = 'Hello\nRequest 9 refused: admin \u001b[2Jworld';
    client.send(tricky);
    await untilFinal(client, 1, 'request 1');
    const raw = server.logs.find((line) => CONTROL.test(line));
    if (raw !== undefined) {
      fail({
        expected: 'no control character in any log line: the client chose that text',
        actual: `the server logged ${show(raw)}: a newline there prints a second line the client wrote, an escape code clears or recolours the terminal`,
        hint: 'log `Received: ${printable(request.text)}` (printable from lib/printable.ts shows a newline as \\n and an escape as \\u001b).',
      });
    }
    if (!server.logs.some((line) => line.startsWith('Received: Hello'))) {
      fail({ expected: 'a "Received: Hello…" line for the request', actual: `it logged ${show(server.logs)}`, hint: 'log `Received: ${printable(request.text)}` for each sentence.' });
    }
  });
});

describe('the translation client', () => {
  check('sends the sentence, redraws one line and ends with "Translation complete!"', async ({ net }) => {
    const peer = await net.peer();
    translateLikeTheProtocol(peer.wss);
    const out = net.output();
    const run = new ClientRun(runClient(peer.url, { out }), net);
    const connection = await run.during(peer.nextConnection());
    const sent = await run.during(connection.nextText({ waitingFor: 'the client to send the sentence', hint: 'after "open", send the sentence as a text frame: ws.send(text).' }));
    expectEqual(sent, SENTENCE, 'the sentence the client sends', 'send the `text` option (by default SENTENCE) exactly as it is.');
    const outcome = await run.settle('runClient to finish after the "done" frame', 'finish when {"type":"done","id":1} arrives: the server keeps the connection open, so waiting for it to close hangs forever.');
    if (!outcome.ok) fail({ expected: 'runClient to resolve after a complete translation', actual: `it rejected: ${outcome.error.message}`, hint: 'resolve on the "done" frame of request 1.' });
    const { lines, current } = screen(out.text);
    expectEqual([...lines, ...(current ? [current] : [])], ['Translating:', FINAL_LINE, 'Translation complete!'], 'the lines on the screen',
      'print `Translating:` and a newline, redraw the translation so far with out.write(`\\r${partial}`) for each chunk, then a newline and `Translation complete!` and a newline.');
  });

  check('finishes on the "done" message, without waiting for the server to close', async ({ net }) => {
    const peer = await net.peer();
    translateLikeTheProtocol(peer.wss);
    const run = new ClientRun(runClient(peer.url, { out: net.output(), text: 'Hello world' }), net);
    const connection = await run.during(peer.nextConnection());
    // The test server never closes: only "done" can tell the client the translation is over.
    const outcome = await run.settle('runClient to finish after {"type":"done","id":1}, while the server keeps the connection open',
      'the server does not close after a translation (the connection is for more requests). Resolve on the "done" frame; waiting for "close" is why the Python tutorial\'s client hangs forever.');
    if (!outcome.ok) fail({ expected: 'runClient to resolve', actual: `it rejected: ${outcome.error.message}`, hint: 'resolve on the "done" frame of request 1.' });
    if (connection.ws.readyState === WebSocket.OPEN) {
      fail({ expected: 'runClient to return only after the closing handshake', actual: 'it returned while the connection was still open', hint: 'after the translation, call ws.close(1000) and wait for the "close" event before returning.' });
    }
    const closed = await run.during(connection.waitClosed());
    expectEqual(closed.code, 1000, 'the close code the client sends when it is done', 'close with ws.close(1000): a normal closure, not terminate().');
  });

  check('redraws the line with \\r as each word arrives', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const run = new ClientRun(runClient(peer.url, { out, text: 'this is a test' }), net);
    const connection = await run.during(peer.nextConnection());
    expectEqual(await run.during(connection.nextText({ waitingFor: 'the sentence' })), 'this is a test', 'the sentence the client sends', 'send the `text` option you were given, not always SENTENCE.');
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
        fail({ expected: `the line being drawn to read ${show(partial)} after chunk ${index + 1}`, actual: `the screen shows ${show([...shown.lines, shown.current])} (printed so far: ${show(out.text)})`, hint: 'for each chunk, add the word and redraw the whole line at once: out.write(`\\r${words.join(" ")}`). \\r moves the cursor back to the start of the line; a newline would start a new one.' });
      }
      if (shown.lines.length !== 1) {
        fail({ expected: 'only the `Translating:` line to be finished while the words arrive', actual: `finished lines ${show(shown.lines)}`, hint: 'do not end a line per chunk: redraw the same line with \\r, and print the newline only after "done".' });
      }
    }
    connection.send(JSON.stringify({ type: 'done', id: 1 }));
    const outcome = await run.settle('runClient to finish after "done"', 'resolve on {"type":"done","id":1}.');
    if (!outcome.ok) fail({ expected: 'runClient to resolve', actual: `it rejected: ${outcome.error.message}`, hint: 'resolve on the "done" frame of request 1.' });
    const writes = out.writes.filter((write) => write.text.includes('\r')).length;
    if (writes < words.length) {
      fail({ expected: `at least ${words.length} writes containing \\r, one per word`, actual: `${writes}`, hint: 'redraw once per chunk as it arrives, with out.write(`\\r${partial}`).' });
    }
  });

  check('rejects with a ProtocolError and closes with 1002 when the server breaks the protocol', async ({ net }) => {
    const peer = await net.peer();
    const cases: [string | Buffer, string][] = [
      ['not JSON at all', 'a frame that is not JSON'],
      ['null', 'the JSON null'],
      ['42', 'a JSON number'],
      [Buffer.from(JSON.stringify({ type: 'chunk', id: 1, index: 0, text: '你好' })), 'a chunk sent as a binary frame'],
      [JSON.stringify({ type: 'chunk', index: 0, text: '你好' }), 'a chunk without an id'],
      [JSON.stringify({ type: 'chunk', id: 1, index: 0 }), 'a chunk without text'],
      [JSON.stringify({ type: 'chunk', id: 1, index: 0, text: 5 }), 'a chunk whose text is a number'],
      [JSON.stringify({ type: 'chunk', id: 1, text: '你好' }), 'a chunk without an index'],
      [JSON.stringify({ type: 'error', id: 1, reason: 'empty' }), 'an error frame without a message'],
      [JSON.stringify({ type: 'finished', id: 1 }), 'a frame of an unknown type'],
      ['x'.repeat(5000), 'five thousand bytes of garbage'],
    ];
    for (const [data, what] of cases) {
      const run = new ClientRun(runClient(peer.url, { out: net.output(), text: 'Hello world' }), net);
      const connection = await run.during(peer.nextConnection());
      await run.during(connection.nextText({ waitingFor: 'the sentence' }));
      connection.send(data);
      const outcome = await run.settle(`runClient to reject after ${what}`, 'a frame the protocol does not allow means this server cannot be understood: parseFrame returns undefined for it, and the client rejects with a ProtocolError instead of waiting or guessing.');
      if (outcome.ok) fail({ expected: `runClient to reject after ${what}`, actual: 'it resolved', hint: 'only a "done" frame of request 1 completes a translation.' });
      const { error } = outcome;
      if (error.name !== 'ProtocolError' || error.message.trim() === '' || error.message.length > 300) {
        fail({
          expected: `a ProtocolError with a short message that says what came, after ${what}`,
          actual: `${error.name}: ${show(error.message)} (${error.message.length} characters)`,
          hint: 'keep the given line: if (!frame) return finish(new ProtocolError(`the server sent a frame this client does not understand: ${data.toString().slice(0, 100)}`)). It quotes the start of the frame, never all of it.',
        });
      }
      const closed = await run.during(connection.waitClosed({ waitingFor: `the client to close after ${what}` }));
      expectEqual(closed.code, 1002, `the close code after ${what}`, 'the server broke the protocol: close with 1002 (protocol error), not 1000. runClient\'s catch sets closeCode = 1002 for a ProtocolError.');
    }
  });

  check('ignores frames of another request, and anything after "done"', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const run = new ClientRun(runClient(peer.url, { out, text: 'Hello world' }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: 'the sentence' }));
    // All in one burst: another request's frames mixed in, and a stray chunk after our "done".
    for (const frame of [
      { type: 'chunk', id: 7, index: 0, text: 'stale' },
      { type: 'chunk', id: 1, index: 0, text: '你好' },
      { type: 'done', id: 7 },
      { type: 'chunk', id: 1, index: 1, text: '世界' },
      { type: 'done', id: 1 },
      { type: 'chunk', id: 1, index: 2, text: 'after' },
    ]) connection.send(JSON.stringify(frame));
    const outcome = await run.settle('runClient to finish after {"type":"done","id":1}', 'resolve on the "done" frame of request 1, and only of request 1.');
    if (!outcome.ok) fail({ expected: 'runClient to resolve', actual: `it rejected: ${outcome.error.message}`, hint: 'frames of another request are not errors: skip them (frame.id !== id).' });
    const { lines, current } = screen(out.text);
    expectEqual([...lines, ...(current ? [current] : [])], ['Translating:', '你好 世界', 'Translation complete!'], 'the lines on the screen',
      'show only request 1\'s words (skip a frame whose id is not 1), and stop listening once the translation is over: finish() removes the three listeners, so a frame after "done" draws nothing.');
  });

  check('rejects when the server cancels the translation, and closes normally', async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output() }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: 'the sentence' }));
    connection.send(JSON.stringify({ type: 'chunk', id: 1, index: 0, text: '你好' }));
    connection.send(JSON.stringify({ type: 'cancelled', id: 1 }));
    const outcome = await run.settle('runClient to reject after {"type":"cancelled","id":1}', 'a "cancelled" frame is the final frame of its request: nothing more will come, so reject instead of waiting for "done".');
    if (outcome.ok) fail({ expected: 'runClient to reject: the translation was cancelled', actual: 'it resolved as if complete', hint: 'only "done" means complete: finish(new Error(\'the server cancelled the translation\')) on "cancelled".' });
    if (!/cancel/i.test(outcome.error.message)) fail({ expected: 'an error that says the translation was cancelled', actual: show(outcome.error.message), hint: 'on "cancelled": finish(new Error(\'the server cancelled the translation\')).' });
    const closed = await run.during(connection.waitClosed({ hint: 'close the connection in a finally block, on failure as well as on success.' }));
    expectEqual(closed.code, 1000, 'the close code after a cancelled translation', '"cancelled" is part of the protocol, not a protocol error: close normally with 1000.');
  });

  check('rejects with the socket\'s error when the server sends an invalid frame, without crashing', async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output() }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: 'the sentence' }));
    // A text frame whose bytes are not UTF-8: the client's ws emits "error" (and closes with 1007).
    tcpSocket(connection.ws).write(Buffer.from([0x81, 0x02, 0xff, 0xfe]));
    const outcome = await run.settle('runClient to reject after an invalid frame', 'listen for "error" while you wait for the translation, and reject with it.');
    if (outcome.ok) fail({ expected: 'runClient to reject after an invalid frame', actual: 'it resolved', hint: 'an "error" event means the translation failed: reject with it.' });
    if (!/UTF-8/i.test(outcome.error.message)) {
      fail({ expected: 'the rejection to be the socket\'s own error, which says what was wrong (invalid UTF-8)', actual: show(outcome.error.message), hint: 'in receiveTranslation, ws.on(\'error\', (error) => finish(error)): the error says why; the close that follows only says that the connection ended.' });
    }
  });

  check('rejects, instead of hanging, when the connection ends before "done"', async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output() }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: 'the sentence' }));
    connection.send(JSON.stringify({ type: 'chunk', id: 1, index: 0, text: '你好' }));
    connection.send(JSON.stringify({ type: 'chunk', id: 1, index: 1, text: '世界' }));
    connection.ws.close(1011, 'translator crashed');
    const outcome = await run.settle('runClient to reject once the connection closes without "done"', 'listen for "close" while you wait for "done": a connection that ends first is a failure, and waiting on would hang forever.');
    if (outcome.ok) {
      fail({ expected: 'runClient to reject: the translation never completed', actual: 'it resolved as if all was well', hint: 'only "done" means complete. A close before "done" is an error: reject with it, so the caller knows the translation is cut short.' });
    }
    if (!outcome.error.message.includes('1011')) {
      fail({ expected: 'the error to say how the connection ended (its close code, 1011)', actual: show(outcome.error.message), hint: 'in the "close" listener you get the code: finish(new Error(`the connection closed (code ${code}) before the translation was complete`)).' });
    }
  });

  check('rejects when the server refuses the sentence with an error frame', async ({ net }) => {
    const peer = await net.peer();
    const run = new ClientRun(runClient(peer.url, { out: net.output(), text: '' }), net);
    const connection = await run.during(peer.nextConnection());
    await run.during(connection.nextText({ waitingFor: 'the sentence' }));
    connection.send(JSON.stringify({ type: 'error', id: 1, reason: 'empty', message: 'send an English sentence with at least one word' }));
    const outcome = await run.settle('runClient to reject after an error frame', 'an {"type":"error"} frame is the final frame of its request: reject with its message instead of waiting for "done".');
    if (outcome.ok) {
      fail({ expected: 'runClient to reject after {"type":"error"}', actual: 'it resolved', hint: 'an error frame means there is no translation: reject with its message.' });
    }
    if (!outcome.error.message.includes('send an English sentence with at least one word')) {
      fail({ expected: 'the error to carry the server\'s message, "send an English sentence with at least one word"', actual: show(outcome.error.message), hint: 'reject with the frame\'s own words: new Error(`the server refused the sentence: ${frame.message}`).' });
    }
    const closed = await run.during(connection.waitClosed({ hint: 'close the connection in a finally block, on failure as well as on success.' }));
    expectEqual(closed.code, 1000, 'the close code after a refused sentence', 'the server answered correctly, so close normally with 1000.');
  });
});

// Last in the file: the flood leaves the process busy for a moment (its garbage), and no check
// that follows should pay for it.
describe('the translation server, under abuse', () => {
  check('a client that sends and never reads cannot make the server queue replies without limit', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10 });
    const flooder = await net.connect(server.url, { label: 'a client that never reads' });
    const steady = await net.connect(server.url, { label: 'a client that reads' });
    const queueFor = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: 'the server to accept the connection', actual: 'no connection', hint: 'createServer must accept connections.' }));
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
        expected: 'the server to read the requests or to stop reading', actual: `it had read ${requests} of ${count} requests`, hint: 'keep limitSendBuffer(socket) as the first line of the connection handler.',
      }));
    }
    sample();
    const limit = 32 * 1024 * 1024;
    if (!queueFor.isPaused && queueFor.readyState !== WebSocket.CLOSED) {
      fail({
        expected: 'the server to stop reading from a client that never reads its replies',
        actual: `it read all ${count} requests and had ${(peak / 1048576).toFixed(1)} MB of error frames waiting to be sent to that client`,
        hint: 'every " " earns an error frame, and for a client that never reads they pile up in memory. Keep limitSendBuffer(socket) (from lib/send-buffer.ts) as the first line of the connection handler: past 1 MiB queued it pauses reading from that client (lesson 02 explains the idea).',
      });
    }
    if (peak > limit) {
      fail({ expected: `what the server queues for that client to stay under ${limit / 1048576} MB`, actual: `${(peak / 1048576).toFixed(1)} MB`, hint: 'call limitSendBuffer(socket) at once in the connection handler, before any message can arrive.' });
    }
    steady.send('Hello world');
    expectTranslation(await untilFinal(steady, 1, 'request 1'), 1, ['你好', '世界'], 'a sentence from another client while one never reads');
  }, 120_000);
});
