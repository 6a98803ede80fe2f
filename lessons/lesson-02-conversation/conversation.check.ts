// Self-checks for lesson 02. Run: npm run check lesson-02
// Each check starts your code for real, on 127.0.0.1 with a free port.
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, fail, show, tcpSocket, WAIT_MS, type Endpoint, type Harness, type Outcome, type Peer } from '../../checks/harness.ts';
import { messages, type Message, type MessageIterator } from './messages.ts';
import { createServer } from './server.ts';
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

describe('messages(socket): the seed\'s recv() and async for', () => {
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
});

describe('the conversation server', () => {
  check('answers "Message 1" with "Server reply: Message 1"', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('Message 1');
    const reply = await client.nextText({ waitingFor: 'the reply "Server reply: Message 1"', hint: 'in converse(), loop with for await over messages(socket) and socket.send(`Server reply: ${message}`).' });
    expectEqual(reply, 'Server reply: Message 1', 'the reply', 'the reply is "Server reply: " followed by exactly what the client sent.');
    if (!server.logs.includes('Client said: Message 1')) {
      fail({ expected: 'the server to log "Client said: Message 1"', actual: `it logged ${show(server.logs)}`, hint: 'call log(`Client said: ${message}`) for each message (the log option, not console.log).' });
    }
  });

  check('answers many messages on one connection, in order', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sent = Array.from({ length: 100 }, (_, i) => `Message ${i + 1}`);
    for (const text of sent) client.send(text);
    const replies = await client.texts(sent.length, { hint: 'keep looping: one connection carries the whole conversation.' });
    replies.forEach((reply, i) => expectEqual(reply, `Server reply: ${sent[i]}`, `reply ${i + 1}`, 'reply to each message in the order it arrived.'));
  });

  check('logs "Client disconnected" when a client leaves', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('bye soon');
    await client.nextText();
    await client.close(1000);
    await net.waitUntil(() => server.logs.includes('Client disconnected'), WAIT_MS, () => ({
      expected: 'the server to log "Client disconnected" after the client closed', actual: `it logged ${show(server.logs)}`, hint: 'the for await loop ends when the connection closes; log "Client disconnected" in a finally block after it.',
    }));
  });

  check('keeps serving others after a client vanishes mid-conversation', async ({ net }) => {
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
    steady.send('still there?');
    expectEqual(await steady.nextText({ hint: 'one broken client must not stop the others: wrap the loop in try/catch/finally.' }), 'Server reply: still there?', 'the reply to the client that stayed', 'one broken client must not stop the others: wrap the loop in try/catch/finally.');
    const newcomer = await net.connect(server.url, { label: 'a new client' });
    newcomer.send('hi');
    expectEqual(await newcomer.nextText(), 'Server reply: hi', 'the reply to a new client', 'the server must keep accepting connections.');
  });
});

/** The client's connection, or the client's own error if it fails before connecting (a starter's TODO). */
async function connectionOf(peer: Peer, running: Promise<Outcome<void>>): Promise<Endpoint> {
  const failedEarly = running.then((outcome) => (outcome.kind === 'error' ? Promise.reject(outcome.error) : new Promise<never>(() => {})));
  return Promise.race([peer.nextConnection(), failedEarly]);
}

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
          hint: 'send the next message only after the reply to this one arrived: await the reply (replies.next()) inside the loop, as the seed awaits recv().',
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
    const outcome = await net.settle(runClient(peer.url, { out: net.output() }), WAIT_MS, () => ({
      expected: 'runClient to give up once the server closed the connection', actual: 'it was still waiting for a reply', hint: 'when replies.next() says done, the server is gone: throw an Error saying so.',
    }));
    if (outcome.kind === 'error' && outcome.error instanceof Error && outcome.error.name === 'TodoError') throw outcome.error;
    const connection = await peer.nextConnection();
    expectEqual(connection.received[0]?.data, 'Message 1', 'the first message the client sent', 'send "Message 1" first.');
    if (outcome.kind === 'value') {
      fail({ expected: 'runClient to reject: the server closed before answering "Message 1"', actual: 'it returned as if all went well', hint: 'check reply.done: an ended conversation without a reply is an error for this client.' });
    }
  });
});
