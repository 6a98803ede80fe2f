// Self-checks for lesson 08. Run: npm run check lesson-08
// Each check starts your chat room for real, on 127.0.0.1 with a free port, and connects clients.
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, fail, show, tcpSocket, type Endpoint, type Harness, type RunningServer } from '../../checks/harness.ts';
import { createServer, type ChatServer, type ChatServerOptions } from './server.ts';

interface Incoming {
  type: string;
  message?: unknown;
  count?: unknown;
}

const FORMAT_HINT = 'send every chat message as JSON text: JSON.stringify({ type: "chat", message: text }) (chatFrame does it).';

function parse(text: string, where: string): Incoming {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail({ expected: `${where} to be JSON like {"type":"chat","message":"c1: hi"}`, actual: show(text), hint: FORMAT_HINT });
  }
  if (typeof value !== 'object' || value === null || typeof (value as Incoming).type !== 'string') {
    fail({ expected: `${where} to be an object with a "type"`, actual: show(text), hint: FORMAT_HINT });
  }
  return value as Incoming;
}

/** Reads `count` messages and returns the text of each chat message, failing on anything else. */
async function chats(client: Endpoint, count: number, hint: string, within?: number): Promise<string[]> {
  const texts = await client.texts(count, { hint, ...(within ? { within } : {}) });
  return texts.map((text, i) => {
    const message = parse(text, `message ${i + 1} on ${client.label}`);
    if (message.type !== 'chat' || typeof message.message !== 'string') {
      fail({ expected: `message ${i + 1} on ${client.label} to be a chat message`, actual: show(text), hint: FORMAT_HINT });
    }
    return message.message;
  });
}

function chatServer(server: RunningServer): ChatServer {
  return server.wss as ChatServer;
}

/** Stops reading from the socket, like a client on a stalled network: the server's writes pile up. */
function stopReading(client: Endpoint): void {
  tcpSocket(client.ws).pause();
}

function resumeReading(client: Endpoint): void {
  tcpSocket(client.ws).resume();
}

describe('the chat room', () => {
  check('the seed\'s demo: c1 and c2 each say hi, and each receives both messages', async ({ net }) => {
    const server = await net.serve(createServer);
    const c1 = await net.connect(server.url, { label: 'c1' });
    const c2 = await net.connect(server.url, { label: 'c2' });
    c1.send('c1: hi');
    c2.send('c2: hi');
    for (const client of [c1, c2]) {
      const got = await chats(client, 2, 'add each socket to the room when it connects (room.set), then on each message build the frame once (chatFrame(text)) and deliver it to every member, the sender too.');
      expectEqual([...got].sort(), ['c1: hi', 'c2: hi'], `what ${client.label} received`, 'every client, the sender included, receives every message exactly once.');
    }
  });

  check('50 clients each receive every message, in order per sender', async ({ net }) => {
    const server = await net.serve(createServer);
    const clients = await net.connectMany(server.url, 50);
    const senders = clients.slice(0, 5);
    const perSender = 20;
    for (let n = 1; n <= perSender; n += 1) {
      senders.forEach((sender, s) => sender.send(`sender ${s + 1}: ${n}`));
    }
    const total = senders.length * perSender;
    for (const client of clients) {
      const got = await chats(client, total, 'every message goes to every client in the room: loop over the whole room for each message.');
      for (let s = 1; s <= senders.length; s += 1) {
        const fromSender = got.filter((text) => text.startsWith(`sender ${s}: `)).map((text) => Number(text.split(': ')[1]));
        const expected = Array.from({ length: perSender }, (_, i) => i + 1);
        expectEqual(fromSender.join(','), expected.join(','), `the messages of sender ${s} as ${client.label} received them`,
          'send each message to everyone as soon as it arrives, in the order it arrived: do not batch, reorder or skip.');
      }
    }
  });

  check('answers an empty message with an error, to the sender only', async ({ net }) => {
    const server = await net.serve(createServer);
    const alice = await net.connect(server.url, { label: 'alice' });
    const bob = await net.connect(server.url, { label: 'bob' });
    alice.send('');
    const reply = parse(await alice.nextText({ waitingFor: 'an error reply to an empty message', hint: 'answer an empty (or blank) message with {"type":"error","message":"…"} to its sender.' }), 'the reply to an empty message');
    expectEqual(reply.type, 'error', 'the type of the reply to an empty message', 'an empty message is not broadcast: answer its sender with {"type":"error", "message": "…"}.');
    bob.send('bob: still here');
    const next = await chats(bob, 1, 'keep the connection open after an error reply.');
    expectEqual(next[0], 'bob: still here', 'the next message bob received', 'an empty message must reach no one else: only its sender gets the error.');
  });

  check('refuses a binary frame with close code 1003, and broadcasts nothing', async ({ net }) => {
    const server = await net.serve(createServer);
    const sender = await net.connect(server.url, { label: 'the client sending binary' });
    const other = await net.connect(server.url, { label: 'another client' });
    sender.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    const closed = await sender.waitClosed({ hint: 'a chat room takes text: close a binary message\'s connection with socket.close(1003, …).' });
    expectEqual(closed.code, 1003, 'the close code for a binary frame', 'use 1003 ("unsupported data") for a binary frame.');
    other.send('other: hello');
    const got = await chats(other, 1, 'keep serving the other clients.');
    expectEqual(got[0], 'other: hello', 'the first message the other client received', 'a binary frame must not be broadcast: check isBinary before anything else.');
  });
});

describe('leavers', () => {
  check('a leaver is removed from the room before the next broadcast', async ({ net }) => {
    const server = await net.serve(createServer);
    const room = chatServer(server).room;
    const alice = await net.connect(server.url, { label: 'alice' });
    const bob = await net.connect(server.url, { label: 'bob (leaves cleanly)' });
    const carol = await net.connect(server.url, { label: 'carol (vanishes)' });
    const [, bobOnServer, carolOnServer] = server.connections;
    if (!bobOnServer || !carolOnServer) throw new Error('harness: expected three server-side sockets');
    if (!(room instanceof Map) || room.size !== 3) {
      fail({ expected: 'the room to hold the 3 connected clients', actual: room instanceof Map ? `${room.size}` : show(room), hint: 'add each new socket to the room in the "connection" handler: room.set(socket, member).' });
    }
    // Record any send the server attempts to a socket that has left.
    const sentToLeaver: string[] = [];
    for (const [socket, name] of [[bobOnServer, 'bob'], [carolOnServer, 'carol']] as const) {
      const send = socket.send.bind(socket) as (...args: unknown[]) => void;
      (socket as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
        if (socket.readyState !== WebSocket.OPEN) sentToLeaver.push(name);
        send(...args);
      };
    }

    for (const [leaver, onServer, how] of [[bob, bobOnServer, 'closed cleanly'], [carol, carolOnServer, 'dropped without a closing handshake']] as const) {
      if (leaver === bob) await bob.close(); else carol.terminate();
      await net.waitUntil(() => onServer.readyState === WebSocket.CLOSED, 3000, () => fail({
        expected: `the server to see that ${leaver.label} left`, actual: 'its connection is still open on the server', hint: 'the server notices a leaver through the socket\'s "close" event.',
      }));
      if (room.has(onServer)) {
        fail({
          expected: `a client that ${how} to leave the room at once (when its "close" event fires)`,
          actual: `it is still in the room (${room.size} members)`,
          hint: 'in socket.on("close", …) remove the socket from the room: room.delete(socket). A room that never shrinks leaks memory and sends to dead connections.',
        });
      }
      alice.send(`alice: after ${leaver.label} left`);
      await chats(alice, 1, 'keep broadcasting to the clients that are still there.');
    }
    if (sentToLeaver.length > 0) {
      fail({ expected: 'no sends to a connection that has closed', actual: `the server sent to ${sentToLeaver.join(', ')} after they left`, hint: 'remove leavers from the room in their "close" handler, and skip any socket that is not OPEN.' });
    }
    expectEqual(room.size, 1, 'the room size with only alice left', 'every client that leaves must leave the room.');
    expectEqual(server.wss.clients.size, 1, 'wss.clients.size with only alice left', 'do not keep references to closed sockets.');
    await alice.close();
    await net.waitUntil(() => room.size === 0, 3000, () => fail({ expected: 'an empty room after the last client left', actual: `${room.size} members`, hint: 'remove each socket from the room when it closes.' }));
  });
});

// A client that stops reading: its server-side buffer would grow without end if nothing stopped it.
const LIMIT = 256 * 1024;
const BIG_CHARS = 60_000;
const BATCH = 10;
const MAX_MESSAGES = 300;
const FAST_WITHIN_MS = 4000;
const DELAY_HINT = 'broadcast must never wait for one client before sending to the next: call socket.send(frame) for each member and move on (no await, no waiting for a send callback). A client that stops reading never calls back.';
const LIMIT_HINT = 'before each send, look at client.bufferedAmount: when it plus the message is above maxBufferedBytes, close that client (1013) or drop the message for it, but do not queue more.';

interface SlowRoom {
  server: RunningServer;
  slow: Endpoint;
  slowOnServer: WebSocket;
  fast: Endpoint[];
  sent: number;
  /** The largest bufferedAmount the server had for the slow client at any sample. */
  maxBuffered: number;
}

/** A room whose first member stops reading, then three fast clients; the first fast one sends. */
async function slowRoom(net: Harness, options: ChatServerOptions = {}): Promise<SlowRoom> {
  const server = await net.serve(createServer, { maxBufferedBytes: LIMIT, ...options });
  // The slow client joins first, so a broadcast that waits for it holds up everyone after it.
  const slow = await net.connect(server.url, { label: 'the client that stopped reading' });
  const slowOnServer = server.connections[0];
  if (!slowOnServer) throw new Error('harness: no server-side socket');
  const fast: Endpoint[] = [];
  for (let i = 1; i <= 3; i += 1) fast.push(await net.connect(server.url, { label: `fast client ${i}` }));
  stopReading(slow);
  return { server, slow, slowOnServer, fast, sent: 0, maxBuffered: 0 };
}

function bigMessage(n: number): string {
  const head = `msg ${n} `;
  return head + 'x'.repeat(BIG_CHARS - head.length);
}

/**
 * Sends 60 kB messages in batches of 10 from a fast client until `enough` says so (or the slow
 * client's connection is no longer open), checking after every batch that every fast client got
 * it promptly and that the server's buffer for the slow client stayed under the limit.
 */
async function pump(room: SlowRoom, enough: () => boolean, { enforceLimit = true } = {}): Promise<void> {
  const [sender, watcher] = room.fast;
  if (!sender || !watcher) throw new Error('harness: no fast clients');
  const bound = LIMIT + BIG_CHARS + 1024;
  const sample = (): void => {
    room.maxBuffered = Math.max(room.maxBuffered, room.slowOnServer.bufferedAmount);
  };
  // Sample whenever a broadcast has reached a fast client, i.e. right after the server sent it.
  watcher.ws.on('message', sample);
  try {
    while (room.sent < MAX_MESSAGES && room.slowOnServer.readyState === WebSocket.OPEN && !enough()) {
      for (let i = 0; i < BATCH; i += 1) sender.send(bigMessage(room.sent + i + 1));
      // The receivers are the other two fast clients (the sender's own copy is not waited for).
      for (const client of room.fast.slice(1)) {
        const got = await chats(client, BATCH, DELAY_HINT, FAST_WITHIN_MS);
        got.forEach((text, i) => {
          if (!text.startsWith(`msg ${room.sent + i + 1} `)) {
            fail({ expected: `${client.label} to receive message ${room.sent + i + 1}`, actual: show(text.slice(0, 20)), hint: 'every fast client must get every message, in order, whatever a slow client does.' });
          }
        });
      }
      room.sent += BATCH;
      sample();
      if (enforceLimit && room.maxBuffered > bound) {
        fail({
          expected: `the server to hold at most about ${bound} bytes (maxBufferedBytes ${LIMIT} plus one message) for a client that stopped reading`,
          actual: `${room.maxBuffered} bytes waiting for it after ${room.sent} messages, and growing`,
          hint: LIMIT_HINT,
        });
      }
    }
  } finally {
    watcher.ws.off('message', sample);
  }
}

describe('a client that stops reading', () => {
  check('does not delay the others: every fast client gets every message promptly', async ({ net }) => {
    const room = await slowRoom(net);
    // Runs past the point where the slow client's kernel buffers are full (about 4 MB on
    // Linux): from there on, a broadcast that waits for it would wait for ever.
    await pump(room, () => false, { enforceLimit: false });
  });

  check('the server\'s buffer for it stays under maxBufferedBytes', async ({ net }) => {
    const room = await slowRoom(net);
    await pump(room, () => false);
    const bound = LIMIT + BIG_CHARS + 1024;
    room.maxBuffered = Math.max(room.maxBuffered, room.slowOnServer.bufferedAmount);
    if (room.maxBuffered > bound) {
      fail({
        expected: `the server to hold at most about ${bound} bytes for the client that stopped reading`,
        actual: `${room.maxBuffered} bytes waiting for it after ${room.sent} messages`,
        hint: LIMIT_HINT,
      });
    }
  });

  check('is closed with code 1013 and leaves the room at once (slowConsumer "close", the default)', async ({ net }) => {
    const room = await slowRoom(net, { closeGraceMs: 30_000 });
    await pump(room, () => false);
    const members = chatServer(room.server).room;
    if (members.has(room.slowOnServer)) {
      fail({ expected: 'a client closed for being slow to leave the room at once', actual: 'it is still in the room', hint: 'in the "close" policy, room.delete(client) before client.close(1013, …).' });
    }
    // Once it reads again it drains what was queued, then finds the close frame.
    resumeReading(room.slow);
    const closed = await room.slow.waitClosed({ within: 10_000, hint: 'close a slow client with client.close(1013, "too slow…"): the close frame waits behind its unread data.' });
    expectEqual(closed.code, 1013, 'the close code a slow client gets', 'use 1013 ("try again later"): the client should reconnect and catch up.');
  });

  check('is dropped (TCP) after closeGraceMs when it still does not read', async ({ net }) => {
    const room = await slowRoom(net, { closeGraceMs: 300 });
    await pump(room, () => false);
    await net.waitUntil(() => room.slowOnServer.readyState === WebSocket.CLOSED, 3000, () => fail({
      expected: 'the slow client\'s connection to be gone within about closeGraceMs (300 ms) of the close',
      actual: 'it is still closing: its close frame sits behind data it never reads, and so does the memory',
      hint: 'after client.close(1013, …) start a timer: setTimeout(() => client.terminate(), closeGraceMs), cleared on "close".',
    }));
  });

  check('with slowConsumer "drop": stays connected, misses messages, and is told how many', async ({ net }) => {
    const room = await slowRoom(net, { slowConsumer: 'drop' });
    const stats = chatServer(room.server).stats;
    await pump(room, () => stats.dropped > 0 && room.sent >= 2 * BATCH);
    if (stats.dropped === 0) {
      fail({ expected: 'messages to be dropped for the client that stopped reading', actual: `stats.dropped is 0 after ${room.sent} messages`, hint: 'with slowConsumer "drop", skip the send when the buffer is full, and count it: member.dropped += 1, stats.dropped += 1.' });
    }
    if (room.slowOnServer.readyState !== WebSocket.OPEN) {
      fail({ expected: 'the slow client to stay connected with slowConsumer "drop"', actual: 'the server closed it', hint: 'close only with the "close" policy; "drop" skips messages instead.' });
    }
    resumeReading(room.slow);
    await net.waitUntil(() => room.slowOnServer.bufferedAmount === 0, 10_000, () => fail({
      expected: 'the server\'s buffer for the slow client to drain once it reads again', actual: `${room.slowOnServer.bufferedAmount} bytes still waiting`, hint: 'do not hold back messages yourself: ws writes them as the client reads.',
    }));
    const sender = room.fast[0];
    if (!sender) throw new Error('harness: no sender');
    for (let i = 1; i <= 3; i += 1) sender.send(`msg ${room.sent + i}`);
    const total = room.sent + 3;
    // Walk what the slow client got: chats in order, with gaps exactly as large as the notices say.
    let expected = 1;
    let notices = 0;
    while (expected <= total) {
      const text = await room.slow.nextText({ within: 5000, waitingFor: `message ${expected} of ${total} (or a "dropped" notice)`, hint: 'once the client reads again, send it the next messages, preceded by {"type":"dropped","count":N}.' });
      const message = parse(text, 'a message to the slow client');
      if (message.type === 'dropped') {
        if (typeof message.count !== 'number' || message.count < 1) fail({ expected: 'a "dropped" notice with a positive count', actual: show(text), hint: 'send {"type":"dropped","count":member.dropped}.' });
        notices += 1;
        expected += message.count;
        continue;
      }
      const n = typeof message.message === 'string' ? Number(/^msg (\d+)/.exec(message.message)?.[1]) : NaN;
      if (n !== expected) {
        fail({
          expected: `message ${expected} next on the slow client (after the notices so far)`,
          actual: `message ${Number.isNaN(n) ? show(text.slice(0, 40)) : n}`,
          hint: 'before the first message a client gets after missing some, send {"type":"dropped","count":N} with exactly the number it missed, then reset the count.',
        });
      }
      expected += 1;
    }
    if (notices === 0) fail({ expected: 'a "dropped" notice before the messages after the gap', actual: 'none', hint: 'send {"type":"dropped","count":N} before the next message a client gets after missing some.' });
  });
});
