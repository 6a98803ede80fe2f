// Self-checks for lesson 03. Run: npm run check lesson-03
// Each check starts your code for real, on 127.0.0.1 with a free port.
import { createHook } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, fail, show, WAIT_MS, type Endpoint, type Outcome, type Peer, type RunningServer } from '../../checks/harness.ts';
import { createServer, POEM } from './server.ts';
import { runClient } from './client.ts';

interface SendRecord {
  data: unknown;
  at: number;
  /** Whether the socket was still OPEN when the server called send(). */
  open: boolean;
}

/** Records every send() the server makes, with its time, by wrapping each new socket's send first. */
function recordSends(server: RunningServer): SendRecord[] {
  const sends: SendRecord[] = [];
  server.wss.prependListener('connection', (socket: WebSocket) => {
    const send = socket.send.bind(socket) as (...args: unknown[]) => void;
    socket.send = ((...args: unknown[]) => {
      sends.push({ data: args[0], at: performance.now(), open: socket.readyState === WebSocket.OPEN });
      send(...args);
    }) as WebSocket['send'];
  });
  return sends;
}

/**
 * Follows the timers (setTimeout, setInterval, timers/promises) created by code in this lesson's
 * server.ts from now on, and which of them are still pending. Uses async_hooks: it sees a timer
 * whatever API made it, without changing how the server is written.
 */
function trackServerTimers(): { pending: () => string[] } {
  const serverFile = fileURLToPath(new URL('./server.ts', import.meta.url));
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 60;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const frame = stack.split('\n').find((line) => line.includes(serverFile));
      if (frame) live.set(asyncId, frame.trim().replace(/^at /, ''));
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  hook.enable();
  onTestFinished(() => { hook.disable(); });
  return { pending: () => [...live.values()] };
}

/** The client's connection, or the client's own error if it fails before connecting (a starter's TODO). */
async function connectionOf(peer: Peer, running: Promise<Outcome<void>>): Promise<Endpoint> {
  const failedEarly = running.then((outcome) => (outcome.kind === 'error' ? Promise.reject(outcome.error) : new Promise<never>(() => {})));
  return Promise.race([peer.nextConnection(), failedEarly]);
}

const HINT_ONE_LINE = 'send each line of POEM as its own message: socket.send(line) inside the loop, one call per line.';

describe('the streaming server', () => {
  check('sends the four lines of the poem as four separate text messages, in order', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const client = await net.connect(server.url);
    for (const [i, line] of POEM.entries()) {
      const got = await client.nextText({ waitingFor: `line ${i + 1} of the poem`, hint: HINT_ONE_LINE });
      expectEqual(got, line, `message ${i + 1}`, got.length > line.length ? `${HINT_ONE_LINE} Joining them into one message is not streaming.` : 'send the lines of POEM in order, each exactly as it is.');
    }
  });

  check('closes with code 1000 after the last line', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const client = await net.connect(server.url);
    await client.texts(POEM.length, { hint: HINT_ONE_LINE });
    const closed = await client.waitClosed({ waitingFor: 'the server to close the connection after the last line', hint: 'after the loop, call socket.close(1000): the close tells the client the poem is complete.' });
    expectEqual(closed.code, 1000, 'the close code', 'close with 1000 (normal closure): the stream ended as planned.');
    expectEqual(client.received.length, POEM.length, 'the number of messages', 'send exactly the four lines, then close.');
  });

  check('waits delayMs between lines', async ({ net }) => {
    const delayMs = 200;
    const server = await net.serve(createServer, { delayMs });
    const sends = recordSends(server);
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
          hint: 'after sending a line, wait before the next one: await setTimeout(delayMs) from node:timers/promises (the seed\'s await asyncio.sleep(1)).',
        });
      }
    }
  });

  check('uses the delayMs option (0 means no pause at all)', async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 0 });
    const client = await net.connect(server.url);
    await client.waitClosed({
      within: 2000,
      waitingFor: 'the whole poem and the close, with delayMs: 0,',
      hint: 'wait delayMs, the option createServer was given, not a fixed 1000 ms: the default is 1000, the checks use other values.',
    });
    expectEqual(client.received.map((message) => message.data), [...POEM], 'the messages', HINT_ONE_LINE);
  });

  for (const how of ['closes the connection', 'vanishes'] as const) {
    check(`stops, with no timer or send left over, when the client ${how} mid-stream`, async ({ net }) => {
      // A long pause: the client leaves while the server is waiting to send line 2.
      const server = await net.serve(createServer, { delayMs: 3000 });
      const sends = recordSends(server);
      const timers = trackServerTimers();
      const client = await net.connect(server.url);
      expectEqual(await client.nextText({ waitingFor: 'the first line at once', hint: 'send the first line as soon as the client connects, then wait.' }), POEM[0], 'the first message', HINT_ONE_LINE);
      if (how === 'vanishes') client.terminate();
      else await client.close(1000);
      await net.waitUntil(() => server.connections[0]?.readyState === WebSocket.CLOSED, WAIT_MS, () => ({
        expected: 'the server side of the connection to close after the client left', actual: `its readyState is ${server.connections[0]?.readyState}`, hint: 'do not keep the connection open on the server side.',
      }));
      await net.waitUntil(() => timers.pending().length === 0, 1000, () => ({
        expected: 'the server to cancel its wait within 1 s of the client leaving',
        actual: `a timer still pending, created at ${timers.pending()[0]}`,
        hint: 'make the wait cancellable: an AbortController per connection, abort() on the socket\'s "close" event, and setTimeout(delayMs, undefined, { signal }) from node:timers/promises. Otherwise the loop sleeps on for a client that is gone.',
      }));
      const late = sends.filter((record) => !record.open);
      if (late.length > 0) {
        fail({
          expected: 'no send() once the connection was closing or closed',
          actual: `${late.length} sent into the closed connection: ${late.map((record) => show(record.data)).join(', ')}`,
          hint: 'when the wait is aborted, stop the loop (let the AbortError end it, do not swallow it and carry on), and check socket.readyState === WebSocket.OPEN before each send.',
        });
      }
    });
  }
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
    expectEqual(out.text, EXPECTED_OUTPUT, 'what the client printed', 'print "Receiving stream:" and a newline once connected, then each chunk exactly as it came (out.write(chunk), no newline: the seed\'s print(chunk, end="")), and one newline when the stream ends.');
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

  check('fails, instead of returning quietly, when the stream is cut off', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: 'runClient to end once the connection dropped', actual: 'it kept running', hint: 'the "close" event fires however the connection ends: settle there.',
    }));
    const connection = await connectionOf(peer, running);
    connection.send(POEM[0]);
    connection.terminate(); // no close frame: the client sees code 1006
    const outcome = await running;
    if (outcome.kind === 'value') {
      fail({ expected: 'runClient to reject: the connection dropped after one line (code 1006)', actual: 'it returned as if the poem were complete', hint: 'only a close with code 1000 means the stream is complete: for any other code, reject with an Error that names it.' });
    }
  });
});
