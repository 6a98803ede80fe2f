// Lesson 04 — the greeter server. It is finished: you fix client.ts, not this file.
// It greets every client the moment the connection opens, then answers each message with
// `Server reply: <message>`. The greeting is what a late `message` listener misses.
// Run it: npx tsx lessons/lesson-04-async-pitfalls/greeter-server.ts [--port 8765] [--host 127.0.0.1]
import { WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';

export const GREETING = 'Welcome! Send me a message and I will answer it.';

/** The largest message the server accepts; a larger one closes the connection with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function replyTo(text: string): string {
  return `Server reply: ${text}`;
}

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });

  wss.on('connection', (socket) => {
    // A client that sends and never reads must not make its replies pile up here (lesson 02).
    limitSendBuffer(socket);
    // Sent in the same tick as the handshake's answer: on the client's side the two usually
    // arrive together, before any code that awaited 'open' gets to run again.
    socket.send(GREETING);
    log('Client connected; sent the greeting');

    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        // 1003: this server only understands text.
        socket.close(1003, 'text messages only');
        return;
      }
      const text = data.toString();
      // printable(): the client chose this text; a "\n" in it must not forge a log line.
      log(`Received: ${printable(text)}`);
      socket.send(replyTo(text));
    });
    socket.on('close', (code) => log(`Client left (code ${code})`));
    // Without this listener, one broken connection would crash the server for everyone.
    socket.on('error', (error) => log(`Connection error: ${error.message}`));
  });

  return wss;
}

if (isMain(import.meta.url)) await runServerProgram('Greeter server', createServer);
