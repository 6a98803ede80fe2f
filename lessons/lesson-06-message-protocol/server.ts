// Lesson 06 — the protocol server: every text message is a JSON request envelope, every request
// gets exactly one reply (its result, or an error with a documented code), and nothing a client
// sends can make it throw.
// Run it: npx tsx lessons/lesson-06-message-protocol/server.ts   (then the client, in another terminal)
import { WebSocket, WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import { todo } from '../../lib/todo.ts';
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
  // TODO 1: two more options for the WebSocketServer:
  //   maxPayload: the size limit (ws's default is 100 MiB; above the limit ws closes with 1009);
  //   handleProtocols: (offered) => pick SUBPROTOCOL if the client offers it, else false (so a
  //   client that offers none still connects; without the option ws picks the first offered).
  const wss = new WebSocketServer({ host, port });
  void maxPayload;
  void SUBPROTOCOL;

  wss.on('connection', (socket) => {
    limitSendBuffer(socket); // given: stops reading from a client that never reads its replies (lesson 02 explains it)
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
        case 'add':
          // TODO 4: answer with resultReply(request, { sum: a + b }). When the sum is not finite
          //         (1e308 + 1e308), answer bad_payload instead: JSON has no Infinity.
          return todo('server.ts: answer add with { sum: a + b }');
        case 'delay':
          // TODO 5: answer with resultReply(request, { ms }) after payload.ms milliseconds
          //         (setTimeout). Keep each timer in `timers` until it fires (then delete it, or
          //         the limit fills up for good), so 'close' can cancel the ones still waiting;
          //         when maxDelayed timers are already waiting, answer too_many_requests.
          void maxDelayed;
          return todo('server.ts: answer delay after payload.ms milliseconds');
      }
    };
    // #endregion handle

    // #region dispatch
    socket.on('message', (data, isBinary) => {
      // TODO 2: a binary frame is not part of this protocol: before parsing, answer it with
      //         errorReply(null, 'binary_not_supported') and return.
      void isBinary;
      const parsed = parseRequest(data.toString());
      // TODO 3: if !parsed.ok, send parsed.error (and log it). Otherwise log the request and
      //         handle(parsed.request), inside try/catch: a handler that throws is answered with
      //         errorReply(request_id, 'internal_error') and must not take the connection down.
      //         Log client text (the request_id, the error message) through printable(...): a
      //         newline in a request_id would otherwise forge a second line in your log.
      void parsed;
      void printable;
      void handle;
      void errorReply;
      todo('server.ts: send parsed.error, or handle(parsed.request)');
    });
    // #endregion dispatch

    // TODO 6: on 'close', clear this connection's timers (a reply to nobody is wasted work).
    //         On 'error', log the error: an oversized or broken frame emits 'error' on the socket,
    //         and an 'error' event with no listener crashes the whole server.
  });

  return wss;
}

if (isMain(import.meta.url)) await runServerProgram('Protocol server', createServer);
