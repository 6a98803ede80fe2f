// lesson-07: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-07',
  slug: 'heartbeat-reconnect',
  title: 'Heartbeat and reconnect',
  titleZh: '心跳与重连',
  files: ['server.ts', 'backoff.ts', 'client.ts'],
  hints: [
    'Start with server.ts: in the "connection" handler, wss.peers.set(socket, peer) and log `peer #<id> connected (<n> online)`; on "close" (code) wss.peers.delete(socket) and log `peer #<id> left (code <code>, <n> online)`. "close" fires however a connection ends, so it is the one place to clean up.',
    'The heartbeat is one timers.setInterval(..., heartbeatMs) (the timers option, not the global setInterval). Each tick: log `peer #<id> did not answer the last ping: terminating` and terminate() every peer whose isAlive is still false; set isAlive = false, peer.pingToken = randomBytes(8) and socket.ping(peer.pingToken) for the rest. Stop it in wss.on("close") with timers.clearInterval.',
    'On "pong" (data), set isAlive = true only if peer.pingToken?.equals(data): a pong may be sent unasked, and only the one carrying your token answers your ping.',
    'backoff.ts: first throw a RangeError for an attempt that is not a whole number >= 0; then random() * Math.min(cap, base * factor ** attempt), throwing a RangeError if random() returned something outside [0, 1). No fixed part: with random() = 0 the delay is 0.',
    'In client.ts, scheduleReconnect computes backoffDelay(attempt, backoff), adds one to attempt, and keeps the handle of timers.setTimeout(connect, delayMs) before reporting "retry", so close() (even one called from onEvent) can cancel it. Reset attempt to 0 only in a stableMs timer started on "open".',
    'The silence timer is a timers.setTimeout(..., silenceMs) that you cancel and re-arm on connect, "open", every "message", "ping" and "pong"; when it fires, report "silent" and terminate() the socket (never close(): a silent server does not answer), and the normal "close" path reconnects.',
    'close(): return the same promise when called again; no socket -> finish at once; an OPEN socket -> ws.close(1000, \'client closing\') plus a CLOSE_TIMEOUT_MS timer that terminate()s it; any other state -> terminate().',
  ],
} satisfies Lesson;
