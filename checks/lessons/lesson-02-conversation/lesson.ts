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
  hintsZh: [
    '从 messages.ts 开始：立刻挂上 "message"、"close" 和 "error" 三个监听，赶在任何人调用 next() 之前，把收到的东西放进队列。',
    '队列里有东西，next() 就从队列里取；否则返回一个新的 promise，并把它的 resolve 和 reject 加进等待者列表（可能同时有好几个 next() 在等：只用一个变量，就只记得住最后一个）。每来一条消息，就兑现最早的那个等待者。',
    '收到 "close" 时，用 { done: true } 兑现所有挂起的等待者；收到 "error" 时，让它们 reject。把结束状态记下来，之后的 next() 调用也要拿到它。',
    '返回一个普通对象，带上 next()、return() 和 [Symbol.asyncIterator]() { return this; }。async function* 生成器挂监听挂得太晚：它的函数体要到第一次 next() 才开始执行。',
    '`break` 调用的就是 return()：用 socket.off 移除你挂的三个监听（所以要留着这几个函数的引用），如果 socket 是你暂停的，还要恢复它。队列里积压到 highWaterMark 条消息时用 socket.pause() 暂停；降到一半时再恢复。',
    '这样一来，服务器就是一个遍历 messages(socket) 的 for await 循环：记录 `Client said: ${printable(message)}`，再 `await send(socket, …)` 发出回复（正是这个 await，让从不读取的客户端没法让回复越堆越多）。把循环包进 try/catch/finally：客户端突然消失，不能把服务器拖垮。',
    '客户端在 new WebSocket(url) 的下一行就创建 messages(ws)，然后对每条消息：发送，await replies.next()，打印。如果结果是 done，就抛出错误：服务器没回答就走了。',
    '在客户端的 finally 里，先执行 await replies.return(); 再执行 if (ws.readyState !== WebSocket.CLOSED) { ws.close(1000); await once(ws, \'close\'); }。服务器先关了连接的话，"close" 早已触发过，再等它就会永远卡住。',
  ],
} satisfies Lesson;
