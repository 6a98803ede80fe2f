// Lesson 01 — the echo server: whatever a client sends comes back as `Echo: <message>`.
// Run it: npx tsx lessons/lesson-01-echo/server.ts   (then the client, in another terminal)
// Check it: npm run check lesson-01
import { WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import { todo } from '../../lib/todo.ts';

/** The largest message we accept. ws's default is 100 MiB: far too trusting for a public server. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });

  wss.on('connection', (socket) => {
    limitSendBuffer(socket); // given: stops reading from a client whose echoes pile up unread (lesson 02 shows how)
    socket.on('message', (data, isBinary) => {
      // TODO 1: reply to this client with `Echo: <message>` (socket.send).
      //         `data` is a Buffer: turn text into a string with data.toString().
      //         Log `Received: <message>` with log(...), passing the text through printable(...)
      //         first: a client's "\n" must not forge a second log line.
      // TODO 2: for a binary message (isBinary), reply with binary: the bytes of "Echo: " and
      //         then the same bytes (Buffer.concat), sent with { binary: true }.
      todo('server.ts: reply to each message with `Echo: <message>`');
    });
    // TODO 3: add an 'error' listener on the socket that logs error.message with log(...), so one
    //         broken connection (a malformed frame, a message over MAX_MESSAGE_BYTES) cannot crash
    //         the server.
  });

  return wss;
}

if (isMain(import.meta.url)) await runServerProgram('Echo server', createServer);
