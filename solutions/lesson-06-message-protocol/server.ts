// Lesson 06 — the protocol server: every text message is a JSON request envelope, every request
// gets exactly one reply (its result, or an error with a documented code), and nothing a client
// sends can make it throw.
// Run it: npx tsx lessons/lesson-06-message-protocol/server.ts   (then the client, in another terminal)
import { WebSocket, WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import {
  MAX_DELAYED_PER_CONNECTION, MAX_MESSAGE_BYTES, SUBPROTOCOL,
  errorReply, parseRequest, resultReply, type Reply, type Request,
} from './protocol.ts';

export interface ProtocolServerOptions extends ServerOptions {
  /** Largest message in bytes; a larger one closes the connection with 1009. */
  maxPayload?: number;
  /** How many `delay` requests one connection may have waiting at once. */
  maxDelayed?: number;
}

export function createServer({
  host = '127.0.0.1', port = 8765, log = console.log,
  maxPayload = MAX_MESSAGE_BYTES, maxDelayed = MAX_DELAYED_PER_CONNECTION,
}: ProtocolServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({
    host,
    port,
    // ws refuses a larger frame before reading it into memory, and closes with 1009.
    maxPayload,
    // Our subprotocol if the client offers it; a client that offers none still connects.
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  wss.on('connection', (socket) => {
    // A client that sends and never reads must not pile our replies up in memory (lesson 02 explains it).
    limitSendBuffer(socket);
    // This connection's pending `delay` replies, so they can be cancelled when it closes.
    const timers = new Set<NodeJS.Timeout>();
    const send = (reply: Reply): void => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(reply));
    };

    // #region handle
    const handle = (request: Request): void => {
      switch (request.type) {
        case 'echo':
          send(resultReply(request, { text: request.payload.text }));
          return;
        case 'add': {
          const sum = request.payload.a + request.payload.b;
          // JSON has no Infinity: JSON.stringify would turn it into null.
          if (!Number.isFinite(sum)) send(errorReply(request.request_id, 'bad_payload', 'a + b is too large to represent'));
          else send(resultReply(request, { sum }));
          return;
        }
        case 'delay': {
          if (timers.size >= maxDelayed) {
            send(errorReply(request.request_id, 'too_many_requests'));
            return;
          }
          const timer = setTimeout(() => {
            timers.delete(timer);
            send(resultReply(request, { ms: request.payload.ms }));
          }, request.payload.ms);
          timers.add(timer);
          return;
        }
      }
    };
    // #endregion handle

    // #region dispatch
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        log('rejected: binary_not_supported');
        send(errorReply(null, 'binary_not_supported'));
        return;
      }
      const parsed = parseRequest(data.toString());
      if (!parsed.ok) {
        // The message may quote the client's text: printable() escapes what could forge a log line.
        log(`rejected: ${parsed.error.payload.code} (${printable(parsed.error.payload.message)})`);
        send(parsed.error);
        return;
      }
      const request = parsed.request;
      log(`${request.type} request ${printable(request.request_id)}`);
      try {
        handle(request);
      } catch (error) {
        // A bug in a handler is ours, not the client's: answer it and keep the connection.
        log(`internal error on ${request.type} ${printable(request.request_id)}: ${printable(error instanceof Error ? error.message : String(error))}`);
        send(errorReply(request.request_id, 'internal_error'));
      }
    });
    // #endregion dispatch

    socket.on('close', () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    });
    // Oversized frames, invalid UTF-8 and dropped connections arrive here; ws closes the socket itself.
    socket.on('error', (error) => log(`connection error: ${error.message}`));
  });

  return wss;
}

if (isMain(import.meta.url)) await runServerProgram('Protocol server', createServer);
