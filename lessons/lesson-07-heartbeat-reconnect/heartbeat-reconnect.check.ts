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
  check, closedPort, expectEqual, fail, show, t, tcpSocket, WAIT_MS,
  type Endpoint, type FailureReport, type Harness, type RunningServer, type Text, verbatim,
} from '../../checks/harness.ts';
import { exited, programSaid, runProgram, importStartsNothing } from '../../checks/programs.ts';
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
const USE_THE_CLOCK = t('start the heartbeat with the timers you were given (timers.setInterval(..., heartbeatMs)), not the global setInterval: the checks move a fake clock.',
  '用传给你的 timers 启动心跳（timers.setInterval(..., heartbeatMs)），不要用全局的 setInterval：检查拨动的是一个假时钟。');

/** Fails at once, naming the option, when the server's heartbeat is not on the clock the check gave it. */
function expectHeartbeatOnClock(clock: FakeClock): void {
  if (clock.pending === 0) {
    fail({
      expected: t('createServer to start its heartbeat with the `timers` option it was given: timers.setInterval(tick, heartbeatMs)', 'createServer 用它收到的 `timers` 选项启动心跳：timers.setInterval(tick, heartbeatMs)'),
      actual: t('no interval on that clock: the heartbeat uses some other timer (the global setInterval?), or there is none yet', '那个时钟上没有任何 interval：心跳用的是别的定时器（全局的 setInterval？），或者还没有心跳'),
      hint: t(`${USE_THE_CLOCK} The default, for a real run, is the real setInterval: that is what the timers option is for.`, `${USE_THE_CLOCK}真正运行时，默认用的就是真的 setInterval：timers 选项就是为此而设的。`),
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
    fail({ expected: t('createServer to return the HeartbeatServer it created, with its peers map', 'createServer 返回它创建的 HeartbeatServer，连同它的 peers 映射'), actual: t('some other object', '别的什么对象'), hint: t('keep `new HeartbeatServer(...)` from the starter and return it.', '保留起始代码里的 `new HeartbeatServer(...)`，并把它返回。') });
  }
  return { ...server, wss: server.wss };
}

/** The server-side sockets of the first `count` clients, in the order they connected. */
async function serverSides(net: Harness, server: HeartbeatRun, count: number): Promise<WebSocket[]> {
  await waitUntil(net, () => server.connections.length >= count, () => ({
    expected: t(`the server to accept ${count} connection(s)`, `服务器接受 ${count} 个连接`),
    actual: t(`${server.connections.length}`, `只接受了 ${server.connections.length} 个`),
    hint: t('the "connection" handler must run to the end without throwing.', '"connection" 处理函数必须一直运行到结束，中途不能抛出异常。'),
  }));
  return server.connections.slice(0, count);
}

function counter(net: Harness): { count: number; bump: () => void } {
  const state = { count: 0, bump: () => { state.count += 1; net.wakeAll(); } };
  return state;
}

function describeState(socket: WebSocket): Text {
  return [
    t('still connecting', '还在连接中'), t('still connected', '仍然连着'), t('still closing (waiting for a closing handshake)', '还在关闭中（在等关闭握手）'), t('closed', '已关闭'),
  ][socket.readyState] ?? t('in an unknown state', '处于未知状态');
}

describe('the heartbeat server', () => {
  check(t('keeps every connection in wss.peers and removes it when the connection ends', '把每个连接记在 wss.peers 里，连接结束时把它移除'), async ({ net }) => {
    const server = await start(net, new FakeClock());
    const a = await net.connect(server.url, { label: t('client A', '客户端 A') });
    const b = await net.connect(server.url, { label: t('client B', '客户端 B') });
    const c = await net.connect(server.url, { label: t('client C', '客户端 C') });
    const sides = await serverSides(net, server, 3);
    const { peers } = server.wss;
    for (const [i, client] of [a, b, c].entries()) {
      expectEqual(await client.nextText({ waitingFor: t('the welcome', '欢迎消息') }), `Welcome, peer #${i + 1}`, t(`the first message to client ${'ABC'[i]}`, `发给客户端 ${'ABC'[i]} 的第一条消息`), t('keep socket.send(`Welcome, peer #${peer.id}`): ids count up from 1 (nextId += 1 for each connection).', '保留 socket.send(`Welcome, peer #${peer.id}`)：id 从 1 开始往上数（每个连接 nextId += 1）。'));
    }
    await waitUntil(net, () => sides.every((side) => peers.has(side)), () => ({
      expected: t('wss.peers to hold all 3 connected clients', 'wss.peers 里有全部 3 个已连接的客户端'),
      actual: t(`${sides.filter((side) => peers.has(side)).length} of them in it`, `里面只有其中 ${sides.filter((side) => peers.has(side)).length} 个`),
      hint: t('in the "connection" handler: wss.peers.set(socket, { id, isAlive: true }).', '在 "connection" 处理函数里：wss.peers.set(socket, { id, isAlive: true })。'),
    }));
    const ids = sides.map((side) => peers.get(side)?.id);
    expectEqual(ids, [1, 2, 3], t('the ids in wss.peers, in the order the clients connected', 'wss.peers 里的 id（按客户端连接的顺序）'), t('register the peer object the handler made ({ id: nextId, ... }): the first peer is #1, the next #2, ...', '登记处理函数创建的 peer 对象（{ id: nextId, ... }）：第一个 peer 是 #1，下一个是 #2，……'));
    if (!sides.every((side) => peers.get(side)?.isAlive === true)) {
      fail({ expected: t('a new peer to start with isAlive = true', '新的 peer 一开始 isAlive = true'), actual: t('isAlive false', 'isAlive 是 false'), hint: t('a peer that just connected is alive; the first ping sets it false.', '刚连上的 peer 是活着的；第一次 ping 才把它设成 false。') });
    }

    const [, bSide, cSide] = sides as [WebSocket, WebSocket, WebSocket];
    await b.close();
    await waitUntil(net, () => bSide.readyState === WebSocket.CLOSED, () => ({
      expected: t('the server to see client B leave', '服务器看到客户端 B 离开'), actual: t(`it is ${describeState(bSide)}`, `它${describeState(bSide)}`), hint: t('do not keep sockets open yourself.', '不要自己让 socket 一直开着。'),
    }));
    c.terminate();
    await waitUntil(net, () => cSide.readyState === WebSocket.CLOSED, () => ({
      expected: t('the server to see client C leave', '服务器看到客户端 C 离开'), actual: t(`it is ${describeState(cSide)}`, `它${describeState(cSide)}`), hint: t('do not keep sockets open yourself.', '不要自己让 socket 一直开着。'),
    }));
    await waitUntil(net, () => !peers.has(bSide) && !peers.has(cSide), () => ({
      expected: t('wss.peers to forget the client that closed cleanly and the one that vanished', 'wss.peers 忘掉正常关闭的那个客户端，以及突然消失的那个'),
      actual: t(`${[bSide, cSide].filter((side) => peers.has(side)).length} of them still in wss.peers (${peers.size} entries for ${server.wss.clients.size} open connection(s))`, `其中 ${[bSide, cSide].filter((side) => peers.has(side)).length} 个还在 wss.peers 里（${server.wss.clients.size} 个打开的连接，却有 ${peers.size} 条记录）`),
      hint: t('listen for "close" on each socket and call wss.peers.delete(socket) there: "close" fires however a connection ends, so no path leaks an entry.', '在每个 socket 上监听 "close"，在那里调用 wss.peers.delete(socket)：不管连接怎样结束，"close" 都会触发，所以哪条路径都不会漏掉记录。'),
    }));
    if (peers.size !== 1 || !peers.has(sides[0] as WebSocket)) {
      fail({ expected: t('wss.peers to hold only client A', 'wss.peers 里只剩客户端 A'), actual: t(`${peers.size} entries`, `${peers.size} 条记录`), hint: t('remove only the socket that closed.', '只移除关闭了的那个 socket。') });
    }
    const transcript = ['peer #1 connected (1 online)', 'peer #2 connected (2 online)', 'peer #3 connected (3 online)', 'peer #2 left (code 1000, 2 online)', 'peer #3 left (code 1006, 1 online)'];
    expectEqual(server.logs.filter((line) => / (connected|left) /.test(line)), transcript, t('the server\'s log', '服务器的日志'), t('log(`peer #${peer.id} connected (${wss.peers.size} online)`) after registering it, and log(`peer #${peer.id} left (code ${code}, ${wss.peers.size} online)`) after deleting it.', '登记之后 log(`peer #${peer.id} connected (${wss.peers.size} online)`)，删除之后 log(`peer #${peer.id} left (code ${code}, ${wss.peers.size} online)`)。'));
  });

  check(t('answers each text message with "Echo: <text>" and ignores binary frames', '每条文本消息回复 "Echo: <text>"，忽略二进制帧'), async ({ net }) => {
    const server = await start(net, new FakeClock());
    const client = await net.connect(server.url);
    await client.nextText({ waitingFor: t('the welcome', '欢迎消息') });
    for (const text of ['Hello WebSocket!', '你好，世界 🌍', '']) {
      client.send(text);
      expectEqual(await client.nextText({ waitingFor: t(`the echo of ${show(text)}`, `${show(text)} 的回显`) }), `Echo: ${text}`, t(`the reply to ${show(text)}`, `对 ${show(text)} 的回复`), t('keep the "message" handler: socket.send(`Echo: ${decode(data)}`).', '保留 "message" 处理函数：socket.send(`Echo: ${decode(data)}`)。'));
    }
    client.send(Buffer.from([1, 2, 3]));
    client.send('after the bytes');
    expectEqual(await client.nextText({ waitingFor: t('the echo of "after the bytes"', '"after the bytes" 的回显') }), 'Echo: after the bytes', t('the reply after a binary frame', '二进制帧之后的回复'), t('this server speaks text: answer nothing to a binary frame (if (isBinary) return;).', '这个服务器只说文本：对二进制帧什么也不回（if (isBinary) return;）。'));
  });

  check(t(`refuses a message larger than MAX_MESSAGE_BYTES (${SERVER_MAX_MESSAGE_BYTES}) with 1009, and echoes one of exactly that size`, `用 1009 拒绝超过 MAX_MESSAGE_BYTES（${SERVER_MAX_MESSAGE_BYTES}）的消息，正好这么大的照常回显`), async ({ net }) => {
    const server = await start(net, new FakeClock());
    const fits = await net.connect(server.url, { label: t('the client that sends exactly MAX_MESSAGE_BYTES', '发送正好 MAX_MESSAGE_BYTES 的客户端') });
    await fits.nextText({ waitingFor: t('the welcome', '欢迎消息') });
    const text = 'x'.repeat(SERVER_MAX_MESSAGE_BYTES);
    fits.send(text);
    expectEqual(await fits.nextText({ waitingFor: t('the echo of a message at the limit', '正好等于上限的消息的回显') }), `Echo: ${text}`, t('the echo of a message at the limit', '正好等于上限的消息的回显'), t('maxPayload is the largest size allowed: use MAX_MESSAGE_BYTES itself.', 'maxPayload 是允许的最大大小：就用 MAX_MESSAGE_BYTES 本身。'));
    const big = await net.connect(server.url, { label: t('the client that sends one byte more', '多发一个字节的客户端') });
    big.send('x'.repeat(SERVER_MAX_MESSAGE_BYTES + 1));
    expectEqual((await big.waitClosed({ waitingFor: t('the server to refuse the oversize message', '服务器拒绝这条超大的消息') })).code, 1009, t('the close code', '关闭码'), t('keep maxPayload: MAX_MESSAGE_BYTES in new HeartbeatServer({ ... }).', '在 new HeartbeatServer({ ... }) 里保留 maxPayload: MAX_MESSAGE_BYTES。'));
  });

  check(t('survives a malformed frame: closes that connection (1002), logs it, forgets the peer, serves the others', '挺过格式错误的帧：关闭那个连接（1002），记下日志，忘掉这个 peer，继续为其他人服务'), async ({ net }) => {
    const server = await start(net, new FakeClock());
    const other = await net.connect(server.url, { label: t('a well-behaved client', '规规矩矩的客户端') });
    const bad = await net.connect(server.url, { label: t('a client that sends an unmasked frame', '发送无掩码帧的客户端') });
    const [, badSide] = (await serverSides(net, server, 2)) as [WebSocket, WebSocket];
    tcpSocket(bad.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // clients must mask their frames
    expectEqual((await bad.waitClosed({ waitingFor: t('the server to close the connection', '服务器关闭连接') })).code, 1002, t('the close code', '关闭码'), t('ws closes a connection that breaks the protocol by itself; keep socket.on(\'error\', …) so the error is logged, not thrown.', '违反协议的连接 ws 会自己关闭；保留 socket.on(\'error\', …)，让错误被记进日志，而不是被抛出。'));
    await waitUntil(net, () => server.logs.some((line) => line.startsWith('peer #2 error:') && line.includes('MASK')), () => ({
      expected: t('the server to log "peer #2 error: …" with ws\'s message', '服务器记下带着 ws 错误信息的 "peer #2 error: …"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('keep socket.on(\'error\', (error) => log(`peer #${peer.id} error: ${error.message}`)).', '保留 socket.on(\'error\', (error) => log(`peer #${peer.id} error: ${error.message}`))。'),
    }));
    await waitUntil(net, () => !server.wss.peers.has(badSide), () => ({ expected: t('the peer to leave wss.peers', '这个 peer 离开 wss.peers'), actual: t('it is still there', '它还在里面'), hint: t('the "close" event fires after an error too: delete the peer there.', '出错之后 "close" 事件也会触发：在那里删除这个 peer。') }));
    await other.nextText({ waitingFor: t('the welcome', '欢迎消息') });
    other.send('still there?');
    expectEqual(await other.nextText({ waitingFor: t('the echo', '回显') }), 'Echo: still there?', t('the reply to the other client', '给另一个客户端的回复'), t('one client\'s bad frame must not stop the server.', '一个客户端的坏帧，不能让服务器停下来。'));
  });

  check(t('stops reading from a client that sends and never reads its echoes, and keeps serving the others', '停止读取一个只发不读回显的客户端，同时继续为其他人服务'), async ({ net }) => {
    const server = await start(net, new FakeClock());
    const flooder = await net.connect(server.url, { label: t('a client that sends and never reads', '只发不读的客户端') });
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
      expected: t('the server to stop reading from the client, or to read all it sent', '服务器停止读取这个客户端，或者读完它发的全部内容'), actual: t(`it read ${read} of ${count} messages`, `${count} 条消息它读了 ${read} 条`), hint: t('keep limitSendBuffer(socket) in the connection handler.', '在 connection 处理函数里保留 limitSendBuffer(socket)。'),
    }), 60_000);
    peak = Math.max(peak, side.bufferedAmount);
    const limit = DEFAULT_HIGH_WATER_BYTES + 4 * 1024 * 1024;
    if (!side.isPaused || peak > limit) {
      fail({
        expected: t(`the server to stop reading from a client whose echoes pile up (queued replies kept under about ${Math.round(limit / 2 ** 20)} MiB)`, `回显堆积时，服务器停止读取这个客户端（排队的回复保持在大约 ${Math.round(limit / 2 ** 20)} MiB 以下）`),
        actual: t(`it read ${read} of the ${count} messages and queued ${(peak / 2 ** 20).toFixed(1)} MiB of echoes for a client that reads nothing${side.isPaused ? '' : ', without ever pausing'}`, `${count} 条消息它读了 ${read} 条，为一个什么都不读的客户端排队了 ${(peak / 2 ** 20).toFixed(1)} MiB 的回显${side.isPaused ? '' : '，而且一次都没暂停'}`),
        hint: t('keep the given limitSendBuffer(socket) at the top of the connection handler: it pauses reading from a client whose replies pile up (lesson 02 explains how).', '保留 connection 处理函数开头现成的 limitSendBuffer(socket)：回复堆积时，它会暂停读取那个客户端（第 02 课讲过原理）。'),
      });
    }
    const other = await net.connect(server.url, { label: t('another client', '另一个客户端') });
    await other.nextText({ waitingFor: t('the welcome', '欢迎消息') });
    other.send('still there?');
    expectEqual(await other.nextText({ waitingFor: t('the echo while the flood is held back', '洪水被挡住时的回显') }), 'Echo: still there?', t('the reply to another client', '给另一个客户端的回复'), t('a client that does not read must not stop the server from serving others.', '一个不读取的客户端，不能让服务器停止为别人服务。'));
  }, 90_000);

  check(t('terminates a client that stops answering pings within two intervals, and leaves no entry', '不再回应 ping 的客户端，两个间隔之内就被 terminate，不留下记录'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    await net.connect(server.url, { label: t('a healthy client', '健康的客户端') });
    const mute = await net.connect(server.url, { label: t('a client that never answers pings', '从不回应 ping 的客户端'), autoPong: false });
    const [healthySide, muteSide] = (await serverSides(net, server, 2)) as [WebSocket, WebSocket];
    const pongs = counter(net);
    const pings = counter(net);
    healthySide.on('pong', pongs.bump);
    mute.ws.on('ping', pings.bump);

    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => pings.count >= 1 && pongs.count >= 1, () => ({
      expected: t(`a ping to every client when the first interval (${HEARTBEAT_MS} ms) is up`, `第一个间隔（${HEARTBEAT_MS} 毫秒）到了时，给每个客户端发一个 ping`),
      actual: pings.count === 0 ? t('no ping arrived', '没有收到 ping') : t('the healthy client was not pinged', '健康的客户端没有收到 ping'),
      hint: t(`${USE_THE_CLOCK} In each tick, socket.ping() every peer.`, `${USE_THE_CLOCK}每次 tick 都给每个 peer 调用 socket.ping()。`),
    }));

    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => muteSide.readyState === WebSocket.CLOSED, () => ({
      expected: t(`the client that never answered to be gone after the second interval (${2 * HEARTBEAT_MS} ms after it connected)`, `第二个间隔之后（连上 ${2 * HEARTBEAT_MS} 毫秒后），那个从不回应的客户端被清走`),
      actual: t(`it is ${describeState(muteSide)}`, `它${describeState(muteSide)}`),
      hint: t('at each tick, a peer whose isAlive is still false did not answer the previous ping: socket.terminate() it. Otherwise set isAlive = false and ping it.', '每次 tick 时，isAlive 仍为 false 的 peer 就是没回应上一次 ping：对它调用 socket.terminate()。否则就设 isAlive = false，再 ping 它。'),
    }));
    await waitUntil(net, () => !server.wss.peers.has(muteSide) && !server.wss.clients.has(muteSide), () => ({
      expected: t('the terminated client to leave no entry behind', '被 terminate 的客户端不留下任何记录'),
      actual: t(`it is still in ${server.wss.peers.has(muteSide) ? 'wss.peers' : 'wss.clients'}`, `它还在 ${server.wss.peers.has(muteSide) ? 'wss.peers' : 'wss.clients'} 里`),
      hint: t('terminate() ends in a "close" event like any other ending: delete the peer from wss.peers there.', 'terminate() 和其他结束方式一样，最后都会触发 "close" 事件：在那里把 peer 从 wss.peers 删除。'),
    }));
    if (healthySide.readyState !== WebSocket.OPEN || !server.wss.peers.has(healthySide)) {
      fail({ expected: t('the client that answered the ping to stay connected and registered', '回应了 ping 的客户端保持连接，并且仍在登记之中'), actual: t(`it is ${describeState(healthySide)}`, `它${describeState(healthySide)}`), hint: t('on "pong", set that peer\'s isAlive back to true; terminate only peers whose isAlive is still false.', '收到 "pong" 时，把那个 peer 的 isAlive 设回 true；只 terminate isAlive 仍为 false 的 peer。') });
    }
    const said = 'peer #2 did not answer the last ping: terminating';
    if (!server.logs.includes(said) || server.logs.some((line) => line.startsWith('peer #1 did not answer'))) {
      fail({ expected: t(`the server to log ${show(said)} (and nothing of the kind about peer #1)`, `服务器记下 ${show(said)}（而且没有关于 peer #1 的这类记录）`), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('log(`peer #${peer.id} did not answer the last ping: terminating`) just before socket.terminate().', '就在 socket.terminate() 之前 log(`peer #${peer.id} did not answer the last ping: terminating`)。') });
    }
  });

  check(t('keeps a client that answers every ping connected, interval after interval', '每次都回应 ping 的客户端，一个间隔接一个间隔地保持连接'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const client = await net.connect(server.url, { label: t('a healthy client', '健康的客户端') });
    const [side] = (await serverSides(net, server, 1)) as [WebSocket];
    const pongs = counter(net);
    const pings = counter(net);
    const payloads: string[] = [];
    side.on('pong', pongs.bump);
    client.ws.on('ping', (data: Buffer) => { payloads.push(data.toString('hex')); pings.bump(); });

    for (let interval = 1; interval <= 6; interval += 1) {
      clock.tick(HEARTBEAT_MS);
      await waitUntil(net, () => pongs.count >= interval || side.readyState !== WebSocket.OPEN, () => ({
        expected: t(`ping ${interval} to be sent and answered after interval ${interval}`, `第 ${interval} 个间隔之后，第 ${interval} 个 ping 发出并得到回应`),
        actual: t(`${pings.count} ping(s) arrived, ${pongs.count} pong(s) came back`, `收到了 ${pings.count} 个 ping，回来了 ${pongs.count} 个 pong`),
        hint: t(`${USE_THE_CLOCK} Ping every peer in every tick.`, `${USE_THE_CLOCK}每次 tick 都 ping 每个 peer。`),
      }));
      if (side.readyState !== WebSocket.OPEN || !server.wss.peers.has(side)) {
        fail({
          expected: t('a client that answers every ping to stay connected', '每次都回应 ping 的客户端保持连接'),
          actual: t(`the server dropped it after interval ${interval}`, `服务器在第 ${interval} 个间隔之后把它断开了`),
          hint: t('on "pong", set that peer\'s isAlive back to true when the pong carries the token of your last ping (ws sends the ping\'s payload back for you).', '收到 "pong" 时，如果它带着你上一次 ping 的令牌，就把那个 peer 的 isAlive 设回 true（ws 会替你把 ping 的载荷原样送回来）。'),
        });
      }
    }
    if (payloads.some((payload) => payload === '') || new Set(payloads).size !== payloads.length) {
      fail({
        expected: t('every ping to carry a new token the server chose (its payload)', '每个 ping 都带着服务器选的一个新令牌（作为它的载荷）'),
        actual: t(`payloads ${show(payloads)}`, `载荷是 ${show(payloads)}`),
        hint: t('before each ping: peer.pingToken = randomBytes(8); socket.ping(peer.pingToken). Only a pong carrying it back answers that ping.', '每次 ping 之前：peer.pingToken = randomBytes(8); socket.ping(peer.pingToken)。只有把它带回来的 pong 才算回应了那个 ping。'),
      });
    }
  });

  check(t('terminates a half-open client that no longer reads anything (no pong, no close frame)', 'terminate 一个什么都不再读的半开连接客户端（没有 pong，也没有关闭帧）'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const ghost = await net.connect(server.url, { label: t('a half-open client', '半开连接的客户端'), autoPong: false });
    const [side] = (await serverSides(net, server, 1)) as [WebSocket];
    // Like a pulled cable: the peer's TCP stack still accepts bytes, but nothing reads or answers them.
    ghost.ws.pause();

    clock.tick(HEARTBEAT_MS);
    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => side.readyState === WebSocket.CLOSED && !server.wss.peers.has(side) && !server.wss.clients.has(side), () => ({
      expected: t('the half-open connection to be gone right after the second interval', '第二个间隔一过，半开的连接就被清走'),
      actual: side.readyState === WebSocket.CLOSING
        ? t('it is stuck closing: the server sent a close frame and waits for an answer that will never come (ws gives up only after 30 s)', '它卡在关闭中：服务器发了关闭帧，在等一个永远不会来的回应（ws 要等 30 秒才放弃）')
        : t(`it is ${describeState(side)}${server.wss.peers.has(side) ? ' and still in wss.peers' : ''}`, `它${describeState(side)}${server.wss.peers.has(side) ? '，而且还在 wss.peers 里' : ''}`),
      hint: t('use socket.terminate(), not socket.close(), for a peer that missed its ping: close() starts a closing handshake a dead peer cannot finish.', '对没回应 ping 的 peer 用 socket.terminate()，不要用 socket.close()：close() 会开始一次关闭握手，而一个已经死掉的对端没法完成它。'),
    }));
  });

  check(t('stops its heartbeat interval when the server closes', '服务器关闭时停掉心跳 interval'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const client = await net.connect(server.url);
    await client.close();
    let closed = false;
    server.wss.close(() => { closed = true; net.wakeAll(); });
    await waitUntil(net, () => closed, () => ({ expected: t('the server to close', '服务器关闭'), actual: t('no "close" event', '没有 "close" 事件'), hint: t('do not keep connections open after their client left.', '客户端走了之后，不要让连接一直开着。') }));
    if (clock.pending !== 0) {
      fail({
        expected: t('no timer left running once the server has closed', '服务器关闭之后，没有定时器还在运行'),
        actual: verbatim(clock.describePending()),
        hint: t('one heartbeat interval for the whole server (not one per connection), stopped with wss.on("close", () => timers.clearInterval(heartbeat)): a forgotten interval keeps the process alive and pings sockets nobody owns.', '整个服务器只用一个心跳 interval（不是每个连接一个），用 wss.on("close", () => timers.clearInterval(heartbeat)) 停掉它：被遗忘的 interval 会让进程一直活着，还去 ping 没有主人的 socket。'),
      });
    }
  });

  check(t('counts only the pong that answers its ping: a peer that sends pongs of its own but never answers is still terminated', '只认回应自己 ping 的 pong：一个自顾自发 pong、却从不回应的 peer 照样被 terminate'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const healthy = await net.connect(server.url, { label: t('a healthy client', '健康的客户端') });
    const faker = await net.connect(server.url, { label: t('a client that sends pongs of its own but never answers a ping', '自顾自发 pong、却从不回应 ping 的客户端'), autoPong: false });
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
    await waitUntil(net, () => fakePongs.count >= 2, () => ({ expected: t('the faker\'s first pongs to reach the server', '冒充者最初的几个 pong 到达服务器'), actual: t(`${fakePongs.count}`, `到了 ${fakePongs.count} 个`), hint: t('a pong before any ping must not crash the server: compare with peer.pingToken?.equals(data).', '在任何 ping 之前来的 pong 不能让服务器崩溃：用 peer.pingToken?.equals(data) 来比较。') }));

    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => pinged.count >= 1 && healthyPongs.count >= 1, () => ({
      expected: t('a ping to both clients when the first interval is up', '第一个间隔到了时，两个客户端都收到一个 ping'), actual: t(`${pinged.count} ping(s) to the faker, ${healthyPongs.count} pong(s) from the healthy client`, `冒充者收到 ${pinged.count} 个 ping，健康的客户端回了 ${healthyPongs.count} 个 pong`), hint: t(`${USE_THE_CLOCK} In each tick, ping every peer.`, `${USE_THE_CLOCK}每次 tick 都 ping 每个 peer。`),
    }));
    const afterPing = fakePongs.count;
    await waitUntil(net, () => fakePongs.count >= afterPing + 3, () => ({
      expected: t('the faker\'s own pongs to reach the server after the ping', 'ping 之后，冒充者自己发的 pong 到达服务器'), actual: t(`${fakePongs.count - afterPing}`, `到了 ${fakePongs.count - afterPing} 个`), hint: t('this is the check\'s own client: if it fails, the machine is very busy.', '这是检查自己的客户端：要是它失败了，说明机器非常忙。'),
    }));
    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => fakerSide.readyState === WebSocket.CLOSED && !server.wss.peers.has(fakerSide), () => ({
      expected: t('the peer that never answered a ping to be terminated at the second interval, and to leave wss.peers', '从不回应 ping 的 peer 在第二个间隔时被 terminate，并离开 wss.peers'),
      actual: t(`it is ${describeState(fakerSide)}${server.wss.peers.has(fakerSide) ? ' and in wss.peers' : ''}: its unasked pongs counted as answers`, `它${describeState(fakerSide)}${server.wss.peers.has(fakerSide) ? '，而且还在 wss.peers 里' : ''}：它主动发的 pong 被当成了回应`),
      hint: t('a pong answers your ping only if it carries the ping\'s payload back: ping with a new token (peer.pingToken = randomBytes(8); socket.ping(peer.pingToken)), and on "pong" set isAlive only if peer.pingToken?.equals(data).', '只有把 ping 的载荷带回来的 pong，才算回应了你的 ping：每次用一个新令牌 ping（peer.pingToken = randomBytes(8); socket.ping(peer.pingToken)），收到 "pong" 时只有 peer.pingToken?.equals(data) 才设 isAlive。'),
    }));
    if (healthySide.readyState !== WebSocket.OPEN || !server.wss.peers.has(healthySide)) {
      fail({ expected: t('the client that answered the ping to stay', '回应了 ping 的客户端留下来'), actual: t(`it is ${describeState(healthySide)}`, `它${describeState(healthySide)}`), hint: t('ws answers a ping with a pong carrying the same payload: compare the pong\'s data with the token you sent.', 'ws 回应 ping 的 pong 带着同样的载荷：把 pong 的数据和你发出的令牌比一比。') });
    }
    void healthy;
  });

  check(t('a heartbeat tick after peers have left pings only those still there, and the server keeps one interval', 'peer 离开后的心跳 tick 只 ping 还在的那些，服务器始终只有一个 interval'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await start(net, clock);
    expectHeartbeatOnClock(clock);
    const pendingAtStart = clock.pending;
    await net.connect(server.url, { label: t('the client that stays', '留下来的客户端') });
    const leaver = await net.connect(server.url, { label: t('a client that closes', '关闭连接的客户端') });
    const vanisher = await net.connect(server.url, { label: t('a client that vanishes', '突然消失的客户端') });
    const [staySide, leaveSide, vanishSide] = (await serverSides(net, server, 3)) as [WebSocket, WebSocket, WebSocket];
    const pongs = counter(net);
    staySide.on('pong', pongs.bump);
    clock.tick(HEARTBEAT_MS);
    await waitUntil(net, () => pongs.count >= 1, () => ({ expected: t('the first ping to be answered', '第一个 ping 得到回应'), actual: t('no pong', '没有 pong'), hint: t(`${USE_THE_CLOCK} In each tick, ping every peer.`, `${USE_THE_CLOCK}每次 tick 都 ping 每个 peer。`) }));
    await leaver.close();
    vanisher.terminate();
    await waitUntil(net, () => leaveSide.readyState === WebSocket.CLOSED && vanishSide.readyState === WebSocket.CLOSED && server.wss.peers.size === 1, () => ({
      expected: t('the two clients that left to leave wss.peers', '离开的两个客户端离开 wss.peers'), actual: t(`${server.wss.peers.size} entries`, `${server.wss.peers.size} 条记录`), hint: t('delete the peer on "close".', '在 "close" 时删除 peer。'),
    }));
    for (let interval = 2; interval <= 4; interval += 1) {
      clock.tick(HEARTBEAT_MS);
      await waitUntil(net, () => pongs.count >= interval || staySide.readyState !== WebSocket.OPEN, () => ({
        expected: t(`ping ${interval} to the client that stayed to be answered`, `给留下来的客户端的第 ${interval} 个 ping 得到回应`), actual: t(`${pongs.count} pong(s)`, `${pongs.count} 个 pong`), hint: t('keep pinging the peers still in wss.peers at every tick.', '每次 tick 都继续 ping 还在 wss.peers 里的 peer。'),
      }));
    }
    if (staySide.readyState !== WebSocket.OPEN || server.wss.peers.size !== 1) {
      fail({ expected: t('the client that stayed to stay, alone in wss.peers', '留下来的客户端还在，而且是 wss.peers 里唯一的一个'), actual: t(`it is ${describeState(staySide)}; ${server.wss.peers.size} entries`, `它${describeState(staySide)}；有 ${server.wss.peers.size} 条记录`), hint: t('a tick handles the peers in wss.peers; the ones that left are gone from it already.', '一次 tick 处理的是 wss.peers 里的 peer；离开的那些早已不在里面了。') });
    }
    if (clock.pending !== pendingAtStart) {
      fail({
        expected: t(`the server to keep the ${pendingAtStart} interval it started, whoever comes and goes`, `不管谁来谁走，服务器都只保留它启动的那 ${pendingAtStart} 个 interval`),
        actual: t(`${clock.describePending()} on its clock`, `它的时钟上有 ${clock.describePending()}`),
        hint: t('one heartbeat interval for the whole server, started in createServer: not one per connection (those would outlive the peers that left).', '整个服务器一个心跳 interval，在 createServer 里启动：不是每个连接一个（那样的 interval 会比离开的 peer 活得更久）。'),
      });
    }
  });

  check(t('with its real timers, pings every heartbeatMs and stops when the server closes; refuses a heartbeatMs that is not a positive number; listens on 127.0.0.1 by default', '用真实的定时器时，每隔 heartbeatMs ping 一次，服务器关闭时停止；拒绝不是正数的 heartbeatMs；默认只监听 127.0.0.1'), async ({ net }) => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let made: HeartbeatServer | undefined;
      const error = thrownBy(() => { made = createServer({ port: 0, heartbeatMs: bad, log: () => {}, timers: new FakeClock() }); });
      made?.close();
      if (!(error instanceof RangeError) || !error.message.includes('heartbeatMs')) {
        fail({ expected: t(`createServer({ heartbeatMs: ${bad} }) to throw a RangeError naming heartbeatMs`, `createServer({ heartbeatMs: ${bad} }) 抛出一个提到 heartbeatMs 的 RangeError`), actual: error ? show(error.message) : t('it started a server', '它启动了一个服务器'), hint: t('keep the check at the top of createServer: a heartbeat interval must be a positive number of ms.', '保留 createServer 开头的检查：心跳间隔必须是正的毫秒数。') });
      }
    }
    const timers = trackTimers('./server.ts');
    // No host and no timers: the defaults, as when the file runs as a program.
    const wss = createServer({ port: 0, heartbeatMs: 100, log: () => {} });
    let closed = false;
    onTestFinished(() => { if (!closed) { for (const socket of wss.clients) socket.terminate(); wss.close(); } });
    const address = await net.waitUntil(() => { const bound = wss.address(); return typeof bound === 'object' && bound !== null ? bound : undefined; }, WAIT_MS, () => ({
      expected: t('the server to listen', '服务器开始监听'), actual: t('it did not', '它没有'), hint: t('pass host and port to new HeartbeatServer({ host, port, ... }).', '把 host 和 port 交给 new HeartbeatServer({ host, port, ... })。'),
    }));
    expectEqual(address.address, '127.0.0.1', t('the address the server listens on by default', '服务器默认监听的地址'), t('keep the default host = \'127.0.0.1\'.', '保留默认的 host = \'127.0.0.1\'。'));
    const client = await net.connect(`ws://127.0.0.1:${address.port}`);
    let pings = 0;
    client.ws.on('ping', () => { pings += 1; net.wakeAll(); });
    await waitUntil(net, () => pings >= 1, () => ({
      expected: t('a ping within a few seconds, with heartbeatMs: 100 and no timers given', 'heartbeatMs 为 100、没给 timers 时，几秒之内就收到一个 ping'), actual: t('none', '一个也没有'), hint: t('when no timers are given, use the real setInterval/clearInterval (the default in the starter).', '没给 timers 时，用真实的 setInterval/clearInterval（起始代码里的默认值）。'),
    }), 5000);
    client.terminate();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    closed = true;
    await waitUntil(net, () => timers.pending().length === 0, () => ({
      expected: t('no timer of server.ts left once the server has closed', '服务器关闭之后，server.ts 的定时器一个不剩'), actual: t(`one still pending, created at ${timers.pending()[0]}`, `还有一个没结束，它创建于 ${timers.pending()[0]}`), hint: t('wss.on(\'close\', () => timers.clearInterval(heartbeat)), and keep the default timers real.', 'wss.on(\'close\', () => timers.clearInterval(heartbeat))，并且让默认的 timers 保持为真实的定时器。'),
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
  story(): Text;
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
    story: () => (events.length === 0 ? t('no events', '没有任何事件') : t(`events ${events.slice(-8).map((event) => show(event)).join(', ')}`, `事件 ${events.slice(-8).map((event) => show(event)).join('、')}`)),
  };
}

const RETRY_HINT = t('in the "close" handler, schedule the next attempt: delayMs = backoffDelay(attempt, ...), timers.setTimeout(connect, delayMs), then report { type: "retry", attempt, delayMs } through onEvent.',
  '在 "close" 处理函数里安排下一次尝试：delayMs = backoffDelay(attempt, ...)，timers.setTimeout(connect, delayMs)，然后通过 onEvent 报告 { type: "retry", attempt, delayMs }。');

async function nthRetry(net: Harness, run: Run, n: number, why: Text): Promise<Retry> {
  await waitUntil(net, () => run.retries().length >= n, () => ({
    expected: t(`retry ${n} to be scheduled (${why})`, `第 ${n} 次重试被安排上（${why}）`),
    actual: run.story(),
    hint: RETRY_HINT,
  }));
  return run.retries()[n - 1] as Retry;
}

async function nthOpen(net: Harness, run: Run, n: number): Promise<void> {
  await waitUntil(net, () => run.count('open') >= n, () => ({
    expected: n === 1 ? t('the client to connect and report { type: "open" }', '客户端连上并报告 { type: "open" }') : t(`connection ${n} to open after the retry delay`, `重试延迟过后，第 ${n} 个连接打开`),
    actual: run.story(),
    hint: n === 1 ? t('createReconnectingClient connects at once: new WebSocket(url), and reports "open" through onEvent.', 'createReconnectingClient 一上来就连接：new WebSocket(url)，并通过 onEvent 报告 "open"。') : t('the retry timer must call connect() again when it fires.', '重试定时器触发时，必须再次调用 connect()。'),
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

  check(t('keeps every delay inside [0, min(cap, base·factorⁿ)]', '每个延迟都落在 [0, min(cap, base·factorⁿ)] 之内'), () => {
    const seeded = seededRandom(2024);
    for (const config of configs) {
      for (let attempt = 0; attempt <= 40; attempt += 1) {
        for (const r of [0, 0.25, 0.5, 0.75, 0.999999, seeded(), seeded(), seeded()]) {
          const delay = backoffDelay(attempt, { ...config, random: () => r });
          const limit = ceiling(config, attempt);
          if (typeof delay !== 'number' || !(delay >= 0 && delay <= limit * (1 + 1e-12))) {
            fail({
              expected: t(`backoffDelay(${attempt}, ${show(config)}) with random() = ${r} to lie in [0, ${limit}]`, `random() = ${r} 时，backoffDelay(${attempt}, ${show(config)}) 落在 [0, ${limit}] 之内`),
              actual: show(delay),
              hint: delay > limit ? t('cap the ceiling before adding jitter: Math.min(cap, base * factor ** attempt).', '加抖动之前先给上限封顶：Math.min(cap, base * factor ** attempt)。') : t('return random() * ceiling: a number of ms, never negative.', '返回 random() * ceiling：一个毫秒数，绝不为负。'),
            });
          }
        }
      }
    }
  });

  check(t('uses full jitter: random() × min(cap, base·factorⁿ)', '使用完全抖动：random() × min(cap, base·factorⁿ)'), () => {
    for (const config of configs) {
      for (let attempt = 0; attempt <= 12; attempt += 1) {
        for (const r of [0, 0.5, 0.999999]) {
          const delay = backoffDelay(attempt, { ...config, random: () => r });
          const expected = r * ceiling(config, attempt);
          if (!(Math.abs(delay - expected) <= 1e-9 * Math.max(1, expected))) {
            fail({
              expected: t(`backoffDelay(${attempt}, ${show(config)}) with random() = ${r} to be ${round(expected)}`, `random() = ${r} 时，backoffDelay(${attempt}, ${show(config)}) 等于 ${round(expected)}`),
              actual: show(delay),
              hint: r === 0 && delay > 0
                ? t('full jitter draws from the whole range, starting at 0: no fixed part (no ceiling/2 + jitter, no base + jitter).', '完全抖动是从整个区间里取值，从 0 开始：没有固定部分（不是 ceiling/2 + 抖动，也不是 base + 抖动）。')
                : t('ceiling = Math.min(cap, base * factor ** attempt); return random() * ceiling.', 'ceiling = Math.min(cap, base * factor ** attempt)；返回 random() * ceiling。'),
            });
          }
        }
      }
    }
  });

  check(t('refuses settings and inputs that would make no sense, and accepts the edge cases', '拒绝没有意义的设置和输入，接受边界情况'), () => {
    const badSettings: [BackoffOptions, string, Text][] = [
      [{ base: 0 }, 'base', t('a base of 0 would retry in a tight loop', 'base 为 0 会在死循环里不停重试')],
      [{ base: -1 }, 'base', t('a negative base', '负的 base')],
      [{ base: Number.NaN }, 'base', t('a base that is not a number', '不是数字的 base')],
      [{ base: Number.POSITIVE_INFINITY }, 'base', t('an endless base', '无穷大的 base')],
      [{ factor: 0.5 }, 'factor', t('a factor below 1 would shrink the delays', '小于 1 的 factor 会让延迟越来越短')],
      [{ factor: Number.NaN }, 'factor', t('a factor that is not a number', '不是数字的 factor')],
      [{ factor: Number.POSITIVE_INFINITY }, 'factor', t('an endless factor', '无穷大的 factor')],
      [{ base: 100, cap: 99 }, 'cap', t('a cap below base', '比 base 还小的 cap')],
      [{ cap: Number.NaN }, 'cap', t('a cap that is not a number', '不是数字的 cap')],
      [{ cap: Number.POSITIVE_INFINITY }, 'cap', t('no cap at all', '根本没有上限')],
      [{ random: 'Math.random' as unknown as () => number }, 'random', t('a random that is not a function', '不是函数的 random')],
    ];
    for (const [options, name, why] of badSettings) {
      const error = thrownBy(() => backoffSettings(options));
      if (!(error instanceof RangeError || error instanceof TypeError) || !error.message.includes(name)) {
        fail({ expected: t(`backoffSettings(${show(options)}) to throw an error naming ${name} (${why})`, `backoffSettings(${show(options)}) 抛出一个提到 ${name} 的错误（${why}）`), actual: error ? show(error.message) : t('it accepted it', '它接受了'), hint: t('keep the checks at the top of backoffSettings.', '保留 backoffSettings 开头的那些检查。') });
      }
    }
    const badInputs: [number, () => number, string, Text][] = [
      [-1, () => 0.5, 'attempt', t('a negative attempt', '负的 attempt')],
      [1.5, () => 0.5, 'attempt', t('an attempt that is not a whole number', '不是整数的 attempt')],
      [Number.NaN, () => 0.5, 'attempt', t('an attempt that is not a number', '不是数字的 attempt')],
      [0, () => 1, 'random', t('random() returning 1 (it must be below 1)', 'random() 返回了 1（它必须小于 1）')],
      [0, () => -0.1, 'random', t('random() returning a negative number', 'random() 返回了负数')],
      [0, () => Number.NaN, 'random', t('random() returning NaN', 'random() 返回了 NaN')],
    ];
    for (const [attempt, random, name, why] of badInputs) {
      const error = thrownBy(() => backoffDelay(attempt, { base: 100, cap: 1000, random }));
      if (!(error instanceof RangeError) || !error.message.includes(name)) {
        fail({
          expected: t(`backoffDelay(${attempt}, …) to throw a RangeError naming ${name}: ${why}`, `backoffDelay(${attempt}, …) 抛出一个提到 ${name} 的 RangeError：${why}`),
          actual: error ? show(error.message) : t('it returned a delay', '它返回了一个延迟'),
          hint: name === 'attempt'
            ? t('first thing in backoffDelay: if (!(Number.isInteger(attempt) && attempt >= 0)) throw new RangeError(...).', 'backoffDelay 一开头就写：if (!(Number.isInteger(attempt) && attempt >= 0)) throw new RangeError(...)。')
            : t('after calling random(): if (!(r >= 0 && r < 1)) throw new RangeError(...): a broken random() must not produce a delay beyond the cap, or NaN.', '调用 random() 之后：if (!(r >= 0 && r < 1)) throw new RangeError(...)：一个坏掉的 random() 不能产生超过上限的延迟，也不能产生 NaN。'),
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
      if (error) fail({ expected: t(`backoffDelay(${attempt}, ${show({ ...options, random: `() => ${options.random?.()}` })}) to be accepted`, `backoffDelay(${attempt}, ${show({ ...options, random: `() => ${options.random?.()}` })}) 被接受`), actual: t(`it threw ${show(error.message)}`, `它抛出了 ${show(error.message)}`), hint: t('factor may be 1, cap may equal base, random() may return 0: only what makes no sense is refused.', 'factor 可以是 1，cap 可以等于 base，random() 可以返回 0：只拒绝没有意义的东西。') });
      expectEqual(backoffDelay(attempt, options), expected, t(`backoffDelay(${attempt}, ${show({ ...options, random: `() => ${options.random?.()}` })})`, `backoffDelay(${attempt}, ${show({ ...options, random: `() => ${options.random?.()}` })}) 的结果`), t('random() × min(cap, base·factor^attempt).', '结果应该是 random() × min(cap, base·factor^attempt)。'));
    }
  });
});

describe('the reconnecting client', () => {
  check(t('reconnects after the server drops the connection, after a delay in [0, base]', '服务器断开连接后，等待 [0, base] 之间的一个延迟再重连'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const first = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来'), hint: t('createReconnectingClient connects at once: new WebSocket(url).', 'createReconnectingClient 一上来就连接：new WebSocket(url)。') });
    await nthOpen(net, run, 1);
    first.send('before the drop');
    await waitUntil(net, () => run.messages().includes('before the drop'), () => ({
      expected: t('the message "before the drop" reported as { type: "message", text }', '消息 "before the drop" 以 { type: "message", text } 的形式报告出来'), actual: run.story(), hint: t('on "message", report the text through onEvent.', '收到 "message" 时，通过 onEvent 报告文本。'),
    }));

    first.terminate(); // the server side vanishes, as in a crash
    const retry = await nthRetry(net, run, 1, t('the connection dropped', '连接断了'));
    expectEvents(run.events.filter((event) => event.type === 'down'), [{ type: 'down', code: 1006 }], t('the "down" events', '"down" 事件'), t('on "close", report { type: "down", code } through onEvent before scheduling the retry.', '收到 "close" 时，先通过 onEvent 报告 { type: "down", code }，再安排重试。'));
    if (!(retry.delayMs >= 0 && retry.delayMs <= BASE)) {
      fail({ expected: t(`the first retry to wait between 0 and base (${BASE} ms)`, `第一次重试等待 0 到 base（${BASE} 毫秒）之间`), actual: t(`${show(retry.delayMs)} ms`, `${show(retry.delayMs)} 毫秒`), hint: t('the first retry after a drop is attempt 0: backoffDelay(0, ...).', '断线后的第一次重试是第 0 次尝试：backoffDelay(0, ...)。') });
    }
    run.clock.tick(retry.delayMs + 1);
    const second = await peer.nextConnection({ waitingFor: t('the client to reconnect once the delay is over', '延迟结束后客户端重新连上来'), hint: t('the retry timer must call connect() again.', '重试定时器必须再次调用 connect()。') });
    await nthOpen(net, run, 2);
    second.send('after the reconnect');
    await waitUntil(net, () => run.messages().includes('after the reconnect'), () => ({
      expected: t('messages on the new connection to be reported too', '新连接上的消息也被报告出来'), actual: run.story(), hint: t('attach the same listeners to every new WebSocket.', '给每一个新的 WebSocket 都挂上同样的监听器。'),
    }));
  });

  check(t('backs off exponentially while the server refuses, never beyond the cap', '服务器一直拒绝时按指数退避，但绝不超过上限'), async ({ net }) => {
    let handshakes = 0;
    const peer = await net.peer({ verifyClient: (_info, answer) => { handshakes += 1; net.wakeAll(); answer(false, 503, 'Service Unavailable'); } });
    const run = launch(net, peer.url, { random: () => 0.999 });
    for (let k = 0; k < 9; k += 1) {
      const retry = await nthRetry(net, run, k + 1, t(`the server refused attempt ${k + 1} with HTTP 503`, `服务器用 HTTP 503 拒绝了第 ${k + 1} 次尝试`));
      // ws emits 'error' and then 'close' in the same turn of the event loop: both are in by now.
      if (run.retries().length !== k + 1) {
        fail({
          expected: t(`one retry per failed attempt (${k + 1} so far)`, `每次失败的尝试对应一次重试（到目前为止 ${k + 1} 次）`),
          actual: t(`${run.retries().length} retries`, `${run.retries().length} 次重试`),
          hint: t('"close" always follows "error": schedule the reconnect in the "close" handler only, or every failure starts two connections.', '"error" 之后总会跟着 "close"：只在 "close" 处理函数里安排重连，否则每次失败都会发起两个连接。'),
        });
      }
      const limit = ceiling({ base: BASE, factor: FACTOR, cap: CAP }, k);
      if (!(retry.delayMs <= limit && retry.delayMs >= 0.999 * limit - 1e-6)) {
        fail({
          expected: t(`retry ${k + 1} to wait random() × min(cap, base·factor^${k}) = 0.999 × ${limit} = ${round(0.999 * limit)} ms (random() returns 0.999 here; base ${BASE}, factor ${FACTOR}, cap ${CAP})`, `第 ${k + 1} 次重试等待 random() × min(cap, base·factor^${k}) = 0.999 × ${limit} = ${round(0.999 * limit)} 毫秒（这里 random() 返回 0.999；base ${BASE}，factor ${FACTOR}，cap ${CAP}）`),
          actual: t(`${show(retry.delayMs)} ms${retry.delayMs > CAP ? ': beyond the cap' : ''}`, `${show(retry.delayMs)} 毫秒${retry.delayMs > CAP ? '：超过了上限' : ''}`),
          hint: retry.delayMs > CAP
            ? t('the delay must never exceed cap: Math.min(cap, base * factor ** attempt).', '延迟绝不能超过 cap：Math.min(cap, base * factor ** attempt)。')
            : t('attempt counts the failures in a row: add one each time you schedule a retry, and pass it (and the options you were given) to backoffDelay.', 'attempt 记的是连续失败的次数：每安排一次重试就加一，并把它（连同传给你的选项）交给 backoffDelay。'),
        });
      }
      run.clock.tick(retry.delayMs + 1);
      await waitUntil(net, () => handshakes >= k + 2, () => ({
        expected: t(`attempt ${k + 2} to reach the server once retry ${k + 1}'s delay was over`, `第 ${k + 1} 次重试的延迟结束后，第 ${k + 2} 次尝试到达服务器`), actual: t(`${handshakes} attempt(s)`, `${handshakes} 次尝试`), hint: t('the retry timer must call connect() again.', '重试定时器必须再次调用 connect()。'),
      }));
    }
  });

  check(t('keeps backing off when each connection drops right after opening', '每个连接一打开就断时，继续退避'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { random: () => 0.999, stableMs: 1000, silenceMs: 60_000 });
    for (let k = 0; k < 4; k += 1) {
      const connection = await peer.nextConnection({ waitingFor: t(`connection ${k + 1}`, `第 ${k + 1} 个连接`) });
      await nthOpen(net, run, k + 1);
      run.clock.tick(999); // up for almost, but not quite, stableMs
      connection.terminate();
      const retry = await nthRetry(net, run, k + 1, t(`connection ${k + 1} dropped after 999 ms`, `第 ${k + 1} 个连接在 999 毫秒后断了`));
      const limit = ceiling({ base: BASE, factor: FACTOR, cap: CAP }, k);
      if (retry.delayMs < 0.999 * limit - 1e-6) {
        fail({
          expected: t(`retry ${k + 1} to wait ${round(0.999 * limit)} ms (attempt ${k}): every connection so far lasted less than stableMs (1000 ms), so the backoff keeps growing`, `第 ${k + 1} 次重试等待 ${round(0.999 * limit)} 毫秒（第 ${k} 次尝试）：到目前为止每个连接都没撑到 stableMs（1000 毫秒），所以退避要继续增长`),
          actual: t(`${round(retry.delayMs)} ms`, `${round(retry.delayMs)} 毫秒`),
          hint: t('do not reset attempt when a connection opens: a server that accepts and drops at once would be hammered at the base delay forever. Reset it only after stableMs of uptime, in a timer started on "open" and cancelled on "close" (one that outlives its connection resets the count later).', '连接一打开时不要重置 attempt：一个接受连接又马上断开的服务器，会被以 base 延迟永远猛敲。只有连接稳定运行了 stableMs 之后才重置：在 "open" 时启动一个定时器，在 "close" 时取消它（比连接活得还久的定时器，会在之后错误地重置计数）。'),
        });
      }
      run.clock.tick(retry.delayMs + 1);
    }
  });

  check(t('starts again from the base delay after a connection stayed up for stableMs', '一个连接稳定保持了 stableMs 之后，重新从 base 延迟开始'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { random: () => 0.999, stableMs: 1000, silenceMs: 60_000 });
    for (let k = 0; k < 3; k += 1) {
      const connection = await peer.nextConnection({ waitingFor: t(`connection ${k + 1}`, `第 ${k + 1} 个连接`) });
      await nthOpen(net, run, k + 1);
      connection.terminate();
      const retry = await nthRetry(net, run, k + 1, t(`connection ${k + 1} dropped at once`, `第 ${k + 1} 个连接立刻就断了`));
      run.clock.tick(retry.delayMs + 1);
    }
    const stable = await peer.nextConnection({ waitingFor: t('connection 4', '第 4 个连接') });
    await nthOpen(net, run, 4);
    run.clock.tick(1000); // a full stableMs of uptime
    stable.terminate();
    const retry = await nthRetry(net, run, 4, t('connection 4 dropped after a full stableMs', '第 4 个连接在整整一个 stableMs 之后才断'));
    if (retry.delayMs > BASE) {
      fail({
        expected: t(`the retry after a stable connection to start from the base again: at most ${BASE} ms`, `稳定连接之后的重试重新从 base 开始：最多 ${BASE} 毫秒`),
        actual: t(`${round(retry.delayMs)} ms, as if the three quick failures before it still counted`, `${round(retry.delayMs)} 毫秒，好像之前那三次很快的失败还算数`),
        hint: t('on "open", start timers.setTimeout(() => { attempt = 0; }, stableMs), and cancel it on "close".', '在 "open" 时启动 timers.setTimeout(() => { attempt = 0; }, stableMs)，在 "close" 时取消它。'),
      });
    }
  });

  check(t('treats a silent server as gone after silenceMs; messages and pings count as signs of life', '服务器沉默 silenceMs 之后就当它走了；消息和 ping 都算活着的迹象'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    const stillUp = (what: Text, hint: Text): FailureReport => ({
      expected: t(`the client to keep a connection whose server ${what}`, `服务器${what}，客户端就保持这个连接`),
      actual: connection.closed ? t(`it dropped the connection (${run.story()})`, `它断开了连接（${run.story()}）`) : run.story(),
      hint,
    });

    const spoke = t(`spoke within silenceMs (${SILENCE_MS} ms)`, `在 silenceMs（${SILENCE_MS} 毫秒）之内说过话`);
    const armOnOpen = t('only silence for a whole silenceMs counts: arm the timer on connect and restart it on "open" (cancel the running one before arming a new one).', '只有整整一个 silenceMs 的沉默才算数：连接时启动定时器，在 "open" 时重启它（启动新的之前先取消正在跑的那个）。');
    run.clock.tick(SILENCE_MS - 1);
    connection.send('still here');
    await waitUntil(net, () => run.messages().includes('still here') || connection.closed !== undefined, () => stillUp(spoke, armOnOpen));
    if (connection.closed) fail(stillUp(spoke, armOnOpen));

    const messaged = t('sent a message less than silenceMs ago', '不到 silenceMs 之前发过一条消息');
    const onMessage = t('restart the silence timer on every "message": cancel the running one, then arm a new one (an old one left armed still fires).', '每次 "message" 都重启沉默定时器：先取消正在跑的那个，再启动一个新的（留着没取消的旧定时器照样会触发）。');
    run.clock.tick(SILENCE_MS - 1);
    let pongs = 0;
    connection.ws.on('pong', () => { pongs += 1; net.wakeAll(); });
    connection.ws.ping();
    await waitUntil(net, () => pongs > 0 || connection.closed !== undefined, () => stillUp(messaged, onMessage));
    if (connection.closed) fail(stillUp(messaged, onMessage));

    const pinged = t('pinged it less than silenceMs ago', '不到 silenceMs 之前 ping 过它');
    const onPing = t('a ping is a sign of life too: restart the silence timer on "ping" (ws answers the ping for you).', 'ping 也是活着的迹象：收到 "ping" 时重启沉默定时器（ws 会替你回应 ping）。');
    run.clock.tick(SILENCE_MS - 1);
    connection.send('still here, again');
    await waitUntil(net, () => run.messages().includes('still here, again') || connection.closed !== undefined, () => stillUp(pinged, onPing));
    if (connection.closed) fail(stillUp(pinged, onPing));

    // A pong the server sends unasked, and a binary frame, are signs of life too. The client
    // reports neither, so the check watches its silence timer being armed again on the clock.
    const rearmed = `due in ${SILENCE_MS} ms`;
    const signs = [[t('sent a pong of its own', '主动发了一个 pong'), () => connection.ws.pong()], [t('sent a binary frame', '发了一个二进制帧'), () => connection.send(Buffer.from([1, 2, 3]))]] as const;
    const onAnySign = t('restart the silence timer on every sign of life: "message" (binary too), "ping" and "pong".', '每个活着的迹象都要重启沉默定时器："message"（二进制的也算）、"ping" 和 "pong"。');
    for (const [what, send] of signs) {
      run.clock.tick(SILENCE_MS - 1);
      send();
      await waitUntil(net, () => run.clock.describePending().includes(rearmed) || connection.closed !== undefined, () => ({
        expected: t(`the silence timer to be armed again (a timeout due in ${SILENCE_MS} ms) once the server ${what}`, `服务器${what}之后，沉默定时器重新启动（一个 ${SILENCE_MS} 毫秒后到期的 timeout）`),
        actual: t(`on the clock: ${run.clock.describePending()}`, `时钟上是：${run.clock.describePending()}`),
        hint: onAnySign,
      }));
      if (connection.closed) fail(stillUp(t(`${what} less than silenceMs ago`, `不到 silenceMs 之前${what}`), onAnySign));
    }
    if (run.messages().length !== 2) {
      fail({ expected: t('only the two text messages reported as { type: "message" }', '只有那两条文本消息被报告为 { type: "message" }'), actual: run.story(), hint: t('this client speaks text: report a message only if it is not binary (a binary frame still counts as a sign of life).', '这个客户端只说文本：只报告不是二进制的消息（二进制帧仍然算活着的迹象）。') });
    }

    run.clock.tick(SILENCE_MS); // now a whole silenceMs of silence
    await waitUntil(net, () => connection.closed !== undefined, () => ({
      expected: t(`the client to drop the connection once the server had been silent for silenceMs (${SILENCE_MS} ms)`, `服务器沉默了 silenceMs（${SILENCE_MS} 毫秒）之后，客户端断开连接`),
      actual: t(`it kept it open (${run.story()})`, `它一直开着连接（${run.story()}）`),
      hint: t('arm timers.setTimeout(..., silenceMs) on connect and restart it on every sign of life; when it fires, terminate() the socket (a silent server will not answer a close frame).', '连接时启动 timers.setTimeout(..., silenceMs)，每个活着的迹象都重启它；它触发时，对 socket 调用 terminate()（一个沉默的服务器不会回应关闭帧）。'),
    }));
    const retry = await nthRetry(net, run, 1, t('the client gave up on the silent connection', '客户端放弃了这个沉默的连接'));
    expectEvents(run.events.slice(-3), [{ type: 'silent', afterMs: SILENCE_MS }, { type: 'down', code: 1006 }, retry], t('the last events', '最后几个事件'), t('when the silence timer fires, report { type: "silent", afterMs: silenceMs } first, then ws.terminate() (not close(): a silent server will not answer a close frame, and the ending is a 1006); "down" and "retry" follow from the "close" handler.', '沉默定时器触发时，先报告 { type: "silent", afterMs: silenceMs }，再调用 ws.terminate()（不要用 close()：沉默的服务器不会回应关闭帧，这样的结束是 1006）；"down" 和 "retry" 随后由 "close" 处理函数发出。'));
  });

  check(t('close() stops for good: closes with 1000, never reconnects, leaves no timer', 'close() 彻底停止：用 1000 关闭，不再重连，不留下定时器'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const connection = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    const retriesBefore = run.retries().length;
    await settle(net, run.client.close(), () => ({
      expected: t('close() to resolve once the connection has closed', '连接关闭后 close() resolve'), actual: run.story(), hint: t('close the socket with ws.close(1000) and resolve when its "close" event fires.', '用 ws.close(1000) 关闭 socket，在它的 "close" 事件触发时 resolve。'),
    }));
    const closed = await connection.waitClosed();
    expectEqual(closed.code, 1000, t('the close code the server saw', '服务器看到的关闭码'), t('close() ends the connection with ws.close(1000): this is a normal, wanted ending.', 'close() 用 ws.close(1000) 结束连接：这是一次正常的、有意的结束。'));
    run.clock.tick(CAP * 10);
    if (run.retries().length > retriesBefore || run.clock.pending !== 0) {
      fail({
        expected: t('no reconnect and no timer left once close() has resolved', 'close() resolve 之后，没有重连，也没有留下定时器'),
        actual: t(`${run.retries().length - retriesBefore} retry(s) scheduled after close(); ${run.clock.describePending()} armed`, `close() 之后又安排了 ${run.retries().length - retriesBefore} 次重试；还有 ${run.clock.describePending()} 在等着`),
        hint: t('close() sets a flag the "close" handler checks before scheduling a retry, and every timer (retry, stable, silence) is cleared when its reason ends.', 'close() 设一个标志，"close" 处理函数在安排重试之前先检查它；每个定时器（重试、稳定、沉默）在它存在的理由消失时就清掉。'),
      });
    }
  });

  check(t('close() during a backoff wait cancels the pending reconnect', '在退避等待期间调用 close()，会取消等着的重连'), async ({ net }) => {
    let handshakes = 0;
    const peer = await net.peer({ verifyClient: (_info, answer) => { handshakes += 1; net.wakeAll(); answer(false, 503, 'Service Unavailable'); } });
    const run = launch(net, peer.url);
    await nthRetry(net, run, 1, t('the server refused the first attempt', '服务器拒绝了第一次尝试'));
    await settle(net, run.client.close(), () => ({
      expected: t('close() to resolve at once while the client waits between attempts', '客户端在两次尝试之间等待时，close() 立刻 resolve'), actual: run.story(), hint: t('with no socket open, there is nothing to wait for.', '没有打开的 socket，就没什么可等的。'),
    }));
    if (run.clock.pending !== 0) {
      fail({
        expected: t('close() to cancel the reconnect the client was waiting for', 'close() 取消客户端正在等的那次重连'),
        actual: t(`${run.clock.describePending()} still armed`, `${run.clock.describePending()} 还在等着`),
        hint: t('keep the handle of the retry timer and timers.clearTimeout(it) in close().', '留着重试定时器的句柄，在 close() 里 timers.clearTimeout(它)。'),
      });
    }
    const attempts = handshakes;
    run.clock.tick(CAP * 10);
    if (handshakes !== attempts || run.retries().length !== 1) {
      fail({ expected: t('no attempt after close()', 'close() 之后不再尝试'), actual: t(`${handshakes - attempts} more attempt(s)`, `又尝试了 ${handshakes - attempts} 次`), hint: t('close() must stop the retry loop for good.', 'close() 必须彻底停掉重试循环。') });
    }
  });

  check(t('100 clients dropped at once come back at spread-out times, not in lockstep', '同时掉线的 100 个客户端在分散的时间回来，而不是齐步走'), async ({ net }) => {
    const peer = await net.peer();
    const clock = new FakeClock();
    const random = seededRandom(7);
    const base = 1000;
    const runs = Array.from({ length: 100 }, () => launch(net, peer.url, { base, cap: 30_000, random, silenceMs: 60_000, stableMs: 60_000 }, clock));
    await waitUntil(net, () => runs.every((run) => run.count('open') >= 1), () => ({
      expected: t('all 100 clients to connect', '全部 100 个客户端连上'), actual: t(`${runs.filter((run) => run.count('open') >= 1).length} connected`, `连上了 ${runs.filter((run) => run.count('open') >= 1).length} 个`), hint: t('each client connects at once and reports "open".', '每个客户端都立刻连接并报告 "open"。'),
    }), 2 * WAIT_MS);
    for (const socket of peer.connections) socket.terminate(); // the server restarts: everyone drops at once
    await waitUntil(net, () => runs.every((run) => run.retries().length >= 1), () => ({
      expected: t('all 100 clients to schedule a retry', '全部 100 个客户端都安排了重试'), actual: t(`${runs.filter((run) => run.retries().length >= 1).length} did`, `${runs.filter((run) => run.retries().length >= 1).length} 个安排了`), hint: RETRY_HINT,
    }), 2 * WAIT_MS);
    const delays = runs.map((run) => (run.retries()[0] as Retry).delayMs).sort((a, b) => a - b);
    const outside = delays.filter((delay) => !(delay >= 0 && delay <= base));
    if (outside.length > 0) fail({ expected: t(`every first delay in [0, base] = [0, ${base}] ms`, `每个第一次延迟都在 [0, base] = [0, ${base}] 毫秒之内`), actual: show(outside.slice(0, 5)), hint: t('the first retry is attempt 0: backoffDelay(0, ...).', '第一次重试是第 0 次尝试：backoffDelay(0, ...)。') });
    // The thundering herd: how many clients would hit the restarted server in the same 10 ms?
    let crowd = 0;
    for (let i = 0, j = 0; j < delays.length; j += 1) {
      while ((delays[j] as number) - (delays[i] as number) > 10) i += 1;
      crowd = Math.max(crowd, j - i + 1);
    }
    if (crowd > 10) {
      fail({
        expected: t('the 100 reconnects to be spread over [0, base]: at most 10 of them within any 10 ms', '100 次重连分散在 [0, base] 之间：任意 10 毫秒之内最多 10 次'),
        actual: t(`${crowd} clients reconnect within the same 10 ms (delays from ${round(delays[0] as number)} to ${round(delays[99] as number)} ms)`, `有 ${crowd} 个客户端在同一个 10 毫秒之内重连（延迟从 ${round(delays[0] as number)} 到 ${round(delays[99] as number)} 毫秒）`),
        hint: t('without jitter every client computes the same delay and they all return together, knocking the server over again. Multiply by random(): full jitter.', '没有抖动的话，每个客户端算出的延迟都一样，它们会一起回来，把服务器再次压垮。乘上 random()：完全抖动。'),
      });
    }
    await settle(net, Promise.all(runs.map((run) => run.client.close())), () => ({ expected: t('all 100 clients to close', '全部 100 个客户端关闭'), actual: t('close() did not resolve', 'close() 没有 resolve'), hint: t('close() resolves at once between attempts.', '在两次尝试之间，close() 会立刻 resolve。') }));
   }, 60_000); // 100 clients: their own limit, wide enough for a busy machine

  check(t('comes back after the server restarts on the same port (real timers)', '服务器在同一个端口重启后能重新连回来（真实定时器）'), async ({ net }) => {
    // The real thing: the lesson's server, real timers in the client, a real restart.
    const first = await net.serve(createServer, { timers: new FakeClock() });
    const events: ClientEvent[] = [];
    const client = createReconnectingClient(first.url, {
      base: 50, factor: 2, cap: 400, stableMs: 10_000, silenceMs: 10_000,
      onEvent: (event) => { events.push(event); net.wakeAll(); },
    });
    onTestFinished(() => { client.close().catch(() => {}); });
    const opens = (): number => events.filter((event) => event.type === 'open').length;
    const story = (): Text => (events.length === 0 ? t('no events', '没有任何事件') : verbatim(events.slice(-8).map((event) => show(event)).join(', ')));
    await waitUntil(net, () => opens() >= 1, () => ({ expected: t('the client to connect to the lesson server', '客户端连上课程的服务器'), actual: story(), hint: t('connect at once with new WebSocket(url).', '立刻用 new WebSocket(url) 连接。') }));

    for (const socket of first.wss.clients) socket.terminate();
    let down = false;
    first.wss.close(() => { down = true; net.wakeAll(); });
    await waitUntil(net, () => down && events.some((event) => event.type === 'retry'), () => ({
      expected: t('the client to notice the server went away and schedule a retry', '客户端发现服务器走了，并安排一次重试'), actual: story(), hint: RETRY_HINT,
    }));

    const second = await listenAgain(net, first.port);
    try {
      await waitUntil(net, () => opens() >= 2, () => ({
        expected: t(`the client to reconnect to the restarted server on port ${first.port}`, `客户端重新连上在端口 ${first.port} 重启的服务器`),
        actual: story(),
        hint: t('keep retrying after refused attempts (each failure schedules the next retry), with the real timers when none are given.', '尝试被拒绝之后继续重试（每次失败都安排下一次重试），没给 timers 时就用真实的定时器。'),
      }), 2 * WAIT_MS);
      await settle(net, client.close(), () => ({ expected: t('close() to resolve', 'close() 正常 resolve'), actual: story(), hint: t('resolve when the socket\'s "close" event fires.', '在 socket 的 "close" 事件触发时 resolve。') }));
    } finally {
      for (const socket of second.clients) socket.terminate();
      second.close();
    }
  });

  check(t('runClient prints every event, says hello on every connection, and returns when its signal aborts', 'runClient 打印每个事件，每个连接上都打招呼，signal 中止时返回'), async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => {
      socket.send('Welcome, test');
      socket.on('message', (data) => socket.send(`Echo: ${String(data)}`));
    });
    const out = net.output();
    const stop = new AbortController();
    const clock = new FakeClock();
    const done = net.settle(runClient(peer.url, { out, signal: stop.signal, timers: clock, random: () => 0.5, base: BASE, factor: FACTOR, cap: CAP, stableMs: STABLE_MS, silenceMs: SILENCE_MS }), 2 * WAIT_MS, () => ({
      expected: t('runClient to return soon after its signal aborted', 'signal 中止后 runClient 很快返回'), actual: t(`it is still running; it printed ${show(out.text)}`, `它还在运行；它打印了 ${show(out.text)}`), hint: t('runClient awaits the signal, then client.close().', 'runClient 先等 signal，再调用 client.close()。'),
    }));
    const HELLO = 'connected\nReceived: Welcome, test\nReceived: Echo: Hello WebSocket!\n';
    // A ping from the server, answered by the client's pong: everything the client sent before it has arrived.
    const sentOnce = async (connection: Endpoint, which: Text): Promise<void> => {
      let ponged = false;
      connection.ws.once('pong', () => { ponged = true; net.wakeAll(); });
      connection.ws.ping();
      await waitUntil(net, () => ponged, () => ({ expected: t('the client to answer a ping', '客户端回应 ping'), actual: t('no pong', '没有 pong'), hint: t('ws answers pings by itself: do not turn autoPong off.', 'ws 会自己回应 ping：不要关掉 autoPong。') }));
      expectEqual(connection.received.map((message) => message.data), ['Hello WebSocket!'], t(`what runClient sent on the ${which} connection`, `runClient 在${which}连接上发送的内容`), t('runClient sends "Hello WebSocket!" once per connection, on "open" only.', 'runClient 每个连接只发一次 "Hello WebSocket!"，而且只在 "open" 时发。'));
    };
    const first = await peer.nextConnection({ waitingFor: t('runClient to connect', 'runClient 连上来') });
    await out.waitFor(HELLO, { hint: t('runClient prints each event on its own line (describe(event)), and sends "Hello WebSocket!" on every "open".', 'runClient 把每个事件打印成单独的一行（describe(event)），并且每次 "open" 都发送 "Hello WebSocket!"。') });
    await sentOnce(first, t('first', '第一个'));
    first.terminate();
    await out.waitFor(`reconnecting in ${0.5 * BASE} ms (attempt 1)\n`);
    clock.tick(0.5 * BASE + 1);
    const second = await peer.nextConnection({ waitingFor: t('runClient to reconnect', 'runClient 重新连上来') });
    await out.waitFor(`(attempt 1)\n${HELLO}`);
    await sentOnce(second, t('second', '第二个'));
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
    expectEqual(out.text, transcript, t('what runClient printed', 'runClient 打印的内容'), t('keep runClient and describe() as given: one line per event, "Hello WebSocket!" sent on each "open".', '保持 runClient 和 describe() 原样：每个事件一行，每次 "open" 都发送 "Hello WebSocket!"。'));
    expectEqual(getEventListeners(stop.signal, 'abort').length, 0, t('the listeners runClient left on its signal', 'runClient 留在它的 signal 上的监听器'), t('listen for the abort with { once: true }: a signal may be shared by many runs, and must not collect their listeners.', '用 { once: true } 监听 abort：一个 signal 可能被很多次运行共用，不能让它们的监听器越积越多。'));
  });

  check(t('runClient without a signal runs until Ctrl+C (SIGINT) or SIGTERM, then closes and removes its handlers', '没有 signal 的 runClient 一直运行到 Ctrl+C（SIGINT）或 SIGTERM，然后关闭并移除它的处理函数'), async ({ net }) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const peer = await net.peer();
      const out = net.output();
      const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
      const added = (name: 'SIGINT' | 'SIGTERM'): ((...args: unknown[]) => void)[] => process.listeners(name).filter((listener) => !before[name].includes(listener)) as ((...args: unknown[]) => void)[];
      onTestFinished(() => { for (const name of ['SIGINT', 'SIGTERM'] as const) for (const listener of added(name)) process.off(name, listener); });
      const done = net.settle(runClient(peer.url, { out, timers: new FakeClock() }), 2 * WAIT_MS, () => ({
        expected: t(`runClient to return once ${signal} arrived`, `${signal} 到来后 runClient 返回`), actual: t('it is still running', '它还在运行'), hint: t('without a signal, runClient waits for SIGINT or SIGTERM (process.once), then calls client.close().', '没有 signal 时，runClient 等 SIGINT 或 SIGTERM（process.once），然后调用 client.close()。'),
      }));
      const connection = await peer.nextConnection({ waitingFor: t('runClient to connect', 'runClient 连上来') });
      await out.waitFor('connected\n');
      if (added('SIGINT').length !== 1 || added('SIGTERM').length !== 1) {
        fail({ expected: t('runClient, with no signal option, to listen for SIGINT and SIGTERM', '没有 signal 选项时，runClient 监听 SIGINT 和 SIGTERM'), actual: t(`${added('SIGINT').length} SIGINT and ${added('SIGTERM').length} SIGTERM listener(s) added`, `加了 ${added('SIGINT').length} 个 SIGINT 监听器和 ${added('SIGTERM').length} 个 SIGTERM 监听器`), hint: t('keep untilStopped() as given.', '保持 untilStopped() 原样。') });
      }
      added(signal)[0]?.(); // what the process does when the signal arrives
      const outcome = await done;
      if (outcome.kind === 'error') throw outcome.error;
      expectEqual((await connection.waitClosed()).code, 1000, t('the close code the server saw', '服务器看到的关闭码'), t('after the signal, runClient calls client.close().', '收到信号之后，runClient 调用 client.close()。'));
      if (added('SIGINT').length + added('SIGTERM').length !== 0) {
        fail({ expected: t('no SIGINT or SIGTERM listener left once runClient returned', 'runClient 返回之后，不留下 SIGINT 或 SIGTERM 监听器'), actual: t(`${added('SIGINT').length} SIGINT and ${added('SIGTERM').length} SIGTERM listener(s) left`, `还剩 ${added('SIGINT').length} 个 SIGINT 监听器和 ${added('SIGTERM').length} 个 SIGTERM 监听器`), hint: t('remove both listeners when either signal arrives.', '任一信号到来时，把两个监听器都移除。') });
      }
    }
  });

  check(t('drops a silent server with terminate(), not close(): a frozen server never answers a close frame', '用 terminate() 而不是 close() 断开沉默的服务器：冻住的服务器从不回应关闭帧'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    tcpSocket(connection.ws).pause(); // the server is frozen: it reads nothing and answers nothing
    run.clock.tick(SILENCE_MS);
    await waitUntil(net, () => run.count('down') >= 1, () => ({
      expected: t('the client to drop the silent connection at once when silenceMs ran out (a "down" event)', 'silenceMs 一到，客户端立刻断开沉默的连接（一个 "down" 事件）'),
      actual: t(`it is still waiting (${run.story()})`, `它还在等（${run.story()}）`),
      hint: t('when the silence timer fires, ws.terminate() the socket: ws.close() sends a close frame and then waits (ws: 30 s) for an answer a frozen server never sends.', '沉默定时器触发时，对 socket 调用 ws.terminate()：ws.close() 会发一个关闭帧，然后等一个冻住的服务器永远不会发的回应（ws 要等 30 秒）。'),
    }));
    await nthRetry(net, run, 1, t('the client gave up on the silent connection', '客户端放弃了这个沉默的连接'));
  });

  check(t('gives up a handshake that never completes after silenceMs, and tries again', '握手一直完成不了时，silenceMs 之后放弃，再试一次'), async ({ net }) => {
    const hole = await blackHole(net);
    const run = launch(net, hole.url);
    await waitUntil(net, () => hole.accepted() >= 1, () => ({ expected: t('the client to open a TCP connection', '客户端打开一个 TCP 连接'), actual: t('none', '一个也没有'), hint: t('createReconnectingClient connects at once.', 'createReconnectingClient 一上来就连接。') }));
    run.clock.tick(SILENCE_MS);
    const retry = await nthRetry(net, run, 1, t(`the server never answered the handshake for silenceMs (${SILENCE_MS} ms)`, `服务器在 silenceMs（${SILENCE_MS} 毫秒）之内一直没回应握手`));
    expectEvents(run.events, [{ type: 'silent', afterMs: SILENCE_MS }, { type: 'down', code: 1006 }, retry], t('the events', '各个事件'), t('arm the silence timer as the attempt starts (in connect), so it bounds the handshake too.', '尝试一开始（在 connect 里）就启动沉默定时器，这样它也能给握手设上限。'));
    run.clock.tick(retry.delayMs + 1);
    await waitUntil(net, () => hole.accepted() >= 2, () => ({ expected: t('a second attempt after the retry delay', '重试延迟之后的第二次尝试'), actual: t(`${hole.accepted()} attempt(s)`, `${hole.accepted()} 次尝试`), hint: t('the retry timer calls connect() again.', '重试定时器会再次调用 connect()。') }));
  });

  check(t('close() in the middle of a handshake, or while the server\'s closing handshake hangs, ends at once', '在握手进行到一半时，或者服务器的关闭握手卡住时调用 close()，立刻结束'), async ({ net }) => {
    const hole = await blackHole(net);
    const connecting = launch(net, hole.url);
    await waitUntil(net, () => hole.accepted() >= 1, () => ({ expected: t('the client to open a TCP connection', '客户端打开一个 TCP 连接'), actual: t('none', '一个也没有'), hint: t('createReconnectingClient connects at once.', 'createReconnectingClient 一上来就连接。') }));
    await settle(net, connecting.client.close(), () => ({
      expected: t('close() to resolve at once while the handshake is still going', '握手还在进行时，close() 立刻 resolve'), actual: connecting.story(), hint: t('a socket that is not OPEN (still connecting, or already closing) has no closing handshake to do: ws.terminate() it.', '不是 OPEN 状态的 socket（还在连接，或者已经在关闭中）没有关闭握手可做：对它调用 ws.terminate()。'),
    }));

    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000, silenceMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    connection.ws.close(1001, 'going away');
    tcpSocket(connection.ws).pause(); // the server started closing, then froze: it never finishes
    await waitUntil(net, () => !run.client.connected, () => ({ expected: t('the client to see the server\'s close frame', '客户端看到服务器的关闭帧'), actual: t('it still says connected', '它还说自己连着'), hint: t('connected is socket?.readyState === WebSocket.OPEN.', 'connected 就是 socket?.readyState === WebSocket.OPEN。') }));
    await settle(net, run.client.close(), () => ({
      expected: t('close() to resolve at once while the connection is already closing', '连接已经在关闭中时，close() 立刻 resolve'), actual: run.story(), hint: t('close() on a socket that is not OPEN: ws.terminate(), not ws.close() (that would wait for the server).', '对不是 OPEN 的 socket 调用 close() 时：用 ws.terminate()，不要用 ws.close()（那会去等服务器）。'),
    }));
    if (run.retries().length > 0 || run.clock.pending !== 0) fail({ expected: t('no retry and no timer after close()', 'close() 之后没有重试，也没有定时器'), actual: t(`${run.story()}; ${run.clock.describePending()}`, `${run.story()}；${run.clock.describePending()}`), hint: t('close() stops for good.', 'close() 就是彻底停止。') });
  });

  check(t('close() gives up on a server that never answers its close frame after CLOSE_TIMEOUT_MS', '服务器一直不回应关闭帧时，close() 在 CLOSE_TIMEOUT_MS 之后放弃'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { stableMs: 60_000, silenceMs: 60_000 });
    const connection = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    tcpSocket(connection.ws).pause(); // it will never answer the close frame
    const closing = net.settle(run.client.close(), WAIT_MS, () => ({
      expected: t(`close() to resolve once CLOSE_TIMEOUT_MS (${CLOSE_TIMEOUT_MS} ms) had passed without an answer`, `过了 CLOSE_TIMEOUT_MS（${CLOSE_TIMEOUT_MS} 毫秒）还没有回应，close() 就 resolve`), actual: t(`${run.story()}; ${run.clock.describePending()}`, `${run.story()}；${run.clock.describePending()}`),
      hint: t('after ws.close(1000, ...), closeTimer = timers.setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS): a server that never answers must not keep close() waiting.', '调用 ws.close(1000, ...) 之后，closeTimer = timers.setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS)：一个从不回应的服务器，不能让 close() 一直等下去。'),
    }));
    run.clock.tick(CLOSE_TIMEOUT_MS);
    const outcome = await closing;
    if (outcome.kind === 'error') throw outcome.error;
    if (run.clock.pending !== 0 || run.count('closed') !== 1) fail({ expected: t('one "closed" event and no timer left', '一个 "closed" 事件，不留下定时器'), actual: t(`${run.story()}; ${run.clock.describePending()}`, `${run.story()}；${run.clock.describePending()}`), hint: t('finish once, in the "close" handler.', '只结束一次，在 "close" 处理函数里。') });
  });

  check(t('close() called twice, or from inside onEvent, stops once: the same promise, one "closed", no retry, no timer', 'close() 调用两次，或者在 onEvent 里调用，都只停止一次：同一个 promise，一个 "closed"，不重试，不留定时器'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const connection = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    const first = run.client.close();
    const second = run.client.close();
    if (first !== second) fail({ expected: t('a second close() to return the same promise as the first', '第二次 close() 返回和第一次同一个 promise'), actual: t('a different one', '另一个 promise'), hint: t('if (stopped) return stopped; at the top of close().', '在 close() 开头写 if (stopped) return stopped;。') });
    await settle(net, first, () => ({ expected: t('close() to resolve', 'close() 正常 resolve'), actual: run.story(), hint: t('resolve when the socket\'s "close" event fires.', '在 socket 的 "close" 事件触发时 resolve。') }));
    expectEqual((await connection.waitClosed()).code, 1000, t('the close code the server saw', '服务器看到的关闭码'), t('close() ends the connection with ws.close(1000, ...).', 'close() 用 ws.close(1000, ...) 结束连接。'));
    if (connection.closed?.reason === '') fail({ expected: t('a close reason', '一个关闭原因'), actual: t('an empty one', '原因是空的'), hint: t('ws.close(1000, \'client closing\').', '用 ws.close(1000, \'client closing\')。') });
    if (run.count('closed') !== 1 || run.clock.pending !== 0) fail({ expected: t('one "closed" event and no timer', '一个 "closed" 事件，没有定时器'), actual: t(`${run.story()}; ${run.clock.describePending()}`, `${run.story()}；${run.clock.describePending()}`), hint: t('the second close() must not start a second closing.', '第二次 close() 不能再开始一次关闭。') });

    for (const on of ['down', 'retry'] as const) {
      const events: ClientEvent[] = [];
      const clock = new FakeClock();
      let client: ReconnectingClient | undefined;
      client = createReconnectingClient(peer.url, {
        base: BASE, factor: FACTOR, cap: CAP, random: () => 0.5, timers: clock,
        onEvent: (event) => { events.push(event); net.wakeAll(); if (event.type === on) void client?.close(); },
      });
      onTestFinished(() => { client?.close().catch(() => {}); });
      const story = (): Text => verbatim(events.map((event) => show(event)).join(', '));
      const conn = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
      await waitUntil(net, () => events.some((event) => event.type === 'open'), () => ({ expected: t('the client to connect', '客户端连上'), actual: story(), hint: t('report "open".', '报告 "open"。') }));
      conn.terminate();
      await waitUntil(net, () => events.some((event) => event.type === 'closed'), () => ({
        expected: t(`close(), called from onEvent on "${on}", to finish`, `在 "${on}" 的 onEvent 里调用的 close() 结束`), actual: story(), hint: t('close() with no socket finishes at once.', '没有 socket 时，close() 立刻结束。'),
      }));
      const attempts = peer.connections.length;
      clock.tick(CAP * 10);
      const retries = events.filter((event) => event.type === 'retry').length;
      if (clock.pending !== 0 || peer.connections.length !== attempts || retries !== (on === 'retry' ? 1 : 0)) {
        fail({
          expected: t(`close() called from inside onEvent on "${on}" to stop for good: no retry timer, no new attempt`, `在 "${on}" 的 onEvent 里调用的 close() 彻底停止：没有重试定时器，没有新的尝试`),
          actual: t(`${story()}; ${clock.describePending()}; ${peer.connections.length - attempts} new attempt(s)`, `${story()}；${clock.describePending()}；又有 ${peer.connections.length - attempts} 次新的尝试`),
          hint: on === 'down'
            ? t('onEvent may call close(): after reporting "down", check the stopping flag again before scheduling the retry.', 'onEvent 里可能会调用 close()：报告 "down" 之后、安排重试之前，再检查一遍停止标志。')
            : t('onEvent may call close(): arm the retry timer before reporting "retry", so close() finds it and cancels it.', 'onEvent 里可能会调用 close()：先启动重试定时器，再报告 "retry"，这样 close() 才能找到它并取消。'),
        });
      }
    }
  });

  check(t('reconnects again after a second drop, with one set of timers and every event once', '第二次断线后再次重连，定时器只有一套，每个事件只报告一次'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url, { random: () => 0.5 });
    for (let k = 1; k <= 3; k += 1) {
      const connection = await peer.nextConnection({ waitingFor: t(`connection ${k}`, `第 ${k} 个连接`) });
      await nthOpen(net, run, k);
      connection.send(`hello ${k}`);
      await waitUntil(net, () => run.messages().includes(`hello ${k}`), () => ({ expected: t(`"hello ${k}" reported`, `"hello ${k}" 被报告出来`), actual: run.story(), hint: t('attach the listeners to every new WebSocket.', '给每一个新的 WebSocket 都挂上监听器。') }));
      if (run.clock.pending !== 2) {
        fail({
          expected: t(`two timers while connection ${k} is up: the silence timer and the stable timer`, `第 ${k} 个连接在线时有两个定时器：沉默定时器和稳定定时器`),
          actual: verbatim(run.clock.describePending()),
          hint: t('cancel the running silence timer before arming a new one, and cancel every timer of a connection in its "close" handler.', '启动新的沉默定时器之前先取消正在跑的那个，并在连接的 "close" 处理函数里取消它的每个定时器。'),
        });
      }
      if (k === 3) break;
      connection.terminate();
      const retry = await nthRetry(net, run, k, t(`connection ${k} dropped`, `第 ${k} 个连接断了`));
      expectEvents([retry], [{ type: 'retry', attempt: k - 1, delayMs: 0.5 * ceiling({ base: BASE, factor: FACTOR, cap: CAP }, k - 1) }], t(`retry ${k}`, `第 ${k} 次重试`), t('each connection lasted less than stableMs: attempt keeps counting up.', '每个连接都没撑到 stableMs：attempt 继续往上数。'));
      if ((run.clock.pending as number) !== 1) fail({ expected: t('only the retry timer while waiting to reconnect', '等待重连期间只有重试定时器'), actual: verbatim(run.clock.describePending()), hint: t('on "close", cancel the stable, silence and close timers of that connection.', '收到 "close" 时，取消那个连接的稳定、沉默和关闭定时器。') });
      run.clock.tick(retry.delayMs + 1);
    }
    expectEqual(run.events.map((event) => event.type), ['open', 'message', 'down', 'retry', 'open', 'message', 'down', 'retry', 'open', 'message'], t('the events, in order', '按顺序排列的各个事件'), t('one listener of each kind per connection, and one retry per drop.', '每个连接每种监听器只挂一个，每次断线只重试一次。'));
  });

  check(t('connected and send() tell the truth: false while down, true and delivered while connected', 'connected 和 send() 说的都是实话：断开时为 false，连着时为 true 并且真的发出去了'), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    if (run.client.connected || run.client.send('too early') !== false) {
      fail({ expected: t('connected false and send() returning false before the handshake completes', '握手完成之前，connected 为 false，send() 返回 false'), actual: t(`connected ${run.client.connected}`, `connected 是 ${run.client.connected}`), hint: t('connected: socket?.readyState === WebSocket.OPEN; send(): return false unless OPEN.', 'connected：socket?.readyState === WebSocket.OPEN；send()：不是 OPEN 就返回 false。') });
    }
    const first = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    if (!run.client.connected) fail({ expected: t('connected to be true once open', '打开之后 connected 为 true'), actual: t('false', '还是 false'), hint: t('connected: socket?.readyState === WebSocket.OPEN.', 'connected 应该就是 socket?.readyState === WebSocket.OPEN。') });
    expectEqual(run.client.send('hello'), true, t('what send() returned while connected', '连着时 send() 的返回值'), t('return true after socket.send(text).', 'socket.send(text) 之后返回 true。'));
    expectEqual(await first.nextText({ waitingFor: t('the message sent with send()', '用 send() 发出的消息') }), 'hello', t('the first message the server got', '服务器收到的第一条消息'), t('send() sends only while OPEN: nothing before.', 'send() 只在 OPEN 时发送：之前什么都不发。'));
    first.terminate();
    const retry = await nthRetry(net, run, 1, t('the connection dropped', '连接断了'));
    if (run.client.connected || run.client.send('while down') !== false) {
      fail({ expected: t('connected false and send() returning false between connections', '两次连接之间，connected 为 false，send() 返回 false'), actual: t(`connected ${run.client.connected}`, `connected 是 ${run.client.connected}`), hint: t('the socket is gone: send() must return false, and send nothing.', 'socket 已经没了：send() 必须返回 false，而且什么也不发。') });
    }
    run.clock.tick(retry.delayMs + 1);
    const second = await peer.nextConnection({ waitingFor: t('the client to reconnect', '客户端重新连上来') });
    await nthOpen(net, run, 2);
    run.client.send('again');
    expectEqual(await second.nextText({ waitingFor: t('the message sent after the reconnect', '重连之后发出的消息') }), 'again', t('the first message on the new connection', '新连接上的第一条消息'), t('send() uses the current socket, and sends nothing while down.', 'send() 用的是当前的 socket，断开时什么都不发。'));
  });

  check(t(`refuses a message larger than MAX_MESSAGE_BYTES (${CLIENT_MAX_MESSAGE_BYTES}) from the server with 1009, takes one of exactly that size, and reconnects`, `用 1009 拒绝服务器发来的超过 MAX_MESSAGE_BYTES（${CLIENT_MAX_MESSAGE_BYTES}）的消息，正好这么大的照收，然后重连`), async ({ net }) => {
    const peer = await net.peer();
    const run = launch(net, peer.url);
    const connection = await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await nthOpen(net, run, 1);
    connection.send('y'.repeat(CLIENT_MAX_MESSAGE_BYTES));
    await waitUntil(net, () => run.messages().some((text) => text.length === CLIENT_MAX_MESSAGE_BYTES), () => ({
      expected: t('a message of exactly MAX_MESSAGE_BYTES reported', '一条正好 MAX_MESSAGE_BYTES 的消息被报告出来'), actual: run.story(), hint: t('new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES }): the limit itself is allowed.', 'new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES })：正好等于上限是允许的。'),
    }));
    connection.send('y'.repeat(CLIENT_MAX_MESSAGE_BYTES + 1));
    expectEqual((await connection.waitClosed({ waitingFor: t('the client to refuse the oversize message', '客户端拒绝这条超大的消息'), hint: t('new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES }): ws then closes with 1009 when a message is larger.', 'new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES })：消息更大时 ws 就会用 1009 关闭。') })).code, 1009, t('the close code the server saw', '服务器看到的关闭码'), t('new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES }): without it ws accepts 100 MiB from the server.', 'new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES })：不设的话，ws 会接受服务器发来的 100 MiB。'));
    await nthRetry(net, run, 1, t('the client closed the connection over an oversize message', '客户端因为一条超大的消息关闭了连接'));
  });

  check(t('refuses a URL that is not ws:// or wss://, and timings that make no sense, before connecting', '连接之前就拒绝不是 ws:// 或 wss:// 的 URL，以及没有意义的时间设置'), async ({ net }) => {
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
        fail({ expected: t(`createReconnectingClient(${show(url)}, ${show(options)}) to throw an error naming ${name}`, `createReconnectingClient(${show(url)}, ${show(options)}) 抛出一个提到 ${name} 的错误`), actual: error ? show(error.message) : t('it started a client', '它启动了一个客户端'), hint: t('keep the checks at the top of createReconnectingClient, before connect().', '保留 createReconnectingClient 开头、connect() 之前的那些检查。') });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (peer.connections.length > 0) fail({ expected: t('no connection attempt from a client whose settings were refused', '设置被拒绝的客户端不发起任何连接'), actual: t(`${peer.connections.length}`, `发起了 ${peer.connections.length} 次`), hint: t('validate before connect().', '在 connect() 之前校验。') });
    // The edges that are fine: wss://, and a stableMs of 0 (every connection counts as stable at once).
    const secure = launch(net, `wss://127.0.0.1:${await closedPort()}`);
    await nthRetry(net, secure, 1, t('nothing listens there', '那里没有服务器在监听'));
    await settle(net, secure.client.close(), () => ({ expected: t('close() to resolve', 'close() 正常 resolve'), actual: secure.story(), hint: t('close() between attempts finishes at once.', '两次尝试之间调用 close() 会立刻结束。') }));
    const eager = launch(net, peer.url, { stableMs: 0 });
    await nthOpen(net, eager, 1);
  });

  check(t('with its real timers, leaves no timer running once close() has resolved', '用真实定时器时，close() resolve 之后不留下任何在跑的定时器'), async ({ net }) => {
    const timers = trackTimers('./client.ts');
    const peer = await net.peer();
    const client = createReconnectingClient(peer.url, { stableMs: 60_000, silenceMs: 60_000 });
    onTestFinished(() => { client.close().catch(() => {}); });
    await peer.nextConnection({ waitingFor: t('the client to connect', '客户端连上来') });
    await waitUntil(net, () => client.connected, () => ({ expected: t('the client to connect', '客户端连上'), actual: t('not connected', '没有连上'), hint: t('connect at once.', '立刻连接。') }));
    if (timers.pending().length === 0) fail({ expected: t('the real setTimeout to be used when no timers are given (the silence timer, at least)', '没给 timers 时用真实的 setTimeout（至少沉默定时器是）'), actual: t('no timer from client.ts', 'client.ts 没有任何定时器'), hint: t('keep the default timers = realTimers.', '保留默认的 timers = realTimers。') });
    await settle(net, client.close(), () => ({ expected: t('close() to resolve', 'close() 正常 resolve'), actual: t('it did not', '它没有'), hint: t('resolve on the socket\'s "close" event.', '在 socket 的 "close" 事件上 resolve。') }));
    await waitUntil(net, () => timers.pending().length === 0, () => ({
      expected: t('no timer of client.ts left once close() resolved', 'close() resolve 之后，client.ts 的定时器一个不剩'), actual: t(`one still pending, created at ${timers.pending()[0]}`, `还有一个没结束，它创建于 ${timers.pending()[0]}`), hint: t('clear every timer (silence, stable, close, retry) with timers.clearTimeout, and keep the default clearTimeout real.', '用 timers.clearTimeout 清掉每一个定时器（沉默、稳定、关闭、重试），并让默认的 clearTimeout 保持为真实的。'),
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
function expectEvents(actual: ClientEvent[], expected: ClientEvent[], what: Text, hint: Text): void {
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
    }), () => ({ expected: t(`the server to listen again on port ${port}`, `服务器在端口 ${port} 上重新开始监听`), actual: t('no "listening" event', '没有 "listening" 事件'), hint: t('pass host and port to new HeartbeatServer(...).', '把 host 和 port 交给 new HeartbeatServer(...)。') }));
    if (result === 'ok') return wss;
    wss.close();
    if ((result as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 20) throw result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}




describe('the programs', () => {
  check(t('run from the command line: the server with --port, the client with the URL until Ctrl+C, and both exit cleanly', '从命令行运行：服务器带 --port，客户端带 URL 一直运行到 Ctrl+C，两者都干净地退出'), async ({ net }) => {
    // Importing the files (as the checks and npm run play do) must start nothing.
    await importStartsNothing(net, HERE, ['server.ts', 'backoff.ts', 'client.ts'], { PORT: '0', URL: `ws://127.0.0.1:${await closedPort()}` }, t('keep the last line of each file as it is: `if (isMain(import.meta.url)) await run…Program(…)` runs the program only when the file itself is run.', '保留每个文件原有的最后一行：`if (isMain(import.meta.url)) await run…Program(…)` 只在直接运行这个文件时才运行程序。'));

    const server = runProgram(net, HERE, ['server.ts', '--port', '0']);
    const url = await net.waitUntil(() => /Heartbeat server listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1] ?? (server.exit() === undefined ? undefined : 'exited'), 20_000, () => ({
      expected: t('npx tsx server.ts --port 0 to print "Heartbeat server listening on ws://127.0.0.1:<port>"', 'npx tsx server.ts --port 0 打印 "Heartbeat server listening on ws://127.0.0.1:<port>"'), actual: programSaid(server), hint: t('keep the last line of server.ts: if (isMain(import.meta.url)) await runServerProgram(\'Heartbeat server\', createServer);', '保留 server.ts 的最后一行：if (isMain(import.meta.url)) await runServerProgram(\'Heartbeat server\', createServer);'),
    }));
    if (url === 'exited') fail({ expected: t('npx tsx server.ts --port 0 to keep running', 'npx tsx server.ts --port 0 持续运行'), actual: programSaid(server), hint: t('createServer must not throw.', 'createServer 不能抛出异常。') });
    const client = runProgram(net, HERE, ['client.ts', url]);
    const hello = 'connected\nReceived: Welcome, peer #1\nReceived: Echo: Hello WebSocket!\n';
    await net.waitUntil(() => client.stdout().startsWith(hello) || client.exit() !== undefined, 20_000, () => ({
      expected: t(`npx tsx client.ts <url> to print ${show(hello)}`, `npx tsx client.ts <url> 打印 ${show(hello)}`), actual: programSaid(client), hint: t('keep the last line of client.ts: if (isMain(import.meta.url)) await runClientProgram(\'Reconnecting client\', runClient);', '保留 client.ts 的最后一行：if (isMain(import.meta.url)) await runClientProgram(\'Reconnecting client\', runClient);'),
    }));
    if (client.stdout() !== hello || client.exit() !== undefined) {
      fail({ expected: t(`npx tsx client.ts <url> to print ${show(hello)} and keep running`, `npx tsx client.ts <url> 打印 ${show(hello)} 并持续运行`), actual: programSaid(client), hint: t('runClient stays connected until Ctrl+C; the last line of client.ts runs it as a program.', 'runClient 一直保持连接，直到 Ctrl+C；client.ts 的最后一行把它作为程序来运行。') });
    }
    client.kill('SIGINT'); // Ctrl+C
    const code = await exited(net, client, t('the client, after Ctrl+C,', '客户端在 Ctrl+C 之后'), 20_000);
    if (code !== 0 || client.stdout() !== `${hello}closed\n`) {
      fail({ expected: t('the client to print "closed" and exit with 0 after Ctrl+C', 'Ctrl+C 之后客户端打印 "closed" 并以 0 退出'), actual: programSaid(client), hint: t('runClient waits for SIGINT, then close(): every timer cleared, so the process can end.', 'runClient 等 SIGINT，然后 close()：每个定时器都清掉，进程才能结束。') });
    }
    await net.waitUntil(() => server.stdout().includes('peer #1 left (code 1000, 0 online)'), 20_000, () => ({
      expected: t('the server to log "peer #1 left (code 1000, 0 online)"', '服务器记下 "peer #1 left (code 1000, 0 online)"'), actual: show(server.stdout()), hint: t('the client closes with 1000; the server logs the peer leaving.', '客户端用 1000 关闭；服务器记下这个 peer 的离开。'),
    }));
    server.kill('SIGINT');
    expectEqual(await exited(net, server, t('the server, after Ctrl+C,', '服务器在 Ctrl+C 之后'), 20_000), 0, t('the server\'s exit code after Ctrl+C', 'Ctrl+C 之后服务器的退出码'), t('runServerProgram closes the server on SIGINT and exits 0.', '收到 SIGINT 时，runServerProgram 会关闭服务器并以 0 退出。'));
  }, 60_000);
});
