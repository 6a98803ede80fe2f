// lesson-02: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-02',
  slug: 'conversation',
  title: 'Conversation: many messages on one connection',
  titleZh: '对话：一条连接上的多条消息',
  files: ['messages.ts', 'server.ts', 'client.ts'],
  hints: [
    'Begin with messages.ts: attach the "message", "close" and "error" listeners immediately, before anyone calls next(), and push what arrives into a queue.',
    'next() takes from the queue if it has something; otherwise it returns a new promise and adds its resolve and reject to a list of waiters (several next() calls can wait at once: one variable would forget all but the last). Each message settles the oldest waiter.',
    'On "close", resolve every parked waiter with { done: true }; on "error", reject them. Remember the ending so later next() calls get it too.',
    'Return a plain object with next(), return() and [Symbol.asyncIterator]() { return this; }. An async function* generator listens too late: its body only starts at the first next().',
    'return() is what `break` calls: remove your three listeners with socket.off (keep references to the functions), and resume the socket if you paused it. Pause with socket.pause() when highWaterMark messages are queued; resume when the queue is down to half.',
    'The server is then a for await loop over messages(socket): log `Client said: ${printable(message)}` and `await send(socket, …)` the reply (awaiting is what keeps a client that never reads from piling up replies). Wrap the loop in try/catch/finally: a client that vanishes must not crash the server.',
    'The client creates messages(ws) right after new WebSocket(url), then, for each message: send, await replies.next(), print. If the result is done, throw: the server left without answering.',
    'In the client\'s finally: await replies.return(); then if (ws.readyState !== WebSocket.CLOSED) { ws.close(1000); await once(ws, \'close\'); }. When the server closed first, "close" has already fired, and waiting for it would hang.',
  ],
} satisfies Lesson;
