// Self-checks for lesson 04. Run: npm run check lesson-04
// Each check runs your client for real against a server on 127.0.0.1 with a free port, and each
// one catches one of the traps in README.md.
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, fail, show, WAIT_MS, type Harness, type Peer } from '../../checks/harness.ts';
import { createServer, GREETING, replyTo } from './greeter-server.ts';
import { MESSAGE, runClient } from './client.ts';

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
  if (printed.includes('Greeting: Server reply:')) {
    return 'the client took the reply for the greeting: it missed the greeting the server sends the moment the connection opens. Attach the "message" listener (and queue what arrives) right after new WebSocket(url), before the first await.';
  }
  return 'print `Greeting: <greeting>` and then `Received: <reply>`, each on its own line, to the `out` stream you were given.';
}

/** Fails with a learner-facing message unless runClient resolved. */
function expectResolved(outcome: Outcome, printed: string, task: string): void {
  switch (outcome.state) {
    case 'resolved':
      return;
    case 'rejected':
      return fail({ expected: task, actual: `runClient rejected with ${describeError(outcome.error)}`, hint: hintForError(outcome.error) });
    case 'crashed':
      return fail({ expected: task, actual: `an error that nothing caught (a real program would crash here): ${outcome.message}`, hint: 'add an "error" listener to the socket right after new WebSocket(url).' });
    case 'pending':
      return fail({
        expected: `${task}, within ${WAIT_MS} ms`,
        actual: `runClient was still waiting; it had printed ${printed ? show(printed) : 'nothing'}`,
        hint: printed.includes('Greeting:') && !printed.includes('Greeting: Server reply:')
          ? 'a message your code waits for never came: await each message exactly once, and make sure the close is answered (await the "close" event after ws.close(1000)).'
          : 'it is probably waiting for a message it missed. The server greets the moment the connection opens, often in the same packet as the handshake: ws emits that message before code after `await` runs again. Attach the "message" listener right after new WebSocket(url), before the first await, and queue what arrives.',
      });
  }
}

/** A test server that greets at open and answers with replyTo(); corked so the greeting arrives in the handshake's packet. */
async function greeterPeer(net: Harness, greeting: string): Promise<Peer> {
  const peer = await net.peer();
  // 'headers' comes just before the 101 answer is written: holding the writes until the greeting
  // is queued too sends both in one packet, so the client reads them together, every time.
  peer.wss.on('headers', (_headers, request) => request.socket.cork());
  peer.wss.on('connection', (socket, request) => {
    socket.send(greeting);
    request.socket.uncork();
    socket.on('message', (data) => socket.send(replyTo(data.toString())));
  });
  return peer;
}


describe('the greeter client', () => {
  check('receives the greeting and the reply and prints them as text', async ({ net }) => {
    const server = await net.serve(createServer);
    const out = net.output();
    const outcome = await settle(net, runClient(server.url, { out }));
    await letConnectionLand(net, outcome, server.connections);
    expectResolved(outcome, out.text, 'runClient to print the greeting and the reply, close, and resolve');
    const expected = `Greeting: ${GREETING}\nReceived: ${replyTo(MESSAGE)}\n`;
    if (out.text !== expected) {
      fail({ expected: `the client to print ${show(expected)}`, actual: show(out.text), hint: hintForOutput(out.text) });
    }
  });

  check('rejects with a clear error, instead of crashing, when nothing listens at the URL', async ({ net }) => {
    const port = await closedPort();
    const url = `ws://127.0.0.1:${port}`;
    const outcome = await settle(net, runClient(url, { out: net.output() }));
    const task = `runClient(${show(url)}) to reject with the connection error (ECONNREFUSED)`;
    switch (outcome.state) {
      case 'crashed':
        fail({
          expected: task,
          actual: `an 'error' event that nothing listened for, which Node throws: a real program would crash here (${outcome.message})`,
          hint: 'add ws.on("error", …) right after new WebSocket(url), and wait for "open" with once(ws, "open"): it rejects when "error" comes first.',
        });
        break;
      case 'pending':
        fail({
          expected: `${task} within ${WAIT_MS} ms`,
          actual: 'runClient was still waiting',
          hint: 'when the connection fails, "open" never comes: only "error" and then "close". Reject when "error" comes (once(ws, "open") does that for you).',
        });
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
            actual: `it rejected with ${describeError(error)}${crash ? `, and then the connection error, with no 'error' listener, crashed the program (${crash})` : ''}`,
            hint: /not open/.test(message) ? hintForError(error) : 'reject with the error ws reports (or wrap it, and keep the original as `cause`).',
          });
        }
      }
    }
    // A second, unlistened 'error' right after the rejection would still crash a real program.
    await new Promise((resolve) => setImmediate(resolve));
    net.throwIfLearnerCrashed();
  });

  check('does not miss a message the server sends right at open', async ({ net }) => {
    const greeting = 'Hi! (sent the moment the connection opened)';
    const peer = await greeterPeer(net, greeting);
    const out = net.output();
    const outcome = await settle(net, runClient(peer.url, { out }));
    await letConnectionLand(net, outcome, peer.connections);
    expectResolved(outcome, out.text, 'runClient to print the greeting the server sent at open, then the reply');
    if (!out.text.startsWith(`Greeting: ${greeting}\n`)) {
      fail({
        expected: `the client to print ${show(`Greeting: ${greeting}`)} first`,
        actual: show(out.text),
        hint: hintForOutput(out.text),
      });
    }
  });

  check('closes with code 1000 and returns only after the close completes', async ({ net }) => {
    const peer = await greeterPeer(net, GREETING);
    let serverSideAtReturn: number | undefined;
    const out = net.output();
    const run = runClient(peer.url, { out });
    const outcome = await settle(net, run, () => { serverSideAtReturn = peer.connections[0]?.readyState; });
    await letConnectionLand(net, outcome, peer.connections);
    expectResolved(outcome, out.text, 'runClient to talk to the server, close, and resolve');
    const connection = await peer.nextConnection();
    // The moment runClient returned, the server must already have had the client's close frame.
    if (serverSideAtReturn === WebSocket.OPEN) {
      fail({
        expected: 'runClient to return only after the closing handshake',
        actual: 'it returned while the connection was still open',
        hint: 'ws.close(1000) only starts the handshake. Wait for the "close" event (listen first, then call close) before returning.',
      });
    }
    const closed = await connection.waitClosed({ hint: 'call ws.close(1000) when the conversation is over.' });
    if (closed.code !== 1000) {
      fail({
        expected: 'the server to see close code 1000 (normal closure)',
        actual: `code ${closed.code}`,
        hint: closed.code === 1006 ? 'code 1006 means the TCP connection was dropped without a closing handshake: use ws.close(1000), not ws.terminate().' : 'call ws.close(1000).',
      });
    }
  });
});
