// Self-checks for lesson 02. Run: npm run check lesson-02
// Each check starts your code for real, on 127.0.0.1 with a free port.
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, fail, show, tcpSocket, WAIT_MS, type Endpoint, type Harness, type Outcome, type Peer } from '../../checks/harness.ts';
import { messages, type Message, type MessageIterator } from './messages.ts';
import { createServer, MAX_MESSAGE_BYTES } from './server.ts';
import { MESSAGES, runClient } from './client.ts';

/**
 * A client socket with messages() created on the very next line, before any event can fire:
 * the fair place for it. The check's own counter tells when messages have really arrived.
 */
function clientWithMessages(net: Harness, url: string, options?: Parameters<typeof messages>[1]): { ws: WebSocket; incoming: MessageIterator; arrived: () => number } {
  const ws = new WebSocket(url);
  onTestFinished(() => ws.terminate());
  let count = 0;
  const incoming = messages(ws, options);
  ws.on('message', () => { count += 1; net.wakeAll(); });
  // The check's own listener, so a failing socket never crashes the run: your iterator must still
  // report the error through next().
  ws.on('error', () => net.wakeAll());
  return { ws, incoming, arrived: () => count };
}

/** next(), bounded: fails with a clear message if it never settles. */
async function nextOf(net: Harness, incoming: MessageIterator, waitingFor: string, hint: string, within = WAIT_MS): Promise<Outcome<IteratorResult<Message, undefined>>> {
  return net.settle(incoming.next(), within, () => ({ expected: `next() to give ${waitingFor} within ${within} ms`, actual: 'next() was still waiting', hint }));
}

async function nextValue(net: Harness, incoming: MessageIterator, waitingFor: string, hint: string, within?: number): Promise<Message> {
  const outcome = await nextOf(net, incoming, waitingFor, hint, within);
  if (outcome.kind === 'error') fail({ expected: `next() to give ${waitingFor}`, actual: `it rejected: ${String(outcome.error)}`, hint });
  if (outcome.value.done) fail({ expected: `next() to give ${waitingFor}`, actual: 'it said done (end of the messages)', hint });
  return outcome.value.value;
}

async function expectDone(net: Harness, incoming: MessageIterator, when: string, hint: string): Promise<void> {
  const outcome = await nextOf(net, incoming, `{ done: true } ${when}`, hint);
  if (outcome.kind === 'error') fail({ expected: `next() to resolve with { done: true } ${when}`, actual: `it rejected: ${String(outcome.error)}`, hint });
  if (!outcome.value.done) fail({ expected: `next() to resolve with { done: true } ${when}`, actual: `another message: ${show(outcome.value.value)}`, hint });
}

/** Writes bytes straight onto a socket's TCP connection, bypassing ws's framing. */
function writeRaw(ws: WebSocket, bytes: number[]): void {
  tcpSocket(ws).write(Buffer.from(bytes));
}
// A text frame (0x81) of 2 bytes that are not UTF-8. Unmasked: fine from a server, a protocol
// error from a client (clients must mask), so either way the receiving ws emits 'error'.
const INVALID_FRAME = [0x81, 0x02, 0xff, 0xfe];

const HINT_LISTEN_AT_ONCE = 'attach the "message" listener inside messages() itself, before it returns, not in next(): an event that fires while nobody listens is gone for good.';
const HINT_CLOSE = 'listen for "close" in messages(): settle every waiting next() with { value: undefined, done: true }, and answer later calls the same way once the queue is empty.';
const HINT_ERROR = 'listen for "error" in messages(): reject the waiting next() with that error (or keep it for the next call), and say done after that.';
const HINT_WAITERS = 'keep every waiting caller in a list (a queue of { resolve, reject }): each message settles the oldest one, and "close" settles them all. One variable remembers only the last caller, and the others wait for ever.';

describe('messages(socket): the Python tutorial\'s recv() and async for', () => {
  check('yields each text message as a string, in order', async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    const texts = ['one', '二', 'three 🚀', ''];
    for (const text of texts) server.send(text);
    for (const text of texts) {
      const value = await nextValue(net, incoming, show(text), 'push each message into a queue in the "message" listener, and let next() take the oldest first. Text frames become strings: data.toString().');
      expectEqual(value, text, 'the next message', 'decode a text frame with data.toString() and keep the order they arrived in.');
    }
  });

  check('yields a binary message as a Buffer', async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    server.send(Buffer.from([0, 1, 2, 255]));
    const value = await nextValue(net, incoming, 'the binary message', 'binary frames are messages too: queue them like text.');
    if (!Buffer.isBuffer(value) || !value.equals(Buffer.from([0, 1, 2, 255]))) {
      fail({ expected: 'a Buffer holding the bytes 00 01 02 ff', actual: show(value), hint: 'when isBinary is true, keep the data as a Buffer (Buffer.concat if ws gives an array): those bytes are not text.' });
    }
  });

  check('keeps a burst that arrives before anyone calls next()', async ({ net }) => {
    const peer = await net.peer();
    const burst = Array.from({ length: 50 }, (_, i) => `burst ${i + 1}`);
    // The peer sends everything the moment the connection opens.
    peer.wss.on('connection', (socket) => { for (const text of burst) socket.send(text); });
    const { incoming, arrived } = clientWithMessages(net, peer.url);
    await net.waitUntil(() => arrived() === burst.length, WAIT_MS, () => ({
      expected: `the ${burst.length} messages to reach the client socket`, actual: `${arrived()} arrived`, hint: 'the test server sent them; is something pausing the socket for good?',
    }));
    // Only now, with all 50 already delivered to the socket, does anyone ask for them.
    for (const [i, text] of burst.entries()) {
      const value = await nextValue(net, incoming, `${show(text)}, which arrived before next() was called`, HINT_LISTEN_AT_ONCE, i === 0 ? 1000 : WAIT_MS);
      expectEqual(value, text, `message ${i + 1} of the burst`, 'keep every message in the queue, oldest first, until next() takes it.');
    }
  });

  check('ends the iteration when the connection closes, after the queued messages', async ({ net }) => {
    const peer = await net.peer();
    const { ws, incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    server.send('a');
    server.send('b');
    await server.close(1000);
    await net.waitUntil(() => ws.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: 'the client socket to close', actual: `readyState ${ws.readyState}`, hint: 'the test server closed the connection.' }));
    const seen: Message[] = [];
    const loop = (async () => { for await (const message of incoming) seen.push(message); })();
    const outcome = await net.settle(loop, WAIT_MS, () => ({
      expected: 'the for await loop to end once the connection closed', actual: `it received ${show(seen)} and then kept waiting`, hint: HINT_CLOSE,
    }));
    if (outcome.kind === 'error') fail({ expected: 'the loop to end quietly on a normal close (code 1000)', actual: `it threw ${String(outcome.error)}`, hint: 'a close is the end of the messages, not an error: resolve with { done: true }.' });
    expectEqual(seen, ['a', 'b'], 'the messages the loop saw', 'deliver everything queued before the close, then end.');
    await expectDone(net, incoming, 'on every call after the end', 'remember that the connection ended: a later next() must not wait for ever.');
  });

  check('settles a waiting next() with done when the connection closes', async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    const waiting = incoming.next();
    await server.close(1000);
    const outcome = await net.settle(waiting, WAIT_MS, () => ({ expected: 'the waiting next() to resolve with { done: true } when the connection closed', actual: 'it was still waiting', hint: HINT_CLOSE }));
    if (outcome.kind === 'error') fail({ expected: 'the waiting next() to resolve with { done: true } on a normal close', actual: `it rejected: ${String(outcome.error)}`, hint: 'a close is the end of the messages, not an error.' });
    if (!outcome.value.done) fail({ expected: 'the waiting next() to resolve with { done: true }', actual: show(outcome.value), hint: HINT_CLOSE });
  });

  check('rejects the waiting next() when the connection fails', async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    const waiting = incoming.next();
    writeRaw(server.ws, INVALID_FRAME); // a text frame that is not UTF-8: the client's ws emits 'error'
    const outcome = await net.settle(waiting, WAIT_MS, () => ({ expected: 'the waiting next() to reject when the socket emitted "error"', actual: 'it was still waiting', hint: HINT_ERROR }));
    if (outcome.kind === 'value') {
      fail({ expected: 'the waiting next() to reject with the socket\'s error (an invalid frame arrived)', actual: `it resolved with ${show(outcome.value)}`, hint: HINT_ERROR });
    }
    if (!(outcome.error instanceof Error)) fail({ expected: 'next() to reject with the Error ws emitted', actual: show(outcome.error), hint: 'pass the error from the "error" event on to reject().' });
    await expectDone(net, incoming, 'after the error was reported', 'report the error once; after that the messages are over.');
  });

  check('reports an error that happened while nobody waited, after the queued messages', async ({ net }) => {
    const peer = await net.peer();
    const { ws, incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    server.send('before the failure');
    writeRaw(server.ws, INVALID_FRAME);
    await net.waitUntil(() => ws.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: 'the client socket to close after the invalid frame', actual: `readyState ${ws.readyState}`, hint: 'ws closes a connection that sent an invalid frame (code 1007).' }));
    const first = await nextValue(net, incoming, '"before the failure", which arrived before the error', 'messages queued before the error are still delivered, first.');
    expectEqual(first, 'before the failure', 'the queued message', 'deliver the queue first.');
    const outcome = await nextOf(net, incoming, 'the stored error', HINT_ERROR);
    if (outcome.kind === 'value') fail({ expected: 'the next call to reject with the error that happened while nobody waited', actual: `it resolved with ${show(outcome.value)}`, hint: HINT_ERROR });
    await expectDone(net, incoming, 'after the error was reported', 'report the error once; after that the messages are over.');
  });

  check('stops reading from the network while too many messages wait, and reads on when they are taken', async ({ net }) => {
    const peer = await net.peer();
    const total = 500;
    peer.wss.on('connection', (socket) => { for (let i = 1; i <= total; i += 1) socket.send(`m${i}`); });
    const { ws, incoming } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    await net.waitUntil(() => ws.isPaused, WAIT_MS, () => ({
      expected: 'socket.isPaused to become true with 8 (the highWaterMark) or more messages waiting unread', actual: 'the socket was never paused', hint: 'when the queue reaches highWaterMark, call socket.pause(): otherwise a fast sender fills your memory.',
    }));
    for (let i = 1; i <= total; i += 1) {
      const value = await nextValue(net, incoming, `"m${i}"`, 'once the queue is down to half the highWaterMark, call socket.resume() so the rest can arrive.');
      if (value !== `m${i}`) expectEqual(value, `m${i}`, `message ${i}`, 'keep the order while pausing and resuming.');
    }
    if (ws.isPaused) fail({ expected: 'the socket to be reading again once the queue was empty', actual: 'socket.isPaused is still true', hint: 'call socket.resume() when the queue drains.' });
  });

  check('a break out of for await removes its listeners', async ({ net }) => {
    const peer = await net.peer();
    const ws = new WebSocket(peer.url);
    onTestFinished(() => ws.terminate());
    ws.on('error', () => net.wakeAll());
    const before = { message: ws.listenerCount('message'), close: ws.listenerCount('close'), error: ws.listenerCount('error') };
    const incoming = messages(ws);
    const server = await peer.nextConnection();
    server.send('first');
    server.send('second');
    const loop = (async () => { for await (const message of incoming) { void message; break; } })();
    await net.settle(loop, WAIT_MS, () => ({ expected: 'the loop to get "first" and break', actual: 'it was still waiting', hint: 'next() must give queued messages.' }));
    const after = { message: ws.listenerCount('message'), close: ws.listenerCount('close'), error: ws.listenerCount('error') };
    expectEqual(after, before, 'the listener counts on the socket after the break', 'return() is what `break` calls: remove the listeners you added (socket.off with the same functions), or every loop leaks three listeners.');
    await expectDone(net, incoming, 'after a break', 'after return(), every next() says done.');
  });

  check('a break hands back a socket it had paused, reading again', async ({ net }) => {
    const peer = await net.peer();
    const total = 400;
    // 3 MB in all: many network reads, so a paused socket really holds most of it back.
    const filler = 'x'.repeat(8 * 1024);
    peer.wss.on('connection', (socket) => { for (let i = 1; i <= total; i += 1) socket.send(`m${i} ${filler}`); });
    const { ws, incoming, arrived } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    await net.waitUntil(() => ws.isPaused, WAIT_MS, () => ({
      expected: 'socket.isPaused to become true with 8 (the highWaterMark) messages waiting unread', actual: 'the socket was never paused', hint: 'when the queue reaches highWaterMark, call socket.pause().',
    }));
    const loop = (async () => { for await (const message of incoming) { void message; break; } })();
    await net.settle(loop, WAIT_MS, () => ({ expected: 'the loop to get the first message and break', actual: 'it was still waiting', hint: 'next() must give queued messages.' }));
    const atBreak = arrived();
    // After the break the socket is the caller's: its own listener (the check's) must get the rest.
    await net.waitUntil(() => arrived() === total, WAIT_MS, () => ({
      expected: `the socket to deliver all ${total} messages to its other listener once the loop broke out`,
      actual: `${arrived()} arrived (${atBreak} before the break), and socket.isPaused is ${ws.isPaused}`,
      hint: 'return() (what `break` calls) must call socket.resume() if messages() paused the socket: a socket left paused never delivers another message, to anyone.',
    }));
  });

  check('pauses when exactly highWaterMark messages wait, and resumes once half of them are taken', async ({ net }) => {
    const peer = await net.peer();
    const { ws, incoming, arrived } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    const server = await peer.nextConnection();
    const filler = 'x'.repeat(1024);
    let sent = 0;
    const sendUpTo = async (count: number): Promise<void> => {
      while (sent < count) { sent += 1; server.send(`m${sent} ${filler}`); }
      await net.waitUntil(() => arrived() === count, WAIT_MS, () => ({
        expected: `${count} messages to reach the client socket`, actual: `${arrived()} arrived; socket.isPaused is ${ws.isPaused}`, hint: 'pause only once highWaterMark messages wait unread, not before.',
      }));
    };
    await sendUpTo(7);
    if (ws.isPaused) {
      fail({ expected: 'the socket to keep reading with 7 messages waiting (highWaterMark is 8)', actual: 'socket.isPaused is true', hint: 'pause when queue.length reaches highWaterMark (>=), not earlier: below the mark the queue is doing its job.' });
    }
    await sendUpTo(8);
    if (!ws.isPaused) {
      fail({ expected: 'the socket to be paused as soon as 8 messages (the highWaterMark) wait unread', actual: 'socket.isPaused is false', hint: 'in the "message" listener, after queueing: if (queue.length >= highWaterMark) socket.pause().' });
    }
    // Sent while reading is paused: they stay in the network until it resumes.
    while (sent < 12) { sent += 1; server.send(`m${sent} ${filler}`); }
    for (let taken = 1; taken <= 4; taken += 1) {
      const result = await incoming.next(); // queued: settles at once
      expectEqual(result.value, `m${taken} ${filler}`, `queued message ${taken}`, 'next() takes the oldest queued message.');
      const waiting = 8 - taken;
      if (ws.isPaused !== waiting > 4) {
        fail({
          expected: `the socket ${waiting > 4 ? 'still paused' : 'reading again'} with ${waiting} messages waiting (highWaterMark 8: resume at half of it, 4)`,
          actual: `socket.isPaused is ${ws.isPaused}`,
          hint: 'in next(), after taking a message: if you paused the socket and queue.length <= highWaterMark / 2, socket.resume(). Resuming earlier pauses and resumes on every message; later keeps the reader waiting.',
        });
      }
    }
    for (let i = 5; i <= 12; i += 1) {
      const value = await nextValue(net, incoming, `"m${i} …"`, 'once reading resumes, the messages held back in the network arrive: keep taking them in order.');
      expectEqual(value, `m${i} ${filler}`, `message ${i}`, 'keep the order while pausing and resuming.');
    }
  });

  check('leaves alone a pause that is not its own', async ({ net }) => {
    // Other code may pause the socket too (lesson 05's limitSendBuffer does, for a client that
    // does not read its replies): messages() may resume only a pause it made itself.
    const peer = await net.peer();
    const { ws, incoming, arrived } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    const server = await peer.nextConnection();
    let sent = 0;
    const sendUpTo = async (count: number): Promise<void> => {
      while (sent < count) { sent += 1; server.send(`m${sent}`); }
      await net.waitUntil(() => arrived() === count, WAIT_MS, () => ({ expected: `${count} messages to reach the client socket`, actual: `${arrived()} arrived`, hint: 'take messages from the queue in next(); resume a socket you paused once half of the mark is left.' }));
    };
    const take = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i += 1) await nextValue(net, incoming, 'a queued message', 'next() takes the oldest queued message.');
    };
    const expectStillPaused = (when: string): void => {
      if (!ws.isPaused) {
        fail({
          expected: `the socket to stay paused ${when}: the program paused it, not messages()`,
          actual: 'messages() resumed it',
          hint: 'resume only a pause of your own: set a flag (pausedByUs = true) when you call socket.pause(), resume in next() or return() only while it is set, and clear it when you resume.',
        });
      }
    };
    await sendUpTo(2);
    ws.pause();
    await take(1);
    expectStillPaused('after next() took a message');
    ws.resume();
    await take(1);
    // A pause of its own (8 waiting), resumed at half, then drained.
    await sendUpTo(10);
    await take(8);
    await sendUpTo(12);
    ws.pause();
    await take(1);
    expectStillPaused('after next() took a message, once its own pause was over');
    for await (const message of incoming) { void message; break; }
    expectStillPaused('after a break');
    ws.resume();
  });

  check('accepts highWaterMark 1 and refuses one that is not a whole number of at least 1', async ({ net }) => {
    const peer = await net.peer();
    // 1 is the smallest sensible mark: every unread message pauses reading.
    const { incoming } = clientWithMessages(net, peer.url, { highWaterMark: 1 });
    const server = await peer.nextConnection();
    for (const text of ['a', 'b', 'c']) server.send(text);
    for (const text of ['a', 'b', 'c']) {
      expectEqual(await nextValue(net, incoming, show(text), 'with highWaterMark 1, pause at one waiting message and resume when none is left.'), text, 'the next message', 'keep the order while pausing and resuming.');
    }
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      const ws = new WebSocket(peer.url);
      onTestFinished(() => ws.terminate());
      ws.on('error', () => net.wakeAll());
      let threw: unknown;
      try {
        messages(ws, { highWaterMark: bad });
      } catch (error) {
        threw = error;
      }
      if (!(threw instanceof RangeError) || !threw.message.includes('highWaterMark')) {
        fail({
          expected: `messages(socket, { highWaterMark: ${bad} }) to throw a RangeError that names highWaterMark, at once`,
          actual: threw === undefined ? 'it returned an iterator' : `it threw ${String(threw)}`,
          hint: 'keep the check at the top of messages(): a mark that is not a whole number of at least 1 would never pause (NaN) or pause at once (0), so it is refused.',
        });
      }
    }
  });

  check('ends at once when created for a socket that has already closed', async ({ net }) => {
    const peer = await net.peer();
    const ws = new WebSocket(peer.url);
    onTestFinished(() => ws.terminate());
    ws.on('error', () => net.wakeAll());
    const server = await peer.nextConnection();
    await server.close(1000);
    await net.waitUntil(() => ws.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: 'the client socket to close', actual: `readyState ${ws.readyState}`, hint: 'the test server closed the connection.' }));
    const incoming = messages(ws);
    await expectDone(net, incoming, 'for a socket that had closed before messages() was called', 'a closed socket never emits "close" again: if socket.readyState is WebSocket.CLOSED when messages() is called, start out ended, so next() says done at once.');
  });

  check('turns binary data into a Buffer whatever the socket\'s binaryType', async ({ net }) => {
    const peer = await net.peer();
    for (const binaryType of ['arraybuffer', 'fragments'] as const) {
      const { ws, incoming } = clientWithMessages(net, peer.url);
      ws.binaryType = binaryType;
      const server = await peer.nextConnection();
      server.send(Buffer.from([0, 1, 2, 255]));
      server.send('and text');
      const value = await nextValue(net, incoming, `the binary message (binaryType "${binaryType}")`, 'binary frames are messages too: queue them like text.');
      if (!Buffer.isBuffer(value) || !value.equals(Buffer.from([0, 1, 2, 255]))) {
        fail({
          expected: `a Buffer holding the bytes 00 01 02 ff when socket.binaryType is "${binaryType}"`,
          actual: show(value),
          hint: 'ws hands binary data over in the form binaryType names: a Buffer ("nodebuffer", the default), an ArrayBuffer ("arraybuffer") or an array of Buffers ("fragments"). Make each one Buffer: Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data).',
        });
      }
      expectEqual(await nextValue(net, incoming, '"and text"', 'text frames become strings.'), 'and text', `the text message (binaryType "${binaryType}")`, 'a text frame is a string whatever the binaryType: data.toString().');
    }
  });

  check('several next() calls waiting at once each get their own message, oldest first', async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    // Four callers before anything arrived, as Promise.all([incoming.next(), incoming.next(), …]) makes.
    const results: (Outcome<IteratorResult<Message, undefined>> | undefined)[] = [];
    for (let i = 0; i < 4; i += 1) {
      results.push(undefined);
      incoming.next().then(
        (value) => { results[i] = { kind: 'value', value }; net.wakeAll(); },
        (error: unknown) => { results[i] = { kind: 'error', error }; net.wakeAll(); },
      );
    }
    server.send('one');
    server.send('two');
    server.send('three');
    await server.close(1000);
    const expected = ['"one"', '"two"', '"three"', '{ done: true }'];
    const got = (): string[] => results.map((result) => {
      if (result === undefined) return 'still waiting';
      if (result.kind === 'error') return `rejected (${String(result.error)})`;
      return result.value.done ? '{ done: true }' : show(result.value.value);
    });
    await net.waitUntil(() => results.every((result) => result !== undefined), WAIT_MS, () => ({
      expected: `the four next() calls made before anything arrived to settle with ${expected.join(', ')}`,
      actual: got().map((text, i) => `call ${i + 1}: ${text}`).join(', '),
      hint: HINT_WAITERS,
    }));
    expectEqual(got(), expected, 'what the four waiting next() calls got, in the order they were made', 'settle waiting callers oldest first: the first caller gets the first message (take from the front of the list: shift(), not pop()).');
  });
});

/**
 * A server check that explains a crash: an error that escaped the server's async connection
 * handler (an unhandled rejection) ends a real Node server, and its stack holds no line of the
 * learner's code (ws raised it), so say where it escaped instead.
 */
function serverCheck(name: string, body: (context: { net: Harness }) => Promise<void>, timeout?: number): void {
  check(name, async ({ net }) => {
    let escaped: unknown;
    const record = (reason: unknown): void => { escaped ??= reason; };
    process.on('unhandledRejection', record);
    try {
      await body({ net });
    } catch (error) {
      if (escaped === undefined || (escaped instanceof Error && escaped.name === 'TodoError')) throw error;
      fail({
        expected: 'the server to go on serving when one client\'s connection fails',
        actual: `a promise in server.ts rejected with ${escaped instanceof Error ? `${escaped.name}: ${escaped.message}` : show(escaped)} and nothing caught it; a real Node server stops there, for every client`,
        hint: 'converse() is async, so what its for await loop throws (the socket\'s error, raised inside ws) rejects its promise: wrap the loop in try { … } catch (error) { log(`Connection error: ${(error as Error).message}`) } finally { log(\'Client disconnected\') }.',
      });
    } finally {
      process.off('unhandledRejection', record);
    }
  }, timeout);
}

/** Control characters, as lib/printable.ts escapes them: in a log line they forge lines or drive the terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe('the conversation server', () => {
  serverCheck('listens on 127.0.0.1 unless told otherwise', async ({ net }) => {
    // The checks pass their own host everywhere else; here createServer gets only a free port.
    const wss = createServer({ port: 0, log: () => undefined });
    onTestFinished(() => new Promise<void>((resolve) => { wss.close(() => resolve()); }));
    await net.waitUntil(() => wss.address() !== null, WAIT_MS, () => ({ expected: 'the server to start listening', actual: 'no address', hint: 'create the WebSocketServer with { host, port }.' }));
    const address = wss.address();
    const host = typeof address === 'object' && address !== null ? address.address : String(address);
    expectEqual(host, '127.0.0.1', 'the address the server listens on by default', 'keep host = \'127.0.0.1\' as the default: a lesson server must not be reachable from other machines unless someone asks for it (--host).');
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const client = await net.connect(`ws://127.0.0.1:${port}`);
    client.send('hi');
    expectEqual(await client.nextText(), 'Server reply: hi', 'the reply from a server started with only a port', 'reply `Server reply: ${message}` to each message.');
  });

  serverCheck('answers "Message 1" with "Server reply: Message 1"', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('Message 1');
    const reply = await client.nextText({ waitingFor: 'the reply "Server reply: Message 1"', hint: 'in converse(), loop with for await over messages(socket) and socket.send(`Server reply: ${message}`).' });
    expectEqual(reply, 'Server reply: Message 1', 'the reply', 'the reply is "Server reply: " followed by exactly what the client sent.');
    if (!server.logs.includes('Client said: Message 1')) {
      fail({ expected: 'the server to log "Client said: Message 1"', actual: `it logged ${show(server.logs)}`, hint: 'call log(`Client said: ${message}`) for each message (the log option, not console.log).' });
    }
  });

  serverCheck('answers many messages on one connection, in order', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sent = Array.from({ length: 100 }, (_, i) => `Message ${i + 1}`);
    for (const text of sent) client.send(text);
    const replies = await client.texts(sent.length, { hint: 'keep looping: one connection carries the whole conversation.' });
    replies.forEach((reply, i) => expectEqual(reply, `Server reply: ${sent[i]}`, `reply ${i + 1}`, 'reply to each message in the order it arrived.'));
  });

  serverCheck('logs "Client connected" and "Client disconnected" when a client comes and leaves', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    await net.waitUntil(() => server.logs.includes('Client connected'), WAIT_MS, () => ({
      expected: 'the server to log "Client connected" for a new connection', actual: `it logged ${show(server.logs)}`, hint: 'log("Client connected") at the start of converse().',
    }));
    client.send('bye soon');
    await client.nextText();
    await client.close(1000);
    await net.waitUntil(() => server.logs.includes('Client disconnected'), WAIT_MS, () => ({
      expected: 'the server to log "Client disconnected" after the client closed', actual: `it logged ${show(server.logs)}`, hint: 'the for await loop ends when the connection closes; log "Client disconnected" in a finally block after it.',
    }));
  });

  serverCheck('keeps serving others after a client vanishes mid-conversation', async ({ net }) => {
    const server = await net.serve(createServer);
    const steady = await net.connect(server.url, { label: 'a client that stays' });
    const broken = await net.connect(server.url, { label: 'a client that sends garbage' });
    const dropped = await net.connect(server.url, { label: 'a client that drops off' });
    broken.send('hello');
    expectEqual(await broken.nextText(), 'Server reply: hello', 'the reply before the garbage', 'reply to each message.');
    // An unmasked frame from a client breaks the protocol: the server's socket emits 'error'
    // (and ws closes the connection with 1002).
    writeRaw(broken.ws, INVALID_FRAME);
    await broken.waitClosed({ waitingFor: 'the server to close the connection that sent a malformed frame' });
    // And one that leaves without a goodbye, with a message still unanswered.
    dropped.send('are you there?');
    dropped.terminate();
    await net.waitUntil(() => server.connections[2]?.readyState === WebSocket.CLOSED, WAIT_MS, () => ({
      expected: 'the server side of the dropped connection to close', actual: `its readyState is ${server.connections[2]?.readyState}`, hint: 'the server must notice a client that vanished.',
    }));
    if (!server.logs.some((line) => line.startsWith('Connection error: '))) {
      fail({ expected: 'the server to log "Connection error: <message>" for the client that sent a malformed frame', actual: `it logged ${show(server.logs)}`, hint: 'in catch, log `Connection error: ${(error as Error).message}`: a failure nobody logs cannot be looked into.' });
    }
    steady.send('still there?');
    expectEqual(await steady.nextText({ hint: 'one broken client must not stop the others: wrap the loop in try/catch/finally.' }), 'Server reply: still there?', 'the reply to the client that stayed', 'one broken client must not stop the others: wrap the loop in try/catch/finally.');
    const newcomer = await net.connect(server.url, { label: 'a new client' });
    newcomer.send('hi');
    expectEqual(await newcomer.nextText(), 'Server reply: hi', 'the reply to a new client', 'the server must keep accepting connections.');
  });

  serverCheck('a client that closes with messages still unanswered is a normal goodbye, not an error', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    for (let i = 1; i <= 20; i += 1) client.send(`last words ${i}`);
    await client.close(1000);
    await net.waitUntil(() => server.logs.includes('Client disconnected'), WAIT_MS, () => ({
      expected: 'the server to log "Client disconnected"', actual: `it logged ${show(server.logs)}`, hint: 'the loop ends when the connection closes; log "Client disconnected" in finally.',
    }));
    const errors = server.logs.filter((line) => line.startsWith('Connection error'));
    if (errors.length > 0) {
      fail({
        expected: 'no "Connection error" for a client that closed normally (code 1000)',
        actual: `it logged ${show(errors[0])}`,
        hint: 'once the client has sent its close frame the socket is closing, and a reply can no longer be sent: in the loop, if (socket.readyState !== WebSocket.OPEN) break; before replying.',
      });
    }
  });

  serverCheck('closes with 1009 a message over MAX_MESSAGE_BYTES, and answers one of exactly that size', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('x'.repeat(MAX_MESSAGE_BYTES));
    const reply = await client.nextText({ waitingFor: `the reply to a message of exactly MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) bytes`, hint: 'maxPayload is the largest size allowed (inclusive): new WebSocketServer({ …, maxPayload: MAX_MESSAGE_BYTES }).' });
    expectEqual(reply.length, 'Server reply: '.length + MAX_MESSAGE_BYTES, 'the length of the reply to the largest allowed message', 'reply "Server reply: " followed by the whole message.');
    client.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const closed = await client.waitClosed({ waitingFor: `the server to close a connection that sent ${MAX_MESSAGE_BYTES + 1} bytes, one over MAX_MESSAGE_BYTES`, hint: 'pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...): ws then refuses a bigger message before it is in memory.' });
    expectEqual(closed.code, 1009, 'the close code for a message over maxPayload', 'set maxPayload on the WebSocketServer: ws then closes with 1009 (message too big).');
  });

  serverCheck('answers a binary message with a binary reply', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(Buffer.from([0, 1, 2, 255]));
    const reply = await client.next({ waitingFor: 'the reply to a binary message', hint: 'answer a Buffer with a Buffer: Buffer.concat([Buffer.from(\'Server reply: \'), message]), sent as binary.' });
    const expected = Buffer.concat([Buffer.from('Server reply: '), Buffer.from([0, 1, 2, 255])]);
    if (!reply.isBinary || !Buffer.isBuffer(reply.data) || !reply.data.equals(expected)) {
      fail({ expected: `a binary reply: the bytes of "Server reply: " then 00 01 02 ff (${expected.length} bytes)`, actual: reply.isBinary ? show(reply.data) : `a text message ${show(reply.data)}`, hint: 'binary in, binary out (TODO 3): Buffer.concat([Buffer.from(\'Server reply: \'), message]), and send it with { binary: true }; never turn bytes into text.' });
    }
    await net.waitUntil(() => server.logs.includes('Client sent 4 bytes'), WAIT_MS, () => ({ expected: 'the server to log "Client sent 4 bytes"', actual: `it logged ${show(server.logs)}`, hint: 'log the size of a binary message, `Client sent ${message.length} bytes`, not its bytes.' }));
  });

  serverCheck('answers a ping with a pong carrying the same data', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    let pong: Buffer | undefined;
    client.ws.on('pong', (data: Buffer) => { pong = data; net.wakeAll(); });
    client.ws.ping('are you there?');
    const got = await net.waitUntil(() => pong, WAIT_MS, () => ({
      expected: 'a pong in answer to the ping', actual: 'no pong arrived', hint: 'with autoPong: false the server must answer pings itself: socket.on(\'ping\', (data) => …) calls socket.pong(data) while socket.bufferedAmount is below the limit.',
    }));
    expectEqual(got.toString(), 'are you there?', 'the data the pong carried', 'answer with the ping\'s own data: socket.pong(data).');
  });

  serverCheck('still answers the ping of a client that reads slowly, with a little waiting for it', async ({ net }) => {
    const server = await net.serve(createServer);
    const slow = await net.connect(server.url, { label: 'a client that reads slowly' });
    const queueFor = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: 'the server to accept the connection', actual: 'no connection', hint: 'createServer must accept connections.' }));
    let requests = 0;
    let pings = 0;
    queueFor.on('message', () => { requests += 1; net.wakeAll(); });
    queueFor.on('ping', () => { pings += 1; net.wakeAll(); });
    tcpSocket(slow.ws).pause();
    // One 16 KB request at a time, until a reply no longer fits in the network's buffers and
    // starts to wait in the server (bufferedAmount > 0): the loop then waits on that send.
    const request = 'x'.repeat(16 * 1024);
    for (let i = 1; i <= 2000 && queueFor.bufferedAmount === 0; i += 1) {
      slow.send(request);
      await net.waitUntil(() => requests >= i, 10_000, () => ({ expected: `the server to read request ${i}`, actual: `it read ${requests}`, hint: 'reply to each message.' }));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (queueFor.bufferedAmount === 0) throw new Error('check: the network took 32 MB without the server queueing anything');
    slow.ws.ping('still there?');
    await net.waitUntil(() => pings === 1, WAIT_MS, () => ({ expected: 'the server to read the ping', actual: 'it did not', hint: 'keep reading from a client while only a little is queued for it.' }));
    let pong: Buffer | undefined;
    slow.ws.on('pong', (data: Buffer) => { pong = data; net.wakeAll(); });
    tcpSocket(slow.ws).resume(); // it catches up: the replies, then the pong
    const got = await net.waitUntil(() => pong, WAIT_MS * 3, () => ({
      expected: `a pong once the client read what was waiting (${megabytes(queueFor.bufferedAmount)} queued when it pinged)`,
      actual: 'no pong arrived',
      hint: 'answer a ping while socket.bufferedAmount is below MAX_QUEUED_BYTES (64 KB): a client a little behind is not an abuser, and a heartbeat that goes unanswered gets healthy clients dropped.',
    }));
    expectEqual(got.toString(), 'still there?', 'the data the pong carried', 'answer with the ping\'s own data: socket.pong(data).');
  }, 60_000);

  serverCheck('a client that floods pings and messages and never reads cannot make the server queue without limit', async ({ net }) => {
    const server = await net.serve(createServer);
    const flooder = await net.connect(server.url, { label: 'a client that never reads' });
    const steady = await net.connect(server.url, { label: 'a client that reads' });
    const queueFor = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: 'the server to accept the connection', actual: 'no connection', hint: 'createServer must accept connections.' }));
    tcpSocket(flooder.ws).pause(); // it stops reading: whatever the server sends it stays queued
    const limit = 1024 * 1024;
    let peak = 0;
    let pings = 0;
    let requests = 0;
    const sample = (): void => { peak = Math.max(peak, queueFor.bufferedAmount); };
    const sampler = setInterval(sample, 5);
    onTestFinished(() => clearInterval(sampler));
    queueFor.on('ping', () => { pings += 1; sample(); });
    queueFor.on('message', () => { requests += 1; setImmediate(sample); });
    // Reading stopped, or the connection dropped: either way nothing more can pile up.
    const stopped = (): boolean => queueFor.isPaused || queueFor.readyState === WebSocket.CLOSED;

    // 100,000 pings of 125 bytes: 12 MB of pongs, if each one were answered.
    const pingCount = 100_000;
    const payload = Buffer.alloc(125, 0x70);
    for (let i = 0; i < pingCount; i += 1) flooder.ws.ping(payload);
    await net.waitUntil(() => pings === pingCount || peak > limit || stopped(), 30_000, () => ({
      expected: `the server to read the ${pingCount} pings`, actual: `it read ${pings}`, hint: 'answer a ping with at most one pong, and only while socket.bufferedAmount is small.',
    }));
    if (peak > limit) {
      fail({
        expected: `what the server queues for a client that never reads to stay under ${megabytes(limit)}`,
        actual: `after ${pings} pings of 125 bytes, ${megabytes(peak)} of pongs were waiting to be sent to it`,
        hint: 'ws answers every ping with a pong on its own (autoPong), and for a client that never reads they pile up in memory. Create the server with autoPong: false and answer a ping (socket.pong(data)) only while socket.bufferedAmount is below a limit, as the given code in createServer does.',
      });
    }

    // 500 requests of 16 KB: 8 MB of replies, if each one were queued.
    const requestCount = 500;
    const request = 'x'.repeat(16 * 1024);
    for (let i = 0; i < requestCount; i += 1) flooder.send(request);
    await net.waitUntil(() => requests === requestCount || peak > limit || stopped(), 30_000, () => ({
      expected: 'the server to stop reading from a client whose replies pile up', actual: `it read ${requests} of ${requestCount} messages and keeps reading`, hint: 'await each send before taking the next message; messages() then pauses the socket.',
    }));
    if (peak > limit) {
      fail({
        expected: `what the server queues for a client that never reads to stay under ${megabytes(limit)}`,
        actual: `after ${requests} messages of 16 KB, ${megabytes(peak)} of replies were waiting to be sent to it`,
        hint: 'await each reply (await send(socket, …): it resolves once ws has handed the reply to the operating system) before taking the next message. A client that never reads then stops your loop, messages() pauses its socket at the high-water mark, and nothing piles up.',
      });
    }
    steady.send('still there?');
    const reply = await steady.nextText({ hint: 'a client that never reads must not stop the server answering the others.' });
    expectEqual(reply, 'Server reply: still there?', 'the reply to the client that reads', 'a client that never reads must not stop the server answering the others.');
  }, 90_000);

  serverCheck('logs what a client says without letting it forge a log line or drive the terminal', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const tricks = ['hi\nClient disconnected', '\u001b[2J\u001b[31mscreen cleared', 'tab\there\rand back'];
    for (const text of tricks) client.send(text);
    const replies = await client.texts(tricks.length);
    replies.forEach((reply, i) => expectEqual(reply, `Server reply: ${tricks[i]}`, `reply ${i + 1}`, 'reply with exactly what the client sent: only the log line is made printable.'));
    const raw = server.logs.find((line) => CONTROL.test(line));
    if (raw !== undefined) {
      fail({
        expected: 'no control character in any log line: the client chose that text',
        actual: `the server logged ${show(raw)}: a newline there prints a second line the client wrote (a fake "Client disconnected"), an escape code clears or recolours the terminal`,
        hint: 'log `Client said: ${printable(message)}` (printable from lib/printable.ts turns a newline into \\n and an escape into \\u001b, visibly); reply with the text unchanged.',
      });
    }
    const said = server.logs.filter((line) => line.startsWith('Client said: '));
    if (said.length !== tricks.length) {
      fail({ expected: `${tricks.length} "Client said: …" lines, one per message`, actual: `${said.length}: ${show(said)}`, hint: 'log `Client said: ${printable(message)}` for each text message.' });
    }
  });
});

/** The client's connection, or the client's own error if it fails before connecting (a starter's TODO). */
async function connectionOf(peer: Peer, running: Promise<Outcome<void>>): Promise<Endpoint> {
  const failedEarly = running.then((outcome) => (outcome.kind === 'error' ? Promise.reject(outcome.error) : new Promise<never>(() => {})));
  return Promise.race([peer.nextConnection(), failedEarly]);
}

/**
 * Notices the client waiting for a "close" event on a socket that has already closed: "close"
 * fires once, so such a wait never ends. Watches WebSocket's `on` (which `once`, events.once and
 * addEventListener all go through) for the rest of the check.
 */
function watchLateCloseWaits(): () => boolean {
  const prototype = WebSocket.prototype as unknown as { on: (this: WebSocket, event: string | symbol, listener: (...args: unknown[]) => void) => WebSocket };
  const inherited = prototype.on;
  const own = Object.hasOwn(prototype, 'on');
  let late = false;
  prototype.on = function on(event, listener) {
    if (event === 'close' && this.readyState === WebSocket.CLOSED) late = true;
    return inherited.call(this, event, listener);
  };
  onTestFinished(() => {
    if (own) prototype.on = inherited;
    else delete (prototype as Partial<typeof prototype>).on;
  });
  return () => late;
}

const HINT_LATE_CLOSE = 'in finally, close and wait for "close" only if the connection is not closed yet: if (ws.readyState !== WebSocket.CLOSED) { ws.close(1000); await once(ws, \'close\'); }. The server may have closed it first.';

describe('the conversation client', () => {
  const replyingPeer = async (net: Harness) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Server reply: ${data.toString()}`)));
    return peer;
  };

  check('sends Message 1, 2 and 3 and prints each reply', async ({ net }) => {
    const peer = await replyingPeer(net);
    const out = net.output();
    const outcome = await net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: `runClient to finish within ${WAIT_MS} ms`, actual: `it printed ${show(out.text)} and kept running`, hint: 'after the third reply, close with 1000 and wait for "close".',
    }));
    if (outcome.kind === 'error') throw outcome.error;
    const connection = await peer.nextConnection();
    const sent = connection.received.map((message) => message.data);
    expectEqual(sent, [...MESSAGES], 'what the client sent', 'send "Message 1", "Message 2" and "Message 3", each as its own text message.');
    expectEqual(out.text, MESSAGES.map((m) => `Server replied: Server reply: ${m}\n`).join(''), 'what the client printed', 'print `Server replied: ${reply}` and a newline for each reply, to `out`.');
  });

  check('sends one message at a time, waiting for each reply', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS * 3, () => ({ expected: 'runClient to finish', actual: 'it kept running', hint: 'after the third reply, close with 1000.' }));
    const connection = await connectionOf(peer, running);
    for (const [i, message] of MESSAGES.entries()) {
      const got = await connection.nextText({ waitingFor: show(message) });
      expectEqual(got, message, 'the next message from the client', 'send the messages in order.');
      // A client that does not wait sent the next one together with this one: give it time to show.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const early = connection.received.slice(i + 1);
      if (early.length > 0) {
        fail({
          expected: `nothing more from the client until the reply to ${show(message)}`,
          actual: `it had already sent ${early.map((m) => show(m.data)).join(', ')}`,
          hint: 'send the next message only after the reply to this one arrived: await the reply (replies.next()) inside the loop, as the Python tutorial awaits recv().',
        });
      }
      connection.send(`Server reply: ${message}`);
    }
    const outcome = await running;
    if (outcome.kind === 'error') throw outcome.error;
  });

  check('closes with code 1000 and returns only after the close completes', async ({ net }) => {
    const peer = await replyingPeer(net);
    const done = net.settle(runClient(peer.url, { out: net.output() }), WAIT_MS, () => ({ expected: 'runClient to finish', actual: 'it kept running', hint: 'after the third reply, close with 1000 and wait for "close".' }));
    const connection = await connectionOf(peer, done);
    const outcome = await done;
    if (outcome.kind === 'error') throw outcome.error;
    if (connection.ws.readyState === WebSocket.OPEN) {
      fail({ expected: 'runClient to return only after the closing handshake', actual: 'it returned while the connection was still open', hint: 'after ws.close(1000), wait for the "close" event (await once(ws, "close")) before returning.' });
    }
    const closed = await connection.waitClosed();
    if (closed.code !== 1000) {
      fail({ expected: 'the server to see close code 1000 (normal closure)', actual: `code ${closed.code}`, hint: closed.code === 1006 ? 'code 1006 means the TCP connection was dropped without a closing handshake: use ws.close(1000), not ws.terminate().' : 'call ws.close(1000).' });
    }
  });

  check('rejects, instead of hanging, when the server closes without replying', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.once('message', () => socket.close(1000)));
    const waitedTooLate = watchLateCloseWaits();
    const outcome = await net.settle(runClient(peer.url, { out: net.output() }), WAIT_MS, () => (waitedTooLate()
      ? {
        expected: 'runClient to end once the server had closed the connection',
        actual: 'it was waiting for a "close" event on a connection that had already closed; "close" fires only once, so that wait never ends',
        hint: HINT_LATE_CLOSE,
      }
      : { expected: 'runClient to give up once the server closed the connection', actual: 'it was still waiting for a reply', hint: 'when replies.next() says done, the server is gone: throw an Error saying so.' }));
    if (outcome.kind === 'error' && outcome.error instanceof Error && outcome.error.name === 'TodoError') throw outcome.error;
    const connection = await peer.nextConnection();
    expectEqual(connection.received[0]?.data, 'Message 1', 'the first message the client sent', 'send "Message 1" first.');
    if (outcome.kind === 'value') {
      fail({ expected: 'runClient to reject: the server closed before answering "Message 1"', actual: 'it returned as if all went well', hint: 'check reply.done: an ended conversation without a reply is an error for this client.' });
    }
    const { error } = outcome;
    if (!(error instanceof Error) || error instanceof TypeError || error.message.trim() === '') {
      fail({
        expected: 'runClient to reject with an Error that says the server closed before answering',
        actual: error instanceof Error ? `${error.name}: ${show(error.message)}` : show(error),
        hint: 'when reply.done is true, throw new Error(`the server closed the connection before answering "${message}"`). Reading reply.value of a finished iterator gives undefined, and the TypeError that follows says nothing useful.',
      });
    }
  });
});
