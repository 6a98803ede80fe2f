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
  hintsZh: [
    '服务器先记录 \'Client connected: streaming the poem\'，然后用 socket.send(line) 把每句诗作为单独的一条消息发出，只在两句之间等待 delayMs（if (index > 0) await sleep(...)）。',
    '让等待可以取消：每个连接一个 AbortController（建在 streamPoem 里，而不是 createServer 里），在 socket 的 "close" 事件上调用 abort()，再用 node:timers/promises 的 setTimeout(delayMs, undefined, { signal })。在 catch 里 log(\'Client left mid-stream: stopped\')。',
    'socket.readyState 一旦不再是 OPEN，就停止循环；最后一句发完，立刻用 socket.close(1000, \'end of poem\') 关闭；在 finally 块里移除你的 "close" 监听。',
    '客户端里，每个数据块一到就写到 out（不加换行）；收到二进制帧（isBinary）则改为 ws.close(1003, \'text only\')。最后的换行在 "close" 时打印，而且只在连接曾经打开过时才打印。',
    '客户端只在关闭码是 1000 时 resolve：其他任何关闭码（1006、1001、1011、4000 …）都说明流被截断了，要用一个写明关闭码的 Error reject。把 ws.on(\'error\', …) 收到的第一个错误留下来；如果有，就改用它 reject。',
  ],
} satisfies Lesson;
