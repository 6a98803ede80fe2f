// lesson-07: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-07',
  slug: 'heartbeat-reconnect',
  title: 'Heartbeat and reconnect',
  titleZh: '心跳与重连',
  files: ['server.ts', 'backoff.ts', 'client.ts'],
  hints: [
    'Start with server.ts: in the "connection" handler, wss.peers.set(socket, peer); on "pong" set peer.isAlive = true; on "close" wss.peers.delete(socket). "close" fires however a connection ends, so it is the one place to clean up.',
    'The heartbeat is one timers.setInterval(..., heartbeatMs) (the timers option, not the global setInterval). Each tick: terminate() every peer whose isAlive is still false, then set isAlive = false and ping() the rest. Stop it in wss.on("close") with timers.clearInterval.',
    'backoff.ts is one line of maths: random() * Math.min(cap, base * factor ** attempt). No fixed part: with random() = 0 the delay is 0.',
    'In client.ts, scheduleReconnect computes backoffDelay(attempt, backoff), adds one to attempt, and keeps the handle of timers.setTimeout(connect, delayMs) so close() can cancel it. Reset attempt to 0 only in a stableMs timer started on "open".',
    'The silence timer is a timers.setTimeout(..., silenceMs) that you cancel and re-arm on connect, "open", every "message" and every "ping"; when it fires, terminate() the socket and the normal "close" path reconnects.',
  ],
} satisfies Lesson;
