// Lesson 11 — authentication at the upgrade. Every WebSocket connection starts as an HTTP request
// ("GET / HTTP/1.1, Upgrade: websocket"). This server looks at that request before it agrees to
// the upgrade: an Origin outside the allow-list gets 403, a missing, forged or expired token gets
// 401, each written on the raw socket, which is then closed. No WebSocket is ever made for them:
// no 'connection' event, no "open" on the client. A session that is let in ends when its token
// does: the server closes it with 4001.
// Run it: npx tsx lessons/lesson-11-auth/server.ts
//   then: TOKEN=$(npx tsx lessons/lesson-11-auth/mint-token.ts alice) npx tsx lessons/lesson-11-auth/client.ts
// Check it: npm run check lesson-11
//
// Wire format: text frames.
//   client → server  Authorization: Bearer <token>  (an HTTP header of the upgrade request, never the URL)
//   server → client  "Welcome, alice"  on connecting (the name is the token's sub)
//                    "alice: <text>"   for each text message: an echo signed with who the token says you are
// Close codes: 4001 the token expired (get a new one and connect again); 1003 a binary frame;
// 1009 a message over MAX_MESSAGE_BYTES.
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import { todo } from '../../lib/todo.ts';
import { DEV_SECRET, MIN_SECRET_BYTES, verifyToken, type Claims } from './tokens.ts';

/** The largest message the server reads; ws closes a larger one's connection with 1009. */
export const MAX_MESSAGE_BYTES = 4 * 1024;
/** The close code for a session whose token expired (4000–4999 are for applications). */
export const TOKEN_EXPIRED_CODE = 4001;
/** The pages allowed to open a connection from a browser (the Origin header), by default. */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['http://127.0.0.1:8765', 'http://localhost:8765'];
/** The longest delay Node's setTimeout takes (about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Node's clock fits this; the checks pass a fake one, so expiry takes no real time. */
export interface Clock {
  /** Milliseconds since 1970, like Date.now(). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}
export type TimerHandle = NodeJS.Timeout | number;

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

export interface AuthServerOptions extends ServerOptions {
  /** The HMAC secret tokens are signed with: at least 32 bytes. Default: $AUTH_SECRET, else DEV_SECRET. */
  secret?: string;
  /** Origins (scheme://host:port, exactly as browsers send them) allowed to connect. */
  allowedOrigins?: readonly string[];
  clock?: Clock;
}

/** Why an upgrade is refused: the HTTP status, and the one line the client is told. */
interface Refusal {
  ok: false;
  status: 401 | 403;
  message: string;
}

export function createServer({
  host = '127.0.0.1',
  port = 8765,
  log = console.log,
  secret = process.env.AUTH_SECRET ?? DEV_SECRET,
  allowedOrigins = DEFAULT_ALLOWED_ORIGINS,
  clock = realClock,
}: AuthServerOptions = {}): WebSocketServer {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new RangeError(`the secret must be at least ${MIN_SECRET_BYTES} bytes long`);
  if (secret === DEV_SECRET) log('warning: using the development secret (set AUTH_SECRET): anyone who reads this code can make tokens');

  // A plain HTTP request is not what this server is for; an upgrade request goes to 'upgrade' below.
  const http = createHttpServer((_request, response) => {
    response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
    response.end('This is a WebSocket server: connect with a WebSocket client.\n');
  });
  // noServer: ws makes a WebSocket only when we hand it an upgrade request we have accepted.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let nextId = 1;

  /** Decides from the upgrade request alone: who is asking, or why not. */
  function authenticate(request: IncomingMessage): { ok: true; claims: Claims } | Refusal {
    // TODO 4: in this order:
    //   - the Origin: const { origin } = request.headers. Browsers always send it and a page cannot
    //     forge it; Node and Python clients send none. If it is there and
    //     !allowedOrigins.includes(origin) (an exact match: never startsWith or includes):
    //     return { ok: false, status: 403, message: 'origin not allowed' }.
    //   - the token, from the Authorization header ONLY (never from the URL: URLs are logged):
    //     const token = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    //     none: { ok: false, status: 401, message: 'missing token: send the header "Authorization: Bearer <token>"' }.
    //   - const verdict = verifyToken(secret, token, clock.now()) (the clock option, not Date.now());
    //     refused: 401 with the message 'token expired' if verdict.reason is 'expired', else 'invalid token'.
    //   - else return the verdict ({ ok: true, claims }).
    void request;
    void verifyToken;
    void allowedOrigins;
    void secret;
    todo('server.ts: authenticate(): the Origin against the allow-list (403), then the Bearer token (401)');
  }


  /** Answers the upgrade request with a plain HTTP error on the raw socket, then closes it. */
  function refuse(socket: Duplex, { status, message }: Refusal): void {
    // TODO 5: the socket is raw TCP: write the HTTP answer yourself, every line ending in \r\n:
    //   HTTP/1.1 ${status} ${STATUS_CODES[status]}
    //   Connection: close
    //   Content-Type: text/plain; charset=utf-8
    //   Content-Length: ${Buffer.byteLength(body)}          (body = `${message}\n`; bytes, not characters)
    //   WWW-Authenticate: Bearer realm="workbook"            (only for a 401)
    //   (an empty line, then the body)
    // socket.once('finish', () => socket.destroy()); socket.end(answer): the answer goes out,
    // then the socket is freed at once.
    void socket;
    void status;
    void message;
    void STATUS_CODES;
    todo('server.ts: refuse(): write "HTTP/1.1 <status> …" with its headers and body on the socket, then close it');
  }


  // #region upgrade
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // TODO 3: the heart of the lesson. Decide BEFORE the handshake completes:
    //   - socket.on('error', (error) => log(`upgrade socket error: ${printable(error.message)}`)):
    //     until ws takes the socket its errors are yours (a client that resets would crash the server);
    //   - const who = authenticate(request);
    //   - refused: log(`refused ${who.status}: ${who.message} (${request.socket.remoteAddress})`)
    //     (never the token) and return refuse(socket, who). No WebSocket, no 'connection' event;
    //   - accepted: wss.handleUpgrade(request, socket, head, (ws) => { wss.emit('connection', ws, request);
    //     session(ws, who.claims); }).
    // Never accept first and close afterwards: the client would already have seen "open".
    void request;
    void socket;
    void head;
    void authenticate;
    void refuse;
    void session;
    todo('server.ts: the "upgrade" handler: authenticate(request) first, then refuse(socket, …) or wss.handleUpgrade(…)');
  });
  // #endregion upgrade

  // #region session
  /** One authenticated connection: greet, echo under the token's name, end when the token does. */
  function session(ws: WebSocket, { sub, exp }: Claims): void {
    const id = nextId;
    nextId += 1;
    log(`#${id} ${printable(sub)} connected`);
    // A client that sends and never reads must not pile our replies up in memory (1 MiB at most).
    limitSendBuffer(ws);

    // TODO 6: a session may not outlive its token. Arm clock.setTimeout (the clock option, not
    //         the global) for the time left, exp - clock.now(); when it fires,
    //         log(`#${id} ${printable(sub)}: token expired, closing`) and
    //         ws.close(TOKEN_EXPIRED_CODE, 'token expired'). Node's setTimeout takes at most
    //         MAX_TIMER_MS (about 24.8 days) and runs a longer delay after 1 ms: arm it for
    //         Math.min(left, MAX_TIMER_MS), and when it fires, look again (close, or arm again).
    //         Keep the handle in `expiry`, and clear it in the 'close' listener below.
    const expiry: TimerHandle | undefined = undefined;
    void exp;
    void TOKEN_EXPIRED_CODE;
    void MAX_TIMER_MS;

    ws.send(`Welcome, ${sub}`);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      ws.send(`${sub}: ${data.toString()}`);
    });
    ws.on('close', (code) => {
      // TODO 6 (and): clock.clearTimeout(expiry): however the session ends, its timer goes too.
      void expiry;
      log(`#${id} ${printable(sub)} left (${code})`);
    });
    ws.on('error', (error) => log(`#${id} error: ${printable(error.message)}`));
  }
  // #endregion session

  // #region listen
  // The workbook's tools (the checks, runServerProgram) hold on to the WebSocketServer: give it the
  // HTTP server's address and events, and let its close() stop the HTTP server too.
  http.on('listening', () => wss.emit('listening'));
  http.on('error', (error) => wss.emit('error', error));
  wss.address = () => http.address()!;
  const closeWebSockets = wss.close.bind(wss);
  wss.close = (callback) => {
    http.close();
    closeWebSockets(callback);
  };
  http.listen(port, host);
  return wss;
  // #endregion listen
}

if (isMain(import.meta.url)) await runServerProgram('Auth server', createServer);
