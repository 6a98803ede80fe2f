// Self-checks for lesson 02. Run: npm run check lesson-02
// Each check starts your code for real, on 127.0.0.1 with a free port.
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, fail, show, t, tcpSocket, WAIT_MS, type Endpoint, type Harness, type Outcome, type Peer, type Text, verbatim } from '../../checks/harness.ts';
import { messages, type Message, type MessageIterator } from './messages.ts';
import { createServer, MAX_MESSAGE_BYTES } from './server.ts';
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
async function nextOf(net: Harness, incoming: MessageIterator, waitingFor: Text, hint: Text, within = WAIT_MS): Promise<Outcome<IteratorResult<Message, undefined>>> {
  return net.settle(incoming.next(), within, () => ({ expected: t(`next() to give ${waitingFor} within ${within} ms`, `next() 在 ${within} 毫秒内给出 ${waitingFor}`), actual: t('next() was still waiting', 'next() 还在等'), hint }));
}

async function nextValue(net: Harness, incoming: MessageIterator, waitingFor: Text, hint: Text, within?: number): Promise<Message> {
  const outcome = await nextOf(net, incoming, waitingFor, hint, within);
  if (outcome.kind === 'error') fail({ expected: t(`next() to give ${waitingFor}`, `next() 给出 ${waitingFor}`), actual: t(`it rejected: ${String(outcome.error)}`, `它 reject 了：${String(outcome.error)}`), hint });
  if (outcome.value.done) fail({ expected: t(`next() to give ${waitingFor}`, `next() 给出 ${waitingFor}`), actual: t('it said done (end of the messages)', '它说 done 了（消息已经结束）'), hint });
  return outcome.value.value;
}

/** `when`: t('after a break', '在 break 之后'). */
async function expectDone(net: Harness, incoming: MessageIterator, when: Text, hint: Text): Promise<void> {
  const outcome = await nextOf(net, incoming, t(`{ done: true } ${when}`, `表示结束的 { done: true }（${when}）`), hint);
  const expected = t(`next() to resolve with { done: true } ${when}`, `${when}，next() 以 { done: true } resolve`);
  if (outcome.kind === 'error') fail({ expected, actual: t(`it rejected: ${String(outcome.error)}`, `它 reject 了：${String(outcome.error)}`), hint });
  if (!outcome.value.done) fail({ expected, actual: t(`another message: ${show(outcome.value.value)}`, `又来了一条消息：${show(outcome.value.value)}`), hint });
}

/** Writes bytes straight onto a socket's TCP connection, bypassing ws's framing. */
function writeRaw(ws: WebSocket, bytes: number[]): void {
  tcpSocket(ws).write(Buffer.from(bytes));
}
// A text frame (0x81) of 2 bytes that are not UTF-8. Unmasked: fine from a server, a protocol
// error from a client (clients must mask), so either way the receiving ws emits 'error'.
const INVALID_FRAME = [0x81, 0x02, 0xff, 0xfe];

const HINT_LISTEN_AT_ONCE = t('attach the "message" listener inside messages() itself, before it returns, not in next(): an event that fires while nobody listens is gone for good.',
  '在 messages() 里、它返回之前就挂上 "message" 监听器，不要等到 next() 里才挂：没人监听时触发的事件就永远丢了。');
const HINT_CLOSE = t('listen for "close" in messages(): settle every waiting next() with { value: undefined, done: true }, and answer later calls the same way once the queue is empty.',
  '在 messages() 里监听 "close"：用 { value: undefined, done: true } 了结每一个正在等的 next()，队列空了以后，之后的调用也都这样回答。');
const HINT_ERROR = t('listen for "error" in messages(): reject the waiting next() with that error (or keep it for the next call), and say done after that.',
  '在 messages() 里监听 "error"：用这个错误 reject 正在等的 next()（没人在等就先存着，留给下一次调用），之后就说 done。');
const HINT_WAITERS = t('keep every waiting caller in a list (a queue of { resolve, reject }): each message settles the oldest one, and "close" settles them all. One variable remembers only the last caller, and the others wait for ever.',
  '把每个正在等的调用者都放进一个列表（{ resolve, reject } 组成的队列）：每来一条消息就了结最早的那个，"close" 则把它们全部了结。只用一个变量的话，它只记得最后一个调用者，其余的会永远等下去。');

describe('messages(socket): the Python tutorial\'s recv() and async for', () => {
  check(t('yields each text message as a string, in order', '按顺序把每条文本消息作为字符串交出'), async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    const texts = ['one', '二', 'three 🚀', ''];
    for (const text of texts) server.send(text);
    for (const text of texts) {
      const value = await nextValue(net, incoming, show(text), t('push each message into a queue in the "message" listener, and let next() take the oldest first. Text frames become strings: data.toString().', '在 "message" 监听器里把每条消息放进队列，让 next() 先取最早的那条。文本帧要变成字符串：data.toString()。'));
      expectEqual(value, text, t('the next message', '下一条消息'), t('decode a text frame with data.toString() and keep the order they arrived in.', '用 data.toString() 解码文本帧，并保持它们到达的顺序。'));
    }
  });

  check(t('yields a binary message as a Buffer', '把二进制消息作为 Buffer 交出'), async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    server.send(Buffer.from([0, 1, 2, 255]));
    const value = await nextValue(net, incoming, t('the binary message', '那条二进制消息'), t('binary frames are messages too: queue them like text.', '二进制帧也是消息：像文本一样放进队列。'));
    if (!Buffer.isBuffer(value) || !value.equals(Buffer.from([0, 1, 2, 255]))) {
      fail({ expected: t('a Buffer holding the bytes 00 01 02 ff', '一个装着字节 00 01 02 ff 的 Buffer'), actual: show(value), hint: t('when isBinary is true, keep the data as a Buffer (Buffer.concat if ws gives an array): those bytes are not text.', 'isBinary 为 true 时，数据保持为 Buffer（ws 给的是数组就用 Buffer.concat）：这些字节不是文本。') });
    }
  });

  check(t('keeps a burst that arrives before anyone calls next()', '在还没人调用 next() 时就涌来的一批消息，一条也不丢'), async ({ net }) => {
    const peer = await net.peer();
    const burst = Array.from({ length: 50 }, (_, i) => `burst ${i + 1}`);
    // The peer sends everything the moment the connection opens.
    peer.wss.on('connection', (socket) => { for (const text of burst) socket.send(text); });
    const { incoming, arrived } = clientWithMessages(net, peer.url);
    await net.waitUntil(() => arrived() === burst.length, WAIT_MS, () => ({
      expected: t(`the ${burst.length} messages to reach the client socket`, `这 ${burst.length} 条消息都到达客户端 socket`), actual: t(`${arrived()} arrived`, `到了 ${arrived()} 条`), hint: t('the test server sent them; is something pausing the socket for good?', '测试服务器已经发出了它们；是不是有什么把 socket 永久暂停了？'),
    }));
    // Only now, with all 50 already delivered to the socket, does anyone ask for them.
    for (const [i, text] of burst.entries()) {
      const value = await nextValue(net, incoming, t(`${show(text)}, which arrived before next() was called`, `${show(text)}（它在调用 next() 之前就到了）`), HINT_LISTEN_AT_ONCE, i === 0 ? 1000 : WAIT_MS);
      expectEqual(value, text, t(`message ${i + 1} of the burst`, `这批消息的第 ${i + 1} 条`), t('keep every message in the queue, oldest first, until next() takes it.', '每条消息都留在队列里，最早的在前，直到 next() 把它取走。'));
    }
  });

  check(t('ends the iteration when the connection closes, after the queued messages', '连接关闭时，交完队列里的消息再结束迭代'), async ({ net }) => {
    const peer = await net.peer();
    const { ws, incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    server.send('a');
    server.send('b');
    await server.close(1000);
    await net.waitUntil(() => ws.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: t('the client socket to close', '客户端 socket 关闭'), actual: t(`readyState ${ws.readyState}`, `readyState 是 ${ws.readyState}`), hint: t('the test server closed the connection.', '测试服务器已经关闭了连接。') }));
    const seen: Message[] = [];
    const loop = (async () => { for await (const message of incoming) seen.push(message); })();
    const outcome = await net.settle(loop, WAIT_MS, () => ({
      expected: t('the for await loop to end once the connection closed', '连接关闭后 for await 循环结束'), actual: t(`it received ${show(seen)} and then kept waiting`, `它收到了 ${show(seen)}，然后一直在等`), hint: HINT_CLOSE,
    }));
    if (outcome.kind === 'error') fail({ expected: t('the loop to end quietly on a normal close (code 1000)', '正常关闭（关闭码 1000）时循环安静地结束'), actual: t(`it threw ${String(outcome.error)}`, `它抛出了 ${String(outcome.error)}`), hint: t('a close is the end of the messages, not an error: resolve with { done: true }.', '关闭是消息的结束，不是错误：用 { done: true } resolve。') });
    expectEqual(seen, ['a', 'b'], t('the messages the loop saw', '循环收到的消息'), t('deliver everything queued before the close, then end.', '先交出关闭之前排队的所有消息，再结束。'));
    await expectDone(net, incoming, t('on every call after the end', '结束之后的每一次调用'), t('remember that the connection ended: a later next() must not wait for ever.', '记住连接已经结束了：之后的 next() 不能永远等下去。'));
  });

  check(t('settles a waiting next() with done when the connection closes', '连接关闭时，用 done 了结正在等的 next()'), async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    const waiting = incoming.next();
    await server.close(1000);
    const outcome = await net.settle(waiting, WAIT_MS, () => ({ expected: t('the waiting next() to resolve with { done: true } when the connection closed', '连接关闭时，正在等的 next() 以 { done: true } resolve'), actual: t('it was still waiting', '它还在等'), hint: HINT_CLOSE }));
    if (outcome.kind === 'error') fail({ expected: t('the waiting next() to resolve with { done: true } on a normal close', '正常关闭时，正在等的 next() 以 { done: true } resolve'), actual: t(`it rejected: ${String(outcome.error)}`, `它 reject 了：${String(outcome.error)}`), hint: t('a close is the end of the messages, not an error.', '关闭是消息的结束，不是错误。') });
    if (!outcome.value.done) fail({ expected: t('the waiting next() to resolve with { done: true }', '正在等的 next() 以 { done: true } resolve'), actual: show(outcome.value), hint: HINT_CLOSE });
  });

  check(t('rejects the waiting next() when the connection fails', '连接出错时，reject 正在等的 next()'), async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    const waiting = incoming.next();
    writeRaw(server.ws, INVALID_FRAME); // a text frame that is not UTF-8: the client's ws emits 'error'
    const outcome = await net.settle(waiting, WAIT_MS, () => ({ expected: t('the waiting next() to reject when the socket emitted "error"', 'socket 触发 "error" 时，正在等的 next() 被 reject'), actual: t('it was still waiting', '它还在等'), hint: HINT_ERROR }));
    if (outcome.kind === 'value') {
      fail({ expected: t('the waiting next() to reject with the socket\'s error (an invalid frame arrived)', '正在等的 next() 用 socket 的错误 reject（来了一个非法帧）'), actual: t(`it resolved with ${show(outcome.value)}`, `它 resolve 了：${show(outcome.value)}`), hint: HINT_ERROR });
    }
    if (!(outcome.error instanceof Error)) fail({ expected: t('next() to reject with the Error ws emitted', 'next() 用 ws 触发的那个 Error 来 reject'), actual: show(outcome.error), hint: t('pass the error from the "error" event on to reject().', '把 "error" 事件给的错误原样交给 reject()。') });
    await expectDone(net, incoming, t('after the error was reported', '报告了错误之后'), t('report the error once; after that the messages are over.', '错误只报告一次；之后消息就结束了。'));
  });

  check(t('reports an error that happened while nobody waited, after the queued messages', '没人在等时发生的错误，在交完队列里的消息之后报告'), async ({ net }) => {
    const peer = await net.peer();
    const { ws, incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    server.send('before the failure');
    writeRaw(server.ws, INVALID_FRAME);
    await net.waitUntil(() => ws.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: t('the client socket to close after the invalid frame', '收到非法帧之后客户端 socket 关闭'), actual: t(`readyState ${ws.readyState}`, `readyState 是 ${ws.readyState}`), hint: t('ws closes a connection that sent an invalid frame (code 1007).', 'ws 会关闭发来非法帧的连接（关闭码 1007）。') }));
    const first = await nextValue(net, incoming, t('"before the failure", which arrived before the error', '"before the failure"（它在错误之前就到了）'), t('messages queued before the error are still delivered, first.', '错误之前排队的消息照样要交出，而且先交。'));
    expectEqual(first, 'before the failure', t('the queued message', '排队的消息'), t('deliver the queue first.', '先交出队列里的消息。'));
    const outcome = await nextOf(net, incoming, t('the stored error', '存下来的错误'), HINT_ERROR);
    if (outcome.kind === 'value') fail({ expected: t('the next call to reject with the error that happened while nobody waited', '下一次调用用“没人在等时发生的那个错误”reject'), actual: t(`it resolved with ${show(outcome.value)}`, `它 resolve 了：${show(outcome.value)}`), hint: HINT_ERROR });
    await expectDone(net, incoming, t('after the error was reported', '报告了错误之后'), t('report the error once; after that the messages are over.', '错误只报告一次；之后消息就结束了。'));
  });

  check(t('stops reading from the network while too many messages wait, and reads on when they are taken', '等待的消息太多时停止从网络读取，消息被取走后继续读'), async ({ net }) => {
    const peer = await net.peer();
    const total = 500;
    peer.wss.on('connection', (socket) => { for (let i = 1; i <= total; i += 1) socket.send(`m${i}`); });
    const { ws, incoming } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    await net.waitUntil(() => ws.isPaused, WAIT_MS, () => ({
      expected: t('socket.isPaused to become true with 8 (the highWaterMark) or more messages waiting unread', '有 8 条（highWaterMark）或更多消息没读时，socket.isPaused 变为 true'),
      actual: t('the socket was never paused', 'socket 一直没有暂停'),
      hint: t('when the queue reaches highWaterMark, call socket.pause(): otherwise a fast sender fills your memory.', '队列达到 highWaterMark 时调用 socket.pause()：不然一个发得快的对端会塞满你的内存。'),
    }));
    for (let i = 1; i <= total; i += 1) {
      const value = await nextValue(net, incoming, verbatim(`"m${i}"`), t('once the queue is down to half the highWaterMark, call socket.resume() so the rest can arrive.', '队列降到 highWaterMark 的一半时调用 socket.resume()，剩下的消息才能进来。'));
      if (value !== `m${i}`) expectEqual(value, `m${i}`, t(`message ${i}`, `第 ${i} 条消息`), t('keep the order while pausing and resuming.', '暂停和恢复时都要保持顺序。'));
    }
    if (ws.isPaused) fail({ expected: t('the socket to be reading again once the queue was empty', '队列空了以后 socket 重新开始读取'), actual: t('socket.isPaused is still true', 'socket.isPaused 仍然是 true'), hint: t('call socket.resume() when the queue drains.', '队列清空时调用 socket.resume()。') });
  });

  check(t('a break out of for await removes its listeners', '用 break 跳出 for await 时移除它加上的监听器'), async ({ net }) => {
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
    await net.settle(loop, WAIT_MS, () => ({ expected: t('the loop to get "first" and break', '循环拿到 "first" 然后 break'), actual: t('it was still waiting', '它还在等'), hint: t('next() must give queued messages.', 'next() 必须交出排队的消息。') }));
    const after = { message: ws.listenerCount('message'), close: ws.listenerCount('close'), error: ws.listenerCount('error') };
    expectEqual(after, before, t('the listener counts on the socket after the break', 'break 之后 socket 上的监听器数量'), t('return() is what `break` calls: remove the listeners you added (socket.off with the same functions), or every loop leaks three listeners.', '`break` 调用的就是 return()：在里面移除你加上的监听器（用同样的函数调用 socket.off），否则每个循环都会泄漏三个监听器。'));
    await expectDone(net, incoming, t('after a break', '在 break 之后'), t('after return(), every next() says done.', 'return() 之后，每一次 next() 都说 done。'));
  });

  check(t('a break hands back a socket it had paused, reading again', 'break 时把自己暂停过的 socket 恢复读取后再交还'), async ({ net }) => {
    const peer = await net.peer();
    const total = 400;
    // 3 MB in all: many network reads, so a paused socket really holds most of it back.
    const filler = 'x'.repeat(8 * 1024);
    peer.wss.on('connection', (socket) => { for (let i = 1; i <= total; i += 1) socket.send(`m${i} ${filler}`); });
    const { ws, incoming, arrived } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    await net.waitUntil(() => ws.isPaused, WAIT_MS, () => ({
      expected: t('socket.isPaused to become true with 8 (the highWaterMark) messages waiting unread', '有 8 条（highWaterMark）消息没读时，socket.isPaused 变为 true'), actual: t('the socket was never paused', 'socket 一直没有暂停'), hint: t('when the queue reaches highWaterMark, call socket.pause().', '队列达到 highWaterMark 时调用 socket.pause()。'),
    }));
    const loop = (async () => { for await (const message of incoming) { void message; break; } })();
    await net.settle(loop, WAIT_MS, () => ({ expected: t('the loop to get the first message and break', '循环拿到第一条消息然后 break'), actual: t('it was still waiting', '它还在等'), hint: t('next() must give queued messages.', 'next() 必须交出排队的消息。') }));
    const atBreak = arrived();
    // After the break the socket is the caller's: its own listener (the check's) must get the rest.
    await net.waitUntil(() => arrived() === total, WAIT_MS, () => ({
      expected: t(`the socket to deliver all ${total} messages to its other listener once the loop broke out`, `循环 break 之后，socket 把全部 ${total} 条消息交给它的另一个监听器`),
      actual: t(`${arrived()} arrived (${atBreak} before the break), and socket.isPaused is ${ws.isPaused}`, `到了 ${arrived()} 条（break 之前 ${atBreak} 条），socket.isPaused 是 ${ws.isPaused}`),
      hint: t('return() (what `break` calls) must call socket.resume() if messages() paused the socket: a socket left paused never delivers another message, to anyone.', '如果 messages() 暂停过 socket，return()（`break` 调用的就是它）必须调用 socket.resume()：一直暂停着的 socket 再也不会把消息交给任何人。'),
    }));
  });

  check(t('pauses when exactly highWaterMark messages wait, and resumes once half of them are taken', '恰好有 highWaterMark 条消息在等时暂停，取走一半之后恢复'), async ({ net }) => {
    const peer = await net.peer();
    const { ws, incoming, arrived } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    const server = await peer.nextConnection();
    const filler = 'x'.repeat(1024);
    let sent = 0;
    const sendUpTo = async (count: number): Promise<void> => {
      while (sent < count) { sent += 1; server.send(`m${sent} ${filler}`); }
      await net.waitUntil(() => arrived() === count, WAIT_MS, () => ({
        expected: t(`${count} messages to reach the client socket`, `${count} 条消息到达客户端 socket`), actual: t(`${arrived()} arrived; socket.isPaused is ${ws.isPaused}`, `到了 ${arrived()} 条；socket.isPaused 是 ${ws.isPaused}`), hint: t('pause only once highWaterMark messages wait unread, not before.', '只在有 highWaterMark 条消息没读时才暂停，不要更早。'),
      }));
    };
    await sendUpTo(7);
    if (ws.isPaused) {
      fail({ expected: t('the socket to keep reading with 7 messages waiting (highWaterMark is 8)', '有 7 条消息在等时 socket 继续读取（highWaterMark 是 8）'), actual: t('socket.isPaused is true', 'socket.isPaused 是 true'), hint: t('pause when queue.length reaches highWaterMark (>=), not earlier: below the mark the queue is doing its job.', '在 queue.length 达到 highWaterMark（>=）时暂停，不要更早：没到这个水位，队列就是在正常干活。') });
    }
    await sendUpTo(8);
    if (!ws.isPaused) {
      fail({ expected: t('the socket to be paused as soon as 8 messages (the highWaterMark) wait unread', '一有 8 条（highWaterMark）消息没读，socket 就暂停'), actual: t('socket.isPaused is false', 'socket.isPaused 是 false'), hint: t('in the "message" listener, after queueing: if (queue.length >= highWaterMark) socket.pause().', '在 "message" 监听器里，放进队列之后：if (queue.length >= highWaterMark) socket.pause()。') });
    }
    // Sent while reading is paused: they stay in the network until it resumes.
    while (sent < 12) { sent += 1; server.send(`m${sent} ${filler}`); }
    for (let taken = 1; taken <= 4; taken += 1) {
      const result = await incoming.next(); // queued: settles at once
      expectEqual(result.value, `m${taken} ${filler}`, t(`queued message ${taken}`, `排队的第 ${taken} 条消息`), t('next() takes the oldest queued message.', 'next() 取走排队最久的那条消息。'));
      const waiting = 8 - taken;
      if (ws.isPaused !== waiting > 4) {
        fail({
          expected: waiting > 4
            ? t(`the socket still paused with ${waiting} messages waiting (highWaterMark 8: resume at half of it, 4)`, `有 ${waiting} 条消息在等时 socket 仍然暂停（highWaterMark 是 8：降到一半，也就是 4 时才恢复）`)
            : t(`the socket reading again with ${waiting} messages waiting (highWaterMark 8: resume at half of it, 4)`, `有 ${waiting} 条消息在等时 socket 已经恢复读取（highWaterMark 是 8：降到一半，也就是 4 时恢复）`),
          actual: t(`socket.isPaused is ${ws.isPaused}`, `socket.isPaused 是 ${ws.isPaused}`),
          hint: t('in next(), after taking a message: if you paused the socket and queue.length <= highWaterMark / 2, socket.resume(). Resuming earlier pauses and resumes on every message; later keeps the reader waiting.', '在 next() 里取走一条消息之后：如果是你暂停的 socket，并且 queue.length <= highWaterMark / 2，就 socket.resume()。恢复得早了，每条消息都会暂停一次、恢复一次；恢复得晚了，读的一方就得干等。'),
        });
      }
    }
    for (let i = 5; i <= 12; i += 1) {
      const value = await nextValue(net, incoming, verbatim(`"m${i} …"`), t('once reading resumes, the messages held back in the network arrive: keep taking them in order.', '恢复读取之后，积压在网络里的消息就会到来：继续按顺序取。'));
      expectEqual(value, `m${i} ${filler}`, t(`message ${i}`, `第 ${i} 条消息`), t('keep the order while pausing and resuming.', '暂停和恢复时都要保持顺序。'));
    }
  });

  check(t('leaves alone a pause that is not its own', '不去动别人做的暂停'), async ({ net }) => {
    // Other code may pause the socket too (lesson 05's limitSendBuffer does, for a client that
    // does not read its replies): messages() may resume only a pause it made itself.
    const peer = await net.peer();
    const { ws, incoming, arrived } = clientWithMessages(net, peer.url, { highWaterMark: 8 });
    const server = await peer.nextConnection();
    let sent = 0;
    const sendUpTo = async (count: number): Promise<void> => {
      while (sent < count) { sent += 1; server.send(`m${sent}`); }
      await net.waitUntil(() => arrived() === count, WAIT_MS, () => ({ expected: t(`${count} messages to reach the client socket`, `${count} 条消息到达客户端 socket`), actual: t(`${arrived()} arrived`, `到了 ${arrived()} 条`), hint: t('take messages from the queue in next(); resume a socket you paused once half of the mark is left.', '在 next() 里从队列取消息；你暂停的 socket，降到水位的一半时要恢复。') }));
    };
    const take = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i += 1) await nextValue(net, incoming, t('a queued message', '一条排队的消息'), t('next() takes the oldest queued message.', 'next() 取走排队最久的那条消息。'));
    };
    const expectStillPaused = (when: Text): void => {
      if (!ws.isPaused) {
        fail({
          expected: t(`the socket to stay paused ${when}: the program paused it, not messages()`, `${when}，socket 仍然暂停：暂停它的是程序，不是 messages()`),
          actual: t('messages() resumed it', 'messages() 把它恢复了'),
          hint: t('resume only a pause of your own: set a flag (pausedByUs = true) when you call socket.pause(), resume in next() or return() only while it is set, and clear it when you resume.', '只恢复你自己做的暂停：调用 socket.pause() 时设一个标志（pausedByUs = true），只有它为 true 时才在 next() 或 return() 里恢复，恢复时把它清掉。'),
        });
      }
    };
    await sendUpTo(2);
    ws.pause();
    await take(1);
    expectStillPaused(t('after next() took a message', 'next() 取走一条消息之后'));
    ws.resume();
    await take(1);
    // A pause of its own (8 waiting), resumed at half, then drained.
    await sendUpTo(10);
    await take(8);
    await sendUpTo(12);
    ws.pause();
    await take(1);
    expectStillPaused(t('after next() took a message, once its own pause was over', '它自己的暂停结束之后，next() 又取走一条消息时'));
    for await (const message of incoming) { void message; break; }
    expectStillPaused(t('after a break', '在 break 之后'));
    ws.resume();
  });

  check(t('accepts highWaterMark 1 and refuses one that is not a whole number of at least 1', '接受 highWaterMark 为 1，拒绝不是大于等于 1 的整数的值'), async ({ net }) => {
    const peer = await net.peer();
    // 1 is the smallest sensible mark: every unread message pauses reading.
    const { incoming } = clientWithMessages(net, peer.url, { highWaterMark: 1 });
    const server = await peer.nextConnection();
    for (const text of ['a', 'b', 'c']) server.send(text);
    for (const text of ['a', 'b', 'c']) {
      expectEqual(await nextValue(net, incoming, show(text), t('with highWaterMark 1, pause at one waiting message and resume when none is left.', 'highWaterMark 为 1 时，有一条消息在等就暂停，一条都不剩时恢复。')), text, t('the next message', '下一条消息'), t('keep the order while pausing and resuming.', '暂停和恢复时都要保持顺序。'));
    }
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      const ws = new WebSocket(peer.url);
      onTestFinished(() => ws.terminate());
      ws.on('error', () => net.wakeAll());
      let threw: unknown;
      try {
        messages(ws, { highWaterMark: bad });
      } catch (error) {
        threw = error;
      }
      if (!(threw instanceof RangeError) || !threw.message.includes('highWaterMark')) {
        fail({
          expected: t(`messages(socket, { highWaterMark: ${bad} }) to throw a RangeError that names highWaterMark, at once`, `messages(socket, { highWaterMark: ${bad} }) 立刻抛出一个提到 highWaterMark 的 RangeError`),
          actual: threw === undefined ? t('it returned an iterator', '它返回了一个迭代器') : t(`it threw ${String(threw)}`, `它抛出了 ${String(threw)}`),
          hint: t('keep the check at the top of messages(): a mark that is not a whole number of at least 1 would never pause (NaN) or pause at once (0), so it is refused.', '保留 messages() 开头的检查：不是大于等于 1 的整数的水位，要么永远不暂停（NaN），要么一上来就暂停（0），所以要拒绝。'),
        });
      }
    }
  });

  check(t('ends at once when created for a socket that has already closed', '为一个已经关闭的 socket 创建时，立刻结束'), async ({ net }) => {
    const peer = await net.peer();
    const ws = new WebSocket(peer.url);
    onTestFinished(() => ws.terminate());
    ws.on('error', () => net.wakeAll());
    const server = await peer.nextConnection();
    await server.close(1000);
    await net.waitUntil(() => ws.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: t('the client socket to close', '客户端 socket 关闭'), actual: t(`readyState ${ws.readyState}`, `readyState 是 ${ws.readyState}`), hint: t('the test server closed the connection.', '测试服务器已经关闭了连接。') }));
    const incoming = messages(ws);
    await expectDone(net, incoming, t('for a socket that had closed before messages() was called', '对一个在调用 messages() 之前就关闭了的 socket'), t('a closed socket never emits "close" again: if socket.readyState is WebSocket.CLOSED when messages() is called, start out ended, so next() says done at once.', '已经关闭的 socket 不会再触发 "close"：如果调用 messages() 时 socket.readyState 已经是 WebSocket.CLOSED，就从“已结束”状态开始，让 next() 立刻说 done。'));
  });

  check(t('turns binary data into a Buffer whatever the socket\'s binaryType', '不管 socket 的 binaryType 是什么，都把二进制数据变成 Buffer'), async ({ net }) => {
    const peer = await net.peer();
    for (const binaryType of ['arraybuffer', 'fragments'] as const) {
      const { ws, incoming } = clientWithMessages(net, peer.url);
      ws.binaryType = binaryType;
      const server = await peer.nextConnection();
      server.send(Buffer.from([0, 1, 2, 255]));
      server.send('and text');
      const value = await nextValue(net, incoming, t(`the binary message (binaryType "${binaryType}")`, `那条二进制消息（binaryType "${binaryType}"）`), t('binary frames are messages too: queue them like text.', '二进制帧也是消息：像文本一样放进队列。'));
      if (!Buffer.isBuffer(value) || !value.equals(Buffer.from([0, 1, 2, 255]))) {
        fail({
          expected: t(`a Buffer holding the bytes 00 01 02 ff when socket.binaryType is "${binaryType}"`, `socket.binaryType 为 "${binaryType}" 时，得到一个装着字节 00 01 02 ff 的 Buffer`),
          actual: show(value),
          hint: t('ws hands binary data over in the form binaryType names: a Buffer ("nodebuffer", the default), an ArrayBuffer ("arraybuffer") or an array of Buffers ("fragments"). Make each one Buffer: Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data).',
            'ws 按 binaryType 指定的形式交出二进制数据：Buffer（"nodebuffer"，默认）、ArrayBuffer（"arraybuffer"）或者 Buffer 数组（"fragments"）。把它们都变成一个 Buffer：Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)。'),
        });
      }
      expectEqual(await nextValue(net, incoming, verbatim('"and text"'), t('text frames become strings.', '文本帧要变成字符串。')), 'and text', t(`the text message (binaryType "${binaryType}")`, `那条文本消息（binaryType "${binaryType}"）`), t('a text frame is a string whatever the binaryType: data.toString().', '不管 binaryType 是什么，文本帧都是字符串：data.toString()。'));
    }
  });

  check(t('several next() calls waiting at once each get their own message, oldest first', '同时在等的几个 next() 调用各得一条消息，先来的先得'), async ({ net }) => {
    const peer = await net.peer();
    const { incoming } = clientWithMessages(net, peer.url);
    const server = await peer.nextConnection();
    // Four callers before anything arrived, as Promise.all([incoming.next(), incoming.next(), …]) makes.
    const results: (Outcome<IteratorResult<Message, undefined>> | undefined)[] = [];
    for (let i = 0; i < 4; i += 1) {
      results.push(undefined);
      incoming.next().then(
        (value) => { results[i] = { kind: 'value', value }; net.wakeAll(); },
        (error: unknown) => { results[i] = { kind: 'error', error }; net.wakeAll(); },
      );
    }
    server.send('one');
    server.send('two');
    server.send('three');
    await server.close(1000);
    const expected = ['"one"', '"two"', '"three"', '{ done: true }'];
    const got = (): string[] => results.map((result) => {
      if (result === undefined) return t('still waiting', '还在等');
      if (result.kind === 'error') return t(`rejected (${String(result.error)})`, `被 reject 了（${String(result.error)}）`);
      return result.value.done ? '{ done: true }' : show(result.value.value);
    });
    await net.waitUntil(() => results.every((result) => result !== undefined), WAIT_MS, () => ({
      expected: t(`the four next() calls made before anything arrived to settle with ${expected.join(', ')}`, `在任何消息到达之前发出的四个 next() 调用依次得到 ${expected.join('、')}`),
      actual: t(got().map((text, i) => `call ${i + 1}: ${text}`).join(', '), got().map((text, i) => `第 ${i + 1} 个调用：${text}`).join('，')),
      hint: HINT_WAITERS,
    }));
    expectEqual(got(), expected, t('what the four waiting next() calls got, in the order they were made', '四个正在等的 next() 调用按发出顺序各自得到的结果'), t('settle waiting callers oldest first: the first caller gets the first message (take from the front of the list: shift(), not pop()).', '先了结最早等的调用者：第一个调用者得到第一条消息（从列表的前面取：用 shift()，不要用 pop()）。'));
  });
});

/**
 * A server check that explains a crash: an error that escaped the server's async connection
 * handler (an unhandled rejection) ends a real Node server, and its stack holds no line of the
 * learner's code (ws raised it), so say where it escaped instead.
 */
function serverCheck(name: Text, body: (context: { net: Harness }) => Promise<void>, timeout?: number): void {
  check(name, async ({ net }) => {
    let escaped: unknown;
    const record = (reason: unknown): void => { escaped ??= reason; };
    process.on('unhandledRejection', record);
    try {
      await body({ net });
    } catch (error) {
      if (escaped === undefined || (escaped instanceof Error && escaped.name === 'TodoError')) throw error;
      fail({
        expected: t('the server to go on serving when one client\'s connection fails', '一个客户端的连接出错时，服务器继续为大家服务'),
        actual: t(`a promise in server.ts rejected with ${escaped instanceof Error ? `${escaped.name}: ${escaped.message}` : show(escaped)} and nothing caught it; a real Node server stops there, for every client`, `server.ts 里有一个 promise 以 ${escaped instanceof Error ? `${escaped.name}: ${escaped.message}` : show(escaped)} reject 了，却没人捕获；真实的 Node 服务器会就此停掉，所有客户端都受影响`),
        hint: t('converse() is async, so what its for await loop throws (the socket\'s error, raised inside ws) rejects its promise: wrap the loop in try { … } catch (error) { log(`Connection error: ${(error as Error).message}`) } finally { log(\'Client disconnected\') }.', 'converse() 是 async 函数，它的 for await 循环抛出的东西（socket 的错误，由 ws 内部抛出）会让它的 promise reject：把循环包进 try { … } catch (error) { log(`Connection error: ${(error as Error).message}`) } finally { log(\'Client disconnected\') }。'),
      });
    } finally {
      process.off('unhandledRejection', record);
    }
  }, timeout);
}

/** Control characters, as lib/printable.ts escapes them: in a log line they forge lines or drive the terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe('the conversation server', () => {
  serverCheck(t('listens on 127.0.0.1 unless told otherwise', '没有特别指定时，只监听 127.0.0.1'), async ({ net }) => {
    // The checks pass their own host everywhere else; here createServer gets only a free port.
    const wss = createServer({ port: 0, log: () => undefined });
    onTestFinished(() => new Promise<void>((resolve) => { wss.close(() => resolve()); }));
    await net.waitUntil(() => wss.address() !== null, WAIT_MS, () => ({ expected: t('the server to start listening', '服务器开始监听'), actual: t('no address', '没有地址'), hint: t('create the WebSocketServer with { host, port }.', '用 { host, port } 创建 WebSocketServer。') }));
    const address = wss.address();
    const host = typeof address === 'object' && address !== null ? address.address : String(address);
    expectEqual(host, '127.0.0.1', t('the address the server listens on by default', '服务器默认监听的地址'), t('keep host = \'127.0.0.1\' as the default: a lesson server must not be reachable from other machines unless someone asks for it (--host).', '保留默认的 host = \'127.0.0.1\'：除非有人要求（--host），课程里的服务器不应该让别的机器访问到。'));
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const client = await net.connect(`ws://127.0.0.1:${port}`);
    client.send('hi');
    expectEqual(await client.nextText(), 'Server reply: hi', t('the reply from a server started with only a port', '只给了端口就启动的服务器的回复'), t('reply `Server reply: ${message}` to each message.', '每条消息都回复 `Server reply: ${message}`。'));
  });

  serverCheck(t('answers "Message 1" with "Server reply: Message 1"', '收到 "Message 1" 回复 "Server reply: Message 1"'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('Message 1');
    const reply = await client.nextText({ waitingFor: t('the reply "Server reply: Message 1"', '回复 "Server reply: Message 1"'), hint: t('in converse(), loop with for await over messages(socket) and socket.send(`Server reply: ${message}`).', '在 converse() 里用 for await 遍历 messages(socket)，并调用 socket.send(`Server reply: ${message}`)。') });
    expectEqual(reply, 'Server reply: Message 1', t('the reply', '回复'), t('the reply is "Server reply: " followed by exactly what the client sent.', '回复是 "Server reply: " 后面原样接上客户端发来的内容。'));
    if (!server.logs.includes('Client said: Message 1')) {
      fail({ expected: t('the server to log "Client said: Message 1"', '服务器在日志里写下 "Client said: Message 1"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('call log(`Client said: ${message}`) for each message (the log option, not console.log).', '每条消息都调用 log(`Client said: ${message}`)（用 log 选项，不要用 console.log）。') });
    }
  });

  serverCheck(t('answers many messages on one connection, in order', '在同一个连接上按顺序回复很多条消息'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sent = Array.from({ length: 100 }, (_, i) => `Message ${i + 1}`);
    for (const text of sent) client.send(text);
    const replies = await client.texts(sent.length, { hint: t('keep looping: one connection carries the whole conversation.', '一直循环下去：一个连接承载整段对话。') });
    replies.forEach((reply, i) => expectEqual(reply, `Server reply: ${sent[i]}`, t(`reply ${i + 1}`, `第 ${i + 1} 条回复`), t('reply to each message in the order it arrived.', '按到达顺序回复每条消息。')));
  });

  serverCheck(t('logs "Client connected" and "Client disconnected" when a client comes and leaves', '客户端来时记 "Client connected"，走时记 "Client disconnected"'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    await net.waitUntil(() => server.logs.includes('Client connected'), WAIT_MS, () => ({
      expected: t('the server to log "Client connected" for a new connection', '有新连接时服务器记下 "Client connected"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('log("Client connected") at the start of converse().', '在 converse() 开头调用 log("Client connected")。'),
    }));
    client.send('bye soon');
    await client.nextText();
    await client.close(1000);
    await net.waitUntil(() => server.logs.includes('Client disconnected'), WAIT_MS, () => ({
      expected: t('the server to log "Client disconnected" after the client closed', '客户端关闭后服务器记下 "Client disconnected"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('the for await loop ends when the connection closes; log "Client disconnected" in a finally block after it.', '连接关闭时 for await 循环就结束了；在它后面的 finally 块里记下 "Client disconnected"。'),
    }));
  });

  serverCheck(t('keeps serving others after a client vanishes mid-conversation', '一个客户端在对话中途消失后，继续为其他客户端服务'), async ({ net }) => {
    const server = await net.serve(createServer);
    const steady = await net.connect(server.url, { label: t('a client that stays', '留下来的客户端') });
    const broken = await net.connect(server.url, { label: t('a client that sends garbage', '发送垃圾数据的客户端') });
    const dropped = await net.connect(server.url, { label: t('a client that drops off', '中途掉线的客户端') });
    broken.send('hello');
    expectEqual(await broken.nextText(), 'Server reply: hello', t('the reply before the garbage', '垃圾数据之前的回复'), t('reply to each message.', '每条消息都要回复。'));
    // An unmasked frame from a client breaks the protocol: the server's socket emits 'error'
    // (and ws closes the connection with 1002).
    writeRaw(broken.ws, INVALID_FRAME);
    await broken.waitClosed({ waitingFor: t('the server to close the connection that sent a malformed frame', '服务器关闭发来格式错误的帧的连接') });
    // And one that leaves without a goodbye, with a message still unanswered.
    dropped.send('are you there?');
    dropped.terminate();
    await net.waitUntil(() => server.connections[2]?.readyState === WebSocket.CLOSED, WAIT_MS, () => ({
      expected: t('the server side of the dropped connection to close', '掉线连接的服务器一端关闭'), actual: t(`its readyState is ${server.connections[2]?.readyState}`, `它的 readyState 是 ${server.connections[2]?.readyState}`), hint: t('the server must notice a client that vanished.', '服务器必须察觉到客户端消失了。'),
    }));
    if (!server.logs.some((line) => line.startsWith('Connection error: '))) {
      fail({ expected: t('the server to log "Connection error: <message>" for the client that sent a malformed frame', '服务器为发来格式错误的帧的客户端记下 "Connection error: <message>"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('in catch, log `Connection error: ${(error as Error).message}`: a failure nobody logs cannot be looked into.', '在 catch 里记下 `Connection error: ${(error as Error).message}`：没人记录的故障，事后没法查。') });
    }
    steady.send('still there?');
    const stayHint = t('one broken client must not stop the others: wrap the loop in try/catch/finally.', '一个出问题的客户端不能拖累别人：把循环包进 try/catch/finally。');
    expectEqual(await steady.nextText({ hint: stayHint }), 'Server reply: still there?', t('the reply to the client that stayed', '给留下来的客户端的回复'), stayHint);
    const newcomer = await net.connect(server.url, { label: t('a new client', '新来的客户端') });
    newcomer.send('hi');
    expectEqual(await newcomer.nextText(), 'Server reply: hi', t('the reply to a new client', '给新客户端的回复'), t('the server must keep accepting connections.', '服务器必须继续接受新连接。'));
  });

  serverCheck(t('a client that closes with messages still unanswered is a normal goodbye, not an error', '客户端在还有消息没被回复时关闭，是正常告别，不是错误'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    for (let i = 1; i <= 20; i += 1) client.send(`last words ${i}`);
    await client.close(1000);
    await net.waitUntil(() => server.logs.includes('Client disconnected'), WAIT_MS, () => ({
      expected: t('the server to log "Client disconnected"', '服务器记下 "Client disconnected"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('the loop ends when the connection closes; log "Client disconnected" in finally.', '连接关闭时循环就结束了；在 finally 里记下 "Client disconnected"。'),
    }));
    const errors = server.logs.filter((line) => line.startsWith('Connection error'));
    if (errors.length > 0) {
      fail({
        expected: t('no "Connection error" for a client that closed normally (code 1000)', '正常关闭（关闭码 1000）的客户端不产生 "Connection error"'),
        actual: t(`it logged ${show(errors[0])}`, `它记下了 ${show(errors[0])}`),
        hint: t('once the client has sent its close frame the socket is closing, and a reply can no longer be sent: in the loop, if (socket.readyState !== WebSocket.OPEN) break; before replying.', '客户端一旦发出关闭帧，socket 就处于关闭过程中，再也发不出回复了：在循环里回复之前加上 if (socket.readyState !== WebSocket.OPEN) break;。'),
      });
    }
  });

  serverCheck(t('closes with 1009 a message over MAX_MESSAGE_BYTES, and answers one of exactly that size', '超过 MAX_MESSAGE_BYTES 的消息用 1009 关闭，正好这么大的照常回复'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('x'.repeat(MAX_MESSAGE_BYTES));
    const reply = await client.nextText({ waitingFor: t(`the reply to a message of exactly MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}) bytes`, `对正好 MAX_MESSAGE_BYTES（${MAX_MESSAGE_BYTES}）字节的消息的回复`), hint: t('maxPayload is the largest size allowed (inclusive): new WebSocketServer({ …, maxPayload: MAX_MESSAGE_BYTES }).', 'maxPayload 是允许的最大大小（包含等于）：new WebSocketServer({ …, maxPayload: MAX_MESSAGE_BYTES })。') });
    expectEqual(reply.length, 'Server reply: '.length + MAX_MESSAGE_BYTES, t('the length of the reply to the largest allowed message', '对允许的最大消息的回复的长度'), t('reply "Server reply: " followed by the whole message.', '回复 "Server reply: " 后面接上整条消息。'));
    client.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const closed = await client.waitClosed({ waitingFor: t(`the server to close a connection that sent ${MAX_MESSAGE_BYTES + 1} bytes, one over MAX_MESSAGE_BYTES`, `服务器关闭发来 ${MAX_MESSAGE_BYTES + 1} 字节（比 MAX_MESSAGE_BYTES 多一个）的连接`), hint: t('pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...): ws then refuses a bigger message before it is in memory.', '把 maxPayload: MAX_MESSAGE_BYTES 传给 new WebSocketServer(...)：这样 ws 会在更大的消息进入内存之前就拒绝它。') });
    expectEqual(closed.code, 1009, t('the close code for a message over maxPayload', '消息超过 maxPayload 时的关闭码'), t('set maxPayload on the WebSocketServer: ws then closes with 1009 (message too big).', '在 WebSocketServer 上设置 maxPayload：ws 就会用 1009（消息太大）关闭。'));
  });

  serverCheck(t('answers a binary message with a binary reply', '二进制消息得到二进制回复'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(Buffer.from([0, 1, 2, 255]));
    const reply = await client.next({ waitingFor: t('the reply to a binary message', '对二进制消息的回复'), hint: t('answer a Buffer with a Buffer: Buffer.concat([Buffer.from(\'Server reply: \'), message]), sent as binary.', '用 Buffer 回答 Buffer：Buffer.concat([Buffer.from(\'Server reply: \'), message])，以二进制发送。') });
    const expected = Buffer.concat([Buffer.from('Server reply: '), Buffer.from([0, 1, 2, 255])]);
    if (!reply.isBinary || !Buffer.isBuffer(reply.data) || !reply.data.equals(expected)) {
      fail({
        expected: t(`a binary reply: the bytes of "Server reply: " then 00 01 02 ff (${expected.length} bytes)`, `一条二进制回复："Server reply: " 的字节，然后是 00 01 02 ff（共 ${expected.length} 字节）`),
        actual: reply.isBinary ? show(reply.data) : t(`a text message ${show(reply.data)}`, `一条文本消息 ${show(reply.data)}`),
        hint: t('binary in, binary out (TODO 3): Buffer.concat([Buffer.from(\'Server reply: \'), message]), and send it with { binary: true }; never turn bytes into text.', '进来的是二进制，出去的也是二进制（TODO 3）：Buffer.concat([Buffer.from(\'Server reply: \'), message])，用 { binary: true } 发送；绝不要把字节变成文本。'),
      });
    }
    await net.waitUntil(() => server.logs.includes('Client sent 4 bytes'), WAIT_MS, () => ({ expected: t('the server to log "Client sent 4 bytes"', '服务器记下 "Client sent 4 bytes"'), actual: t(`it logged ${show(server.logs)}`, `它的日志是 ${show(server.logs)}`), hint: t('log the size of a binary message, `Client sent ${message.length} bytes`, not its bytes.', '二进制消息只记大小：`Client sent ${message.length} bytes`，不要记它的字节。') }));
  });

  serverCheck(t('answers a ping with a pong carrying the same data', '用带着相同数据的 pong 回应 ping'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    let pong: Buffer | undefined;
    client.ws.on('pong', (data: Buffer) => { pong = data; net.wakeAll(); });
    client.ws.ping('are you there?');
    const got = await net.waitUntil(() => pong, WAIT_MS, () => ({
      expected: t('a pong in answer to the ping', '一个回应 ping 的 pong'), actual: t('no pong arrived', '没有收到 pong'), hint: t('with autoPong: false the server must answer pings itself: socket.on(\'ping\', (data) => …) calls socket.pong(data) while socket.bufferedAmount is below the limit.', '设了 autoPong: false，服务器就得自己回应 ping：socket.on(\'ping\', (data) => …) 在 socket.bufferedAmount 低于上限时调用 socket.pong(data)。'),
    }));
    expectEqual(got.toString(), 'are you there?', t('the data the pong carried', 'pong 带回的数据'), t('answer with the ping\'s own data: socket.pong(data).', '用 ping 自己的数据回应：socket.pong(data)。'));
  });

  serverCheck(t('still answers the ping of a client that reads slowly, with a little waiting for it', '对读得慢、只积压了一点数据的客户端，照样回应它的 ping'), async ({ net }) => {
    const server = await net.serve(createServer);
    const slow = await net.connect(server.url, { label: t('a client that reads slowly', '读得慢的客户端') });
    const queueFor = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: t('the server to accept the connection', '服务器接受这个连接'), actual: t('no connection', '没有连接'), hint: t('createServer must accept connections.', 'createServer 必须接受连接。') }));
    let requests = 0;
    let pings = 0;
    queueFor.on('message', () => { requests += 1; net.wakeAll(); });
    queueFor.on('ping', () => { pings += 1; net.wakeAll(); });
    tcpSocket(slow.ws).pause();
    // One 16 KB request at a time, until a reply no longer fits in the network's buffers and
    // starts to wait in the server (bufferedAmount > 0): the loop then waits on that send.
    const request = 'x'.repeat(16 * 1024);
    for (let i = 1; i <= 2000 && queueFor.bufferedAmount === 0; i += 1) {
      slow.send(request);
      await net.waitUntil(() => requests >= i, 10_000, () => ({ expected: t(`the server to read request ${i}`, `服务器读到第 ${i} 个请求`), actual: t(`it read ${requests}`, `它读了 ${requests} 个`), hint: t('reply to each message.', '每条消息都要回复。') }));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (queueFor.bufferedAmount === 0) throw new Error('check: the network took 32 MB without the server queueing anything');
    slow.ws.ping('still there?');
    await net.waitUntil(() => pings === 1, WAIT_MS, () => ({ expected: t('the server to read the ping', '服务器读到这个 ping'), actual: t('it did not', '它没有读到'), hint: t('keep reading from a client while only a little is queued for it.', '给某个客户端排队的数据不多时，要继续从它那里读取。') }));
    let pong: Buffer | undefined;
    slow.ws.on('pong', (data: Buffer) => { pong = data; net.wakeAll(); });
    tcpSocket(slow.ws).resume(); // it catches up: the replies, then the pong
    const got = await net.waitUntil(() => pong, WAIT_MS * 3, () => ({
      expected: t(`a pong once the client read what was waiting (${megabytes(queueFor.bufferedAmount)} queued when it pinged)`, `客户端读完积压的数据之后收到一个 pong（它发 ping 时排队了 ${megabytes(queueFor.bufferedAmount)}）`),
      actual: t('no pong arrived', '没有收到 pong'),
      hint: t('answer a ping while socket.bufferedAmount is below MAX_QUEUED_BYTES (64 KB): a client a little behind is not an abuser, and a heartbeat that goes unanswered gets healthy clients dropped.', 'socket.bufferedAmount 低于 MAX_QUEUED_BYTES（64 KB）时要回应 ping：稍微落后一点的客户端不是捣乱者，心跳得不到回应，健康的客户端就会被踢掉。'),
    }));
    expectEqual(got.toString(), 'still there?', t('the data the pong carried', 'pong 带回的数据'), t('answer with the ping\'s own data: socket.pong(data).', '用 ping 自己的数据回应：socket.pong(data)。'));
  }, 60_000);

  serverCheck(t('a client that floods pings and messages and never reads cannot make the server queue without limit', '狂发 ping 和消息却从不读取的客户端，不能让服务器无限制地排队'), async ({ net }) => {
    const server = await net.serve(createServer);
    const flooder = await net.connect(server.url, { label: t('a client that never reads', '从不读取的客户端') });
    const steady = await net.connect(server.url, { label: t('a client that reads', '正常读取的客户端') });
    const queueFor = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: t('the server to accept the connection', '服务器接受这个连接'), actual: t('no connection', '没有连接'), hint: t('createServer must accept connections.', 'createServer 必须接受连接。') }));
    tcpSocket(flooder.ws).pause(); // it stops reading: whatever the server sends it stays queued
    const limit = 1024 * 1024;
    let peak = 0;
    let pings = 0;
    let requests = 0;
    const sample = (): void => { peak = Math.max(peak, queueFor.bufferedAmount); };
    const sampler = setInterval(sample, 5);
    onTestFinished(() => clearInterval(sampler));
    queueFor.on('ping', () => { pings += 1; sample(); });
    queueFor.on('message', () => { requests += 1; setImmediate(sample); });
    // Reading stopped, or the connection dropped: either way nothing more can pile up.
    const stopped = (): boolean => queueFor.isPaused || queueFor.readyState === WebSocket.CLOSED;

    // 100,000 pings of 125 bytes: 12 MB of pongs, if each one were answered.
    const pingCount = 100_000;
    const payload = Buffer.alloc(125, 0x70);
    for (let i = 0; i < pingCount; i += 1) flooder.ws.ping(payload);
    await net.waitUntil(() => pings === pingCount || peak > limit || stopped(), 30_000, () => ({
      expected: t(`the server to read the ${pingCount} pings`, `服务器读完这 ${pingCount} 个 ping`), actual: t(`it read ${pings}`, `它读了 ${pings} 个`), hint: t('answer a ping with at most one pong, and only while socket.bufferedAmount is small.', '一个 ping 最多回一个 pong，而且只在 socket.bufferedAmount 很小时才回。'),
    }));
    if (peak > limit) {
      fail({
        expected: t(`what the server queues for a client that never reads to stay under ${megabytes(limit)}`, `服务器给一个从不读取的客户端排队的数据不超过 ${megabytes(limit)}`),
        actual: t(`after ${pings} pings of 125 bytes, ${megabytes(peak)} of pongs were waiting to be sent to it`, `收到 ${pings} 个 125 字节的 ping 之后，有 ${megabytes(peak)} 的 pong 等着发给它`),
        hint: t('ws answers every ping with a pong on its own (autoPong), and for a client that never reads they pile up in memory. Create the server with autoPong: false and answer a ping (socket.pong(data)) only while socket.bufferedAmount is below a limit, as the given code in createServer does.', 'ws 默认自己给每个 ping 回一个 pong（autoPong），遇到从不读取的客户端，它们就会堆在内存里。用 autoPong: false 创建服务器，只在 socket.bufferedAmount 低于上限时才回应 ping（socket.pong(data)），就像 createServer 里现成的代码那样。'),
      });
    }

    // 500 requests of 16 KB: 8 MB of replies, if each one were queued.
    const requestCount = 500;
    const request = 'x'.repeat(16 * 1024);
    for (let i = 0; i < requestCount; i += 1) flooder.send(request);
    await net.waitUntil(() => requests === requestCount || peak > limit || stopped(), 30_000, () => ({
      expected: t('the server to stop reading from a client whose replies pile up', '回复堆积时，服务器停止从这个客户端读取'), actual: t(`it read ${requests} of ${requestCount} messages and keeps reading`, `${requestCount} 条消息它读了 ${requests} 条，而且还在读`), hint: t('await each send before taking the next message; messages() then pauses the socket.', '每次 send 都 await 完再取下一条消息；这样 messages() 就会暂停 socket。'),
    }));
    if (peak > limit) {
      fail({
        expected: t(`what the server queues for a client that never reads to stay under ${megabytes(limit)}`, `服务器给一个从不读取的客户端排队的数据不超过 ${megabytes(limit)}`),
        actual: t(`after ${requests} messages of 16 KB, ${megabytes(peak)} of replies were waiting to be sent to it`, `收到 ${requests} 条 16 KB 的消息之后，有 ${megabytes(peak)} 的回复等着发给它`),
        hint: t('await each reply (await send(socket, …): it resolves once ws has handed the reply to the operating system) before taking the next message. A client that never reads then stops your loop, messages() pauses its socket at the high-water mark, and nothing piles up.', '取下一条消息之前，先 await 每一条回复（await send(socket, …)：ws 把回复交给操作系统后它才 resolve）。这样一个从不读取的客户端会让你的循环停下来，messages() 在达到高水位时暂停它的 socket，什么都不会堆积。'),
      });
    }
    steady.send('still there?');
    const reply = await steady.nextText({ hint: t('a client that never reads must not stop the server answering the others.', '一个从不读取的客户端，不能让服务器停止回答其他客户端。') });
    expectEqual(reply, 'Server reply: still there?', t('the reply to the client that reads', '给正常读取的客户端的回复'), t('a client that never reads must not stop the server answering the others.', '一个从不读取的客户端，不能让服务器停止回答其他客户端。'));
  }, 90_000);

  serverCheck(t('logs what a client says without letting it forge a log line or drive the terminal', '记录客户端说的话，但不让它伪造日志行或操控终端'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const tricks = ['hi\nClient disconnected', '\u001b[2J\u001b[31mscreen cleared', 'tab\there\rand back'];
    for (const text of tricks) client.send(text);
    const replies = await client.texts(tricks.length);
    replies.forEach((reply, i) => expectEqual(reply, `Server reply: ${tricks[i]}`, t(`reply ${i + 1}`, `第 ${i + 1} 条回复`), t('reply with exactly what the client sent: only the log line is made printable.', '回复的内容和客户端发来的一字不差：只有日志行才要变成可打印的。')));
    const raw = server.logs.find((line) => CONTROL.test(line));
    if (raw !== undefined) {
      fail({
        expected: t('no control character in any log line: the client chose that text', '任何日志行里都没有控制字符：那段文本是客户端定的'),
        actual: t(`the server logged ${show(raw)}: a newline there prints a second line the client wrote (a fake "Client disconnected"), an escape code clears or recolours the terminal`, `服务器记下了 ${show(raw)}：其中的换行会打印出客户端写好的第二行（一个假的 "Client disconnected"），转义码会清屏或者改终端颜色`),
        hint: t('log `Client said: ${printable(message)}` (printable from lib/printable.ts turns a newline into \\n and an escape into \\u001b, visibly); reply with the text unchanged.', '日志写成 `Client said: ${printable(message)}`（lib/printable.ts 里的 printable 会把换行变成看得见的 \\n，把 ESC 变成 \\u001b）；回复时文本保持原样。'),
      });
    }
    const said = server.logs.filter((line) => line.startsWith('Client said: '));
    if (said.length !== tricks.length) {
      fail({ expected: t(`${tricks.length} "Client said: …" lines, one per message`, `${tricks.length} 行 "Client said: …"，每条消息一行`), actual: t(`${said.length}: ${show(said)}`, `${said.length} 行：${show(said)}`), hint: t('log `Client said: ${printable(message)}` for each text message.', '每条文本消息都记下 `Client said: ${printable(message)}`。') });
    }
  });
});

/** The client's connection, or the client's own error if it fails before connecting (a starter's TODO). */
async function connectionOf(peer: Peer, running: Promise<Outcome<void>>): Promise<Endpoint> {
  const failedEarly = running.then((outcome) => (outcome.kind === 'error' ? Promise.reject(outcome.error) : new Promise<never>(() => {})));
  return Promise.race([peer.nextConnection(), failedEarly]);
}

/**
 * Notices the client waiting for a "close" event on a socket that has already closed: "close"
 * fires once, so such a wait never ends. Watches WebSocket's `on` (which `once`, events.once and
 * addEventListener all go through) for the rest of the check.
 */
function watchLateCloseWaits(): () => boolean {
  const prototype = WebSocket.prototype as unknown as { on: (this: WebSocket, event: string | symbol, listener: (...args: unknown[]) => void) => WebSocket };
  const inherited = prototype.on;
  const own = Object.hasOwn(prototype, 'on');
  let late = false;
  prototype.on = function on(event, listener) {
    if (event === 'close' && this.readyState === WebSocket.CLOSED) late = true;
    return inherited.call(this, event, listener);
  };
  onTestFinished(() => {
    if (own) prototype.on = inherited;
    else delete (prototype as Partial<typeof prototype>).on;
  });
  return () => late;
}

const HINT_LATE_CLOSE = t('in finally, close and wait for "close" only if the connection is not closed yet: if (ws.readyState !== WebSocket.CLOSED) { ws.close(1000); await once(ws, \'close\'); }. The server may have closed it first.',
  '在 finally 里，只有连接还没关闭时才去关闭并等待 "close"：if (ws.readyState !== WebSocket.CLOSED) { ws.close(1000); await once(ws, \'close\'); }。服务器可能已经先关掉了它。');

describe('the conversation client', () => {
  const replyingPeer = async (net: Harness) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Server reply: ${data.toString()}`)));
    return peer;
  };

  check(t('sends Message 1, 2 and 3 and prints each reply', '发送 Message 1、2、3，并打印每条回复'), async ({ net }) => {
    const peer = await replyingPeer(net);
    const out = net.output();
    const outcome = await net.settle(runClient(peer.url, { out }), WAIT_MS, () => ({
      expected: t(`runClient to finish within ${WAIT_MS} ms`, `runClient 在 ${WAIT_MS} 毫秒内结束`), actual: t(`it printed ${show(out.text)} and kept running`, `它打印了 ${show(out.text)}，然后一直在运行`), hint: t('after the third reply, close with 1000 and wait for "close".', '收到第三条回复后，用 1000 关闭并等待 "close"。'),
    }));
    if (outcome.kind === 'error') throw outcome.error;
    const connection = await peer.nextConnection();
    const sent = connection.received.map((message) => message.data);
    expectEqual(sent, [...MESSAGES], t('what the client sent', '客户端发送的内容'), t('send "Message 1", "Message 2" and "Message 3", each as its own text message.', '发送 "Message 1"、"Message 2" 和 "Message 3"，每条都是单独的一条文本消息。'));
    expectEqual(out.text, MESSAGES.map((m) => `Server replied: Server reply: ${m}\n`).join(''), t('what the client printed', '客户端打印的内容'), t('print `Server replied: ${reply}` and a newline for each reply, to `out`.', '每条回复都往 `out` 打印 `Server replied: ${reply}` 加一个换行。'));
  });

  check(t('sends one message at a time, waiting for each reply', '一次只发一条消息，等到回复再发下一条'), async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out }), WAIT_MS * 3, () => ({ expected: t('runClient to finish', 'runClient 结束'), actual: t('it kept running', '它一直在运行'), hint: t('after the third reply, close with 1000.', '收到第三条回复后，用 1000 关闭。') }));
    const connection = await connectionOf(peer, running);
    for (const [i, message] of MESSAGES.entries()) {
      const got = await connection.nextText({ waitingFor: show(message) });
      expectEqual(got, message, t('the next message from the client', '客户端发来的下一条消息'), t('send the messages in order.', '按顺序发送消息。'));
      // A client that does not wait sent the next one together with this one: give it time to show.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const early = connection.received.slice(i + 1);
      if (early.length > 0) {
        fail({
          expected: t(`nothing more from the client until the reply to ${show(message)}`, `在 ${show(message)} 的回复到来之前，客户端不再发送任何东西`),
          actual: t(`it had already sent ${early.map((m) => show(m.data)).join(', ')}`, `它已经发出了 ${early.map((m) => show(m.data)).join('、')}`),
          hint: t('send the next message only after the reply to this one arrived: await the reply (replies.next()) inside the loop, as the Python tutorial awaits recv().', '等这条消息的回复到了，再发下一条：在循环里 await 回复（replies.next()），就像 Python 教程里 await recv() 那样。'),
        });
      }
      connection.send(`Server reply: ${message}`);
    }
    const outcome = await running;
    if (outcome.kind === 'error') throw outcome.error;
  });

  check(t('closes with code 1000 and returns only after the close completes', '用关闭码 1000 关闭，等关闭完成后才返回'), async ({ net }) => {
    const peer = await replyingPeer(net);
    const done = net.settle(runClient(peer.url, { out: net.output() }), WAIT_MS, () => ({ expected: t('runClient to finish', 'runClient 结束'), actual: t('it kept running', '它一直在运行'), hint: t('after the third reply, close with 1000 and wait for "close".', '收到第三条回复后，用 1000 关闭并等待 "close"。') }));
    const connection = await connectionOf(peer, done);
    const outcome = await done;
    if (outcome.kind === 'error') throw outcome.error;
    if (connection.ws.readyState === WebSocket.OPEN) {
      fail({ expected: t('runClient to return only after the closing handshake', 'runClient 在关闭握手完成之后才返回'), actual: t('it returned while the connection was still open', '连接还开着它就返回了'), hint: t('after ws.close(1000), wait for the "close" event (await once(ws, "close")) before returning.', '调用 ws.close(1000) 之后，要等 "close" 事件（await once(ws, "close")）再返回。') });
    }
    const closed = await connection.waitClosed();
    if (closed.code !== 1000) {
      fail({
        expected: t('the server to see close code 1000 (normal closure)', '服务器看到关闭码 1000（正常关闭）'),
        actual: t(`code ${closed.code}`, `关闭码 ${closed.code}`),
        hint: closed.code === 1006
          ? t('code 1006 means the TCP connection was dropped without a closing handshake: use ws.close(1000), not ws.terminate().', '关闭码 1006 表示 TCP 连接没走关闭握手就断了：用 ws.close(1000)，不要用 ws.terminate()。')
          : t('call ws.close(1000).', '调用 ws.close(1000)。'),
      });
    }
  });

  check(t('rejects, instead of hanging, when the server closes without replying', '服务器不回复就关闭时，reject 而不是卡住'), async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.once('message', () => socket.close(1000)));
    const waitedTooLate = watchLateCloseWaits();
    const outcome = await net.settle(runClient(peer.url, { out: net.output() }), WAIT_MS, () => (waitedTooLate()
      ? {
        expected: t('runClient to end once the server had closed the connection', '服务器关闭连接之后 runClient 结束'),
        actual: t('it was waiting for a "close" event on a connection that had already closed; "close" fires only once, so that wait never ends', '它在一个已经关闭的连接上等 "close" 事件；"close" 只触发一次，所以这个等待永远不会结束'),
        hint: HINT_LATE_CLOSE,
      }
      : { expected: t('runClient to give up once the server closed the connection', '服务器关闭连接后 runClient 放弃等待'), actual: t('it was still waiting for a reply', '它还在等回复'), hint: t('when replies.next() says done, the server is gone: throw an Error saying so.', 'replies.next() 说 done 时，服务器已经走了：抛出一个说明这一点的 Error。') }));
    if (outcome.kind === 'error' && outcome.error instanceof Error && outcome.error.name === 'TodoError') throw outcome.error;
    const connection = await peer.nextConnection();
    expectEqual(connection.received[0]?.data, 'Message 1', t('the first message the client sent', '客户端发送的第一条消息'), t('send "Message 1" first.', '先发送 "Message 1"。'));
    if (outcome.kind === 'value') {
      fail({ expected: t('runClient to reject: the server closed before answering "Message 1"', 'runClient reject：服务器还没回答 "Message 1" 就关闭了'), actual: t('it returned as if all went well', '它像一切正常那样返回了'), hint: t('check reply.done: an ended conversation without a reply is an error for this client.', '检查 reply.done：对这个客户端来说，对话结束了却没有回复，就是错误。') });
    }
    const { error } = outcome;
    if (!(error instanceof Error) || error instanceof TypeError || error.message.trim() === '') {
      fail({
        expected: t('runClient to reject with an Error that says the server closed before answering', 'runClient 用一个说明“服务器没回答就关闭了”的 Error 来 reject'),
        actual: error instanceof Error ? t(`${error.name}: ${show(error.message)}`, `${error.name}：${show(error.message)}`) : show(error),
        hint: t('when reply.done is true, throw new Error(`the server closed the connection before answering "${message}"`). Reading reply.value of a finished iterator gives undefined, and the TypeError that follows says nothing useful.', 'reply.done 为 true 时，throw new Error(`the server closed the connection before answering "${message}"`)。读一个已经结束的迭代器的 reply.value 只会得到 undefined，随之而来的 TypeError 说明不了任何问题。'),
      });
    }
  });
});
