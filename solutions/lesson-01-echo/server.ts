// Lesson 01 — the echo server: whatever a client sends comes back as `Echo: <message>`.
// Run it: npx tsx lessons/lesson-01-echo/server.ts   (then the client, in another terminal)
import { WebSocketServer } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';

/** The largest message we accept. ws's default is 100 MiB: far too trusting for a public server. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });

  // One "connection" event per client; each socket gets its own handlers, so replies go only
  // to the client that asked.
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      // ws hands over a Buffer. Text frames are guaranteed valid UTF-8, so decode them as UTF-8.
      if (isBinary) {
        // Binary in, binary out: prefix the bytes, never reinterpret them as text.
        socket.send(Buffer.concat([Buffer.from('Echo: '), toBuffer(data)]), { binary: true });
        return;
      }
      const text = data.toString();
      log(`Received: ${text}`);
      socket.send(`Echo: ${text}`);
    });
    // A socket error (say, a client sending a malformed frame) must not crash the server.
    // ws closes the connection itself; we only note it.
    socket.on('error', (error) => log(`Connection error: ${error.message}`));
  });

  return wss;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

if (isMain(import.meta.url)) await runServerProgram('Echo server', createServer);
