// Lesson 02 — the conversation server: one connection, many messages, a reply to each.
// Run it: npx tsx lessons/lesson-02-conversation/server.ts   (then the client, in another terminal)
// Check it: npm run check lesson-02   (finish messages.ts first)
import { WebSocketServer, WebSocket } from 'ws';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';
import { messages } from './messages.ts';

/** The largest message we accept; a bigger one closes the connection with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('connection', (socket) => void converse(socket, log));
  return wss;
}

/** The seed's handler: `while True: recv(); send()`, until the client goes away. */
async function converse(socket: WebSocket, log: (line: string) => void): Promise<void> {
  // TODO 1: `for await (const message of messages(socket))`: for a text message, log
  //         `Client said: <message>` and reply `Server reply: <message>` (socket.send).
  // TODO 2: wrap the loop in try / catch / finally. catch: log `Connection error: <message>`
  //         (a broken client must never crash the server). finally: log `Client disconnected`.
  // TODO 3 (optional): a binary message (a Buffer): reply with binary, `Server reply: ` + the bytes.
  void messages;
  void socket;
  void log;
  todo('server.ts: loop over messages(socket) and reply `Server reply: <message>` to each');
}

if (isMain(import.meta.url)) await runServerProgram('Conversation server', createServer);
