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
  hintsZh: [
    '从 server.ts 开始：在 "connection" 处理函数里 wss.peers.set(socket, peer)，并记录 `peer #<id> connected (<n> online)`；在 "close" (code) 里 wss.peers.delete(socket)，并记录 `peer #<id> left (code <code>, <n> online)`。无论连接怎样结束，"close" 都会触发，所以清理只放在这一处。',
    '心跳就是一个 timers.setInterval(..., heartbeatMs)（用 timers 选项，而不是全局的 setInterval）。每次触发时：对 isAlive 仍为 false 的每个 peer，记录 `peer #<id> did not answer the last ping: terminating` 并 terminate()；其余的设 isAlive = false、peer.pingToken = randomBytes(8)，再 socket.ping(peer.pingToken)。在 wss.on("close") 里用 timers.clearInterval 停掉它。',
    '在 "pong" (data) 里，只有 peer.pingToken?.equals(data) 成立时才设 isAlive = true：pong 可能是对方主动发来的，只有带回你的令牌的那个 pong，才是在应答你的 ping。',
    'backoff.ts：attempt 不是 >= 0 的整数时，先抛出 RangeError；然后算 random() * Math.min(cap, base * factor ** attempt)，如果 random() 的返回值不在 [0, 1) 之内，也抛出 RangeError。没有固定部分：random() = 0 时延迟就是 0。',
    '在 client.ts 里，scheduleReconnect 计算 backoffDelay(attempt, backoff)，把 attempt 加一，并在报告 "retry" 之前保存好 timers.setTimeout(connect, delayMs) 的句柄，这样 close()（哪怕是在 onEvent 里调用的）也能取消它。只在 "open" 时启动的 stableMs 定时器里把 attempt 重置为 0。',
    '沉默检测定时器是一个 timers.setTimeout(..., silenceMs)：在 connect、"open"、每个 "message"、"ping" 和 "pong" 时取消并重新计时；它一旦触发，就报告 "silent" 并 terminate() 这个 socket（绝不要用 close()：沉默的服务端不会回应），之后照常由 "close" 的处理逻辑去重连。',
    'close()：再次调用时返回同一个 promise；没有 socket -> 立刻结束；socket 处于 OPEN -> ws.close(1000, \'client closing\')，再加一个 CLOSE_TIMEOUT_MS 的定时器，到点就 terminate() 它；其他任何状态 -> terminate()。',
  ],
} satisfies Lesson;
