// lesson-01: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
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
} satisfies Lesson;
