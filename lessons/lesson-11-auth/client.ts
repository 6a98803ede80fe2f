// Lesson 11 — a client that proves who it is: its token goes in the Authorization header of the
// upgrade request (never in the URL). It prints the server's welcome, says one line, prints the
// answer and leaves with 1000. A refused upgrade (401, 403) is reported plainly, with the
// server's one-line reason, and so is a session the server ended because the token expired.
// Run it: TOKEN=$(npx tsx lessons/lesson-11-auth/mint-token.ts alice) npx tsx lessons/lesson-11-auth/client.ts [ws://127.0.0.1:8765]
// Check it: npm run check lesson-11
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
  // TODO 7: no token (token === ''): return Promise.reject(new Error('no token: set TOKEN (npx tsx
  //         mint-token.ts alice prints one)')) before connecting. And send the token in the
  //         upgrade request's Authorization header, not in the URL (URLs end up in logs):
  //         new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } }).
  void token;
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url);
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

    // TODO 8: a refused upgrade. ws.on('unexpected-response', (_request, response) => …) runs when
    //         the server answers with an HTTP status instead of 101 (without this listener ws
    //         only says "Unexpected server response: 401"). Read the body: response.setEncoding('utf8'),
    //         on 'data' add the chunk and response.destroy() past MAX_REASON_BYTES. On the response's
    //         'close': failure ??= new Error(`the server refused the connection: ${response.statusCode}
    //         ${response.statusMessage}: ${printable(body.trim(), MAX_REASON_BYTES)}`) (no ": …" when
    //         the body is empty), then ws.terminate(): the handshake is still pending, and 'close' follows.
    void MAX_REASON_BYTES;

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
      // TODO 9: code TOKEN_EXPIRED_CODE (4001): reject with new Error(`the session ended: the token
      //         expired (code ${code}): get a new token and connect again`): say what to do.
      else reject(new Error(`the server closed the connection (code ${code}, reason "${printable(reason.toString())}")`));
    });
    // Without a listener an 'error' would crash the program; 'close' follows it and settles the promise.
    ws.on('error', (error) => { failure ??= error; });
  });
}
// #endregion run

if (isMain(import.meta.url)) await runClientProgram('Auth client', runClient);
