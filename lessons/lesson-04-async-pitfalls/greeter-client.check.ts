// Self-checks for lesson 04. Run: npm run check lesson-04
// Each check runs your client for real against a server on 127.0.0.1 with a free port, and each
// one catches one of the traps in README.md.
import { once } from 'node:events';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, fail, show, t, tcpSocket, WAIT_MS, type Harness, type Peer, type Text } from '../../checks/harness.ts';
import { doneAndExited, exited, programSaid, spawnProgram, type Program } from '../../checks/programs.ts';
import { createServer, GREETING, replyTo } from './greeter-server.ts';
import { MAX_MESSAGE_BYTES, MAX_UNREAD_MESSAGES, runClient } from './client.ts';

/** What the client must send: written out, not imported, so a changed MESSAGE is noticed. */
const HELLO = 'Hello WebSocket!';

describe('the greeter client', () => {
  check(t('receives the greeting and the reply and prints them as text', '收到问候和回复，并把它们作为文本打印出来'), async ({ net }) => {
    const server = await net.serve(createServer);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(server.url, { out }));
      await letConnectionLand(net, outcome, server.connections);
      expectResolved(outcome, watch, out.text, t('runClient to print the greeting and the reply, close, and resolve', 'runClient 打印问候和回复、关闭连接，然后 resolve'));
      const expected = `Greeting: ${GREETING}\nReceived: ${replyTo(HELLO)}\n`;
      if (out.text !== expected) {
        fail({ expected: t(`the client to print ${show(expected)}`, `客户端打印 ${show(expected)}`), actual: show(out.text), hint: hintForOutput(out.text) });
      }
    });
  });

  check(t('rejects with a clear error, instead of crashing, when nothing listens at the URL', 'URL 上没有服务器在监听时，用一个清楚的错误 reject，而不是崩溃'), async ({ net }) => {
    const port = await closedPort();
    const url = `ws://127.0.0.1:${port}`;
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(url, { out: net.output() }));
      expectNoEarlySend(watch);
      const task = t(`runClient(${show(url)}) to reject with the connection error (ECONNREFUSED)`, `runClient(${show(url)}) 用连接错误（ECONNREFUSED）reject`);
      switch (outcome.state) {
        case 'crashed':
          fail({
            expected: task,
            actual: t(`an 'error' event that nothing listened for, which Node turns into an uncaught exception: a real program would stop here (${outcome.message})`, `一个没人监听的 'error' 事件，Node 会把它变成未捕获的异常：真实的程序会在这里停掉（${outcome.message}）`),
            hint: t('add ws.on("error", …) right after new WebSocket(url), and wait for "open" with once(ws, "open"): it rejects when "error" comes first.', '在 new WebSocket(url) 之后立刻加上 ws.on("error", …)，并用 once(ws, "open") 等 "open"："error" 先来时它会 reject。'),
          });
          break;
        case 'pending':
          fail({ expected: t(`${task} within ${WAIT_MS} ms`, `${task}，在 ${WAIT_MS} 毫秒之内`), actual: t('runClient was still waiting', 'runClient 还在等'), hint: hintWhilePending(watch, t('when the connection fails, "open" never comes: only "error" and then "close". Reject when "error" comes (once(ws, "open") does that for you), and do not wait for a "close" that has already happened.', '连接失败时，"open" 永远不会来：只会来 "error"，然后是 "close"。"error" 一来就 reject（once(ws, "open") 会替你这么做），也不要去等一个已经发生过的 "close"。')) });
          break;
        case 'resolved':
          fail({ expected: task, actual: t('runClient resolved as if all went well', 'runClient 像一切正常那样 resolve 了'), hint: t('let the connection error reach the caller: reject, do not swallow it.', '让连接错误传到调用者那里：reject，不要吞掉它。') });
          break;
        case 'rejected': {
          const error = outcome.error;
          const message = error instanceof Error ? error.message : '';
          if (!saysConnectionRefused(error, port)) {
            // The real connection error may still be on its way; if nothing listens for it, say so here.
            await waitUntil(net, () => crashMessage(net) !== undefined, 1000);
            const crash = crashMessage(net);
            fail({
              expected: t(`${task}: an Error that says what went wrong`, `${task}：一个说明出了什么问题的 Error`),
              actual: t(`it rejected with ${describeError(error)}${crash ? `, and then the connection error, with no 'error' listener, stopped the program (${crash})` : ''}`, `它 reject 的是 ${describeError(error)}${crash ? `，随后那个没人监听的连接错误让程序停掉了（${crash}）` : ''}`),
              hint: /not open/.test(message) ? hintForError(error) : t('reject with the error ws reports (or wrap it, and keep the original as `cause`).', '用 ws 报告的错误 reject（或者包一层，把原来的错误作为 `cause` 保留下来）。'),
            });
          }
        }
      }
      // A second, unlistened 'error' right after the rejection would still crash a real program.
      await new Promise((resolve) => setImmediate(resolve));
      net.throwIfLearnerCrashed();
    });
  });

  check(t('does not miss a message the server sends right at open', '不会错过服务器在连接打开那一刻发来的消息'), async ({ net }) => {
    const greeting = 'Hi! (sent the moment the connection opened)';
    const peer = await greeterPeer(net, [greeting]);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      await letConnectionLand(net, outcome, peer.connections);
      expectResolved(outcome, watch, out.text, t('runClient to print the greeting the server sent at open, then the reply', 'runClient 打印服务器在连接打开时发来的问候，然后打印回复'));
      if (!out.text.startsWith(`Greeting: ${greeting}\n`)) {
        fail({ expected: t(`the client to print ${show(`Greeting: ${greeting}`)} first`, `客户端先打印 ${show(`Greeting: ${greeting}`)}`), actual: show(out.text), hint: hintForOutput(out.text) });
      }
    });
  });

  check(t('waits for a greeting that comes a while after open (20, 100, 300 ms)', '等待连接打开一会儿之后才来的问候（20、100、300 毫秒）'), async ({ net }) => {
    await watchingClient(async (watch) => {
      // The three at once, each with its own server: none waits for another to end.
      const runs = await Promise.all([20, 100, 300].map(async (delayMs) => {
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
        const outcome = await settle(net, runClient(peer.url, { out }), () => { sentBeforeTheEnd = greetingSent; });
        await letConnectionLand(net, outcome, peer.connections);
        return { delayMs, greeting, out, outcome, sentBeforeTheEnd };
      }));
      for (const { delayMs, greeting, out, outcome, sentBeforeTheEnd } of runs) {
        rethrowTodo(outcome);
        expectNoEarlySend(watch);
        const task = t(`runClient to print a greeting the server sent ${delayMs} ms after the connection opened`, `runClient 打印服务器在连接打开 ${delayMs} 毫秒之后发来的问候`);
        const finishedEarly = (outcome.state === 'resolved' || outcome.state === 'rejected') && !sentBeforeTheEnd;
        if (out.text.startsWith('Greeting: undefined') || finishedEarly) {
          const how = outcome.state === 'rejected' ? t(`rejected with ${describeError(outcome.error)}`, `reject 了：${describeError(outcome.error)}`) : t('resolved', 'resolve 了');
          fail({
            expected: task,
            actual: t(`${finishedEarly ? 'runClient finished before the server had even sent its greeting' : 'no greeting'}: it ${how}${out.text ? ` after printing ${show(out.text)}` : ''}`, `${finishedEarly ? '服务器还没发出问候，runClient 就结束了' : '没有问候'}：它${out.text ? `打印了 ${show(out.text)} 之后` : ''}${how}`),
            hint: t(`the client read its inbox before the greeting had arrived: it came ${delayMs} ms after "open". Queueing what arrives is half of it; when the queue is empty, next() must wait for the next message (a promise that the "message" listener resolves), not return what is (not) there.`, `客户端在问候到达之前就去读收件箱了：问候是在 "open" 之后 ${delayMs} 毫秒才来的。把到达的消息排进队列只是一半；队列空的时候，next() 必须等下一条消息（一个由 "message" 监听器来 resolve 的 promise），而不是把（并不存在的）东西直接返回。`),
          });
        }
        expectResolved(outcome, watch, out.text, task);
        const expected = `Greeting: ${greeting}\nReceived: ${replyTo(HELLO)}\n`;
        if (out.text !== expected) {
          fail({ expected: t(`the client to print ${show(expected)}`, `客户端打印 ${show(expected)}`), actual: show(out.text), hint: hintForOutput(out.text) });
        }
      }
    });
  });

  check(t('closes with code 1000 and returns only after the close completes', '用关闭码 1000 关闭，等关闭完成后才返回'), async ({ net }) => {
    const peer = await greeterPeer(net, [GREETING]);
    let serverSideAtReturn: number | undefined;
    const out = net.output();
    await watchingClient(async (watch) => {
      const run = runClient(peer.url, { out });
      const outcome = await settle(net, run, () => { serverSideAtReturn = peer.connections[0]?.readyState; });
      await letConnectionLand(net, outcome, peer.connections);
      expectResolved(outcome, watch, out.text, t('runClient to talk to the server, close, and resolve', 'runClient 和服务器对话、关闭连接，然后 resolve'));
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({ hint: t('call ws.close(1000) when the conversation is over.', '对话结束后调用 ws.close(1000)。') });
      if (closed.code !== 1000) {
        fail({
          expected: t('the server to see close code 1000 (normal closure)', '服务器看到关闭码 1000（正常关闭）'),
          actual: t(`code ${closed.code}`, `关闭码 ${closed.code}`),
          hint: closed.code === 1006 ? t('code 1006: the client dropped the connection without the closing handshake (terminate instead of close). Use ws.close(1000).', '关闭码 1006：客户端没走关闭握手就断开了连接（用了 terminate 而不是 close）。用 ws.close(1000)。') : t('call ws.close(1000).', '调用 ws.close(1000)。'),
        });
      }
      // The moment runClient returned, the server must already have had the client's close frame.
      if (serverSideAtReturn === WebSocket.OPEN) {
        fail({
          expected: t('runClient to return only after the closing handshake', 'runClient 在关闭握手完成之后才返回'),
          actual: t('it returned while the connection was still open', '连接还开着它就返回了'),
          hint: t('ws.close(1000) only starts the handshake. Wait for the "close" event (listen first, then call close) before returning.', 'ws.close(1000) 只是开始握手。返回之前要等 "close" 事件（先监听，再调用 close）。'),
        });
      }
    });
  });

  check(t('rejects, instead of waiting forever, when the server closes before replying', '服务器没回复就关闭时，reject 而不是永远等下去'), async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => {
      socket.send(GREETING);
      socket.on('message', () => socket.close(1011, 'cannot answer now'));
    });
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      expectRejected(outcome, watch, out.text, t('runClient to reject when the connection closes before the reply arrives', '连接在回复到达之前关闭时，runClient reject'),
        t('while you wait for a message, listen for "close" too: when the connection ends first, reject.', '等消息的时候也要监听 "close"：连接先结束就 reject。'));
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !error.message.includes('1011')) {
        fail({
          expected: t('the rejection to be an Error that says the connection closed, with its code (1011)', 'reject 的是一个说明连接已关闭、并带上关闭码（1011）的 Error'),
          actual: t(`it rejected with ${describeError(error)}`, `它 reject 的是 ${describeError(error)}`),
          hint: t('reject with an Error that says what happened: new Error(`the connection closed (code ${code}) before the next message arrived`).', '用一个说明发生了什么的 Error reject：new Error(`the connection closed (code ${code}) before the next message arrived`)。'),
        });
      }
      if (out.text.includes('Received:')) {
        fail({ expected: t('the client to print no reply (there was none)', '客户端不打印回复（根本没有回复）'), actual: show(out.text), hint: t('print only a message that actually arrived.', '只打印真正收到的消息。') });
      }
    });
  });

  check(t('rejects with the error, instead of crashing, when the server breaks the protocol', '服务器违反协议时，用这个错误 reject，而不是崩溃'), async ({ net }) => {
    const peer = await net.peer();
    // The greeting, then a masked frame: from a server, that breaks RFC 6455 §5.1 and ws reports
    // an error. Both in one packet; then the server reads nothing (so it cannot finish the closing
    // handshake ws starts) until the client's own code calls close(): by then the client has done
    // all its waiting, so a next() that waits, or times out, instead of rejecting at once shows.
    // A client that only awaits the "close" ws started gets it 800 ms on, well after its 300 ms.
    let clientClosing = (): void => {};
    const closeCalled = new Promise<void>((resolve) => { clientClosing = resolve; });
    peer.wss.on('headers', (_headers, request) => request.socket.cork());
    peer.wss.on('connection', (socket, request) => {
      socket.send(GREETING);
      request.socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69, 0x6b]));
      request.socket.uncork();
      tcpSocket(socket).pause();
      const timer = setTimeout(clientClosing, 800);
      socket.on('close', () => clearTimeout(timer));
      void closeCalled.then(() => tcpSocket(socket).resume());
    });
    const out = net.output();
    await watchingClient(async (watch) => {
      watch.onOwnClose = clientClosing;
      const outcome = await settle(net, runClient(peer.url, { out, timeoutMs: 300 }));
      expectRejected(outcome, watch, out.text, t('runClient to reject with the error ws reports for a malformed frame', 'runClient 用 ws 针对格式错误的帧报告的错误来 reject'),
        t('keep an "error" listener on the socket for its whole life (not only while connecting), and reject whatever waits with that error.', '在 socket 的整个生命周期里都保留 "error" 监听器（不只是连接期间），并用这个错误 reject 所有在等的东西。'));
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !error.message.includes('MASK must be clear')) {
        fail({
          expected: t('the rejection to be the error ws reported ("Invalid WebSocket frame: MASK must be clear")', 'reject 的就是 ws 报告的那个错误（"Invalid WebSocket frame: MASK must be clear"）'),
          actual: t(`it rejected with ${describeError(error)}`, `它 reject 的是 ${describeError(error)}`),
          hint: t('reject with the first thing that went wrong: the "error" event\'s error. Once the conversation has ended, a later next() must reject with that same error at once, not wait (or time out) for a message that cannot come.', '用第一个出问题的东西 reject："error" 事件的错误。对话一旦结束，之后的 next() 必须立刻用同一个错误 reject，而不是去等（或者等到超时）一条不可能来的消息。'),
        });
      }
    });
  });

  check(t('gives up after timeoutMs when the handshake or a message never comes', '握手或消息一直不来时，timeoutMs 之后放弃'), async ({ net }) => {
    // A TCP server that accepts and never answers the upgrade request.
    const mute = createTcpServer((socket) => { held.push(socket); });
    const held: Socket[] = [];
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const address = mute.address();
      const url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const silent = await net.peer(); // completes the handshake, then says nothing
      const out = net.output();
      await watchingClient(async (watch) => {
        // Both at once: each waits out its own 300 ms.
        const [handshake, message] = await Promise.all([
          settle(net, runClient(url, { out: net.output(), timeoutMs: 300 })),
          settle(net, runClient(silent.url, { out, timeoutMs: 300 })),
        ]);
        expectRejected(handshake, watch, '', t('runClient({ timeoutMs: 300 }) to reject when the server never answers the handshake', '服务器一直不回应握手时，runClient({ timeoutMs: 300 }) reject'),
          t('the handshake can hang too: pass handshakeTimeout: timeoutMs to new WebSocket(url, { … }). ws then fails the connection with an "error", and once(ws, "open") rejects.', '握手也可能卡住：把 handshakeTimeout: timeoutMs 传给 new WebSocket(url, { … })。这样 ws 会用一个 "error" 让连接失败，once(ws, "open") 随之 reject。'));
        expectRejected(message, watch, out.text, t('runClient({ timeoutMs: 300 }) to reject when no greeting comes', '问候一直不来时，runClient({ timeoutMs: 300 }) reject'),
          t('waiting for a message needs a time limit: start a timer in next() that rejects after timeoutMs, and clear it when the message comes.', '等消息需要一个时间上限：在 next() 里启动一个 timeoutMs 之后 reject 的定时器，消息来了就清掉它。'));
        const error = message.state === 'rejected' ? message.error : undefined;
        if (!(error instanceof Error) || !error.message.includes('300')) {
          fail({
            expected: t('the rejection to say what it waited for and how long (300 ms)', 'reject 的错误说明它在等什么、等了多久（300 毫秒）'),
            actual: t(`it rejected with ${describeError(error)}`, `它 reject 的是 ${describeError(error)}`),
            hint: t('reject with an Error that says so: new Error(`no message from the server within ${timeoutMs} ms`).', '用一个说明这些的 Error reject：new Error(`no message from the server within ${timeoutMs} ms`)。'),
          });
        }
        const connection = await silent.nextConnection();
        const closed = await connection.waitClosed({ hint: t('after giving up, still close the connection: ws.close(1000), then wait for "close".', '放弃之后也要关闭连接：ws.close(1000)，然后等 "close"。') });
        if (closed.code !== 1000) {
          fail({ expected: t('the client to close the connection with 1000 after giving up', '放弃之后客户端用 1000 关闭连接'), actual: t(`code ${closed.code}`, `关闭码 ${closed.code}`), hint: t('close with ws.close(1000) in a finally block, whatever happened before.', '不管之前发生了什么，都在 finally 块里用 ws.close(1000) 关闭。') });
        }
      });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  check(t('closes with 1003 and rejects when the server sends binary, and reads nothing after', '服务器发来二进制时用 1003 关闭并 reject，之后什么也不读'), async ({ net }) => {
    const peer = await greeterPeer(net, [Buffer.from([0xde, 0xad, 0xbe, 0xef]), 'a text message after the binary one']);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      expectRejected(outcome, watch, out.text, t('runClient to reject when the server sends a binary message to this text-only client', '服务器给这个只收文本的客户端发来二进制消息时，runClient reject'),
        t('in the "message" listener, check isBinary: this client understands text only. End the conversation with an error, and close with 1003.', '在 "message" 监听器里检查 isBinary：这个客户端只懂文本。用一个错误结束对话，并用 1003 关闭。'));
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !/binary/i.test(error.message)) {
        fail({
          expected: t('the rejection to be an Error that says a binary message came', 'reject 的是一个说明来了二进制消息的 Error'),
          actual: t(`it rejected with ${describeError(error)}`, `它 reject 的是 ${describeError(error)}`),
          hint: t('reject with an Error that says why: new Error("the server sent a binary message; this client understands text only").', '用一个说明原因的 Error reject：new Error("the server sent a binary message; this client understands text only")。'),
        });
      }
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({ hint: t('close with ws.close(1003, "text messages only") when a binary message arrives.', '二进制消息到来时用 ws.close(1003, "text messages only") 关闭。') });
      if (closed.code !== 1003 || closed.reason === '') {
        fail({ expected: t('close code 1003 (cannot accept this kind of data), with a reason', '关闭码 1003（不能接受这种数据），并带一个原因'), actual: t(`code ${closed.code}${closed.reason ? `, reason ${show(closed.reason)}` : ', no reason'}`, `关闭码 ${closed.code}${closed.reason ? `，原因 ${show(closed.reason)}` : '，没有原因'}`), hint: t('ws.close(1003, "text messages only"): the code says what kind of problem it was, the reason says it in words.', 'ws.close(1003, "text messages only")：关闭码说明是哪一类问题，原因用文字把它说出来。') });
      }
      if (out.text !== '') {
        fail({
          expected: t('the client to print nothing: the conversation ended with the binary message', '客户端什么也不打印：对话随着那条二进制消息结束了'),
          actual: t(`it printed ${show(out.text)}`, `它打印了 ${show(out.text)}`),
          hint: t('once the conversation has ended (a binary message, too many messages, an error), ignore what still arrives: the "message" listener returns at once, and next() rejects.', '对话一旦结束（一条二进制消息、消息太多、一个错误），之后再来的东西都忽略："message" 监听器立刻 return，next() 则 reject。'),
        });
      }
    });
  });

  check(t(`closes with 1008 once more than MAX_UNREAD_MESSAGES (${MAX_UNREAD_MESSAGES}) messages wait unread, and not before`, `没读的消息超过 MAX_UNREAD_MESSAGES（${MAX_UNREAD_MESSAGES}）条时用 1008 关闭，没超过就不关`), async ({ net }) => {
    for (const count of [MAX_UNREAD_MESSAGES, MAX_UNREAD_MESSAGES + 1]) {
      // All in one packet with the handshake: the client has read none of them when they arrive.
      const peer = await greeterPeer(net, Array.from({ length: count }, (_, i) => `message ${i + 1} of ${count}`));
      const out = net.output();
      await watchingClient(async (watch) => {
        const outcome = await settle(net, runClient(peer.url, { out }));
        expectNoEarlySend(watch);
        if (outcome.state === 'crashed') fail({ expected: t('runClient to handle a flood of messages', 'runClient 应付得了一大批消息'), actual: t(`an error nothing caught: ${outcome.message}`, `一个没人捕获的异常：${outcome.message}`), hint: t('keep an "error" listener on the socket.', '在 socket 上保留 "error" 监听器。') });
        const connection = await peer.nextConnection();
        const closed = await connection.waitClosed({ hint: t(`close with ws.close(1008, "too many messages") when a message arrives while ${MAX_UNREAD_MESSAGES} wait unread.`, `已经有 ${MAX_UNREAD_MESSAGES} 条消息没读时又来一条，就用 ws.close(1008, "too many messages") 关闭。`) });
        if (count > MAX_UNREAD_MESSAGES && (closed.code !== 1008 || closed.reason === '')) {
          fail({
            expected: t(`close code 1008 (policy violation), with a reason, when ${count} messages arrive before the client reads any`, `客户端一条都没读就来了 ${count} 条消息时，关闭码为 1008（违反策略），并带一个原因`),
            actual: t(`code ${closed.code}${closed.reason ? `, reason ${show(closed.reason)}` : ''}`, `关闭码 ${closed.code}${closed.reason ? `，原因 ${show(closed.reason)}` : ''}`),
            hint: t(`bound the inbox: when a message arrives while ${MAX_UNREAD_MESSAGES} already wait unread, end the conversation and close with ws.close(1008, "too many messages"). Otherwise a server can make the client hold any amount of memory.`, `给收件箱设个上限：已经有 ${MAX_UNREAD_MESSAGES} 条没读时又来一条，就结束对话，用 ws.close(1008, "too many messages") 关闭。否则服务器能让客户端占用任意多的内存。`),
          });
        }
        if (count <= MAX_UNREAD_MESSAGES && closed.code !== 1000) {
          fail({
            expected: t(`exactly ${MAX_UNREAD_MESSAGES} unread messages to be fine (the client reads the first as its greeting, and closes with 1000)`, `正好 ${MAX_UNREAD_MESSAGES} 条没读的消息没有问题（客户端把第一条当作问候读掉，然后用 1000 关闭）`),
            actual: t(`code ${closed.code}${closed.reason ? `, reason ${show(closed.reason)}` : ''}`, `关闭码 ${closed.code}${closed.reason ? `，原因 ${show(closed.reason)}` : ''}`),
            hint: t(`the limit is ${MAX_UNREAD_MESSAGES} messages waiting: close only when one more arrives (queue.length >= ${MAX_UNREAD_MESSAGES} before adding it).`, `上限是 ${MAX_UNREAD_MESSAGES} 条在等的消息：只有再多来一条时才关闭（加进去之前 queue.length >= ${MAX_UNREAD_MESSAGES}）。`),
          });
        }
      });
    }
  });

  check(t('closes with 1009 when the server sends a message over MAX_MESSAGE_BYTES', '服务器发来超过 MAX_MESSAGE_BYTES 的消息时用 1009 关闭'), async ({ net }) => {
    const peer = await greeterPeer(net, ['x'.repeat(MAX_MESSAGE_BYTES + 1)]);
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settle(net, runClient(peer.url, { out }));
      expectRejected(outcome, watch, out.text, t(`runClient to reject a message of ${MAX_MESSAGE_BYTES + 1} bytes`, `runClient 拒绝一条 ${MAX_MESSAGE_BYTES + 1} 字节的消息`),
        t('pass maxPayload: MAX_MESSAGE_BYTES to new WebSocket(url, { … }): ws then closes with 1009 and emits an "error" that must reject what waits.', '把 maxPayload: MAX_MESSAGE_BYTES 传给 new WebSocket(url, { … })：这样 ws 会用 1009 关闭，并触发一个 "error"，它必须让在等的东西 reject。'));
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({ hint: t('pass maxPayload: MAX_MESSAGE_BYTES to new WebSocket(url, { … }).', '把 maxPayload: MAX_MESSAGE_BYTES 传给 new WebSocket(url, { … })。') });
      if (closed.code !== 1009) {
        fail({ expected: t('close code 1009 (message too big)', '关闭码 1009（消息太大）'), actual: t(`code ${closed.code}`, `关闭码 ${closed.code}`), hint: t('pass maxPayload: MAX_MESSAGE_BYTES to new WebSocket(url, { … }): ws closes with 1009 by itself.', '把 maxPayload: MAX_MESSAGE_BYTES 传给 new WebSocket(url, { … })：ws 会自己用 1009 关闭。') });
      }
    });
  });
});

describe('the program', () => {
  check(PROGRAM_CHECK, async ({ net }) => {
    // Both programs were started as this file began (beforeAll below): they run beside the checks above.
    onTestFinished(stopPrograms);
    const { url, client, nowhere, refused } = await (programRuns ??= startProgramRuns());
    const expected = PROGRAM_OUTPUT;
    const exit = await doneAndExited(net, client, expected, `npx tsx client.ts ${url}`);
    if (exit !== 0 || client.stdout() !== expected) {
      fail({
        expected: t(`\`npx tsx client.ts ${url}\` to print ${show(expected)} and exit with code 0`, `\`npx tsx client.ts ${url}\` 打印 ${show(expected)} 并以退出码 0 结束`),
        actual: programSaid(client),
        hint: t('the checks above say more. Keep the last line of client.ts as given (runClientProgram), and let runClient resolve once the connection has closed.', '上面的检查说得更详细。保留 client.ts 原有的最后一行（runClientProgram），连接关闭后让 runClient resolve。'),
      });
    }
    const refusedExit = await exited(net, refused, t(`\`npx tsx client.ts ${nowhere}\` (where nothing listens)`, `\`npx tsx client.ts ${nowhere}\`（那里没有服务器在监听）`));
    if (refusedExit !== 1 || !/^Greeter client: .*ECONNREFUSED/m.test(refused.stderr())) {
      fail({
        expected: t(`\`npx tsx client.ts ${nowhere}\`, where nothing listens, to say "Greeter client: connect ECONNREFUSED …" and exit with code 1`, `\`npx tsx client.ts ${nowhere}\`（那里没有服务器）输出 "Greeter client: connect ECONNREFUSED …" 并以退出码 1 结束`),
        actual: programSaid(refused),
        hint: t('let runClient reject with the connection error; the given last line of client.ts prints it.', '让 runClient 用连接错误 reject；client.ts 原有的最后一行会把它打印出来。'),
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
    return first.replace(/^.*?(crash here\): |在这里崩溃）：)/, '');
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
function hintForError(error: unknown): Text {
  const message = error instanceof Error ? error.message : String(error);
  if (/not open: readyState 0/.test(message)) {
    return t('ws.send() ran while the socket was still CONNECTING: new WebSocket(url) returns before the handshake is done. Send only after the "open" event (await once(ws, "open")).', 'ws.send() 在 socket 还处于 CONNECTING 时就执行了：new WebSocket(url) 在握手完成之前就返回了。只在 "open" 事件之后发送（await once(ws, "open")）。');
  }
  if (/not open: readyState [23]/.test(message)) {
    return t('ws.send() ran after the connection had started closing: send before you call close(), and only while the socket is OPEN.', 'ws.send() 在连接已经开始关闭之后才执行：要在调用 close() 之前发送，而且只在 socket 为 OPEN 时发送。');
  }
  if (/closed before the connection was established/.test(message)) {
    return t('ws.close() ran while the socket was still CONNECTING: something before `await once(ws, "open")` failed or returned early.', 'ws.close() 在 socket 还处于 CONNECTING 时就执行了：`await once(ws, "open")` 之前有代码出错了，或者提前返回了。');
  }
  return t('the first line of the stack below that points into client.ts is where it went wrong.', '下面调用栈里第一行指向 client.ts 的位置，就是出错的地方。');
}

/** What to fix, judged from what the client printed. */
function hintForOutput(printed: string): Text {
  if (printed.includes('<Buffer')) {
    return t('a message was printed as a Buffer: ws 8 hands over every message as a Buffer, text too. Decode it with data.toString() before you print or compare it.', '打印出来的是一个 Buffer：ws 8 交给你的每条消息都是 Buffer，文本也一样。打印或比较之前先用 data.toString() 解码。');
  }
  if (printed.includes('Promise {') || printed.includes('[object Promise]')) {
    return t('a Promise was printed instead of its value: something that returns a Promise (nextMessage?) is missing an `await`.', '打印出来的是 Promise 本身而不是它的值：某个返回 Promise 的东西（nextMessage？）少了一个 `await`。');
  }
  if (/^(Greeting|Received): undefined$/m.test(printed)) {
    return t('the client read its inbox before the greeting had arrived: when the queue is empty, next() must wait for the next message, not return what is (not) there.', '客户端在问候到达之前就去读收件箱了：队列空的时候，next() 必须等下一条消息，而不是把（并不存在的）东西直接返回。');
  }
  if (printed.includes('Greeting: Server reply:')) {
    return t('the client took the reply for the greeting: it missed the greeting the server sends the moment the connection opens. Attach the "message" listener (and queue what arrives) right after new WebSocket(url), before the first await.', '客户端把回复当成了问候：它错过了服务器在连接打开那一刻发来的问候。在 new WebSocket(url) 之后、第一个 await 之前，就挂上 "message" 监听器（并把到达的消息排进队列）。');
  }
  if (/Received: .*,(true|false)$/m.test(printed)) {
    return t('once(ws, "message") resolves to an array of the event\'s arguments, [data, isBinary]: take the first, and decode it with data.toString().', 'once(ws, "message") resolve 的是事件参数组成的数组 [data, isBinary]：取第一个，再用 data.toString() 解码。');
  }
  return t('print `Greeting: <greeting>` and then `Received: <reply>`, each on its own line, to the `out` stream you were given.', '往传给你的 `out` 流里先打印 `Greeting: <greeting>`，再打印 `Received: <reply>`，各占一行。');
}

/** Why a client is still waiting, judged from its socket: what it waits for, on a socket in which state. */
function hintWhilePending(watch: ClientWatch, otherwise: Text): Text {
  if (watch.closedAgain.size > 0) {
    return t('your code called close() on a socket that was already CLOSED, and waits for its "close" event: that event has fired already, and a CLOSED socket emits nothing more. In your close step, return at once when ws.readyState === WebSocket.CLOSED.', '你的代码对一个已经 CLOSED 的 socket 调用了 close()，还在等它的 "close" 事件：那个事件早就触发过了，CLOSED 的 socket 不会再发出任何事件。在关闭那一步，如果 ws.readyState === WebSocket.CLOSED 就立刻返回。');
  }
  for (const ws of watch.sockets) {
    if (ws.readyState === WebSocket.CLOSED && ws.listenerCount('open') > 0) {
      return t('the connection failed and is CLOSED, but your code still waits for "open", which will never come: only "error" and then "close" did. Wait with once(ws, "open"): it rejects when "error" comes first.', '连接失败了，已经是 CLOSED，可你的代码还在等 "open"，它永远不会来：来的只有 "error"，然后是 "close"。用 once(ws, "open") 来等："error" 先来时它会 reject。');
    }
  }
  return otherwise;
}

/** Fails with a learner-facing message unless runClient resolved. */
function expectResolved(outcome: Outcome, watch: ClientWatch, printed: string, task: Text): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'resolved':
      return;
    case 'rejected':
      return fail({ expected: task, actual: t(`runClient rejected with ${describeError(outcome.error)}`, `runClient reject 了：${describeError(outcome.error)}`), hint: hintForError(outcome.error) });
    case 'crashed':
      return fail({ expected: task, actual: t(`an error that nothing caught (a real program would stop here): ${outcome.message}`, `一个没人捕获的异常（真实的程序会在这里停掉）：${outcome.message}`), hint: t('add an "error" listener to the socket right after new WebSocket(url).', '在 new WebSocket(url) 之后立刻给 socket 加上 "error" 监听器。') });
    case 'pending':
      return fail({
        expected: t(`${task}, within ${WAIT_MS} ms`, `${task}，在 ${WAIT_MS} 毫秒之内`),
        actual: printed ? t(`runClient was still waiting; it had printed ${show(printed)}`, `runClient 还在等；它已经打印了 ${show(printed)}`) : t('runClient was still waiting; it had printed nothing', 'runClient 还在等；它什么也没打印'),
        hint: hintWhilePending(watch, printed.includes('Greeting:') && !printed.includes('Greeting: Server reply:')
          ? t('a message your code waits for never came: await each message exactly once, and make sure the close is answered (await the "close" event after ws.close(1000)).', '你的代码在等的一条消息一直没来：每条消息正好 await 一次，并确保关闭得到了回应（ws.close(1000) 之后 await "close" 事件）。')
          : t('it is probably waiting for a message it missed. The server greets the moment the connection opens, often in the same packet as the handshake: ws emits that message before code after `await` runs again. Attach the "message" listener right after new WebSocket(url), before the first await, and queue what arrives.', '它多半在等一条已经错过的消息。服务器在连接打开的那一刻就打招呼，而且常常和握手在同一个数据包里：`await` 之后的代码还没来得及运行，ws 就已经发出了那条消息。在 new WebSocket(url) 之后、第一个 await 之前挂上 "message" 监听器，把到达的消息排进队列。')),
      });
  }
}

/** Fails with a learner-facing message unless runClient rejected (without crashing or hanging). */
function expectRejected(outcome: Outcome, watch: ClientWatch, printed: string, task: Text, hint: Text): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'rejected':
      return;
    case 'resolved':
      return fail({ expected: task, actual: printed ? t(`runClient resolved as if all went well; it printed ${show(printed)}`, `runClient 像一切正常那样 resolve 了；它打印了 ${show(printed)}`) : t('runClient resolved as if all went well; it printed nothing', 'runClient 像一切正常那样 resolve 了；它什么也没打印'), hint });
    case 'crashed':
      return fail({ expected: task, actual: t(`an error that nothing caught, which Node turns into an uncaught exception: a real program would stop here (${outcome.message})`, `一个没人捕获的异常，Node 会把它变成未捕获的异常：真实的程序会在这里停掉（${outcome.message}）`), hint: t('keep an "error" listener on the socket for its whole life, from new WebSocket(url) on (not only while connecting), and reject whatever waits with its error.', '从 new WebSocket(url) 开始，在 socket 的整个生命周期里都保留 "error" 监听器（不只是连接期间），并用它的错误 reject 所有在等的东西。') });
    case 'pending':
      return fail({ expected: t(`${task}, within ${WAIT_MS} ms`, `${task}，在 ${WAIT_MS} 毫秒之内`), actual: printed ? t(`runClient was still waiting; it had printed ${show(printed)}`, `runClient 还在等；它已经打印了 ${show(printed)}`) : t('runClient was still waiting; it had printed nothing', 'runClient 还在等；它什么也没打印'), hint: hintWhilePending(watch, hint) });
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
  /** Called when the client's own code calls close() (not ws itself, which calls it on a protocol error). */
  onOwnClose: (() => void) | undefined;
}

/**
 * Runs `body` while watching the client sockets the code under test creates (ws's send and on, on
 * the WebSocket prototype): a send() made while CONNECTING is recorded with where it was made, so
 * the failure can say so even when a later error hides it, and a client that is still waiting can
 * be told what its socket is doing. Afterwards the client's sockets are closed, so a socket it
 * left connecting cannot fail a later check.
 */
async function watchingClient(body: (watch: ClientWatch) => Promise<void>): Promise<void> {
  const watch: ClientWatch = { earlySends: [], sockets: new Set(), closedAgain: new Set(), onOwnClose: undefined };
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
    if (this.url && !calledByWs(new Error().stack)) watch.onOwnClose?.();
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

/** True when the caller of a watched method (the stack's third line) is ws's own code. */
function calledByWs(stack: string | undefined): boolean {
  return /node_modules[\\/]ws[\\/]/.test((stack ?? '').split('\n')[2] ?? '');
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
    expected: t('ws.send() only once the connection is open', '连接打开之后才调用 ws.send()'),
    actual: t(`ws.send() ran while the socket was still CONNECTING (at ${where}); it throws "WebSocket is not open: readyState 0 (CONNECTING)"`, `ws.send() 在 socket 还处于 CONNECTING 时就执行了（在 ${where}）；它会抛出 "WebSocket is not open: readyState 0 (CONNECTING)"`),
    hint: t('new WebSocket(url) returns before the handshake is done (trap 1). Wait for the "open" event first: await once(ws, "open") (once from node:events), then send.', 'new WebSocket(url) 在握手完成之前就返回了（陷阱 1）。先等 "open" 事件：await once(ws, "open")（once 来自 node:events），再发送。'),
  });
}

// --- the file as a program ---------------------------------------------------------------------

const HERE = dirname(fileURLToPath(import.meta.url));

/** The name of the check that runs client.ts as a program: beforeAll looks for it. */
const PROGRAM_CHECK = t('runs from the command line, exits when done, and says why when nothing listens', '从命令行运行，做完就退出，没有服务器监听时说明原因');
const PROGRAM_OUTPUT = `Greeting: ${GREETING}\nReceived: ${replyTo(HELLO)}\n`;
/** The program check's two runs of client.ts: against a greeter server, and where nothing listens. */
interface ProgramRuns { url: string; client: Program; nowhere: string; refused: Program }

let programRuns: Promise<ProgramRuns> | undefined;
const stops: (() => void)[] = [];

// Starting Node and tsx takes a few hundred ms: start both programs as this file begins, so they
// run while the in-process checks above do, not after them. Only when the program check will run
// (npm run mutate and a filtered run may skip it). Each run is judged by the program check alone.
beforeAll(({}, file) => {
  if (!willRun(file, PROGRAM_CHECK)) return;
  programRuns = startProgramRuns();
  programRuns.catch(() => {}); // the program check awaits it, and reports what went wrong
});
afterAll(stopPrograms);

function stopPrograms(): void {
  for (const stop of stops.splice(0)) stop();
}

async function startProgramRuns(): Promise<ProgramRuns> {
  const wss = createServer({ port: 0, log: () => {} });
  stops.push(() => {
    for (const socket of wss.clients) socket.terminate();
    wss.close();
  });
  if (wss.address() === null) await once(wss, 'listening');
  const address = wss.address();
  const url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const nowhere = `ws://127.0.0.1:${await closedPort()}`;
  return { url, client: startClientProgram([url]), nowhere, refused: startClientProgram([nowhere]) };
}

/** `node --import tsx client.ts <args>` in this folder, started outside a check: afterAll stops it. */
function startClientProgram(args: string[]): Program {
  const program = spawnProgram(HERE, ['client.ts', ...args]);
  stops.push(() => { if (program.exit() === undefined) program.kill('SIGKILL'); });
  return program;
}

/** False only when vitest will skip the check named `name` in `suite` (a filtered run). */
function willRun(suite: Readonly<TaskLike>, name: string): boolean {
  const find = (tasks: readonly TaskLike[]): TaskLike | undefined => {
    for (const task of tasks) {
      if (task.name === name && task.tasks === undefined) return task;
      const found = task.tasks && find(task.tasks);
      if (found) return found;
    }
    return undefined;
  };
  const task = find(suite.tasks ?? []);
  return task === undefined || (task.mode !== 'skip' && task.mode !== 'todo');
}

interface TaskLike { readonly name: string; readonly mode: string; readonly tasks?: readonly TaskLike[] }

