// Self-checks for lesson 07. Run: npm run check lesson-07
// Sockets are real (127.0.0.1, a free port). Time and randomness are injected: a fake clock
// (fake-clock.ts) that moves only when a check calls tick(), and a random() the check chooses.
// So "within two heartbeat intervals" is exact instead of a race against a busy machine, every
// backoff delay can be checked to the millisecond, and a "30-second backoff" takes no time at all.
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, fail, show, WAIT_MS, type FailureReport, type Harness, type RunningServer } from '../../checks/harness.ts';
import { FakeClock, seededRandom } from './fake-clock.ts';
import { createServer, HeartbeatServer, type HeartbeatServerOptions } from './server.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { createReconnectingClient, runClient, type ClientEvent, type ReconnectOptions, type ReconnectingClient } from './client.ts';

const HEARTBEAT_MS = 1000;
const USE_THE_CLOCK = 'start the heartbeat with the timers you were given (timers.setInterval(..., heartbeatMs)), not the global setInterval: the checks move a fake clock.';

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
    await net.connect(server.url, { label: 'client A' });
    const b = await net.connect(server.url, { label: 'client B' });
    const c = await net.connect(server.url, { label: 'client C' });
    const sides = await serverSides(net, server, 3);
    const { peers } = server.wss;
    await waitUntil(net, () => sides.every((side) => peers.has(side)), () => ({
      expected: 'wss.peers to hold all 3 connected clients',
      actual: `${sides.filter((side) => peers.has(side)).length} of them in it`,
      hint: 'in the "connection" handler: wss.peers.set(socket, { id, isAlive: true }).',
    }));
    const ids = new Set(sides.map((side) => peers.get(side)?.id));
    if (ids.size !== 3) fail({ expected: 'each peer to get its own id', actual: `ids ${[...ids].join(', ')}`, hint: 'count up from 1: the first peer is #1, the next #2, ...' });
    if (!sides.every((side) => peers.get(side)?.isAlive === true)) {
      fail({ expected: 'a new peer to start with isAlive = true', actual: 'isAlive false', hint: 'a peer that just connected is alive; the first ping sets it false.' });
    }

    await b.close();
    c.terminate();
    const [, bSide, cSide] = sides as [WebSocket, WebSocket, WebSocket];
    await waitUntil(net, () => bSide.readyState === WebSocket.CLOSED && cSide.readyState === WebSocket.CLOSED, () => ({
      expected: 'the server to see both clients leave', actual: `one is ${describeState(bSide.readyState === WebSocket.CLOSED ? cSide : bSide)}`, hint: 'do not keep sockets open yourself.',
    }));
    await waitUntil(net, () => !peers.has(bSide) && !peers.has(cSide), () => ({
      expected: 'wss.peers to forget the client that closed cleanly and the one that vanished',
      actual: `${[bSide, cSide].filter((side) => peers.has(side)).length} of them still in wss.peers (${peers.size} entries for ${server.wss.clients.size} open connection(s))`,
      hint: 'listen for "close" on each socket and call wss.peers.delete(socket) there: "close" fires however a connection ends, so no path leaks an entry.',
    }));
    if (peers.size !== 1 || !peers.has(sides[0] as WebSocket)) {
      fail({ expected: 'wss.peers to hold only client A', actual: `${peers.size} entries`, hint: 'remove only the socket that closed.' });
    }
  });

  check('terminates a client that stops answering pings within two intervals, and leaves no entry', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
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
  });

  check('keeps a client that answers every ping connected, interval after interval', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    const client = await net.connect(server.url, { label: 'a healthy client' });
    const [side] = (await serverSides(net, server, 1)) as [WebSocket];
    const pongs = counter(net);
    const pings = counter(net);
    side.on('pong', pongs.bump);
    client.ws.on('ping', pings.bump);

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
          hint: 'on "pong", set that peer\'s isAlive back to true: the pong is the answer to your ping.',
        });
      }
    }
  });

  check('terminates a half-open client that no longer reads anything (no pong, no close frame)', async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
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
    if (clock.pending === 0) {
      fail({ expected: 'createServer to start a heartbeat interval', actual: 'no timer on the clock it was given', hint: USE_THE_CLOCK });
    }
    const client = await net.connect(server.url);
    await client.close();
    let closed = false;
    server.wss.close(() => { closed = true; net.wakeAll(); });
    await waitUntil(net, () => closed, () => ({ expected: 'the server to close', actual: 'no "close" event', hint: 'do not keep connections open after their client left.' }));
    if (clock.pending !== 0) {
      fail({
        expected: 'no timer left running once the server has closed',
        actual: clock.describePending(),
        hint: 'wss.on("close", () => timers.clearInterval(heartbeat)): a forgotten interval keeps the process alive and pings sockets nobody owns.',
      });
    }
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
          hint: 'do not reset attempt when a connection opens: a server that accepts and drops at once would be hammered at the base delay forever. Reset it only after stableMs of uptime.',
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
      () => stillUp(`spoke within silenceMs (${SILENCE_MS} ms)`, 'only silence for a whole silenceMs counts: arm the timer on connect and restart it on "open".'));
    if (connection.closed) fail(stillUp(`spoke within silenceMs (${SILENCE_MS} ms)`, 'only silence for a whole silenceMs counts: arm the timer on connect and restart it on "open".'));

    run.clock.tick(SILENCE_MS - 1);
    let pongs = 0;
    connection.ws.on('pong', () => { pongs += 1; net.wakeAll(); });
    connection.ws.ping();
    await waitUntil(net, () => pongs > 0 || connection.closed !== undefined,
      () => stillUp('sent a message less than silenceMs ago', 'restart the silence timer on every "message".'));
    if (connection.closed) fail(stillUp('sent a message less than silenceMs ago', 'restart the silence timer on every "message".'));

    run.clock.tick(SILENCE_MS - 1);
    connection.send('still here, again');
    await waitUntil(net, () => run.messages().includes('still here, again') || connection.closed !== undefined,
      () => stillUp('pinged it less than silenceMs ago', 'a ping is a sign of life too: restart the silence timer on "ping" (ws answers the ping for you).'));
    if (connection.closed) fail(stillUp('pinged it less than silenceMs ago', 'a ping is a sign of life too: restart the silence timer on "ping" (ws answers the ping for you).'));

    run.clock.tick(SILENCE_MS); // now a whole silenceMs of silence
    await waitUntil(net, () => connection.closed !== undefined, () => ({
      expected: `the client to drop the connection once the server had been silent for silenceMs (${SILENCE_MS} ms)`,
      actual: `it kept it open (${run.story()})`,
      hint: 'arm timers.setTimeout(..., silenceMs) on connect and restart it on every sign of life; when it fires, terminate() the socket (a silent server will not answer a close frame).',
    }));
    await nthRetry(net, run, 1, 'the client gave up on the silent connection');
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
  });

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

  check('runClient prints what it receives and returns when its signal aborts', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.send('Welcome, test'));
    const out = net.output();
    const stop = new AbortController();
    const done = runClient(peer.url, { out, signal: stop.signal, timers: new FakeClock() });
    const connection = await peer.nextConnection({ waitingFor: 'runClient to connect' });
    await out.waitFor('Received: Welcome, test');
    stop.abort();
    await settle(net, done, () => ({ expected: 'runClient to return soon after its signal aborted', actual: 'it is still running', hint: 'runClient awaits the signal, then client.close().' }));
    const closed = await connection.waitClosed();
    expectEqual(closed.code, 1000, 'the close code the server saw', 'close() ends the connection with ws.close(1000).');
  });
});

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
