// Self-checks for lesson 03. Run: npm run check lesson-03
// Each check starts your code for real, on 127.0.0.1 with a free port.
import { createHook } from 'node:async_hooks';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import {
  check, closedPort, expectEqual, fail, show, t, tcpSocket, WAIT_MS,
  type Endpoint, type Harness, type Outcome, type Peer, type RunningServer, type Text,
} from '../../checks/harness.ts';
import { exited, programSaid, runProgram, importStartsNothing } from '../../checks/programs.ts';
import { createServer, MAX_MESSAGE_BYTES, POEM } from './server.ts';
import { runClient } from './client.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_FILE = fileURLToPath(new URL('./server.ts', import.meta.url));

/** What the server did, in order: every send() and close() it called, every timer its code made. */
interface ServerWatch {
  sends: { data: unknown; seq: number; at: number; open: boolean }[];
  closes: { code: unknown; reason: unknown; seq: number }[];
  /** Timers created by code in server.ts (setTimeout, setInterval, timers/promises, whatever API). */
  timers: { seq: number; where: string }[];
  /** Where each timer of server.ts that is still pending was created. */
  pending(): string[];
}

/**
 * Watches a lesson server from now on: wraps each new socket's send() and close() (before the
 * lesson's own code sees the socket), and follows the timers that server.ts creates with
 * async_hooks, so any way of waiting counts, without changing how the server is written.
 */
function watchServer(server: RunningServer): ServerWatch {
  let seq = 0;
  const watch: ServerWatch = { sends: [], closes: [], timers: [], pending: () => [...live.values()] };
  server.wss.prependListener('connection', (socket: WebSocket) => {
    const send = socket.send.bind(socket) as (...args: unknown[]) => void;
    socket.send = ((...args: unknown[]) => {
      watch.sends.push({ data: args[0], seq: seq++, at: performance.now(), open: socket.readyState === WebSocket.OPEN });
      send(...args);
    }) as WebSocket['send'];
    const close = socket.close.bind(socket);
    socket.close = ((code?: number, reason?: string | Buffer) => {
      watch.closes.push({ code, reason, seq: seq++ });
      close(code, reason);
    }) as WebSocket['close'];
  });
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 60;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const frame = stack.split('\n').find((line) => line.includes(SERVER_FILE));
      if (!frame) return;
      // Shown to the learner: relative to the lesson folder, like every other path they see.
      const where = frame.trim().replace(/^at /, '').replace(`file://${HERE}/`, '').replace(`${HERE}/`, '');
      live.set(asyncId, where);
      watch.timers.push({ seq: seq++, where });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  hook.enable();
  onTestFinished(() => { hook.disable(); });
  return watch;
}

/** Fails if the server left a timer pending, or called send() on a connection that was no longer open. */
async function expectNothingLeft(net: Harness, watch: ServerWatch, when: Text): Promise<void> {
  await net.waitUntil(() => watch.pending().length === 0, 1000, () => ({
    expected: t(`the server to cancel its wait within 1 s of ${when}`, `${when}之后 1 秒内，服务器取消它的等待`),
    actual: t(`a timer still pending, created at ${watch.pending()[0]}`, `还有一个定时器没结束，它创建于 ${watch.pending()[0]}`),
    hint: t('make the wait cancellable: an AbortController per connection, abort() on the socket\'s "close" event, and setTimeout(delayMs, undefined, { signal }) from node:timers/promises. Otherwise the loop sleeps on for a client that is gone.',
      '让等待可以取消：每个连接一个 AbortController，在 socket 的 "close" 事件里调用 abort()，再用 node:timers/promises 的 setTimeout(delayMs, undefined, { signal })。不然循环会为一个已经走掉的客户端继续睡下去。'),
  }));
  const late = watch.sends.filter((record) => !record.open);
  if (late.length > 0) {
    const sent = late.map((record) => show(record.data));
    fail({
      expected: t(`no send() once the connection was closing or closed (${when})`, `连接正在关闭或已经关闭后，不再调用 send()（${when}）`),
      actual: t(`${late.length} sent into the closing connection: ${sent.join(', ')}`, `有 ${late.length} 条发进了正在关闭的连接：${sent.join('、')}`),
      hint: t('when the wait is aborted, stop the loop (let the AbortError end it, do not swallow it and carry on), and check socket.readyState === WebSocket.OPEN before each send.', '等待被中止时就停止循环（让 AbortError 结束它，不要吞掉它继续往下走），并且每次 send 之前检查 socket.readyState === WebSocket.OPEN。'),
    });
  }
}

async function serverSideClosed(net: Harness, socket: WebSocket | undefined, who: Text): Promise<void> {
  await net.waitUntil(() => socket?.readyState === WebSocket.CLOSED, WAIT_MS, () => ({
    expected: t(`the server side of the connection to close after ${who} left`, `${who}离开之后，连接的服务器一端关闭`), actual: t(`its readyState is ${socket?.readyState}`, `它的 readyState 是 ${socket?.readyState}`), hint: t('do not keep the connection open on the server side.', '不要让服务器这一端的连接一直开着。'),
  }));
}

/** The client's connection, or the client's own error if it fails before connecting (a starter's TODO). */
async function connectionOf(peer: Peer, running: Promise<Outcome<void>>): Promise<Endpoint> {
  const failedEarly = running.then((outcome) => (outcome.kind === 'error' ? Promise.reject(outcome.error) : new Promise<never>(() => {})));
  return Promise.race([peer.nextConnection(), failedEarly]);
}

const HINT_ONE_LINE = t('send each line of POEM as its own message: socket.send(line) inside the loop, one call per line.', 'POEM 的每一行都作为单独一条消息发送：在循环里调用 socket.send(line)，一行调用一次。');
const CONNECTED = 'Client connected: streaming the poem';
const LEFT = 'Client left mid-stream: stopped';

describe('the streaming server', () => {
  check(t('sends the four lines of the poem as four separate text messages, in order', '把诗的四行作为四条独立的文本消息，按顺序发送'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const client = await net.connect(server.url);
    for (const [i, line] of POEM.entries()) {
      const got = await client.nextText({ waitingFor: t(`line ${i + 1} of the poem`, `诗的第 ${i + 1} 行`), hint: HINT_ONE_LINE });
      expectEqual(got, line, t(`message ${i + 1}`, `第 ${i + 1} 条消息`), got.length > line.length ? t(`${HINT_ONE_LINE} Joining them into one message is not streaming.`, `${HINT_ONE_LINE}把它们拼成一条消息就不叫流式传输了。`) : t('send the lines of POEM in order, each exactly as it is.', '按顺序发送 POEM 的每一行，每行都原样发送。'));
    }
  });

  check(t('sends the first line the moment a client connects, without waiting first', '客户端一连上就发送第一行，不先等待'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10_000 });
    const client = await net.connect(server.url);
    expectEqual(await client.nextText({
      waitingFor: t('the first line at once (delayMs is 10 s here)', '立刻收到第一行（这里 delayMs 是 10 秒）'),
      hint: t('wait only between two lines: send the first line, then wait before each of the others (if (index > 0) await sleep(...)).', '只在两行之间等待：先发第一行，之后每一行发送之前再等（if (index > 0) await sleep(...)）。'),
    }), POEM[0], t('the first message', '第一条消息'), HINT_ONE_LINE);
  });

  check(t('closes with code 1000 and a reason right after the last line, without waiting again', '最后一行发完立刻用关闭码 1000 和一个原因关闭，不再多等'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 20 });
    const watch = watchServer(server);
    const client = await net.connect(server.url);
    await client.texts(POEM.length, { hint: HINT_ONE_LINE });
    const closed = await client.waitClosed({ waitingFor: t('the server to close the connection after the last line', '服务器在最后一行之后关闭连接'), hint: t('after the loop, call socket.close(1000, \'end of poem\'): the close tells the client the poem is complete.', '循环结束后调用 socket.close(1000, \'end of poem\')：这个关闭告诉客户端，诗已经完整送达。') });
    expectEqual(closed.code, 1000, t('the close code', '关闭码'), t('close with 1000 (normal closure): the stream ended as planned.', '用 1000（正常关闭）关闭：流按计划结束了。'));
    expectEqual(client.received.length, POEM.length, t('the number of messages', '消息条数'), t('send exactly the four lines, then close.', '正好发送四行，然后关闭。'));
    if (closed.reason === '') {
      fail({ expected: t('a close reason that says why (e.g. "end of poem")', '一个说明原因的关闭原因（比如 "end of poem"）'), actual: t('an empty reason', '原因是空的'), hint: t('socket.close(1000, \'end of poem\'): the reason is what a person reading a log or a browser\'s network tab sees.', 'socket.close(1000, \'end of poem\')：看日志或浏览器网络面板的人，看到的就是这个原因。') });
    }
    const last = watch.sends.at(-1);
    const close = watch.closes[0];
    const waitedAgain = watch.timers.filter((timer) => last && close && timer.seq > last.seq && timer.seq < close.seq);
    if (waitedAgain.length > 0) {
      fail({
        expected: t('the close right after the last line is sent', '最后一行发出后立刻关闭'),
        actual: t(`the server waited again after the last line (a timer created at ${waitedAgain[0]?.where})`, `服务器在最后一行之后又等了一次（一个创建于 ${waitedAgain[0]?.where} 的定时器）`),
        hint: t('wait only between two lines: after the last one there is nothing to wait for, so close at once (the Python tutorial sleeps after every line, for nothing).', '只在两行之间等待：最后一行之后没什么可等的，立刻关闭（Python 教程在每一行之后都 sleep，最后那次白等了）。'),
      });
    }
  });

  check(t('waits delayMs between lines', '每两行之间等待 delayMs'), async ({ net }) => {
    const delayMs = 200;
    const server = await net.serve(createServer, { delayMs });
    const { sends } = watchServer(server);
    const client = await net.connect(server.url);
    await client.texts(POEM.length, { within: delayMs + WAIT_MS, hint: HINT_ONE_LINE });
    if (sends.length !== POEM.length) fail({ expected: t(`${POEM.length} calls to socket.send, one per line`, `调用 ${POEM.length} 次 socket.send，每行一次`), actual: t(`${sends.length}`, `${sends.length} 次`), hint: HINT_ONE_LINE });
    // Measured where the server sends, so a busy machine delaying delivery cannot fake a short gap.
    for (let i = 1; i < sends.length; i += 1) {
      const gap = (sends[i]?.at ?? 0) - (sends[i - 1]?.at ?? 0);
      if (gap < delayMs * 0.6) {
        fail({
          expected: t(`at least about ${delayMs} ms (delayMs) between line ${i} and line ${i + 1}`, `第 ${i} 行和第 ${i + 1} 行之间至少大约 ${delayMs} 毫秒（delayMs）`),
          actual: t(`${Math.round(gap)} ms`, `${Math.round(gap)} 毫秒`),
          hint: t('after sending a line, wait before the next one: await setTimeout(delayMs) from node:timers/promises (the Python tutorial\'s await asyncio.sleep(1)).', '发完一行，等一会儿再发下一行：用 node:timers/promises 的 await setTimeout(delayMs)（相当于 Python 教程里的 await asyncio.sleep(1)）。'),
        });
      }
    }
  }, 15_000);

  check(t('uses the delayMs option (0: no pause at all), refuses a delay that is not a number of ms, and listens on 127.0.0.1 by default', '使用 delayMs 选项（0 表示完全不停顿），拒绝不是毫秒数的延迟，默认只监听 127.0.0.1'), async ({ net }) => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let threw: unknown;
      try {
        createServer({ port: 0, delayMs: bad, log: () => {} }).close();
      } catch (error) {
        threw = error;
      }
      if (!(threw instanceof RangeError) || !threw.message.includes('delayMs')) {
        fail({ expected: t(`createServer({ delayMs: ${bad} }) to throw a RangeError that names delayMs`, `createServer({ delayMs: ${bad} }) 抛出一个提到 delayMs 的 RangeError`), actual: threw === undefined ? t('it started a server', '它启动了一个服务器') : show(threw), hint: t('keep the check at the top of createServer: a delay must be a finite number, 0 or more.', '保留 createServer 开头的检查：延迟必须是大于等于 0 的有限数。') });
      }
    }
    // No host given: the server must not listen on every network interface.
    const wss = createServer({ port: 0, delayMs: 0, log: () => {} });
    onTestFinished(() => new Promise<void>((resolve) => { for (const socket of wss.clients) socket.terminate(); wss.close(() => resolve()); }));
    const address = await net.waitUntil(() => { const bound = wss.address(); return typeof bound === 'object' && bound !== null ? bound : undefined; }, WAIT_MS, () => ({
      expected: t('the server to listen', '服务器开始监听'), actual: t('it did not', '它没有'), hint: t('pass host and port to new WebSocketServer({ host, port }).', '把 host 和 port 交给 new WebSocketServer({ host, port })。'),
    }));
    expectEqual(address.address, '127.0.0.1', t('the address the server listens on by default', '服务器默认监听的地址'), t('keep the default host = \'127.0.0.1\': a lesson server should not be reachable from the network unless asked.', '保留默认的 host = \'127.0.0.1\'：除非特意要求，课程里的服务器不应该能从网络上访问到。'));
    const client = await net.connect(`ws://127.0.0.1:${address.port}`);
    await client.waitClosed({
      within: 2000,
      waitingFor: t('the whole poem and the close, with delayMs: 0,', '整首诗和关闭（delayMs 为 0）'),
      hint: t('wait delayMs, the option createServer was given, not a fixed 1000 ms: the default is 1000, the checks use other values.', '等待的是 delayMs，也就是 createServer 收到的选项，而不是固定的 1000 毫秒：默认值是 1000，检查用的是别的值。'),
    });
    expectEqual(client.received.map((message) => message.data), [...POEM], t('the messages', '收到的消息'), HINT_ONE_LINE);
  });

  // The client leaves at different moments: each must leave nothing behind on the server.
  const vanishes = t('vanishes', '突然消失');
  const closes = t('closes the connection', '关闭连接');
  const moments = [
    { how: vanishes, when: t('as soon as it has connected', '刚连上'), after: 0, delayMs: 10_000 },
    { how: closes, when: t('after the first line', '收到第一行后'), after: 1, delayMs: 10_000 },
    { how: vanishes, when: t('after the first line', '收到第一行后'), after: 1, delayMs: 10_000 },
    { how: closes, when: t('after the second line', '收到第二行后'), after: 2, delayMs: 2500 },
    { how: closes, when: t('right after the last line', '刚收到最后一行'), after: 4, delayMs: 50 },
    { how: vanishes, when: t('right after the last line', '刚收到最后一行'), after: 4, delayMs: 50 },
  ] as const;
  for (const { how, when, after, delayMs } of moments) {
    const midStream = after > 0 && after < POEM.length;
    check(t(`stops, with no timer or send left over, when the client ${how} ${midStream ? 'mid-stream ' : ''}${when}`, `客户端${midStream ? '在传输中途' : ''}${when}就${how}时，服务器停下来，不留下定时器或多余的 send`), async ({ net }) => {
      const server = await net.serve(createServer, { delayMs });
      const watch = watchServer(server);
      const client = await net.connect(server.url);
      if (after > 0) {
        const lines = await client.texts(after, { within: WAIT_MS + delayMs * (after - 1), hint: HINT_ONE_LINE });
        expectEqual(lines, [...POEM.slice(0, after)], t(`the first ${after} line(s)`, `前 ${after} 行`), t('send the first line as soon as the client connects, then one line every delayMs.', '客户端一连上就发第一行，之后每隔 delayMs 发一行。'));
      }
      if (how === vanishes) client.terminate();
      else await client.close(1000);
      await serverSideClosed(net, server.connections[0], t('the client', '客户端'));
      await expectNothingLeft(net, watch, t(`the client leaving ${when}`, `客户端${when}离开`));
    }, 15_000); // delayMs can be 2.5 s here: more than a check's usual 5 s on a busy machine
  }

  check(t('sends nothing more once the client\'s close frame has arrived, even before the connection has closed', '客户端的关闭帧一到就不再发送任何东西，哪怕连接还没完全关闭'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 300 });
    const watch = watchServer(server);
    const client = await net.connect(server.url);
    await client.nextText({ waitingFor: t('the first line', '第一行'), hint: HINT_ONE_LINE });
    // A client that sends its close frame and then reads nothing more: the server's side stays
    // CLOSING (no 'close' event yet) while its wait for line 2 runs out.
    client.ws.close(1000);
    tcpSocket(client.ws).pause();
    await net.waitUntil(() => watch.sends.length > 1 || watch.pending().length === 0, 300 + WAIT_MS, () => ({
      expected: t('the server\'s wait for line 2 to end', '服务器为第 2 行做的等待结束'), actual: t(`a timer still pending, created at ${watch.pending()[0]}`, `还有一个定时器没结束，它创建于 ${watch.pending()[0]}`), hint: t('wait delayMs between lines, no longer.', '两行之间等 delayMs，不要更久。'),
    }));
    if (watch.sends.length > 1) {
      fail({
        expected: t('no send() once the client\'s close frame had arrived', '客户端的关闭帧到了之后，不再调用 send()'),
        actual: t(`the server sent ${show(watch.sends[1]?.data)} into the closing connection`, `服务器把 ${show(watch.sends[1]?.data)} 发进了正在关闭的连接`),
        hint: t('the socket is CLOSING from the moment the client\'s close frame arrives, before its "close" event: check socket.readyState === WebSocket.OPEN before each send, and stop if it is not.', '从客户端的关闭帧到达那一刻起，socket 就处于 CLOSING 状态，比它的 "close" 事件还早：每次 send 之前检查 socket.readyState === WebSocket.OPEN，不是就停下。'),
      });
    }
    expectEqual(server.connections[0]?.readyState, WebSocket.CLOSING, t('the server side (the check needs it still closing)', '服务器一端的状态（检查需要它仍在关闭中）'), t('do not terminate a connection whose client is closing it.', '客户端正在关闭的连接，不要去 terminate 它。'));
    await expectNothingLeft(net, watch, t('the client\'s close frame arriving', '客户端的关闭帧到达'));
  });

  check(t('removes its own \'close\' listener once the poem is sent, before the connection has closed', '诗发完后、连接关闭前，移除自己加的 \'close\' 监听器'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 100 });
    const watch = watchServer(server);
    // ws adds a 'close' listener of its own (to forget the client); count what was there before the lesson's code ran.
    let before = -1;
    server.wss.prependListener('connection', (socket: WebSocket) => { before = socket.listenerCount('close'); });
    const client = await net.connect(server.url);
    // The client reads nothing more (long before the close frame, 3 × delayMs away, is sent): the
    // server's side stays CLOSING after its close(1000), for a long while.
    tcpSocket(client.ws).pause();
    const socket = await net.waitUntil(() => watch.closes.length > 0 && server.connections[0], WAIT_MS, () => ({
      expected: t('the server to close the connection after the last line', '服务器在最后一行之后关闭连接'), actual: t(`it called close() ${watch.closes.length} times`, `它调用了 ${watch.closes.length} 次 close()`), hint: t('after the loop, call socket.close(1000, \'end of poem\').', '循环结束后调用 socket.close(1000, \'end of poem\')。'),
    }));
    await net.waitUntil(() => socket.listenerCount('close') === before, 1000, () => ({
      expected: t(`no 'close' listener of your own left on the connection once the stream is over (${before} before, ws's own)`, `流结束后，连接上不再留有你自己加的 'close' 监听器（原来有 ${before} 个，是 ws 自己的）`),
      actual: t(`${socket.listenerCount('close')}`, `现在有 ${socket.listenerCount('close')} 个`),
      hint: t('the stream can end without a "close" event (the last line went out, or the socket was already closing): remove your listener in a finally block, socket.off(\'close\', onClose).', '流可能在没有 "close" 事件的情况下结束（最后一行已经发出，或者 socket 早就在关闭中了）：在 finally 块里移除你的监听器，socket.off(\'close\', onClose)。'),
    }));
  });

  check(t('keeps streaming to one client when another leaves', '一个客户端离开时，继续给另一个客户端推送'), async ({ net }) => {
    const delayMs = 300;
    const server = await net.serve(createServer, { delayMs });
    const watch = watchServer(server);
    const [leaver, stayer] = await net.connectMany(server.url, 2);
    if (!leaver || !stayer) throw new Error('connectMany returned too few clients');
    await leaver.nextText({ waitingFor: t('the first line', '第一行'), hint: HINT_ONE_LINE });
    await leaver.close(1000);
    const lines = await stayer.texts(POEM.length, {
      within: WAIT_MS + delayMs * POEM.length,
      hint: t('give every connection its own AbortController (and its own timer), created inside the connection handler: one shared by the whole server stops every stream when one client leaves.', '给每个连接一个自己的 AbortController（和自己的定时器），在 connection 处理函数里创建：整个服务器共用一个的话，一个客户端离开，所有的流都会停掉。'),
    });
    expectEqual(lines, [...POEM], t('what the client that stayed received', '留下来的客户端收到的内容'), HINT_ONE_LINE);
    expectEqual((await stayer.waitClosed({ waitingFor: t('the close after the last line', '最后一行之后的关闭') })).code, 1000, t('the close code for the client that stayed', '留下来的客户端的关闭码'), t('close each connection with 1000 after its own last line.', '每个连接在它自己的最后一行之后用 1000 关闭。'));
    await expectNothingLeft(net, watch, t('both clients were done', '两个客户端都结束'));
  }, 15_000);

  check(t('logs "Client connected: streaming the poem", and "Client left mid-stream: stopped" when one leaves early', '记下 "Client connected: streaming the poem"，客户端提前离开时记下 "Client left mid-stream: stopped"'), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 10_000 });
    const client = await net.connect(server.url);
    await client.nextText({ waitingFor: t('the first line', '第一行'), hint: HINT_ONE_LINE });
    expectEqual([...server.logs], [CONNECTED], t('the server\'s log once a client connected', '客户端连上之后服务器的日志'), t(`call log('${CONNECTED}') when a client connects (the log option, not console.log).`, `客户端连上时调用 log('${CONNECTED}')（用 log 选项，不要用 console.log）。`));
    client.terminate();
    await net.waitUntil(() => server.logs.length > 1, WAIT_MS, () => ({
      expected: t(`the server to log "${LEFT}" when the client left`, `客户端离开时服务器记下 "${LEFT}"`), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t(`in the catch that ends the loop when the wait is aborted, call log('${LEFT}').`, `在等待被中止、结束循环的那个 catch 里调用 log('${LEFT}')。`),
    }));
    expectEqual([...server.logs], [CONNECTED, LEFT], t('the server\'s log after the client left mid-stream', '客户端中途离开之后服务器的日志'), t(`a client leaving is not a failure: log '${LEFT}' when the aborted wait ends the loop.`, `客户端离开不算故障：被中止的等待结束循环时，记下 '${LEFT}'。`));

    const quick = await net.serve(createServer, { delayMs: 0 });
    const reader = await net.connect(quick.url);
    await reader.waitClosed({ waitingFor: t('the whole poem and the close', '整首诗和关闭') });
    await serverSideClosed(net, quick.connections[0], t('the client', '客户端'));
    expectEqual([...quick.logs], [CONNECTED], t('the server\'s log after a client got the whole poem', '客户端收完整首诗之后服务器的日志'), t('log that a client left only when it left before the end of the poem.', '只有客户端在诗结束之前离开时，才记下它离开了。'));
  });

  // What a broken or hostile client sends must close only its own connection, never the server.
  const malformed = [
    { what: t('an unmasked frame (clients must mask)', '没有掩码的帧（客户端必须加掩码）'), bytes: Buffer.from([0x81, 0x02, 0x68, 0x69]), code: 1002, log: /MASK/ },
    { what: t('a text frame that is not UTF-8', '不是 UTF-8 的文本帧'), bytes: Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe]), code: 1007, log: /UTF-8/ },
  ];
  for (const { what, bytes, code, log } of malformed) {
    check(t(`survives ${what}: closes that connection with ${code}, logs it, and keeps streaming to others`, `挺过${what}：用 ${code} 关闭那个连接，记下日志，并继续给其他客户端推送`), async ({ net }) => {
      const server = await net.serve(createServer, { delayMs: 100 });
      const other = await net.connect(server.url, { label: t('a well-behaved client', '规规矩矩的客户端') });
      const bad = await net.connect(server.url, { label: t('the client that sent the bad frame', '发来坏帧的客户端') });
      tcpSocket(bad.ws).write(bytes); // raw bytes on the TCP socket, past ws's own checks
      const closed = await bad.waitClosed({ waitingFor: t(`the server to close the connection after ${what}`, `服务器在收到${what}之后关闭连接`) });
      expectEqual(closed.code, code, t('the close code', '关闭码'), t('ws closes a connection that breaks the protocol by itself; keep a socket.on(\'error\', …) listener so the error is logged, not thrown.', '违反协议的连接 ws 会自己关闭；保留 socket.on(\'error\', …) 监听器，让错误被记进日志，而不是被抛出。'));
      await net.waitUntil(() => server.logs.some((line) => log.test(line)), WAIT_MS, () => ({
        expected: t(`the server to log the connection's error (${log.source})`, `服务器记下这个连接的错误（${log.source}）`), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('keep socket.on(\'error\', (error) => log(`Connection error: ${error.message}`)) in the connection handler.', '在 connection 处理函数里保留 socket.on(\'error\', (error) => log(`Connection error: ${error.message}`))。'),
      }));
      expectEqual(await other.texts(POEM.length, { within: WAIT_MS + 500 }), [...POEM], t('what the other client received', '另一个客户端收到的内容'), t('one client\'s bad frame must not stop the others\' streams.', '一个客户端的坏帧，不能让别人的流停下来。'));
    });
  }

  check(t(`refuses a message larger than MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) with 1009, and takes one of exactly that size`, `用 1009 拒绝超过 MAX_MESSAGE_BYTES（${MAX_MESSAGE_BYTES}）的消息，正好这么大的照收`), async ({ net }) => {
    const server = await net.serve(createServer, { delayMs: 100 });
    const fits = await net.connect(server.url, { label: t('the client that sent exactly MAX_MESSAGE_BYTES', '发送正好 MAX_MESSAGE_BYTES 的客户端') });
    fits.send('x'.repeat(MAX_MESSAGE_BYTES));
    const big = await net.connect(server.url, { label: t('the client that sent one byte more', '多发了一个字节的客户端') });
    big.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const closed = await big.waitClosed({ waitingFor: t('the server to refuse the oversize message', '服务器拒绝这条超大的消息') });
    expectEqual(closed.code, 1009, t('the close code for a message one byte over the limit', '超出上限一个字节的消息的关闭码'), t('create the server with new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES }): without it ws accepts messages up to 100 MiB.', '用 new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES }) 创建服务器：不设的话，ws 会接受最大 100 MiB 的消息。'));
    expectEqual(await fits.texts(POEM.length, { within: WAIT_MS + 500 }), [...POEM], t('what the client whose message was exactly at the limit received', '消息正好等于上限的客户端收到的内容'), t('maxPayload is the largest size allowed: use MAX_MESSAGE_BYTES itself, not a smaller number.', 'maxPayload 是允许的最大大小：就用 MAX_MESSAGE_BYTES 本身，不要用更小的数。'));
    expectEqual((await fits.waitClosed()).code, 1000, t('its close code', '它的关闭码'), t('a message at the limit is allowed: the stream must go on to its normal end.', '正好等于上限的消息是允许的：流必须一直走到正常结束。'));
  });
});

describe('the streaming client', () => {
  const EXPECTED_OUTPUT = `Receiving stream:\n${POEM.join('')}\n`;

  check(t('prints "Receiving stream:", then the chunks with no newline between them, and a newline at the end', '打印 "Receiving stream:"，然后是中间不换行的各个片段，最后一个换行'), async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => {
      for (const line of POEM) socket.send(line);
      socket.close(1000);
    });
    const out = net.output();
    const outcome = await net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: t('runClient to return once the server closed the connection', '服务器关闭连接后 runClient 返回'), actual: t(`it printed ${show(out.text)} and kept running`, `它打印了 ${show(out.text)}，然后一直在运行`), hint: t('resolve when the "close" event fires.', '在 "close" 事件触发时 resolve。'),
    }));
    if (outcome.kind === 'error') throw outcome.error;
    expectEqual(out.text, EXPECTED_OUTPUT, t('what the client printed', '客户端打印的内容'), t('print "Receiving stream:" and a newline once connected, then each chunk exactly as it came (out.write(chunk), no newline: the Python tutorial\'s print(chunk, end="")), and one newline when the stream ends.', '连上之后打印 "Receiving stream:" 加一个换行，然后每个片段原样打印（out.write(chunk)，不换行：就是 Python 教程里的 print(chunk, end="")），流结束时再打印一个换行。'));
  });

  check(t('prints the first chunk before the last one is sent', '在最后一个片段发出之前，就打印出第一个片段'), async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS * 2, () => ({ expected: t('runClient to return once the server closed the connection', '服务器关闭连接后 runClient 返回'), actual: t('it kept running', '它一直在运行'), hint: t('resolve when the "close" event fires.', '在 "close" 事件触发时 resolve。') }));
    const connection = await connectionOf(peer, running);
    connection.send(POEM[0]);
    // The rest of the poem is held back until the first line is on the screen.
    await out.waitFor(POEM[0], { hint: t('write each chunk to `out` the moment its "message" event fires, not when the stream ends: that is the whole point of streaming.', '每个片段的 "message" 事件一触发就写到 `out`，而不是等流结束：流式传输的意义就在这里。') });
    for (const line of POEM.slice(1)) connection.send(line);
    await connection.close(1000);
    const outcome = await running;
    if (outcome.kind === 'error') throw outcome.error;
  });

  // Only 1000 means "that was all of it": every other ending cut the poem short.
  const cuts = [
    { code: 1006, how: t('the connection drops (1006)', '连接断了（1006）') },
    { code: 1001, how: t('the server goes away (1001)', '服务器走了（1001）') },
    { code: 1011, how: t('the server hits an error (1011)', '服务器出错了（1011）') },
    { code: 4000, how: t('the server closes with its own code 4000', '服务器用它自定义的关闭码 4000 关闭') },
  ];
  for (const { code, how } of cuts) {
    check(t(`fails, naming the code, when the stream is cut off: ${how}`, `流被截断时失败，并说出关闭码：${how}`), async ({ net }) => {
      const peer = await net.peer();
      const out = net.output();
      const running = net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
        expected: t('runClient to end once the connection closed', '连接关闭后 runClient 结束'), actual: t('it kept running', '它一直在运行'), hint: t('the "close" event fires however the connection ends: settle there.', '不管连接怎样结束，"close" 事件都会触发：在那里了结。'),
      }));
      const connection = await connectionOf(peer, running);
      connection.send(POEM[0]);
      if (code === 1006) connection.terminate(); // no close frame: the client sees code 1006
      else connection.ws.close(code, 'cut short');
      const outcome = await running;
      if (outcome.kind === 'value') {
        fail({ expected: t(`runClient to reject: the connection closed with code ${code} after one line`, `runClient reject：连接在一行之后就以关闭码 ${code} 关闭了`), actual: t('it returned as if the poem were complete', '它像诗已经完整收到那样返回了'), hint: t('only a close with code 1000 means the stream is complete: for any other code (1006, 1001, 1011, 4000 …) reject with an Error that names it.', '只有关闭码 1000 才表示流完整结束：其他任何关闭码（1006、1001、1011、4000……）都要用一个说出它的 Error 来 reject。') });
      }
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      if (!message.includes(String(code))) {
        fail({ expected: t(`the error to name the close code ${code}`, `错误里说出关闭码 ${code}`), actual: t(`it rejected with ${show(message)}`, `它 reject 的是 ${show(message)}`), hint: t('reject with new Error(`the stream was cut off (close code ${code})`): the code says what went wrong.', '用 new Error(`the stream was cut off (close code ${code})`) reject：关闭码说明了出了什么问题。') });
      }
    });
  }

  check(t('refuses a binary frame: closes with 1003 and a reason, prints none of it, and fails', '拒绝二进制帧：用 1003 和一个原因关闭，一点也不打印，并且失败'), async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: t('runClient to end after it closed the connection', '关闭连接后 runClient 结束'), actual: t('it kept running', '它一直在运行'), hint: t('the "close" event fires after your close() too: settle there.', '你自己调用 close() 之后 "close" 事件也会触发：在那里了结。'),
    }));
    const connection = await connectionOf(peer, running);
    connection.send(POEM[0]);
    connection.send(Buffer.from(POEM[1]));
    const closed = await connection.waitClosed({ waitingFor: t('the client to close the connection after a binary frame', '客户端在收到二进制帧后关闭连接'), hint: t('in the "message" listener, if isBinary is true: ws.close(1003, \'text only\'), and return.', '在 "message" 监听器里，如果 isBinary 为 true：ws.close(1003, \'text only\')，然后 return。') });
    expectEqual(closed.code, 1003, t('the close code the client sent', '客户端发出的关闭码'), t('1003 means "unsupported data": the stream is text, and bytes are not lines of the poem.', '1003 表示“不支持的数据”：这个流是文本，字节不是诗句。'));
    if (closed.reason === '') fail({ expected: t('a close reason that says why', '一个说明原因的关闭原因'), actual: t('an empty reason', '原因是空的'), hint: t('ws.close(1003, \'text only\'): the server\'s log shows the reason.', 'ws.close(1003, \'text only\')：服务器的日志会显示这个原因。') });
    if (out.text.includes(POEM[1])) fail({ expected: t('the binary frame not to be printed', '二进制帧不被打印出来'), actual: t(`the client printed ${show(out.text)}`, `客户端打印了 ${show(out.text)}`), hint: t('check isBinary (the second argument of the "message" listener) before writing.', '写之前先检查 isBinary（"message" 监听器的第二个参数）。') });
    const outcome = await running;
    if (outcome.kind === 'value') fail({ expected: t('runClient to reject: the stream did not end with 1000', 'runClient reject：流不是以 1000 结束的'), actual: t('it returned as if the poem were complete', '它像诗已经完整收到那样返回了'), hint: t('resolve only on close code 1000.', '只在关闭码为 1000 时 resolve。') });
  });

  check(t('fails with the socket\'s error, without crashing, when the server sends a malformed frame', '服务器发来格式错误的帧时，用 socket 的错误失败，而不是崩溃'), async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: t('runClient to end once the connection failed', '连接出错后 runClient 结束'), actual: t('it kept running', '它一直在运行'), hint: t('"close" follows "error": settle there.', '"error" 之后会有 "close"：在那里了结。'),
    }));
    const connection = await connectionOf(peer, running);
    connection.send(POEM[0]);
    tcpSocket(connection.ws).write(Buffer.from([0x81, 0x02, 0xff, 0xfe])); // a text frame that is not UTF-8
    const outcome = await running;
    if (outcome.kind === 'value') fail({ expected: t('runClient to reject: the stream broke after one line', 'runClient reject：流在一行之后就断了'), actual: t('it returned as if the poem were complete', '它像诗已经完整收到那样返回了'), hint: t('resolve only on close code 1000.', '只在关闭码为 1000 时 resolve。') });
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    if (!/UTF-8/.test(message)) {
      fail({ expected: t('runClient to reject with the error the "error" event reported (invalid UTF-8)', 'runClient 用 "error" 事件报告的错误来 reject（非法的 UTF-8）'), actual: t(`it rejected with ${show(message)}`, `它 reject 的是 ${show(message)}`), hint: t('keep the first error from ws.on(\'error\', …) and reject with it in the "close" listener: it says what went wrong, the close code (1006) does not.', '把 ws.on(\'error\', …) 收到的第一个错误存下来，在 "close" 监听器里用它 reject：它说明了出了什么问题，关闭码（1006）说明不了。') });
    }
  });

  check(t('fails with the connection error when nothing listens at the URL, and prints nothing', 'URL 上没有服务器在监听时，用连接错误失败，并且什么也不打印'), async ({ net }) => {
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const out = net.output();
    const outcome = await net.settle(runClient(url, { out }), WAIT_MS, () => ({
      expected: t('runClient to reject when it cannot connect', '连不上时 runClient reject'), actual: t('it kept running', '它一直在运行'), hint: t('"close" follows "error" also when the connection never opened: settle there.', '连接根本没打开时，"error" 之后也会有 "close"：在那里了结。'),
    }));
    if (outcome.kind === 'value') fail({ expected: t('runClient to reject: nothing listens there', 'runClient reject：那里没有服务器在监听'), actual: t('it returned as if it had the poem', '它像收到了诗那样返回了'), hint: t('reject with the error from ws.on(\'error\', …).', '用 ws.on(\'error\', …) 收到的错误 reject。') });
    if ((outcome.error as Error).name === 'TodoError') throw outcome.error;
    const code = (outcome.error as NodeJS.ErrnoException).code;
    expectEqual(code, 'ECONNREFUSED', t('the error\'s code', '错误的 code'), t('reject with the error from ws.on(\'error\', …) itself (it carries code ECONNREFUSED), not a new one.', '就用 ws.on(\'error\', …) 收到的那个错误 reject（它带着 code ECONNREFUSED），不要新建一个。'));
    expectEqual(out.text, '', t('what the client printed', '客户端打印的内容'), t('print "Receiving stream:" on "open", and the final newline only if the connection opened.', '在 "open" 时打印 "Receiving stream:"，只有连接打开过，最后才打印换行。'));
  });
});




describe('the programs', () => {
  check(t('run from the command line: the server with --port, the client with the URL, and each ends when it should', '从命令行运行：服务器带 --port，客户端带 URL，各自在该结束时结束'), async ({ net }) => {
    // Importing the files (as the checks and npm run play do) must start nothing.
    await importStartsNothing(net, HERE, ['server.ts', 'client.ts'], { PORT: '0', URL: `ws://127.0.0.1:${await closedPort()}` }, t('keep the last line of each file as it is: `if (isMain(import.meta.url)) await run…Program(…)` runs the program only when the file itself is run.', '保留每个文件原有的最后一行：`if (isMain(import.meta.url)) await run…Program(…)` 只在直接运行这个文件时才运行程序。'));

    const server = runProgram(net, HERE, ['server.ts', '--port', '0']);
    const url = await net.waitUntil(() => /Stream server listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1], 20_000, () => ({
      expected: t('npx tsx server.ts --port 0 to print "Stream server listening on ws://127.0.0.1:<port>"', 'npx tsx server.ts --port 0 打印 "Stream server listening on ws://127.0.0.1:<port>"'), actual: programSaid(server), hint: t('keep the last line of server.ts: if (isMain(import.meta.url)) await runServerProgram(\'Stream server\', createServer);', '保留 server.ts 的最后一行：if (isMain(import.meta.url)) await runServerProgram(\'Stream server\', createServer);'),
    }));

    const whole = runProgram(net, HERE, ['client.ts', url]);
    const code = await exited(net, whole, t('the client, once the poem was complete,', '客户端收完整首诗之后'), 20_000);
    if (code !== 0) {
      fail({ expected: t('npx tsx client.ts <url> to exit with 0 after the whole poem', 'npx tsx client.ts <url> 收完整首诗后以 0 退出'), actual: t(`exit code ${code}, with ${show(whole.stderr() || whole.stdout())}`, `退出码 ${code}，输出 ${show(whole.stderr() || whole.stdout())}`), hint: t('runClient must resolve when the server closes with 1000 (and the server must close with 1000 after the last line).', '服务器用 1000 关闭时 runClient 必须 resolve（服务器也必须在最后一行之后用 1000 关闭）。') });
    }
    expectEqual(whole.stdout(), EXPECTED_PROGRAM_OUTPUT, t('what the client program printed', '客户端程序打印的内容'), t('keep the last line of client.ts: if (isMain(import.meta.url)) await runClientProgram(\'Stream client\', runClient);', '保留 client.ts 的最后一行：if (isMain(import.meta.url)) await runClientProgram(\'Stream client\', runClient);'));

    // Ctrl+C on the server mid-poem: it closes its clients with 1001, and the client must say so.
    const cut = runProgram(net, HERE, ['client.ts', url]);
    await net.waitUntil(() => cut.stdout().includes(POEM[0]), 20_000, () => ({ expected: t('the second client to print the first line', '第二个客户端打印出第一行'), actual: t(`it printed ${show(cut.stdout())}`, `它打印了 ${show(cut.stdout())}`), hint: t('print each chunk as it arrives.', '每个片段一到就打印。') }));
    server.kill('SIGINT');
    expectEqual(await exited(net, cut, t('the client, once the server stopped mid-poem,', '服务器在诗的中途停下之后，客户端'), 20_000), 1, t('the client\'s exit code when the server stopped mid-poem', '服务器在诗的中途停下时客户端的退出码'), t('a close with 1001 ("going away") cut the poem short: runClient must reject, and the program then exits with 1.', '以 1001（“going away”）关闭，诗就被截断了：runClient 必须 reject，程序随后以 1 退出。'));
    if (!/^Stream client: .*1001/.test(cut.stderr())) {
      fail({ expected: t('the client to say on stderr "Stream client: … (close code 1001)"', '客户端在 stderr 上输出 "Stream client: … (close code 1001)"'), actual: show(cut.stderr()), hint: t('reject with an Error that names the close code; runClientProgram prints it after the program\'s name.', '用一个说出关闭码的 Error reject；runClientProgram 会把它打印在程序名后面。') });
    }
    expectEqual(await exited(net, server, t('the server, after Ctrl+C,', '服务器在 Ctrl+C 之后'), 20_000), 0, t('the server\'s exit code after Ctrl+C', 'Ctrl+C 之后服务器的退出码'), t('runServerProgram closes the clients and exits 0 on SIGINT.', '收到 SIGINT 时，runServerProgram 会关闭客户端并以 0 退出。'));
  }, 60_000);
});

const EXPECTED_PROGRAM_OUTPUT = `Receiving stream:\n${POEM.join('')}\n`;
