// Self-checks for lesson 06. Run: npm run check lesson-06
// Each check starts your server or client for real, on 127.0.0.1 with a free port. The server
// checks speak raw JSON over the wire, so they test the protocol, not your TypeScript types.
import { AsyncLocalStorage, createHook, executionAsyncId } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { Endpoint, WAIT_MS, check, closedPort, expectEqual, fail, show, tcpSocket, type Harness, type RunningServer } from '../../checks/harness.ts';
import { exited, programSaid, runProgram, importStartsNothing } from '../../checks/programs.ts';
import { ERROR_CODES, parseReply } from './protocol.ts';
import { createServer } from './server.ts';
import { RequestError, connect, runClient } from './client.ts';

/** The 1,000 random inputs take about a second on a quiet machine; this leaves room for a very busy one. */
const RANDOM_INPUTS_WAIT_MS = 45_000;

// The protocol as documented in the README; written out here so the checks cannot drift with your code.
const VERSION = 1;
const LIMIT_BYTES = 16 * 1024;
const CODES = ['bad_json', 'bad_envelope', 'unsupported_version', 'unknown_type', 'bad_payload', 'binary_not_supported', 'too_many_requests', 'internal_error'];

interface WireEnvelope {
  type: string;
  version: number;
  request_id: string | null;
  payload: Record<string, unknown>;
}

function envelope(type: unknown, requestId: unknown, payload: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type, version: VERSION, request_id: requestId, payload, ...extra });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asEnvelope(value: unknown): WireEnvelope | undefined {
  if (!isRecord(value) || typeof value.type !== 'string' || !isRecord(value.payload)) return undefined;
  if (typeof value.version !== 'number' || !(value.request_id === null || typeof value.request_id === 'string')) return undefined;
  return value as unknown as WireEnvelope;
}

/** The next message on `endpoint`, which must be a JSON envelope. */
async function nextEnvelope(endpoint: Endpoint, waitingFor: string, hint: string, within = WAIT_MS): Promise<WireEnvelope> {
  const text = await endpoint.nextText({ waitingFor, hint, within });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail({ expected: `${waitingFor} as a JSON envelope`, actual: show(text), hint: 'every message is JSON: send JSON.stringify(reply), never a bare string.' });
  }
  const reply = asEnvelope(value);
  if (!reply) {
    fail({ expected: `${waitingFor} as an envelope { type, version, request_id, payload }`, actual: show(value), hint: 'build replies with resultReply(...) or errorReply(...) from protocol.ts: type and version, request_id (string or null) and an object payload.' });
  }
  expectEqual(reply.version, VERSION, `the version of ${waitingFor}`, `replies carry the version the server speaks: ${VERSION}.`);
  return reply;
}

/** Asserts ERROR_CODES, the table clients program against, holds exactly the documented codes, each with its meaning. */
function expectDocumentedCodes(): void {
  expectEqual(Object.keys(ERROR_CODES).sort(), [...CODES].sort(), 'the codes in ERROR_CODES (protocol.ts)', 'ERROR_CODES is the table clients program against: exactly the codes the server can send, as the README lists them.');
  for (const [code, meaning] of Object.entries(ERROR_CODES)) {
    if (typeof meaning !== 'string' || meaning.trim().length < 10) {
      fail({ expected: `ERROR_CODES.${code} to say in a sentence when it is sent`, actual: show(meaning), hint: 'each code in the table comes with its meaning: that is the documentation clients read.' });
    }
  }
}

/** Asserts `reply` is the documented error reply. */
function expectError(reply: WireEnvelope, code: string, requestId: string | null, what: string, hint: string): void {
  if (reply.type !== 'error') {
    fail({ expected: `${what} to be an error reply with code ${show(code)}`, actual: `a ${show(reply.type)} reply: ${show(reply)}`, hint });
  }
  expectDocumentedCodes();
  expectEqual(reply.payload.code, code, `the error code of ${what}`, hint);
  expectEqual(reply.request_id, requestId, `the request_id of ${what}`, requestId === null
    ? 'when the message has no usable request_id (not JSON, not an object, missing or invalid request_id, binary), the error reply carries request_id: null.'
    : 'read request_id before checking anything else, and put it on every error reply, so the client knows which request failed.');
  if (typeof reply.payload.message !== 'string' || reply.payload.message.length === 0) {
    fail({ expected: `${what} to carry a message for people next to the code`, actual: show(reply.payload), hint: 'error replies have payload { code, message }: the code for programs, the message for people.' });
  }
}

/** Asserts `reply` is the successful reply to request `requestId` of `type`; an error reply says why. */
function expectResult(reply: WireEnvelope, type: string, requestId: string, what: string, server: RunningServer, hint: string): void {
  if (reply.type === 'error') {
    const logs = server.logs.slice(-2).join(' | ');
    fail({ expected: `${what} to be a reply of type ${show(type)}`, actual: `an error reply ${show(reply.payload.code)}: ${show(reply.payload.message)}${logs ? ` (the server logged: ${logs})` : ''}`, hint });
  }
  expectEqual(reply.type, type, `the type of ${what}`, 'a successful reply has the same type as its request.');
  expectEqual(reply.request_id, requestId, `the request_id of ${what}`, 'copy the request\'s request_id onto its reply: that is how the client matches them.');
}

/** A valid echo request right after something else: the connection must still answer correctly. */
async function expectStillAnswers(endpoint: Endpoint, after: string): Promise<void> {
  const id = `still-${Math.random().toString(36).slice(2, 8)}`;
  endpoint.send(envelope('echo', id, { text: 'still there?' }));
  const reply = await nextEnvelope(endpoint, `the reply to a valid echo request sent ${after}`,
    'bad input gets an error reply and nothing else: never close the connection, never throw out of the message handler.');
  if (reply.type !== 'echo' || reply.request_id !== id || reply.payload.text !== 'still there?') {
    fail({ expected: `{ type: "echo", request_id: ${show(id)}, payload: { text: "still there?" } } ${after}`, actual: show(reply), hint: 'each reply belongs to exactly one message; a bad message must not leave the connection in a broken state.' });
  }
}

// ---------------------------------------------------------------------------------------------
// The table of bad inputs: each gets its documented error, and the connection keeps working.

interface BadInput {
  name: string;
  input: string | Buffer;
  code: string;
  requestId: string | null;
  hint: string;
}

const ID = 'bad-1';
const valid = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'echo', version: VERSION, request_id: ID, payload: { text: 'hi' }, ...changes });
const without = (field: string): string => {
  const message = valid();
  delete message[field];
  return JSON.stringify(message);
};
const with_ = (changes: Record<string, unknown>): string => JSON.stringify(valid(changes));

const PARSE_HINT = 'JSON.parse throws on anything that is not JSON: call it inside try/catch and answer bad_json when it throws.';
const SHAPE_HINT = 'after JSON.parse, check the value is a plain object (not null, not an array) before reading fields; otherwise answer bad_envelope.';
const ARRAY_HINT = 'typeof [] is "object" too: `typeof payload !== "object" || payload === null` lets an array through. Use isRecord(payload), which also refuses arrays, and answer bad_envelope.';
const ORDER_HINT = 'check in the documented order: request_id, then version (an integer, then === PROTOCOL_VERSION), then type and payload. A version this server does not speak is refused before anything else about the message is judged.';
const ID_HINT = `request_id must be a string of 1 to 64 characters; anything else is bad_envelope with request_id: null.`;
const FIELD_HINT = 'check each envelope field\'s type (type: string, version: integer, payload: object) and answer bad_envelope, with the request_id, when one is wrong.';
const TYPE_HINT = 'look the type up in a fixed list (REQUEST_TYPES / isRequestType), never with `type in handlers` or handlers[type]: those find Object\'s own members such as "constructor".';
const PAYLOAD_HINT = 'check the payload\'s fields for the type (see RequestTypes in protocol.ts) and answer bad_payload when one is missing or has the wrong type.';

const BAD_INPUTS: BadInput[] = [
  { name: 'plain text that is not JSON', input: 'hello server', code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: 'an empty message', input: '', code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: 'a message of only whitespace', input: ' \n\t ', code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: 'JSON cut off in the middle', input: JSON.stringify(valid()).slice(0, 25), code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: 'single-quoted pseudo-JSON', input: "{'type': 'echo', 'version': 1}", code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: 'a JSON string instead of an object', input: '"echo"', code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: 'a JSON number', input: '42', code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: 'JSON null', input: 'null', code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: 'an array holding a valid request', input: `[${JSON.stringify(valid())}]`, code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: 'an empty object', input: '{}', code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: 'no request_id', input: without('request_id'), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: 'a request_id that is a number', input: with_({ request_id: 7 }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: 'an empty request_id', input: with_({ request_id: '' }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: 'a request_id of 65 characters', input: with_({ request_id: 'x'.repeat(65) }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: 'an array as request_id', input: with_({ request_id: [ID] }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: 'a number as request_id, with version 2', input: with_({ request_id: 7, version: 2 }), code: 'bad_envelope', requestId: null, hint: `request_id is read first: without a usable one the message is bad_envelope with request_id: null, whatever else is wrong. ${ID_HINT}` },
  { name: 'no type', input: without('type'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'a type that is a number', input: with_({ type: 3 }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'no version', input: without('version'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'version as the string "1"', input: with_({ version: '1' }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'version 1.5', input: with_({ version: 1.5 }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'version 2', input: with_({ version: 2 }), code: 'unsupported_version', requestId: ID, hint: 'a well-formed version the server does not speak is unsupported_version: check version === PROTOCOL_VERSION before looking at the type.' },
  { name: 'version 2 with a type version 1 does not know', input: with_({ version: 2, type: 'subscribe' }), code: 'unsupported_version', requestId: ID, hint: ORDER_HINT },
  { name: 'version 2 with a number as type', input: with_({ version: 2, type: 3 }), code: 'unsupported_version', requestId: ID, hint: ORDER_HINT },
  { name: 'version 0', input: with_({ version: 0 }), code: 'unsupported_version', requestId: ID, hint: 'version must be exactly PROTOCOL_VERSION (1): any other integer is unsupported_version.' },
  { name: 'no payload', input: without('payload'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'a payload that is a string', input: with_({ payload: 'hi' }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'a null payload', input: with_({ payload: null }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'an empty array as payload', input: with_({ payload: [] }), code: 'bad_envelope', requestId: ID, hint: ARRAY_HINT },
  { name: 'add with an array as payload', input: with_({ type: 'add', payload: [1, 2] }), code: 'bad_envelope', requestId: ID, hint: ARRAY_HINT },
  { name: 'an unknown type with an array as payload', input: with_({ type: 'subscribe', payload: [] }), code: 'bad_envelope', requestId: ID, hint: `the envelope comes first: a payload that is not an object is bad_envelope before the type is looked up. ${ARRAY_HINT}` },
  { name: 'the unknown type "subscribe"', input: with_({ type: 'subscribe' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: 'the type "constructor"', input: with_({ type: 'constructor' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: 'the type "__proto__"', input: with_({ type: '__proto__' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: 'echo without text', input: with_({ payload: {} }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: 'echo with a number as text', input: with_({ payload: { text: 42 } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: 'echo with null as text', input: with_({ payload: { text: null } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: 'add with a string for a', input: with_({ type: 'add', payload: { a: '1', b: 2 } }), code: 'bad_payload', requestId: ID, hint: 'typeof a === "number" and Number.isFinite(a): "1" + 2 is "12" in JavaScript, never trust the payload\'s types.' },
  { name: 'add without b', input: with_({ type: 'add', payload: { a: 1 } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: 'add with true for a', input: with_({ type: 'add', payload: { a: true, b: 1 } }), code: 'bad_payload', requestId: ID, hint: 'typeof a === "number": true + 1 is 2 in JavaScript, so checking only that the sum is finite lets true through.' },
  { name: 'add with null for b', input: with_({ type: 'add', payload: { a: 1, b: null } }), code: 'bad_payload', requestId: ID, hint: 'check a AND b (&&, not ||): 1 + null is 1 in JavaScript, so a null b must be refused before adding.' },
  { name: 'add with a string for b', input: with_({ type: 'add', payload: { a: 1, b: '2' } }), code: 'bad_payload', requestId: ID, hint: 'check both numbers: typeof b === "number" and Number.isFinite(b), not only a.' },
  { name: 'add with 1e999 (Infinity once parsed) for a', input: `{"type":"add","version":1,"request_id":"${ID}","payload":{"a":1e999,"b":-1e999}}`, code: 'bad_payload', requestId: ID, hint: 'JSON.parse turns 1e999 into Infinity: Number.isFinite(a) refuses it (and a + b is NaN here, which JSON cannot carry either).' },
  { name: 'add whose sum overflows', input: with_({ type: 'add', payload: { a: 1e308, b: 1e308 } }), code: 'bad_payload', requestId: ID, hint: 'JSON has no Infinity (JSON.stringify turns it into null): when a + b is not finite, answer bad_payload.' },
  { name: 'delay with a negative ms', input: with_({ type: 'delay', payload: { ms: -5 } }), code: 'bad_payload', requestId: ID, hint: 'delay\'s ms is a whole number from 0 to 2000.' },
  { name: 'delay of a minute', input: with_({ type: 'delay', payload: { ms: 60_000 } }), code: 'bad_payload', requestId: ID, hint: 'delay\'s ms is a whole number from 0 to 2000: an unbounded delay lets one client park timers on your server for as long as it likes.' },
  { name: 'delay of 2001 ms, one past the limit', input: with_({ type: 'delay', payload: { ms: 2001 } }), code: 'bad_payload', requestId: ID, hint: 'the limit is MAX_DELAY_MS = 2000, included: ms <= MAX_DELAY_MS, so 2001 is refused.' },
  { name: 'delay with ms as a string', input: with_({ type: 'delay', payload: { ms: '5' } }), code: 'bad_payload', requestId: ID, hint: 'typeof ms === "number": "5" is a string, however numeric it looks.' },
  { name: 'delay with a fractional ms', input: with_({ type: 'delay', payload: { ms: 1.5 } }), code: 'bad_payload', requestId: ID, hint: 'delay\'s ms is a whole number (Number.isInteger) from 0 to 2000.' },
  { name: 'a binary frame holding a valid request', input: Buffer.from(JSON.stringify(valid())), code: 'binary_not_supported', requestId: null, hint: 'check isBinary first: this protocol is JSON in text frames, so a binary frame is answered with binary_not_supported, without parsing it.' },
  { name: 'an empty binary frame', input: Buffer.alloc(0), code: 'binary_not_supported', requestId: null, hint: 'check isBinary first: every binary frame, even an empty one, is answered with binary_not_supported.' },
];

// ---------------------------------------------------------------------------------------------

describe('the protocol server', () => {
  check('answers a valid echo request with an echo reply carrying the same request_id', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(envelope('echo', 'first-1', { text: 'Hello, protocol!' }));
    const reply = await nextEnvelope(client, 'the reply to an echo request', 'parse the message with parseRequest, then send resultReply(request, { text }).');
    expectResult(reply, 'echo', 'first-1', 'the reply to an echo request', server, 'parseRequest must accept a valid request: { type: "echo", version: 1, request_id: "first-1", payload: { text } }.');
    expectEqual(reply.payload.text, 'Hello, protocol!', 'payload.text of the echo reply', 'echo answers with the same text it got.');
  });

  check('answers add with the sum', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(envelope('add', 'sum-1', { a: 2, b: 3.5 }));
    const reply = await nextEnvelope(client, 'the reply to add 2 + 3.5', 'answer add with resultReply(request, { sum: a + b }).');
    expectResult(reply, 'add', 'sum-1', 'the reply to add 2 + 3.5', server, 'answer add with resultReply(request, { sum: a + b }).');
    expectEqual(reply.payload.sum, 5.5, 'payload.sum', 'add answers with { sum: a + b }.');
  });

  check('ignores unknown extra fields, so newer clients can add them', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(JSON.stringify({ ...valid({ request_id: 'extra-1', payload: { text: 'hi', colour: 'blue' } }), trace_id: 'abc' }));
    const reply = await nextEnvelope(client, 'the reply to an echo request with extra fields', 'accept extra fields you do not know, in the envelope and in the payload: that is what lets a protocol grow without breaking old servers.');
    expectResult(reply, 'echo', 'extra-1', 'the reply to an echo request with extra fields', server, 'unknown fields are ignored, not an error: check the fields you need and copy only those.');
    expectEqual(reply.payload.text, 'hi', 'payload.text', 'echo answers with the text it got.');
  });

  check('answers a quick request before a slow one sent earlier (replies can come out of order)', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sentAt = performance.now();
    client.send(envelope('delay', 'slow', { ms: 500 }));
    client.send(envelope('echo', 'quick', { text: 'quick' }));
    const first = await nextEnvelope(client, 'the first reply', 'answer delay later with setTimeout, and let other requests be answered meanwhile: never block or queue behind a slow request.');
    const delayHint = 'answer delay with resultReply(request, { ms }) from a setTimeout of payload.ms milliseconds.';
    if (first.request_id === 'slow') expectResult(first, 'delay', 'slow', 'the reply to delay 500 ms', server, delayHint);
    expectResult(first, 'echo', 'quick', 'the first reply', server, 'the echo needs no waiting: it is answered while the delay is still running.');
    const second = await nextEnvelope(client, 'the reply to delay 500 ms', delayHint, WAIT_MS + 500);
    expectResult(second, 'delay', 'slow', 'the reply to delay 500 ms', server, delayHint);
    expectEqual(second.payload.ms, 500, 'payload.ms of the delay reply', 'delay answers with { ms }.');
    const waited = client.received[1]!.at - sentAt;
    if (waited < 480) {
      fail({ expected: 'the delay reply at least 500 ms after the request', actual: `it came after ${Math.round(waited)} ms`, hint: 'wait payload.ms milliseconds (setTimeout) before sending the delay reply.' });
    }
  });

  check('refuses a 17th waiting delay with too_many_requests, and keeps answering', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    for (let i = 1; i <= 17; i += 1) client.send(envelope('delay', `d${i}`, { ms: 2000 }));
    const reply = await nextEnvelope(client, 'the reply to the 17th delay', 'count the delays waiting on this connection (the timers set); at 16, answer too_many_requests instead of starting another timer.');
    if (reply.request_id !== 'd17') {
      const got = reply.type === 'error' ? `an error ${show(reply.payload.code)} for ${show(reply.request_id)}: ${show(reply.payload.message)}` : `a ${show(reply.type)} reply for ${show(reply.request_id)}`;
      fail({
        expected: 'the first reply to be too_many_requests for d17, while d1 to d16 (2000 ms each, the largest delay allowed) wait',
        actual: got,
        hint: reply.type === 'error' && reply.payload.code === 'bad_payload'
          ? 'a delay of exactly 2000 ms is allowed: the limit includes its value (ms <= MAX_DELAY_MS).'
          : 'answer delay from a setTimeout of payload.ms, and count the delays waiting on this connection: at 16, answer too_many_requests at once.',
      });
    }
    expectError(reply, 'too_many_requests', 'd17', 'the reply to the 17th delay', 'at most 16 delays may wait per connection: memory on a server must be bounded, whatever the client sends.');
    await expectStillAnswers(client, 'after too_many_requests');
  });

  check('keeps answering delays for the whole life of a connection, not only its first 16', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    // Three rounds of 16 short delays, one round after the other: never more than 16 wait at once.
    for (let round = 1; round <= 3; round += 1) {
      for (let i = 1; i <= 16; i += 1) client.send(envelope('delay', `round${round}-${i}`, { ms: i % 2 }));
      for (let i = 1; i <= 16; i += 1) {
        const what = `the reply to delay ${i} of round ${round} (delay number ${(round - 1) * 16 + i} on this connection, every earlier one already answered)`;
        const reply = await nextEnvelope(client, what, 'answer delay with resultReply(request, { ms }) from its setTimeout.');
        if (reply.type === 'error' && reply.payload.code === 'too_many_requests') {
          fail({ expected: `${what} to be a delay reply`, actual: `too_many_requests, although none of this connection's earlier delays is still waiting`, hint: 'a timer that has fired is no longer waiting: delete it from the set inside its callback (timers.delete(timer)), or the limit of 16 fills up for good and every later delay is refused.' });
        }
        expectResult(reply, 'delay', reply.request_id ?? '', what, server, 'answer delay with resultReply(request, { ms }) from its setTimeout.');
      }
    }
    await expectStillAnswers(client, 'after 48 delays');
  });

  check('cancels the delays still waiting when their client leaves', async ({ net }) => {
    const server = await net.serve(createServer);
    const timers = new TimerWatch();
    try {
      // Everything the server does for this connection starts from its socket's callbacks.
      server.wss.on('connection', (socket) => socket.once('message', () => timers.adopt(executionAsyncId())));
      const client = await net.connect(server.url);
      for (let i = 1; i <= 17; i += 1) client.send(envelope('delay', `left-${i}`, { ms: 2000 }));
      // The 17th is refused only once the 16 before it are waiting.
      const refused = await nextEnvelope(client, 'the reply to the 17th delay', 'count the delays waiting on this connection; at 16, answer too_many_requests.');
      expectError(refused, 'too_many_requests', 'left-17', 'the reply to the 17th delay', 'at most 16 delays may wait per connection.');
      if (timers.started().length < 16) {
        fail({ expected: '16 delay timers started for this connection', actual: `${describeTimers(timers.started())}`, hint: 'answer each delay from its own setTimeout(…, payload.ms), started in the message handler, and keep it in the connection\'s set until it fires.' });
      }
      const conn = server.connections[0]!;
      client.terminate();
      await net.waitUntil(() => conn.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: 'the server to see the client leave', actual: 'its socket is still open', hint: 'ws emits "close" on the server\'s socket when the client drops the connection.' }));
      const leftAt = performance.now();
      const hint = 'on the socket\'s "close" event, clearTimeout every timer still in this connection\'s set: each would run up to 2 s later only to find nobody to answer, and keeps the server busy (and a stopping server alive) meanwhile.';
      await net.waitUntil(() => timers.pending().length === 0, 1000, () => ({
        expected: 'no delay timer left once the client has gone',
        actual: `${describeTimers(timers.pending())} still waiting after the connection closed`,
        hint,
      }));
      const fired = timers.firedSince(leftAt);
      if (fired.length > 0) fail({ expected: 'no delay timer to run after its client left', actual: `${describeTimers(fired)} ran after the connection closed`, hint });
    } finally {
      timers.stop();
    }
  });

  check('accepts values right at the limits: request_id of 1 and 64 characters, delay of 0 and 2000 ms, empty and blank text', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const longId = 'i'.repeat(64);
    client.send(envelope('delay', longId, { ms: 2000 }));
    client.send(envelope('delay', 'z', { ms: 0 }));
    client.send(envelope('echo', 'empty', { text: '' }));
    client.send(envelope('echo', 'blank', { text: ' \t ' }));
    const expected: Record<string, { type: string; payload: Record<string, unknown>; what: string; hint: string }> = {
      [longId]: { type: 'delay', payload: { ms: 2000 }, what: 'the reply to delay 2000 ms with a request_id of 64 characters', hint: 'both limits include their value: request_id.length <= 64 and ms <= MAX_DELAY_MS (2000).' },
      z: { type: 'delay', payload: { ms: 0 }, what: 'the reply to delay 0 ms with the request_id "z" (1 character)', hint: 'request_id may be a single character (length >= 1), and ms may be 0 (ms >= 0).' },
      empty: { type: 'echo', payload: { text: '' }, what: 'the reply to echo with empty text', hint: 'an empty string is a string: check typeof text === "string", not the text\'s truthiness.' },
      blank: { type: 'echo', payload: { text: ' \t ' }, what: 'the reply to echo with blank text', hint: 'blank text is text: echo it as it is, without trimming or refusing it.' },
    };
    for (let i = 0; i < 4; i += 1) {
      const reply = await nextEnvelope(client, `reply ${i + 1} of 4 (the delay of 2000 ms comes last)`, 'every request at a limit is an ordinary request.', WAIT_MS + 2000);
      const want = reply.request_id === null ? undefined : expected[reply.request_id];
      if (!want) fail({ expected: `replies with the request_ids ${show(Object.keys(expected))}`, actual: show(reply), hint: 'a reply carries its request\'s request_id.' });
      expectResult(reply, want.type, reply.request_id!, want.what, server, want.hint);
      expectEqual(reply.payload, want.payload, `the payload of ${want.what}`, want.hint);
      delete expected[reply.request_id!];
    }
  }, 15_000);

  check('closes with 1007 on a text frame that is not UTF-8 and 1002 on an unmasked frame, and keeps serving others', async ({ net }) => {
    const server = await net.serve(createServer);
    const hint = 'ws closes these connections by itself, after an "error" event on the server\'s socket: give every socket an "error" listener (socket.on("error", …)), or that event crashes the whole server.';
    const notUtf8 = await net.connect(server.url, { label: 'a client sending invalid UTF-8' });
    notUtf8.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expectEqual((await notUtf8.waitClosed({ waitingFor: 'the server to close a connection that sent invalid UTF-8 in a text frame', hint })).code, 1007, 'the close code after invalid UTF-8', hint);
    const unmasked = await net.connect(server.url, { label: 'a client sending an unmasked frame' });
    // A text frame "hi" without the mask a client must put on every frame (RFC 6455, 5.1).
    tcpSocket(unmasked.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    expectEqual((await unmasked.waitClosed({ waitingFor: 'the server to close a connection that sent an unmasked frame', hint })).code, 1002, 'the close code after an unmasked frame', hint);
    const next = await net.connect(server.url, { label: 'a third client' });
    await expectStillAnswers(next, 'by a new client after two broken connections');
    if (!server.logs.some((line) => /invalid utf-8/i.test(line))) {
      fail({ expected: 'the server to log the socket error (ws says "Invalid WebSocket frame: invalid UTF-8 sequence")', actual: `the log: ${show(server.logs)}`, hint: 'in the socket\'s "error" listener, log the error: log(`connection error: ${error.message}`). Silence would hide why clients are dropped.' });
    }
  });

  check('stops reading from a client that never reads its replies, and keeps serving the others', async ({ net }) => {
    const server = await net.serve(createServer);
    const stalled = await net.connect(server.url, { label: 'a client that never reads' });
    const conn = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: 'the server to accept the connection', actual: 'no connection', hint: 'return the WebSocketServer you created.' }));
    tcpSocket(stalled.ws).pause();
    // 1,600 echo requests of 15 KiB (24 MiB), each answered with as much: what a client that sends
    // and never reads costs a server that keeps reading from it. The kernel's buffers take a few
    // MiB of that; a server without a limit queues the rest, one that pauses stays near its 1 MiB.
    const text = 'x'.repeat(15 * 1024);
    for (let i = 0; i < 1600; i += 1) stalled.send(envelope('echo', `flood-${i}`, { text }));
    const bound = 6 * 1024 * 1024;
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
    const hint = 'keep the given line limitSendBuffer(socket) at the start of the "connection" handler: it pauses reading from a client once 1 MiB of replies wait for it (lesson 02 explains it).';
    let peak = 0;
    const state = await net.waitUntil(() => {
      peak = Math.max(peak, conn.bufferedAmount);
      if (peak > bound) return 'overflow';
      if (conn.isPaused) return 'paused';
      return conn.readyState === WebSocket.CLOSED ? 'dropped' : undefined;
    }, 20_000, () => ({ expected: 'the server to stop reading from a client whose replies pile up', actual: `after 20 s it was still reading, with ${mb(peak)} of replies queued`, hint }));
    if (state === 'overflow') {
      fail({ expected: 'the replies queued for a client that never reads to stay under 6 MiB', actual: `the server kept reading its requests: ${mb(peak)} of replies queued in memory (bufferedAmount) and growing`, hint });
    }
    if (state === 'paused') {
      // Paused for good: what is queued must not keep growing.
      await new Promise((resolve) => setTimeout(resolve, 300));
      peak = Math.max(peak, conn.bufferedAmount);
      if (peak > bound || !conn.isPaused) {
        fail({ expected: `the server to stay paused, with less than ${mb(bound)} queued`, actual: `${conn.isPaused ? 'paused' : 'reading again'}, ${mb(peak)} queued`, hint });
      }
    }
    const other = await net.connect(server.url, { label: 'another client' });
    await expectStillAnswers(other, 'by another client while one client is stalled');
  }, 30_000);

  check('logs each request and rejection, with client text escaped so it cannot forge a log line', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const forgedId = 'r1\nERROR admin password reset';
    client.send(envelope('echo', forgedId, { text: 'hi' }));
    const reply = await nextEnvelope(client, 'the reply to an echo whose request_id holds a newline', 'a request_id is any string of 1 to 64 characters, newlines included.');
    expectResult(reply, 'echo', forgedId, 'the reply to an echo whose request_id holds a newline', server, 'a request_id is any string of 1 to 64 characters, newlines included.');
    client.send(Buffer.from('binary'));
    expectError(await nextEnvelope(client, 'the reply to a binary frame', 'answer binary frames with errorReply(null, "binary_not_supported").'), 'binary_not_supported', null, 'the reply to a binary frame', 'answer binary frames with errorReply(null, "binary_not_supported").');
    client.send(envelope('sub\u2028scribe\u001b[2J', 'r2', {}));
    expectError(await nextEnvelope(client, 'the reply to an unknown type holding control characters', TYPE_HINT), 'unknown_type', 'r2', 'the reply to an unknown type holding control characters', TYPE_HINT);
    const hint = 'pass client text through printable(...) (lib/printable.ts) before logging it: the request_id, and error messages that quote the client\'s type.';
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
    const forged = server.logs.find((line) => unsafe.test(line));
    if (forged !== undefined) {
      fail({ expected: 'log lines without raw control characters (a newline in client text starts a forged line of its own)', actual: `the server logged ${show(forged)}`, hint });
    }
    if (!server.logs.some((line) => line.includes('ERROR admin password reset'))) {
      fail({ expected: 'a log line naming the echo request by its request_id', actual: show(server.logs), hint: `log each request, e.g. log(\`\${request.type} request \${printable(request.request_id)}\`): escaped, not dropped. ${hint}` });
    }
    for (const code of ['binary_not_supported', 'unknown_type']) {
      if (!server.logs.some((line) => line.includes(code))) {
        fail({ expected: `a log line naming the rejection and its code, ${code}`, actual: show(server.logs), hint: 'log each rejected message with its code, e.g. log(`rejected: ${code} (${printable(message)})`), binary frames included.' });
      }
    }
  });

  check('quotes an unknown type in its error message, cut short, and names the types it knows', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(envelope('t'.repeat(8000), 'long-type', {}));
    const reply = await nextEnvelope(client, 'the reply to a type of 8,000 characters', TYPE_HINT);
    expectError(reply, 'unknown_type', 'long-type', 'the reply to a type of 8,000 characters', TYPE_HINT);
    const message = String(reply.payload.message);
    if (message.length > 300 || !message.includes('tttttttttt')) {
      fail({ expected: 'an error message that quotes the start of the type and stays short (under 300 characters)', actual: `a message of ${message.length} characters: ${show(message)}`, hint: 'quote(type) cuts untrusted text to 40 characters: never reflect a whole 16 KiB message back at its sender.' });
    }
    if (!/\becho\b.*\badd\b.*\bdelay\b/.test(message)) {
      fail({ expected: 'the message to name the types the server knows: echo, add, delay', actual: show(message), hint: 'say what would have worked: `unknown type ${quote(type)}; known types: ${REQUEST_TYPES.join(\', \')}`.' });
    }
  });

  check('answers a message of exactly 16 KiB, and closes with 1009 on a larger one', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const overhead = envelope('echo', 'big', { text: '' }).length;
    const atLimit = envelope('echo', 'big', { text: 'x'.repeat(LIMIT_BYTES - overhead) });
    client.send(atLimit);
    const reply = await nextEnvelope(client, `the reply to a message of exactly ${LIMIT_BYTES} bytes`, `the limit is 16 KiB = ${LIMIT_BYTES} bytes: maxPayload: MAX_MESSAGE_BYTES.`);
    expectResult(reply, 'echo', 'big', `the reply to a message of exactly ${LIMIT_BYTES} bytes`, server, 'messages up to the limit are ordinary messages.');
    client.send(envelope('echo', 'too-big', { text: 'x'.repeat(LIMIT_BYTES - overhead + 1) }));
    const limitHint = 'pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...); ws then refuses larger messages and closes with 1009.';
    const closed = await net.waitUntil(() => client.closed ?? (client.received.length > 1 ? 'answered' : undefined), WAIT_MS, () => fail({
      expected: `the server to close the connection with 1009 after a message of ${LIMIT_BYTES + 1} bytes`, actual: 'the connection stayed open', hint: limitHint,
    }));
    if (closed === 'answered') {
      fail({ expected: `the server to close the connection with 1009 after a message of ${LIMIT_BYTES + 1} bytes`, actual: `it answered it: ${show(client.received[1]?.data)}`, hint: limitHint });
    }
    expectEqual(closed.code, 1009, 'the close code', 'ws closes with 1009 ("message too big") by itself when maxPayload is set; do not close the socket yourself.');
    const next = await net.connect(server.url, { label: 'a second client' });
    await expectStillAnswers(next, 'by a new client after the oversized message');
  });

  check('picks the workbook.v1 subprotocol when a client offers it', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await connectOffering(net, server.url, ['workbook.v2', 'workbook.v1']);
    expectEqual(client.ws.protocol, 'workbook.v1', 'the subprotocol the server picked', 'handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false). Without it, ws picks the first one the client offers.');
    await expectStillAnswers(client, 'over the negotiated connection');
    // A browser offering only workbook.v2 connects with no subprotocol; one it never offered would fail it.
    const answer = await net.settle(upgrade(server.port, 'workbook.v2'), WAIT_MS, () => ({ expected: 'an answer to a handshake offering only workbook.v2', actual: 'none', hint: 'handleProtocols must return at once.' }));
    if (answer.kind === 'error') throw answer.error;
    const { status, protocol } = answer.value;
    if (status !== 101 || protocol !== undefined) {
      fail({ expected: 'a handshake offering only workbook.v2 to be accepted (101) with no Sec-WebSocket-Protocol header', actual: `status ${status}, Sec-WebSocket-Protocol ${show(protocol)}`, hint: 'when the client does not offer SUBPROTOCOL, handleProtocols returns false: the connection goes ahead with no subprotocol.' });
    }
  });

  describe('answers each bad input with its documented error, and keeps the connection', () => {
    for (const row of BAD_INPUTS) {
      check(`bad input: ${row.name} → ${row.code}`, async ({ net }) => {
        const server = await net.serve(createServer);
        const client = await net.connect(server.url);
        client.send(row.input);
        const reply = await nextEnvelope(client, `the error reply to ${row.name}`, row.hint);
        expectError(reply, row.code, row.requestId, `the reply to ${row.name}`, row.hint);
        await expectStillAnswers(client, `after ${row.name}`);
      });
    }
  });

  check('answers each of 1,000 random inputs exactly once, then still answers correctly', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const inputs = randomInputs(1000);
    for (const input of inputs) client.send(input.data);
    // Every input gets one reply; valid delays (at most 30 ms here) may come a little later. The
    // work grows with the machine's load, so this check has a wide limit of its own (below).
    const deadline = performance.now() + RANDOM_INPUTS_WAIT_MS;
    while (client.received.length < inputs.length && client.isOpen && performance.now() < deadline) {
      net.throwIfLearnerCrashed();
      await net.sleepUntilWoken(deadline - performance.now());
    }
    net.throwIfLearnerCrashed();
    const unanswered = inputs[client.received.length];
    if (client.closed) {
      fail({ expected: 'the connection to stay open through random input', actual: `the server closed it (code ${client.closed.code}) after ${client.received.length} replies; the next input was probably ${show(unanswered?.data)}`, hint: 'bad input gets an error reply, never a close: validate everything in parseRequest and reply with its error.' });
    }
    if (client.received.length !== inputs.length) {
      fail({ expected: `${inputs.length} replies, one per input`, actual: `${client.received.length}; the first unanswered input was probably ${show(unanswered?.data)}`, hint: 'every message gets exactly one reply: a result or an error. Look for a path in your message handler that returns without sending.' });
    }
    const repliesById = new Map<string, number>();
    for (const message of client.received) {
      const reply = typeof message.data === 'string' ? asEnvelope(safeParse(message.data)) : undefined;
      if (!reply || reply.version !== VERSION) {
        fail({ expected: 'every reply to be a JSON envelope { type, version: 1, request_id, payload }', actual: show(message.data), hint: 'send only resultReply(...) or errorReply(...) values, as JSON text.' });
      }
      if (reply.type === 'error' && !CODES.includes(String(reply.payload.code))) {
        fail({ expected: `error replies to use a documented code (${CODES.join(', ')})`, actual: show(reply), hint: 'use the codes of ERROR_CODES in protocol.ts; clients rely on that table.' });
      }
      if (reply.request_id !== null) repliesById.set(reply.request_id, (repliesById.get(reply.request_id) ?? 0) + 1);
    }
    for (const input of inputs) {
      if (input.requestId === undefined) continue;
      const count = repliesById.get(input.requestId) ?? 0;
      if (count !== 1) {
        fail({ expected: `exactly one reply with request_id ${show(input.requestId)}`, actual: `${count}, for the input ${show(input.data)}`, hint: 'once a message has a valid request_id (a string of 1 to 64 characters), its reply, result or error, carries that request_id.' });
      }
    }
    // Move the read cursor past the replies looked at above.
    for (let i = 0; i < inputs.length; i += 1) await client.next();
    await expectStillAnswers(client, 'after 1,000 random inputs');
  }, RANDOM_INPUTS_WAIT_MS + 15_000);
});

// ---------------------------------------------------------------------------------------------

describe('the protocol client', () => {
  check('request() sends an envelope and resolves with the payload of the matching reply', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('add', { a: 2, b: 3 }));
      const request = await nextClientRequest(conn);
      expectEqual(request.type, 'add', 'the type of the request', 'send the type you were given.');
      expectEqual(request.payload, { a: 2, b: 3 }, 'the payload of the request', 'send the payload you were given, unchanged.');
      conn.send(JSON.stringify({ type: 'add', version: VERSION, request_id: request.request_id, payload: { sum: 5 } }));
      const result = await answer.wait('request("add", { a: 2, b: 3 }) to resolve', 'when a reply arrives, find its pending entry by request_id and resolve it with reply.payload.');
      expectEqual(conn.ws.protocol, 'workbook.v1', 'the subprotocol connect() offered (the test server takes the first one offered)', 'connect() opens new WebSocket(url, [SUBPROTOCOL]).');
      expectEqual(result, { sum: 5 }, 'what request() resolved with', 'resolve with the reply\'s payload.');
      expectEqual(client.pendingCount, 0, 'pendingCount after the reply', 'delete the pending entry (and clear its timer) when its reply arrives.');
    } finally {
      await closeClient(net, client);
    }
  });

  check('matches replies that arrive out of order by request_id', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const texts = ['first', 'second', 'third'];
      const answers = texts.map((text) => settle(net, client.request('echo', { text })));
      const requests = [await nextClientRequest(conn), await nextClientRequest(conn), await nextClientRequest(conn)];
      const ids = new Set(requests.map((request) => request.request_id));
      if (ids.size !== 3) {
        fail({ expected: 'three different request_ids for three requests', actual: show(requests.map((request) => request.request_id)), hint: 'give every request a fresh id, e.g. a counter: `r${this.nextId++}`.' });
      }
      // The test server answers the third request first, then the first, then the second.
      for (const index of [2, 0, 1]) {
        const request = requests[index]!;
        conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: request.request_id, payload: { text: request.payload.text } }));
      }
      for (const [i, text] of texts.entries()) {
        const result = await answers[i]!.wait(`request("echo", { text: "${text}" }) to resolve`, 'look the reply up by its request_id in the pending map.');
        expectEqual(result, { text }, `what request("echo", { text: "${text}" }) resolved with`, 'match each reply by request_id, not by the order requests were sent: replies may come in any order.');
      }
      expectEqual(client.pendingCount, 0, 'pendingCount after all replies', 'delete each pending entry when its reply arrives.');
    } finally {
      await closeClient(net, client);
    }
  });

  check('rejects with the server\'s error code when the reply is an error, even a code it does not know', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'hi' }));
      const request = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'error', version: VERSION, request_id: request.request_id, payload: { code: 'bad_payload', message: 'payload.text must be a string' } }));
      const error = await answer.waitRejected('request() to reject after an error reply', 'an error reply rejects its request: new RequestError(reply.payload.code, reply.payload.message).');
      expectRequestError(error, 'bad_payload', 'reject with new RequestError(reply.payload.code, reply.payload.message), so callers can switch on the code.');
      expectEqual(client.pendingCount, 0, 'pendingCount after the error reply', 'an error reply settles its request too: delete the pending entry.');
      // A code this client has never heard of (a newer server added it) still fails the request.
      const second = settle(net, client.request('echo', { text: 'again' }));
      const secondRequest = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'error', version: VERSION, request_id: secondRequest.request_id, payload: { code: 'rate_limited', message: 'slow down' } }));
      const unknown = await second.waitRejected('request() to reject after an error reply with a code it does not know', 'any error reply rejects its request, whatever the code: a newer server may add codes, and the caller must not hang until the timeout.');
      expectRequestError(unknown, 'rate_limited', 'pass the server\'s code through unchanged.');
    } finally {
      await closeClient(net, client);
    }
  });

  check('ignores replies it cannot match (not JSON, binary, unknown request_id) and still matches the right one', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'mine' }));
      const request = await nextClientRequest(conn);
      const id = request.request_id;
      conn.send('this is not JSON');
      conn.send('null');
      conn.send('[1, 2, 3]');
      conn.send(Buffer.from([0, 1, 2, 3]));
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: 'nobody-asked', payload: { text: 'not yours' } }));
      // Carrying this request's id, but not reply envelopes: each must be skipped, not settle it.
      const reply = (fields: Record<string, unknown>): string => JSON.stringify({ type: 'echo', version: VERSION, request_id: id, ...fields });
      const notReplies: [string | Buffer, string][] = [
        [Buffer.from(reply({ payload: { text: 'a binary frame' } })), 'a binary frame'],
        [reply({ version: 2, payload: { text: 'version 2' } }), 'version 2'],
        [reply({ version: undefined, payload: { text: 'no version' } }), 'no version'],
        [reply({ type: undefined, payload: { text: 'no type' } }), 'no type'],
        [reply({ type: 'subscribe', payload: { text: 'an unknown type' } }), 'an unknown type'],
        [reply({ payload: 'a string payload' }), 'a string payload'],
        [reply({ payload: ['an array payload'] }), 'an array payload'],
        [reply({ payload: null }), 'a null payload'],
        [reply({ type: 'error', payload: { code: '', message: 'an error with an empty code' } }), 'an error with an empty code'],
        [reply({ type: 'error', payload: { code: 42, message: 'an error with a numeric code' } }), 'an error with a numeric code'],
        [reply({ type: 'error', payload: { code: 'an error without a message' } }), 'an error without a message'],
      ];
      for (const [message] of notReplies) conn.send(message);
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: id, payload: { text: 'mine' } }));
      const hint = 'parse each message with parseReply (it never throws) and skip binary frames and anything that is not a reply envelope (parseReply returns undefined): the server\'s messages are input too.';
      const outcome = await answer.outcome('request() to settle', hint);
      if (outcome.kind === 'rejected' || JSON.stringify(outcome.value) !== JSON.stringify({ text: 'mine' })) {
        const got = outcome.kind === 'rejected' ? outcome.error : outcome.value;
        const seen = got instanceof RequestError ? `${got.code} ${got.message}` : JSON.stringify(got);
        const took = notReplies.find(([, label]) => seen.includes(label));
        fail({ expected: 'request() to resolve with { text: "mine" }, from the one real reply', actual: `it ${outcome.kind} with ${show(got)}${took ? `: it took ${took[1]} as its reply` : ''}`, hint });
      }
      // parseReply (given in protocol.ts), which the client relies on, on request_ids it cannot match.
      const ids: [Record<string, unknown>, boolean, string][] = [
        [{ type: 'echo', request_id: 7 }, false, 'a result whose request_id is a number'],
        [{ type: 'echo', request_id: 'x'.repeat(65) }, false, 'a result whose request_id has 65 characters'],
        [{ type: 'echo', request_id: null }, false, 'a result with request_id null'],
        [{ type: 'error', request_id: 7 }, false, 'an error whose request_id is a number'],
        [{ type: 'error', request_id: null }, true, 'an error with request_id null (an error about no request in particular)'],
      ];
      for (const [fields, isReply, what] of ids) {
        const parsed = parseReply(JSON.stringify({ version: VERSION, payload: { code: 'bad_json', message: 'm', text: 't' }, ...fields }));
        if ((parsed !== undefined) !== isReply) {
          fail({ expected: `parseReply to ${isReply ? 'accept' : 'refuse'} ${what}`, actual: show(parsed), hint: 'parseReply is given in protocol.ts: keep it as it is, it checks the whole reply envelope.' });
        }
      }
    } finally {
      await closeClient(net, client);
    }
  });

  check('rejects after timeoutMs when no reply comes, not before, and forgets the request', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 10_000 });
    try {
      const conn = await peer.nextConnection();
      const started = performance.now();
      const answer = settle(net, client.request('echo', { text: 'anyone there?' }, { timeoutMs: 200 }));
      await nextClientRequest(conn);
      const error = await answer.waitRejected('request(…, { timeoutMs: 200 }) to reject when no reply comes', 'start a setTimeout(timeoutMs) for each request that rejects it with new RequestError("timeout", …); use the timeoutMs passed to request() before the client\'s default.');
      const after = answer.settledAt() - started;
      if (after < 180) {
        fail({ expected: 'the request to wait its full 200 ms before rejecting', actual: `it rejected after ${Math.round(after)} ms: ${show(error)}`, hint: 'the timer is setTimeout(…, timeoutMs), in milliseconds.' });
      }
      expectRequestError(error, 'timeout', 'reject with new RequestError("timeout", …) so callers can tell a timeout from a server error.');
      expectEqual(client.pendingCount, 0, 'pendingCount after the timeout', 'when the timer fires, delete the pending entry too, or every lost reply leaks memory for the life of the connection.');
    } finally {
      await closeClient(net, client);
    }
  });

  check('ignores a reply that arrives after its request timed out', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const late = settle(net, client.request('echo', { text: 'late' }, { timeoutMs: 100 }));
      const lateRequest = await nextClientRequest(conn);
      await late.waitRejected('the request to time out', 'reject with RequestError("timeout", …) after timeoutMs.');
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: lateRequest.request_id, payload: { text: 'late' } }));
      const next = settle(net, client.request('echo', { text: 'next' }));
      const nextRequest = await nextClientRequest(conn);
      if (nextRequest.request_id === lateRequest.request_id) {
        fail({ expected: 'a new request_id for the next request', actual: `the timed-out request's id ${show(lateRequest.request_id)} again`, hint: 'never reuse a request_id on a connection: a late reply to the old request would settle the new one.' });
      }
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: nextRequest.request_id, payload: { text: 'next' } }));
      expectEqual(await next.wait('the next request to resolve', 'a reply with no pending entry is skipped; it must not disturb later requests.'), { text: 'next' }, 'what the next request resolved with', 'a late reply belongs to nobody: ignore it.');
    } finally {
      await closeClient(net, client);
    }
  });

  check('rejects pending requests when the connection closes, later ones at once, and connect() when nothing listens', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 10_000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'never answered' }));
      await nextClientRequest(conn);
      await conn.close(1001, 'going away');
      const error = await answer.waitRejected('the pending request to reject when the connection closes', 'on "close", reject every pending request with RequestError("closed", …), clear their timers and empty the map.');
      expectRequestError(error, 'closed', 'reject with new RequestError("closed", …).');
      if (!/\bcode 1001\b/.test(error.message)) {
        fail({ expected: 'the "closed" error to name the close code, 1001', actual: show(error.message), hint: 'reject every pending request with the error rejectAll() was given: it says how the connection closed.' });
      }
      expectEqual(client.pendingCount, 0, 'pendingCount after the close', 'empty the pending map when the connection closes.');
      const afterClose = settle(net, Promise.resolve().then(() => client.request('echo', { text: 'too late' })));
      const late = await afterClose.waitRejected('a request on a closed connection to reject', 'in request(), if the socket is not OPEN, return Promise.reject(new RequestError("closed", …)) instead of sending.');
      expectRequestError(late, 'closed', 'reject with new RequestError("closed", …).');
      await net.settle(client.close(), WAIT_MS, () => ({ expected: 'close() on a connection that is already closed to return at once', actual: 'it is still waiting', hint: 'close() returns at once when the socket is already CLOSED: its "close" event has been and gone.' }));
    } finally {
      await closeClient(net, client);
    }
    // No connection at all: connect() itself rejects, and nothing crashes.
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const outcome = await net.settle(connect(url), WAIT_MS, () => ({ expected: 'connect() to a closed port to reject', actual: 'it is still pending', hint: 'await once(ws, "open"): it rejects with the socket\'s "error".' }));
    if (outcome.kind === 'value') {
      await outcome.value.close().catch(() => undefined);
      fail({ expected: 'connect() to a closed port to reject', actual: 'it resolved with a client', hint: 'let the error of once(ws, "open") reach the caller: rethrow it after ws.terminate().' });
    }
  });

  check('rejects pending requests with the socket\'s error when the connection breaks', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 10_000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'never answered' }));
      await nextClientRequest(conn);
      // A frame with the reserved opcode 3: the client's ws emits "error", then the connection closes.
      tcpSocket(conn.ws).write(Buffer.from([0x83, 0x00]));
      const hint = 'keep an "error" listener on the socket (without one the error crashes the program), and let the "closed" rejection say what the error was.';
      const error = await answer.waitRejected('the pending request to reject when the connection breaks', hint);
      expectRequestError(error, 'closed', hint);
      if (!/invalid opcode/i.test(error.message)) {
        fail({ expected: 'the "closed" error to carry the socket\'s error ("Invalid WebSocket frame: invalid opcode 3")', actual: show(error.message), hint });
      }
      expectEqual(client.pendingCount, 0, 'pendingCount after the connection broke', 'empty the pending map when the connection closes, however it closes.');
    } finally {
      await closeClient(net, client);
    }
  });

  check('rejects with bad_reply when the reply has another type than its request', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'hi' }));
      const request = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'add', version: VERSION, request_id: request.request_id, payload: { sum: 5 } }));
      const hint = 'a successful reply has its request\'s type: when it does not (reply.type !== pending.type), reject with new RequestError("bad_reply", …) instead of resolving with a payload of the wrong shape.';
      const error = await answer.waitRejected('request("echo", …) to reject when its reply is an add reply', hint);
      expectRequestError(error, 'bad_reply', hint);
      expectEqual(client.pendingCount, 0, 'pendingCount after the mismatched reply', 'a mismatched reply settles its request too: delete the pending entry.');
    } finally {
      await closeClient(net, client);
    }
  });

  check('uses the timeoutMs given to connect() when request() gets none', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 300 });
    try {
      const conn = await peer.nextConnection();
      const started = performance.now();
      const answer = settle(net, client.request('echo', { text: 'anyone there?' }));
      await nextClientRequest(conn);
      const hint = 'request()\'s timeoutMs defaults to the client\'s own default (connect(url, { timeoutMs })), and only then to DEFAULT_TIMEOUT_MS: `timeoutMs = this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS`.';
      const error = await answer.waitRejected('the request to time out after the client\'s default of 300 ms', hint);
      expectRequestError(error, 'timeout', hint);
      const after = answer.settledAt() - started;
      if (after < 280) fail({ expected: 'the request to wait the client\'s default of 300 ms', actual: `it rejected after ${Math.round(after)} ms`, hint });
    } finally {
      await closeClient(net, client);
    }
  });

  check('leaves no timer behind once a request is settled, by its reply, an error reply or the close', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 30_000 });
    const timers = new TimerWatch();
    try {
      const conn = await peer.nextConnection();
      const hint = (how: string): string => `whatever settles a request first also clears its timer: clearTimeout(pending.timer) ${how}. A timer left running keeps the program alive (a command-line client lingers until it fires) and rejects a promise long settled.`;
      const expectNoTimer = async (after: string, how: string): Promise<void> => {
        await net.waitUntil(() => timers.pending().length === 0, 1000, () => ({ expected: `no timer left ${after}`, actual: `${describeTimers(timers.pending())} still running`, hint: hint(how) }));
      };
      const replied = settle(net, timers.run(() => client.request('echo', { text: 'one' })));
      const first = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: first.request_id, payload: { text: 'one' } }));
      await replied.wait('the request to resolve with its reply', 'resolve with the reply\'s payload.');
      await expectNoTimer('after the reply resolved its request', 'when its reply arrives, next to this.pending.delete(id)');
      const refused = settle(net, timers.run(() => client.request('echo', { text: 'two' })));
      const second = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'error', version: VERSION, request_id: second.request_id, payload: { code: 'bad_payload', message: 'no' } }));
      await refused.waitRejected('the request to reject with the error reply', 'reject with new RequestError(code, message).');
      await expectNoTimer('after an error reply rejected its request', 'when its reply arrives, error or not');
      const cut = settle(net, timers.run(() => client.request('echo', { text: 'three' })));
      await nextClientRequest(conn);
      await conn.close(1001, 'going away');
      await cut.waitRejected('the pending request to reject when the connection closes', 'on "close", reject every pending request with RequestError("closed", …).');
      await expectNoTimer('after the connection closed with a request pending', 'for every entry rejectAll() rejects');
    } finally {
      timers.stop();
      await closeClient(net, client);
    }
  });

  check('runClient, against a server that accepts what it should refuse, says so', async ({ net }) => {
    const peer = await net.peer();
    const out = net.output();
    const done = settle(net, runClient(peer.url, { out }));
    const conn = await peer.nextConnection();
    // A careless server: it adds whatever it gets, so "2" + 3 is "23".
    const answer = (request: ClientRequest, payload: Record<string, unknown>): void => {
      conn.send(JSON.stringify({ type: request.type, version: VERSION, request_id: request.request_id, payload }));
    };
    for (let i = 0; i < 5; i += 1) {
      const request = await nextClientRequest(conn);
      const p = request.payload;
      if (request.type === 'echo') answer(request, { text: p.text });
      else if (request.type === 'add') answer(request, { sum: (p.a as number) + (p.b as number) });
      else setTimeout(() => answer(request, { ms: p.ms }), Number(p.ms));
    }
    await done.wait('runClient to finish', 'runClient makes its requests with request(); make sure each one settles.', WAIT_MS + 2000);
    expectDemoOutput(out.text, 'add "2" + 3 → 23 (the server should have refused this)');
  });

  check('runClient prints each reply, the quick echo before the slow delay, and leaves nothing running', async ({ net }) => {
    const server = await net.serve(createServer);
    const out = net.output();
    const closes: number[] = [];
    server.wss.on('connection', (socket) => socket.on('close', (code) => { closes.push(code); net.wakeAll(); }));
    const timers = new TimerWatch();
    try {
      const done = settle(net, timers.run(() => runClient(server.url, { out })));
      await done.wait('runClient to finish', 'runClient makes its requests with request(); make sure each one settles.', WAIT_MS + 2000);
      const returnedAt = performance.now();
      expectDemoOutput(out.text, 'add "2" + 3 → error bad_payload');
      // Run as a program, the client exits when nothing is left to wait for: no timer, no socket.
      const hint = 'when a reply settles its request, clearTimeout(pending.timer) too: otherwise every request leaves a timer of timeoutMs (5 s by default) running, and the command-line client lingers that long after its work is done.';
      await net.waitUntil(() => timers.pending().length === 0, 1000, () => ({ expected: 'no timer left running once runClient has returned', actual: `${describeTimers(timers.pending())} still running`, hint }));
      const late = timers.firedSince(returnedAt);
      if (late.length > 0) fail({ expected: 'no timer of runClient to run after it returned', actual: `${describeTimers(late)} ran afterwards`, hint });
      const closed = await net.waitUntil(() => closes[0], WAIT_MS, () => ({ expected: 'runClient\'s connection to be closed when it returns', actual: 'the server still has it open', hint: 'close() sends a close frame and waits for the closing handshake.' }));
      expectEqual(closed, 1000, 'the close code runClient\'s connection ended with', 'close with 1000 (normal closure): ws.close(1000, …), not terminate().');
    } finally {
      timers.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** The demo's lines, in order: the quick echo before the slow delay, and the refused add last. */
const DEMO_LINES = ['echo → Hello, protocol!', 'add 2 + 3 → 5', 'sent delay 300 ms, then echo "quick"', 'echo → quick (answered first)', 'delay → 300 ms'];

function expectDemoOutput(text: string, lastLine: string): void {
  const lines = text.split('\n');
  for (const [i, line] of DEMO_LINES.entries()) {
    if (lines[i] !== line) {
      const hint = line.includes('answered first') || line.includes('300 ms')
        ? 'requests are independent: the quick echo\'s reply must not wait for the slow delay\'s. Match each reply by its request_id.'
        : 'the demo in runClient prints each result; check that request() resolves with the reply\'s payload.';
      fail({ expected: `line ${i + 1} of what runClient printed to be ${show(line)}`, actual: `${show(lines[i] ?? '')}, in ${show(text)}`, hint });
    }
  }
  if (!(lines[DEMO_LINES.length] ?? '').startsWith(lastLine)) {
    fail({ expected: `the last line to start with ${show(lastLine)}`, actual: show(text), hint: 'request() resolves with a result reply\'s payload and rejects with a RequestError carrying an error reply\'s code.' });
  }
}

/** Asserts `error` is a RequestError with `code`, and a message for people. */
function expectRequestError(error: unknown, code: string, hint: string): asserts error is RequestError {
  if (!(error instanceof RequestError) || error.code !== code) fail({ expected: `a RequestError with code ${show(code)}`, actual: show(error), hint });
  if (error.message.trim() === '' || !String(error).startsWith('RequestError: ')) {
    fail({ expected: `the RequestError (${code}) to say in words what went wrong, and print as "RequestError: …"`, actual: show(String(error)), hint: 'new RequestError(code, message): the code for programs, the message for people, e.g. `no reply to ${type} ${requestId} within ${timeoutMs} ms`.' });
  }
}

interface ClientRequest {
  type: string;
  request_id: string;
  payload: Record<string, unknown>;
}

/** The next request the client under test sent; it must be a well-formed envelope. */
async function nextClientRequest(conn: Endpoint): Promise<ClientRequest> {
  const text = await conn.nextText({ waitingFor: 'a request from the client', hint: 'request() sends JSON.stringify({ type, version, request_id, payload }) with ws.send.' });
  const value = asEnvelope(safeParse(text));
  if (!value || value.version !== VERSION || typeof value.request_id !== 'string' || value.request_id.length === 0 || value.request_id.length > 64) {
    fail({ expected: 'the request as an envelope { type, version: 1, request_id: "<1–64 characters>", payload }', actual: show(text), hint: 'build the envelope with PROTOCOL_VERSION and a fresh request_id string.' });
  }
  return { type: value.type, request_id: value.request_id, payload: value.payload };
}

/**
 * Closes a client after a check, pass or fail, waiting at most a second: a client whose code threw
 * inside a listener may never finish its closing handshake, and that must not hide why it failed.
 */
async function closeClient(net: Harness, client: { close(): Promise<void> }): Promise<void> {
  let done = false;
  client.close().then(() => { done = true; net.wakeAll(); }, () => { done = true; net.wakeAll(); });
  const deadline = performance.now() + 1000;
  while (!done && performance.now() < deadline) await net.sleepUntilWoken(deadline - performance.now());
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Connects with offered subprotocols (the harness's connect offers none). */
async function connectOffering(net: Harness, url: string, protocols: string[]): Promise<Endpoint> {
  const ws = new WebSocket(url, protocols);
  const endpoint = new Endpoint(ws, 'a client offering subprotocols', net);
  const timer = setTimeout(() => ws.terminate(), WAIT_MS);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('closed')));
    });
  } catch {
    fail({ expected: `the handshake offering ${show(protocols)} to succeed`, actual: 'the connection failed', hint: 'in handleProtocols, return SUBPROTOCOL when the client offers it; ws fails the handshake if you pick one the client did not offer.' });
  } finally {
    clearTimeout(timer);
  }
  // The harness does not track this socket; disposing the server after the check drops it.
  return endpoint;
}

/** Sends a raw WebSocket handshake offering `protocols`, and reports the status and the subprotocol the server picked. */
async function upgrade(port: number, protocols: string): Promise<{ status: number | undefined; protocol: string | string[] | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': protocols },
    });
    const done = (response: IncomingMessage): void => resolve({ status: response.statusCode, protocol: response.headers['sec-websocket-protocol'] });
    request.on('upgrade', (response, socket) => { socket.destroy(); done(response); });
    request.on('response', (response) => { response.resume(); done(response); });
    request.on('error', reject);
    request.end();
  });
}

interface Settling<T> {
  wait(what: string, hint: string, within?: number): Promise<T>;
  outcome(what: string, hint: string, within?: number): Promise<{ kind: 'resolved'; value: T } | { kind: 'rejected'; error: unknown }>;
  waitRejected(what: string, hint: string, within?: number): Promise<unknown>;
  settledAt(): number;
}

/** Tracks a promise from the start (so a rejection is never unhandled) and waits for it with a bound. */
function settle<T>(net: Harness, promise: Promise<T>): Settling<T> {
  let state: { kind: 'pending' } | { kind: 'resolved'; value: T; at: number } | { kind: 'rejected'; error: unknown; at: number } = { kind: 'pending' };
  promise.then(
    (value) => { state = { kind: 'resolved', value, at: performance.now() }; net.wakeAll(); },
    (error: unknown) => { state = { kind: 'rejected', error, at: performance.now() }; net.wakeAll(); },
  );
  const until = async (what: string, hint: string, within: number): Promise<void> => {
    const deadline = performance.now() + within;
    while (state.kind === 'pending') {
      net.throwIfLearnerCrashed();
      const remaining = deadline - performance.now();
      if (remaining <= 0) fail({ expected: `${what} within ${within} ms`, actual: 'it is still pending', hint });
      await net.sleepUntilWoken(remaining);
    }
  };
  return {
    async wait(what, hint, within = WAIT_MS) {
      await until(what, hint, within);
      if (state.kind === 'rejected') {
        const error = state.error;
        if (error instanceof Error && error.name === 'TodoError') throw error;
        fail({ expected: what, actual: `it rejected: ${show(error)}`, hint });
      }
      if (state.kind !== 'resolved') throw new Error('unreachable');
      return state.value;
    },
    async outcome(what, hint, within = WAIT_MS) {
      await until(what, hint, within);
      if (state.kind === 'pending') throw new Error('unreachable');
      if (state.kind === 'rejected' && state.error instanceof Error && state.error.name === 'TodoError') throw state.error;
      return state.kind === 'resolved' ? { kind: 'resolved', value: state.value } : { kind: 'rejected', error: state.error };
    },
    async waitRejected(what, hint, within = WAIT_MS) {
      await until(what, hint, within);
      if (state.kind === 'resolved') fail({ expected: what, actual: `it resolved with ${show(state.value)}`, hint });
      if (state.kind !== 'rejected') throw new Error('unreachable');
      if (state.error instanceof Error && state.error.name === 'TodoError') throw state.error;
      return state.error;
    },
    settledAt() {
      return state.kind === 'pending' ? Number.NaN : state.at;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Random inputs, from a fixed seed so every run sends the same 1,000 messages.

interface RandomInput {
  data: string | Buffer;
  /** Set when the input is an object with a valid request_id: its reply must carry it. */
  requestId?: string;
}

const ID_SLOT = '@id';

/**
 * Text of any code points: mostly printable ASCII, some control characters, some of all of
 * Unicode (lone surrogates included). Built by hand: fast-check's own unit 'binary' spends seconds
 * on its first use, which is time a busy machine does not have.
 */
function anyText(maxLength: number): fc.Arbitrary<string> {
  const char = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map((code) => String.fromCodePoint(code));
  const unit = fc.oneof({ arbitrary: char(0x20, 0x7e), weight: 3 }, { arbitrary: char(0, 0x1f), weight: 1 }, { arbitrary: char(0, 0x10ffff), weight: 1 });
  return fc.string({ unit, maxLength });
}

function randomInputs(count: number): RandomInput[] {
  const junk = fc.jsonValue({ maxDepth: 2 });
  /** Usually `good`, sometimes `odd`, now and then any JSON value at all. */
  const mostly = <T, U>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<U>): fc.Arbitrary<T | U | fc.JsonValue> =>
    fc.oneof({ arbitrary: good, weight: 8 }, { arbitrary: odd, weight: 1 }, { arbitrary: junk, weight: 1 });
  const oddType = fc.constantFrom('error', 'constructor', '__proto__', 'toString', 'Echo', '');
  const common = {
    version: mostly(fc.constant(1), fc.constantFrom(0, 2, 1.5, '1', -1, null)),
    request_id: mostly(fc.constant(ID_SLOT), fc.constantFrom('', 'x'.repeat(65), 0, null)),
    extra: junk,
  };
  const required: ('type' | 'version' | 'request_id' | 'payload')[] = ['type', 'version', 'request_id', 'payload'];
  // One generator per request type, with payloads that are mostly right for that type.
  const nearlyValid = fc.oneof(
    fc.record({ ...common, type: mostly(fc.constant('echo'), oddType), payload: mostly(fc.record({ text: mostly(anyText(40), fc.integer()) }), fc.constant({})) }, { requiredKeys: required }),
    fc.record({ ...common, type: mostly(fc.constant('add'), oddType), payload: mostly(fc.record({ a: mostly(fc.double(), fc.string()), b: mostly(fc.integer(), fc.constant(null)) }), fc.constant({ a: 1 })) }, { requiredKeys: required }),
    fc.record({ ...common, type: mostly(fc.constant('delay'), oddType), payload: mostly(fc.record({ ms: mostly(fc.integer({ min: 0, max: 30 }), fc.constantFrom(-1, 1.5, 2001, '5')) }), fc.constant([])) }, { requiredKeys: required }),
  );
  // Loose envelopes miss fields at random.
  const loose = fc.record({ ...common, type: mostly(fc.constantFrom('echo', 'add', 'delay'), oddType), payload: junk }, { requiredKeys: [] });
  type Sample = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array } | { kind: 'cut'; value: Record<string, unknown>; cut: number } | { kind: 'shaped'; value: Record<string, unknown> };
  const input: fc.Arbitrary<Sample> = fc.oneof(
    anyText(120).map((text): Sample => ({ kind: 'text', text })),
    fc.json({ maxDepth: 3 }).map((text): Sample => ({ kind: 'text', text })),
    fc.uint8Array({ maxLength: 64 }).map((bytes): Sample => ({ kind: 'binary', bytes })),
    fc.tuple(nearlyValid, fc.nat()).map(([value, cut]): Sample => ({ kind: 'cut', value, cut })),
    loose.map((value): Sample => ({ kind: 'shaped', value })),
    { arbitrary: nearlyValid.map((value): Sample => ({ kind: 'shaped', value })), weight: 5 },
  );
  return fc.sample(input, { seed: 20_240_606, numRuns: count }).map((sample, i): RandomInput => {
    switch (sample.kind) {
      case 'text':
        return { data: sample.text };
      case 'binary':
        return { data: Buffer.from(sample.bytes) };
      case 'cut': {
        const text = JSON.stringify(sample.value);
        // A proper prefix of an object's JSON is never valid JSON.
        return { data: text.slice(0, sample.cut % text.length) };
      }
      case 'shaped': {
        const value = sample.value;
        if (value.request_id !== ID_SLOT) return { data: JSON.stringify(value) };
        const requestId = `rand-${i}`;
        return { data: JSON.stringify({ ...value, request_id: requestId }), requestId };
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------

describe('the programs', () => {
  check('run from the command line: the server with --port, the client with the URL; importing them starts nothing', async ({ net }) => {
    // Used as a library, createServer listens on 127.0.0.1 unless told otherwise.
    const local = createServer({ port: 0, log: () => undefined });
    try {
      await net.waitUntil(() => local.address() !== null, WAIT_MS, () => ({ expected: 'createServer({ port: 0 }) to listen', actual: 'no address', hint: 'pass host and port to new WebSocketServer.' }));
      const address = local.address();
      expectEqual(typeof address === 'object' && address !== null ? address.address : address, '127.0.0.1', 'the address createServer listens on by default', 'the default host is 127.0.0.1: a server for this machine only, unless --host says otherwise.');
    } finally {
      local.close();
    }

    await importStartsNothing(net, HERE, ['server.ts', 'client.ts'], { PORT: '0', URL: `ws://127.0.0.1:${await closedPort()}` }, 'keep the last line of each file as it is: `if (isMain(import.meta.url)) await run…Program(…)` runs the program only when the file itself is run.');

    const server = runProgram(net, HERE, ['server.ts', '--port', '0']);
    const url = await net.waitUntil(() => /Protocol server listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1], 20_000, () => ({
      expected: 'npx tsx server.ts --port 0 to print "Protocol server listening on ws://127.0.0.1:<port>"', actual: programSaid(server), hint: 'keep the last line of server.ts: if (isMain(import.meta.url)) await runServerProgram(\'Protocol server\', createServer);',
    }));
    const client = runProgram(net, HERE, ['client.ts', url]);
    const code = await exited(net, client, 'the client program, once its requests are answered,');
    if (code !== 0) fail({ expected: 'npx tsx client.ts <url> to exit with 0', actual: programSaid(client), hint: 'runClient must resolve once its requests are answered, and close its connection.' });
    expectDemoOutput(client.stdout(), 'add "2" + 3 → error bad_payload');

    const refused = runProgram(net, HERE, ['client.ts', `ws://127.0.0.1:${await closedPort()}`]);
    expectEqual(await exited(net, refused, 'the client program, with no server to talk to,'), 1, 'the exit code of the client with no server', 'connect() rejects when nothing listens; runClientProgram then prints why and exits with 1.');
    if (!refused.stderr().startsWith('Protocol client: ')) {
      fail({ expected: 'the client to say on stderr "Protocol client: …" why it failed', actual: programSaid(refused), hint: 'keep the last line of client.ts: if (isMain(import.meta.url)) await runClientProgram(\'Protocol client\', runClient);' });
    }
  }, 90_000);
});

const PROGRAM_HINT = 'keep the `if (isMain(import.meta.url))` guard on the last line of server.ts and client.ts: only running a file as a program starts it.';
const HERE = dirname(fileURLToPath(import.meta.url));





// ---------------------------------------------------------------------------------------------
// Timers left behind. A timer nobody clears keeps a program running (a command-line client that
// should have exited lingers until it fires) and runs code for a request or a client long gone.

interface WatchedTimer {
  /** Its delay in ms, as Node reports it (NaN if unknown). */
  ms: number;
  firedAt?: number;
  done: boolean;
  /** The async resource that started it, and whether that happened inside run(). */
  trigger: number;
  inRun: boolean;
}

/**
 * Watches the timers (setTimeout, setInterval) started inside run(), or by an async resource
 * adopted with adopt() (a server's connection), and by anything started from there in turn: the
 * callbacks, sockets and promises they set up. Node's async_hooks report each timer's start, each
 * run of its callback and its end (fired or cleared); nothing here is timed.
 */
class TimerWatch {
  private readonly context = new AsyncLocalStorage<TimerWatch>();
  private readonly timers = new Map<number, WatchedTimer>();
  /** Which async resource started each one created while watching. */
  private readonly parents = new Map<number, number>();
  private readonly roots = new Set<number>();
  private readonly hook = createHook({
    init: (id, type, trigger, resource) => {
      this.parents.set(id, trigger);
      if (type !== 'Timeout') return;
      const ms = (resource as { _idleTimeout?: unknown })._idleTimeout;
      this.timers.set(id, { ms: typeof ms === 'number' ? ms : Number.NaN, done: false, trigger, inRun: this.context.getStore() === this });
    },
    before: (id) => {
      const timer = this.timers.get(id);
      if (timer && timer.firedAt === undefined) timer.firedAt = performance.now();
    },
    destroy: (id) => {
      const timer = this.timers.get(id);
      if (timer) timer.done = true;
    },
  });

  constructor() {
    this.hook.enable();
  }

  run<T>(fn: () => T): T {
    return this.context.run(this, fn);
  }

  /** Also watch what the async resource `asyncId` starts (call it with executionAsyncId() in one of its callbacks). */
  adopt(asyncId: number): void {
    this.roots.add(asyncId);
  }

  /** Every watched timer, whatever became of it. */
  started(): WatchedTimer[] {
    return this.watched();
  }

  /** Watched timers that have neither fired nor been cleared. */
  pending(): WatchedTimer[] {
    return this.watched().filter((timer) => !timer.done);
  }

  /** Watched timers whose callback first ran at or after `since` (performance.now()). */
  firedSince(since: number): WatchedTimer[] {
    return this.watched().filter((timer) => timer.firedAt !== undefined && timer.firedAt >= since);
  }

  stop(): void {
    this.hook.disable();
  }

  private watched(): WatchedTimer[] {
    return [...this.timers.values()].filter((timer) => timer.inRun || this.startedByRoot(timer.trigger));
  }

  private startedByRoot(id: number): boolean {
    const seen = new Set<number>();
    for (let at: number | undefined = id; at !== undefined && !seen.has(at); at = this.parents.get(at)) {
      if (this.roots.has(at)) return true;
      seen.add(at);
    }
    return false;
  }
}

function describeTimers(timers: WatchedTimer[]): string {
  const delays = [...new Set(timers.map((timer) => (Number.isNaN(timer.ms) ? '?' : `${timer.ms} ms`)))];
  return `${timers.length} timer${timers.length === 1 ? '' : 's'} (${delays.join(', ')})`;
}
