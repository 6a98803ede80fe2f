// Self-checks for lesson 04. Run: npm run check lesson-04
// Each check runs your client for real against a server on 127.0.0.1 with a free port, and each
// one catches one of the traps in README.md.
import { createServer as createTcpServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, fail, show, tcpSocket, WAIT_MS, type Harness, type Peer } from '../../checks/harness.ts';
import { doneAndExited, exited, programSaid, runProgram } from '../../checks/programs.ts';
import { createServer, GREETING, replyTo } from './greeter-server.ts';
import { MAX_MESSAGE_BYTES, MAX_UNREAD_MESSAGES, runClient } from './client.ts';

/** What the client must send: written out, not imported, so a changed MESSAGE is noticed. */
const HELLO = 'Hello WebSocket!';

describe('the greeter client', () => {
  check('receives the greeting and the reply and prints them as text', async ({ net }) => {
    const server = await net.serve(createServer);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(server.url, { out }));
      await letConnectionLand(net, outcome, server.connections);
      expectResolved(outcome, watch, out.text, 'runClient to print the greeting and the reply, close, and resolve');
      const expected = `Greeting: ${GREETING}\nReceived: ${replyTo(HELLO)}\n`;
      if (out.text !== expected) {
        fail({ expected: `the client to print ${show(expected)}`, actual: show(out.text), hint: hintForOutput(out.text) });
      }
    });
  });

  check('rejects with a clear error, instead of crashing, when nothing listens at the URL', async ({ net }) => {
    const port = await closedPort();
    const url = `ws://127.0.0.1:${port}`;
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(url, { out: net.output() }));
      expectNoEarlySend(watch);
      const task = `runClient(${show(url)}) to reject with the connection error (ECONNREFUSED)`;
      switch (outcome.state) {
        case 'crashed':
          fail({
            expected: task,
            actual: `an 'error' event that nothing listened for, which Node turns into an uncaught exception: a real program would stop here (${outcome.message})`,
            hint: 'add ws.on("error", …) right after new WebSocket(url), and wait for "open" with once(ws, "open"): it rejects when "error" comes first.',
          });
          break;
        case 'pending':
          fail({ expected: `${task} within ${WAIT_MS} ms`, actual: 'runClient was still waiting', hint: hintWhilePending(watch, 'when the connection fails, "open" never comes: only "error" and then "close". Reject when "error" comes (once(ws, "open") does that for you), and do not wait for a "close" that has already happened.') });
          break;
        case 'resolved':
          fail({ expected: task, actual: 'runClient resolved as if all went well', hint: 'let the connection error reach the caller: reject, do not swallow it.' });
          break;
        case 'rejected': {
          const error = outcome.error;
          const message = error instanceof Error ? error.message : '';
          if (!saysConnectionRefused(error, port)) {
            // The real connection error may still be on its way; if nothing listens for it, say so here.
            await waitUntil(net, () => crashMessage(net) !== undefined, 1000);
            const crash = crashMessage(net);
            fail({
              expected: `${task}: an Error that says what went wrong`,
              actual: `it rejected with ${describeError(error)}${crash ? `, and then the connection error, with no 'error' listener, stopped the program (${crash})` : ''}`,
              hint: /not open/.test(message) ? hintForError(error) : 'reject with the error ws reports (or wrap it, and keep the original as `cause`).',
            });
          }
        }
      }
      // A second, unlistened 'error' right after the rejection would still crash a real program.
      await new Promise((resolve) => setImmediate(resolve));
      net.throwIfLearnerCrashed();
    });
  });

  check('does not miss a message the server sends right at open', async ({ net }) => {
    const greeting = 'Hi! (sent the moment the connection opened)';
    const peer = await greeterPeer(net, [greeting]);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      await letConnectionLand(net, outcome, peer.connections);
      expectResolved(outcome, watch, out.text, 'runClient to print the greeting the server sent at open, then the reply');
      if (!out.text.startsWith(`Greeting: ${greeting}\n`)) {
        fail({ expected: `the client to print ${show(`Greeting: ${greeting}`)} first`, actual: show(out.text), hint: hintForOutput(out.text) });
      }
    });
  });

  check('waits for a greeting that comes a while after open (20, 100, 300 ms)', async ({ net }) => {
    for (const delayMs of [20, 100, 300]) {
      const greeting = `Hello, after ${delayMs} ms`;
      let greetingSent = false;
      let sentBeforeTheEnd = false;
      const peer = await net.peer();
      peer.wss.on('connection', (socket) => {
        const timer = setTimeout(() => { greetingSent = true; socket.send(greeting); }, delayMs);
        socket.on('close', () => clearTimeout(timer));
        socket.on('message', (data) => socket.send(replyTo(data.toString())));
      });
      const out = net.output();
      await watchingClient(async (watch) => {
        const outcome = await settle(net, runClient(peer.url, { out }), () => { sentBeforeTheEnd = greetingSent; });
        await letConnectionLand(net, outcome, peer.connections);
        rethrowTodo(outcome);
        expectNoEarlySend(watch);
        const task = `runClient to print a greeting the server sent ${delayMs} ms after the connection opened`;
        const finishedEarly = (outcome.state === 'resolved' || outcome.state === 'rejected') && !sentBeforeTheEnd;
        if (out.text.startsWith('Greeting: undefined') || finishedEarly) {
          fail({
            expected: task,
            actual: `${finishedEarly ? 'runClient finished before the server had even sent its greeting' : 'no greeting'}: it ${outcome.state === 'rejected' ? `rejected with ${describeError(outcome.error)}` : 'resolved'}${out.text ? ` after printing ${show(out.text)}` : ''}`,
            hint: `the client read its inbox before the greeting had arrived: it came ${delayMs} ms after "open". Queueing what arrives is half of it; when the queue is empty, next() must wait for the next message (a promise that the "message" listener resolves), not return what is (not) there.`,
          });
        }
        expectResolved(outcome, watch, out.text, task);
        const expected = `Greeting: ${greeting}\nReceived: ${replyTo(HELLO)}\n`;
        if (out.text !== expected) {
          fail({ expected: `the client to print ${show(expected)}`, actual: show(out.text), hint: hintForOutput(out.text) });
        }
      });
    }
  });

  check('closes with code 1000 and returns only after the close completes', async ({ net }) => {
    const peer = await greeterPeer(net, [GREETING]);
    let serverSideAtReturn: number | undefined;
    const out = net.output();
    await watchingClient(async (watch) => {
      const run = runClient(peer.url, { out });
      const outcome = await settle(net, run, () => { serverSideAtReturn = peer.connections[0]?.readyState; });
      await letConnectionLand(net, outcome, peer.connections);
      expectResolved(outcome, watch, out.text, 'runClient to talk to the server, close, and resolve');
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({ hint: 'call ws.close(1000) when the conversation is over.' });
      if (closed.code !== 1000) {
        fail({
          expected: 'the server to see close code 1000 (normal closure)',
          actual: `code ${closed.code}`,
          hint: closed.code === 1006 ? 'code 1006: the client dropped the connection without the closing handshake (terminate instead of close). Use ws.close(1000).' : 'call ws.close(1000).',
        });
      }
      // The moment runClient returned, the server must already have had the client's close frame.
      if (serverSideAtReturn === WebSocket.OPEN) {
        fail({
          expected: 'runClient to return only after the closing handshake',
          actual: 'it returned while the connection was still open',
          hint: 'ws.close(1000) only starts the handshake. Wait for the "close" event (listen first, then call close) before returning.',
        });
      }
    });
  });

  check('rejects, instead of waiting forever, when the server closes before replying', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => {
      socket.send(GREETING);
      socket.on('message', () => socket.close(1011, 'cannot answer now'));
    });
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      expectRejected(outcome, watch, out.text, 'runClient to reject when the connection closes before the reply arrives',
        'while you wait for a message, listen for "close" too: when the connection ends first, reject.');
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !error.message.includes('1011')) {
        fail({
          expected: 'the rejection to be an Error that says the connection closed, with its code (1011)',
          actual: `it rejected with ${describeError(error)}`,
          hint: 'reject with an Error that says what happened: new Error(`the connection closed (code ${code}) before the next message arrived`).',
        });
      }
      if (out.text.includes('Received:')) {
        fail({ expected: 'the client to print no reply (there was none)', actual: show(out.text), hint: 'print only a message that actually arrived.' });
      }
    });
  });

  check('rejects with the error, instead of crashing, when the server breaks the protocol', async ({ net }) => {
    const peer = await net.peer();
    // The greeting, then a masked frame: from a server, that breaks RFC 6455 §5.1 and ws reports
    // an error. Both in one packet; then the server is slow to finish the closing handshake.
    peer.wss.on('headers', (_headers, request) => request.socket.cork());
    peer.wss.on('connection', (socket, request) => {
      socket.send(GREETING);
      request.socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69, 0x6b]));
      request.socket.uncork();
      tcpSocket(socket).pause();
      const timer = setTimeout(() => tcpSocket(socket).resume(), 800);
      socket.on('close', () => clearTimeout(timer));
    });
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out, timeoutMs: 300 }));
      expectRejected(outcome, watch, out.text, 'runClient to reject with the error ws reports for a malformed frame',
        'keep an "error" listener on the socket for its whole life (not only while connecting), and reject whatever waits with that error.');
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !error.message.includes('MASK must be clear')) {
        fail({
          expected: 'the rejection to be the error ws reported ("Invalid WebSocket frame: MASK must be clear")',
          actual: `it rejected with ${describeError(error)}`,
          hint: 'reject with the first thing that went wrong: the "error" event\'s error. Once the conversation has ended, a later next() must reject with that same error at once, not wait (or time out) for a message that cannot come.',
        });
      }
    });
  });

  check('gives up after timeoutMs when the handshake or a message never comes', async ({ net }) => {
    // A TCP server that accepts and never answers the upgrade request.
    const mute = createTcpServer((socket) => { held.push(socket); });
    const held: Socket[] = [];
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const address = mute.address();
      const url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      await watchingClient(async (watch) => {
        const outcome = await settle(net, runClient(url, { out: net.output(), timeoutMs: 300 }));
        expectRejected(outcome, watch, '', 'runClient({ timeoutMs: 300 }) to reject when the server never answers the handshake',
          'the handshake can hang too: pass handshakeTimeout: timeoutMs to new WebSocket(url, { … }). ws then fails the connection with an "error", and once(ws, "open") rejects.');
      });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }

    const silent = await net.peer(); // completes the handshake, then says nothing
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(silent.url, { out, timeoutMs: 300 }));
      expectRejected(outcome, watch, out.text, 'runClient({ timeoutMs: 300 }) to reject when no greeting comes',
        'waiting for a message needs a time limit: start a timer in next() that rejects after timeoutMs, and clear it when the message comes.');
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !error.message.includes('300')) {
        fail({
          expected: 'the rejection to say what it waited for and how long (300 ms)',
          actual: `it rejected with ${describeError(error)}`,
          hint: 'reject with an Error that says so: new Error(`no message from the server within ${timeoutMs} ms`).',
        });
      }
      const connection = await silent.nextConnection();
      const closed = await connection.waitClosed({ hint: 'after giving up, still close the connection: ws.close(1000), then wait for "close".' });
      if (closed.code !== 1000) {
        fail({ expected: 'the client to close the connection with 1000 after giving up', actual: `code ${closed.code}`, hint: 'close with ws.close(1000) in a finally block, whatever happened before.' });
      }
    });
  });

  check('closes with 1003 and rejects when the server sends binary, and reads nothing after', async ({ net }) => {
    const peer = await greeterPeer(net, [Buffer.from([0xde, 0xad, 0xbe, 0xef]), 'a text message after the binary one']);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      expectRejected(outcome, watch, out.text, 'runClient to reject when the server sends a binary message to this text-only client',
        'in the "message" listener, check isBinary: this client understands text only. End the conversation with an error, and close with 1003.');
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !/binary/i.test(error.message)) {
        fail({
          expected: 'the rejection to be an Error that says a binary message came',
          actual: `it rejected with ${describeError(error)}`,
          hint: 'reject with an Error that says why: new Error("the server sent a binary message; this client understands text only").',
        });
      }
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({ hint: 'close with ws.close(1003, "text messages only") when a binary message arrives.' });
      if (closed.code !== 1003 || closed.reason === '') {
        fail({ expected: 'close code 1003 (cannot accept this kind of data), with a reason', actual: `code ${closed.code}${closed.reason ? `, reason ${show(closed.reason)}` : ', no reason'}`, hint: 'ws.close(1003, "text messages only"): the code says what kind of problem it was, the reason says it in words.' });
      }
      if (out.text !== '') {
        fail({
          expected: 'the client to print nothing: the conversation ended with the binary message',
          actual: `it printed ${show(out.text)}`,
          hint: 'once the conversation has ended (a binary message, too many messages, an error), ignore what still arrives: the "message" listener returns at once, and next() rejects.',
        });
      }
    });
  });

  check(`closes with 1008 once more than MAX_UNREAD_MESSAGES (${MAX_UNREAD_MESSAGES}) messages wait unread, and not before`, async ({ net }) => {
    for (const count of [MAX_UNREAD_MESSAGES, MAX_UNREAD_MESSAGES + 1]) {
      // All in one packet with the handshake: the client has read none of them when they arrive.
      const peer = await greeterPeer(net, Array.from({ length: count }, (_, i) => `message ${i + 1} of ${count}`));
      const out = net.output();
      await watchingClient(async (watch) => {
        const outcome = await settle(net, runClient(peer.url, { out }));
        expectNoEarlySend(watch);
        if (outcome.state === 'crashed') fail({ expected: 'runClient to handle a flood of messages', actual: `an error nothing caught: ${outcome.message}`, hint: 'keep an "error" listener on the socket.' });
        const connection = await peer.nextConnection();
        const closed = await connection.waitClosed({ hint: `close with ws.close(1008, "too many messages") when a message arrives while ${MAX_UNREAD_MESSAGES} wait unread.` });
        if (count > MAX_UNREAD_MESSAGES && (closed.code !== 1008 || closed.reason === '')) {
          fail({
            expected: `close code 1008 (policy violation), with a reason, when ${count} messages arrive before the client reads any`,
            actual: `code ${closed.code}${closed.reason ? `, reason ${show(closed.reason)}` : ''}`,
            hint: `bound the inbox: when a message arrives while ${MAX_UNREAD_MESSAGES} already wait unread, end the conversation and close with ws.close(1008, "too many messages"). Otherwise a server can make the client hold any amount of memory.`,
          });
        }
        if (count <= MAX_UNREAD_MESSAGES && closed.code !== 1000) {
          fail({
            expected: `exactly ${MAX_UNREAD_MESSAGES} unread messages to be fine (the client reads the first as its greeting, and closes with 1000)`,
            actual: `code ${closed.code}${closed.reason ? `, reason ${show(closed.reason)}` : ''}`,
            hint: `the limit is ${MAX_UNREAD_MESSAGES} messages waiting: close only when one more arrives (queue.length >= ${MAX_UNREAD_MESSAGES} before adding it).`,
          });
        }
      });
    }
  });

  check('closes with 1009 when the server sends a message over MAX_MESSAGE_BYTES', async ({ net }) => {
    const peer = await greeterPeer(net, ['x'.repeat(MAX_MESSAGE_BYTES + 1)]);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      expectRejected(outcome, watch, out.text, `runClient to reject a message of ${MAX_MESSAGE_BYTES + 1} bytes`,
        'pass maxPayload: MAX_MESSAGE_BYTES to new WebSocket(url, { … }): ws then closes with 1009 and emits an "error" that must reject what waits.');
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({ hint: 'pass maxPayload: MAX_MESSAGE_BYTES to new WebSocket(url, { … }).' });
      if (closed.code !== 1009) {
        fail({ expected: 'close code 1009 (message too big)', actual: `code ${closed.code}`, hint: 'pass maxPayload: MAX_MESSAGE_BYTES to new WebSocket(url, { … }): ws closes with 1009 by itself.' });
      }
    });
  });
});

describe('the program', () => {
  check('runs from the command line, exits when done, and says why when nothing listens', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = runProgram(net, HERE, ['client.ts', server.url]);
    const expected = `Greeting: ${GREETING}\nReceived: ${replyTo(HELLO)}\n`;
    const exit = await doneAndExited(net, client, expected, `npx tsx client.ts ${server.url}`);
    if (exit !== 0 || client.stdout() !== expected) {
      fail({
        expected: `\`npx tsx client.ts ${server.url}\` to print ${show(expected)} and exit with code 0`,
        actual: programSaid(client),
        hint: 'the checks above say more. Keep the last line of client.ts as given (runClientProgram), and let runClient resolve once the connection has closed.',
      });
    }
    const nowhere = `ws://127.0.0.1:${await closedPort()}`;
    const refused = runProgram(net, HERE, ['client.ts', nowhere]);
    const refusedExit = await exited(net, refused, `\`npx tsx client.ts ${nowhere}\` (where nothing listens)`);
    if (refusedExit !== 1 || !/^Greeter client: .*ECONNREFUSED/m.test(refused.stderr())) {
      fail({
        expected: `\`npx tsx client.ts ${nowhere}\`, where nothing listens, to say "Greeter client: connect ECONNREFUSED …" and exit with code 1`,
        actual: programSaid(refused),
        hint: 'let runClient reject with the connection error; the given last line of client.ts prints it.',
      });
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Helpers

type Outcome =
  | { state: 'resolved' }
  | { state: 'rejected'; error: unknown }
  | { state: 'crashed'; message: string }
  | { state: 'pending' };

/**
 * Waits (bounded) for runClient to settle, and notices an error thrown where nothing could catch
 * it, e.g. an 'error' event with no listener. `atSettle` runs the moment the promise settles,
 * before any other I/O can happen.
 */
async function settle(net: Harness, run: Promise<void>, atSettle: () => void = () => {}): Promise<Outcome> {
  let outcome: Outcome = { state: 'pending' };
  run.then(
    () => { atSettle(); outcome = { state: 'resolved' }; net.wakeAll(); },
    (error: unknown) => { atSettle(); outcome = { state: 'rejected', error }; net.wakeAll(); },
  );
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    if (outcome.state !== 'pending') return outcome;
    const crash = crashMessage(net);
    if (crash !== undefined) return { state: 'crashed', message: crash };
    const remaining = deadline - performance.now();
    if (remaining <= 0) return outcome;
    await net.sleepUntilWoken(remaining);
  }
}

/** Waits until `probe` is true, or `ms` pass; whichever is first. Never fails by itself. */
async function waitUntil(net: Harness, probe: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!probe()) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    await net.sleepUntilWoken(remaining);
  }
  return true;
}

/** The crash the harness recorded, if any, as the learner's error message. */
function crashMessage(net: Harness): string | undefined {
  try {
    net.throwIfLearnerCrashed();
    return undefined;
  } catch (crash) {
    // The harness words it for a generic crash; keep only the learner's error.
    const first = (crash as Error).message.split('\n')[0] ?? '';
    return first.replace(/^.*?crash here\): /, '');
  }
}

/**
 * A client that rejected early may still have its connection in flight. Let it reach the server
 * before the check ends, so it is not refused later and reported under the wrong check.
 */
async function letConnectionLand(net: Harness, outcome: Outcome, connections: readonly unknown[]): Promise<void> {
  if (outcome.state === 'rejected') await waitUntil(net, () => connections.length > 0, 1000);
}

/** True for an Error that says the connection was refused: its code, its cause's code, or its message. */
function saysConnectionRefused(error: unknown, port: number): boolean {
  if (!(error instanceof Error)) return false;
  const cause = (error as { cause?: unknown }).cause;
  const codes = [(error as NodeJS.ErrnoException).code, cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined];
  return codes.includes('ECONNREFUSED') || error.message.includes('ECONNREFUSED') || error.message.includes(`:${port}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

/** What to fix, judged from the error runClient rejected with. */
function hintForError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/not open: readyState 0/.test(message)) {
    return 'ws.send() ran while the socket was still CONNECTING: new WebSocket(url) returns before the handshake is done. Send only after the "open" event (await once(ws, "open")).';
  }
  if (/not open: readyState [23]/.test(message)) {
    return 'ws.send() ran after the connection had started closing: send before you call close(), and only while the socket is OPEN.';
  }
  if (/closed before the connection was established/.test(message)) {
    return 'ws.close() ran while the socket was still CONNECTING: something before `await once(ws, "open")` failed or returned early.';
  }
  return 'the first line of the stack below that points into client.ts is where it went wrong.';
}

/** What to fix, judged from what the client printed. */
function hintForOutput(printed: string): string {
  if (printed.includes('<Buffer')) {
    return 'a message was printed as a Buffer: ws 8 hands over every message as a Buffer, text too. Decode it with data.toString() before you print or compare it.';
  }
  if (printed.includes('Promise {') || printed.includes('[object Promise]')) {
    return 'a Promise was printed instead of its value: something that returns a Promise (nextMessage?) is missing an `await`.';
  }
  if (/^(Greeting|Received): undefined$/m.test(printed)) {
    return 'the client read its inbox before the greeting had arrived: when the queue is empty, next() must wait for the next message, not return what is (not) there.';
  }
  if (printed.includes('Greeting: Server reply:')) {
    return 'the client took the reply for the greeting: it missed the greeting the server sends the moment the connection opens. Attach the "message" listener (and queue what arrives) right after new WebSocket(url), before the first await.';
  }
  if (/Received: .*,(true|false)$/m.test(printed)) {
    return 'once(ws, "message") resolves to an array of the event\'s arguments, [data, isBinary]: take the first, and decode it with data.toString().';
  }
  return 'print `Greeting: <greeting>` and then `Received: <reply>`, each on its own line, to the `out` stream you were given.';
}

/** Why a client is still waiting, judged from its socket: what it waits for, on a socket in which state. */
function hintWhilePending(watch: ClientWatch, otherwise: string): string {
  if (watch.closedAgain.size > 0) {
    return 'your code called close() on a socket that was already CLOSED, and waits for its "close" event: that event has fired already, and a CLOSED socket emits nothing more. In your close step, return at once when ws.readyState === WebSocket.CLOSED.';
  }
  for (const ws of watch.sockets) {
    if (ws.readyState === WebSocket.CLOSED && ws.listenerCount('open') > 0) {
      return 'the connection failed and is CLOSED, but your code still waits for "open", which will never come: only "error" and then "close" did. Wait with once(ws, "open"): it rejects when "error" comes first.';
    }
  }
  return otherwise;
}

/** Fails with a learner-facing message unless runClient resolved. */
function expectResolved(outcome: Outcome, watch: ClientWatch, printed: string, task: string): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'resolved':
      return;
    case 'rejected':
      return fail({ expected: task, actual: `runClient rejected with ${describeError(outcome.error)}`, hint: hintForError(outcome.error) });
    case 'crashed':
      return fail({ expected: task, actual: `an error that nothing caught (a real program would stop here): ${outcome.message}`, hint: 'add an "error" listener to the socket right after new WebSocket(url).' });
    case 'pending':
      return fail({
        expected: `${task}, within ${WAIT_MS} ms`,
        actual: `runClient was still waiting; it had printed ${printed ? show(printed) : 'nothing'}`,
        hint: hintWhilePending(watch, printed.includes('Greeting:') && !printed.includes('Greeting: Server reply:')
          ? 'a message your code waits for never came: await each message exactly once, and make sure the close is answered (await the "close" event after ws.close(1000)).'
          : 'it is probably waiting for a message it missed. The server greets the moment the connection opens, often in the same packet as the handshake: ws emits that message before code after `await` runs again. Attach the "message" listener right after new WebSocket(url), before the first await, and queue what arrives.'),
      });
  }
}

/** Fails with a learner-facing message unless runClient rejected (without crashing or hanging). */
function expectRejected(outcome: Outcome, watch: ClientWatch, printed: string, task: string, hint: string): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'rejected':
      return;
    case 'resolved':
      return fail({ expected: task, actual: `runClient resolved as if all went well; it printed ${printed ? show(printed) : 'nothing'}`, hint });
    case 'crashed':
      return fail({ expected: task, actual: `an error that nothing caught, which Node turns into an uncaught exception: a real program would stop here (${outcome.message})`, hint: 'keep an "error" listener on the socket for its whole life, from new WebSocket(url) on (not only while connecting), and reject whatever waits with its error.' });
    case 'pending':
      return fail({ expected: `${task}, within ${WAIT_MS} ms`, actual: `runClient was still waiting; it had printed ${printed ? show(printed) : 'nothing'}`, hint: hintWhilePending(watch, hint) });
  }
}

function rethrowTodo(outcome: Outcome): void {
  if (outcome.state === 'rejected' && outcome.error instanceof Error && outcome.error.name === 'TodoError') throw outcome.error;
}

/** A test server that sends `greetings` at open, in the handshake's packet, and answers with replyTo(). */
async function greeterPeer(net: Harness, greetings: (string | Buffer)[]): Promise<Peer> {
  const peer = await net.peer();
  // 'headers' comes just before the 101 answer is written: holding the writes until the greetings
  // are queued too sends them all in one packet, so the client reads them together, every time.
  peer.wss.on('headers', (_headers, request) => request.socket.cork());
  peer.wss.on('connection', (socket, request) => {
    for (const greeting of greetings) socket.send(greeting);
    request.socket.uncork();
    socket.on('message', (data) => socket.send(replyTo(data.toString())));
  });
  return peer;
}

// --- the client's sockets ----------------------------------------------------------------------

/** What the client under test did with its sockets: sends while CONNECTING, and every client socket. */
interface ClientWatch {
  earlySends: string[];
  sockets: Set<WebSocket>;
  /** Sockets on which close() was called when they were already CLOSED (a wait for "close" that never ends). */
  closedAgain: Set<WebSocket>;
}

/**
 * Runs `body` while watching the client sockets the code under test creates (ws's send and on, on
 * the WebSocket prototype): a send() made while CONNECTING is recorded with where it was made, so
 * the failure can say so even when a later error hides it, and a client that is still waiting can
 * be told what its socket is doing. Afterwards the client's sockets are closed, so a socket it
 * left connecting cannot fail a later check.
 */
async function watchingClient(body: (watch: ClientWatch) => Promise<void>): Promise<void> {
  const watch: ClientWatch = { earlySends: [], sockets: new Set(), closedAgain: new Set() };
  const proto = WebSocket.prototype;
  const send = Object.getOwnPropertyDescriptor(proto, 'send');
  const close = Object.getOwnPropertyDescriptor(proto, 'close');
  const on = Object.getOwnPropertyDescriptor(proto, 'on');
  const noteSocket = (ws: WebSocket): void => { if (ws.url) watch.sockets.add(ws); };
  proto.send = function watchedSend(this: WebSocket, ...args: unknown[]): void {
    noteSocket(this);
    if (this.url && this.readyState === WebSocket.CONNECTING) watch.earlySends.push(whereInClient(new Error().stack));
    (send?.value as (...a: unknown[]) => void).apply(this, args);
  } as WebSocket['send'];
  proto.close = function watchedClose(this: WebSocket, ...args: unknown[]): void {
    noteSocket(this);
    if (this.url && this.readyState === WebSocket.CLOSED) watch.closedAgain.add(this);
    (close?.value as (...a: unknown[]) => void).apply(this, args);
  } as WebSocket['close'];
  proto.on = function watchedOn(this: WebSocket, ...args: unknown[]): WebSocket {
    noteSocket(this);
    return (proto.addListener as (...a: unknown[]) => WebSocket).apply(this, args);
  } as WebSocket['on'];
  try {
    await body(watch);
  } finally {
    if (send) Object.defineProperty(proto, 'send', send);
    if (close) Object.defineProperty(proto, 'close', close);
    if (on) Object.defineProperty(proto, 'on', on);
    else delete (proto as { on?: unknown }).on;
    for (const ws of watch.sockets) {
      ws.on('error', () => {});
      ws.terminate();
    }
  }
}

/** `client.ts:12:5`, from a stack taken inside ws.send. */
function whereInClient(stack: string | undefined): string {
  const frame = (stack ?? '').split('\n').find((line) => /client\.ts:\d+/.test(line));
  const at = frame && /([^/\\(\s]*client\.ts:\d+(?::\d+)?)/.exec(frame)?.[1];
  return at ?? 'client.ts';
}

/** A send() while CONNECTING is the cause of whatever follows: say it first, and plainly. */
function expectNoEarlySend(watch: ClientWatch): void {
  const where = watch.earlySends[0];
  if (where === undefined) return;
  fail({
    expected: 'ws.send() only once the connection is open',
    actual: `ws.send() ran while the socket was still CONNECTING (at ${where}); it throws "WebSocket is not open: readyState 0 (CONNECTING)"`,
    hint: 'new WebSocket(url) returns before the handshake is done (trap 1). Wait for the "open" event first: await once(ws, "open") (once from node:events), then send.',
  });
}

// --- the file as a program ---------------------------------------------------------------------

const HERE = dirname(fileURLToPath(import.meta.url));

