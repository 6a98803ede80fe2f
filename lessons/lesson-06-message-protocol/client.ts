// Lesson 06 — the protocol client: request(type, payload) sends an envelope with a fresh
// request_id and returns a promise for the reply with that id, whatever order replies arrive in.
// Run it: npx tsx lessons/lesson-06-message-protocol/client.ts [ws://127.0.0.1:8765]
import { once } from 'node:events';
import { WebSocket, type RawData } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';
import {
  PROTOCOL_VERSION, SUBPROTOCOL, parseReply,
  type ErrorCode, type PayloadOf, type RequestType, type ResultOf,
} from './protocol.ts';

/** What can go wrong on the client's side, next to the server's error codes. */
export type ClientErrorCode = 'timeout' | 'closed' | 'bad_reply';

/**
 * Why a request failed: `code` is machine-readable (one of ERROR_CODES, a ClientErrorCode, or a
 * code a newer server added), the message is for people.
 */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(readonly code: ErrorCode | ClientErrorCode | (string & {}), message: string) {
    super(message);
  }
}

export interface RequestOptions {
  /** Reject with code 'timeout' if no reply arrives within this many milliseconds. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;

interface Pending {
  type: RequestType;
  resolve: (result: unknown) => void;
  reject: (error: RequestError) => void;
  timer: NodeJS.Timeout;
}

export class ProtocolClient {
  /** Requests sent and not yet answered, by request_id. Every entry leaves by reply, timeout or close. */
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;

  constructor(private readonly ws: WebSocket, private readonly defaults: RequestOptions = {}) {
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    let lastError = '';
    ws.on('close', (code) => this.rejectAll(new RequestError('closed', `the connection closed (code ${code}${lastError}) before a reply arrived`)));
    // Without a listener an 'error' event would crash the program; 'close' follows it and rejects what is pending.
    ws.on('error', (error) => { lastError = `: ${error.message}`; });
  }

  /** How many requests are waiting for a reply (0 once everything has been answered, timed out or closed). */
  get pendingCount(): number {
    return this.pending.size;
  }

  // #region request
  /** Sends one request; resolves with the result, rejects with a RequestError (server error, timeout or close). */
  request<T extends RequestType>(type: T, payload: PayloadOf<T>, { timeoutMs = this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS }: RequestOptions = {}): Promise<ResultOf<T>> {
    // TODO 1: if the socket is not OPEN, return Promise.reject(new RequestError('closed', …)).
    // TODO 2: make a request_id no other request on this connection has had (a counter will do).
    // TODO 3: return a new Promise: start a timer that, after timeoutMs, deletes the pending
    //         entry and rejects with new RequestError('timeout', …); store { type, resolve,
    //         reject, timer } in this.pending under the id; then send the envelope
    //         { type, version: PROTOCOL_VERSION, request_id, payload } as JSON.
    void type;
    void payload;
    void timeoutMs;
    void PROTOCOL_VERSION;
    return todo('client.ts: request: send the envelope with a fresh request_id, and keep a pending entry with a timeout');
  }
  // #endregion request

  // #region match
  private onMessage(data: RawData, isBinary: boolean): void {
    // TODO 4: the server's messages are input too. Skip binary frames; parse with parseReply
    //         (undefined: not a reply, skip it). Find the pending entry by request_id; none means
    //         a late or unknown reply: skip it. Otherwise delete the entry, clear its timer, and
    //         reject with new RequestError(code, message) for an error reply, or resolve with the
    //         payload (reject with 'bad_reply' if the type is not the one requested).
    void isBinary;
    void parseReply;
    todo('client.ts: match each reply to its pending request by request_id');
  }
  // #endregion match

  private rejectAll(error: RequestError): void {
    // TODO 5: the connection is gone: clear every pending entry's timer, reject it with `error`,
    //         and empty the map. (No todo() here: it would throw inside the 'close' event.)
    void error;
  }

  /** Closes with 1000 and waits for the closing handshake; pending requests reject with 'closed'. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close(1000);
    await closed;
  }
}

/** Opens a connection that offers our subprotocol, and wraps it in a ProtocolClient. */
export async function connect(url: string, defaults: RequestOptions = {}): Promise<ProtocolClient> {
  const ws = new WebSocket(url, [SUBPROTOCOL]);
  try {
    await once(ws, 'open');
  } catch (error) {
    ws.terminate();
    throw error;
  }
  return new ProtocolClient(ws, defaults);
}

/** The demo: a few requests, one answered out of order, one refused by the server. */
export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  const client = await connect(url);
  try {
    const echo = await client.request('echo', { text: 'Hello, protocol!' });
    out.write(`echo → ${echo.text}\n`);
    const { sum } = await client.request('add', { a: 2, b: 3 });
    out.write(`add 2 + 3 → ${sum}\n`);

    // Sent together: the slow one first. Each reply still finds its own request.
    out.write('sent delay 300 ms, then echo "quick"\n');
    await Promise.all([
      client.request('delay', { ms: 300 }).then((result) => out.write(`delay → ${result.ms} ms\n`)),
      client.request('echo', { text: 'quick' }).then((result) => out.write(`echo → ${result.text} (answered first)\n`)),
    ]);

    // A payload of the wrong type: the server answers with a documented error, not a crash.
    const bad = JSON.parse('{"a":"2","b":3}') as PayloadOf<'add'>;
    await client.request('add', bad).then(
      (result) => out.write(`add "2" + 3 → ${result.sum} (the server should have refused this)\n`),
      (error: unknown) => out.write(`add "2" + 3 → error ${error instanceof RequestError ? `${error.code}: ${error.message}` : String(error)}\n`),
    );
  } finally {
    await client.close();
  }
}

if (isMain(import.meta.url)) await runClientProgram('Protocol client', runClient);
