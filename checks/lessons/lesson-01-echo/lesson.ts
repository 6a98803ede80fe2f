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
    'A message arrives as a Buffer plus an isBinary flag. Turn text into a string with data.toString() (UTF-8) before building the reply, and log it as log(`Received: ${printable(text)}`): printable() escapes control characters, so a client cannot forge log lines. The echo itself stays exactly as sent.',
    'For a binary message (isBinary), do not decode: send Buffer.concat([Buffer.from("Echo: "), data]) with { binary: true }.',
    'Add socket.on("error", (error) => log(`Connection error: ${error.message}`)) in the "connection" handler: ws closes a broken connection itself (1002, 1007, 1009), but an "error" event nobody listens for crashes the whole server. Keep the given limitSendBuffer(socket) line.',
    'In client.ts, wait for "open" before you send (await once(ws, "open")). Listen for the reply before you send; note that once(ws, "message") resolves to [data, isBinary], and never rejects on "close": if the server closes first, your client must reject, not wait forever.',
    'Print `Received: <reply>`, then call ws.close(1000) and wait for the "close" event before returning. Close with close(), never terminate(): terminate() drops the TCP connection without the closing handshake, and the server sees code 1006 instead of 1000.',
  ],
  hintsZh: [
    '先写 server.ts：在 "connection" 处理函数里监听这个 socket 的 "message"，回复 `Echo: ` 加上收到的文本。',
    '消息以一个 Buffer 加一个 isBinary 标志的形式到达。拼回复之前，先用 data.toString()（UTF-8）把文本变成字符串；日志写成 log(`Received: ${printable(text)}`)：printable() 会转义控制字符，客户端就伪造不了日志行。回显本身要和发来的一字不差。',
    '二进制消息（isBinary）不要解码：用 { binary: true } 发送 Buffer.concat([Buffer.from("Echo: "), data])。',
    '在 "connection" 处理函数里加上 socket.on("error", (error) => log(`Connection error: ${error.message}`))：出了问题的连接 ws 会自己关掉（1002、1007、1009），但没人监听的 "error" 事件会让整个服务器崩溃。保留现成的那行 limitSendBuffer(socket)。',
    '在 client.ts 里，先等 "open" 再发送（await once(ws, "open")）。发送之前就开始监听回复；注意 once(ws, "message") resolve 的是 [data, isBinary]，而且遇到 "close" 也不会 reject：服务器如果先关了连接，你的客户端必须 reject，而不是永远等下去。',
    '打印 `Received: <reply>`，然后调用 ws.close(1000)，等 "close" 事件触发后再返回。用 close() 关闭，不要用 terminate()：terminate() 不走关闭握手、直接断开 TCP 连接，服务器看到的关闭码是 1006 而不是 1000。',
  ],
} satisfies Lesson;
