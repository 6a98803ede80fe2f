// Lesson 02 — the conversation server: one connection, many messages, a reply to each.
// Run it: npx tsx lessons/lesson-02-conversation/server.ts   (then the client, in another terminal)
import { WebSocketServer, WebSocket } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { messages } from './messages.ts';

/** The largest message we accept; a bigger one closes the connection with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  // converse() never rejects: every way a conversation can end is handled inside it.
  wss.on('connection', (socket) => void converse(socket, log));
  return wss;
}

/** The seed's handler: `while True: recv(); send()`, until the client goes away. */
async function converse(socket: WebSocket, log: (line: string) => void): Promise<void> {
  log('Client connected');
  try {
    // The iterator listens from this moment on, so nothing the client sends first is lost.
    for await (const message of messages(socket)) {
      if (socket.readyState !== WebSocket.OPEN) break; // closing: nobody left to answer
      if (typeof message === 'string') {
        log(`Client said: ${message}`);
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
 * reads its replies then stops us reading its messages, instead of piling replies up in memory.
 */
function send(socket: WebSocket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(data, { binary: typeof data !== 'string' }, (error) => (error ? reject(error) : resolve()));
  });
}

if (isMain(import.meta.url)) await runServerProgram('Conversation server', createServer);
