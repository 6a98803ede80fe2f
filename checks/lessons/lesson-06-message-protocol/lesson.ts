// lesson-06: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-06',
  slug: 'message-protocol',
  title: 'A message protocol: envelopes, validation, request ids',
  titleZh: '消息协议：信封、校验与请求 ID',
  files: ['protocol.ts', 'server.ts', 'client.ts'],
  hints: [
    'Start with parseRequest in protocol.ts, and check in this order: JSON.parse inside try/catch (bad_json), a plain object (bad_envelope), request_id, version, type, payload. Return failure(...) at the first problem; never throw.',
    'Read request_id right after the object check: once you have a valid one, put it on every later error (failure(id, ...)), so the client knows which request failed. Before that, errors carry null.',
    'Check the type against the fixed list with isRequestType(type), never with `type in handlers`: "constructor" and "__proto__" are in every object. Then check each payload field with typeof and Number.isFinite / Number.isInteger.',
    'Check `payload` with isRecord(payload), not `typeof payload === "object"`: typeof [] is "object" too, and an array payload is bad_envelope. A version other than 1 is refused before the type is even looked at, so version 2 with an unknown type is unsupported_version.',
    'In server.ts, answer binary frames before parsing, send parsed.error as it is, and give the WebSocketServer maxPayload (ws then closes with 1009 by itself) and handleProtocols. An "error" listener on every socket keeps one bad client from crashing the server. Keep the given limitSendBuffer(socket) line, and log client text through printable(...).',
    'For delay: const timer = setTimeout(() => { timers.delete(timer); send(resultReply(request, { ms })); }, ms); timers.add(timer). Without the delete, the limit of 16 fills up for good after 16 delays; on "close", clearTimeout each timer left in the set.',
    'In client.ts, keep a Map from request_id to { resolve, reject, timer }. Whatever settles a request first (its reply, its timer, or the close) deletes the entry and clears the timer: a timer left running after the reply keeps the command-line client alive for its 5 s. A reply with no entry is ignored.',
  ],
  hintsZh: [
    '从 protocol.ts 里的 parseRequest 开始，按这个顺序检查：在 try/catch 里 JSON.parse（bad_json）、普通对象（bad_envelope）、request_id、version、type、payload。遇到第一个问题就 return failure(...)；永远不要抛异常。',
    '确认是对象之后，紧接着读 request_id：一旦拿到合法的 ID，之后的每个错误都带上它（failure(id, ...)），客户端才知道是哪个请求失败了。在那之前，错误里带的是 null。',
    '用 isRequestType(type) 在固定列表里检查类型，绝不要用 `type in handlers`："constructor" 和 "__proto__" 在每个对象里都有。然后用 typeof 和 Number.isFinite / Number.isInteger 逐个检查 payload 的字段。',
    '用 isRecord(payload) 检查 `payload`，而不是 `typeof payload === "object"`：typeof [] 也是 "object"，而数组形式的 payload 应当得到 bad_envelope。不是 1 的 version 在看 type 之前就被拒绝，所以版本 2 加上未知类型，得到的是 unsupported_version。',
    '在 server.ts 里，解析之前先回复二进制帧，把 parsed.error 原样发回，并给 WebSocketServer 设上 maxPayload（这样 ws 会自己以 1009 关闭）和 handleProtocols。每个 socket 上都挂一个 "error" 监听器，一个坏客户端就没法让服务端崩溃。保留现成的那行 limitSendBuffer(socket)，客户端的文本要经过 printable(...) 再写进日志。',
    'delay 这样写：const timer = setTimeout(() => { timers.delete(timer); send(resultReply(request, { ms })); }, ms); timers.add(timer)。少了那个 delete，发过 16 个 delay 之后，16 个的上限就被永久占满；收到 "close" 时，对集合里剩下的每个定时器调用 clearTimeout。',
    '在 client.ts 里维护一个从 request_id 到 { resolve, reject, timer } 的 Map。谁先了结请求（它的回复、它的定时器，或者连接关闭），谁就删除表项并清掉定时器：回复到了却还在走的定时器，会让命令行客户端多挂满它那 5 s。找不到表项的回复直接忽略。',
  ],
} satisfies Lesson;
