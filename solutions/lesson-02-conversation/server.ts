// Lesson 02 — the conversation server: one connection, many messages, a reply to each.
// Run it: npx tsx lessons/lesson-02-conversation/server.ts   (then the client, in another terminal)
import { WebSocketServer, WebSocket } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { messages } from './messages.ts';

/** The largest message we accept; a bigger one closes the connection with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Pings are answered only while less than this waits to be sent to that client. */
export const MAX_QUEUED_BYTES = 64 * 1024;

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  // autoPong: false, because ws's automatic pong would answer every ping, even from a client that
  // never reads them: they would pile up in our memory. We answer pings ourselves, below.
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES, autoPong: false });
  wss.on('connection', (socket) => {
    // #region pong
    socket.on('ping', (data) => {
      // A client that reads gets every pong. One that does not read gets none until it catches up:
      // RFC 6455 lets a pong answer only the latest ping, so skipped ones are no loss.
      if (socket.bufferedAmount < MAX_QUEUED_BYTES) socket.pong(data);
    });
    // #endregion
    // converse() never rejects: every way a conversation can end is handled inside it.
    void converse(socket, log);
  });
  return wss;
}

/** The Python tutorial's handler: `while True: recv(); send()`, until the client goes away. */
async function converse(socket: WebSocket, log: (line: string) => void): Promise<void> {
  log('Client connected');
  try {
    // The iterator listens from this moment on, so nothing the client sends first is lost.
    for await (const message of messages(socket)) {
      if (socket.readyState !== WebSocket.OPEN) break; // closing: nobody left to answer
      if (typeof message === 'string') {
        // printable(): the client chose this text; a newline in it must not forge a log line.
        log(`Client said: ${printable(message)}`);
        await send(socket, `Server reply: ${message}`);
      } else {
        // Binary in, binary out, as in lesson 01: never reinterpret bytes as text.
        log(`Client sent ${message.length} bytes`);
        await send(socket, Buffer.concat([Buffer.from('Server reply: '), message]));
      }
    }
  } catch (error) {
    // A malformed frame, a reset connection, a failed send: this client is gone, the server is not.
    log(`Connection error: ${(error as Error).message}`);
  } finally {
    log('Client disconnected');
  }
}

/**
 * Sends and waits until ws has handed the data to the operating system. A client that never
 * reads its replies then stops this loop, messages() pauses its socket, and we stop reading its
 * messages, instead of piling replies up in memory.
 */
function send(socket: WebSocket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(data, { binary: typeof data !== 'string' }, (error) => (error ? reject(error) : resolve()));
  });
}

if (isMain(import.meta.url)) await runServerProgram('Conversation server', createServer);
