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
      'The server is then a for await loop over messages(socket). Wrap it in try/catch/finally: a client that vanishes must not crash the server.',
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
    ],
  },
  {
    id: 'lesson-04',
    slug: 'async-pitfalls',
    title: 'Async pitfalls: fix the broken client',
    titleZh: '异步陷阱：修好出错的客户端',
    files: ['client.ts'],
    hints: [
      'TODO(lesson-04): hints are written with the lesson.',
      'TODO(lesson-04): second hint.',
    ],
  },
  {
    id: 'lesson-05',
    slug: 'live-translation',
    title: 'Live translation: streaming with an end and a cancel',
    titleZh: '实时翻译：有结尾、可取消的流',
    files: ['server.ts', 'client.ts'],
    hints: [
      'TODO(lesson-05): hints are written with the lesson.',
      'TODO(lesson-05): second hint.',
    ],
  },
  {
    id: 'lesson-06',
    slug: 'message-protocol',
    title: 'A message protocol: envelopes, validation, request ids',
    titleZh: '消息协议：信封、校验与请求 ID',
    files: ['protocol.ts', 'server.ts', 'client.ts'],
    hints: [
      'TODO(lesson-06): hints are written with the lesson.',
      'TODO(lesson-06): second hint.',
    ],
  },
  {
    id: 'lesson-07',
    slug: 'heartbeat-reconnect',
    title: 'Heartbeat and reconnect',
    titleZh: '心跳与重连',
    files: ['server.ts', 'client.ts'],
    hints: [
      'TODO(lesson-07): hints are written with the lesson.',
      'TODO(lesson-07): second hint.',
    ],
  },
  {
    id: 'lesson-08',
    slug: 'broadcast',
    title: 'A broadcast chat room that survives slow clients',
    titleZh: '能扛住慢客户端的广播聊天室',
    files: ['server.ts'],
    hints: [
      'TODO(lesson-08): hints are written with the lesson.',
      'TODO(lesson-08): second hint.',
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
