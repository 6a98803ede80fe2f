// lesson-08: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-08',
  slug: 'broadcast',
  title: 'A broadcast chat room that survives slow clients',
  titleZh: '能扛住慢客户端的广播聊天室',
  files: ['server.ts'],
  hints: [
    'Start in the "connection" handler: room.set(socket, member) when a client joins, room.delete(socket) in its "close" listener (which fires however the connection ends), and an "error" listener so a broken frame cannot crash the server.',
    'On a text message, build the frame once with chatFrame(text) and call broadcast(frame); broadcast is a plain loop calling deliver() for every member, the sender included. Log the text with printable(text, 80), never raw.',
    'deliver() never waits: client.send(frame, { binary: false }) and return. An await or a wait for the send callback lets one client that stops reading stall everyone after it.',
    'fits(): client.bufferedAmount === 0 || client.bufferedAmount + bytes <= maxBufferedBytes. In deliver(), a frame that does not fit goes to tooSlow() instead of send().',
    'tooSlow(): with "drop", count it in member.dropped and stats.dropped; otherwise closeSlow(): room.delete(client), stats.slowClosed += 1, client.close(1013, …) and a timer that calls terminate() after closeGraceMs, cleared on "close".',
    'takeTokens(): member.tokens = Math.min(senderBurstBytes, member.tokens + (now() - member.tokensAt) * senderBytesPerSecond / 1000); member.tokensAt = now(); then take the cost and return 0, or return Math.ceil((cost - member.tokens) * 1000 / senderBytesPerSecond) and take nothing.',
    'Pongs: the server has autoPong: false, so answer pings yourself: socket.on("ping", (data) => { if (socket.readyState !== WebSocket.OPEN) return; if (fits(socket, data.length)) socket.pong(data); else if (slowConsumer === "close") closeSlow(socket, member); }).',
  ],
  hintsZh: [
    '从 "connection" 处理函数开始：客户端加入时 room.set(socket, member)，在它的 "close" 监听器里 room.delete(socket)（无论连接怎样结束，它都会触发），再挂一个 "error" 监听器，免得一个坏帧就让服务器崩溃。',
    '收到文本消息时，用 chatFrame(text) 只构造一次帧，再调用 broadcast(frame)；broadcast 就是一个普通循环，对每个成员（包括发送者）调用 deliver()。日志里用 printable(text, 80) 写文本，绝不原样写入。',
    'deliver() 从不等待：client.send(frame, { binary: false })，然后 return。一个 await，或者等发送回调，就能让一个不再读数据的客户端卡住排在它后面的所有人。',
    'fits()：client.bufferedAmount === 0 || client.bufferedAmount + bytes <= maxBufferedBytes。在 deliver() 里，放不进的帧交给 tooSlow()，而不是 send()。',
    'tooSlow()：策略是 "drop" 时，把它计入 member.dropped 和 stats.dropped；否则调用 closeSlow()：room.delete(client)、stats.slowClosed += 1、client.close(1013, …)，再起一个定时器，在 closeGraceMs 之后调用 terminate()，并在 "close" 时清掉它。',
    'takeTokens()：member.tokens = Math.min(senderBurstBytes, member.tokens + (now() - member.tokensAt) * senderBytesPerSecond / 1000); member.tokensAt = now(); 然后要么扣掉花费并返回 0，要么返回 Math.ceil((cost - member.tokens) * 1000 / senderBytesPerSecond)，一个令牌也不扣。',
    'pong：服务器设了 autoPong: false，所以要自己回复 ping：socket.on("ping", (data) => { if (socket.readyState !== WebSocket.OPEN) return; if (fits(socket, data.length)) socket.pong(data); else if (slowConsumer === "close") closeSlow(socket, member); })。',
  ],
} satisfies Lesson;
