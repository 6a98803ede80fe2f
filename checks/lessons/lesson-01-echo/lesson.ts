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
} satisfies Lesson;
