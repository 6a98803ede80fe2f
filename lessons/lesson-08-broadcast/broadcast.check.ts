// Self-checks for lesson 08. Run: npm run check lesson-08
// Each check starts your chat room for real, on 127.0.0.1 with a free port, and connects clients.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, expectLoopbackByDefault, fail, show, survives, t, tcpSocket, WAIT_MS, type Endpoint, type Harness, type RunningServer, type Text } from '../../checks/harness.ts';
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

const FORMAT_HINT = t('send every chat message as JSON text: JSON.stringify({ type: "chat", message: text }) (chatFrame does it).', '每条聊天消息都以 JSON 文本发送：JSON.stringify({ type: "chat", message: text })（chatFrame 就是干这个的）。');

function parse(text: string, where: Text): Incoming {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail({ expected: t(`${where} to be JSON like {"type":"chat","message":"c1: hi"}`, `${where}是 JSON，比如 {"type":"chat","message":"c1: hi"}`), actual: show(text), hint: FORMAT_HINT });
  }
  if (typeof value !== 'object' || value === null || typeof (value as Incoming).type !== 'string') {
    fail({ expected: t(`${where} to be an object with a "type"`, `${where}是一个带 "type" 的对象`), actual: show(text), hint: FORMAT_HINT });
  }
  return value as Incoming;
}

/** Reads `count` messages and returns the text of each chat message, failing on anything else. */
async function chats(client: Endpoint, count: number, hint: Text, within?: number): Promise<string[]> {
  const texts = await client.texts(count, { hint, ...(within ? { within } : {}) });
  return texts.map((text, i) => {
    const message = parse(text, t(`message ${i + 1} on ${client.label}`, `${client.label}收到的第 ${i + 1} 条消息`));
    if (message.type !== 'chat' || typeof message.message !== 'string') {
      fail({ expected: t(`message ${i + 1} on ${client.label} to be a chat message`, `${client.label}收到的第 ${i + 1} 条消息是一条聊天消息`), actual: show(text), hint: FORMAT_HINT });
    }
    return message.message;
  });
}

/** A client's name as a label: the name itself, and in Chinese "客户端 <name>". */
function named(name: string): Text {
  return t(name, `客户端 ${name}`);
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
function head(text: string): Text {
  return show(text.length > 24 ? `${text.slice(0, 24)}…` : text);
}

/** Where a missing socket 'error' listener belongs, for survives(). */
const NO_ERROR_LISTENER_HINT = t('add an "error" listener to each socket in the "connection" handler: socket.on("error", (error) => log(`client #${member.id} error: ${printable(error.message)}`)). ws has already closed the broken connection; the listener notes it.', '在 "connection" 处理函数里给每个 socket 加上 "error" 监听器：socket.on("error", (error) => log(`client #${member.id} error: ${printable(error.message)}`))。出问题的连接 ws 已经替你关掉了，这个监听器只负责记一笔。');

describe('the chat room', () => {
  check(t('the Python tutorial\'s demo: c1 and c2 each say hi, and each receives both messages', 'Python 教程里的演示：c1 和 c2 各说一声 hi，两人都收到这两条消息'), async ({ net }) => {
    const server = await net.serve(createServer);
    const c1 = await net.connect(server.url, { label: named('c1') });
    const c2 = await net.connect(server.url, { label: named('c2') });
    c1.send('c1: hi');
    c2.send('c2: hi');
    for (const client of [c1, c2]) {
      const got = await chats(client, 2, t('add each socket to the room when it connects (room.set), then on each message build the frame once (chatFrame(text)) and deliver it to every member, the sender too.', '每个 socket 连上时把它加进房间（room.set），之后每来一条消息，只构造一次帧（chatFrame(text)），发给每个成员，发送者自己也要发。'));
      expectEqual([...got].sort(), ['c1: hi', 'c2: hi'], t(`what ${client.label} received`, `${client.label}收到的内容`), t('every client, the sender included, receives every message exactly once.', '每个客户端，包括发送者，都正好收到每条消息一次。'));
    }
  });

  check(t('50 clients each receive every message, in order per sender', '50 个客户端都收到每一条消息，同一发送者的消息保持顺序'), async ({ net }) => {
    const server = await net.serve(createServer);
    const clients = await net.connectMany(server.url, 50);
    const senders = clients.slice(0, 5);
    const perSender = 20;
    for (let n = 1; n <= perSender; n += 1) {
      senders.forEach((sender, s) => sender.send(`sender ${s + 1}: ${n}`));
    }
    const total = senders.length * perSender;
    for (const client of clients) {
      const got = await chats(client, total, t('every message goes to every client in the room: loop over the whole room for each message.', '每条消息都要发给房间里的每个客户端：每条消息都遍历整个房间。'));
      for (let s = 1; s <= senders.length; s += 1) {
        const fromSender = got.filter((text) => text.startsWith(`sender ${s}: `)).map((text) => Number(text.split(': ')[1]));
        const expected = Array.from({ length: perSender }, (_, i) => i + 1);
        expectEqual(fromSender.join(','), expected.join(','), t(`the messages of sender ${s} as ${client.label} received them`, `${client.label}收到的发送者 ${s} 的消息`),
          t('send each message to everyone as soon as it arrives, in the order it arrived: do not batch, reorder or skip.', '每条消息一到就发给所有人，按到达的顺序：不要攒着一起发，不要打乱顺序，也不要漏掉。'));
      }
    }
  }, HEAVY_MS);

  check(t('answers an empty or blank message with an error, to the sender only', '空消息或只有空白的消息得到一个 error 回复，只发给发送者'), async ({ net }) => {
    const server = await net.serve(createServer);
    const alice = await net.connect(server.url, { label: named('alice') });
    const bob = await net.connect(server.url, { label: named('bob') });
    for (const [blank, name] of [['', t('an empty message', '一条空消息')], [' \t\n ', t('a whitespace-only message', '一条只有空白的消息')]] as const) {
      alice.send(blank);
      const reply = parse(await alice.nextText({ waitingFor: t(`an error reply to ${name}`, `对${name}的 error 回复`), hint: t('answer an empty (or blank: text.trim() === "") message with {"type":"error","message":"…"} to its sender.', '对空的（或者只有空白的：text.trim() === ""）消息，给它的发送者回复 {"type":"error","message":"…"}。') }), t(`the reply to ${name}`, `对${name}的回复`));
      expectEqual(reply.type, 'error', t(`the type of the reply to ${name}`, `对${name}的回复的 type`), t('a blank message is not broadcast: answer its sender with {"type":"error", "message": "…"}.', '空白消息不广播：给它的发送者回复 {"type":"error", "message": "…"}。'));
      if (typeof reply.message !== 'string' || reply.message.trim() === '') {
        fail({ expected: t(`the error reply to ${name} to say what is wrong in its "message"`, `对${name}的 error 回复在它的 "message" 里说明哪里不对`), actual: show(reply), hint: t('errorFrame("empty message: nothing to broadcast"): a client shows it to its user.', 'errorFrame("empty message: nothing to broadcast")：客户端会把它显示给用户。') });
      }
    }
    bob.send('bob: still here');
    const next = await chats(bob, 1, t('keep the connection open after an error reply.', '回复 error 之后保持连接打开。'));
    expectEqual(next[0], 'bob: still here', t('the next message bob received', 'bob 收到的下一条消息'), t('a blank message must reach no one else: only its sender gets the error.', '空白消息不能到达任何别人：只有它的发送者收到 error。'));
  });

  check(t('refuses a binary frame with close code 1003, and broadcasts nothing', '用关闭码 1003 拒绝二进制帧，什么也不广播'), async ({ net }) => {
    const server = await net.serve(createServer);
    const sender = await net.connect(server.url, { label: t('the client sending binary', '发送二进制的客户端') });
    const other = await net.connect(server.url, { label: t('another client', '另一个客户端') });
    sender.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    const closed = await sender.waitClosed({ hint: t('a chat room takes text: close a binary message\'s connection with socket.close(1003, …).', '聊天室只收文本：发来二进制消息的连接，用 socket.close(1003, …) 关闭。') });
    expectEqual(closed.code, 1003, t('the close code for a binary frame', '二进制帧的关闭码'), t('use 1003 ("unsupported data") for a binary frame.', '二进制帧用 1003（“不支持的数据”）。'));
    if (closed.reason.trim() === '') fail({ expected: t('a close reason that says why (e.g. "text messages only")', '一个说明原因的关闭原因（比如 "text messages only"）'), actual: t('an empty reason', '原因是空的'), hint: t('socket.close(1003, "text messages only").', '用 socket.close(1003, "text messages only")。') });
    other.send('other: hello');
    const got = await chats(other, 1, t('keep serving the other clients.', '继续为其他客户端服务。'));
    expectEqual(got[0], 'other: hello', t('the first message the other client received', '另一个客户端收到的第一条消息'), t('a binary frame must not be broadcast: check isBinary before anything else.', '二进制帧不能广播：在做任何事之前先检查 isBinary。'));
  });

  check(t('takes a message of exactly 64 KiB, refuses a larger one (1009) and survives broken frames', '接受正好 64 KiB 的消息，拒绝更大的（1009），并挺过损坏的帧'), async ({ net }) => {
    const server = await net.serve(createServer);
    const watcher = await net.connect(server.url, { label: t('a client watching the room', '旁观房间的客户端') });
    const biggest = 'b'.repeat(MAX_MESSAGE_BYTES);
    const sender = await net.connect(server.url, { label: t('the client sending 64 KiB', '发送 64 KiB 的客户端') });
    sender.send(biggest);
    const [got] = await chats(watcher, 1, t('a message of exactly maxPayload bytes (64 KiB) is allowed: broadcast it.', '正好 maxPayload 字节（64 KiB）的消息是允许的：广播它。'), 10_000);
    expectEqual(got?.length, MAX_MESSAGE_BYTES, t('the length of the 64 KiB message as broadcast', '广播出来的 64 KiB 消息的长度'), t('broadcast the whole text.', '广播完整的文本。'));

    const cases: { name: Text; code: number; hint: Text; send: (client: Endpoint) => void }[] = [
      {
        name: t('a text message one byte over 64 KiB', '一条比 64 KiB 多一个字节的文本消息'), code: 1009, send: (client) => client.send(`${biggest}!`),
        hint: t('create the server with maxPayload: MAX_MESSAGE_BYTES: ws then refuses a larger message with 1009 before your handler sees it (its default is 100 MiB).', '用 maxPayload: MAX_MESSAGE_BYTES 创建服务器：这样 ws 会在你的处理函数看到更大的消息之前，就用 1009 拒绝它（默认上限是 100 MiB）。'),
      },
      {
        name: t('an unmasked frame (only servers may send those)', '一个没有掩码的帧（只有服务器才能发这种帧）'), code: 1002,
        send: (client) => tcpSocket(client.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69])),
        hint: t('ws closes a broken connection with 1002 and emits "error" on its socket: listen for it (socket.on("error", …)), or the whole server crashes.', 'ws 用 1002 关闭出问题的连接，并在它的 socket 上触发 "error"：监听它（socket.on("error", …)），否则整个服务器都会崩溃。'),
      },
      {
        name: t('a text frame that is not valid UTF-8', '一个不是合法 UTF-8 的文本帧'), code: 1007,
        send: (client) => client.ws.send(Buffer.from([0x68, 0xff, 0xfe]), { binary: false }),
        hint: t('ws closes with 1007 and emits "error" on the socket: listen for it (socket.on("error", …)), or the whole server crashes.', 'ws 用 1007 关闭，并在 socket 上触发 "error"：监听它（socket.on("error", …)），否则整个服务器都会崩溃。'),
      },
    ];
    await survives(net, t('broken and oversize frames', '客户端发来损坏的或超大的帧'), NO_ERROR_LISTENER_HINT, async () => {
      for (const [i, { name, code, hint, send }] of cases.entries()) {
        const client = await net.connect(server.url, { label: t(`the client sending ${name}`, `发送${name}的客户端`) });
        send(client);
        const closed = await client.waitClosed({ hint });
        expectEqual(closed.code, code, t(`the close code for ${name}`, `${name}的关闭码`), hint);
        // Clients #1 and #2 came first: this one is #3, #4, #5.
        const id = i + 3;
        await net.waitUntil(() => server.logs.some((line) => new RegExp(`#${id}\\b.*\\berror\\b`, 'i').test(line)), 3000, () => ({
          expected: t(`a log line saying what went wrong with client #${id} (${name}), like "client #${id} error: …"`, `一行日志说明客户端 #${id}（${name}）出了什么问题，比如 "client #${id} error: …"`),
          actual: show(server.logs.slice(-4)),
          hint: t('in the socket\'s "error" listener, log it: socket.on("error", (error) => log(`client #${member.id} error: ${printable(error.message)}`)).', '在 socket 的 "error" 监听器里把它记下来：socket.on("error", (error) => log(`client #${member.id} error: ${printable(error.message)}`))。'),
        }));
        watcher.send(`watcher: after ${i + 1}`);
        const [next] = await chats(watcher, 1, t(`keep serving the others after ${name}.`, `收到${name}之后，继续为其他人服务。`));
        expectEqual(next, `watcher: after ${i + 1}`, t(`the next message after ${name}`, `${name}之后的下一条消息`), t('a broken or oversize message must not be broadcast.', '损坏的或超大的消息不能广播。'));
      }
    });
  }, HEAVY_MS);

  check(t('writes what clients say to its log escaped and cut, so a newline cannot forge a log line', '把客户端说的话转义、截断后再写进日志，让换行伪造不了日志行'), async ({ net }) => {
    const server = await net.serve(createServer);
    const mallory = await net.connect(server.url, { label: named('mallory') });
    const forged = 'hi\nclient #7 left (0 in the room)';
    mallory.send(forged);
    mallory.send(`long ${'y'.repeat(500)}`);
    await chats(mallory, 2, t('broadcast every message, the sender included.', '广播每一条消息，发送者自己也要收到。'));
    const escape = t('log it with printable(text, 80) from lib/printable.ts: it turns a newline into \\n and cuts long text.', '用 lib/printable.ts 里的 printable(text, 80) 写日志：它会把换行变成 \\n，并截断过长的文本。');
    const forgedLine = server.logs.find((line) => line.includes('client #7'));
    if (!forgedLine || !forgedLine.includes('hi\\nclient #7 left')) {
      fail({ expected: t('a log line with the chat text escaped: hi\\nclient #7 left…', '一行日志，里面的聊天文本是转义过的：hi\\nclient #7 left…'), actual: forgedLine === undefined ? t(`no such line in ${show(server.logs)}`, `${show(server.logs)} 里没有这样的行`) : show(forgedLine), hint: escape });
    }
    const broken = server.logs.find((line) => /[\n\r]/.test(line));
    if (broken !== undefined) fail({ expected: t('no line break inside a log line', '日志行里没有换行'), actual: show(broken), hint: escape });
    const longLine = server.logs.find((line) => line.includes('long yyy'));
    const kept = `long ${'y'.repeat(75)}…`;
    if (!longLine || !longLine.endsWith(kept) || longLine.includes(`long ${'y'.repeat(76)}`)) {
      fail({ expected: t('the log line of a 505-character message to end with its first 80 characters and "…"', '一条 505 个字符的消息，它的日志行以这条消息的前 80 个字符和 "…" 结尾'), actual: longLine === undefined ? t('no such line', '没有这样的行') : t(`${show(longLine.slice(0, 40))}… (${longLine.length} characters)`, `${show(longLine.slice(0, 40))}…（${longLine.length} 个字符）`), hint: escape });
    }
  });
});

describe('leavers', () => {
  check(t('a leaver is removed from the room before the next broadcast', '离开的人在下一次广播之前就被移出房间'), async ({ net }) => {
    const server = await net.serve(createServer);
    const room = chatServer(server).room;
    const alice = await net.connect(server.url, { label: named('alice') });
    const bob = await net.connect(server.url, { label: t('bob (leaves cleanly)', '客户端 bob（正常离开）') });
    const carol = await net.connect(server.url, { label: t('carol (vanishes)', '客户端 carol（突然消失）') });
    const [, bobOnServer, carolOnServer] = server.connections;
    if (!bobOnServer || !carolOnServer) throw new Error('harness: expected three server-side sockets');
    if (!(room instanceof Map) || room.size !== 3) {
      fail({ expected: t('the room to hold the 3 connected clients', '房间里有 3 个已连接的客户端'), actual: room instanceof Map ? t(`${room.size}`, `只有 ${room.size} 个`) : show(room), hint: t('add each new socket to the room in the "connection" handler: room.set(socket, member).', '在 "connection" 处理函数里把每个新 socket 加进房间：room.set(socket, member)。') });
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

    for (const [leaver, onServer, how] of [[bob, bobOnServer, t('closed cleanly', '正常关闭了连接')], [carol, carolOnServer, t('dropped without a closing handshake', '没走关闭握手就断开了')]] as const) {
      if (leaver === bob) await bob.close(); else carol.terminate();
      await net.waitUntil(() => onServer.readyState === WebSocket.CLOSED, 3000, () => fail({
        expected: t(`the server to see that ${leaver.label} left`, `服务器看到${leaver.label}离开了`), actual: t('its connection is still open on the server', '它的连接在服务器上还开着'), hint: t('the server notices a leaver through the socket\'s "close" event.', '服务器通过 socket 的 "close" 事件得知有人离开。'),
      }));
      if (room.has(onServer)) {
        fail({
          expected: t(`a client that ${how} to leave the room at once (when its "close" event fires)`, `一个${how}的客户端立刻离开房间（在它的 "close" 事件触发时）`),
          actual: t(`it is still in the room (${room.size} members)`, `它还在房间里（${room.size} 个成员）`),
          hint: t('in socket.on("close", …) remove the socket from the room: room.delete(socket). A room that never shrinks leaks memory and sends to dead connections.', '在 socket.on("close", …) 里把 socket 移出房间：room.delete(socket)。一个只进不出的房间会泄漏内存，还会往死掉的连接上发送。'),
        });
      }
      alice.send(`alice: after ${leaver.label} left`);
      await chats(alice, 1, t('keep broadcasting to the clients that are still there.', '继续向还在的客户端广播。'));
    }
    if (sentToLeaver.length > 0) {
      fail({ expected: t('no sends to a connection that has closed', '不向已经关闭的连接发送'), actual: t(`the server sent to ${sentToLeaver.join(', ')} after they left`, `${sentToLeaver.join('、')} 离开之后，服务器还在给他们发送`), hint: t('remove leavers from the room in their "close" handler, and skip any socket that is not OPEN.', '在离开者的 "close" 处理函数里把他们移出房间，并跳过任何不是 OPEN 的 socket。') });
    }
    expectEqual(room.size, 1, t('the room size with only alice left', '只剩 alice 时房间的大小'), t('every client that leaves must leave the room.', '每个离开的客户端都必须离开房间。'));
    for (const [pattern, what] of [
      [/client #1\b.*\bjoined\b/, 'client #1 joined'], [/client #2\b.*\bjoined\b/, 'client #2 joined'], [/client #3\b.*\bjoined\b/, 'client #3 joined'],
      [/client #2\b.*\bleft\b/, 'client #2 left'], [/client #3\b.*\bleft\b/, 'client #3 left'],
    ] as const) {
      if (!server.logs.some((line) => pattern.test(line))) {
        fail({ expected: t(`the log to say "${what}…" (each client numbered 1, 2, 3 … in the order it came)`, `日志里写着 "${what}…"（每个客户端按到来的顺序编号 1、2、3……）`), actual: show(server.logs), hint: t('log each join and each leave with the member\'s id: log(`client #${member.id} joined (${room.size} in the room)`), and "left" in the "close" listener.', '每次加入和离开都连同成员的 id 记进日志：log(`client #${member.id} joined (${room.size} in the room)`)，"left" 在 "close" 监听器里记。') });
      }
    }
    expectEqual(server.wss.clients.size, 1, t('wss.clients.size with only alice left', '只剩 alice 时的 wss.clients.size'), t('do not keep references to closed sockets.', '不要留着对已关闭 socket 的引用。'));
    await alice.close();
    await net.waitUntil(() => room.size === 0, 3000, () => fail({ expected: t('an empty room after the last client left', '最后一个客户端离开后房间是空的'), actual: t(`${room.size} members`, `还有 ${room.size} 个成员`), hint: t('remove each socket from the room when it closes.', '每个 socket 关闭时就把它移出房间。') }));
  });

  check(t('a client that has started to close gets nothing more, even before its connection is gone', '一个已经开始关闭的客户端不再收到任何东西，哪怕它的连接还没完全断开'), async ({ net }) => {
    const server = await net.serve(createServer);
    const alice = await net.connect(server.url, { label: named('alice') });
    const dave = await net.connect(server.url, { label: t('dave (says goodbye, then stops reading)', '客户端 dave（道了别，然后不再读取）') });
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
      expected: t('the server to start closing dave\'s connection when his close frame arrives', 'dave 的关闭帧一到，服务器就开始关闭他的连接'), actual: t(`readyState ${daveOnServer.readyState}`, `readyState 是 ${daveOnServer.readyState}`), hint: t('ws answers a close frame by itself: do not get in its way.', 'ws 会自己回应关闭帧：别去妨碍它。'),
    }));
    alice.send('alice: is dave still here?');
    await chats(alice, 1, t('keep broadcasting to the clients that are still there.', '继续向还在的客户端广播。'));
    if (sentWhileClosing.length > 0) {
      fail({
        expected: t('no sends to a connection that is closing (its "close" event has not fired yet)', '不向正在关闭的连接发送（它的 "close" 事件还没触发）'),
        actual: t(`the server sent ${sentWhileClosing.join(', ')} to dave while it was CLOSING`, `dave 处于 CLOSING 时，服务器还给他发了 ${sentWhileClosing.join('、')}`),
        hint: t('in deliver(), skip a client that is not OPEN: if (client.readyState !== WebSocket.OPEN) return. A closing client is still in the room until "close" fires.', '在 deliver() 里跳过不是 OPEN 的客户端：if (client.readyState !== WebSocket.OPEN) return。在 "close" 触发之前，正在关闭的客户端还在房间里。'),
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
const DELAY_HINT = t('broadcast must never wait for one client before sending to the next: call socket.send(frame) for each member and move on (no await, no waiting for a send callback). A client that stops reading never calls back.', '广播时绝不能等一个客户端发完再发下一个：对每个成员调用 socket.send(frame) 然后接着往下走（不 await，也不等 send 的回调）。一个停止读取的客户端永远不会回调。');
const LIMIT_HINT = t('before each send, look at client.bufferedAmount: when it plus the message is above maxBufferedBytes, close that client (1013) or drop the message for it, but do not queue more.', '每次发送之前看一下 client.bufferedAmount：它加上这条消息超过 maxBufferedBytes 时，关闭这个客户端（1013）或者不给它发这条消息，但绝不能再往队列里塞。');

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
  const slow = await net.connect(server.url, { label: t('the client that stopped reading', '停止读取的客户端') });
  const slowOnServer = server.connections[0];
  if (!slowOnServer) throw new Error('harness: no server-side socket');
  const fast: Endpoint[] = [];
  for (let i = 1; i <= 3; i += 1) fast.push(await net.connect(server.url, { label: t(`fast client ${i}`, `快客户端 ${i}`) }));
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
            fail({ expected: t(`${client.label} to receive message ${room.sent + i + 1}`, `${client.label}收到第 ${room.sent + i + 1} 条消息`), actual: show(text.slice(0, 20)), hint: t('every fast client must get every message, in order, whatever a slow client does.', '不管慢客户端怎样，每个快客户端都必须按顺序收到每一条消息。') });
          }
        });
      }
      room.sent += BATCH;
      sample();
      if (enforceLimit && room.maxBuffered > bound) {
        fail({
          expected: t(`the server to hold at most about ${bound} bytes (maxBufferedBytes ${LIMIT} plus one message) for a client that stopped reading`, `服务器为一个停止读取的客户端最多攒大约 ${bound} 字节（maxBufferedBytes ${LIMIT} 再加一条消息）`),
          actual: t(`${room.maxBuffered} bytes waiting for it after ${room.sent} messages, and growing`, `发了 ${room.sent} 条消息之后，有 ${room.maxBuffered} 字节等着发给它，而且还在增长`),
          hint: LIMIT_HINT,
        });
      }
    }
  } finally {
    watcher.ws.off('message', sample);
  }
}

/** The chat messages a client received, checked to be `msg 1`, `msg 2`, … with no gap; returns how many. */
function contiguousFromOne(client: Endpoint, hint: Text): number {
  let n = 0;
  for (const { data } of client.received) {
    const text = typeof data === 'string' ? data : data.toString('utf8');
    const message = parse(text, t(`a message to ${client.label}`, `发给${client.label}的一条消息`));
    const expected = `msg ${n + 1} `;
    if (message.type !== 'chat' || typeof message.message !== 'string' || !message.message.startsWith(expected)) {
      fail({ expected: t(`message ${n + 1} next on ${client.label}, in order, with nothing missing`, `${client.label}接下来收到第 ${n + 1} 条消息，按顺序，一条不少`), actual: message.type === 'chat' && typeof message.message === 'string' ? head(message.message) : show(text.slice(0, 60)), hint });
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
    fail({ expected: t(`the client that stopped reading to be closed (slowConsumer "close", the default) after ${room.sent} messages of 60 kB`, `发了 ${room.sent} 条 60 kB 的消息之后，停止读取的客户端被关闭（slowConsumer 为 "close"，即默认值）`), actual: t('it is still open', '它还开着'), hint: LIMIT_HINT });
  }
  if (server.room.has(room.slowOnServer)) {
    fail({ expected: t('a client closed for being slow to leave the room at once', '因为太慢而被关闭的客户端立刻离开房间'), actual: t('it is still in the room', '它还在房间里'), hint: t('in the "close" policy, room.delete(client) before client.close(1013, …).', '在 "close" 策略里，先 room.delete(client)，再 client.close(1013, …)。') });
  }
  expectEqual(server.stats.slowClosed, 1, t('stats.slowClosed', 'stats.slowClosed 的值'), t('count each client closed for being slow once: stats.slowClosed += 1.', '每个因为太慢而被关闭的客户端计一次：stats.slowClosed += 1。'));
  // Once it reads again it drains what was queued, then finds the close frame.
  resumeReading(room.slow);
  const closed = await room.slow.waitClosed({ within: 10_000, hint: t('close a slow client with client.close(1013, "too slow…"): the close frame waits behind its unread data, and reaches it once it reads again.', '用 client.close(1013, "too slow…") 关闭慢客户端：关闭帧排在它没读的数据后面，等它重新开始读时才会到达。') });
  expectEqual(closed.code, 1013, t('the close code a slow client gets once it reads again', '慢客户端重新开始读时收到的关闭码'), t('use 1013 ("try again later"): the client should reconnect and catch up. Do not terminate() it before closeGraceMs.', '用 1013（“稍后再试”）：客户端应该重连并赶上来。closeGraceMs 之前不要 terminate() 它。'));
  if (closed.reason.trim() === '') fail({ expected: t('a close reason that says why (e.g. "too slow: reconnect to catch up")', '一个说明原因的关闭原因（比如 "too slow: reconnect to catch up"）'), actual: t('an empty reason', '原因是空的'), hint: t('client.close(1013, "too slow: …").', '用 client.close(1013, "too slow: …")。') });
  const got = contiguousFromOne(room.slow, t('a slow client is cut off, not thinned out: it gets every message queued before the close, in order, and none after.', '慢客户端是被切断，而不是被稀释：关闭之前排队的每条消息它都按顺序收到，关闭之后的一条也没有。'));
  if (got < 1 || got >= room.sent) {
    fail({ expected: t(`the slow client to get the messages sent before it was cut off (some, not all ${room.sent})`, `慢客户端收到它被切断之前发出的那些消息（一部分，而不是全部 ${room.sent} 条）`), actual: t(`${got}`, `${got} 条`), hint: t('queue nothing more for a client once it is closed: it is out of the room.', '客户端一旦被关闭，就不再给它排队任何东西：它已经不在房间里了。') });
  }
  if (!room.server.logs.some((line) => /client #1\b.*\bslow\b/i.test(line))) {
    fail({ expected: t('a log line saying client #1 was cut off for being too slow', '一行日志说明客户端 #1 因为太慢被切断了'), actual: show(room.server.logs.slice(-3)), hint: t('log it when you close a slow client: log(`client #${member.id} is too slow (… bytes waiting): disconnecting it`).', '关闭慢客户端时记一笔：log(`client #${member.id} is too slow (… bytes waiting): disconnecting it`)。') });
  }
  await net.waitUntil(() => room.slowOnServer.readyState === WebSocket.CLOSED, 5000, () => ({
    expected: t('the server side of the slow client\'s connection to be closed once the closing handshake is done', '关闭握手完成后，慢客户端连接的服务器一端被关闭'), actual: t('it is still closing', '它还在关闭中'), hint: t('client.close(1013, …) completes when the client answers.', 'client.close(1013, …) 在客户端回应时完成。'),
  }));
  await net.waitUntil(() => timers.pending() === 0, 3000, () => ({
    expected: t('no terminate() timer left once the slow client has closed cleanly', '慢客户端正常关闭之后，不留下 terminate() 定时器'),
    actual: t(`${timers.pending()} timer(s) of closeGraceMs (${GRACE_MS} ms) still pending`, `还有 ${timers.pending()} 个 closeGraceMs（${GRACE_MS} 毫秒）的定时器没结束`),
    hint: t('clear the grace timer when the connection closes: client.once("close", () => clearTimeout(timer)). A timer left behind holds the socket for closeGraceMs, and keeps a stopping server alive.', '连接关闭时清掉宽限定时器：client.once("close", () => clearTimeout(timer))。留下来的定时器会把 socket 多拽住 closeGraceMs，还会让一个正在停止的服务器继续活着。'),
  }));
}

describe('a client that stops reading', () => {
  check(t('does not delay the others: every fast client gets every message promptly', '不拖累别人：每个快客户端都及时收到每一条消息'), async ({ net }) => {
    const room = await slowRoom(net);
    // Runs past the point where the slow client's kernel buffers are full (about 4 MB on
    // Linux): from there on, a broadcast that waits for it would wait for ever.
    await pump(room, () => false, { enforceLimit: false });
  }, HEAVY_MS);

  check(t('the server\'s buffer for it stays under maxBufferedBytes', '服务器为它攒的缓冲保持在 maxBufferedBytes 以下'), async ({ net }) => {
    const room = await slowRoom(net);
    await pump(room, () => false);
    const bound = LIMIT + BIG_CHARS + 1024;
    room.maxBuffered = Math.max(room.maxBuffered, room.slowOnServer.bufferedAmount);
    if (room.maxBuffered > bound) {
      fail({
        expected: t(`the server to hold at most about ${bound} bytes for the client that stopped reading`, `服务器为停止读取的客户端最多攒大约 ${bound} 字节`),
        actual: t(`${room.maxBuffered} bytes waiting for it after ${room.sent} messages`, `发了 ${room.sent} 条消息之后，有 ${room.maxBuffered} 字节等着发给它`),
        hint: LIMIT_HINT,
      });
    }
  }, HEAVY_MS);

  check(t('leaves the room at once, and if it reads again it gets everything up to the cut, then close code 1013', '立刻离开房间；如果它重新开始读，会收到切断之前的所有消息，然后是关闭码 1013'), async ({ net }) => {
    const timers = watchTimers(GRACE_MS);
    try {
      await slowCloseThenResume(net, timers);
    } finally {
      timers.restore();
    }
  }, HEAVY_MS);

  check(t('if it never reads again, its connection is dropped after closeGraceMs and it sees 1006, not 1013', '如果它再也不读，closeGraceMs 之后它的连接被断开，它看到的是 1006 而不是 1013'), async ({ net }) => {
    const room = await slowRoom(net, { closeGraceMs: 300 });
    await pump(room, () => false);
    await net.waitUntil(() => room.slowOnServer.readyState === WebSocket.CLOSED, 5000, () => fail({
      expected: t('the slow client\'s connection to be gone within about closeGraceMs (300 ms) of the close', '关闭之后大约 closeGraceMs（300 毫秒）之内，慢客户端的连接就没了'),
      actual: t('it is still closing: its close frame sits behind data it never reads, and so does the memory', '它还在关闭中：它的关闭帧排在它永远不读的数据后面，内存也一样被占着'),
      hint: t('after client.close(1013, …) start a timer: setTimeout(() => client.terminate(), closeGraceMs), cleared on "close".', '调用 client.close(1013, …) 之后启动一个定时器：setTimeout(() => client.terminate(), closeGraceMs)，在 "close" 时清掉。'),
    }));
    if (chatServer(room.server).room.has(room.slowOnServer)) {
      fail({ expected: t('the dropped client to be out of the room', '被断开的客户端已经不在房间里'), actual: t('it is still in the room', '它还在房间里'), hint: t('room.delete(client) when you close it.', '关闭它的时候 room.delete(client)。') });
    }
    // What it finds when it looks, much later: what the kernel held, then a dead connection.
    resumeReading(room.slow);
    const closed = await room.slow.waitClosed({ within: 10_000, hint: t('the server dropped the connection: the client must see it end.', '服务器断开了连接：客户端必须看到它结束。') });
    expectEqual(closed.code, 1006, t('the close code a client that never read again sees', '一个再也没读的客户端看到的关闭码'), t('its close frame never left the server: terminate() dropped it with the unread data, so the client sees 1006 (no close frame). The explainer says so.', '它的关闭帧从来没离开过服务器：terminate() 把它连同没读的数据一起丢掉了，所以客户端看到的是 1006（没有关闭帧）。讲解里说过这一点。'));
    contiguousFromOne(room.slow, t('a slow client is cut off, not thinned out: what it gets is every message in order, up to the cut.', '慢客户端是被切断，而不是被稀释：它收到的是切断之前按顺序的每一条消息。'));
  }, HEAVY_MS);

  check(t('with slowConsumer "drop": stays connected, misses messages, and is told how many', 'slowConsumer 为 "drop" 时：保持连接，错过一些消息，并被告知错过了多少'), async ({ net }) => {
    const room = await slowRoom(net, { slowConsumer: 'drop' });
    const stats = chatServer(room.server).stats;
    await pump(room, () => stats.dropped > 0 && room.sent >= 2 * BATCH);
    if (stats.dropped === 0) {
      fail({ expected: t('messages to be dropped for the client that stopped reading', '给停止读取的客户端的消息被丢掉'), actual: t(`stats.dropped is 0 after ${room.sent} messages`, `发了 ${room.sent} 条消息之后 stats.dropped 还是 0`), hint: t('with slowConsumer "drop", skip the send when the buffer is full, and count it: member.dropped += 1, stats.dropped += 1.', 'slowConsumer 为 "drop" 时，缓冲满了就跳过这次发送，并计数：member.dropped += 1，stats.dropped += 1。') });
    }
    if (room.slowOnServer.readyState !== WebSocket.OPEN) {
      fail({ expected: t('the slow client to stay connected with slowConsumer "drop"', 'slowConsumer 为 "drop" 时，慢客户端保持连接'), actual: t('the server closed it', '服务器把它关了'), hint: t('close only with the "close" policy; "drop" skips messages instead.', '只有 "close" 策略才关闭；"drop" 是跳过消息。') });
    }
    expectEqual(stats.slowClosed, 0, t('stats.slowClosed with slowConsumer "drop"', 'slowConsumer 为 "drop" 时的 stats.slowClosed'), t('with "drop", nobody is closed.', '用 "drop" 时，谁都不会被关闭。'));
    resumeReading(room.slow);
    await net.waitUntil(() => room.slowOnServer.bufferedAmount === 0, 10_000, () => fail({
      expected: t('the server\'s buffer for the slow client to drain once it reads again', '慢客户端重新开始读之后，服务器为它攒的缓冲被清空'), actual: t(`${room.slowOnServer.bufferedAmount} bytes still waiting`, `还有 ${room.slowOnServer.bufferedAmount} 字节在等`), hint: t('do not hold back messages yourself: ws writes them as the client reads.', '不要自己扣着消息：客户端读多少，ws 就写多少。'),
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
      const text = await room.slow.nextText({ within: 5000, waitingFor: t(`message ${expected} of ${total} (or a "dropped" notice)`, `第 ${expected} 条消息（共 ${total} 条），或者一个 "dropped" 通知`), hint: t('once the client reads again, send it the next messages, preceded by {"type":"dropped","count":N}.', '客户端重新开始读之后，给它发接下来的消息，前面先发一个 {"type":"dropped","count":N}。') });
      const message = parse(text, t('a message to the slow client', '发给慢客户端的一条消息'));
      if (message.type === 'dropped') {
        if (typeof message.count !== 'number' || message.count < 1) fail({ expected: t('a "dropped" notice with a positive count', '一个 count 为正数的 "dropped" 通知'), actual: show(text), hint: t('send {"type":"dropped","count":member.dropped}.', '发送 {"type":"dropped","count":member.dropped}。') });
        notices += 1;
        missed += message.count;
        expected += message.count;
        continue;
      }
      const n = typeof message.message === 'string' ? Number(/^msg (\d+)/.exec(message.message)?.[1]) : NaN;
      if (n !== expected) {
        fail({
          expected: t(`message ${expected} next on the slow client (after the notices so far)`, `慢客户端接下来收到第 ${expected} 条消息（算上到目前为止的通知）`),
          actual: Number.isNaN(n) ? t(`message ${show(text.slice(0, 40))}`, `消息 ${show(text.slice(0, 40))}`) : t(`message ${n}`, `第 ${n} 条消息`),
          hint: t('before the first message a client gets after missing some, send {"type":"dropped","count":N} with exactly the number it missed, then reset the count.', '客户端错过一些消息之后，在它收到的第一条消息之前，先发一个 {"type":"dropped","count":N}，N 正好是它错过的条数，然后把计数清零。'),
        });
      }
      expected += 1;
    }
    if (notices === 0) fail({ expected: t('a "dropped" notice before the messages after the gap', '缺口之后的消息前面有一个 "dropped" 通知'), actual: t('none', '一个也没有'), hint: t('send {"type":"dropped","count":N} before the next message a client gets after missing some.', '客户端错过一些消息之后，在它收到的下一条消息之前发送 {"type":"dropped","count":N}。') });
    expectEqual(stats.dropped, missed, t('stats.dropped (only this client missed messages)', 'stats.dropped（只有这个客户端错过了消息）'), t('count every skipped message once in stats.dropped: stats.dropped += 1.', '每条跳过的消息在 stats.dropped 里计一次：stats.dropped += 1。'));
  }, HEAVY_MS);

  check(t('the limit is exact: an empty buffer takes any message, a frame that brings it to exactly maxBufferedBytes goes out, one byte more does not', '上限是精确的：空缓冲什么消息都收，刚好把它填到 maxBufferedBytes 的帧照发，多一个字节就不发'), async ({ net }) => {
    const limit = 10_000;
    const server = await net.serve(createServer, { maxBufferedBytes: limit });
    const bob = await net.connect(server.url, { label: named('bob') });
    const bobOnServer = server.connections[0];
    if (!bobOnServer) throw new Error('harness: no server-side socket');
    const alice = await net.connect(server.url, { label: named('alice') });
    // What the server believes is waiting for bob, set by this check.
    let waiting = 0;
    Object.defineProperty(bobOnServer, 'bufferedAmount', { configurable: true, get: () => waiting });
    const steps: [number, string, Text][] = [
      [0, 'x'.repeat(2 * limit), t(`a ${2 * limit}-character message into an empty buffer (the limit is ${limit} bytes)`, `一条 ${2 * limit} 个字符的消息放进空缓冲（上限是 ${limit} 字节）`)],
      [limit - chatFrame('exact fit').length, 'exact fit', t(`"exact fit" with ${limit - chatFrame('exact fit').length} bytes waiting: its frame brings the buffer to exactly ${limit}`, `有 ${limit - chatFrame('exact fit').length} 字节在等时的 "exact fit"：它的帧正好把缓冲填到 ${limit}`)],
    ];
    for (const [buffered, text, what] of steps) {
      waiting = buffered;
      alice.send(text);
      const [got] = await chats(bob, 1, t(`a frame fits when bufferedAmount is 0, or when bufferedAmount + frame.length <= maxBufferedBytes: ${what} must go out.`, `bufferedAmount 为 0，或者 bufferedAmount + frame.length <= maxBufferedBytes 时，帧就放得下：${what}必须发出去。`));
      expectEqual(got, text, t(`what bob received for ${what}`, `对于${what}，bob 收到的内容`), t('fits(): buffered === 0 || buffered + bytes <= maxBufferedBytes.', 'fits() 的条件是：buffered === 0 || buffered + bytes <= maxBufferedBytes。'));
    }
    waiting = limit - chatFrame('one byte over').length + 1;
    alice.send('one byte over');
    const closed = await bob.waitClosed({ hint: t(`with ${waiting} bytes waiting, "one byte over" would bring bob's buffer to ${limit + 1} bytes: bob is too slow, close it (1013).`, `有 ${waiting} 字节在等时，"one byte over" 会把 bob 的缓冲撑到 ${limit + 1} 字节：bob 太慢了，关闭它（1013）。`) });
    expectEqual(closed.code, 1013, t('the close code bob got for a frame one byte over the limit', '一个超出上限一个字节的帧让 bob 收到的关闭码'), t('a frame that does not fit means the client is too slow: close it with 1013 (slowConsumer "close").', '放不下的帧说明客户端太慢了：用 1013 关闭它（slowConsumer 为 "close"）。'));
    if (bob.received.some((m) => typeof m.data === 'string' && m.data.includes('one byte over'))) {
      fail({ expected: t('the frame that did not fit not to be sent', '放不下的帧没有被发出'), actual: t('bob received it', 'bob 收到了它'), hint: t('call tooSlow() instead of send(), not as well.', '调用 tooSlow() 来代替 send()，而不是两个都调。') });
    }
  });

  check(t('with the default maxBufferedBytes (1 MiB), it is cut off only once about 1 MiB waits for it', '默认的 maxBufferedBytes（1 MiB）下，只有大约 1 MiB 在等它时才切断它'), async ({ net }) => {
    const server = await net.serve(createServer, NO_RATE_LIMIT);
    const slow = await net.connect(server.url, { label: t('the client that stopped reading', '停止读取的客户端') });
    const slowOnServer = server.connections[0];
    if (!slowOnServer) throw new Error('harness: no server-side socket');
    const fast: Endpoint[] = [];
    for (let i = 1; i <= 2; i += 1) fast.push(await net.connect(server.url, { label: t(`fast client ${i}`, `快客户端 ${i}`) }));
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
    if (slowOnServer.readyState === WebSocket.OPEN) fail({ expected: t('the client that stopped reading to be closed once its buffer reached 1 MiB', '缓冲达到 1 MiB 时，停止读取的客户端被关闭'), actual: t(`still open after ${sent} messages of 60 kB`, `发了 ${sent} 条 60 kB 的消息之后还开着`), hint: LIMIT_HINT });
    if (peak < MiB - 2 * BIG_CHARS || peak > MiB + BIG_CHARS + 1024) {
      fail({
        expected: t('the server to let up to about 1 MiB (the default maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES) wait for a client before cutting it off', '服务器允许最多大约 1 MiB（默认的 maxBufferedBytes，即 DEFAULT_MAX_BUFFERED_BYTES）等着一个客户端，然后才切断它'),
        actual: t(`it cut the client off with at most ${peak} bytes waiting`, `它在最多只有 ${peak} 字节在等时就切断了客户端`),
        hint: t('keep the default maxBufferedBytes = 1024 * 1024, and cut a client off only when a frame would not fit under it (fits(): buffered === 0 || buffered + bytes <= maxBufferedBytes).', '保留默认的 maxBufferedBytes = 1024 * 1024，只在一个帧放不下时才切断客户端（fits()：buffered === 0 || buffered + bytes <= maxBufferedBytes）。'),
      });
    }
  }, HEAVY_MS);
});

// Pings: ws answers each one with a pong by itself (autoPong), however much is already queued.
const PING_PAYLOAD = Buffer.alloc(125, 0x70);
const PING_BATCH = 1000;
/** 15 MB of pongs: far past the kernel's buffers for a client that stopped reading (about 4 MB on Linux). */
const MAX_PINGS = 120_000;
const PONG_HINT = t('ws answers every ping with a pong on its own, however much is queued: create the server with autoPong: false, and in socket.on("ping", data => …) send socket.pong(data) only if it fits under maxBufferedBytes, like any other message.', '不管队列里已经排了多少，ws 都会自己给每个 ping 回一个 pong：用 autoPong: false 创建服务器，在 socket.on("ping", data => …) 里，只有放得下 maxBufferedBytes 时才 socket.pong(data)，和其他消息一样。');

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
      expected: t('the server to keep reading the pings', '服务器继续读取这些 ping'), actual: t(`${pinger.ws.bufferedAmount} bytes of pings unread`, `还有 ${pinger.ws.bufferedAmount} 字节的 ping 没被读`), hint: t('do not stop reading from a client because of its pings.', '不要因为客户端的 ping 就停止读取它。'),
    }));
    await new Promise((resolve) => setTimeout(resolve, 2));
    const buffered = onServer.bufferedAmount;
    if (buffered > 0) pilingUp += 1;
    if (buffered > bound) {
      fail({ expected: t(`the server to queue at most about ${bound} bytes (maxBufferedBytes ${LIMIT}) for a client that pings and never reads`, `服务器为一个只 ping 不读的客户端最多排队大约 ${bound} 字节（maxBufferedBytes ${LIMIT}）`), actual: t(`${buffered} bytes of pongs after ${pings} pings of 125 bytes, and growing`, `收到 ${pings} 个 125 字节的 ping 之后，有 ${buffered} 字节的 pong，而且还在增长`), hint: PONG_HINT });
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
    await net.waitUntil(() => pongs.length > 0, 3000, () => ({ expected: t(`a pong for ${client.label}'s ping`, `${client.label}的 ping 得到一个 pong`), actual: t('none', '一个也没有'), hint: t('with autoPong: false, answer pings yourself: socket.on("ping", (data) => socket.pong(data)) while under the limit.', '设了 autoPong: false，就要自己回应 ping：在没超过上限时 socket.on("ping", (data) => socket.pong(data))。') }));
    expectEqual(pongs[0], 'are you there?', t('the pong\'s payload', 'pong 的载荷'), t('a pong must carry the ping\'s payload: socket.pong(data).', 'pong 必须带着 ping 的载荷：socket.pong(data)。'));
  } finally {
    client.ws.off('pong', onPong);
  }
}

describe('a client that pings and never reads', () => {
  check(t('a ping is answered with a pong that carries its payload', 'ping 得到一个带着它的载荷的 pong'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url, { label: t('a pinging client', '发 ping 的客户端') });
    await expectPong(net, client);
  });

  check(t('its pongs stay under maxBufferedBytes, it is closed as too slow, and the others are unaffected', '它的 pong 保持在 maxBufferedBytes 以下，它因为太慢被关闭，其他人不受影响'), async ({ net }) => {
    const server = await net.serve(createServer, { maxBufferedBytes: LIMIT, closeGraceMs: 30_000 });
    const pinger = await net.connect(server.url, { label: t('the client that pings and never reads', '只 ping 不读的客户端') });
    const onServer = server.connections[0];
    if (!onServer) throw new Error('harness: no server-side socket');
    const alice = await net.connect(server.url, { label: named('alice') });
    const bob = await net.connect(server.url, { label: named('bob') });
    await expectPong(net, alice);
    stopReading(pinger);
    await pingFlood(net, pinger, onServer);
    const chat = chatServer(server);
    if (onServer.readyState === WebSocket.OPEN) {
      fail({ expected: t('the server to close a client whose pongs pile up past maxBufferedBytes', 'pong 堆积超过 maxBufferedBytes 时，服务器关闭这个客户端'), actual: t(`it is still open after ${MAX_PINGS} pings`, `${MAX_PINGS} 个 ping 之后它还开着`), hint: t('when a pong does not fit (slowConsumer "close"), close that client as too slow, as for a chat message.', 'pong 放不下时（slowConsumer 为 "close"），就像聊天消息那样，把这个客户端当作太慢而关闭。') });
    }
    expectEqual(chat.room.has(onServer), false, t('whether the pinger is still in the room', '这个 ping 客户端是否还在房间里'), t('close it as too slow: out of the room, close(1013).', '把它当作太慢而关闭：移出房间，close(1013)。'));
    expectEqual(chat.stats.slowClosed, 1, t('stats.slowClosed after the ping flood', 'ping 洪水之后的 stats.slowClosed'), t('close a slow client once: once it is closing, answer no more of its pings.', '慢客户端只关闭一次：它一旦在关闭中，就不再回应它的 ping。'));
    alice.send('alice: still here');
    for (const client of [alice, bob]) {
      const [got] = await chats(client, 1, t('one client\'s pings must not affect the others.', '一个客户端的 ping 不能影响别人。'));
      expectEqual(got, 'alice: still here', t(`what ${client.label} received after the flood`, `洪水过后${client.label}收到的内容`), t('one client\'s pings must not affect the others.', '一个客户端的 ping 不能影响别人。'));
    }
    resumeReading(pinger);
    const closed = await pinger.waitClosed({ within: 10_000, hint: t('close it with 1013 like any client that is too slow.', '像对待任何太慢的客户端一样，用 1013 关闭它。') });
    expectEqual(closed.code, 1013, t('the close code the pinger finds once it reads again', '这个 ping 客户端重新开始读时看到的关闭码'), t('close it with 1013 like any client that is too slow.', '像对待任何太慢的客户端一样，用 1013 关闭它。'));
  }, HEAVY_MS);

  check(t('with slowConsumer "drop": its pongs are skipped, it stays, and no chat message counts as dropped', 'slowConsumer 为 "drop" 时：它的 pong 被跳过，它留下来，而且没有聊天消息被算作丢弃'), async ({ net }) => {
    const server = await net.serve(createServer, { maxBufferedBytes: LIMIT, slowConsumer: 'drop' });
    const pinger = await net.connect(server.url, { label: t('the client that pings and never reads', '只 ping 不读的客户端') });
    const onServer = server.connections[0];
    if (!onServer) throw new Error('harness: no server-side socket');
    const alice = await net.connect(server.url, { label: named('alice') });
    await expectPong(net, alice);
    stopReading(pinger);
    await pingFlood(net, pinger, onServer);
    if (onServer.readyState !== WebSocket.OPEN) fail({ expected: t('the pinger to stay connected with slowConsumer "drop"', 'slowConsumer 为 "drop" 时，ping 客户端保持连接'), actual: t('the server closed it', '服务器把它关了'), hint: t('with "drop", skip the pong that does not fit; close only with "close".', '用 "drop" 时，跳过放不下的 pong；只有 "close" 才关闭。') });
    expectEqual(chatServer(server).stats.dropped, 0, t('stats.dropped after skipped pongs', '跳过一些 pong 之后的 stats.dropped'), t('stats.dropped counts chat messages a client missed: a skipped pong is not one.', 'stats.dropped 计的是客户端错过的聊天消息：跳过的 pong 不算。'));
    resumeReading(pinger);
    await net.waitUntil(() => onServer.bufferedAmount === 0, 10_000, () => ({
      expected: t('the server\'s buffer for the pinger to drain once it reads again', 'ping 客户端重新开始读之后，服务器为它攒的缓冲被清空'), actual: t(`${onServer.bufferedAmount} bytes still waiting`, `还有 ${onServer.bufferedAmount} 字节在等`), hint: t('do not hold back what is queued: ws writes it as the client reads.', '不要扣着排队的东西：客户端读多少，ws 就写多少。'),
    }));
    alice.send('alice: hello pinger');
    const [first] = await pinger.texts(1, { within: 10_000, hint: t('after its pongs, the pinger gets the next chat message.', '收完它的 pong 之后，ping 客户端收到下一条聊天消息。') });
    expectEqual(parse(first ?? '', t('the first message to the pinger', '发给 ping 客户端的第一条消息')).type, 'chat', t('the type of the first message the pinger gets', 'ping 客户端收到的第一条消息的 type'), t('a skipped pong is not a missed chat message: do not count it in member.dropped (no "dropped" notice).', '跳过的 pong 不是错过的聊天消息：不要把它计进 member.dropped（也不发 "dropped" 通知）。'));
  }, HEAVY_MS);
});

// The other side: a client that sends too fast. Each sender has a token bucket of bytes.
const BURST_MESSAGES = 4; // 4 × 60,000 bytes fit in the default 256 KiB bucket; a fifth does not
const FLOOD = 100;
const RATE_HINT = t('give each member a token bucket: it starts full with senderBurstBytes (256 KiB), refills at senderBytesPerSecond (64 KiB/s) by the clock now(), and each message takes max(its bytes, MIN_MESSAGE_COST). A message the bucket cannot pay for is not broadcast: its sender gets {"type":"rate_limited","retryAfterMs":N}.', '给每个成员一个令牌桶：一开始装满 senderBurstBytes（256 KiB），按时钟 now() 以 senderBytesPerSecond（64 KiB/s）的速度补充，每条消息花掉 max(它的字节数, MIN_MESSAGE_COST)。桶付不起的消息不广播：它的发送者收到 {"type":"rate_limited","retryAfterMs":N}。');

/** A frozen clock the checks move by hand, so the bucket's arithmetic is exact. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

/** Reads one reply to the sender's own message: its chat echo or a rate_limited notice. */
async function reply(sender: Endpoint, what: Text): Promise<Incoming> {
  return parse(await sender.nextText({ within: 10_000, waitingFor: t(`the reply to ${what}: its chat echo or a "rate_limited" notice`, `对${what}的回复：它的聊天回显，或者一个 "rate_limited" 通知`), hint: RATE_HINT }), t(`the reply to ${what}`, `对${what}的回复`));
}

async function expectRefused(sender: Endpoint, what: Text, retryAfterMs: number): Promise<void> {
  const answer = await reply(sender, what);
  if (answer.type !== 'rate_limited') {
    fail({ expected: t(`${what} to be refused with {"type":"rate_limited","retryAfterMs":${retryAfterMs}}`, `${what}被 {"type":"rate_limited","retryAfterMs":${retryAfterMs}} 拒绝`), actual: answer.type === 'chat' ? t('it was broadcast', '它被广播出去了') : show(answer), hint: RATE_HINT });
  }
  expectEqual(answer.retryAfterMs, retryAfterMs, t(`retryAfterMs for ${what}`, `${what}的 retryAfterMs`), t('retryAfterMs = Math.ceil((cost − tokens) × 1000 / senderBytesPerSecond): when the bucket will hold enough.', 'retryAfterMs = Math.ceil((cost − tokens) × 1000 / senderBytesPerSecond)：也就是桶什么时候会攒够。'));
}

async function expectAccepted(sender: Endpoint, what: Text, hint: Text = RATE_HINT): Promise<void> {
  const answer = await reply(sender, what);
  if (answer.type !== 'chat') {
    fail({ expected: t(`${what} to be broadcast (the bucket holds enough)`, `${what}被广播出去（桶里攒够了）`), actual: show(answer), hint });
  }
}

describe('a client that sends too fast', () => {
  check(t('a flood is cut to the sender\'s burst: the rest is refused with a notice, and the others stay connected', '洪水被削减到发送者的突发额度：其余的被拒绝并收到通知，其他人保持连接'), async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now });
    const members = await net.connectMany(server.url, 10);
    const [flooder, ...others] = members;
    if (!flooder) throw new Error('harness: no clients');
    for (let n = 1; n <= FLOOD; n += 1) flooder.send(bigMessage(n));
    let accepted = 0;
    let refused = 0;
    for (let n = 1; n <= FLOOD; n += 1) {
      const answer = await reply(flooder, t(`message ${n} of a flood of ${FLOOD} × 60 kB`, `${FLOOD} × 60 kB 洪水中的第 ${n} 条消息`));
      if (answer.type === 'chat') accepted += 1;
      else if (answer.type === 'rate_limited') refused += 1;
      else fail({ expected: t('a chat echo or a "rate_limited" notice', '一个聊天回显，或者一个 "rate_limited" 通知'), actual: show(answer), hint: RATE_HINT });
    }
    if (accepted !== BURST_MESSAGES) {
      fail({
        expected: t(`exactly ${BURST_MESSAGES} of ${FLOOD} messages of 60 kB broadcast (the 256 KiB burst; the clock did not move), ${FLOOD - BURST_MESSAGES} refused`, `${FLOOD} 条 60 kB 的消息中正好 ${BURST_MESSAGES} 条被广播（256 KiB 的突发额度；时钟没走），${FLOOD - BURST_MESSAGES} 条被拒绝`),
        actual: t(`${accepted} broadcast, ${refused} refused`, `${accepted} 条被广播，${refused} 条被拒绝`),
        hint: RATE_HINT,
      });
    }
    const marker = others[0];
    if (!marker) throw new Error('harness: no clients');
    marker.send('flood over');
    for (const member of others) {
      const got = await chats(member, BURST_MESSAGES + 1, t('the others get the messages the bucket let through, then the next ones: a fast sender must not get them closed.', '其他人收到桶放行的那些消息，然后是接下来的消息：一个发得快的人不能害得他们被关闭。'), 10_000);
      const expected = [...Array.from({ length: BURST_MESSAGES }, (_, i) => `msg ${i + 1} `), 'flood over'];
      got.forEach((text, i) => {
        if (!text.startsWith(expected[i] ?? '')) {
          fail({ expected: t(`message ${i + 1} on ${member.label} to be ${show(expected[i])}…`, `${member.label}收到的第 ${i + 1} 条消息是 ${show(expected[i])}…`), actual: head(text), hint: t(`only the first ${BURST_MESSAGES} messages of the flood may reach the room. ${RATE_HINT}`, `洪水里只有前 ${BURST_MESSAGES} 条消息可以进入房间。${RATE_HINT}`) });
        }
      });
      if (!member.isOpen) fail({ expected: t(`${member.label} to stay connected`, `${member.label}保持连接`), actual: t(`closed (${member.closed?.code})`, `被关闭了（${member.closed?.code}）`), hint: RATE_HINT });
    }
  }, HEAVY_MS);

  check(t('a refused sender is told when to retry, and its message goes through then, not a millisecond sooner', '被拒绝的发送者会被告知何时重试，到时它的消息能通过，早一毫秒都不行'), async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now });
    const sender = await net.connect(server.url, { label: t('the sender', '发送者') });
    for (let n = 1; n <= BURST_MESSAGES; n += 1) {
      sender.send(bigMessage(n));
      await expectAccepted(sender, t(`message ${n} (60,000 bytes) of a full 256 KiB bucket`, `满满一桶 256 KiB 中的第 ${n} 条消息（60,000 字节）`));
    }
    // 262,144 − 4 × 60,000 = 22,144 bytes left; 37,856 more take 37,856 / 65,536 s = 577.6 ms.
    sender.send(bigMessage(5));
    await expectRefused(sender, t('message 5, with 22,144 bytes left in the bucket', '桶里还剩 22,144 字节时的第 5 条消息'), 578);
    clock.advance(577);
    sender.send(bigMessage(5));
    await expectRefused(sender, t('message 5 again, 577 ms later', '577 毫秒之后再发的第 5 条消息'), 1);
    clock.advance(1);
    sender.send(bigMessage(5));
    await expectAccepted(sender, t('message 5 again, 578 ms after the first try', '第一次尝试 578 毫秒之后再发的第 5 条消息'));
  });

  check(t('a full bucket holds exactly senderBurstBytes, however long the sender was quiet', '不管发送者安静了多久，满桶都正好装 senderBurstBytes'), async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now });
    const sender = await net.connect(server.url, { label: t('the sender', '发送者') });
    const biggest = 'b'.repeat(MAX_MESSAGE_BYTES);
    clock.advance(3_600_000);
    // 4 × 65,536 bytes are exactly 256 KiB: the last one empties the bucket to 0.
    for (let n = 1; n <= 4; n += 1) {
      sender.send(biggest);
      await expectAccepted(sender, t(`message ${n} of 65,536 bytes after an hour of quiet`, `安静一小时之后的第 ${n} 条 65,536 字节的消息`));
    }
    sender.send(biggest);
    await expectRefused(sender, t('a fifth message of 65,536 bytes, with the bucket empty', '桶空了之后的第五条 65,536 字节的消息'), 1000);
  });

  check(t('every message costs at least MIN_MESSAGE_COST (1 KiB), an empty one too, and each sender has its own bucket', '每条消息至少花掉 MIN_MESSAGE_COST（1 KiB），空消息也一样，而且每个发送者有自己的桶'), async ({ net }) => {
    const clock = fakeClock();
    const server = await net.serve(createServer, { now: clock.now, senderBurstBytes: MAX_MESSAGE_BYTES });
    const sender = await net.connect(server.url, { label: t('the sender of short messages', '发短消息的发送者') });
    const other = await net.connect(server.url, { label: t('another sender', '另一个发送者') });
    // 64 KiB at 1 KiB each: 64 messages, half of them empty (answered with an error, paid for all the same).
    for (let n = 1; n <= 64; n += 1) {
      sender.send(n % 2 === 0 ? '' : `hi ${n}`);
      const answer = await reply(sender, t(`short message ${n} of 64 (each costs 1 KiB of the 64 KiB bucket)`, `64 条短消息中的第 ${n} 条（每条花掉 64 KiB 桶里的 1 KiB）`));
      const want = n % 2 === 0 ? 'error' : 'chat';
      if (answer.type !== want) fail({ expected: want === 'chat' ? t(`short message ${n} to be answered with its echo`, `第 ${n} 条短消息得到它的回显`) : t(`short message ${n} to be answered with an error (it is empty)`, `第 ${n} 条短消息得到一个 error（它是空的）`), actual: show(answer), hint: RATE_HINT });
    }
    sender.send('hi 65');
    await expectRefused(sender, t('a 65th short message: 65 KiB would be over the 64 KiB bucket', '第 65 条短消息：65 KiB 会超出 64 KiB 的桶'), 16);
    await other.texts(32, { hint: t('broadcast every accepted message.', '广播每一条被接受的消息。') });
    other.send('other: my bucket is full');
    await expectAccepted(other, t('the first message of another sender (its own bucket is full)', '另一个发送者的第一条消息（它自己的桶是满的）'), t('the bucket belongs to the sender: keep tokens and tokensAt on each member (takeTokens(member, …)), not one bucket for the whole room, or one flooder silences everyone.', '桶是属于发送者的：把 tokens 和 tokensAt 放在每个成员身上（takeTokens(member, …)），而不是整个房间共用一个桶，否则一个刷屏的人就能让所有人都闭嘴。'));
  });

  check(t('with the real clock, a flood gets the burst plus what refilled while it lasted, no more', '用真实时钟时，洪水能得到突发额度加上期间补充的量，不会更多'), async ({ net }) => {
    const server = await net.serve(createServer);
    const flooder = await net.connect(server.url, { label: t('the flooder', '刷屏的客户端') });
    const started = performance.now();
    for (let n = 1; n <= FLOOD; n += 1) flooder.send(bigMessage(n));
    let accepted = 0;
    for (let n = 1; n <= FLOOD; n += 1) if ((await reply(flooder, t(`message ${n} of a flood of ${FLOOD} × 60 kB`, `${FLOOD} × 60 kB 洪水中的第 ${n} 条消息`))).type === 'chat') accepted += 1;
    const elapsedMs = performance.now() - started;
    // The server read its clock between `started` and now: the bucket held at most 256 KiB plus 64 KiB/s of that.
    const most = Math.floor((256 * 1024 + (elapsedMs * 64 * 1024) / 1000) / BIG_CHARS);
    if (accepted < BURST_MESSAGES || accepted > most) {
      fail({
        expected: t(`between ${BURST_MESSAGES} and ${most} of ${FLOOD} messages of 60 kB broadcast in ${Math.round(elapsedMs)} ms (a 256 KiB burst, then 64 KiB/s)`, `${Math.round(elapsedMs)} 毫秒内，${FLOOD} 条 60 kB 的消息中有 ${BURST_MESSAGES} 到 ${most} 条被广播（256 KiB 的突发额度，之后每秒 64 KiB）`),
        actual: t(`${accepted}`, `${accepted} 条`),
        hint: t(`by default the bucket reads the real clock: now = () => performance.now(). ${RATE_HINT}`, `默认情况下，桶读的是真实时钟：now = () => performance.now()。${RATE_HINT}`),
      });
    }
  }, HEAVY_MS);

  check(t('createServer refuses a bucket smaller than the largest message, or one that never refills', 'createServer 拒绝比最大消息还小的桶，或者永远不补充的桶'), async ({ net }) => {
    for (const [options, what] of [
      [{ senderBurstBytes: MAX_MESSAGE_BYTES - 1 }, t(`senderBurstBytes ${MAX_MESSAGE_BYTES - 1}: a 64 KiB message could never be sent`, `senderBurstBytes ${MAX_MESSAGE_BYTES - 1}：64 KiB 的消息永远发不出去`)],
      [{ senderBytesPerSecond: 0 }, t('senderBytesPerSecond 0: an empty bucket would never refill', 'senderBytesPerSecond 0：空桶永远不会补充')],
    ] as const) {
      let threw: unknown;
      try {
        const wss = createServer({ ...options, host: '127.0.0.1', port: 0, log: () => {} });
        wss.close();
      } catch (error) {
        threw = error;
      }
      if (!(threw instanceof RangeError) || !threw.message.includes(Object.keys(options)[0] ?? '?')) {
        fail({ expected: t(`createServer({ ${what} }) to throw a RangeError that names the option`, `createServer({ ${what} }) 抛出一个说出这个选项名的 RangeError`), actual: threw === undefined ? t('it started a server', '它启动了一个服务器') : show(threw), hint: t('check the options before creating the server, and say which one is wrong.', '创建服务器之前先检查选项，并说明是哪一个不对。') });
      }
    }
    const server = await net.serve(createServer, { senderBurstBytes: MAX_MESSAGE_BYTES, senderBytesPerSecond: 1 });
    const client = await net.connect(server.url);
    client.send('hi');
    await expectAccepted(client, t('"hi" with senderBurstBytes exactly MAX_MESSAGE_BYTES', 'senderBurstBytes 正好为 MAX_MESSAGE_BYTES 时的 "hi"'));
  });
});

describe('the program', () => {
  check(t('runs from the command line on 127.0.0.1 by default, chats, and stops on SIGTERM', '从命令行运行，默认只监听 127.0.0.1，能聊天，收到 SIGTERM 就停止'), async ({ net }) => {
    // Called with no host, as a script of yours might: it must not listen on every interface.
    await expectLoopbackByDefault(net, () => createServer({ port: 0, log: () => {} }));

    const { server, url } = await startServerProgram(net, HERE, 'Chat room');
    const c1 = await net.connect(url, { label: named('c1') });
    const c2 = await net.connect(url, { label: named('c2') });
    c1.send('c1: hi');
    for (const client of [c1, c2]) {
      const [got] = await chats(client, 1, t('the program runs the same room as the checks above: they say more.', '这个程序运行的就是上面那些检查里的聊天室：它们说得更详细。'), 10_000);
      expectEqual(got, 'c1: hi', t(`what ${client.label} received from the program`, `${client.label}从这个程序收到的内容`), t('the program runs the same room as the checks above.', '这个程序运行的就是上面那些检查里的聊天室。'));
    }
    server.kill('SIGTERM');
    await exited(net, server, t('the server program, after SIGTERM (Ctrl+C),', '服务器程序收到 SIGTERM（Ctrl+C）后'));

    // Importing server.ts (as the checks and `npm run play` do) must not start a server by itself.
    await importStartsNothing(net, HERE, ['server.ts'], { PORT: '0' }, t('keep the `if (isMain(import.meta.url))` guard on the last line of server.ts: only running the file as a program starts the server.', '保留 server.ts 最后一行的 `if (isMain(import.meta.url))` 判断：只有把文件当作程序运行时，才启动服务器。'));
  }, 120_000);
});

const HERE = dirname(fileURLToPath(import.meta.url));
