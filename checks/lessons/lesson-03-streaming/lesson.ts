// lesson-03: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-03',
  slug: 'streaming',
  title: 'Streaming: a poem, one line at a time',
  titleZh: '流式传输：一句一句地发送诗',
  files: ['server.ts', 'client.ts'],
  hints: [
    'The server logs \'Client connected: streaming the poem\', then sends each line of the poem as its own message with socket.send(line), waiting delayMs only between two lines (if (index > 0) await sleep(...)).',
    'Make the wait cancellable: one AbortController per connection (inside streamPoem, not in createServer), abort() on the socket\'s "close" event, and setTimeout(delayMs, undefined, { signal }) from node:timers/promises. In the catch, log(\'Client left mid-stream: stopped\').',
    'Stop the loop as soon as socket.readyState is not OPEN, close with socket.close(1000, \'end of poem\') right after the last line, and remove your "close" listener in a finally block.',
    'In the client, write each chunk to out the moment it arrives (no newline); a binary frame (isBinary) gets ws.close(1003, \'text only\') instead. Print the final newline on "close" only if the connection had opened.',
    'The client resolves only when the close code is 1000: any other code (1006, 1001, 1011, 4000 …) means the stream was cut off, so reject with an Error that names the code. Keep the first error from ws.on(\'error\', …) and reject with it instead when there was one.',
  ],
} satisfies Lesson;
