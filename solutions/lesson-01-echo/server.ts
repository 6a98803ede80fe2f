// Lesson 01 — the echo server: whatever a client sends comes back as `Echo: <message>`.
// Run it: npx tsx lessons/lesson-01-echo/server.ts   (then the client, in another terminal)
import { WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';

/** The largest message we accept. ws's default is 100 MiB: far too trusting for a public server. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });

  // One "connection" event per client; each socket gets its own handlers, so replies go only
  // to the client that asked.
  wss.on('connection', (socket) => {
    // A client that sends but never reads would make its echoes pile up in our memory: past
    // 1 MiB queued, stop reading from it until it catches up (lesson 02 shows how this works).
    limitSendBuffer(socket);
    socket.on('message', (data, isBinary) => {
      // ws hands over a Buffer. Text frames are guaranteed valid UTF-8, so decode them as UTF-8.
      if (isBinary) {
        // Binary in, binary out: prefix the bytes, never reinterpret them as text.
        socket.send(Buffer.concat([Buffer.from('Echo: '), toBuffer(data)]), { binary: true });
        return;
      }
      const text = data.toString();
      // The client chose this text: escape control characters, so a "\n" cannot forge a second
      // log line and an escape sequence cannot drive the terminal. The echo itself stays exact.
      log(`Received: ${printable(text)}`);
      socket.send(`Echo: ${text}`);
    });
    // A socket error (a client sending a malformed frame, or a message over maxPayload) must not
    // crash the server: an 'error' event with no listener is thrown, and ends the process. ws has
    // already closed that connection (1002, 1007, 1009 …); we only note it.
    socket.on('error', (error) => log(`Connection error: ${error.message}`));
  });

  return wss;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

if (isMain(import.meta.url)) await runServerProgram('Echo server', createServer);
