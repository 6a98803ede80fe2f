// Self-checks for lesson 01. Run: npm run check lesson-01
// Each check starts your server or client for real, on 127.0.0.1 with a free port.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, expectEqual, expectLoopbackByDefault, fail, show, survives, tcpSocket, WAIT_MS, type Harness, type Output } from '../../checks/harness.ts';
import { doneAndExited, exited, programSaid, runProgram, startServerProgram, importStartsNothing } from '../../checks/programs.ts';
import { DEFAULT_HIGH_WATER_BYTES } from '../../lib/send-buffer.ts';
import { createServer, MAX_MESSAGE_BYTES } from './server.ts';
import { MESSAGE, runClient } from './client.ts';

const MiB = 1024 * 1024;

/** Where a missing socket 'error' listener belongs, for survives(). */
const NO_ERROR_LISTENER_HINT = 'add an "error" listener to each socket in the "connection" handler (TODO 3): socket.on("error", (error) => log(`Connection error: ${error.message}`)). ws has already closed the broken connection; the listener only notes it.';

describe('the echo server', () => {
  check('answers "Hello WebSocket!" with "Echo: Hello WebSocket!"', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('Hello WebSocket!');
    const reply = await client.nextText({ waitingFor: 'the reply "Echo: Hello WebSocket!"', hint: 'in server.ts, call socket.send(`Echo: ${text}`) inside the "message" handler.' });
    expectEqual(reply, 'Echo: Hello WebSocket!', 'the reply', 'the reply is the text "Echo: " followed by exactly what the client sent.');
  });

  check('answers every message, in order, over 200 messages', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sent = Array.from({ length: 200 }, (_, i) => `message ${i + 1}`);
    for (const text of sent) client.send(text);
    const replies = await client.texts(sent.length, { hint: 'listen with socket.on("message"), not once(): every message needs its own reply.' });
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${sent[i]}`, `reply ${i + 1}`, 'reply to each message as it arrives; do not batch, reorder or skip.'));
  });

  check('keeps Chinese text and emoji intact', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const texts = ['你好，世界', '春眠不觉晓，处处闻啼鸟。', '👋🏽 WebSocket 🚀', 'é vs é (two ways to write it)'];
    for (const text of texts) client.send(text);
    const replies = await client.texts(texts.length);
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${texts[i]}`, `the reply to ${show(texts[i])}`,
      'decode the Buffer as UTF-8 (data.toString() does), and send a string back so it goes out as a text frame.'));
  });

  check('answers an empty message with "Echo: "', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('');
    const reply = await client.nextText({ waitingFor: 'the reply to an empty message', hint: 'an empty message is still a message: do not skip it with `if (!text) return`.' });
    expectEqual(reply, 'Echo: ', 'the reply to an empty message', 'reply with "Echo: " followed by the (empty) text.');
  });

  check('logs what clients send without letting them forge log lines or drive the terminal', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const texts = ['hi\nFAKE: admin logged in', '\u001b[2Jscreen cleared', 'tab\there\r\u0007'];
    for (const text of texts) client.send(text);
    const replies = await client.texts(texts.length);
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${texts[i]}`, `the reply to ${show(texts[i])}`,
      'escape the text only for the log: the echo itself goes back exactly as it came.'));
    const raw = server.logs.find((line) => CONTROL.test(line));
    if (raw !== undefined) {
      fail({
        expected: 'no control characters (newline, escape, bell …) from a client in the server log',
        actual: `the log line ${show(raw)}: printed raw, a "\\n" forges a second log line and "\\u001b[2J" clears the terminal`,
        hint: 'log client text through printable(): log(`Received: ${printable(text)}`). It turns control characters into visible escapes.',
      });
    }
    for (const part of ['FAKE: admin logged in', 'screen cleared']) {
      if (!server.logs.some((line) => line.includes(part))) {
        fail({
          expected: `the server log to show each message it received, escaped (one line containing ${show(part)})`,
          actual: server.logs.length > 0 ? `the log was ${show(server.logs.slice(-4))}` : 'an empty log',
          hint: 'log every text message: log(`Received: ${printable(text)}`).',
        });
      }
    }
  });

  check('answers a binary message with a binary echo of the same bytes', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    // Not valid UTF-8 on purpose: bytes are not text, and must come back untouched.
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]);
    client.send(bytes);
    const reply = await client.next({ waitingFor: 'the echo of a binary message', hint: 'answer binary messages too (TODO 2).' });
    const expected = Buffer.concat([Buffer.from('Echo: '), bytes]);
    if (!reply.isBinary || !Buffer.isBuffer(reply.data)) {
      fail({
        expected: `a binary frame holding the bytes of "Echo: " and then the ${bytes.length} bytes that were sent`,
        actual: `a text frame: ${show(reply.data)}`,
        hint: 'for a binary message (isBinary is true), do not decode the bytes as text: send Buffer.concat([Buffer.from("Echo: "), data]) with { binary: true }.',
      });
    }
    if (!reply.data.equals(expected)) {
      fail({ expected: `the bytes ${show([...expected])}`, actual: `the bytes ${show([...reply.data])}`, hint: 'the echo is the bytes of "Echo: " followed by exactly the bytes that were sent.' });
    }
  });

  check('never sends one client\'s echoes to another', async ({ net }) => {
    const server = await net.serve(createServer);
    const [alice, bob] = await net.connectMany(server.url, 2);
    if (!alice || !bob) throw new Error('harness: expected two clients');
    for (let i = 1; i <= 20; i += 1) {
      alice.send(`alice ${i}`);
      bob.send(`bob ${i}`);
    }
    const aliceReplies = await alice.texts(20);
    const bobReplies = await bob.texts(20);
    const leaked = [...aliceReplies.filter((r) => r.includes('bob')), ...bobReplies.filter((r) => r.includes('alice'))];
    if (leaked.length > 0) {
      fail({ expected: 'each client to get only the echoes of its own messages', actual: `${show(leaked.slice(0, 3))} reached the wrong client`, hint: 'reply with socket.send on the socket the message came from, not to every client in wss.clients.' });
    }
    await alice.expectQuiet(150, 'after its own 20 echoes', 'a client must get exactly one echo per message it sent.');
  });

  check('keeps serving after a client drops without closing', async ({ net }) => {
    const server = await net.serve(createServer);
    const rude = await net.connect(server.url, { label: 'a client that vanishes' });
    rude.send('about to vanish');
    rude.terminate();
    const polite = await net.connect(server.url, { label: 'the next client' });
    polite.send('still there?');
    expectEqual(await polite.nextText(), 'Echo: still there?', 'the reply to the next client', 'a client that disappears must not take the server down: add an "error" listener to each socket.');
  });

  check('accepts a message of exactly MAX_MESSAGE_BYTES, closes one a byte larger with 1009, and keeps serving', async ({ net }) => {
    const server = await net.serve(createServer);
    await survives(net, 'a client sending a message larger than MAX_MESSAGE_BYTES', NO_ERROR_LISTENER_HINT, async () => {
      const atLimit = await net.connect(server.url, { label: 'a client sending exactly MAX_MESSAGE_BYTES' });
      const largest = 'a'.repeat(MAX_MESSAGE_BYTES);
      atLimit.send(largest);
      const reply = await atLimit.nextText({ waitingFor: `the echo of a message of exactly ${MAX_MESSAGE_BYTES} bytes`, hint: 'pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...): the limit is inclusive.' });
      if (reply !== `Echo: ${largest}`) {
        fail({
          expected: `the echo of a message of exactly ${MAX_MESSAGE_BYTES} bytes: "Echo: " and then all of it (${'Echo: '.length + MAX_MESSAGE_BYTES} characters)`,
          actual: `${reply.length} characters: ${show(reply)}`,
          hint: 'echo the whole message exactly as it came: printable(...) is for the log line only, never for the reply.',
        });
      }

      const greedy = await net.connect(server.url, { label: 'a client sending MAX_MESSAGE_BYTES + 1 bytes' });
      greedy.send('b'.repeat(MAX_MESSAGE_BYTES + 1));
      const closed = await greedy.waitClosed({ waitingFor: 'the server to close the connection of a client whose message is too large', hint: 'create the server with new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES }).' });
      if (closed.code !== 1009) {
        fail({ expected: 'close code 1009 (message too big)', actual: `code ${closed.code}`, hint: 'let ws enforce maxPayload: it closes with 1009 by itself. Do not close the connection yourself.' });
      }
      await expectStillServing(net, server.url);
    });
  });

  check('closes a connection that sends a malformed frame (1002, 1007), logs why, and keeps serving', async ({ net }) => {
    const server = await net.serve(createServer);
    await survives(net, 'a client sending a malformed frame', NO_ERROR_LISTENER_HINT, async () => {
      const cases = [
        // A text frame "hi" without the mask every client frame must carry (RFC 6455 §5.1).
        { what: 'an unmasked frame', bytes: [0x81, 0x02, 0x68, 0x69], code: 1002, says: 'MASK must be set' },
        // A masked text frame (mask key 0) whose payload C3 28 is not valid UTF-8.
        { what: 'a text frame that is not valid UTF-8', bytes: [0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28], code: 1007, says: 'invalid UTF-8' },
      ];
      for (const { what, bytes, code, says } of cases) {
        const rogue = await net.connect(server.url, { label: `a client sending ${what}` });
        tcpSocket(rogue.ws).write(Buffer.from(bytes));
        const closed = await rogue.waitClosed({ waitingFor: `the server to close the connection after ${what}`, hint: 'ws closes such a connection by itself; do not catch and ignore its errors in a way that keeps the socket open.' });
        if (closed.code !== code) {
          fail({ expected: `close code ${code} after ${what}`, actual: `code ${closed.code}`, hint: 'let ws close a broken connection itself; it picks the right code.' });
        }
        if (!server.logs.some((line) => line.includes(says))) {
          fail({
            expected: `the server log to note the error (ws reports ${show(says)})`,
            actual: server.logs.length > 0 ? `the log ended with ${show(server.logs.slice(-3))}` : 'an empty log',
            hint: 'in the socket\'s "error" listener, log the error\'s message: socket.on("error", (error) => log(`Connection error: ${error.message}`)).',
          });
        }
      }
      await expectStillServing(net, server.url);
    });
  });

  check('stops reading from a client that never reads its echoes, and keeps answering others', async ({ net }) => {
    const server = await net.serve(createServer);
    const stalled = await net.connect(server.url, { label: 'a client that never reads' });
    const serverSide = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({
      expected: 'the server to accept the connection', actual: 'no "connection" event', hint: 'create the server with the host and port you were given.',
    }));
    // The client's TCP socket stops reading: echoes pile up on the server's side of the connection.
    tcpSocket(stalled.ws).pause();
    const bound = DEFAULT_HIGH_WATER_BYTES + 4 * MiB;
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, serverSide.bufferedAmount); }, 1);
    try {
      const request = 'x'.repeat(60_000);
      for (let i = 0; i < 500; i += 1) stalled.send(request); // 30 MB of echo requests
      await net.waitUntil(() => serverSide.isPaused || peak > bound, 20_000, () => ({
        expected: 'the server to stop reading from a client that sends 30 MB of requests and reads none of the echoes',
        actual: `it had ${mib(serverSide.bufferedAmount)} queued for that client and was still reading`,
        hint: 'keep the given limitSendBuffer(socket) line at the top of the "connection" handler.',
      }));
      // What the server had already read is still being answered; let that settle.
      await new Promise((resolve) => setTimeout(resolve, 300));
      peak = Math.max(peak, serverSide.bufferedAmount);
    } finally {
      clearInterval(sampler);
    }
    if (peak > bound) {
      fail({
        expected: `the echoes queued for a client that reads nothing to stay under ${mib(bound)}`,
        actual: `${mib(peak)} queued in the server's memory for that one client`,
        hint: 'a client that sends and never reads makes every echo pile up in the server\'s memory. Keep the given limitSendBuffer(socket) line at the top of the "connection" handler: it stops reading from such a client until it catches up.',
      });
    }
    if (!serverSide.isPaused) {
      fail({ expected: 'the server to have stopped reading from the stalled client', actual: 'it is reading again', hint: 'keep the given limitSendBuffer(socket) line: it pauses the socket and resumes it only once the client has caught up.' });
    }
    await expectStillServing(net, server.url);
  }, 60_000);

});

describe('the echo client', () => {
  check('sends "Hello WebSocket!" and prints "Received: Echo: Hello WebSocket!"', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settleClient(net, runClient(peer.url, { out }));
      expectClientFinished(outcome, watch, out, 'runClient to send MESSAGE, print the reply, close and resolve');
      const connection = await peer.nextConnection();
      const sent = await connection.nextText({ waitingFor: 'the client to send a message', hint: 'send MESSAGE once the connection is open.' });
      expectEqual(sent, MESSAGE, 'the message the client sends', 'send the MESSAGE constant, exactly.');
      const expected = 'Received: Echo: Hello WebSocket!\n';
      if (out.text !== expected) {
        fail({ expected: `the client to print ${show(expected)}`, actual: show(out.text), hint: hintForOutput(out.text) });
      }
    });
  });

  check('closes with code 1000 and returns only after the close completes', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
    const out = net.output();
    await watchingClient(async (watch) => {
      let serverSideAtReturn: number | undefined;
      const outcome = await settleClient(net, runClient(peer.url, { out }), () => { serverSideAtReturn = peer.connections[0]?.readyState; });
      expectClientFinished(outcome, watch, out, 'runClient to talk to the server, close, and resolve');
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({ waitingFor: 'the client to close the connection', hint: 'call ws.close(1000) when the conversation is over, and wait for the "close" event.' });
      if (closed.code === 1006) {
        fail({
          expected: 'the client to close with the closing handshake (code 1000)',
          actual: 'the client dropped the connection without the closing handshake: the server saw code 1006 (abnormal closure), no close frame',
          hint: 'code 1006: terminate() instead of close(). ws.terminate() destroys the TCP connection without a close frame; call ws.close(1000), then wait for the "close" event.',
        });
      }
      if (closed.code !== 1000) {
        fail({ expected: 'the server to see close code 1000 (normal closure)', actual: `code ${closed.code}`, hint: 'call ws.close(1000).' });
      }
      // The moment runClient returned, the server must already have had the client's close frame.
      if (serverSideAtReturn === WebSocket.OPEN) {
        fail({ expected: 'runClient to return only after the closing handshake', actual: 'it returned while the connection was still open (the close frame had not even reached the server)', hint: 'ws.close(1000) only starts the handshake: wait for the "close" event (await once(ws, "close")) before returning.' });
      }
    });
  });

  check('rejects, instead of waiting forever, when the server closes before replying', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', () => socket.close(1011, 'cannot answer now')));
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settleClient(net, runClient(peer.url, { out }));
      expectClientRejected(outcome, watch, out, 'runClient to reject when the connection closes before the reply arrives');
      const message = outcome.state === 'rejected' && outcome.error instanceof Error ? outcome.error.message : '';
      if (!message.includes('1011')) {
        fail({
          expected: 'the rejection to say the connection closed, with its code (1011)',
          actual: `it rejected with ${describeError(outcome.state === 'rejected' ? outcome.error : undefined)}`,
          hint: 'when "close" comes before the reply, reject with an Error that says so, with the close code: new Error(`connection closed (code ${code}) before a reply arrived`).',
        });
      }
      if (out.text.includes('Received:')) {
        fail({ expected: 'the client to print no reply (there was none)', actual: show(out.text), hint: 'print only a message that actually arrived.' });
      }
    });
  });

  check('rejects with the error, instead of crashing, when the server sends a malformed frame', async ({ net }) => {
    const peer = await net.peer();
    // A masked frame from a server breaks RFC 6455 §5.1: ws on the client side reports an error.
    peer.wss.on('connection', (socket) => socket.on('message', () => tcpSocket(socket).write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68, 0x69]))));
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settleClient(net, runClient(peer.url, { out }));
      expectClientRejected(outcome, watch, out, 'runClient to reject with the error ws reports for a malformed frame');
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !error.message.includes('MASK must be clear')) {
        fail({
          expected: 'the rejection to be the error ws reported ("Invalid WebSocket frame: MASK must be clear")',
          actual: `it rejected with ${describeError(error)}`,
          hint: 'while you wait for the reply, listen for "error" too and reject with that error (reject(error)), so the caller learns what went wrong.',
        });
      }
    });
  });
});

describe('the programs', () => {
  check('run from the command line: the server, then the client against it; 127.0.0.1 by default', async ({ net }) => {
    // Called with no host, as a script of yours might: it must not listen on every interface.
    await expectLoopbackByDefault(net, () => createServer({ port: 0, log: () => {} }));

    const { server, url: listening } = await startServerProgram(net, HERE, 'Echo server');
    const client = runProgram(net, HERE, ['client.ts', listening]);
    const clientExit = await doneAndExited(net, client, 'Received: Echo: Hello WebSocket!\n', `npx tsx client.ts ${listening}`);
    if (clientExit !== 0 || client.stdout() !== 'Received: Echo: Hello WebSocket!\n') {
      fail({
        expected: `\`npx tsx client.ts ${listening}\` to print "Received: Echo: Hello WebSocket!" and exit with code 0`,
        actual: programSaid(client),
        hint: 'the client checks above say more. Keep the last line of client.ts as given (runClientProgram), print to `out`, and let runClient resolve once the connection has closed, with no timer or socket left behind.',
      });
    }
    server.kill('SIGTERM');
    await exited(net, server, 'the server program, after SIGTERM (Ctrl+C),');

    const nowhere = `ws://127.0.0.1:${await closedPort()}`;
    const refused = runProgram(net, HERE, ['client.ts', nowhere]);
    const refusedExit = await exited(net, refused, `\`npx tsx client.ts ${nowhere}\` (where nothing listens)`);
    if (refusedExit !== 1 || !/^Echo client: .*ECONNREFUSED/m.test(refused.stderr())) {
      fail({
        expected: `\`npx tsx client.ts ${nowhere}\`, where nothing listens, to say "Echo client: connect ECONNREFUSED …" and exit with code 1`,
        actual: programSaid(refused),
        hint: 'let runClient reject with the connection error (await once(ws, "open") rejects when "error" comes first); the given last line of client.ts prints it.',
      });
    }

    // Importing server.ts (as the checks and `npm run play` do) must not start a server by itself.
    await importStartsNothing(net, HERE, ['server.ts'], { PORT: '0' }, 'keep the `if (isMain(import.meta.url))` guard on the last line of server.ts: only running the file as a program starts the server.');
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** Control characters a log line must never carry raw. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** A new client gets its echo: the server is still up and serving. */
async function expectStillServing(net: Harness, url: string): Promise<void> {
  const next = await net.connect(url, { label: 'the next client' });
  next.send('still there?');
  expectEqual(await next.nextText({ waitingFor: 'the echo to the next client' }), 'Echo: still there?', 'the reply to the next client', 'one broken client must not stop the server from serving the others.');
}

// --- the client under test ---------------------------------------------------------------------

type ClientOutcome =
  | { state: 'resolved' }
  | { state: 'rejected'; error: unknown }
  | { state: 'crashed'; message: string }
  | { state: 'pending' };

/** What the client under test did with its sockets: sends while CONNECTING, and every client socket, to clean up after. */
interface ClientWatch {
  earlySends: string[];
  sockets: Set<WebSocket>;
}

/**
 * Runs `body` while watching the client sockets the code under test creates (ws's send and on, on
 * the WebSocket prototype): a send() made while CONNECTING is recorded with where it was made, so
 * the failure can say so even when a later error (a close() in a finally) hides it. Afterwards the
 * client's sockets are closed, so a socket it left connecting cannot fail a later check.
 */
async function watchingClient(body: (watch: ClientWatch) => Promise<void>): Promise<void> {
  const watch: ClientWatch = { earlySends: [], sockets: new Set() };
  const proto = WebSocket.prototype;
  const send = Object.getOwnPropertyDescriptor(proto, 'send');
  const on = Object.getOwnPropertyDescriptor(proto, 'on');
  const noteSocket = (ws: WebSocket): void => { if (ws.url) watch.sockets.add(ws); };
  proto.send = function watchedSend(this: WebSocket, ...args: unknown[]): void {
    noteSocket(this);
    if (this.url && this.readyState === WebSocket.CONNECTING) watch.earlySends.push(whereInClient(new Error().stack));
    (send?.value as (...a: unknown[]) => void).apply(this, args);
  } as WebSocket['send'];
  proto.on = function watchedOn(this: WebSocket, ...args: unknown[]): WebSocket {
    noteSocket(this);
    return (proto.addListener as (...a: unknown[]) => WebSocket).apply(this, args);
  } as WebSocket['on'];
  try {
    await body(watch);
  } finally {
    if (send) Object.defineProperty(proto, 'send', send);
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

/** Waits (bounded) for runClient to settle; notices an error thrown where nothing could catch it. */
async function settleClient(net: Harness, run: Promise<void>, atSettle: () => void = () => {}): Promise<ClientOutcome> {
  let outcome: ClientOutcome = { state: 'pending' };
  run.then(
    () => { atSettle(); outcome = { state: 'resolved' }; net.wakeAll(); },
    (error: unknown) => { atSettle(); outcome = { state: 'rejected', error }; net.wakeAll(); },
  );
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    if (outcome.state !== 'pending') return outcome;
    const crash = net.crashMessage();
    if (crash !== undefined) return { state: 'crashed', message: crash };
    const remaining = deadline - performance.now();
    if (remaining <= 0) return outcome;
    await net.sleepUntilWoken(remaining);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

/** A send() while CONNECTING is the cause of whatever follows: say it first, and plainly. */
function expectNoEarlySend(watch: ClientWatch): void {
  const where = watch.earlySends[0];
  if (where === undefined) return;
  fail({
    expected: 'ws.send() only once the connection is open',
    actual: `ws.send() ran while the socket was still CONNECTING (at ${where}); it throws "WebSocket is not open: readyState 0 (CONNECTING)"`,
    hint: 'new WebSocket(url) returns before the handshake is done. Wait for the "open" event first: await once(ws, "open") (once from node:events), then send.',
  });
}

/** What to fix, judged from the error runClient rejected with. */
function hintForError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/not open: readyState 0/.test(message)) return 'ws.send() ran while the socket was still CONNECTING: wait for "open" (await once(ws, "open")) before you send.';
  if (/closed before the connection was established/.test(message)) return 'ws.close() ran while the socket was still CONNECTING: something before `await once(ws, "open")` failed or returned early.';
  if (/not open: readyState [23]/.test(message)) return 'ws.send() ran after the connection had started closing: send before you call close().';
  return 'the first line of the stack below that points into client.ts is where it went wrong.';
}

function rethrowTodo(outcome: ClientOutcome): void {
  if (outcome.state === 'rejected' && outcome.error instanceof Error && outcome.error.name === 'TodoError') throw outcome.error;
}

/** Fails with a learner-facing message unless runClient resolved. */
function expectClientFinished(outcome: ClientOutcome, watch: ClientWatch, out: Output, task: string): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'resolved':
      return;
    case 'rejected':
      return fail({ expected: task, actual: `runClient rejected with ${describeError(outcome.error)}`, hint: hintForError(outcome.error) });
    case 'crashed':
      return fail({ expected: task, actual: `an error that nothing caught (a real program would stop here): ${outcome.message}`, hint: 'await every promise you create, and keep an "error" listener on the socket while you wait (once(ws, "open") and once(ws, "message") bring one).' });
    case 'pending':
      return fail({
        expected: `${task}, within ${WAIT_MS} ms`,
        actual: `runClient was still waiting; it had printed ${out.text ? show(out.text) : 'nothing'}`,
        hint: out.text.includes('Received:')
          ? 'after printing, close with ws.close(1000) and wait for the "close" event: listen first (const closed = once(ws, "close")), then close, then await closed.'
          : 'wait for "open", then send MESSAGE, then wait for the reply ("message"). Listen for the reply before or right after you send, never after another await.',
      });
  }
}

/** Fails with a learner-facing message unless runClient rejected (without crashing or hanging). */
function expectClientRejected(outcome: ClientOutcome, watch: ClientWatch, out: Output, task: string): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'rejected':
      return;
    case 'resolved':
      return fail({ expected: task, actual: `runClient resolved as if all went well; it printed ${out.text ? show(out.text) : 'nothing'}`, hint: 'when the connection ends (or fails) before the reply, reject: the caller must learn that the echo never came.' });
    case 'crashed':
      return fail({ expected: task, actual: `an "error" event that nothing listened for, which Node turns into an uncaught exception: a real program would stop here (${outcome.message})`, hint: 'while you wait for the reply, listen for "error" as well as "message" and "close", and reject with the error.' });
    case 'pending':
      return fail({ expected: `${task}, within ${WAIT_MS} ms`, actual: 'runClient was still waiting for a reply that can never come', hint: 'while you wait for the reply, listen for "close" too: reject when the connection ends first. And if the socket is already CLOSED, do not wait for another "close" event.' });
  }
}

/** What to fix, judged from what the client printed. */
function hintForOutput(printed: string): string {
  if (/^Received: .*,(true|false)\n?$/s.test(printed)) {
    return 'once(ws, "message") resolves to an array of the event\'s arguments, [data, isBinary]: printing it prints both. Take the first: const [data] = await once(ws, "message"), then data.toString().';
  }
  if (printed.includes('<Buffer')) return 'a message arrives as a Buffer: decode it with data.toString() before you print it.';
  if (printed.includes('Promise {') || printed.includes('[object Promise]')) return 'a Promise was printed instead of its value: an `await` is missing.';
  if (printed.includes('[object Object]')) return 'an object was printed instead of the text: print data.toString() of the message.';
  return 'write `Received: ${reply}` and a newline to the `out` stream you were given (out.write), not console.log.';
}

// --- the files as programs ---------------------------------------------------------------------

const HERE = dirname(fileURLToPath(import.meta.url));

