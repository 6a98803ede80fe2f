// The one list of lessons. The check runner, the contract test, play, hints, reset and the book
// all read it: adding a lesson means adding its folder (lessons/ and solutions/) and one entry here.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Lesson {
  /** `lesson-NN`: what learners type. Numbers are fixed once published. */
  id: string;
  /** Folder name suffix: lessons/<id>-<slug>/ */
  slug: string;
  title: string;
  titleZh: string;
  /** The files the learner edits; solutions/<id>-<slug>/ holds completed versions of exactly these. */
  files: string[];
  /** Revealed one at a time by `npm run hint`, gentlest first. */
  hints: string[];
}

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export const lessons: readonly Lesson[] = [
  {
    id: 'lesson-01',
    slug: 'echo',
    title: 'Echo: your first server and client',
    titleZh: '回显：第一个服务器和客户端',
    files: ['server.ts', 'client.ts'],
    hints: [
      'Start with server.ts: inside the "connection" handler, listen for "message" on that socket and send back `Echo: ` followed by the text.',
      'A message arrives as a Buffer plus an isBinary flag. Turn text into a string with data.toString() (UTF-8) before building the reply.',
      'In client.ts, wait for "open" before you send, print `Received: <reply>` when the reply arrives, then call ws.close(1000) and wait for the "close" event before returning.',
      'Close with close(), never terminate(): terminate() drops the TCP connection without the closing handshake, and the server sees code 1006 instead of 1000.',
    ],
  },
  {
    id: 'lesson-02',
    slug: 'conversation',
    title: 'Conversation: many messages on one connection',
    titleZh: '对话：一条连接上的多条消息',
    files: ['messages.ts', 'server.ts', 'client.ts'],
    hints: [
      'Begin with messages.ts: attach the "message", "close" and "error" listeners immediately, before anyone calls next(), and push what arrives into a queue.',
      'next() takes from the queue if it has something; otherwise it parks a waiting promise that the next message resolves.',
      'On "close", resolve every parked waiter with { done: true }; on "error", reject them. Remember the ending so later next() calls get it too.',
      'Return a plain object with next(), return() and [Symbol.asyncIterator]() { return this; }. An async function* generator listens too late: its body only starts at the first next().',
      'return() is what `break` calls: remove your three listeners with socket.off (keep references to the functions), and resume the socket if you paused it. Pause with socket.pause() when highWaterMark messages are queued; resume when the queue is down to half.',
      'The server is then a for await loop over messages(socket). Wrap it in try/catch/finally: a client that vanishes must not crash the server.',
      'The client creates messages(ws) right after new WebSocket(url), then, for each message: send, await replies.next(), print. If the result is done, throw: the server left without answering.',
    ],
  },
  {
    id: 'lesson-03',
    slug: 'streaming',
    title: 'Streaming: a poem, one line at a time',
    titleZh: '流式传输：一句一句地发送诗',
    files: ['server.ts', 'client.ts'],
    hints: [
      'The server sends each line of the poem as its own message with socket.send(line), then waits delayMs before the next one.',
      'Make the wait cancellable: use setTimeout from node:timers/promises with an AbortSignal, and abort it when the socket closes.',
      'Stop the loop as soon as the socket is no longer OPEN, and close with 1000 after the last line.',
      'In the client, write each chunk to out the moment it arrives (no newline), and finish when the "close" event fires.',
      'The client resolves only when the close code is 1000: any other code (1006: the connection dropped) means the stream was cut off, so reject with an Error that names the code.',
    ],
  },
  {
    id: 'lesson-04',
    slug: 'async-pitfalls',
    title: 'Async pitfalls: fix the broken client',
    titleZh: '异步陷阱：修好出错的客户端',
    files: ['client.ts'],
    hints: [
      'Read the first failing check: each check points at one bug. "WebSocket is not open: readyState 0 (CONNECTING)" means send() ran before the connection was open: new WebSocket(url) returns at once, so send only after the "open" event.',
      'The server greets the moment the connection opens, often in the same packet as the handshake. A "message" listener attached after an await comes too late: attach it (and queue what arrives) right after new WebSocket(url), before the first await.',
      'Printed `<Buffer ...>`? ws 8 hands over every message as a Buffer, text too: decode it with data.toString(). Printed `Promise { <pending> }`? An await is missing in front of a call that returns a Promise.',
      'An "error" event with no listener is thrown, and crashes the process. Add ws.on("error", ...) right after new WebSocket(url), and wait for "open" with once(ws, "open") from node:events: it rejects when "error" comes first.',
      'ws.close(1000) only starts the closing handshake. Listen for "close" first, then call close(1000), and await that event before returning.',
    ],
  },
  {
    id: 'lesson-05',
    slug: 'live-translation',
    title: 'Live translation: streaming with an end and a cancel',
    titleZh: '实时翻译：有结尾、可取消的流',
    files: ['server.ts', 'client.ts'],
    hints: [
      'Start with TODO 1 in server.ts: translateWords splits the sentence on whitespace (no empty words) and looks each word up in TRANSLATIONS; a word the table does not know stays as it is (TRANSLATIONS.get(word) ?? word).',
      'streamTranslation is an async loop: for each word, await sleep(delayMs, undefined, { signal }), then send a {"type":"chunk"} frame; after the loop, send {"type":"done"}. That done frame is the end of the stream: the connection stays open for the next request.',
      'Cancel for real: in cancelCurrent, call current.controller.abort() (the pending sleep rejects at once and its timer is cleared), send {"type":"cancelled","id":current.id}, then set current = undefined. In the "close" handler, abort too, so nothing keeps running for a client that has gone.',
      'In the client, call receiveTranslation before ws.send(text). Resolve on "done", not on "close": the server never closes after a translation, which is exactly why the seed\'s client hangs. A close before "done" is an error: reject.',
      'Redraw, do not append lines: for each chunk, out.write(`\\r${words.join(" ")}`). Print the newline only after "done", then `Translation complete!` and a newline.',
    ],
  },
  {
    id: 'lesson-06',
    slug: 'message-protocol',
    title: 'A message protocol: envelopes, validation, request ids',
    titleZh: '消息协议：信封、校验与请求 ID',
    files: ['protocol.ts', 'server.ts', 'client.ts'],
    hints: [
      'Start with parseRequest in protocol.ts, and check in this order: JSON.parse inside try/catch (bad_json), a plain object (bad_envelope), request_id, version, type, payload. Return failure(...) at the first problem; never throw.',
      'Read request_id right after the object check: once you have a valid one, put it on every later error (failure(id, ...)), so the client knows which request failed. Before that, errors carry null.',
      'Check the type against the fixed list with isRequestType(type), never with `type in handlers`: "constructor" and "__proto__" are in every object. Then check each payload field with typeof and Number.isFinite / Number.isInteger.',
      'In server.ts, answer binary frames before parsing, send parsed.error as it is, and give the WebSocketServer maxPayload (ws then closes with 1009 by itself) and handleProtocols. An "error" listener on every socket keeps one bad client from crashing the server.',
      'In client.ts, keep a Map from request_id to { resolve, reject, timer }. Whatever settles a request first (its reply, its timer, or the close) deletes the entry and clears the timer; a reply with no entry is ignored.',
    ],
  },
  {
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
  },
  {
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
  },
];

/** Folder name, e.g. lesson-01-echo. */
export function lessonFolder(lesson: Lesson): string {
  return `${lesson.id}-${lesson.slug}`;
}

export function lessonDir(lesson: Lesson): string {
  return join(ROOT, 'lessons', lessonFolder(lesson));
}

export function solutionDir(lesson: Lesson): string {
  return join(ROOT, 'solutions', lessonFolder(lesson));
}

/** Accepts `lesson-01`, `01`, `1` or the full folder name `lesson-01-echo`. */
export function findLesson(query: string): Lesson | undefined {
  const q = query.trim().toLowerCase().replace(/\/+$/, '').replace(/^(lessons|solutions)\//, '');
  const number = /^(?:lesson-?)?0*(\d+)$/.exec(q)?.[1];
  return lessons.find((lesson) =>
    lesson.id === q ||
    lessonFolder(lesson) === q ||
    (number !== undefined && Number(number) === Number(lesson.id.slice('lesson-'.length))),
  );
}

export function lessonIdList(): string {
  return lessons.map((lesson) => `${lesson.id} (${lesson.slug})`).join(', ');
}
