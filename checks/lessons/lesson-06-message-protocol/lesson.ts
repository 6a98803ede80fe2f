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
} satisfies Lesson;
