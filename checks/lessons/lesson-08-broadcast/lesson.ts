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
} satisfies Lesson;
