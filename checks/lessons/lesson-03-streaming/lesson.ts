// lesson-03: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
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
} satisfies Lesson;
