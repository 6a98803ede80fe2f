// Self-checks for lesson 03. Run: npm run check lesson-03
// Each check starts your code for real, on 127.0.0.1 with a free port.
import { createHook } from 'node:async_hooks';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import {
  check, closedPort, expectEqual, fail, show, tcpSocket, WAIT_MS,
  type Endpoint, type Harness, type Outcome, type Peer, type RunningServer,
} from '../../checks/harness.ts';
import { exited, runProgram, importStartsNothing } from '../../checks/programs.ts';
import { createServer, MAX_MESSAGE_BYTES, POEM } from './server.ts';
import { runClient } from './client.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_FILE = fileURLToPath(new URL('./server.ts', import.meta.url));

/** What the server did, in order: every send() and close() it called, every timer its code made. */
interface ServerWatch {
  sends: { data: unknown; seq: number; at: number; open: boolean }[];
  closes: { code: unknown; reason: unknown; seq: number }[];
  /** Timers created by code in server.ts (setTimeout, setInterval, timers/promises, whatever API). */
  timers: { seq: number; where: string }[];
  /** Where each timer of server.ts that is still pending was created. */
  pending(): string[];
}

/**
 * Watches a lesson server from now on: wraps each new socket's send() and close() (before the
 * lesson's own code sees the socket), and follows the timers that server.ts creates with
 * async_hooks, so any way of waiting counts, without changing how the server is written.
 */
function watchServer(server: RunningServer): ServerWatch {
  let seq = 0;
  const watch: ServerWatch = { sends: [], closes: [], timers: [], pending: () => [...live.values()] };
  server.wss.prependListener('connection', (socket: WebSocket) => {
    const send = socket.send.bind(socket) as (...args: unknown[]) => void;
    socket.send = ((...args: unknown[]) => {
      watch.sends.push({ data: args[0], seq: seq++, at: performance.now(), open: socket.readyState === WebSocket.OPEN });
      send(...args);
    }) as WebSocket['send'];
    const close = socket.close.bind(socket);
    socket.close = ((code?: number, reason?: string | Buffer) => {
      watch.closes.push({ code, reason, seq: seq++ });
      close(code, reason);
    }) as WebSocket['close'];
  });
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 60;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const frame = stack.split('\n').find((line) => line.includes(SERVER_FILE));
      if (!frame) return;
      // Shown to the learner: relative to the lesson folder, like every other path they see.
      const where = frame.trim().replace(/^at /, '').replace(`file://${HERE}/`, '').replace(`${HERE}/`, '');
      live.set(asyncId, where);
      watch.timers.push({ seq: seq++, where });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  hook.enable();
  onTestFinished(() => { hook.disable(); });
  return watch;
}

/** Fails if the server left a timer pending, or called send() on a connection that was no longer open. */
async function expectNothingLeft(net: Harness, watch: ServerWatch, when: string): Promise<void> {
  await net.waitUntil(() => watch.pending().length === 0, 1000, () => ({
    expected: `the server to cancel its wait within 1 s of ${when}`,
    actual: `a timer still pending, created at ${watch.pending()[0]}`,
    hint: 'make the wait cancellable: an AbortController per connection, abort() on the socket\'s "close" event, and setTimeout(delayMs, undefined, { signal }) from node:timers/promises. Otherwise the loop sleeps on for a client that is gone.',
  }));
  const late = watch.sends.filter((record) => !record.open);
  if (late.length > 0) {
    fail({
      expected: `no send() once the connection was closing or closed (${when})`,
      actual: `${late.length} sent into the closing connection: ${late.map((record) => show(record.data)).join(', ')}`,
      hint: 'when the wait is aborted, stop the loop (let the AbortError end it, do not swallow it and carry on), and check socket.readyState === WebSocket.OPEN before each send.',
    });
  }
}

async function serverSideClosed(net: Harness, socket: WebSocket | undefined, who: string): Promise<void> {
  await net.waitUntil(() => socket?.readyState === WebSocket.CLOSED, WAIT_MS, () => ({
    expected: `the server side of the connection to close after ${who} left`, actual: `its readyState is ${socket?.readyState}`, hint: 'do not keep the connection open on the server side.',
  }));
}

/** The client's connection, or the client's own error if it fails before connecting (a starter's TODO). */
async function connectionOf(peer: Peer, running: Promise<Outcome<void>>): Promise<Endpoint> {
  const failedEarly = running.then((outcome) => (outcome.kind === 'error' ? Promise.reject(outcome.error) : new Promise<never>(() => {})));
  return Promise.race([peer.nextConnection(), failedEarly]);
}

const HINT_ONE_LINE = 'send each line of POEM as its own message: socket.send(line) inside the loop, one call per line.';
const CONNECTED = 'Client connected: streaming the poem';
const LEFT = 'Client left mid-stream: stopped';

describe('the streaming server', () => {
  check('sends the four lines of the poem as four separate text messages, in order', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const client = await net.connect(server.url);
    for (const [i, line] of POEM.entries()) {
      const got = await client.nextText({ waitingFor: `line ${i + 1} of the poem`, hint: HINT_ONE_LINE });
      expectEqual(got, line, `message ${i + 1}`, got.length > line.length ? `${HINT_ONE_LINE} Joining them into one message is not streaming.` : 'send the lines of POEM in order, each exactly as it is.');
    }
  });

  check('sends the first line the moment a client connects, without waiting first', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10_000 });
    const client = await net.connect(server.url);
    expectEqual(await client.nextText({
      waitingFor: 'the first line at once (delayMs is 10 s here)',
      hint: 'wait only between two lines: send the first line, then wait before each of the others (if (index > 0) await sleep(...)).',
    }), POEM[0], 'the first message', HINT_ONE_LINE);
  });

  check('closes with code 1000 and a reason right after the last line, without waiting again', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const watch = watchServer(server);
    const client = await net.connect(server.url);
    await client.texts(POEM.length, { hint: HINT_ONE_LINE });
    const closed = await client.waitClosed({ waitingFor: 'the server to close the connection after the last line', hint: 'after the loop, call socket.close(1000, \'end of poem\'): the close tells the client the poem is complete.' });
    expectEqual(closed.code, 1000, 'the close code', 'close with 1000 (normal closure): the stream ended as planned.');
    expectEqual(client.received.length, POEM.length, 'the number of messages', 'send exactly the four lines, then close.');
    if (closed.reason === '') {
      fail({ expected: 'a close reason that says why (e.g. "end of poem")', actual: 'an empty reason', hint: 'socket.close(1000, \'end of poem\'): the reason is what a person reading a log or a browser\'s network tab sees.' });
    }
    const last = watch.sends.at(-1);
    const close = watch.closes[0];
    const waitedAgain = watch.timers.filter((timer) => last && close && timer.seq > last.seq && timer.seq < close.seq);
    if (waitedAgain.length > 0) {
      fail({
        expected: 'the close right after the last line is sent',
        actual: `the server waited again after the last line (a timer created at ${waitedAgain[0]?.where})`,
        hint: 'wait only between two lines: after the last one there is nothing to wait for, so close at once (the Python tutorial sleeps after every line, for nothing).',
      });
    }
  });

  check('waits delayMs between lines', async ({ net }) => {
    const delayMs = 200;
    const server = await net.serve(createServer, { delayMs });
    const { sends } = watchServer(server);
    const client = await net.connect(server.url);
    await client.texts(POEM.length, { within: delayMs + WAIT_MS, hint: HINT_ONE_LINE });
    if (sends.length !== POEM.length) fail({ expected: `${POEM.length} calls to socket.send, one per line`, actual: `${sends.length}`, hint: HINT_ONE_LINE });
    // Measured where the server sends, so a busy machine delaying delivery cannot fake a short gap.
    for (let i = 1; i < sends.length; i += 1) {
      const gap = (sends[i]?.at ?? 0) - (sends[i - 1]?.at ?? 0);
      if (gap < delayMs * 0.6) {
        fail({
          expected: `at least about ${delayMs} ms (delayMs) between line ${i} and line ${i + 1}`,
          actual: `${Math.round(gap)} ms`,
          hint: 'after sending a line, wait before the next one: await setTimeout(delayMs) from node:timers/promises (the Python tutorial\'s await asyncio.sleep(1)).',
        });
      }
    }
  }, 15_000);

  check('uses the delayMs option (0: no pause at all), refuses a delay that is not a number of ms, and listens on 127.0.0.1 by default', async ({ net }) => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let threw: unknown;
      try {
        createServer({ port: 0, delayMs: bad, log: () => {} }).close();
      } catch (error) {
        threw = error;
      }
      if (!(threw instanceof RangeError) || !threw.message.includes('delayMs')) {
        fail({ expected: `createServer({ delayMs: ${bad} }) to throw a RangeError that names delayMs`, actual: threw === undefined ? 'it started a server' : show(threw), hint: 'keep the check at the top of createServer: a delay must be a finite number, 0 or more.' });
      }
    }
    // No host given: the server must not listen on every network interface.
    const wss = createServer({ port: 0, delayMs: 0, log: () => {} });
    onTestFinished(() => new Promise<void>((resolve) => { for (const socket of wss.clients) socket.terminate(); wss.close(() => resolve()); }));
    const address = await net.waitUntil(() => { const bound = wss.address(); return typeof bound === 'object' && bound !== null ? bound : undefined; }, WAIT_MS, () => ({
      expected: 'the server to listen', actual: 'it did not', hint: 'pass host and port to new WebSocketServer({ host, port }).',
    }));
    expectEqual(address.address, '127.0.0.1', 'the address the server listens on by default', 'keep the default host = \'127.0.0.1\': a lesson server should not be reachable from the network unless asked.');
    const client = await net.connect(`ws://127.0.0.1:${address.port}`);
    await client.waitClosed({
      within: 2000,
      waitingFor: 'the whole poem and the close, with delayMs: 0,',
      hint: 'wait delayMs, the option createServer was given, not a fixed 1000 ms: the default is 1000, the checks use other values.',
    });
    expectEqual(client.received.map((message) => message.data), [...POEM], 'the messages', HINT_ONE_LINE);
  });

  // The client leaves at different moments: each must leave nothing behind on the server.
  const moments = [
    { how: 'vanishes', when: 'as soon as it has connected', after: 0, delayMs: 10_000 },
    { how: 'closes the connection', when: 'after the first line', after: 1, delayMs: 10_000 },
    { how: 'vanishes', when: 'after the first line', after: 1, delayMs: 10_000 },
    { how: 'closes the connection', when: 'after the second line', after: 2, delayMs: 2500 },
    { how: 'closes the connection', when: 'right after the last line', after: 4, delayMs: 50 },
    { how: 'vanishes', when: 'right after the last line', after: 4, delayMs: 50 },
  ] as const;
  for (const { how, when, after, delayMs } of moments) {
    const midStream = after > 0 && after < POEM.length ? 'mid-stream ' : '';
    check(`stops, with no timer or send left over, when the client ${how} ${midStream}${when}`, async ({ net }) => {
      const server = await net.serve(createServer, { delayMs });
      const watch = watchServer(server);
      const client = await net.connect(server.url);
      if (after > 0) {
        const lines = await client.texts(after, { within: WAIT_MS + delayMs * (after - 1), hint: HINT_ONE_LINE });
        expectEqual(lines, [...POEM.slice(0, after)], `the first ${after} line(s)`, 'send the first line as soon as the client connects, then one line every delayMs.');
      }
      if (how === 'vanishes') client.terminate();
      else await client.close(1000);
      await serverSideClosed(net, server.connections[0], 'the client');
      await expectNothingLeft(net, watch, `the client leaving ${when}`);
    }, 15_000); // delayMs can be 2.5 s here: more than a check's usual 5 s on a busy machine
  }

  check('sends nothing more once the client\'s close frame has arrived, even before the connection has closed', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 300 });
    const watch = watchServer(server);
    const client = await net.connect(server.url);
    await client.nextText({ waitingFor: 'the first line', hint: HINT_ONE_LINE });
    // A client that sends its close frame and then reads nothing more: the server's side stays
    // CLOSING (no 'close' event yet) while its wait for line 2 runs out.
    client.ws.close(1000);
    tcpSocket(client.ws).pause();
    await net.waitUntil(() => watch.sends.length > 1 || watch.pending().length === 0, 300 + WAIT_MS, () => ({
      expected: 'the server\'s wait for line 2 to end', actual: `a timer still pending, created at ${watch.pending()[0]}`, hint: 'wait delayMs between lines, no longer.',
    }));
    if (watch.sends.length > 1) {
      fail({
        expected: 'no send() once the client\'s close frame had arrived',
        actual: `the server sent ${show(watch.sends[1]?.data)} into the closing connection`,
        hint: 'the socket is CLOSING from the moment the client\'s close frame arrives, before its "close" event: check socket.readyState === WebSocket.OPEN before each send, and stop if it is not.',
      });
    }
    expectEqual(server.connections[0]?.readyState, WebSocket.CLOSING, 'the server side (the check needs it still closing)', 'do not terminate a connection whose client is closing it.');
    await expectNothingLeft(net, watch, 'the client\'s close frame arriving');
  });

  check('removes its own \'close\' listener once the poem is sent, before the connection has closed', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 100 });
    const watch = watchServer(server);
    // ws adds a 'close' listener of its own (to forget the client); count what was there before the lesson's code ran.
    let before = -1;
    server.wss.prependListener('connection', (socket: WebSocket) => { before = socket.listenerCount('close'); });
    const client = await net.connect(server.url);
    // The client reads nothing more (long before the close frame, 3 × delayMs away, is sent): the
    // server's side stays CLOSING after its close(1000), for a long while.
    tcpSocket(client.ws).pause();
    const socket = await net.waitUntil(() => watch.closes.length > 0 && server.connections[0], WAIT_MS, () => ({
      expected: 'the server to close the connection after the last line', actual: `it called close() ${watch.closes.length} times`, hint: 'after the loop, call socket.close(1000, \'end of poem\').',
    }));
    await net.waitUntil(() => socket.listenerCount('close') === before, 1000, () => ({
      expected: `no 'close' listener of your own left on the connection once the stream is over (${before} before, ws's own)`,
      actual: `${socket.listenerCount('close')}`,
      hint: 'the stream can end without a "close" event (the last line went out, or the socket was already closing): remove your listener in a finally block, socket.off(\'close\', onClose).',
    }));
  });

  check('keeps streaming to one client when another leaves', async ({ net }) => {
    const delayMs = 300;
    const server = await net.serve(createServer, { delayMs });
    const watch = watchServer(server);
    const [leaver, stayer] = await net.connectMany(server.url, 2);
    if (!leaver || !stayer) throw new Error('connectMany returned too few clients');
    await leaver.nextText({ waitingFor: 'the first line', hint: HINT_ONE_LINE });
    await leaver.close(1000);
    const lines = await stayer.texts(POEM.length, {
      within: WAIT_MS + delayMs * POEM.length,
      hint: 'give every connection its own AbortController (and its own timer), created inside the connection handler: one shared by the whole server stops every stream when one client leaves.',
    });
    expectEqual(lines, [...POEM], 'what the client that stayed received', HINT_ONE_LINE);
    expectEqual((await stayer.waitClosed({ waitingFor: 'the close after the last line' })).code, 1000, 'the close code for the client that stayed', 'close each connection with 1000 after its own last line.');
    await expectNothingLeft(net, watch, 'both clients were done');
  }, 15_000);

  check('logs "Client connected: streaming the poem", and "Client left mid-stream: stopped" when one leaves early', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10_000 });
    const client = await net.connect(server.url);
    await client.nextText({ waitingFor: 'the first line', hint: HINT_ONE_LINE });
    expectEqual([...server.logs], [CONNECTED], 'the server\'s log once a client connected', `call log('${CONNECTED}') when a client connects (the log option, not console.log).`);
    client.terminate();
    await net.waitUntil(() => server.logs.length > 1, WAIT_MS, () => ({
      expected: `the server to log "${LEFT}" when the client left`, actual: `it logged ${show(server.logs)}`, hint: `in the catch that ends the loop when the wait is aborted, call log('${LEFT}').`,
    }));
    expectEqual([...server.logs], [CONNECTED, LEFT], 'the server\'s log after the client left mid-stream', `a client leaving is not a failure: log '${LEFT}' when the aborted wait ends the loop.`);

    const quick = await net.serve(createServer, { delayMs: 0 });
    const reader = await net.connect(quick.url);
    await reader.waitClosed({ waitingFor: 'the whole poem and the close' });
    await serverSideClosed(net, quick.connections[0], 'the client');
    expectEqual([...quick.logs], [CONNECTED], 'the server\'s log after a client got the whole poem', 'log that a client left only when it left before the end of the poem.');
  });

  // What a broken or hostile client sends must close only its own connection, never the server.
  const malformed = [
    { what: 'an unmasked frame (clients must mask)', bytes: Buffer.from([0x81, 0x02, 0x68, 0x69]), code: 1002, log: /MASK/ },
    { what: 'a text frame that is not UTF-8', bytes: Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe]), code: 1007, log: /UTF-8/ },
  ];
  for (const { what, bytes, code, log } of malformed) {
    check(`survives ${what}: closes that connection with ${code}, logs it, and keeps streaming to others`, async ({ net }) => {
      const server = await net.serve(createServer, { delayMs: 100 });
      const other = await net.connect(server.url, { label: 'a well-behaved client' });
      const bad = await net.connect(server.url, { label: 'the client that sent the bad frame' });
      tcpSocket(bad.ws).write(bytes); // raw bytes on the TCP socket, past ws's own checks
      const closed = await bad.waitClosed({ waitingFor: `the server to close the connection after ${what}` });
      expectEqual(closed.code, code, 'the close code', 'ws closes a connection that breaks the protocol by itself; keep a socket.on(\'error\', …) listener so the error is logged, not thrown.');
      await net.waitUntil(() => server.logs.some((line) => log.test(line)), WAIT_MS, () => ({
        expected: `the server to log the connection's error (${log.source})`, actual: `it logged ${show(server.logs)}`, hint: 'keep socket.on(\'error\', (error) => log(`Connection error: ${error.message}`)) in the connection handler.',
      }));
      expectEqual(await other.texts(POEM.length, { within: WAIT_MS + 500 }), [...POEM], 'what the other client received', 'one client\'s bad frame must not stop the others\' streams.');
    });
  }

  check(`refuses a message larger than MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) with 1009, and takes one of exactly that size`, async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 100 });
    const fits = await net.connect(server.url, { label: 'the client that sent exactly MAX_MESSAGE_BYTES' });
    fits.send('x'.repeat(MAX_MESSAGE_BYTES));
    const big = await net.connect(server.url, { label: 'the client that sent one byte more' });
    big.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const closed = await big.waitClosed({ waitingFor: 'the server to refuse the oversize message' });
    expectEqual(closed.code, 1009, 'the close code for a message one byte over the limit', 'create the server with new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES }): without it ws accepts messages up to 100 MiB.');
    expectEqual(await fits.texts(POEM.length, { within: WAIT_MS + 500 }), [...POEM], 'what the client whose message was exactly at the limit received', 'maxPayload is the largest size allowed: use MAX_MESSAGE_BYTES itself, not a smaller number.');
    expectEqual((await fits.waitClosed()).code, 1000, 'its close code', 'a message at the limit is allowed: the stream must go on to its normal end.');
  });
});

describe('the streaming client', () => {
  const EXPECTED_OUTPUT = `Receiving stream:\n${POEM.join('')}\n`;

  check('prints "Receiving stream:", then the chunks with no newline between them, and a newline at the end', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => {
      for (const line of POEM) socket.send(line);
      socket.close(1000);
    });
    const out = net.output();
    const outcome = await net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: 'runClient to return once the server closed the connection', actual: `it printed ${show(out.text)} and kept running`, hint: 'resolve when the "close" event fires.',
    }));
    if (outcome.kind === 'error') throw outcome.error;
    expectEqual(out.text, EXPECTED_OUTPUT, 'what the client printed', 'print "Receiving stream:" and a newline once connected, then each chunk exactly as it came (out.write(chunk), no newline: the Python tutorial\'s print(chunk, end="")), and one newline when the stream ends.');
  });

  check('prints the first chunk before the last one is sent', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS * 2, () => ({ expected: 'runClient to return once the server closed the connection', actual: 'it kept running', hint: 'resolve when the "close" event fires.' }));
    const connection = await connectionOf(peer, running);
    connection.send(POEM[0]);
    // The rest of the poem is held back until the first line is on the screen.
    await out.waitFor(POEM[0], { hint: 'write each chunk to `out` the moment its "message" event fires, not when the stream ends: that is the whole point of streaming.' });
    for (const line of POEM.slice(1)) connection.send(line);
    await connection.close(1000);
    const outcome = await running;
    if (outcome.kind === 'error') throw outcome.error;
  });

  // Only 1000 means "that was all of it": every other ending cut the poem short.
  const cuts = [
    { code: 1006, how: 'the connection drops (1006)' },
    { code: 1001, how: 'the server goes away (1001)' },
    { code: 1011, how: 'the server hits an error (1011)' },
    { code: 4000, how: 'the server closes with its own code 4000' },
  ];
  for (const { code, how } of cuts) {
    check(`fails, naming the code, when the stream is cut off: ${how}`, async ({ net }) => {
      const peer = await net.peer();
      const out = net.output();
      const running = net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
        expected: 'runClient to end once the connection closed', actual: 'it kept running', hint: 'the "close" event fires however the connection ends: settle there.',
      }));
      const connection = await connectionOf(peer, running);
      connection.send(POEM[0]);
      if (code === 1006) connection.terminate(); // no close frame: the client sees code 1006
      else connection.ws.close(code, 'cut short');
      const outcome = await running;
      if (outcome.kind === 'value') {
        fail({ expected: `runClient to reject: the connection closed with code ${code} after one line`, actual: 'it returned as if the poem were complete', hint: 'only a close with code 1000 means the stream is complete: for any other code (1006, 1001, 1011, 4000 …) reject with an Error that names it.' });
      }
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      if (!message.includes(String(code))) {
        fail({ expected: `the error to name the close code ${code}`, actual: `it rejected with ${show(message)}`, hint: 'reject with new Error(`the stream was cut off (close code ${code})`): the code says what went wrong.' });
      }
    });
  }

  check('refuses a binary frame: closes with 1003 and a reason, prints none of it, and fails', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: 'runClient to end after it closed the connection', actual: 'it kept running', hint: 'the "close" event fires after your close() too: settle there.',
    }));
    const connection = await connectionOf(peer, running);
    connection.send(POEM[0]);
    connection.send(Buffer.from(POEM[1]));
    const closed = await connection.waitClosed({ waitingFor: 'the client to close the connection after a binary frame', hint: 'in the "message" listener, if isBinary is true: ws.close(1003, \'text only\'), and return.' });
    expectEqual(closed.code, 1003, 'the close code the client sent', '1003 means "unsupported data": the stream is text, and bytes are not lines of the poem.');
    if (closed.reason === '') fail({ expected: 'a close reason that says why', actual: 'an empty reason', hint: 'ws.close(1003, \'text only\'): the server\'s log shows the reason.' });
    if (out.text.includes(POEM[1])) fail({ expected: 'the binary frame not to be printed', actual: `the client printed ${show(out.text)}`, hint: 'check isBinary (the second argument of the "message" listener) before writing.' });
    const outcome = await running;
    if (outcome.kind === 'value') fail({ expected: 'runClient to reject: the stream did not end with 1000', actual: 'it returned as if the poem were complete', hint: 'resolve only on close code 1000.' });
  });

  check('fails with the socket\'s error, without crashing, when the server sends a malformed frame', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: 'runClient to end once the connection failed', actual: 'it kept running', hint: '"close" follows "error": settle there.',
    }));
    const connection = await connectionOf(peer, running);
    connection.send(POEM[0]);
    tcpSocket(connection.ws).write(Buffer.from([0x81, 0x02, 0xff, 0xfe])); // a text frame that is not UTF-8
    const outcome = await running;
    if (outcome.kind === 'value') fail({ expected: 'runClient to reject: the stream broke after one line', actual: 'it returned as if the poem were complete', hint: 'resolve only on close code 1000.' });
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    if (!/UTF-8/.test(message)) {
      fail({ expected: 'runClient to reject with the error the "error" event reported (invalid UTF-8)', actual: `it rejected with ${show(message)}`, hint: 'keep the first error from ws.on(\'error\', …) and reject with it in the "close" listener: it says what went wrong, the close code (1006) does not.' });
    }
  });

  check('fails with the connection error when nothing listens at the URL, and prints nothing', async ({ net }) => {
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const out = net.output();
    const outcome = await net.settle(runClient(url, { out }), WAIT_MS, () => ({
      expected: 'runClient to reject when it cannot connect', actual: 'it kept running', hint: '"close" follows "error" also when the connection never opened: settle there.',
    }));
    if (outcome.kind === 'value') fail({ expected: 'runClient to reject: nothing listens there', actual: 'it returned as if it had the poem', hint: 'reject with the error from ws.on(\'error\', …).' });
    if ((outcome.error as Error).name === 'TodoError') throw outcome.error;
    const code = (outcome.error as NodeJS.ErrnoException).code;
    expectEqual(code, 'ECONNREFUSED', 'the error\'s code', 'reject with the error from ws.on(\'error\', …) itself (it carries code ECONNREFUSED), not a new one.');
    expectEqual(out.text, '', 'what the client printed', 'print "Receiving stream:" on "open", and the final newline only if the connection opened.');
  });
});




describe('the programs', () => {
  check('run from the command line: the server with --port, the client with the URL, and each ends when it should', async ({ net }) => {
    // Importing the files (as the checks and npm run play do) must start nothing.
    await importStartsNothing(net, HERE, ['server.ts', 'client.ts'], { PORT: '0', URL: `ws://127.0.0.1:${await closedPort()}` }, 'keep the last line of each file as it is: `if (isMain(import.meta.url)) await run…Program(…)` runs the program only when the file itself is run.');

    const server = runProgram(net, HERE, ['server.ts', '--port', '0']);
    const url = await net.waitUntil(() => /Stream server listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1], 20_000, () => ({
      expected: 'npx tsx server.ts --port 0 to print "Stream server listening on ws://127.0.0.1:<port>"', actual: `it printed ${show(server.stdout())}${server.stderr() ? ` and on stderr ${show(server.stderr())}` : ''}`, hint: 'keep the last line of server.ts: if (isMain(import.meta.url)) await runServerProgram(\'Stream server\', createServer);',
    }));

    const whole = runProgram(net, HERE, ['client.ts', url]);
    const code = await exited(net, whole, 'the client, once the poem was complete,', 20_000);
    if (code !== 0) {
      fail({ expected: 'npx tsx client.ts <url> to exit with 0 after the whole poem', actual: `exit code ${code}, with ${show(whole.stderr() || whole.stdout())}`, hint: 'runClient must resolve when the server closes with 1000 (and the server must close with 1000 after the last line).' });
    }
    expectEqual(whole.stdout(), EXPECTED_PROGRAM_OUTPUT, 'what the client program printed', 'keep the last line of client.ts: if (isMain(import.meta.url)) await runClientProgram(\'Stream client\', runClient);');

    // Ctrl+C on the server mid-poem: it closes its clients with 1001, and the client must say so.
    const cut = runProgram(net, HERE, ['client.ts', url]);
    await net.waitUntil(() => cut.stdout().includes(POEM[0]), 20_000, () => ({ expected: 'the second client to print the first line', actual: `it printed ${show(cut.stdout())}`, hint: 'print each chunk as it arrives.' }));
    server.kill('SIGINT');
    expectEqual(await exited(net, cut, 'the client, once the server stopped mid-poem,', 20_000), 1, 'the client\'s exit code when the server stopped mid-poem', 'a close with 1001 ("going away") cut the poem short: runClient must reject, and the program then exits with 1.');
    if (!/^Stream client: .*1001/.test(cut.stderr())) {
      fail({ expected: 'the client to say on stderr "Stream client: … (close code 1001)"', actual: show(cut.stderr()), hint: 'reject with an Error that names the close code; runClientProgram prints it after the program\'s name.' });
    }
    expectEqual(await exited(net, server, 'the server, after Ctrl+C,', 20_000), 0, 'the server\'s exit code after Ctrl+C', 'runServerProgram closes the clients and exits 0 on SIGINT.');
  }, 60_000);
});

const EXPECTED_PROGRAM_OUTPUT = `Receiving stream:\n${POEM.join('')}\n`;
