// Lesson 06 — the protocol both sides speak: one JSON envelope for every message, a documented
// table of error codes, and parseRequest(), which turns untrusted text into a typed request or
// into the error reply to send back. It never throws: everything that arrives is data, not code.
import { printable } from '../../lib/printable.ts';
import { todo } from '../../lib/todo.ts';

/** The version this server speaks. A message with another version gets `unsupported_version`. */
export const PROTOCOL_VERSION = 1;
/** Offered in Sec-WebSocket-Protocol; the server picks it when a client offers it. */
export const SUBPROTOCOL = 'workbook.v1';
/** The largest message the server accepts; ws closes the connection with 1009 above it. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
export const MAX_REQUEST_ID_LENGTH = 64;
export const MAX_DELAY_MS = 2000;
/** How many `delay` requests one connection may have waiting at once. */
export const MAX_DELAYED_PER_CONNECTION = 16;

/** Every error the server can reply with, and what it means. Clients may rely on these codes. */
export const ERROR_CODES = {
  bad_json: 'the message is not valid JSON',
  bad_envelope: 'the message is JSON but not an envelope: an object with type (string), version (integer), request_id (string of 1–64 characters) and payload (object)',
  unsupported_version: `the envelope's version is not ${PROTOCOL_VERSION}, the only version this server speaks`,
  unknown_type: 'the type is not one this server handles (echo, add, delay)',
  bad_payload: 'the payload does not fit the type',
  binary_not_supported: 'a binary frame: this protocol is JSON in text frames',
  too_many_requests: `more than ${MAX_DELAYED_PER_CONNECTION} delay requests are waiting on this connection`,
  internal_error: 'the server failed while handling a valid request (a bug, not your fault)',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** The request types, their payloads and what a successful reply carries. */
export interface RequestTypes {
  /** Answered at once with the same text. */
  echo: { payload: { text: string }; result: { text: string } };
  /** a and b are finite numbers; answered at once with their sum. */
  add: { payload: { a: number; b: number }; result: { sum: number } };
  /** ms is a whole number from 0 to MAX_DELAY_MS; answered after that many milliseconds. */
  delay: { payload: { ms: number }; result: { ms: number } };
}
export type RequestType = keyof RequestTypes;
export const REQUEST_TYPES: readonly RequestType[] = ['echo', 'add', 'delay'];
export type PayloadOf<T extends RequestType> = RequestTypes[T]['payload'];
export type ResultOf<T extends RequestType> = RequestTypes[T]['result'];

/** The envelope: every message, in both directions, has exactly these four fields. */
export interface Envelope<T extends string, P> {
  type: T;
  version: number;
  /** Chosen by the client; the reply carries the same one. null only on errors it cannot name. */
  request_id: string | null;
  payload: P;
}

/** A request that passed validation: `type` tells TypeScript which payload it has. */
export type Request = { [T in RequestType]: Envelope<T, PayloadOf<T>> & { request_id: string } }[RequestType];
export type ResultReply<T extends RequestType = RequestType> = Envelope<T, ResultOf<T>> & { request_id: string };
export type ErrorReply = Envelope<'error', { code: ErrorCode; message: string }>;
export type Reply = ResultReply | ErrorReply;
/** A reply as a client reads it: the error code may be one a newer server added after this table. */
export type IncomingReply = ResultReply | Envelope<'error', { code: string; message: string }>;

export type ParseResult = { ok: true; request: Request } | { ok: false; error: ErrorReply };

export function errorReply(requestId: string | null, code: ErrorCode, message: string = ERROR_CODES[code]): ErrorReply {
  return { type: 'error', version: PROTOCOL_VERSION, request_id: requestId, payload: { code, message } };
}

export function resultReply<T extends RequestType>(request: { type: T; request_id: string }, result: ResultOf<T>): ResultReply<T> {
  return { type: request.type, version: PROTOCOL_VERSION, request_id: request.request_id, payload: result };
}

/**
 * Parses one text message from a client. Returns the typed request, or the error reply to send
 * back. It must never throw, whatever `text` is: the server calls it on everything that arrives.
 */
export function parseRequest(text: string): ParseResult {
  // TODO 1: JSON.parse(text) inside try/catch. If it throws: return failure(null, 'bad_json', …).
  // TODO 2: the value must be a plain object (isRecord): otherwise failure(null, 'bad_envelope', …).
  // TODO 3: read request_id first. Not a string of 1–64 characters (isRequestId)? bad_envelope,
  //         with null. From here on, every failure carries the id, so the client knows which
  //         request failed.
  // TODO 4: version must be an integer (else bad_envelope); an integer other than
  //         PROTOCOL_VERSION is unsupported_version. Check it before the type: another version
  //         may have types this one has never heard of.
  // TODO 5: type must be a string and payload a plain object (else bad_envelope); a type that
  //         isRequestType() does not know is unknown_type.
  // TODO 6: check the payload for its type (RequestTypes above lists the fields) and copy only
  //         those fields into the request: wrong or missing ones are bad_payload. Extra fields are
  //         ignored: that is what lets a newer client add fields without breaking this server.
  void text;
  return todo('protocol.ts: parseRequest: turn the text into a request, or into the documented error reply (start with JSON.parse in try/catch)');
}

/** Checks a reply's envelope (the client's side of "validate what arrives"); undefined if it is not one. */
export function parseReply(text: string): IncomingReply | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.type !== 'string' || value.version !== PROTOCOL_VERSION || !isRecord(value.payload)) return undefined;
  const id = value.request_id;
  if (id !== null && !isRequestId(id)) return undefined;
  if (value.type === 'error') {
    const { code, message } = value.payload;
    // Any code is accepted: a newer server may add codes, and the request must still fail, not hang.
    if (typeof code !== 'string' || code.length === 0 || typeof message !== 'string') return undefined;
    return { type: 'error', version: PROTOCOL_VERSION, request_id: id, payload: { code, message } };
  }
  if (id === null || !isRequestType(value.type)) return undefined;
  // The result's fields are the server's side of the contract; the caller reads them as typed.
  return { type: value.type, version: PROTOCOL_VERSION, request_id: id, payload: value.payload } as ResultReply;
}

function failure(requestId: string | null, code: ErrorCode, message: string): ParseResult {
  return { ok: false, error: errorReply(requestId, code, message) };
}

/** A list lookup, not `type in someObject`: "constructor" or "__proto__" must not find Object's members. */
export function isRequestType(type: string): type is RequestType {
  return (REQUEST_TYPES as readonly string[]).includes(type);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_REQUEST_ID_LENGTH;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Quotes untrusted text for an error message: control characters escaped, cut to 40 characters (never reflect 16 KiB back at the sender). */
function quote(text: string): string {
  return `"${printable(text, 40)}"`;
}
