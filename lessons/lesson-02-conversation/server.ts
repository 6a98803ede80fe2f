// Lesson 02 — the conversation server: one connection, many messages, a reply to each.
// Run it: npx tsx lessons/lesson-02-conversation/server.ts   (then the client, in another terminal)
// Check it: npm run check lesson-02   (finish messages.ts first)
import { WebSocketServer, WebSocket } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';
import { messages } from './messages.ts';

/** The largest message we accept; a bigger one closes the connection with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Pings are answered only while less than this waits to be sent to that client. */
export const MAX_QUEUED_BYTES = 64 * 1024;

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  // Given (README: "A client that never reads"): ws would answer every ping with a pong on its
  // own, even for a client that never reads them, and the pongs would pile up in our memory. So
  // autoPong is off, and we answer a ping only while little is waiting to be sent to that client.
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES, autoPong: false });
  wss.on('connection', (socket) => {
    socket.on('ping', (data) => {
      if (socket.bufferedAmount < MAX_QUEUED_BYTES) socket.pong(data);
    });
    void converse(socket, log);
  });
  return wss;
}

/** The Python tutorial's handler: `while True: recv(); send()`, until the client goes away. */
async function converse(socket: WebSocket, log: (line: string) => void): Promise<void> {
  // TODO 1: `for await (const message of messages(socket))`: for a text message, log
  //         `Client said: ${printable(message)}` (printable: the client chose that text, and a
  //         newline in it must not forge a log line) and reply with
  //         `await send(socket, `Server reply: ${message}`)`: awaiting the send is what stops a
  //         client that never reads from piling up replies in our memory.
  // TODO 2: wrap the loop in try / catch / finally. catch: log `Connection error: <message>`
  //         (a broken client must never crash the server). finally: log `Client disconnected`.
  // TODO 3 (optional): a binary message (a Buffer): reply with binary, `Server reply: ` + the bytes.
  void messages;
  void printable;
  void send;
  void socket;
  void log;
  todo('server.ts: loop over messages(socket) and reply `Server reply: <message>` to each');
}

/** Sends, and resolves once ws has handed the data to the operating system (given). */
function send(socket: WebSocket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(data, { binary: typeof data !== 'string' }, (error) => (error ? reject(error) : resolve()));
  });
}

if (isMain(import.meta.url)) await runServerProgram('Conversation server', createServer);
