// lesson-04: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-04',
  slug: 'async-pitfalls',
  title: 'Async pitfalls: fix the broken client',
  titleZh: '异步陷阱：修好出错的客户端',
  files: ['client.ts'],
  hints: [
    'Read the first failing check: each check points at one bug. "WebSocket is not open: readyState 0 (CONNECTING)" means send() ran before the connection was open: new WebSocket(url) returns at once, so send only after the "open" event.',
    'The server greets the moment the connection opens, often in the same packet as the handshake. A "message" listener attached after an await comes too late: attach it (and queue what arrives) right after new WebSocket(url), before the first await.',
    'Printed `<Buffer ...>`? ws 8 hands over every message as a Buffer, text too: decode it with data.toString(). Printed `Promise { <pending> }`? An await is missing in front of a call that returns a Promise.',
    'An "error" event with no listener is thrown, and crashes the process. Add ws.on("error", ...) right after new WebSocket(url), and wait for "open" with once(ws, "open") from node:events: it rejects when "error" comes first.',
    'ws.close(1000) only starts the closing handshake. Listen for "close" first, then call close(1000), and await that event before returning. But if the socket is already CLOSED (the connection failed), return at once: no second "close" event will come.',
    'A queue is half of the inbox: when it is empty, next() must wait for the next message (a promise the "message" listener resolves), or a greeting that comes 20 ms after "open" is read as undefined.',
    'Every wait needs a way to end: while waiting for a message, reject on "close" and "error" too; pass handshakeTimeout: timeoutMs to new WebSocket(url, { … }); start a timer of timeoutMs in next() that rejects, and clear it when the message comes.',
    'Do not trust the server: pass maxPayload: MAX_MESSAGE_BYTES (ws closes with 1009); on a binary message end with an error and ws.close(1003, "text messages only"); when a message arrives while MAX_UNREAD_MESSAGES wait unread, ws.close(1008, "too many messages"). After that, ignore what still arrives.',
  ],
  hintsZh: [
    '先看第一个失败的检查：每个检查都指向一个 bug。"WebSocket is not open: readyState 0 (CONNECTING)" 说明 send() 在连接打开之前就执行了：new WebSocket(url) 会立刻返回，所以要等 "open" 事件之后再发送。',
    '服务器在连接打开的那一刻就发问候语，常常和握手响应在同一个数据包里。在某个 await 之后才挂的 "message" 监听器来得太晚：要紧跟在 new WebSocket(url) 之后、第一个 await 之前挂上它（并把收到的消息排进队列）。',
    '打印出了 `<Buffer ...>`？ws 8 把每条消息都作为 Buffer 交给你，文本也一样：用 data.toString() 解码。打印出了 `Promise { <pending> }`？某个返回 Promise 的调用前面漏了 await。',
    '没有监听器的 "error" 事件会被直接抛出，让进程崩溃。紧跟在 new WebSocket(url) 之后加上 ws.on("error", ...)，并用 node:events 的 once(ws, "open") 等待 "open"：如果 "error" 先到，它会 reject。',
    'ws.close(1000) 只是开始关闭握手。先监听 "close"，再调用 close(1000)，await 到这个事件之后再返回。但如果 socket 已经是 CLOSED（连接失败了），就立刻返回：不会再有第二个 "close" 事件了。',
    '队列只是收件箱的一半：队列为空时，next() 必须等下一条消息（一个由 "message" 监听器来 resolve 的 promise），否则比 "open" 晚 20 ms 到达的问候语就会被读成 undefined。',
    '每一次等待都要有结束的办法：等消息时，遇到 "close" 和 "error" 也要 reject；给 new WebSocket(url, { … }) 传入 handshakeTimeout: timeoutMs；在 next() 里启动一个 timeoutMs 的计时器，到点就 reject，消息来了就清掉它。',
    '别轻信服务器：传入 maxPayload: MAX_MESSAGE_BYTES（ws 会以 1009 关闭）；收到二进制消息时以错误结束，并 ws.close(1003, "text messages only")；已有 MAX_UNREAD_MESSAGES 条消息等着没人读时又来一条，就 ws.close(1008, "too many messages")。此后再到达的一律忽略。',
  ],
} satisfies Lesson;
