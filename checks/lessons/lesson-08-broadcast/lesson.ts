// lesson-08: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-08',
  slug: 'broadcast',
  title: 'A broadcast chat room that survives slow clients',
  titleZh: '能扛住慢客户端的广播聊天室',
  files: ['server.ts'],
  hints: [
    'Start in the "connection" handler: room.set(socket, member) when a client joins, and room.delete(socket) in its "close" listener, which fires however the connection ends.',
    'On a text message, build the frame once with chatFrame(text) and call broadcast(frame); broadcast is a plain loop calling deliver() for every member, the sender included.',
    'deliver() never waits: client.send(frame, { binary: false }) and return. An await or a wait for the send callback lets one client that stops reading stall everyone after it.',
    'Before sending, read client.bufferedAmount: if it is above 0 and adding the frame would pass maxBufferedBytes, call tooSlow() instead of sending.',
    'tooSlow(): with "drop", count it in member.dropped and stats.dropped; with "close", room.delete(client), client.close(1013, …) and a timer that calls terminate() after closeGraceMs, cleared on "close".',
  ],
} satisfies Lesson;
