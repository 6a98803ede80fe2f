// Self-checks for lesson 01. Run: npm run check lesson-01
// Each check starts your server or client for real, on 127.0.0.1 with a free port.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, expectEqual, expectLoopbackByDefault, fail, show, survives, t, tcpSocket, WAIT_MS, type Harness, type Output, type Text } from '../../checks/harness.ts';
import { doneAndExited, exited, programSaid, runProgram, startServerProgram, importStartsNothing } from '../../checks/programs.ts';
import { DEFAULT_HIGH_WATER_BYTES } from '../../lib/send-buffer.ts';
import { createServer, MAX_MESSAGE_BYTES } from './server.ts';
import { MESSAGE, runClient } from './client.ts';

const MiB = 1024 * 1024;

/** Where a missing socket 'error' listener belongs, for survives(). */
const NO_ERROR_LISTENER_HINT = t(
  'add an "error" listener to each socket in the "connection" handler (TODO 3): socket.on("error", (error) => log(`Connection error: ${error.message}`)). ws has already closed the broken connection; the listener only notes it.',
  '在 "connection" 处理函数里给每个 socket 加上 "error" 监听器（TODO 3）：socket.on("error", (error) => log(`Connection error: ${error.message}`))。出问题的连接 ws 已经替你关掉了，这个监听器只负责记一笔。',
);

describe('the echo server', () => {
  check(t('answers "Hello WebSocket!" with "Echo: Hello WebSocket!"', '收到 "Hello WebSocket!" 回复 "Echo: Hello WebSocket!"'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('Hello WebSocket!');
    const reply = await client.nextText({
      waitingFor: t('the reply "Echo: Hello WebSocket!"', '回复 "Echo: Hello WebSocket!"'),
      hint: t('in server.ts, call socket.send(`Echo: ${text}`) inside the "message" handler.', '在 server.ts 的 "message" 处理函数里调用 socket.send(`Echo: ${text}`)。'),
    });
    expectEqual(reply, 'Echo: Hello WebSocket!', t('the reply', '回复'), t('the reply is the text "Echo: " followed by exactly what the client sent.', '回复就是文本 "Echo: " 后面原样接上客户端发来的内容。'));
  });

  check(t('answers every message, in order, over 200 messages', '连发 200 条消息，每条都按顺序得到回复'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sent = Array.from({ length: 200 }, (_, i) => `message ${i + 1}`);
    for (const text of sent) client.send(text);
    const replies = await client.texts(sent.length, { hint: t('listen with socket.on("message"), not once(): every message needs its own reply.', '用 socket.on("message") 监听，不要用 once()：每条消息都要有自己的回复。') });
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${sent[i]}`, t(`reply ${i + 1}`, `第 ${i + 1} 条回复`), t('reply to each message as it arrives; do not batch, reorder or skip.', '每来一条消息就回复一条；不要攒着一起发，不要打乱顺序，也不要漏掉。')));
  });

  check(t('keeps Chinese text and emoji intact', '中文和 emoji 原样返回'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const texts = ['你好，世界', '春眠不觉晓，处处闻啼鸟。', '👋🏽 WebSocket 🚀', 'é vs é (two ways to write it)'];
    for (const text of texts) client.send(text);
    const replies = await client.texts(texts.length);
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${texts[i]}`, t(`the reply to ${show(texts[i])}`, `对 ${show(texts[i])} 的回复`),
      t('decode the Buffer as UTF-8 (data.toString() does), and send a string back so it goes out as a text frame.', '把 Buffer 按 UTF-8 解码（data.toString() 就是这么做的），再把字符串发回去，这样它才会以文本帧发出。')));
  });

  check(t('answers an empty message with "Echo: "', '空消息回复 "Echo: "'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('');
    const reply = await client.nextText({ waitingFor: t('the reply to an empty message', '对空消息的回复'), hint: t('an empty message is still a message: do not skip it with `if (!text) return`.', '空消息也是消息：不要用 `if (!text) return` 把它跳过。') });
    expectEqual(reply, 'Echo: ', t('the reply to an empty message', '对空消息的回复'), t('reply with "Echo: " followed by the (empty) text.', '回复 "Echo: "，后面接上（空的）文本。'));
  });

  check(t('logs what clients send without letting them forge log lines or drive the terminal', '记录客户端发来的内容，但不让它伪造日志行或操控终端'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const texts = ['hi\nFAKE: admin logged in', '\u001b[2Jscreen cleared', 'tab\there\r\u0007'];
    for (const text of texts) client.send(text);
    const replies = await client.texts(texts.length);
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${texts[i]}`, t(`the reply to ${show(texts[i])}`, `对 ${show(texts[i])} 的回复`),
      t('escape the text only for the log: the echo itself goes back exactly as it came.', '只在写日志时转义：回显本身要原样发回去。')));
    const raw = server.logs.find((line) => CONTROL.test(line));
    if (raw !== undefined) {
      fail({
        expected: t('no control characters (newline, escape, bell …) from a client in the server log', '服务器日志里不出现客户端发来的控制字符（换行、ESC、响铃……）'),
        actual: t(`the log line ${show(raw)}: printed raw, a "\\n" forges a second log line and "\\u001b[2J" clears the terminal`, `日志行 ${show(raw)}：原样打印的话，"\\n" 能伪造出第二行日志，"\\u001b[2J" 能清空终端`),
        hint: t('log client text through printable(): log(`Received: ${printable(text)}`). It turns control characters into visible escapes.', '客户端的文本要经过 printable() 再写进日志：log(`Received: ${printable(text)}`)。它会把控制字符变成看得见的转义序列。'),
      });
    }
    for (const part of ['FAKE: admin logged in', 'screen cleared']) {
      if (!server.logs.some((line) => line.includes(part))) {
        fail({
          expected: t(`the server log to show each message it received, escaped (one line containing ${show(part)})`, `服务器日志记下收到的每条消息（转义后），也就是有一行包含 ${show(part)}`),
          actual: server.logs.length > 0 ? t(`the log was ${show(server.logs.slice(-4))}`, `日志是 ${show(server.logs.slice(-4))}`) : t('an empty log', '日志是空的'),
          hint: t('log every text message: log(`Received: ${printable(text)}`).', '每条文本消息都记日志：log(`Received: ${printable(text)}`)。'),
        });
      }
    }
  });

  check(t('answers a binary message with a binary echo of the same bytes', '二进制消息得到二进制回显，字节一个不差'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    // Not valid UTF-8 on purpose: bytes are not text, and must come back untouched.
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]);
    client.send(bytes);
    const reply = await client.next({ waitingFor: t('the echo of a binary message', '二进制消息的回显'), hint: t('answer binary messages too (TODO 2).', '二进制消息也要回复（TODO 2）。') });
    const expected = Buffer.concat([Buffer.from('Echo: '), bytes]);
    if (!reply.isBinary || !Buffer.isBuffer(reply.data)) {
      fail({
        expected: t(`a binary frame holding the bytes of "Echo: " and then the ${bytes.length} bytes that were sent`, `一个二进制帧：先是 "Echo: " 的字节，再是发来的 ${bytes.length} 个字节`),
        actual: t(`a text frame: ${show(reply.data)}`, `一个文本帧：${show(reply.data)}`),
        hint: t('for a binary message (isBinary is true), do not decode the bytes as text: send Buffer.concat([Buffer.from("Echo: "), data]) with { binary: true }.', '二进制消息（isBinary 为 true）不要把字节解码成文本：用 { binary: true } 发送 Buffer.concat([Buffer.from("Echo: "), data])。'),
      });
    }
    if (!reply.data.equals(expected)) {
      fail({ expected: t(`the bytes ${show([...expected])}`, `字节 ${show([...expected])}`), actual: t(`the bytes ${show([...reply.data])}`, `字节 ${show([...reply.data])}`), hint: t('the echo is the bytes of "Echo: " followed by exactly the bytes that were sent.', '回显是 "Echo: " 的字节，后面原样接上发来的字节。') });
    }
  });

  check(t('never sends one client\'s echoes to another', '不把一个客户端的回显发给另一个客户端'), async ({ net }) => {
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
      fail({
        expected: t('each client to get only the echoes of its own messages', '每个客户端只收到自己消息的回显'),
        actual: t(`${show(leaked.slice(0, 3))} reached the wrong client`, `${show(leaked.slice(0, 3))} 发到了别的客户端`),
        hint: t('reply with socket.send on the socket the message came from, not to every client in wss.clients.', '在消息来自的那个 socket 上调用 socket.send 回复，不要发给 wss.clients 里的每个客户端。'),
      });
    }
    await alice.expectQuiet(150, t('after its own 20 echoes', '收到自己的 20 条回显之后'), t('a client must get exactly one echo per message it sent.', '客户端每发一条消息，就恰好收到一条回显。'));
  });

  check(t('keeps serving after a client drops without closing', '客户端不打招呼就断开之后，服务器照常服务'), async ({ net }) => {
    const server = await net.serve(createServer);
    const rude = await net.connect(server.url, { label: t('a client that vanishes', '突然消失的客户端') });
    rude.send('about to vanish');
    rude.terminate();
    const polite = await net.connect(server.url, { label: t('the next client', '下一个客户端') });
    polite.send('still there?');
    expectEqual(await polite.nextText(), 'Echo: still there?', t('the reply to the next client', '给下一个客户端的回复'), t('a client that disappears must not take the server down: add an "error" listener to each socket.', '一个客户端消失了，不能把服务器也带垮：给每个 socket 加上 "error" 监听器。'));
  });

  check(t('accepts a message of exactly MAX_MESSAGE_BYTES, closes one a byte larger with 1009, and keeps serving', '接受正好 MAX_MESSAGE_BYTES 的消息，多一个字节就用 1009 关闭，并且继续服务'), async ({ net }) => {
    const server = await net.serve(createServer);
    await survives(net, t('a client sending a message larger than MAX_MESSAGE_BYTES', '客户端发来超过 MAX_MESSAGE_BYTES 的消息'), NO_ERROR_LISTENER_HINT, async () => {
      const atLimit = await net.connect(server.url, { label: t('a client sending exactly MAX_MESSAGE_BYTES', '发送正好 MAX_MESSAGE_BYTES 的客户端') });
      const largest = 'a'.repeat(MAX_MESSAGE_BYTES);
      atLimit.send(largest);
      const reply = await atLimit.nextText({
        waitingFor: t(`the echo of a message of exactly ${MAX_MESSAGE_BYTES} bytes`, `正好 ${MAX_MESSAGE_BYTES} 字节的消息的回显`),
        hint: t('pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...): the limit is inclusive.', '把 maxPayload: MAX_MESSAGE_BYTES 传给 new WebSocketServer(...)：正好等于上限的消息是允许的。'),
      });
      if (reply !== `Echo: ${largest}`) {
        fail({
          expected: t(`the echo of a message of exactly ${MAX_MESSAGE_BYTES} bytes: "Echo: " and then all of it (${'Echo: '.length + MAX_MESSAGE_BYTES} characters)`, `正好 ${MAX_MESSAGE_BYTES} 字节的消息的回显："Echo: " 后面跟上整条消息（共 ${'Echo: '.length + MAX_MESSAGE_BYTES} 个字符）`),
          actual: t(`${reply.length} characters: ${show(reply)}`, `${reply.length} 个字符：${show(reply)}`),
          hint: t('echo the whole message exactly as it came: printable(...) is for the log line only, never for the reply.', '整条消息原样回显：printable(...) 只用在日志行里，绝不用在回复里。'),
        });
      }

      const greedy = await net.connect(server.url, { label: t('a client sending MAX_MESSAGE_BYTES + 1 bytes', '发送 MAX_MESSAGE_BYTES + 1 字节的客户端') });
      greedy.send('b'.repeat(MAX_MESSAGE_BYTES + 1));
      const closed = await greedy.waitClosed({
        waitingFor: t('the server to close the connection of a client whose message is too large', '服务器关闭发来超大消息的客户端的连接'),
        hint: t('create the server with new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES }).', '用 new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES }) 创建服务器。'),
      });
      if (closed.code !== 1009) {
        fail({
          expected: t('close code 1009 (message too big)', '关闭码 1009（消息太大）'),
          actual: t(`code ${closed.code}`, `关闭码 ${closed.code}`),
          hint: t('let ws enforce maxPayload: it closes with 1009 by itself. Do not close the connection yourself.', '让 ws 来执行 maxPayload 限制：它会自己用 1009 关闭连接。不要自己去关。'),
        });
      }
      await expectStillServing(net, server.url);
    });
  });

  check(t('closes a connection that sends a malformed frame (1002, 1007), logs why, and keeps serving', '关闭发来格式错误的帧的连接（1002、1007），记下原因，并且继续服务'), async ({ net }) => {
    const server = await net.serve(createServer);
    await survives(net, t('a client sending a malformed frame', '客户端发来格式错误的帧'), NO_ERROR_LISTENER_HINT, async () => {
      const cases = [
        // A text frame "hi" without the mask every client frame must carry (RFC 6455 §5.1).
        { what: t('an unmasked frame', '没有掩码的帧'), bytes: [0x81, 0x02, 0x68, 0x69], code: 1002, says: 'MASK must be set' },
        // A masked text frame (mask key 0) whose payload C3 28 is not valid UTF-8.
        { what: t('a text frame that is not valid UTF-8', '不是合法 UTF-8 的文本帧'), bytes: [0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28], code: 1007, says: 'invalid UTF-8' },
      ];
      for (const { what, bytes, code, says } of cases) {
        const rogue = await net.connect(server.url, { label: t(`a client sending ${what}`, `发送${what}的客户端`) });
        tcpSocket(rogue.ws).write(Buffer.from(bytes));
        const closed = await rogue.waitClosed({
          waitingFor: t(`the server to close the connection after ${what}`, `服务器在收到${what}之后关闭连接`),
          hint: t('ws closes such a connection by itself; do not catch and ignore its errors in a way that keeps the socket open.', '这种连接 ws 会自己关掉；不要捕获并忽略它的错误，以致 socket 一直开着。'),
        });
        if (closed.code !== code) {
          fail({
            expected: t(`close code ${code} after ${what}`, `收到${what}之后关闭码为 ${code}`),
            actual: t(`code ${closed.code}`, `关闭码 ${closed.code}`),
            hint: t('let ws close a broken connection itself; it picks the right code.', '让 ws 自己关闭出问题的连接；它会选对关闭码。'),
          });
        }
        if (!server.logs.some((line) => line.includes(says))) {
          fail({
            expected: t(`the server log to note the error (ws reports ${show(says)})`, `服务器日志记下这个错误（ws 报告的是 ${show(says)}）`),
            actual: server.logs.length > 0 ? t(`the log ended with ${show(server.logs.slice(-3))}`, `日志的最后几行是 ${show(server.logs.slice(-3))}`) : t('an empty log', '日志是空的'),
            hint: t('in the socket\'s "error" listener, log the error\'s message: socket.on("error", (error) => log(`Connection error: ${error.message}`)).', '在 socket 的 "error" 监听器里把错误信息写进日志：socket.on("error", (error) => log(`Connection error: ${error.message}`))。'),
          });
        }
      }
      await expectStillServing(net, server.url);
    });
  });

  check(t('stops reading from a client that never reads its echoes, and keeps answering others', '对一个从不读取回显的客户端停止读取，同时继续回复其他客户端'), async ({ net }) => {
    const server = await net.serve(createServer);
    const stalled = await net.connect(server.url, { label: t('a client that never reads', '从不读取的客户端') });
    const serverSide = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({
      expected: t('the server to accept the connection', '服务器接受这个连接'), actual: t('no "connection" event', '没有 "connection" 事件'), hint: t('create the server with the host and port you were given.', '用传给你的 host 和 port 创建服务器。'),
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
        expected: t('the server to stop reading from a client that sends 30 MB of requests and reads none of the echoes', '客户端发来 30 MB 请求、一条回显也不读时，服务器停止从它那里读取'),
        actual: t(`it had ${mib(serverSide.bufferedAmount)} queued for that client and was still reading`, `服务器给这个客户端排队了 ${mib(serverSide.bufferedAmount)}，却还在继续读取`),
        hint: t('keep the given limitSendBuffer(socket) line at the top of the "connection" handler.', '保留 "connection" 处理函数开头现成的那行 limitSendBuffer(socket)。'),
      }));
      // What the server had already read is still being answered; let that settle.
      await new Promise((resolve) => setTimeout(resolve, 300));
      peak = Math.max(peak, serverSide.bufferedAmount);
    } finally {
      clearInterval(sampler);
    }
    if (peak > bound) {
      fail({
        expected: t(`the echoes queued for a client that reads nothing to stay under ${mib(bound)}`, `给一个什么都不读的客户端排队的回显不超过 ${mib(bound)}`),
        actual: t(`${mib(peak)} queued in the server's memory for that one client`, `服务器内存里为这一个客户端排队了 ${mib(peak)}`),
        hint: t('a client that sends and never reads makes every echo pile up in the server\'s memory. Keep the given limitSendBuffer(socket) line at the top of the "connection" handler: it stops reading from such a client until it catches up.',
          '一个只发不读的客户端，会让每一条回显都堆在服务器的内存里。保留 "connection" 处理函数开头现成的那行 limitSendBuffer(socket)：它会暂停读取这种客户端，直到它赶上来。'),
      });
    }
    if (!serverSide.isPaused) {
      fail({
        expected: t('the server to have stopped reading from the stalled client', '服务器已经停止读取这个卡住的客户端'),
        actual: t('it is reading again', '它又在读了'),
        hint: t('keep the given limitSendBuffer(socket) line: it pauses the socket and resumes it only once the client has caught up.', '保留现成的那行 limitSendBuffer(socket)：它会暂停这个 socket，等客户端赶上来才恢复读取。'),
      });
    }
    await expectStillServing(net, server.url);
  }, 60_000);

});

describe('the echo client', () => {
  check(t('sends "Hello WebSocket!" and prints "Received: Echo: Hello WebSocket!"', '发送 "Hello WebSocket!"，打印 "Received: Echo: Hello WebSocket!"'), async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settleClient(net, runClient(peer.url, { out }));
      expectClientFinished(outcome, watch, out, t('runClient to send MESSAGE, print the reply, close and resolve', 'runClient 发送 MESSAGE、打印回复、关闭连接，然后 resolve'));
      const connection = await peer.nextConnection();
      const sent = await connection.nextText({ waitingFor: t('the client to send a message', '客户端发来一条消息'), hint: t('send MESSAGE once the connection is open.', '连接打开之后发送 MESSAGE。') });
      expectEqual(sent, MESSAGE, t('the message the client sends', '客户端发送的消息'), t('send the MESSAGE constant, exactly.', '原样发送常量 MESSAGE。'));
      const expected = 'Received: Echo: Hello WebSocket!\n';
      if (out.text !== expected) {
        fail({ expected: t(`the client to print ${show(expected)}`, `客户端打印 ${show(expected)}`), actual: show(out.text), hint: hintForOutput(out.text) });
      }
    });
  });

  check(t('closes with code 1000 and returns only after the close completes', '用关闭码 1000 关闭，等关闭完成后才返回'), async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
    const out = net.output();
    await watchingClient(async (watch) => {
      let serverSideAtReturn: number | undefined;
      const outcome = await settleClient(net, runClient(peer.url, { out }), () => { serverSideAtReturn = peer.connections[0]?.readyState; });
      expectClientFinished(outcome, watch, out, t('runClient to talk to the server, close, and resolve', 'runClient 和服务器对话、关闭连接，然后 resolve'));
      const connection = await peer.nextConnection();
      const closed = await connection.waitClosed({
        waitingFor: t('the client to close the connection', '客户端关闭连接'),
        hint: t('call ws.close(1000) when the conversation is over, and wait for the "close" event.', '对话结束后调用 ws.close(1000)，并等待 "close" 事件。'),
      });
      if (closed.code === 1006) {
        fail({
          expected: t('the client to close with the closing handshake (code 1000)', '客户端走关闭握手来关闭（关闭码 1000）'),
          actual: t('the client dropped the connection without the closing handshake: the server saw code 1006 (abnormal closure), no close frame', '客户端没走关闭握手就断开了连接：服务器看到的是关闭码 1006（异常关闭），没有收到关闭帧'),
          hint: t('code 1006: terminate() instead of close(). ws.terminate() destroys the TCP connection without a close frame; call ws.close(1000), then wait for the "close" event.', '1006 说明用了 terminate() 而不是 close()。ws.terminate() 不发关闭帧就直接销毁 TCP 连接；应该调用 ws.close(1000)，再等 "close" 事件。'),
        });
      }
      if (closed.code !== 1000) {
        fail({ expected: t('the server to see close code 1000 (normal closure)', '服务器看到关闭码 1000（正常关闭）'), actual: t(`code ${closed.code}`, `关闭码 ${closed.code}`), hint: t('call ws.close(1000).', '调用 ws.close(1000)。') });
      }
      // The moment runClient returned, the server must already have had the client's close frame.
      if (serverSideAtReturn === WebSocket.OPEN) {
        fail({
          expected: t('runClient to return only after the closing handshake', 'runClient 在关闭握手完成之后才返回'),
          actual: t('it returned while the connection was still open (the close frame had not even reached the server)', '连接还开着它就返回了（关闭帧甚至还没到服务器）'),
          hint: t('ws.close(1000) only starts the handshake: wait for the "close" event (await once(ws, "close")) before returning.', 'ws.close(1000) 只是开始关闭握手：返回之前要等 "close" 事件（await once(ws, "close")）。'),
        });
      }
    });
  });

  check(t('rejects, instead of waiting forever, when the server closes before replying', '服务器没回复就关闭时，reject 而不是永远等下去'), async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', () => socket.close(1011, 'cannot answer now')));
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settleClient(net, runClient(peer.url, { out }));
      expectClientRejected(outcome, watch, out, t('runClient to reject when the connection closes before the reply arrives', '连接在回复到达之前关闭时，runClient reject'));
      const message = outcome.state === 'rejected' && outcome.error instanceof Error ? outcome.error.message : '';
      if (!message.includes('1011')) {
        fail({
          expected: t('the rejection to say the connection closed, with its code (1011)', 'reject 的错误说明连接关闭了，并带上关闭码（1011）'),
          actual: t(`it rejected with ${describeError(outcome.state === 'rejected' ? outcome.error : undefined)}`, `它 reject 的是 ${describeError(outcome.state === 'rejected' ? outcome.error : undefined)}`),
          hint: t('when "close" comes before the reply, reject with an Error that says so, with the close code: new Error(`connection closed (code ${code}) before a reply arrived`).', '"close" 比回复先到时，用一个说明情况、带关闭码的 Error 来 reject：new Error(`connection closed (code ${code}) before a reply arrived`)。'),
        });
      }
      if (out.text.includes('Received:')) {
        fail({ expected: t('the client to print no reply (there was none)', '客户端不打印回复（根本没有回复）'), actual: show(out.text), hint: t('print only a message that actually arrived.', '只打印真正收到的消息。') });
      }
    });
  });

  check(t('rejects with the error, instead of crashing, when the server sends a malformed frame', '服务器发来格式错误的帧时，用这个错误 reject，而不是崩溃'), async ({ net }) => {
    const peer = await net.peer();
    // A masked frame from a server breaks RFC 6455 §5.1: ws on the client side reports an error.
    peer.wss.on('connection', (socket) => socket.on('message', () => tcpSocket(socket).write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68, 0x69]))));
    const out = net.output();
    await watchingClient(async (watch) => {
      const outcome = await settleClient(net, runClient(peer.url, { out }));
      expectClientRejected(outcome, watch, out, t('runClient to reject with the error ws reports for a malformed frame', 'runClient 用 ws 针对格式错误的帧报告的错误来 reject'));
      const error = outcome.state === 'rejected' ? outcome.error : undefined;
      if (!(error instanceof Error) || !error.message.includes('MASK must be clear')) {
        fail({
          expected: t('the rejection to be the error ws reported ("Invalid WebSocket frame: MASK must be clear")', 'reject 的就是 ws 报告的那个错误（"Invalid WebSocket frame: MASK must be clear"）'),
          actual: t(`it rejected with ${describeError(error)}`, `它 reject 的是 ${describeError(error)}`),
          hint: t('while you wait for the reply, listen for "error" too and reject with that error (reject(error)), so the caller learns what went wrong.', '等回复的同时也要监听 "error"，并用这个错误 reject（reject(error)），让调用者知道出了什么问题。'),
        });
      }
    });
  });
});

describe('the programs', () => {
  check(t('run from the command line: the server, then the client against it; 127.0.0.1 by default', '从命令行运行：先启动服务器，再让客户端连上它；默认只监听 127.0.0.1'), async ({ net }) => {
    // Called with no host, as a script of yours might: it must not listen on every interface.
    await expectLoopbackByDefault(net, () => createServer({ port: 0, log: () => {} }));

    const { server, url: listening } = await startServerProgram(net, HERE, 'Echo server');
    const client = runProgram(net, HERE, ['client.ts', listening]);
    const clientExit = await doneAndExited(net, client, 'Received: Echo: Hello WebSocket!\n', `npx tsx client.ts ${listening}`);
    if (clientExit !== 0 || client.stdout() !== 'Received: Echo: Hello WebSocket!\n') {
      fail({
        expected: t(`\`npx tsx client.ts ${listening}\` to print "Received: Echo: Hello WebSocket!" and exit with code 0`, `\`npx tsx client.ts ${listening}\` 打印 "Received: Echo: Hello WebSocket!" 并以退出码 0 结束`),
        actual: programSaid(client),
        hint: t('the client checks above say more. Keep the last line of client.ts as given (runClientProgram), print to `out`, and let runClient resolve once the connection has closed, with no timer or socket left behind.', '上面客户端的检查说得更详细。保留 client.ts 原有的最后一行（runClientProgram），打印到 `out`，连接关闭后让 runClient resolve，不留下任何定时器或 socket。'),
      });
    }
    server.kill('SIGTERM');
    await exited(net, server, t('the server program, after SIGTERM (Ctrl+C),', '服务器程序收到 SIGTERM（Ctrl+C）后'));

    const nowhere = `ws://127.0.0.1:${await closedPort()}`;
    const refused = runProgram(net, HERE, ['client.ts', nowhere]);
    const refusedExit = await exited(net, refused, t(`\`npx tsx client.ts ${nowhere}\` (where nothing listens)`, `\`npx tsx client.ts ${nowhere}\`（那里没有服务器在监听）`));
    if (refusedExit !== 1 || !/^Echo client: .*ECONNREFUSED/m.test(refused.stderr())) {
      fail({
        expected: t(`\`npx tsx client.ts ${nowhere}\`, where nothing listens, to say "Echo client: connect ECONNREFUSED …" and exit with code 1`, `\`npx tsx client.ts ${nowhere}\`（那里没有服务器）输出 "Echo client: connect ECONNREFUSED …" 并以退出码 1 结束`),
        actual: programSaid(refused),
        hint: t('let runClient reject with the connection error (await once(ws, "open") rejects when "error" comes first); the given last line of client.ts prints it.', '让 runClient 用连接错误 reject（"error" 先来时，await once(ws, "open") 就会 reject）；client.ts 原有的最后一行会把它打印出来。'),
      });
    }

    // Importing server.ts (as the checks and `npm run play` do) must not start a server by itself.
    await importStartsNothing(net, HERE, ['server.ts'], { PORT: '0' }, t('keep the `if (isMain(import.meta.url))` guard on the last line of server.ts: only running the file as a program starts the server.', '保留 server.ts 最后一行的 `if (isMain(import.meta.url))` 判断：只有把文件当作程序运行时，才启动服务器。'));
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
  const next = await net.connect(url, { label: t('the next client', '下一个客户端') });
  next.send('still there?');
  expectEqual(await next.nextText({ waitingFor: t('the echo to the next client', '给下一个客户端的回显') }), 'Echo: still there?', t('the reply to the next client', '给下一个客户端的回复'), t('one broken client must not stop the server from serving the others.', '一个出问题的客户端不能让服务器停止为其他客户端服务。'));
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
    expected: t('ws.send() only once the connection is open', '连接打开之后才调用 ws.send()'),
    actual: t(`ws.send() ran while the socket was still CONNECTING (at ${where}); it throws "WebSocket is not open: readyState 0 (CONNECTING)"`, `ws.send() 在 socket 还处于 CONNECTING 时就执行了（在 ${where}）；它会抛出 "WebSocket is not open: readyState 0 (CONNECTING)"`),
    hint: t('new WebSocket(url) returns before the handshake is done. Wait for the "open" event first: await once(ws, "open") (once from node:events), then send.', 'new WebSocket(url) 在握手完成之前就返回了。先等 "open" 事件：await once(ws, "open")（once 来自 node:events），再发送。'),
  });
}

/** What to fix, judged from the error runClient rejected with. */
function hintForError(error: unknown): Text {
  const message = error instanceof Error ? error.message : String(error);
  if (/not open: readyState 0/.test(message)) return t('ws.send() ran while the socket was still CONNECTING: wait for "open" (await once(ws, "open")) before you send.', 'ws.send() 在 socket 还处于 CONNECTING 时就执行了：发送之前先等 "open"（await once(ws, "open")）。');
  if (/closed before the connection was established/.test(message)) return t('ws.close() ran while the socket was still CONNECTING: something before `await once(ws, "open")` failed or returned early.', 'ws.close() 在 socket 还处于 CONNECTING 时就执行了：`await once(ws, "open")` 之前有代码出错了，或者提前返回了。');
  if (/not open: readyState [23]/.test(message)) return t('ws.send() ran after the connection had started closing: send before you call close().', 'ws.send() 在连接已经开始关闭之后才执行：要在调用 close() 之前发送。');
  return t('the first line of the stack below that points into client.ts is where it went wrong.', '下面调用栈里第一行指向 client.ts 的位置，就是出错的地方。');
}

function rethrowTodo(outcome: ClientOutcome): void {
  if (outcome.state === 'rejected' && outcome.error instanceof Error && outcome.error.name === 'TodoError') throw outcome.error;
}

/** Fails with a learner-facing message unless runClient resolved. */
function expectClientFinished(outcome: ClientOutcome, watch: ClientWatch, out: Output, task: Text): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'resolved':
      return;
    case 'rejected':
      return fail({ expected: task, actual: t(`runClient rejected with ${describeError(outcome.error)}`, `runClient reject 了：${describeError(outcome.error)}`), hint: hintForError(outcome.error) });
    case 'crashed':
      return fail({
        expected: task,
        actual: t(`an error that nothing caught (a real program would stop here): ${outcome.message}`, `一个没人捕获的异常（真实的程序会在这里停掉）：${outcome.message}`),
        hint: t('await every promise you create, and keep an "error" listener on the socket while you wait (once(ws, "open") and once(ws, "message") bring one).', '你创建的每个 promise 都要 await，等待期间 socket 上要一直有 "error" 监听器（once(ws, "open") 和 once(ws, "message") 自带一个）。'),
      });
    case 'pending':
      return fail({
        expected: t(`${task}, within ${WAIT_MS} ms`, `${task}，在 ${WAIT_MS} 毫秒之内`),
        actual: out.text ? t(`runClient was still waiting; it had printed ${show(out.text)}`, `runClient 还在等；它已经打印了 ${show(out.text)}`) : t('runClient was still waiting; it had printed nothing', 'runClient 还在等；它什么也没打印'),
        hint: out.text.includes('Received:')
          ? t('after printing, close with ws.close(1000) and wait for the "close" event: listen first (const closed = once(ws, "close")), then close, then await closed.', '打印之后用 ws.close(1000) 关闭，并等待 "close" 事件：先监听（const closed = once(ws, "close")），再关闭，然后 await closed。')
          : t('wait for "open", then send MESSAGE, then wait for the reply ("message"). Listen for the reply before or right after you send, never after another await.', '先等 "open"，再发送 MESSAGE，然后等回复（"message"）。在发送之前或刚发送之后就开始监听回复，绝不要隔着另一个 await。'),
      });
  }
}

/** Fails with a learner-facing message unless runClient rejected (without crashing or hanging). */
function expectClientRejected(outcome: ClientOutcome, watch: ClientWatch, out: Output, task: Text): void {
  rethrowTodo(outcome);
  expectNoEarlySend(watch);
  switch (outcome.state) {
    case 'rejected':
      return;
    case 'resolved':
      return fail({
        expected: task,
        actual: out.text ? t(`runClient resolved as if all went well; it printed ${show(out.text)}`, `runClient 像一切正常那样 resolve 了；它打印了 ${show(out.text)}`) : t('runClient resolved as if all went well; it printed nothing', 'runClient 像一切正常那样 resolve 了；它什么也没打印'),
        hint: t('when the connection ends (or fails) before the reply, reject: the caller must learn that the echo never came.', '连接在回复到来之前结束（或出错）时，要 reject：调用者必须知道回显根本没来。'),
      });
    case 'crashed':
      return fail({
        expected: task,
        actual: t(`an "error" event that nothing listened for, which Node turns into an uncaught exception: a real program would stop here (${outcome.message})`, `一个没人监听的 "error" 事件，Node 会把它变成未捕获的异常：真实的程序会在这里停掉（${outcome.message}）`),
        hint: t('while you wait for the reply, listen for "error" as well as "message" and "close", and reject with the error.', '等回复的时候，除了 "message" 和 "close"，也要监听 "error"，并用这个错误 reject。'),
      });
    case 'pending':
      return fail({
        expected: t(`${task}, within ${WAIT_MS} ms`, `${task}，在 ${WAIT_MS} 毫秒之内`),
        actual: t('runClient was still waiting for a reply that can never come', 'runClient 还在等一个永远不会来的回复'),
        hint: t('while you wait for the reply, listen for "close" too: reject when the connection ends first. And if the socket is already CLOSED, do not wait for another "close" event.', '等回复的时候也要监听 "close"：连接先结束就 reject。如果 socket 已经是 CLOSED 状态，就别再等下一个 "close" 事件了。'),
      });
  }
}

/** What to fix, judged from what the client printed. */
function hintForOutput(printed: string): Text {
  if (/^Received: .*,(true|false)\n?$/s.test(printed)) {
    return t('once(ws, "message") resolves to an array of the event\'s arguments, [data, isBinary]: printing it prints both. Take the first: const [data] = await once(ws, "message"), then data.toString().',
      'once(ws, "message") resolve 的是事件参数组成的数组 [data, isBinary]：直接打印会把两个都打出来。取第一个：const [data] = await once(ws, "message")，再用 data.toString()。');
  }
  if (printed.includes('<Buffer')) return t('a message arrives as a Buffer: decode it with data.toString() before you print it.', '消息到达时是一个 Buffer：打印之前先用 data.toString() 解码。');
  if (printed.includes('Promise {') || printed.includes('[object Promise]')) return t('a Promise was printed instead of its value: an `await` is missing.', '打印出来的是 Promise 本身而不是它的值：少了一个 `await`。');
  if (printed.includes('[object Object]')) return t('an object was printed instead of the text: print data.toString() of the message.', '打印出来的是对象而不是文本：要打印消息的 data.toString()。');
  return t('write `Received: ${reply}` and a newline to the `out` stream you were given (out.write), not console.log.', '把 `Received: ${reply}` 加一个换行写到传给你的 `out` 流里（out.write），不要用 console.log。');
}

// --- the files as programs ---------------------------------------------------------------------

const HERE = dirname(fileURLToPath(import.meta.url));

