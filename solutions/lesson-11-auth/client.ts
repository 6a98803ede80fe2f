// Lesson 11 — a client that proves who it is: its token goes in the Authorization header of the
// upgrade request (never in the URL). It prints the server's welcome, says one line, prints the
// answer and leaves with 1000. A refused upgrade (401, 403) is reported plainly, with the
// server's one-line reason, and so is a session the server ended because the token expired.
// Run it: TOKEN=$(npx tsx lessons/lesson-11-auth/mint-token.ts alice) npx tsx lessons/lesson-11-auth/client.ts [ws://127.0.0.1:8765]
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

/** How long the client waits for the server at each step (the handshake and welcome, the answer, the close). */
export const TIMEOUT_MS = 10_000;
/** How much of a refusal's body the client reads: a reason is one line. */
export const MAX_REASON_BYTES = 500;
/** The close code the server uses when the token expired during the session. */
export const TOKEN_EXPIRED_CODE = 4001;

export interface AuthClientOptions extends ClientOptions {
  /** The token to show the server (default: $TOKEN). */
  token?: string;
  /** The line to say once welcomed. */
  say?: string;
  timeoutMs?: number;
}

// #region run
export function runClient(url: string, { out = process.stdout, token = process.env.TOKEN ?? '', say = 'hello', timeoutMs = TIMEOUT_MS }: AuthClientOptions = {}): Promise<void> {
  if (token === '') return Promise.reject(new Error('no token: set TOKEN (npx tsx mint-token.ts alice prints one)'));
  return new Promise<void>((resolve, reject) => {
    // A header, not ?token= in the URL: URLs end up in server logs, proxy logs and histories.
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    let failure: Error | undefined;
    let leaving = false;
    let received = 0;
    // One timer at a time: for the handshake and the welcome, then for the answer, then for the close.
    let timer = setTimeout(() => silent('welcome'), timeoutMs);

    /** A server that does not answer will not answer a close frame either: drop the connection. */
    const silent = (what: string): void => {
      failure ??= new Error(`no ${what} from the server within ${timeoutMs} ms`);
      ws.terminate();
    };
    const leave = (): void => {
      leaving = true;
      clearTimeout(timer);
      ws.close(1000);
      timer = setTimeout(() => ws.terminate(), timeoutMs);
    };

    // #region refused
    // The server answered the upgrade with an HTTP status instead of 101 Switching Protocols. With
    // this listener ws leaves the response to us (without it: an 'error' that only says the status).
    ws.on('unexpected-response', (_request, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        // A reason is one short line: read no more than that.
        if (Buffer.byteLength(body) > MAX_REASON_BYTES) response.destroy();
      });
      // 'close' comes after the whole body, or after destroy(): either way we know all we will.
      response.on('close', () => {
        const reason = printable(body.trim(), MAX_REASON_BYTES);
        failure ??= new Error(`the server refused the connection: ${response.statusCode} ${response.statusMessage}${reason ? `: ${reason}` : ''}`);
        // The handshake is still pending: terminate() abandons it, and 'close' follows.
        ws.terminate();
      });
    });
    // #endregion refused

    ws.on('message', (data, isBinary) => {
      if (leaving) return;
      out.write(`${isBinary ? `(a binary message of ${(data as Buffer).length} bytes)` : printable(data.toString(), 500)}\n`);
      received += 1;
      clearTimeout(timer);
      if (received === 1) {
        timer = setTimeout(() => silent('answer'), timeoutMs);
        ws.send(say);
      } else {
        leave();
      }
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else if (leaving) resolve();
      else if (code === TOKEN_EXPIRED_CODE) reject(new Error(`the session ended: the token expired (code ${code}): get a new token and connect again`));
      else reject(new Error(`the server closed the connection (code ${code}, reason "${printable(reason.toString())}")`));
    });
    // Without a listener an 'error' would crash the program; 'close' follows it and settles the promise.
    ws.on('error', (error) => { failure ??= error; });
  });
}
// #endregion run

if (isMain(import.meta.url)) await runClientProgram('Auth client', runClient);
