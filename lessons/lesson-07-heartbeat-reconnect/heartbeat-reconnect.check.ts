// Self-checks for lesson 07. Run: npm run check lesson-07
// Sockets are real (127.0.0.1, a free port). Time and randomness are injected: a fake clock
// (fake-clock.ts) that moves only when a check calls tick(), and a random() the check chooses.
// So "within two heartbeat intervals" is exact instead of a race against a busy machine, every
// backoff delay can be checked to the millisecond, and a "30-second backoff" takes no time at all.
import { createHook } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import {
  check, closedPort, expectEqual, fail, show, tcpSocket, WAIT_MS,
  type Endpoint, type FailureReport, type Harness, type RunningServer,
} from '../../checks/harness.ts';
import { exited, runProgram, importStartsNothing } from '../../checks/programs.ts';
import { DEFAULT_HIGH_WATER_BYTES } from '../../lib/send-buffer.ts';
import { FakeClock, seededRandom } from './fake-clock.ts';
import { createServer, HeartbeatServer, MAX_MESSAGE_BYTES as SERVER_MAX_MESSAGE_BYTES, type HeartbeatServerOptions } from './server.ts';
import { backoffDelay, backoffSettings, type BackoffOptions } from './backoff.ts';
import {
  CLOSE_TIMEOUT_MS, createReconnectingClient, MAX_MESSAGE_BYTES as CLIENT_MAX_MESSAGE_BYTES, runClient,
  type ClientEvent, type ReconnectOptions, type ReconnectingClient,
} from './client.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const HEARTBEAT_MS = 1000;
const USE_THE_CLOCK = 'start the heartbeat with the timers you were given (timers.setInterval(..., heartbeatMs)), not the global setInterval: the checks move a fake clock.';

/** Fails at once, naming the option, when the server's heartbeat is not on the clock the check gave it. */
function expectHeartbeatOnClock(clock: FakeClock): void {
  if (clock.pending === 0) {
    fail({
      expected: 'createServer to start its heartbeat with the `timers` option it was given: timers.setInterval(tick, heartbeatMs)',
      actual: 'no interval on that clock: the heartbeat uses some other timer (the global setInterval?), or there is none yet',
      hint: `${USE_THE_CLOCK} The default, for a real run, is the real setInterval: that is what the timers option is for.`,
    });
  }
}

/**
 * Follows the timers (setTimeout, setInterval, timers/promises) that code in one lesson file
 * creates from now on, with async_hooks: which are still pending, and where they were created.
 */
function trackTimers(file: string): { pending: () => string[] } {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 60;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const frame = stack.split('\n').find((line) => line.includes(path));
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

/** The message of what a call threw (rethrowing a starter's TODO), or undefined when it did not throw. */
function thrownBy(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof Error && error.name === 'TodoError') throw error;
    return error instanceof Error ? error : new Error(String(error));
  }
  return undefined;
}

type HeartbeatRun = RunningServer & { wss: HeartbeatServer };

/** Waits (in real time, bounded) until done() holds; fails with the report otherwise. */
function waitUntil(net: Harness, done: () => boolean, report: () => FailureReport, within = WAIT_MS): Promise<true> {
  return net.waitUntil(done, within, report);
}

async function start(net: Harness, clock: FakeClock): Promise<HeartbeatRun> {
  const server = await net.serve<HeartbeatServerOptions>(createServer, { heartbeatMs: HEARTBEAT_MS, timers: clock });
  if (!(server.wss instanceof HeartbeatServer) || !(server.wss.peers instanceof Map)) {
    fail({ expected: 'createServer to return the HeartbeatServer it created, with its peers map', actual: 'some other object', hint: 'keep `new HeartbeatServer(...)` from the starter and return it.' });
  }
  return { ...server, wss: server.wss };
}

/** The server-side sockets of the first `count` clients, in the order they connected. */
async function serverSides(net: Harness, server: HeartbeatRun, count: number): Promise<WebSocket[]> {
  await waitUntil(net, () => server.connections.length >= count, () => ({
    expected: `the server to accept ${count} connection(s)`,
    actual: `${server.connections.length}`,
    hint: 'the "connection" handler must run to the end without throwing.',
  }));
  return server.connections.slice(0, count);
}

function counter(net: Harness): { count: number; bump: () => void } {
  const state = { count: 0, bump: () => { state.count += 1; net.wakeAll(); } };
  return state;
}

function describeState(socket: WebSocket): string {
  return ['still connecting', 'still connected', 'still closing (waiting for a closing handshake)', 'closed'][socket.readyState] ?? 'in an unknown state';
}

describe('the heartbeat server', () => {
  check('keeps every connection in wss.peers and removes it when the connection ends', async ({ net }) => {
    const server = await start(net, new FakeClock());
    const a = await net.connect(server.url, { label: 'client A' });
    const b = await net.connect(server.url, { label: 'client B' });
    const c = await net.connect(server.url, { label: 'client C' });
    const sides = await serverSides(net, server, 3);
    const { peers } = server.wss;
    for (const [i, client] of [a, b, c].entries()) {
      expectEqual(await client.nextText({ waitingFor: 'the welcome' }), `Welcome, peer #${i + 1}`, `the first message to client ${'ABC'[i]}`, 'keep socket.send(`Welcome, peer #${peer.id}`): ids count up from 1 (nextId += 1 for each connection).');
    }
    await waitUntil(net, () => sides.every((side) => peers.has(side)), () => ({
      expected: 'wss.peers to hold all 3 connected clients',
      actual: `${sides.filter((side) => peers.has(side)).length} of them in it`,
      hint: 'in the "connection" handler: wss.peers.set(socket, { id, isAlive: true }).',
    }));
    const ids = sides.map((side) => peers.get(side)?.id);
    expectEqual(ids, [1, 2, 3], 'the ids in wss.peers, in the order the clients connected', 'register the peer object the handler made ({ id: nextId, ... }): the first peer is #1, the next #2, ...');
    if (!sides.every((side) => peers.get(side)?.isAlive === true)) {
      fail({ expected: 'a new peer to start with isAlive = true', actual: 'isAlive false', hint: 'a peer that just connected is alive; the first ping sets it false.' });
    }

    const [, bSide, cSide] = sides as [WebSocket, WebSocket, WebSocket];
    await b.close();
    await waitUntil(net, () => bSide.readyState === WebSocket.CLOSED, () => ({
      expected: 'the server to see client B leave', actual: `it is ${describeState(bSide)}`, hint: 'do not keep sockets open yourself.',
    }));
    c.terminate();
    await waitUntil(net, () => cSide.readyState === WebSocket.CLOSED, () => ({
      expected: 'the server to see client C leave', actual: `it is ${describeState(cSide)}`, hint: 'do not keep sockets open yourself.',
    }));
    await waitUntil(net, () => !peers.has(bSide) && !peers.has(cSide), () => ({
      expected: 'wss.peers to forget the client that closed cleanly and the one that vanished',
      actual: `${[bSide, cSide].filter((side) => peers.has(side)).length} of them still in wss.peers (${peers.size} entries for ${server.wss.clients.size} open connection(s))`,
      hint: 'listen for "close" on each socket and call wss.peers.delete(socket) there: "close" fires however a connection ends, so no path leaks an entry.',
    }));
    if (peers.size !== 1 || !peers.has(sides[0] as WebSocket)) {
      fail({ expected: 'wss.peers to hold only client A', actual: `${peers.size} entries`, hint: 'remove only the socket that closed.' });
    }
    const transcript = ['peer #1 connected (1 online)', 'peer #2 connected (2 online)', 'peer #3 connected (3 online)', 'peer #2 left (code 1000, 2 online)', 'peer #3 left (code 1006, 1 online)'];
    expectEqual(server.logs.filter((line) => / (connected|left) /.test(line)), transcript, 'the server\'s log', 'log(`peer #${peer.id} connected (${wss.peers.size} online)`) after registering it, and log(`peer #${peer.id} left (code ${code}, ${wss.peers.size} online)`) after deleting it.');
  });

  check('answers each text message with "Echo: <text>" and ignores binary frames', async ({ net }) => {
    const server = await start(net, new FakeClock());
    const client = await net.connect(server.url);
    await client.nextText({ waitingFor: 'the welcome' });
    for (const text of ['Hello WebSocket!', '你好，世界 🌍', '']) {
      client.send(text);
      expectEqual(await client.nextText({ waitingFor: `the echo of ${show(text)}` }), `Echo: ${text}`, `the reply to ${show(text)}`, 'keep the "message" handler: socket.send(`Echo: ${decode(data)}`).');
    }
    client.send(Buffer.from([1, 2, 3]));
    client.send('after the bytes');
    expectEqual(await client.nextText({ waitingFor: 'the echo of "after the bytes"' }), 'Echo: after the bytes', 'the reply after a binary frame', 'this server speaks text: answer nothing to a binary frame (if (isBinary) return;).');
  });

  check(`refuses a message larger than MAX_MESSAGE_BYTES (${SERVER_MAX_MESSAGE_BYTES}) with 1009, and echoes one of exactly that size`, async ({ net }) => {
    const server = await start(net, new FakeClock());
    const fits = await net.connect(server.url, { label: 'the client that sends exactly MAX_MESSAGE_BYTES' });
    await fits.nextText({ waitingFor: 'the welcome' });
    const text = 'x'.repeat(SERVER_MAX_MESSAGE_BYTES);
    fits.send(text);
    expectEqual(await fits.nextText({ waitingFor: 'the echo of a message at the limit' }), `Echo: ${text}`, 'the echo of a message at the limit', 'maxPayload is the largest size allowed: use MAX_MESSAGE_BYTES itself.');
    const big = await net.connect(server.url, { label: 'the client that sends one byte more' });
    big.send('x'.repeat(SERVER_MAX_MESSAGE_BYTES + 1));
    expectEqual((await big.waitClosed({ waitingFor: 'the server to refuse the oversize message' })).code, 1009, 'the close code', 'keep maxPayload: MAX_MESSAGE_BYTES in new HeartbeatServer({ ... }).');
  });

  check('survives a malformed frame: closes that connection (1002), logs it, forgets the peer, serves the others', async ({ net }) => {
    const server = await start(net, new FakeClock());
    const other = await net.connect(server.url, { label: 'a well-behaved client' });
    const bad = await net.connect(server.url, { label: 'a client that sends an unmasked frame' });
    const [, badSide] = (await serverSides(net, server, 2)) as [WebSocket, WebSocket];
    tcpSocket(bad.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // clients must mask their frames
    expectEqual((await bad.waitClosed({ waitingFor: 'the server to close the connection' })).code, 1002, 'the close code', 'ws closes a connection that breaks the protocol by itself; keep socket.on(\'error\', …) so the error is logged, not thrown.');
    await waitUntil(net, () => server.logs.some((line) => line.startsWith('peer #2 error:') && line.includes('MASK')), () => ({
      expected: 'the server to log "peer #2 error: …" with ws\'s message', actual: `it logged ${show(server.logs)}`, hint: 'keep socket.on(\'error\', (error) => log(`peer #${peer.id} error: ${error.message}`)).',
    }));
    await waitUntil(net, () => !server.wss.peers.has(badSide), () => ({ expected: 'the peer to leave wss.peers', actual: 'it is still there', hint: 'the "close" event fires after an error too: delete the peer there.' }));
    await other.nextText({ waitingFor: 'the welcome' });
    other.send('still there?');
    expectEqual(await other.nextText({ waitingFor: 'the echo' }), 'Echo: still there?', 'the reply to the other client', 'one client\'s bad frame must not stop the server.');
  });

  check('stops reading from a client that sends and never reads its echoes, and keeps serving the others', async ({ net }) => {
    const server = await start(net, new FakeClock());
    const flooder = await net.connect(server.url, { label: 'a client that sends and never reads' });
    const [side] = (await serverSides(net, server, 1)) as [WebSocket];
    tcpSocket(flooder.ws).pause(); // it reads nothing from now on: every echo stays queued on the server
    let read = 0;
    side.on('message', () => { read += 1; net.wakeAll(); });
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, side.bufferedAmount); }, 1);
    onTestFinished(() => clearInterval(sampler));
    const count = 300;
    const message = 'x'.repeat(60 * 1024);
    for (let i = 0; i < count; i += 1) flooder.send(message); // 18 MB of echo requests
    await waitUntil(net, () => side.isPaused || read === count || side.readyState !== WebSocket.OPEN, () => ({
      expected: 'the server to stop reading from the client, or to read all it sent', actual: `it read ${read} of ${count} messages`, hint: 'keep limitSendBuffer(socket) in the connection handler.',
    }), 20_000);
    peak = Math.max(peak, side.bufferedAmount);
    const limit = DEFAULT_HIGH_WATER_BYTES + 4 * 1024 * 1024;
    if (!side.isPaused || peak > limit) {
      fail({
        expected: `the server to stop reading from a client whose echoes pile up (queued replies kept under about ${Math.round(limit / 2 ** 20)} MiB)`,
        actual: `it read ${read} of the ${count} messages and queued ${(peak / 2 ** 20).toFixed(1)} MiB of echoes for a client that reads nothing${side.isPaused ? '' : ', without ever pausing'}`,
        hint: 'keep the given limitSendBuffer(socket) at the top of the connection handler: it pauses reading from a client whose replies pile up (lesson 02 explains how).',
      });
    }
    const other = await net.connect(server.url, { label: 'another client' });
    await other.nextText({ waitingFor: 'the welcome' });
    other.send('still there?');
    expectEqual(await other.nextText({ waitingFor: 'the echo while the flood is held back' }), 'Echo: still there?', 'the reply to another client', 'a client that does not read must not stop the server from serving others.');
  }, 30_000);

  check('terminates a client that stops answering pings within two intervals, and leaves no entry', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    await net.connect(server.url, { label: 'a healthy client' });
    const mute = await net.connect(server.url, { label: 'a client that never answers pings', autoPong: false });
    const [healthySide, muteSide] = (await serverSides(net, server, 2)) as [WebSocket, WebSocket];
    const pongs = counter(net);
    const pings = counter(net);
    healthySide.on('pong', pongs.bump);
    mute.ws.on('ping', pings.bump);

    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => pings.count >= 1 && pongs.count >= 1, () => ({
      expected: `a ping to every client when the first interval (${HEARTBEAT_MS} ms) is up`,
      actual: pings.count === 0 ? 'no ping arrived' : 'the healthy client was not pinged',
      hint: `${USE_THE_CLOCK} In each tick, socket.ping() every peer.`,
    }));

    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => muteSide.readyState === WebSocket.CLOSED, () => ({
      expected: `the client that never answered to be gone after the second interval (${2 * HEARTBEAT_MS} ms after it connected)`,
      actual: `it is ${describeState(muteSide)}`,
      hint: 'at each tick, a peer whose isAlive is still false did not answer the previous ping: socket.terminate() it. Otherwise set isAlive = false and ping it.',
    }));
    await waitUntil(net, () => !server.wss.peers.has(muteSide) && !server.wss.clients.has(muteSide), () => ({
      expected: 'the terminated client to leave no entry behind',
      actual: `it is still in ${server.wss.peers.has(muteSide) ? 'wss.peers' : 'wss.clients'}`,
      hint: 'terminate() ends in a "close" event like any other ending: delete the peer from wss.peers there.',
    }));
    if (healthySide.readyState !== WebSocket.OPEN || !server.wss.peers.has(healthySide)) {
      fail({ expected: 'the client that answered the ping to stay connected and registered', actual: `it is ${describeState(healthySide)}`, hint: 'on "pong", set that peer\'s isAlive back to true; terminate only peers whose isAlive is still false.' });
    }
    const said = 'peer #2 did not answer the last ping: terminating';
    if (!server.logs.includes(said) || server.logs.some((line) => line.startsWith('peer #1 did not answer'))) {
      fail({ expected: `the server to log ${show(said)} (and nothing of the kind about peer #1)`, actual: `it logged ${show(server.logs)}`, hint: 'log(`peer #${peer.id} did not answer the last ping: terminating`) just before socket.terminate().' });
    }
  });

  check('keeps a client that answers every ping connected, interval after interval', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const client = await net.connect(server.url, { label: 'a healthy client' });
    const [side] = (await serverSides(net, server, 1)) as [WebSocket];
    const pongs = counter(net);
    const pings = counter(net);
    const payloads: string[] = [];
    side.on('pong', pongs.bump);
    client.ws.on('ping', (data: Buffer) => { payloads.push(data.toString('hex')); pings.bump(); });

    for (let interval = 1; interval <= 6; interval += 1) {
      clock.tick(HEARTBEAT_MS);
      await waitUntil(net, () => pongs.count >= interval || side.readyState !== WebSocket.OPEN, () => ({
        expected: `ping ${interval} to be sent and answered after interval ${interval}`,
        actual: `${pings.count} ping(s) arrived, ${pongs.count} pong(s) came back`,
        hint: `${USE_THE_CLOCK} Ping every peer in every tick.`,
      }));
      if (side.readyState !== WebSocket.OPEN || !server.wss.peers.has(side)) {
        fail({
          expected: 'a client that answers every ping to stay connected',
          actual: `the server dropped it after interval ${interval}`,
          hint: 'on "pong", set that peer\'s isAlive back to true when the pong carries the token of your last ping (ws sends the ping\'s payload back for you).',
        });
      }
    }
    if (payloads.some((payload) => payload === '') || new Set(payloads).size !== payloads.length) {
      fail({
        expected: 'every ping to carry a new token the server chose (its payload)',
        actual: `payloads ${show(payloads)}`,
        hint: 'before each ping: peer.pingToken = randomBytes(8); socket.ping(peer.pingToken). Only a pong carrying it back answers that ping.',
      });
    }
  });

  check('terminates a half-open client that no longer reads anything (no pong, no close frame)', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const ghost = await net.connect(server.url, { label: 'a half-open client', autoPong: false });
    const [side] = (await serverSides(net, server, 1)) as [WebSocket];
    // Like a pulled cable: the peer's TCP stack still accepts bytes, but nothing reads or answers them.
    ghost.ws.pause();

    clock.tick(HEARTBEAT_MS);
    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => side.readyState === WebSocket.CLOSED && !server.wss.peers.has(side) && !server.wss.clients.has(side), () => ({
      expected: 'the half-open connection to be gone right after the second interval',
      actual: side.readyState === WebSocket.CLOSING
        ? 'it is stuck closing: the server sent a close frame and waits for an answer that will never come (ws gives up only after 30 s)'
        : `it is ${describeState(side)}${server.wss.peers.has(side) ? ' and still in wss.peers' : ''}`,
      hint: 'use socket.terminate(), not socket.close(), for a peer that missed its ping: close() starts a closing handshake a dead peer cannot finish.',
    }));
  });

  check('stops its heartbeat interval when the server closes', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const client = await net.connect(server.url);
    await client.close();
    let closed = false;
    server.wss.close(() => { closed = true; net.wakeAll(); });
    await waitUntil(net, () => closed, () => ({ expected: 'the server to close', actual: 'no "close" event', hint: 'do not keep connections open after their client left.' }));
    if (clock.pending !== 0) {
      fail({
        expected: 'no timer left running once the server has closed',
        actual: clock.describePending(),
        hint: 'one heartbeat interval for the whole server (not one per connection), stopped with wss.on("close", () => timers.clearInterval(heartbeat)): a forgotten interval keeps the process alive and pings sockets nobody owns.',
      });
    }
  });

  check('counts only the pong that answers its ping: a peer that sends pongs of its own but never answers is still terminated', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const healthy = await net.connect(server.url, { label: 'a healthy client' });
    const faker = await net.connect(server.url, { label: 'a client that sends pongs of its own but never answers a ping', autoPong: false });
    const [healthySide, fakerSide] = (await serverSides(net, server, 2)) as [WebSocket, WebSocket];
    const healthyPongs = counter(net);
    healthySide.on('pong', healthyPongs.bump);
    const fakePongs = counter(net);
    fakerSide.on('pong', fakePongs.bump);
    const pinged = counter(net);
    faker.ws.on('ping', pinged.bump);
    // RFC 6455 allows unsolicited pongs; this peer sends one every few ms, and reads nothing it is asked.
    const ponger = setInterval(() => { if (faker.ws.readyState === WebSocket.OPEN) faker.ws.pong(); }, 5);
    onTestFinished(() => clearInterval(ponger));
    // Its first pongs arrive before the server has sent any ping at all.
    await waitUntil(net, () => fakePongs.count >= 2, () => ({ expected: 'the faker\'s first pongs to reach the server', actual: `${fakePongs.count}`, hint: 'a pong before any ping must not crash the server: compare with peer.pingToken?.equals(data).' }));

    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => pinged.count >= 1 && healthyPongs.count >= 1, () => ({
      expected: 'a ping to both clients when the first interval is up', actual: `${pinged.count} ping(s) to the faker, ${healthyPongs.count} pong(s) from the healthy client`, hint: `${USE_THE_CLOCK} In each tick, ping every peer.`,
    }));
    const afterPing = fakePongs.count;
    await waitUntil(net, () => fakePongs.count >= afterPing + 3, () => ({
      expected: 'the faker\'s own pongs to reach the server after the ping', actual: `${fakePongs.count - afterPing}`, hint: 'this is the check\'s own client: if it fails, the machine is very busy.',
    }));
    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => fakerSide.readyState === WebSocket.CLOSED && !server.wss.peers.has(fakerSide), () => ({
      expected: `the peer that never answered a ping to be terminated at the second interval, and to leave wss.peers`,
      actual: `it is ${describeState(fakerSide)}${server.wss.peers.has(fakerSide) ? ' and in wss.peers' : ''}: its unasked pongs counted as answers`,
      hint: 'a pong answers your ping only if it carries the ping\'s payload back: ping with a new token (peer.pingToken = randomBytes(8); socket.ping(peer.pingToken)), and on "pong" set isAlive only if peer.pingToken?.equals(data).',
    }));
    if (healthySide.readyState !== WebSocket.OPEN || !server.wss.peers.has(healthySide)) {
      fail({ expected: 'the client that answered the ping to stay', actual: `it is ${describeState(healthySide)}`, hint: 'ws answers a ping with a pong carrying the same payload: compare the pong\'s data with the token you sent.' });
    }
    void healthy;
  });

  check('a heartbeat tick after peers have left pings only those still there, and the server keeps one interval', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const pendingAtStart = clock.pending;
    await net.connect(server.url, { label: 'the client that stays' });
    const leaver = await net.connect(server.url, { label: 'a client that closes' });
    const vanisher = await net.connect(server.url, { label: 'a client that vanishes' });
    const [staySide, leaveSide, vanishSide] = (await serverSides(net, server, 3)) as [WebSocket, WebSocket, WebSocket];
    const pongs = counter(net);
    staySide.on('pong', pongs.bump);
    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => pongs.count >= 1, () => ({ expected: 'the first ping to be answered', actual: 'no pong', hint: `${USE_THE_CLOCK} In each tick, ping every peer.` }));
    await leaver.close();
    vanisher.terminate();
    await waitUntil(net, () => leaveSide.readyState === WebSocket.CLOSED && vanishSide.readyState === WebSocket.CLOSED && server.wss.peers.size === 1, () => ({
      expected: 'the two clients that left to leave wss.peers', actual: `${server.wss.peers.size} entries`, hint: 'delete the peer on "close".',
    }));
    for (let interval = 2; interval <= 4; interval += 1) {
      clock.tick(HEARTBEAT_MS);
      await waitUntil(net, () => pongs.count >= interval || staySide.readyState !== WebSocket.OPEN, () => ({
        expected: `ping ${interval} to the client that stayed to be answered`, actual: `${pongs.count} pong(s)`, hint: 'keep pinging the peers still in wss.peers at every tick.',
      }));
    }
    if (staySide.readyState !== WebSocket.OPEN || server.wss.peers.size !== 1) {
      fail({ expected: 'the client that stayed to stay, alone in wss.peers', actual: `it is ${describeState(staySide)}; ${server.wss.peers.size} entries`, hint: 'a tick handles the peers in wss.peers; the ones that left are gone from it already.' });
    }
    if (clock.pending !== pendingAtStart) {
      fail({
        expected: `the server to keep the ${pendingAtStart} interval it started, whoever comes and goes`,
        actual: `${clock.describePending()} on its clock`,
        hint: 'one heartbeat interval for the whole server, started in createServer: not one per connection (those would outlive the peers that left).',
      });
    }
  });

  check('with its real timers, pings every heartbeatMs and stops when the server closes; refuses a heartbeatMs that is not a positive number; listens on 127.0.0.1 by default', async ({ net }) => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let made: HeartbeatServer | undefined;
      const error = thrownBy(() => { made = createServer({ port: 0, heartbeatMs: bad, log: () => {}, timers: new FakeClock() }); });
      made?.close();
      if (!(error instanceof RangeError) || !error.message.includes('heartbeatMs')) {
        fail({ expected: `createServer({ heartbeatMs: ${bad} }) to throw a RangeError naming heartbeatMs`, actual: error ? show(error.message) : 'it started a server', hint: 'keep the check at the top of createServer: a heartbeat interval must be a positive number of ms.' });
      }
    }
    const timers = trackTimers('./server.ts');
    // No host and no timers: the defaults, as when the file runs as a program.
    const wss = createServer({ port: 0, heartbeatMs: 100, log: () => {} });
    let closed = false;
    onTestFinished(() => { if (!closed) { for (const socket of wss.clients) socket.terminate(); wss.close(); } });
    const address = await net.waitUntil(() => { const bound = wss.address(); return typeof bound === 'object' && bound !== null ? bound : undefined; }, WAIT_MS, () => ({
      expected: 'the server to listen', actual: 'it did not', hint: 'pass host and port to new HeartbeatServer({ host, port, ... }).',
    }));
    expectEqual(address.address, '127.0.0.1', 'the address the server listens on by default', 'keep the default host = \'127.0.0.1\'.');
    const client = await net.connect(`ws://127.0.0.1:${address.port}`);
    let pings = 0;
    client.ws.on('ping', () => { pings += 1; net.wakeAll(); });
    await waitUntil(net, () => pings >= 1, () => ({
      expected: 'a ping within a few seconds, with heartbeatMs: 100 and no timers given', actual: 'none', hint: 'when no timers are given, use the real setInterval/clearInterval (the default in the starter).',
    }), 5000);
    client.terminate();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    closed = true;
    await waitUntil(net, () => timers.pending().length === 0, () => ({
      expected: 'no timer of server.ts left once the server has closed', actual: `one still pending, created at ${timers.pending()[0]}`, hint: 'wss.on(\'close\', () => timers.clearInterval(heartbeat)), and keep the default timers real.',
    }), 1000);
  });
});

// The client's settings in the checks below (each check may override some).
const BASE = 100;
const FACTOR = 2;
const CAP = 1600;
const STABLE_MS = 5000;
const SILENCE_MS = 3000;

type Config = Required<Omit<BackoffOptions, 'random'>>;
type Retry = Extract<ClientEvent, { type: 'retry' }>;

/** The largest delay attempt n may wait: min(cap, base·factorⁿ). */
function ceiling({ base, factor, cap }: Config, attempt: number): number {
  return Math.min(cap, base * factor ** attempt);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Awaits a promise for at most `within` ms of real time. */
async function settle<T>(net: Harness, promise: Promise<T>, report: () => FailureReport, within = WAIT_MS): Promise<T> {
  const outcome = await net.settle(promise, within, report);
  if (outcome.kind === 'error') throw outcome.error;
  return outcome.value;
}

/** A client under test, its events, and the fake clock it runs on. */
interface Run {
  client: ReconnectingClient;
  clock: FakeClock;
  events: ClientEvent[];
  count(type: ClientEvent['type']): number;
  retries(): Retry[];
  messages(): string[];
  /** The events so far, for failure messages. */
  story(): string;
}

function launch(net: Harness, url: string, overrides: ReconnectOptions = {}, clock = new FakeClock()): Run {
  const events: ClientEvent[] = [];
  const client = createReconnectingClient(url, {
    base: BASE, factor: FACTOR, cap: CAP, stableMs: STABLE_MS, silenceMs: SILENCE_MS, random: () => 0.5, timers: clock,
    ...overrides,
    onEvent: (event) => { events.push(event); net.wakeAll(); },
  });
  // Whatever happens in the check, the client stops afterwards (its peer is closed by the harness).
  onTestFinished(() => { client.close().catch(() => {}); });
  return {
    client,
    clock,
    events,
    count: (type) => events.filter((event) => event.type === type).length,
    retries: () => events.filter((event): event is Retry => event.type === 'retry'),
    messages: () => events.flatMap((event) => (event.type === 'message' ? [event.text] : [])),
    story: () => (events.length === 0 ? 'no events' : `events ${events.slice(-8).map((event) => show(event)).join(', ')}`),
  };
}

const RETRY_HINT = 'in the "close" handler, schedule the next attempt: delayMs = backoffDelay(attempt, ...), timers.setTimeout(connect, delayMs), then report { type: "retry", attempt, delayMs } through onEvent.';

async function nthRetry(net: Harness, run: Run, n: number, why: string): Promise<Retry> {
  await waitUntil(net, () => run.retries().length >= n, () => ({
    expected: `retry ${n} to be scheduled (${why})`,
    actual: run.story(),
    hint: RETRY_HINT,
  }));
  return run.retries()[n - 1] as Retry;
}

async function nthOpen(net: Harness, run: Run, n: number): Promise<void> {
  await waitUntil(net, () => run.count('open') >= n, () => ({
    expected: n === 1 ? 'the client to connect and report { type: "open" }' : `connection ${n} to open after the retry delay`,
    actual: run.story(),
    hint: n === 1 ? 'createReconnectingClient connects at once: new WebSocket(url), and reports "open" through onEvent.' : 'the retry timer must call connect() again when it fires.',
  }));
}

describe('the backoff', () => {
  const configs: Config[] = [
    { base: 100, factor: 2, cap: 5000 },
    { base: 500, factor: 2, cap: 30_000 },
    { base: 1, factor: 3, cap: 1000 },
    { base: 250, factor: 1.5, cap: 4000 },
    { base: 1000, factor: 2, cap: 1000 },
  ];

  check('keeps every delay inside [0, min(cap, base·factorⁿ)]', () => {
    const seeded = seededRandom(2024);
    for (const config of configs) {
      for (let attempt = 0; attempt <= 40; attempt += 1) {
        for (const r of [0, 0.25, 0.5, 0.75, 0.999999, seeded(), seeded(), seeded()]) {
          const delay = backoffDelay(attempt, { ...config, random: () => r });
          const limit = ceiling(config, attempt);
          if (typeof delay !== 'number' || !(delay >= 0 && delay <= limit * (1 + 1e-12))) {
            fail({
              expected: `backoffDelay(${attempt}, ${show(config)}) with random() = ${r} to lie in [0, ${limit}]`,
              actual: show(delay),
              hint: delay > limit ? 'cap the ceiling before adding jitter: Math.min(cap, base * factor ** attempt).' : 'return random() * ceiling: a number of ms, never negative.',
            });
          }
        }
      }
    }
  });

  check('uses full jitter: random() × min(cap, base·factorⁿ)', () => {
    for (const config of configs) {
      for (let attempt = 0; attempt <= 12; attempt += 1) {
        for (const r of [0, 0.5, 0.999999]) {
          const delay = backoffDelay(attempt, { ...config, random: () => r });
          const expected = r * ceiling(config, attempt);
          if (!(Math.abs(delay - expected) <= 1e-9 * Math.max(1, expected))) {
            fail({
              expected: `backoffDelay(${attempt}, ${show(config)}) with random() = ${r} to be ${round(expected)}`,
              actual: show(delay),
              hint: r === 0 && delay > 0
                ? 'full jitter draws from the whole range, starting at 0: no fixed part (no ceiling/2 + jitter, no base + jitter).'
                : 'ceiling = Math.min(cap, base * factor ** attempt); return random() * ceiling.',
            });
          }
        }
      }
    }
  });

  check('refuses settings and inputs that would make no sense, and accepts the edge cases', () => {
    const badSettings: [BackoffOptions, string, string][] = [
      [{ base: 0 }, 'base', 'a base of 0 would retry in a tight loop'],
      [{ base: -1 }, 'base', 'a negative base'],
      [{ base: Number.NaN }, 'base', 'a base that is not a number'],
      [{ base: Number.POSITIVE_INFINITY }, 'base', 'an endless base'],
      [{ factor: 0.5 }, 'factor', 'a factor below 1 would shrink the delays'],
      [{ factor: Number.NaN }, 'factor', 'a factor that is not a number'],
      [{ factor: Number.POSITIVE_INFINITY }, 'factor', 'an endless factor'],
      [{ base: 100, cap: 99 }, 'cap', 'a cap below base'],
      [{ cap: Number.NaN }, 'cap', 'a cap that is not a number'],
      [{ cap: Number.POSITIVE_INFINITY }, 'cap', 'no cap at all'],
      [{ random: 'Math.random' as unknown as () => number }, 'random', 'a random that is not a function'],
    ];
    for (const [options, name, why] of badSettings) {
      const error = thrownBy(() => backoffSettings(options));
      if (!(error instanceof RangeError || error instanceof TypeError) || !error.message.includes(name)) {
        fail({ expected: `backoffSettings(${show(options)}) to throw an error naming ${name} (${why})`, actual: error ? show(error.message) : 'it accepted it', hint: 'keep the checks at the top of backoffSettings.' });
      }
    }
    const badInputs: [number, () => number, string, string][] = [
      [-1, () => 0.5, 'attempt', 'a negative attempt'],
      [1.5, () => 0.5, 'attempt', 'an attempt that is not a whole number'],
      [Number.NaN, () => 0.5, 'attempt', 'an attempt that is not a number'],
      [0, () => 1, 'random', 'random() returning 1 (it must be below 1)'],
      [0, () => -0.1, 'random', 'random() returning a negative number'],
      [0, () => Number.NaN, 'random', 'random() returning NaN'],
    ];
    for (const [attempt, random, name, why] of badInputs) {
      const error = thrownBy(() => backoffDelay(attempt, { base: 100, cap: 1000, random }));
      if (!(error instanceof RangeError) || !error.message.includes(name)) {
        fail({
          expected: `backoffDelay(${attempt}, …) to throw a RangeError naming ${name}: ${why}`,
          actual: error ? show(error.message) : 'it returned a delay',
          hint: name === 'attempt'
            ? 'first thing in backoffDelay: if (!(Number.isInteger(attempt) && attempt >= 0)) throw new RangeError(...).'
            : 'after calling random(): if (!(r >= 0 && r < 1)) throw new RangeError(...): a broken random() must not produce a delay beyond the cap, or NaN.',
        });
      }
    }
    const edges: [number, BackoffOptions, number][] = [
      [3, { base: 100, factor: 1, cap: 5000, random: () => 0.5 }, 50], // factor 1: a constant ceiling
      [0, { base: 100, factor: 2, cap: 100, random: () => 0.5 }, 50], // cap equal to base
      [0, { base: 100, factor: 2, cap: 1000, random: () => 0 }, 0], // random() may return 0
    ];
    for (const [attempt, options, expected] of edges) {
      const error = thrownBy(() => backoffDelay(attempt, options));
      if (error) fail({ expected: `backoffDelay(${attempt}, ${show({ ...options, random: `() => ${options.random?.()}` })}) to be accepted`, actual: `it threw ${show(error.message)}`, hint: 'factor may be 1, cap may equal base, random() may return 0: only what makes no sense is refused.' });
      expectEqual(backoffDelay(attempt, options), expected, `backoffDelay(${attempt}, ${show({ ...options, random: `() => ${options.random?.()}` })})`, 'random() × min(cap, base·factor^attempt).');
    }
  });
});

describe('the reconnecting client', () => {
  check('reconnects after the server drops the connection, after a delay in [0, base]', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const first = await peer.nextConnection({ waitingFor: 'the client to connect', hint: 'createReconnectingClient connects at once: new WebSocket(url).' });
    await nthOpen(net, run, 1);
    first.send('before the drop');
    await waitUntil(net, () => run.messages().includes('before the drop'), () => ({
      expected: 'the message "before the drop" reported as { type: "message", text }', actual: run.story(), hint: 'on "message", report the text through onEvent.',
    }));

    first.terminate(); // the server side vanishes, as in a crash
    const retry = await nthRetry(net, run, 1, 'the connection dropped');
    expectEvents(run.events.filter((event) => event.type === 'down'), [{ type: 'down', code: 1006 }], 'the "down" events', 'on "close", report { type: "down", code } through onEvent before scheduling the retry.');
    if (!(retry.delayMs >= 0 && retry.delayMs <= BASE)) {
      fail({ expected: `the first retry to wait between 0 and base (${BASE} ms)`, actual: `${show(retry.delayMs)} ms`, hint: 'the first retry after a drop is attempt 0: backoffDelay(0, ...).' });
    }
    run.clock.tick(retry.delayMs + 1);
    const second = await peer.nextConnection({ waitingFor: 'the client to reconnect once the delay is over', hint: 'the retry timer must call connect() again.' });
    await nthOpen(net, run, 2);
    second.send('after the reconnect');
    await waitUntil(net, () => run.messages().includes('after the reconnect'), () => ({
      expected: 'messages on the new connection to be reported too', actual: run.story(), hint: 'attach the same listeners to every new WebSocket.',
    }));
  });

  check('backs off exponentially while the server refuses, never beyond the cap', async ({ net }) => {
    let handshakes = 0;
    const peer = await net.peer({ verifyClient: (_info, answer) => { handshakes += 1; net.wakeAll(); answer(false, 503, 'Service Unavailable'); } });
    const run = launch(net, peer.url, { random: () => 0.999 });
    for (let k = 0; k < 9; k += 1) {
      const retry = await nthRetry(net, run, k + 1, `the server refused attempt ${k + 1} with HTTP 503`);
      // ws emits 'error' and then 'close' in the same turn of the event loop: both are in by now.
      if (run.retries().length !== k + 1) {
        fail({
          expected: `one retry per failed attempt (${k + 1} so far)`,
          actual: `${run.retries().length} retries`,
          hint: '"close" always follows "error": schedule the reconnect in the "close" handler only, or every failure starts two connections.',
        });
      }
      const limit = ceiling({ base: BASE, factor: FACTOR, cap: CAP }, k);
      if (!(retry.delayMs <= limit && retry.delayMs >= 0.999 * limit - 1e-6)) {
        fail({
          expected: `retry ${k + 1} to wait random() × min(cap, base·factor^${k}) = 0.999 × ${limit} = ${round(0.999 * limit)} ms (random() returns 0.999 here; base ${BASE}, factor ${FACTOR}, cap ${CAP})`,
          actual: `${show(retry.delayMs)} ms${retry.delayMs > CAP ? ': beyond the cap' : ''}`,
          hint: retry.delayMs > CAP
            ? 'the delay must never exceed cap: Math.min(cap, base * factor ** attempt).'
            : 'attempt counts the failures in a row: add one each time you schedule a retry, and pass it (and the options you were given) to backoffDelay.',
        });
      }
      run.clock.tick(retry.delayMs + 1);
      await waitUntil(net, () => handshakes >= k + 2, () => ({
        expected: `attempt ${k + 2} to reach the server once retry ${k + 1}'s delay was over`, actual: `${handshakes} attempt(s)`, hint: 'the retry timer must call connect() again.',
      }));
    }
  });

  check('keeps backing off when each connection drops right after opening', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { random: () => 0.999, stableMs: 1000, silenceMs: 60_000 });
    for (let k = 0; k < 4; k += 1) {
      const connection = await peer.nextConnection({ waitingFor: `connection ${k + 1}` });
      await nthOpen(net, run, k + 1);
      run.clock.tick(999); // up for almost, but not quite, stableMs
      connection.terminate();
      const retry = await nthRetry(net, run, k + 1, `connection ${k + 1} dropped after 999 ms`);
      const limit = ceiling({ base: BASE, factor: FACTOR, cap: CAP }, k);
      if (retry.delayMs < 0.999 * limit - 1e-6) {
        fail({
          expected: `retry ${k + 1} to wait ${round(0.999 * limit)} ms (attempt ${k}): every connection so far lasted less than stableMs (1000 ms), so the backoff keeps growing`,
          actual: `${round(retry.delayMs)} ms`,
          hint: 'do not reset attempt when a connection opens: a server that accepts and drops at once would be hammered at the base delay forever. Reset it only after stableMs of uptime, in a timer started on "open" and cancelled on "close" (one that outlives its connection resets the count later).',
        });
      }
      run.clock.tick(retry.delayMs + 1);
    }
  });

  check('starts again from the base delay after a connection stayed up for stableMs', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { random: () => 0.999, stableMs: 1000, silenceMs: 60_000 });
    for (let k = 0; k < 3; k += 1) {
      const connection = await peer.nextConnection({ waitingFor: `connection ${k + 1}` });
      await nthOpen(net, run, k + 1);
      connection.terminate();
      const retry = await nthRetry(net, run, k + 1, `connection ${k + 1} dropped at once`);
      run.clock.tick(retry.delayMs + 1);
    }
    const stable = await peer.nextConnection({ waitingFor: 'connection 4' });
    await nthOpen(net, run, 4);
    run.clock.tick(1000); // a full stableMs of uptime
    stable.terminate();
    const retry = await nthRetry(net, run, 4, 'connection 4 dropped after a full stableMs');
    if (retry.delayMs > BASE) {
      fail({
        expected: `the retry after a stable connection to start from the base again: at most ${BASE} ms`,
        actual: `${round(retry.delayMs)} ms, as if the three quick failures before it still counted`,
        hint: 'on "open", start timers.setTimeout(() => { attempt = 0; }, stableMs), and cancel it on "close".',
      });
    }
  });

  check('treats a silent server as gone after silenceMs; messages and pings count as signs of life', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    const stillUp = (what: string, hint: string): FailureReport => ({
      expected: `the client to keep a connection whose server ${what}`,
      actual: connection.closed ? `it dropped the connection (${run.story()})` : run.story(),
      hint,
    });

    run.clock.tick(SILENCE_MS - 1);
    connection.send('still here');
    await waitUntil(net, () => run.messages().includes('still here') || connection.closed !== undefined,
      () => stillUp(`spoke within silenceMs (${SILENCE_MS} ms)`, 'only silence for a whole silenceMs counts: arm the timer on connect and restart it on "open" (cancel the running one before arming a new one).'));
    if (connection.closed) fail(stillUp(`spoke within silenceMs (${SILENCE_MS} ms)`, 'only silence for a whole silenceMs counts: arm the timer on connect and restart it on "open" (cancel the running one before arming a new one).'));

    run.clock.tick(SILENCE_MS - 1);
    let pongs = 0;
    connection.ws.on('pong', () => { pongs += 1; net.wakeAll(); });
    connection.ws.ping();
    await waitUntil(net, () => pongs > 0 || connection.closed !== undefined,
      () => stillUp('sent a message less than silenceMs ago', 'restart the silence timer on every "message": cancel the running one, then arm a new one (an old one left armed still fires).'));
    if (connection.closed) fail(stillUp('sent a message less than silenceMs ago', 'restart the silence timer on every "message": cancel the running one, then arm a new one (an old one left armed still fires).'));

    run.clock.tick(SILENCE_MS - 1);
    connection.send('still here, again');
    await waitUntil(net, () => run.messages().includes('still here, again') || connection.closed !== undefined,
      () => stillUp('pinged it less than silenceMs ago', 'a ping is a sign of life too: restart the silence timer on "ping" (ws answers the ping for you).'));
    if (connection.closed) fail(stillUp('pinged it less than silenceMs ago', 'a ping is a sign of life too: restart the silence timer on "ping" (ws answers the ping for you).'));

    // A pong the server sends unasked, and a binary frame, are signs of life too. The client
    // reports neither, so the check watches its silence timer being armed again on the clock.
    const rearmed = `due in ${SILENCE_MS} ms`;
    for (const [what, send] of [['sent a pong of its own', () => connection.ws.pong()], ['sent a binary frame', () => connection.send(Buffer.from([1, 2, 3]))]] as const) {
      run.clock.tick(SILENCE_MS - 1);
      send();
      await waitUntil(net, () => run.clock.describePending().includes(rearmed) || connection.closed !== undefined, () => ({
        expected: `the silence timer to be armed again (a timeout due in ${SILENCE_MS} ms) once the server ${what}`,
        actual: `on the clock: ${run.clock.describePending()}`,
        hint: 'restart the silence timer on every sign of life: "message" (binary too), "ping" and "pong".',
      }));
      if (connection.closed) fail(stillUp(`${what} less than silenceMs ago`, 'restart the silence timer on every sign of life: "message" (binary too), "ping" and "pong".'));
    }
    if (run.messages().length !== 2) {
      fail({ expected: 'only the two text messages reported as { type: "message" }', actual: run.story(), hint: 'this client speaks text: report a message only if it is not binary (a binary frame still counts as a sign of life).' });
    }

    run.clock.tick(SILENCE_MS); // now a whole silenceMs of silence
    await waitUntil(net, () => connection.closed !== undefined, () => ({
      expected: `the client to drop the connection once the server had been silent for silenceMs (${SILENCE_MS} ms)`,
      actual: `it kept it open (${run.story()})`,
      hint: 'arm timers.setTimeout(..., silenceMs) on connect and restart it on every sign of life; when it fires, terminate() the socket (a silent server will not answer a close frame).',
    }));
    const retry = await nthRetry(net, run, 1, 'the client gave up on the silent connection');
    expectEvents(run.events.slice(-3), [{ type: 'silent', afterMs: SILENCE_MS }, { type: 'down', code: 1006 }, retry], 'the last events', 'when the silence timer fires, report { type: "silent", afterMs: silenceMs } first, then ws.terminate() (not close(): a silent server will not answer a close frame, and the ending is a 1006); "down" and "retry" follow from the "close" handler.');
  });

  check('close() stops for good: closes with 1000, never reconnects, leaves no timer', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const connection = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    const retriesBefore = run.retries().length;
    await settle(net, run.client.close(), () => ({
      expected: 'close() to resolve once the connection has closed', actual: run.story(), hint: 'close the socket with ws.close(1000) and resolve when its "close" event fires.',
    }));
    const closed = await connection.waitClosed();
    expectEqual(closed.code, 1000, 'the close code the server saw', 'close() ends the connection with ws.close(1000): this is a normal, wanted ending.');
    run.clock.tick(CAP * 10);
    if (run.retries().length > retriesBefore || run.clock.pending !== 0) {
      fail({
        expected: 'no reconnect and no timer left once close() has resolved',
        actual: `${run.retries().length - retriesBefore} retry(s) scheduled after close(); ${run.clock.describePending()} armed`,
        hint: 'close() sets a flag the "close" handler checks before scheduling a retry, and every timer (retry, stable, silence) is cleared when its reason ends.',
      });
    }
  });

  check('close() during a backoff wait cancels the pending reconnect', async ({ net }) => {
    let handshakes = 0;
    const peer = await net.peer({ verifyClient: (_info, answer) => { handshakes += 1; net.wakeAll(); answer(false, 503, 'Service Unavailable'); } });
    const run = launch(net, peer.url);
    await nthRetry(net, run, 1, 'the server refused the first attempt');
    await settle(net, run.client.close(), () => ({
      expected: 'close() to resolve at once while the client waits between attempts', actual: run.story(), hint: 'with no socket open, there is nothing to wait for.',
    }));
    if (run.clock.pending !== 0) {
      fail({
        expected: 'close() to cancel the reconnect the client was waiting for',
        actual: `${run.clock.describePending()} still armed`,
        hint: 'keep the handle of the retry timer and timers.clearTimeout(it) in close().',
      });
    }
    const attempts = handshakes;
    run.clock.tick(CAP * 10);
    if (handshakes !== attempts || run.retries().length !== 1) {
      fail({ expected: 'no attempt after close()', actual: `${handshakes - attempts} more attempt(s)`, hint: 'close() must stop the retry loop for good.' });
    }
  });

  check('100 clients dropped at once come back at spread-out times, not in lockstep', async ({ net }) => {
    const peer = await net.peer();
    const clock = new FakeClock();
    const random = seededRandom(7);
    const base = 1000;
    const runs = Array.from({ length: 100 }, () => launch(net, peer.url, { base, cap: 30_000, random, silenceMs: 60_000, stableMs: 60_000 }, clock));
    await waitUntil(net, () => runs.every((run) => run.count('open') >= 1), () => ({
      expected: 'all 100 clients to connect', actual: `${runs.filter((run) => run.count('open') >= 1).length} connected`, hint: 'each client connects at once and reports "open".',
    }), 2 * WAIT_MS);
    for (const socket of peer.connections) socket.terminate(); // the server restarts: everyone drops at once
    await waitUntil(net, () => runs.every((run) => run.retries().length >= 1), () => ({
      expected: 'all 100 clients to schedule a retry', actual: `${runs.filter((run) => run.retries().length >= 1).length} did`, hint: RETRY_HINT,
    }), 2 * WAIT_MS);
    const delays = runs.map((run) => (run.retries()[0] as Retry).delayMs).sort((a, b) => a - b);
    const outside = delays.filter((delay) => !(delay >= 0 && delay <= base));
    if (outside.length > 0) fail({ expected: `every first delay in [0, base] = [0, ${base}] ms`, actual: `${show(outside.slice(0, 5))}`, hint: 'the first retry is attempt 0: backoffDelay(0, ...).' });
    // The thundering herd: how many clients would hit the restarted server in the same 10 ms?
    let crowd = 0;
    for (let i = 0, j = 0; j < delays.length; j += 1) {
      while ((delays[j] as number) - (delays[i] as number) > 10) i += 1;
      crowd = Math.max(crowd, j - i + 1);
    }
    if (crowd > 10) {
      fail({
        expected: 'the 100 reconnects to be spread over [0, base]: at most 10 of them within any 10 ms',
        actual: `${crowd} clients reconnect within the same 10 ms (delays from ${round(delays[0] as number)} to ${round(delays[99] as number)} ms)`,
        hint: 'without jitter every client computes the same delay and they all return together, knocking the server over again. Multiply by random(): full jitter.',
      });
    }
    await settle(net, Promise.all(runs.map((run) => run.client.close())), () => ({ expected: 'all 100 clients to close', actual: 'close() did not resolve', hint: 'close() resolves at once between attempts.' }));
   }, 60_000); // 100 clients: their own limit, wide enough for a busy machine

  check('comes back after the server restarts on the same port (real timers)', async ({ net }) => {
    // The real thing: the lesson's server, real timers in the client, a real restart.
    const first = await net.serve(createServer, { timers: new FakeClock() });
    const events: ClientEvent[] = [];
    const client = createReconnectingClient(first.url, {
      base: 50, factor: 2, cap: 400, stableMs: 10_000, silenceMs: 10_000,
      onEvent: (event) => { events.push(event); net.wakeAll(); },
    });
    onTestFinished(() => { client.close().catch(() => {}); });
    const opens = (): number => events.filter((event) => event.type === 'open').length;
    const story = (): string => events.slice(-8).map((event) => show(event)).join(', ') || 'no events';
    await waitUntil(net, () => opens() >= 1, () => ({ expected: 'the client to connect to the lesson server', actual: story(), hint: 'connect at once with new WebSocket(url).' }));

    for (const socket of first.wss.clients) socket.terminate();
    let down = false;
    first.wss.close(() => { down = true; net.wakeAll(); });
    await waitUntil(net, () => down && events.some((event) => event.type === 'retry'), () => ({
      expected: 'the client to notice the server went away and schedule a retry', actual: story(), hint: RETRY_HINT,
    }));

    const second = await listenAgain(net, first.port);
    try {
      await waitUntil(net, () => opens() >= 2, () => ({
        expected: `the client to reconnect to the restarted server on port ${first.port}`,
        actual: story(),
        hint: 'keep retrying after refused attempts (each failure schedules the next retry), with the real timers when none are given.',
      }), 2 * WAIT_MS);
      await settle(net, client.close(), () => ({ expected: 'close() to resolve', actual: story(), hint: 'resolve when the socket\'s "close" event fires.' }));
    } finally {
      for (const socket of second.clients) socket.terminate();
      second.close();
    }
  });

  check('runClient prints every event, says hello on every connection, and returns when its signal aborts', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => {
      socket.send('Welcome, test');
      socket.on('message', (data) => socket.send(`Echo: ${String(data)}`));
    });
    const out = net.output();
    const stop = new AbortController();
    const clock = new FakeClock();
    const done = net.settle(runClient(peer.url, { out, signal: stop.signal, timers: clock, random: () => 0.5, base: BASE, factor: FACTOR, cap: CAP, stableMs: STABLE_MS, silenceMs: SILENCE_MS }), 2 * WAIT_MS, () => ({
      expected: 'runClient to return soon after its signal aborted', actual: `it is still running; it printed ${show(out.text)}`, hint: 'runClient awaits the signal, then client.close().',
    }));
    const HELLO = 'connected\nReceived: Welcome, test\nReceived: Echo: Hello WebSocket!\n';
    // A ping from the server, answered by the client's pong: everything the client sent before it has arrived.
    const sentOnce = async (connection: Endpoint, which: string): Promise<void> => {
      let ponged = false;
      connection.ws.once('pong', () => { ponged = true; net.wakeAll(); });
      connection.ws.ping();
      await waitUntil(net, () => ponged, () => ({ expected: 'the client to answer a ping', actual: 'no pong', hint: 'ws answers pings by itself: do not turn autoPong off.' }));
      expectEqual(connection.received.map((message) => message.data), ['Hello WebSocket!'], `what runClient sent on the ${which} connection`, 'runClient sends "Hello WebSocket!" once per connection, on "open" only.');
    };
    const first = await peer.nextConnection({ waitingFor: 'runClient to connect' });
    await out.waitFor(HELLO, { hint: 'runClient prints each event on its own line (describe(event)), and sends "Hello WebSocket!" on every "open".' });
    await sentOnce(first, 'first');
    first.terminate();
    await out.waitFor(`reconnecting in ${0.5 * BASE} ms (attempt 1)\n`);
    clock.tick(0.5 * BASE + 1);
    const second = await peer.nextConnection({ waitingFor: 'runClient to reconnect' });
    await out.waitFor(`(attempt 1)\n${HELLO}`);
    await sentOnce(second, 'second');
    clock.tick(SILENCE_MS);
    await out.waitFor(`reconnecting in ${0.5 * BASE * FACTOR} ms (attempt 2)\n`);
    stop.abort();
    const outcome = await done;
    if (outcome.kind === 'error') throw outcome.error;
    const transcript = [
      HELLO,
      'connection lost (code 1006)\n',
      `reconnecting in ${0.5 * BASE} ms (attempt 1)\n`,
      HELLO,
      `nothing from the server for ${SILENCE_MS} ms: dropping the connection\n`,
      'connection lost (code 1006)\n',
      `reconnecting in ${0.5 * BASE * FACTOR} ms (attempt 2)\n`,
      'closed\n',
    ].join('');
    expectEqual(out.text, transcript, 'what runClient printed', 'keep runClient and describe() as given: one line per event, "Hello WebSocket!" sent on each "open".');
    expectEqual(getEventListeners(stop.signal, 'abort').length, 0, 'the listeners runClient left on its signal', 'listen for the abort with { once: true }: a signal may be shared by many runs, and must not collect their listeners.');
  });

  check('runClient without a signal runs until Ctrl+C (SIGINT) or SIGTERM, then closes and removes its handlers', async ({ net }) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const peer = await net.peer();
      const out = net.output();
      const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
      const added = (name: 'SIGINT' | 'SIGTERM'): ((...args: unknown[]) => void)[] => process.listeners(name).filter((listener) => !before[name].includes(listener)) as ((...args: unknown[]) => void)[];
      onTestFinished(() => { for (const name of ['SIGINT', 'SIGTERM'] as const) for (const listener of added(name)) process.off(name, listener); });
      const done = net.settle(runClient(peer.url, { out, timers: new FakeClock() }), 2 * WAIT_MS, () => ({
        expected: `runClient to return once ${signal} arrived`, actual: 'it is still running', hint: 'without a signal, runClient waits for SIGINT or SIGTERM (process.once), then calls client.close().',
      }));
      const connection = await peer.nextConnection({ waitingFor: 'runClient to connect' });
      await out.waitFor('connected\n');
      if (added('SIGINT').length !== 1 || added('SIGTERM').length !== 1) {
        fail({ expected: 'runClient, with no signal option, to listen for SIGINT and SIGTERM', actual: `${added('SIGINT').length} SIGINT and ${added('SIGTERM').length} SIGTERM listener(s) added`, hint: 'keep untilStopped() as given.' });
      }
      added(signal)[0]?.(); // what the process does when the signal arrives
      const outcome = await done;
      if (outcome.kind === 'error') throw outcome.error;
      expectEqual((await connection.waitClosed()).code, 1000, 'the close code the server saw', 'after the signal, runClient calls client.close().');
      if (added('SIGINT').length + added('SIGTERM').length !== 0) {
        fail({ expected: 'no SIGINT or SIGTERM listener left once runClient returned', actual: `${added('SIGINT').length} SIGINT and ${added('SIGTERM').length} SIGTERM listener(s) left`, hint: 'remove both listeners when either signal arrives.' });
      }
    }
  });

  check('drops a silent server with terminate(), not close(): a frozen server never answers a close frame', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    tcpSocket(connection.ws).pause(); // the server is frozen: it reads nothing and answers nothing
    run.clock.tick(SILENCE_MS);
    await waitUntil(net, () => run.count('down') >= 1, () => ({
      expected: 'the client to drop the silent connection at once when silenceMs ran out (a "down" event)',
      actual: `it is still waiting (${run.story()})`,
      hint: 'when the silence timer fires, ws.terminate() the socket: ws.close() sends a close frame and then waits (ws: 30 s) for an answer a frozen server never sends.',
    }));
    await nthRetry(net, run, 1, 'the client gave up on the silent connection');
  });

  check('gives up a handshake that never completes after silenceMs, and tries again', async ({ net }) => {
    const hole = await blackHole(net);
    const run = launch(net, hole.url);
    await waitUntil(net, () => hole.accepted() >= 1, () => ({ expected: 'the client to open a TCP connection', actual: 'none', hint: 'createReconnectingClient connects at once.' }));
    run.clock.tick(SILENCE_MS);
    const retry = await nthRetry(net, run, 1, `the server never answered the handshake for silenceMs (${SILENCE_MS} ms)`);
    expectEvents(run.events, [{ type: 'silent', afterMs: SILENCE_MS }, { type: 'down', code: 1006 }, retry], 'the events', 'arm the silence timer as the attempt starts (in connect), so it bounds the handshake too.');
    run.clock.tick(retry.delayMs + 1);
    await waitUntil(net, () => hole.accepted() >= 2, () => ({ expected: 'a second attempt after the retry delay', actual: `${hole.accepted()} attempt(s)`, hint: 'the retry timer calls connect() again.' }));
  });

  check('close() in the middle of a handshake, or while the server\'s closing handshake hangs, ends at once', async ({ net }) => {
    const hole = await blackHole(net);
    const connecting = launch(net, hole.url);
    await waitUntil(net, () => hole.accepted() >= 1, () => ({ expected: 'the client to open a TCP connection', actual: 'none', hint: 'createReconnectingClient connects at once.' }));
    await settle(net, connecting.client.close(), () => ({
      expected: 'close() to resolve at once while the handshake is still going', actual: connecting.story(), hint: 'a socket that is not OPEN (still connecting, or already closing) has no closing handshake to do: ws.terminate() it.',
    }));

    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000, silenceMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    connection.ws.close(1001, 'going away');
    tcpSocket(connection.ws).pause(); // the server started closing, then froze: it never finishes
    await waitUntil(net, () => !run.client.connected, () => ({ expected: 'the client to see the server\'s close frame', actual: 'it still says connected', hint: 'connected is socket?.readyState === WebSocket.OPEN.' }));
    await settle(net, run.client.close(), () => ({
      expected: 'close() to resolve at once while the connection is already closing', actual: run.story(), hint: 'close() on a socket that is not OPEN: ws.terminate(), not ws.close() (that would wait for the server).',
    }));
    if (run.retries().length > 0 || run.clock.pending !== 0) fail({ expected: 'no retry and no timer after close()', actual: `${run.story()}; ${run.clock.describePending()}`, hint: 'close() stops for good.' });
  });

  check('close() gives up on a server that never answers its close frame after CLOSE_TIMEOUT_MS', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000, silenceMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    tcpSocket(connection.ws).pause(); // it will never answer the close frame
    const closing = net.settle(run.client.close(), WAIT_MS, () => ({
      expected: `close() to resolve once CLOSE_TIMEOUT_MS (${CLOSE_TIMEOUT_MS} ms) had passed without an answer`, actual: `${run.story()}; ${run.clock.describePending()}`,
      hint: 'after ws.close(1000, ...), closeTimer = timers.setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS): a server that never answers must not keep close() waiting.',
    }));
    run.clock.tick(CLOSE_TIMEOUT_MS);
    const outcome = await closing;
    if (outcome.kind === 'error') throw outcome.error;
    if (run.clock.pending !== 0 || run.count('closed') !== 1) fail({ expected: 'one "closed" event and no timer left', actual: `${run.story()}; ${run.clock.describePending()}`, hint: 'finish once, in the "close" handler.' });
  });

  check('close() called twice, or from inside onEvent, stops once: the same promise, one "closed", no retry, no timer', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const connection = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    const first = run.client.close();
    const second = run.client.close();
    if (first !== second) fail({ expected: 'a second close() to return the same promise as the first', actual: 'a different one', hint: 'if (stopped) return stopped; at the top of close().' });
    await settle(net, first, () => ({ expected: 'close() to resolve', actual: run.story(), hint: 'resolve when the socket\'s "close" event fires.' }));
    expectEqual((await connection.waitClosed()).code, 1000, 'the close code the server saw', 'close() ends the connection with ws.close(1000, ...).');
    if (connection.closed?.reason === '') fail({ expected: 'a close reason', actual: 'an empty one', hint: 'ws.close(1000, \'client closing\').' });
    if (run.count('closed') !== 1 || run.clock.pending !== 0) fail({ expected: 'one "closed" event and no timer', actual: `${run.story()}; ${run.clock.describePending()}`, hint: 'the second close() must not start a second closing.' });

    for (const on of ['down', 'retry'] as const) {
      const events: ClientEvent[] = [];
      const clock = new FakeClock();
      let client: ReconnectingClient | undefined;
      client = createReconnectingClient(peer.url, {
        base: BASE, factor: FACTOR, cap: CAP, random: () => 0.5, timers: clock,
        onEvent: (event) => { events.push(event); net.wakeAll(); if (event.type === on) void client?.close(); },
      });
      onTestFinished(() => { client?.close().catch(() => {}); });
      const story = (): string => events.map((event) => show(event)).join(', ');
      const conn = await peer.nextConnection({ waitingFor: 'the client to connect' });
      await waitUntil(net, () => events.some((event) => event.type === 'open'), () => ({ expected: 'the client to connect', actual: story(), hint: 'report "open".' }));
      conn.terminate();
      await waitUntil(net, () => events.some((event) => event.type === 'closed'), () => ({
        expected: `close(), called from onEvent on "${on}", to finish`, actual: story(), hint: 'close() with no socket finishes at once.',
      }));
      const attempts = peer.connections.length;
      clock.tick(CAP * 10);
      const retries = events.filter((event) => event.type === 'retry').length;
      if (clock.pending !== 0 || peer.connections.length !== attempts || retries !== (on === 'retry' ? 1 : 0)) {
        fail({
          expected: `close() called from inside onEvent on "${on}" to stop for good: no retry timer, no new attempt`,
          actual: `${story()}; ${clock.describePending()}; ${peer.connections.length - attempts} new attempt(s)`,
          hint: on === 'down'
            ? 'onEvent may call close(): after reporting "down", check the stopping flag again before scheduling the retry.'
            : 'onEvent may call close(): arm the retry timer before reporting "retry", so close() finds it and cancels it.',
        });
      }
    }
  });

  check('reconnects again after a second drop, with one set of timers and every event once', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { random: () => 0.5 });
    for (let k = 1; k <= 3; k += 1) {
      const connection = await peer.nextConnection({ waitingFor: `connection ${k}` });
      await nthOpen(net, run, k);
      connection.send(`hello ${k}`);
      await waitUntil(net, () => run.messages().includes(`hello ${k}`), () => ({ expected: `"hello ${k}" reported`, actual: run.story(), hint: 'attach the listeners to every new WebSocket.' }));
      if (run.clock.pending !== 2) {
        fail({
          expected: `two timers while connection ${k} is up: the silence timer and the stable timer`,
          actual: run.clock.describePending(),
          hint: 'cancel the running silence timer before arming a new one, and cancel every timer of a connection in its "close" handler.',
        });
      }
      if (k === 3) break;
      connection.terminate();
      const retry = await nthRetry(net, run, k, `connection ${k} dropped`);
      expectEvents([retry], [{ type: 'retry', attempt: k - 1, delayMs: 0.5 * ceiling({ base: BASE, factor: FACTOR, cap: CAP }, k - 1) }], `retry ${k}`, 'each connection lasted less than stableMs: attempt keeps counting up.');
      if ((run.clock.pending as number) !== 1) fail({ expected: 'only the retry timer while waiting to reconnect', actual: run.clock.describePending(), hint: 'on "close", cancel the stable, silence and close timers of that connection.' });
      run.clock.tick(retry.delayMs + 1);
    }
    expectEqual(run.events.map((event) => event.type), ['open', 'message', 'down', 'retry', 'open', 'message', 'down', 'retry', 'open', 'message'], 'the events, in order', 'one listener of each kind per connection, and one retry per drop.');
  });

  check('connected and send() tell the truth: false while down, true and delivered while connected', async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    if (run.client.connected || run.client.send('too early') !== false) {
      fail({ expected: 'connected false and send() returning false before the handshake completes', actual: `connected ${run.client.connected}`, hint: 'connected: socket?.readyState === WebSocket.OPEN; send(): return false unless OPEN.' });
    }
    const first = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    if (!run.client.connected) fail({ expected: 'connected to be true once open', actual: 'false', hint: 'connected: socket?.readyState === WebSocket.OPEN.' });
    expectEqual(run.client.send('hello'), true, 'what send() returned while connected', 'return true after socket.send(text).');
    expectEqual(await first.nextText({ waitingFor: 'the message sent with send()' }), 'hello', 'the first message the server got', 'send() sends only while OPEN: nothing before.');
    first.terminate();
    const retry = await nthRetry(net, run, 1, 'the connection dropped');
    if (run.client.connected || run.client.send('while down') !== false) {
      fail({ expected: 'connected false and send() returning false between connections', actual: `connected ${run.client.connected}`, hint: 'the socket is gone: send() must return false, and send nothing.' });
    }
    run.clock.tick(retry.delayMs + 1);
    const second = await peer.nextConnection({ waitingFor: 'the client to reconnect' });
    await nthOpen(net, run, 2);
    run.client.send('again');
    expectEqual(await second.nextText({ waitingFor: 'the message sent after the reconnect' }), 'again', 'the first message on the new connection', 'send() uses the current socket, and sends nothing while down.');
  });

  check(`refuses a message larger than MAX_MESSAGE_BYTES (${CLIENT_MAX_MESSAGE_BYTES}) from the server with 1009, takes one of exactly that size, and reconnects`, async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const connection = await peer.nextConnection({ waitingFor: 'the client to connect' });
    await nthOpen(net, run, 1);
    connection.send('y'.repeat(CLIENT_MAX_MESSAGE_BYTES));
    await waitUntil(net, () => run.messages().some((text) => text.length === CLIENT_MAX_MESSAGE_BYTES), () => ({
      expected: 'a message of exactly MAX_MESSAGE_BYTES reported', actual: run.story(), hint: 'new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES }): the limit itself is allowed.',
    }));
    connection.send('y'.repeat(CLIENT_MAX_MESSAGE_BYTES + 1));
    expectEqual((await connection.waitClosed({ waitingFor: 'the client to refuse the oversize message', hint: 'new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES }): ws then closes with 1009 when a message is larger.' })).code, 1009, 'the close code the server saw', 'new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES }): without it ws accepts 100 MiB from the server.');
    await nthRetry(net, run, 1, 'the client closed the connection over an oversize message');
  });

  check('refuses a URL that is not ws:// or wss://, and timings that make no sense, before connecting', async ({ net }) => {
    const peer = await net.peer();
    const bad: [string, ReconnectOptions, string][] = [
      ['http://127.0.0.1:1/', {}, 'ws://'],
      ['not a url', {}, 'URL'],
      [peer.url, { stableMs: -1 }, 'stableMs'],
      [peer.url, { stableMs: Number.NaN }, 'stableMs'],
      [peer.url, { stableMs: Number.POSITIVE_INFINITY }, 'stableMs'],
      [peer.url, { silenceMs: 0 }, 'silenceMs'],
      [peer.url, { silenceMs: -1 }, 'silenceMs'],
      [peer.url, { silenceMs: Number.POSITIVE_INFINITY }, 'silenceMs'],
      [peer.url, { base: 0 }, 'base'],
    ];
    for (const [url, options, name] of bad) {
      let made: ReconnectingClient | undefined;
      const error = thrownBy(() => { made = createReconnectingClient(url, { ...options, timers: new FakeClock() }); });
      if (made) void made.close();
      if (!error || !error.message.includes(name)) {
        fail({ expected: `createReconnectingClient(${show(url)}, ${show(options)}) to throw an error naming ${name}`, actual: error ? show(error.message) : 'it started a client', hint: 'keep the checks at the top of createReconnectingClient, before connect().' });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (peer.connections.length > 0) fail({ expected: 'no connection attempt from a client whose settings were refused', actual: `${peer.connections.length}`, hint: 'validate before connect().' });
    // The edges that are fine: wss://, and a stableMs of 0 (every connection counts as stable at once).
    const secure = launch(net, `wss://127.0.0.1:${await closedPort()}`);
    await nthRetry(net, secure, 1, 'nothing listens there');
    await settle(net, secure.client.close(), () => ({ expected: 'close() to resolve', actual: secure.story(), hint: 'close() between attempts finishes at once.' }));
    const eager = launch(net, peer.url, { stableMs: 0 });
    await nthOpen(net, eager, 1);
  });

  check('with its real timers, leaves no timer running once close() has resolved', async ({ net }) => {
    const timers = trackTimers('./client.ts');
    const peer = await net.peer();
    const client = createReconnectingClient(peer.url, { stableMs: 60_000, silenceMs: 60_000 });
    onTestFinished(() => { client.close().catch(() => {}); });
    await peer.nextConnection({ waitingFor: 'the client to connect' });
    await waitUntil(net, () => client.connected, () => ({ expected: 'the client to connect', actual: 'not connected', hint: 'connect at once.' }));
    if (timers.pending().length === 0) fail({ expected: 'the real setTimeout to be used when no timers are given (the silence timer, at least)', actual: 'no timer from client.ts', hint: 'keep the default timers = realTimers.' });
    await settle(net, client.close(), () => ({ expected: 'close() to resolve', actual: 'it did not', hint: 'resolve on the socket\'s "close" event.' }));
    await waitUntil(net, () => timers.pending().length === 0, () => ({
      expected: 'no timer of client.ts left once close() resolved', actual: `one still pending, created at ${timers.pending()[0]}`, hint: 'clear every timer (silence, stable, close, retry) with timers.clearTimeout, and keep the default clearTimeout real.',
    }), 1000);
  });
});

/** A TCP server that accepts connections and never answers: a WebSocket handshake to it never completes. */
async function blackHole(net: Harness): Promise<{ url: string; accepted: () => number }> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    socket.on('error', () => {});
    sockets.push(socket);
    net.wakeAll();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => { for (const socket of sockets) socket.destroy(); server.close(() => resolve()); }));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `ws://127.0.0.1:${port}`, accepted: () => sockets.length };
}

/** Compares events whatever the order of their fields. */
function expectEvents(actual: ClientEvent[], expected: ClientEvent[], what: string, hint: string): void {
  const norm = (events: ClientEvent[]): string[] => events.map((event) => JSON.stringify(Object.fromEntries(Object.entries(event).sort())));
  expectEqual(norm(actual), norm(expected), what, hint);
}

/** Starts the lesson server again on a port that was just freed (retrying while the OS still holds it). */
async function listenAgain(net: Harness, port: number): Promise<HeartbeatServer> {
  for (let tries = 1; ; tries += 1) {
    const wss = createServer({ host: '127.0.0.1', port, log: () => {}, timers: new FakeClock() });
    const result = await settle(net, new Promise<'ok' | Error>((resolve) => {
      wss.once('listening', () => resolve('ok'));
      wss.once('error', (error) => resolve(error));
    }), () => ({ expected: `the server to listen again on port ${port}`, actual: 'no "listening" event', hint: 'pass host and port to new HeartbeatServer(...).' }));
    if (result === 'ok') return wss;
    wss.close();
    if ((result as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 20) throw result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}




describe('the programs', () => {
  check('run from the command line: the server with --port, the client with the URL until Ctrl+C, and both exit cleanly', async ({ net }) => {
    // Importing the files (as the checks and npm run play do) must start nothing.
    await importStartsNothing(net, HERE, ['server.ts', 'backoff.ts', 'client.ts'], { PORT: '0', URL: `ws://127.0.0.1:${await closedPort()}` }, 'keep the last line of each file as it is: `if (isMain(import.meta.url)) await run…Program(…)` runs the program only when the file itself is run.');

    const server = runProgram(net, HERE, ['server.ts', '--port', '0']);
    const url = await net.waitUntil(() => /Heartbeat server listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1] ?? (server.exit() === undefined ? undefined : 'exited'), 20_000, () => ({
      expected: 'npx tsx server.ts --port 0 to print "Heartbeat server listening on ws://127.0.0.1:<port>"', actual: `it printed ${show(server.stdout())}${server.stderr() ? ` and on stderr ${show(server.stderr())}` : ''}`, hint: 'keep the last line of server.ts: if (isMain(import.meta.url)) await runServerProgram(\'Heartbeat server\', createServer);',
    }));
    if (url === 'exited') fail({ expected: 'npx tsx server.ts --port 0 to keep running', actual: `it exited with ${server.exit()}: ${show(server.stderr() || server.stdout())}`, hint: 'createServer must not throw.' });
    const client = runProgram(net, HERE, ['client.ts', url]);
    const hello = 'connected\nReceived: Welcome, peer #1\nReceived: Echo: Hello WebSocket!\n';
    const printed = (): string => `it printed ${show(client.stdout())}${client.stderr() ? ` and on stderr ${show(client.stderr())}` : ''}`;
    await net.waitUntil(() => client.stdout().startsWith(hello) || client.exit() !== undefined, 20_000, () => ({
      expected: `npx tsx client.ts <url> to print ${show(hello)}`, actual: printed(), hint: 'keep the last line of client.ts: if (isMain(import.meta.url)) await runClientProgram(\'Reconnecting client\', runClient);',
    }));
    if (client.stdout() !== hello || client.exit() !== undefined) {
      fail({ expected: `npx tsx client.ts <url> to print ${show(hello)} and keep running`, actual: `${printed()}${client.exit() === undefined ? '' : `, and exited with ${client.exit()}`}`, hint: 'runClient stays connected until Ctrl+C; the last line of client.ts runs it as a program.' });
    }
    client.kill('SIGINT'); // Ctrl+C
    const code = await exited(net, client, 'the client, after Ctrl+C,', 20_000);
    if (code !== 0 || client.stdout() !== `${hello}closed\n`) {
      fail({ expected: 'the client to print "closed" and exit with 0 after Ctrl+C', actual: `exit code ${code}, output ${show(client.stdout())}${client.stderr() ? `, stderr ${show(client.stderr())}` : ''}`, hint: 'runClient waits for SIGINT, then close(): every timer cleared, so the process can end.' });
    }
    await net.waitUntil(() => server.stdout().includes('peer #1 left (code 1000, 0 online)'), 20_000, () => ({
      expected: 'the server to log "peer #1 left (code 1000, 0 online)"', actual: show(server.stdout()), hint: 'the client closes with 1000; the server logs the peer leaving.',
    }));
    server.kill('SIGINT');
    expectEqual(await exited(net, server, 'the server, after Ctrl+C,', 20_000), 0, 'the server\'s exit code after Ctrl+C', 'runServerProgram closes the server on SIGINT and exits 0.');
  }, 60_000);
});
