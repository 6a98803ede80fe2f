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
} satisfies Lesson;
