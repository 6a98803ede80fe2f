// Self-checks for lesson 08. Run: npm run check lesson-08
// Each check starts your chat room for real, on 127.0.0.1 with a free port, and connects clients.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, expectLoopbackByDefault, fail, show, survives, tcpSocket, WAIT_MS, type Endpoint, type Harness, type RunningServer } from '../../checks/harness.ts';
import { exited, programSaid, runProgram, startServerProgram, importStartsNothing } from '../../checks/programs.ts';
import { chatFrame, createServer, MAX_MESSAGE_BYTES, type ChatServer, type ChatServerOptions } from './server.ts';

interface Incoming {
  type: string;
  message?: unknown;
  count?: unknown;
  retryAfterMs?: unknown;
}

/** Checks that move many megabytes take their own time limit: a busy machine must not fail them. */
const HEAVY_MS = 30_000;

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

/** Short text for a failure message: the start of a long chat message. */
function head(text: string): string {
  return show(text.length > 24 ? `${text.slice(0, 24)}…` : text);
}

/** Where a missing socket 'error' listener belongs, for survives(). */
const NO_ERROR_LISTENER_HINT = 'add an "error" listener to each socket in the "connection" handler: socket.on("error", (error) => log(`client #${member.id} error: ${printable(error.message)}`)). ws has already closed the broken connection; the listener notes it.';

describe('the chat room', () => {
  check('the Python tutorial\'s demo: c1 and c2 each say hi, and each receives both messages', async ({ net }) => {
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
  }, HEAVY_MS);

  check('answers an empty or blank message with an error, to the sender only', async ({ net }) => {
    const server = await net.serve(createServer);
    const alice = await net.connect(server.url, { label: 'alice' });
    const bob = await net.connect(server.url, { label: 'bob' });
    for (const [blank, name] of [['', 'an empty message'], [' \t\n ', 'a whitespace-only message']] as const) {
      alice.send(blank);
      const reply = parse(await alice.nextText({ waitingFor: `an error reply to ${name}`, hint: 'answer an empty (or blank: text.trim() === "") message with {"type":"error","message":"…"} to its sender.' }), `the reply to ${name}`);
      expectEqual(reply.type, 'error', `the type of the reply to ${name}`, 'a blank message is not broadcast: answer its sender with {"type":"error", "message": "…"}.');
      if (typeof reply.message !== 'string' || reply.message.trim() === '') {
        fail({ expected: `the error reply to ${name} to say what is wrong in its "message"`, actual: show(reply), hint: 'errorFrame("empty message: nothing to broadcast"): a client shows it to its user.' });
      }
    }
    bob.send('bob: still here');
    const next = await chats(bob, 1, 'keep the connection open after an error reply.');
    expectEqual(next[0], 'bob: still here', 'the next message bob received', 'a blank message must reach no one else: only its sender gets the error.');
  });

  check('refuses a binary frame with close code 1003, and broadcasts nothing', async ({ net }) => {
    const server = await net.serve(createServer);
    const sender = await net.connect(server.url, { label: 'the client sending binary' });
    const other = await net.connect(server.url, { label: 'another client' });
    sender.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    const closed = await sender.waitClosed({ hint: 'a chat room takes text: close a binary message\'s connection with socket.close(1003, …).' });
    expectEqual(closed.code, 1003, 'the close code for a binary frame', 'use 1003 ("unsupported data") for a binary frame.');
    if (closed.reason.trim() === '') fail({ expected: 'a close reason that says why (e.g. "text messages only")', actual: 'an empty reason', hint: 'socket.close(1003, "text messages only").' });
    other.send('other: hello');
    const got = await chats(other, 1, 'keep serving the other clients.');
    expectEqual(got[0], 'other: hello', 'the first message the other client received', 'a binary frame must not be broadcast: check isBinary before anything else.');
  });

  check('takes a message of exactly 64 KiB, refuses a larger one (1009) and survives broken frames', async ({ net }) => {
    const server = await net.serve(createServer);
    const watcher = await net.connect(server.url, { label: 'a client watching the room' });
    const biggest = 'b'.repeat(MAX_MESSAGE_BYTES);
    const sender = await net.connect(server.url, { label: 'the client sending 64 KiB' });
    sender.send(biggest);
    const [got] = await chats(watcher, 1, 'a message of exactly maxPayload bytes (64 KiB) is allowed: broadcast it.', 10_000);
    expectEqual(got?.length, MAX_MESSAGE_BYTES, 'the length of the 64 KiB message as broadcast', 'broadcast the whole text.');

    const cases: { name: string; code: number; hint: string; send: (client: Endpoint) => void }[] = [
      {
        name: 'a text message one byte over 64 KiB', code: 1009, send: (client) => client.send(`${biggest}!`),
        hint: 'create the server with maxPayload: MAX_MESSAGE_BYTES: ws then refuses a larger message with 1009 before your handler sees it (its default is 100 MiB).',
      },
      {
        name: 'an unmasked frame (only servers may send those)', code: 1002,
        send: (client) => tcpSocket(client.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69])),
        hint: 'ws closes a broken connection with 1002 and emits "error" on its socket: listen for it (socket.on("error", …)), or the whole server crashes.',
      },
      {
        name: 'a text frame that is not valid UTF-8', code: 1007,
        send: (client) => client.ws.send(Buffer.from([0x68, 0xff, 0xfe]), { binary: false }),
        hint: 'ws closes with 1007 and emits "error" on the socket: listen for it (socket.on("error", …)), or the whole server crashes.',
      },
    ];
    await survives(net, 'broken and oversize frames', NO_ERROR_LISTENER_HINT, async () => {
      for (const [i, { name, code, hint, send }] of cases.entries()) {
        const client = await net.connect(server.url, { label: `the client sending ${name}` });
        send(client);
        const closed = await client.waitClosed({ hint });
        expectEqual(closed.code, code, `the close code for ${name}`, hint);
        // Clients #1 and #2 came first: this one is #3, #4, #5.
        const id = i + 3;
        await net.waitUntil(() => server.logs.some((line) => new RegExp(`#${id}\\b.*\\berror\\b`, 'i').test(line)), 3000, () => ({
          expected: `a log line saying what went wrong with client #${id} (${name}), like "client #${id} error: …"`,
          actual: show(server.logs.slice(-4)),
          hint: 'in the socket\'s "error" listener, log it: socket.on("error", (error) => log(`client #${member.id} error: ${printable(error.message)}`)).',
        }));
        watcher.send(`watcher: after ${name}`);
        const [next] = await chats(watcher, 1, `keep serving the others after ${name}.`);
        expectEqual(next, `watcher: after ${name}`, `the next message after ${name}`, 'a broken or oversize message must not be broadcast.');
      }
    });
  }, HEAVY_MS);

  check('writes what clients say to its log escaped and cut, so a newline cannot forge a log line', async ({ net }) => {
    const server = await net.serve(createServer);
    const mallory = await net.connect(server.url, { label: 'mallory' });
    const forged = 'hi\nclient #7 left (0 in the room)';
    mallory.send(forged);
    mallory.send(`long ${'y'.repeat(500)}`);
    await chats(mallory, 2, 'broadcast every message, the sender included.');
    const escape = 'log it with printable(text, 80) from lib/printable.ts: it turns a newline into \\n and cuts long text.';
    const forgedLine = server.logs.find((line) => line.includes('client #7'));
    if (!forgedLine || !forgedLine.includes('hi\\nclient #7 left')) {
      fail({ expected: 'a log line with the chat text escaped: hi\\nclient #7 left…', actual: forgedLine === undefined ? `no such line in ${show(server.logs)}` : show(forgedLine), hint: escape });
    }
    const broken = server.logs.find((line) => /[\n\r]/.test(line));
    if (broken !== undefined) fail({ expected: 'no line break inside a log line', actual: show(broken), hint: escape });
    const longLine = server.logs.find((line) => line.includes('long yyy'));
    const kept = `long ${'y'.repeat(75)}…`;
    if (!longLine || !longLine.endsWith(kept) || longLine.includes(`long ${'y'.repeat(76)}`)) {
      fail({ expected: `the log line of a 505-character message to end with its first 80 characters and "…"`, actual: longLine === undefined ? 'no such line' : `${show(longLine.slice(0, 40))}… (${longLine.length} characters)`, hint: escape });
    }
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
    for (const [pattern, what] of [
      [/client #1\b.*\bjoined\b/, 'client #1 joined'], [/client #2\b.*\bjoined\b/, 'client #2 joined'], [/client #3\b.*\bjoined\b/, 'client #3 joined'],
      [/client #2\b.*\bleft\b/, 'client #2 left'], [/client #3\b.*\bleft\b/, 'client #3 left'],
    ] as const) {
      if (!server.logs.some((line) => pattern.test(line))) {
        fail({ expected: `the log to say "${what}…" (each client numbered 1, 2, 3 … in the order it came)`, actual: show(server.logs), hint: 'log each join and each leave with the member\'s id: log(`client #${member.id} joined (${room.size} in the room)`), and "left" in the "close" listener.' });
      }
    }
    expectEqual(server.wss.clients.size, 1, 'wss.clients.size with only alice left', 'do not keep references to closed sockets.');
    await alice.close();
    await net.waitUntil(() => room.size === 0, 3000, () => fail({ expected: 'an empty room after the last client left', actual: `${room.size} members`, hint: 'remove each socket from the room when it closes.' }));
  });

  check('a client that has started to close gets nothing more, even before its connection is gone', async ({ net }) => {
    const server = await net.serve(createServer);
    const alice = await net.connect(server.url, { label: 'alice' });
    const dave = await net.connect(server.url, { label: 'dave (says goodbye, then stops reading)' });
    const daveOnServer = server.connections[1];
    if (!daveOnServer) throw new Error('harness: expected two server-side sockets');
    const sentWhileClosing: string[] = [];
    const send = daveOnServer.send.bind(daveOnServer) as (...args: unknown[]) => void;
    (daveOnServer as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
      if (daveOnServer.readyState !== WebSocket.OPEN) sentWhileClosing.push(show(String(args[0]).slice(0, 60)));
      send(...args);
    };
    // Dave sends a close frame (1000, masked with a zero key) and reads nothing more, so the
    // closing handshake cannot finish: the server sees CLOSING, and no "close" event yet.
    stopReading(dave);
    tcpSocket(dave.ws).write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
    await net.waitUntil(() => daveOnServer.readyState === WebSocket.CLOSING, 3000, () => ({
      expected: 'the server to start closing dave\'s connection when his close frame arrives', actual: `readyState ${daveOnServer.readyState}`, hint: 'ws answers a close frame by itself: do not get in its way.',
    }));
    alice.send('alice: is dave still here?');
    await chats(alice, 1, 'keep broadcasting to the clients that are still there.');
    if (sentWhileClosing.length > 0) {
      fail({
        expected: 'no sends to a connection that is closing (its "close" event has not fired yet)',
        actual: `the server sent ${sentWhileClosing.join(', ')} to dave while it was CLOSING`,
        hint: 'in deliver(), skip a client that is not OPEN: if (client.readyState !== WebSocket.OPEN) return. A closing client is still in the room until "close" fires.',
      });
    }
  });
});

// A client that stops reading: its server-side buffer would grow without end if nothing stopped it.
const LIMIT = 256 * 1024;
const BIG_CHARS = 60_000;
const BATCH = 10;
const MAX_MESSAGES = 300;
const FAST_WITHIN_MS = 4000;
/** These checks are about receivers: the sender's rate limit is set out of the way. */
const NO_RATE_LIMIT = { senderBurstBytes: 2 ** 40, senderBytesPerSecond: 2 ** 40 } as const;
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
  const server = await net.serve(createServer, { maxBufferedBytes: LIMIT, ...NO_RATE_LIMIT, ...options });
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

/** The chat messages a client received, checked to be `msg 1`, `msg 2`, … with no gap; returns how many. */
function contiguousFromOne(client: Endpoint, hint: string): number {
  let n = 0;
  for (const { data } of client.received) {
    const text = typeof data === 'string' ? data : data.toString('utf8');
    const message = parse(text, `a message to ${client.label}`);
    const expected = `msg ${n + 1} `;
    if (message.type !== 'chat' || typeof message.message !== 'string' || !message.message.startsWith(expected)) {
      fail({ expected: `message ${n + 1} next on ${client.label}, in order, with nothing missing`, actual: message.type === 'chat' && typeof message.message === 'string' ? head(message.message) : show(text.slice(0, 60)), hint });
    }
    n += 1;
  }
  return n;
}

/** The grace in the checks that watch its timer: long, and a value nothing else uses. */
const GRACE_MS = 29_000;

/**
 * Watches the timers the code under test starts with setTimeout(…, delayMs): the ones still
 * pending (neither fired nor cleared). Replaces the global setTimeout and clearTimeout until restore().
 */
function watchTimers(delayMs: number): { pending: () => number; restore: () => void } {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const live = new Set<unknown>();
  const watchedSet = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    const handle: NodeJS.Timeout = realSet(() => { live.delete(handle); callback(...args); }, ms);
    if (ms === delayMs) live.add(handle);
    return handle;
  };
  globalThis.setTimeout = watchedSet as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((handle?: NodeJS.Timeout | string | number) => { live.delete(handle); realClear(handle); }) as typeof clearTimeout;
  return {
    pending: () => live.size,
    restore: () => { globalThis.setTimeout = realSet; globalThis.clearTimeout = realClear; },
  };
}

async function slowCloseThenResume(net: Harness, timers: { pending: () => number }): Promise<void> {
  const room = await slowRoom(net, { closeGraceMs: GRACE_MS });
  await pump(room, () => false);
  const server = chatServer(room.server);
  if (room.slowOnServer.readyState === WebSocket.OPEN) {
    fail({ expected: `the client that stopped reading to be closed (slowConsumer "close", the default) after ${room.sent} messages of 60 kB`, actual: 'it is still open', hint: LIMIT_HINT });
  }
  if (server.room.has(room.slowOnServer)) {
    fail({ expected: 'a client closed for being slow to leave the room at once', actual: 'it is still in the room', hint: 'in the "close" policy, room.delete(client) before client.close(1013, …).' });
  }
  expectEqual(server.stats.slowClosed, 1, 'stats.slowClosed', 'count each client closed for being slow once: stats.slowClosed += 1.');
  // Once it reads again it drains what was queued, then finds the close frame.
  resumeReading(room.slow);
  const closed = await room.slow.waitClosed({ within: 10_000, hint: 'close a slow client with client.close(1013, "too slow…"): the close frame waits behind its unread data, and reaches it once it reads again.' });
  expectEqual(closed.code, 1013, 'the close code a slow client gets once it reads again', 'use 1013 ("try again later"): the client should reconnect and catch up. Do not terminate() it before closeGraceMs.');
  if (closed.reason.trim() === '') fail({ expected: 'a close reason that says why (e.g. "too slow: reconnect to catch up")', actual: 'an empty reason', hint: 'client.close(1013, "too slow: …").' });
  const got = contiguousFromOne(room.slow, 'a slow client is cut off, not thinned out: it gets every message queued before the close, in order, and none after.');
  if (got < 1 || got >= room.sent) {
    fail({ expected: `the slow client to get the messages sent before it was cut off (some, not all ${room.sent})`, actual: `${got}`, hint: 'queue nothing more for a client once it is closed: it is out of the room.' });
  }
  if (!room.server.logs.some((line) => /client #1\b.*\bslow\b/i.test(line))) {
    fail({ expected: 'a log line saying client #1 was cut off for being too slow', actual: show(room.server.logs.slice(-3)), hint: 'log it when you close a slow client: log(`client #${member.id} is too slow (… bytes waiting): disconnecting it`).' });
  }
  await net.waitUntil(() => room.slowOnServer.readyState === WebSocket.CLOSED, 5000, () => ({
    expected: 'the server side of the slow client\'s connection to be closed once the closing handshake is done', actual: 'it is still closing', hint: 'client.close(1013, …) completes when the client answers.',
  }));
  await net.waitUntil(() => timers.pending() === 0, 3000, () => ({
    expected: `no terminate() timer left once the slow client has closed cleanly`,
    actual: `${timers.pending()} timer(s) of closeGraceMs (${GRACE_MS} ms) still pending`,
    hint: 'clear the grace timer when the connection closes: client.once("close", () => clearTimeout(timer)). A timer left behind holds the socket for closeGraceMs, and keeps a stopping server alive.',
  }));
}

describe('a client that stops reading', () => {
  check('does not delay the others: every fast client gets every message promptly', async ({ net }) => {
    const room = await slowRoom(net);
    // Runs past the point where the slow client's kernel buffers are full (about 4 MB on
    // Linux): from there on, a broadcast that waits for it would wait for ever.
    await pump(room, () => false, { enforceLimit: false });
  }, HEAVY_MS);

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
  }, HEAVY_MS);

  check('leaves the room at once, and if it reads again it gets everything up to the cut, then close code 1013', async ({ net }) => {
    const timers = watchTimers(GRACE_MS);
    try {
      await slowCloseThenResume(net, timers);
    } finally {
      timers.restore();
    }
  }, HEAVY_MS);

  check('if it never reads again, its connection is dropped after closeGraceMs and it sees 1006, not 1013', async ({ net }) => {
    const room = await slowRoom(net, { closeGraceMs: 300 });
    await pump(room, () => false);
    await net.waitUntil(() => room.slowOnServer.readyState === WebSocket.CLOSED, 5000, () => fail({
      expected: 'the slow client\'s connection to be gone within about closeGraceMs (300 ms) of the close',
      actual: 'it is still closing: its close frame sits behind data it never reads, and so does the memory',
      hint: 'after client.close(1013, …) start a timer: setTimeout(() => client.terminate(), closeGraceMs), cleared on "close".',
    }));
    if (chatServer(room.server).room.has(room.slowOnServer)) {
      fail({ expected: 'the dropped client to be out of the room', actual: 'it is still in the room', hint: 'room.delete(client) when you close it.' });
    }
    // What it finds when it looks, much later: what the kernel held, then a dead connection.
    resumeReading(room.slow);
    const closed = await room.slow.waitClosed({ within: 10_000, hint: 'the server dropped the connection: the client must see it end.' });
    expectEqual(closed.code, 1006, 'the close code a client that never read again sees', 'its close frame never left the server: terminate() dropped it with the unread data, so the client sees 1006 (no close frame). The explainer says so.');
    contiguousFromOne(room.slow, 'a slow client is cut off, not thinned out: what it gets is every message in order, up to the cut.');
  }, HEAVY_MS);

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
    expectEqual(stats.slowClosed, 0, 'stats.slowClosed with slowConsumer "drop"', 'with "drop", nobody is closed.');
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
    let missed = 0;
    while (expected <= total) {
      const text = await room.slow.nextText({ within: 5000, waitingFor: `message ${expected} of ${total} (or a "dropped" notice)`, hint: 'once the client reads again, send it the next messages, preceded by {"type":"dropped","count":N}.' });
      const message = parse(text, 'a message to the slow client');
      if (message.type === 'dropped') {
        if (typeof message.count !== 'number' || message.count < 1) fail({ expected: 'a "dropped" notice with a positive count', actual: show(text), hint: 'send {"type":"dropped","count":member.dropped}.' });
        notices += 1;
        missed += message.count;
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
    expectEqual(stats.dropped, missed, 'stats.dropped (only this client missed messages)', 'count every skipped message once in stats.dropped: stats.dropped += 1.');
  }, HEAVY_MS);

  check('the limit is exact: an empty buffer takes any message, a frame that brings it to exactly maxBufferedBytes goes out, one byte more does not', async ({ net }) => {
    const limit = 10_000;
    const server = await net.serve(createServer, { maxBufferedBytes: limit });
    const bob = await net.connect(server.url, { label: 'bob' });
    const bobOnServer = server.connections[0];
    if (!bobOnServer) throw new Error('harness: no server-side socket');
    const alice = await net.connect(server.url, { label: 'alice' });
    // What the server believes is waiting for bob, set by this check.
    let waiting = 0;
    Object.defineProperty(bobOnServer, 'bufferedAmount', { configurable: true, get: () => waiting });
    const steps: [number, string, string][] = [
      [0, 'x'.repeat(2 * limit), `a ${2 * limit}-character message into an empty buffer (the limit is ${limit} bytes)`],
      [limit - chatFrame('exact fit').length, 'exact fit', `"exact fit" with ${limit - chatFrame('exact fit').length} bytes waiting: its frame brings the buffer to exactly ${limit}`],
    ];
    for (const [buffered, text, what] of steps) {
      waiting = buffered;
      alice.send(text);
      const [got] = await chats(bob, 1, `a frame fits when bufferedAmount is 0, or when bufferedAmount + frame.length <= maxBufferedBytes: ${what} must go out.`);
      expectEqual(got, text, `what bob received for ${what}`, 'fits(): buffered === 0 || buffered + bytes <= maxBufferedBytes.');
    }
    waiting = limit - chatFrame('one byte over').length + 1;
    alice.send('one byte over');
    const closed = await bob.waitClosed({ hint: `with ${waiting} bytes waiting, "one byte over" would bring bob's buffer to ${limit + 1} bytes: bob is too slow, close it (1013).` });
    expectEqual(closed.code, 1013, 'the close code bob got for a frame one byte over the limit', 'a frame that does not fit means the client is too slow: close it with 1013 (slowConsumer "close").');
    if (bob.received.some((m) => typeof m.data === 'string' && m.data.includes('one byte over'))) {
      fail({ expected: 'the frame that did not fit not to be sent', actual: 'bob received it', hint: 'call tooSlow() instead of send(), not as well.' });
    }
  });

  check('with the default maxBufferedBytes (1 MiB), it is cut off only once about 1 MiB waits for it', async ({ net }) => {
    const server = await net.serve(createServer, NO_RATE_LIMIT);
    const slow = await net.connect(server.url, { label: 'the client that stopped reading' });
    const slowOnServer = server.connections[0];
    if (!slowOnServer) throw new Error('harness: no server-side socket');
    const fast: Endpoint[] = [];
    for (let i = 1; i <= 2; i += 1) fast.push(await net.connect(server.url, { label: `fast client ${i}` }));
    stopReading(slow);
    const [sender, watcher] = fast;
    if (!sender || !watcher) throw new Error('harness: no fast clients');
    let peak = 0;
    let sent = 0;
    // 20 MB at most: past any kernel's buffers (about 4 MB on Linux) plus the limit.
    while (sent < 350 && slowOnServer.readyState === WebSocket.OPEN) {
      for (let i = 0; i < BATCH; i += 1) sender.send(bigMessage(sent + i + 1));
      for (let i = 0; i < BATCH; i += 1) {
        await watcher.next({ within: FAST_WITHIN_MS, hint: DELAY_HINT });
        peak = Math.max(peak, slowOnServer.bufferedAmount);
      }
      sent += BATCH;
    }
    const MiB = 1024 * 1024;
    if (slowOnServer.readyState === WebSocket.OPEN) fail({ expected: 'the client that stopped reading to be closed once its buffer reached 1 MiB', actual: `still open after ${sent} messages of 60 kB`, hint: LIMIT_HINT });
    if (peak < MiB - 2 * BIG_CHARS || peak > MiB + BIG_CHARS + 1024) {
      fail({
        expected: 'the server to let up to about 1 MiB (the default maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES) wait for a client before cutting it off',
        actual: `it cut the client off with at most ${peak} bytes waiting`,
        hint: 'keep the default maxBufferedBytes = 1024 * 1024, and cut a client off only when a frame would not fit under it (fits(): buffered === 0 || buffered + bytes <= maxBufferedBytes).',
      });
    }
  }, HEAVY_MS);
});

// Pings: ws answers each one with a pong by itself (autoPong), however much is already queued.
const PING_PAYLOAD = Buffer.alloc(125, 0x70);
const PING_BATCH = 1000;
/** 15 MB of pongs: far past the kernel's buffers for a client that stopped reading (about 4 MB on Linux). */
const MAX_PINGS = 120_000;
const PONG_HINT = 'ws answers every ping with a pong on its own, however much is queued: create the server with autoPong: false, and in socket.on("ping", data => …) send socket.pong(data) only if it fits under maxBufferedBytes, like any other message.';

/**
 * Pings from a client that stopped reading, 1,000 at a time, while the server keeps its
 * connection open: until it closes it, or 30 batches after its pongs started to pile up in the
 * server (past the kernel's buffers), or MAX_PINGS. Fails as soon as the pile passes the limit.
 */
async function pingFlood(net: Harness, pinger: Endpoint, onServer: WebSocket): Promise<void> {
  const bound = LIMIT + 1024;
  let pings = 0;
  let pilingUp = 0;
  while (pings < MAX_PINGS && pilingUp < 30 && onServer.readyState === WebSocket.OPEN) {
    for (let i = 0; i < PING_BATCH; i += 1) pinger.ws.ping(PING_PAYLOAD);
    pings += PING_BATCH;
    // Let the server read them before the next batch, so the pings do not pile up here instead.
    await net.waitUntil(() => pinger.ws.bufferedAmount < 64 * 1024, 10_000, () => ({
      expected: 'the server to keep reading the pings', actual: `${pinger.ws.bufferedAmount} bytes of pings unread`, hint: 'do not stop reading from a client because of its pings.',
    }));
    await new Promise((resolve) => setTimeout(resolve, 2));
    const buffered = onServer.bufferedAmount;
    if (buffered > 0) pilingUp += 1;
    if (buffered > bound) {
      fail({ expected: `the server to queue at most about ${bound} bytes (maxBufferedBytes ${LIMIT}) for a client that pings and never reads`, actual: `${buffered} bytes of pongs after ${pings} pings of 125 bytes, and growing`, hint: PONG_HINT });
    }
  }
}

/** A reading client pings once and must get its pong back, payload and all. */
async function expectPong(net: Harness, client: Endpoint): Promise<void> {
  const pongs: string[] = [];
  const onPong = (data: Buffer): void => { pongs.push(data.toString()); net.wakeAll(); };
  client.ws.on('pong', onPong);
  try {
    client.ws.ping('are you there?');
    await net.waitUntil(() => pongs.length > 0, 3000, () => ({ expected: `a pong for ${client.label}'s ping`, actual: 'none', hint: 'with autoPong: false, answer pings yourself: socket.on("ping", (data) => socket.pong(data)) while under the limit.' }));
    expectEqual(pongs[0], 'are you there?', 'the pong\'s payload', 'a pong must carry the ping\'s payload: socket.pong(data).');
  } finally {
    client.ws.off('pong', onPong);
  }
}

describe('a client that pings and never reads', () => {
  check('a ping is answered with a pong that carries its payload', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url, { label: 'a pinging client' });
    await expectPong(net, client);
  });

  check('its pongs stay under maxBufferedBytes, it is closed as too slow, and the others are unaffected', async ({ net }) => {
    const server = await net.serve(createServer, { maxBufferedBytes: LIMIT, closeGraceMs: 30_000 });
    const pinger = await net.connect(server.url, { label: 'the client that pings and never reads' });
    const onServer = server.connections[0];
    if (!onServer) throw new Error('harness: no server-side socket');
    const alice = await net.connect(server.url, { label: 'alice' });
    const bob = await net.connect(server.url, { label: 'bob' });
    await expectPong(net, alice);
    stopReading(pinger);
    await pingFlood(net, pinger, onServer);
    const chat = chatServer(server);
    if (onServer.readyState === WebSocket.OPEN) {
      fail({ expected: 'the server to close a client whose pongs pile up past maxBufferedBytes', actual: `it is still open after ${MAX_PINGS} pings`, hint: 'when a pong does not fit (slowConsumer "close"), close that client as too slow, as for a chat message.' });
    }
    expectEqual(chat.room.has(onServer), false, 'whether the pinger is still in the room', 'close it as too slow: out of the room, close(1013).');
    expectEqual(chat.stats.slowClosed, 1, 'stats.slowClosed after the ping flood', 'close a slow client once: once it is closing, answer no more of its pings.');
    alice.send('alice: still here');
    for (const client of [alice, bob]) {
      const [got] = await chats(client, 1, 'one client\'s pings must not affect the others.');
      expectEqual(got, 'alice: still here', `what ${client.label} received after the flood`, 'one client\'s pings must not affect the others.');
    }
    resumeReading(pinger);
    const closed = await pinger.waitClosed({ within: 10_000, hint: 'close it with 1013 like any client that is too slow.' });
    expectEqual(closed.code, 1013, 'the close code the pinger finds once it reads again', 'close it with 1013 like any client that is too slow.');
  }, HEAVY_MS);

  check('with slowConsumer "drop": its pongs are skipped, it stays, and no chat message counts as dropped', async ({ net }) => {
    const server = await net.serve(createServer, { maxBufferedBytes: LIMIT, slowConsumer: 'drop' });
    const pinger = await net.connect(server.url, { label: 'the client that pings and never reads' });
    const onServer = server.connections[0];
    if (!onServer) throw new Error('harness: no server-side socket');
    const alice = await net.connect(server.url, { label: 'alice' });
    await expectPong(net, alice);
    stopReading(pinger);
    await pingFlood(net, pinger, onServer);
    if (onServer.readyState !== WebSocket.OPEN) fail({ expected: 'the pinger to stay connected with slowConsumer "drop"', actual: 'the server closed it', hint: 'with "drop", skip the pong that does not fit; close only with "close".' });
    expectEqual(chatServer(server).stats.dropped, 0, 'stats.dropped after skipped pongs', 'stats.dropped counts chat messages a client missed: a skipped pong is not one.');
    resumeReading(pinger);
    await net.waitUntil(() => onServer.bufferedAmount === 0, 10_000, () => ({
      expected: 'the server\'s buffer for the pinger to drain once it reads again', actual: `${onServer.bufferedAmount} bytes still waiting`, hint: 'do not hold back what is queued: ws writes it as the client reads.',
    }));
    alice.send('alice: hello pinger');
    const [first] = await pinger.texts(1, { within: 10_000, hint: 'after its pongs, the pinger gets the next chat message.' });
    expectEqual(parse(first ?? '', 'the first message to the pinger').type, 'chat', 'the type of the first message the pinger gets', 'a skipped pong is not a missed chat message: do not count it in member.dropped (no "dropped" notice).');
  }, HEAVY_MS);
});

// The other side: a client that sends too fast. Each sender has a token bucket of bytes.
const BURST_MESSAGES = 4; // 4 × 60,000 bytes fit in the default 256 KiB bucket; a fifth does not
const FLOOD = 100;
const RATE_HINT = 'give each member a token bucket: it starts full with senderBurstBytes (256 KiB), refills at senderBytesPerSecond (64 KiB/s) by the clock now(), and each message takes max(its bytes, MIN_MESSAGE_COST). A message the bucket cannot pay for is not broadcast: its sender gets {"type":"rate_limited","retryAfterMs":N}.';

/** A frozen clock the checks move by hand, so the bucket's arithmetic is exact. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

/** Reads one reply to the sender's own message: its chat echo or a rate_limited notice. */
async function reply(sender: Endpoint, what: string): Promise<Incoming> {
  return parse(await sender.nextText({ within: 10_000, waitingFor: `the reply to ${what}: its chat echo or a "rate_limited" notice`, hint: RATE_HINT }), `the reply to ${what}`);
}

async function expectRefused(sender: Endpoint, what: string, retryAfterMs: number): Promise<void> {
  const answer = await reply(sender, what);
  if (answer.type !== 'rate_limited') {
    fail({ expected: `${what} to be refused with {"type":"rate_limited","retryAfterMs":${retryAfterMs}}`, actual: answer.type === 'chat' ? 'it was broadcast' : show(answer), hint: RATE_HINT });
  }
  expectEqual(answer.retryAfterMs, retryAfterMs, `retryAfterMs for ${what}`, 'retryAfterMs = Math.ceil((cost − tokens) × 1000 / senderBytesPerSecond): when the bucket will hold enough.');
}

async function expectAccepted(sender: Endpoint, what: string, hint = RATE_HINT): Promise<void> {
  const answer = await reply(sender, what);
  if (answer.type !== 'chat') {
    fail({ expected: `${what} to be broadcast (the bucket holds enough)`, actual: show(answer), hint });
  }
}

describe('a client that sends too fast', () => {
  check('a flood is cut to the sender\'s burst: the rest is refused with a notice, and the others stay connected', async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now });
    const members = await net.connectMany(server.url, 10);
    const [flooder, ...others] = members;
    if (!flooder) throw new Error('harness: no clients');
    for (let n = 1; n <= FLOOD; n += 1) flooder.send(bigMessage(n));
    let accepted = 0;
    let refused = 0;
    for (let n = 1; n <= FLOOD; n += 1) {
      const answer = await reply(flooder, `message ${n} of a flood of ${FLOOD} × 60 kB`);
      if (answer.type === 'chat') accepted += 1;
      else if (answer.type === 'rate_limited') refused += 1;
      else fail({ expected: 'a chat echo or a "rate_limited" notice', actual: show(answer), hint: RATE_HINT });
    }
    if (accepted !== BURST_MESSAGES) {
      fail({
        expected: `exactly ${BURST_MESSAGES} of ${FLOOD} messages of 60 kB broadcast (the 256 KiB burst; the clock did not move), ${FLOOD - BURST_MESSAGES} refused`,
        actual: `${accepted} broadcast, ${refused} refused`,
        hint: RATE_HINT,
      });
    }
    const marker = others[0];
    if (!marker) throw new Error('harness: no clients');
    marker.send('flood over');
    for (const member of others) {
      const got = await chats(member, BURST_MESSAGES + 1, 'the others get the messages the bucket let through, then the next ones: a fast sender must not get them closed.', 10_000);
      const expected = [...Array.from({ length: BURST_MESSAGES }, (_, i) => `msg ${i + 1} `), 'flood over'];
      got.forEach((text, i) => {
        if (!text.startsWith(expected[i] ?? '')) {
          fail({ expected: `message ${i + 1} on ${member.label} to be ${show(expected[i])}…`, actual: head(text), hint: `only the first ${BURST_MESSAGES} messages of the flood may reach the room. ${RATE_HINT}` });
        }
      });
      if (!member.isOpen) fail({ expected: `${member.label} to stay connected`, actual: `closed (${member.closed?.code})`, hint: RATE_HINT });
    }
  }, HEAVY_MS);

  check('a refused sender is told when to retry, and its message goes through then, not a millisecond sooner', async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now });
    const sender = await net.connect(server.url, { label: 'the sender' });
    for (let n = 1; n <= BURST_MESSAGES; n += 1) {
      sender.send(bigMessage(n));
      await expectAccepted(sender, `message ${n} (60,000 bytes) of a full 256 KiB bucket`);
    }
    // 262,144 − 4 × 60,000 = 22,144 bytes left; 37,856 more take 37,856 / 65,536 s = 577.6 ms.
    sender.send(bigMessage(5));
    await expectRefused(sender, 'message 5, with 22,144 bytes left in the bucket', 578);
    clock.advance(577);
    sender.send(bigMessage(5));
    await expectRefused(sender, 'message 5 again, 577 ms later', 1);
    clock.advance(1);
    sender.send(bigMessage(5));
    await expectAccepted(sender, 'message 5 again, 578 ms after the first try');
  });

  check('a full bucket holds exactly senderBurstBytes, however long the sender was quiet', async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now });
    const sender = await net.connect(server.url, { label: 'the sender' });
    const biggest = 'b'.repeat(MAX_MESSAGE_BYTES);
    clock.advance(3_600_000);
    // 4 × 65,536 bytes are exactly 256 KiB: the last one empties the bucket to 0.
    for (let n = 1; n <= 4; n += 1) {
      sender.send(biggest);
      await expectAccepted(sender, `message ${n} of 65,536 bytes after an hour of quiet`);
    }
    sender.send(biggest);
    await expectRefused(sender, 'a fifth message of 65,536 bytes, with the bucket empty', 1000);
  });

  check('every message costs at least MIN_MESSAGE_COST (1 KiB), an empty one too, and each sender has its own bucket', async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now, senderBurstBytes: MAX_MESSAGE_BYTES });
    const sender = await net.connect(server.url, { label: 'the sender of short messages' });
    const other = await net.connect(server.url, { label: 'another sender' });
    // 64 KiB at 1 KiB each: 64 messages, half of them empty (answered with an error, paid for all the same).
    for (let n = 1; n <= 64; n += 1) {
      sender.send(n % 2 === 0 ? '' : `hi ${n}`);
      const answer = await reply(sender, `short message ${n} of 64 (each costs 1 KiB of the 64 KiB bucket)`);
      const want = n % 2 === 0 ? 'error' : 'chat';
      if (answer.type !== want) fail({ expected: `short message ${n} to be answered with ${want === 'chat' ? 'its echo' : 'an error (it is empty)'}`, actual: show(answer), hint: RATE_HINT });
    }
    sender.send('hi 65');
    await expectRefused(sender, 'a 65th short message: 65 KiB would be over the 64 KiB bucket', 16);
    await other.texts(32, { hint: 'broadcast every accepted message.' });
    other.send('other: my bucket is full');
    await expectAccepted(other, 'the first message of another sender (its own bucket is full)', 'the bucket belongs to the sender: keep tokens and tokensAt on each member (takeTokens(member, …)), not one bucket for the whole room, or one flooder silences everyone.');
  });

  check('with the real clock, a flood gets the burst plus what refilled while it lasted, no more', async ({ net }) => {
    const server = await net.serve(createServer);
    const flooder = await net.connect(server.url, { label: 'the flooder' });
    const started = performance.now();
    for (let n = 1; n <= FLOOD; n += 1) flooder.send(bigMessage(n));
    let accepted = 0;
    for (let n = 1; n <= FLOOD; n += 1) if ((await reply(flooder, `message ${n} of a flood of ${FLOOD} × 60 kB`)).type === 'chat') accepted += 1;
    const elapsedMs = performance.now() - started;
    // The server read its clock between `started` and now: the bucket held at most 256 KiB plus 64 KiB/s of that.
    const most = Math.floor((256 * 1024 + (elapsedMs * 64 * 1024) / 1000) / BIG_CHARS);
    if (accepted < BURST_MESSAGES || accepted > most) {
      fail({
        expected: `between ${BURST_MESSAGES} and ${most} of ${FLOOD} messages of 60 kB broadcast in ${Math.round(elapsedMs)} ms (a 256 KiB burst, then 64 KiB/s)`,
        actual: `${accepted}`,
        hint: `by default the bucket reads the real clock: now = () => performance.now(). ${RATE_HINT}`,
      });
    }
  }, HEAVY_MS);

  check('createServer refuses a bucket smaller than the largest message, or one that never refills', async ({ net }) => {
    for (const [options, what] of [
      [{ senderBurstBytes: MAX_MESSAGE_BYTES - 1 }, `senderBurstBytes ${MAX_MESSAGE_BYTES - 1}: a 64 KiB message could never be sent`],
      [{ senderBytesPerSecond: 0 }, 'senderBytesPerSecond 0: an empty bucket would never refill'],
    ] as const) {
      let threw: unknown;
      try {
        const wss = createServer({ ...options, host: '127.0.0.1', port: 0, log: () => {} });
        wss.close();
      } catch (error) {
        threw = error;
      }
      if (!(threw instanceof RangeError) || !threw.message.includes(Object.keys(options)[0] ?? '?')) {
        fail({ expected: `createServer({ ${what} }) to throw a RangeError that names the option`, actual: threw === undefined ? 'it started a server' : show(threw), hint: 'check the options before creating the server, and say which one is wrong.' });
      }
    }
    const server = await net.serve(createServer, { senderBurstBytes: MAX_MESSAGE_BYTES, senderBytesPerSecond: 1 });
    const client = await net.connect(server.url);
    client.send('hi');
    await expectAccepted(client, '"hi" with senderBurstBytes exactly MAX_MESSAGE_BYTES');
  });
});

describe('the program', () => {
  check('runs from the command line on 127.0.0.1 by default, chats, and stops on SIGTERM', async ({ net }) => {
    // Called with no host, as a script of yours might: it must not listen on every interface.
    await expectLoopbackByDefault(net, () => createServer({ port: 0, log: () => {} }));

    const { server, url } = await startServerProgram(net, HERE, 'Chat room');
    const c1 = await net.connect(url, { label: 'c1' });
    const c2 = await net.connect(url, { label: 'c2' });
    c1.send('c1: hi');
    for (const client of [c1, c2]) {
      const [got] = await chats(client, 1, 'the program runs the same room as the checks above: they say more.', 10_000);
      expectEqual(got, 'c1: hi', `what ${client.label} received from the program`, 'the program runs the same room as the checks above.');
    }
    server.kill('SIGTERM');
    await exited(net, server, 'the server program, after SIGTERM (Ctrl+C),');

    // Importing server.ts (as the checks and `npm run play` do) must not start a server by itself.
    await importStartsNothing(net, HERE, ['server.ts'], { PORT: '0' }, 'keep the `if (isMain(import.meta.url))` guard on the last line of server.ts: only running the file as a program starts the server.');
  }, 120_000);
});

const HERE = dirname(fileURLToPath(import.meta.url));
