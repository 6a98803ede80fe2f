// Self-checks for lesson 06. Run: npm run check lesson-06
// Each check starts your server or client for real, on 127.0.0.1 with a free port. The server
// checks speak raw JSON over the wire, so they test the protocol, not your TypeScript types.
import fc from 'fast-check';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { Endpoint, WAIT_MS, check, expectEqual, fail, show, type Harness, type RunningServer } from '../../checks/harness.ts';
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

/** Asserts `reply` is the documented error reply. */
function expectError(reply: WireEnvelope, code: string, requestId: string | null, what: string, hint: string): void {
  if (reply.type !== 'error') {
    fail({ expected: `${what} to be an error reply with code ${show(code)}`, actual: `a ${show(reply.type)} reply: ${show(reply)}`, hint });
  }
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
const ID_HINT = `request_id must be a string of 1 to 64 characters; anything else is bad_envelope with request_id: null.`;
const FIELD_HINT = 'check each envelope field\'s type (type: string, version: integer, payload: object) and answer bad_envelope, with the request_id, when one is wrong.';
const TYPE_HINT = 'look the type up in a fixed list (REQUEST_TYPES / isRequestType), never with `type in handlers` or handlers[type]: those find Object\'s own members such as "constructor".';
const PAYLOAD_HINT = 'check the payload\'s fields for the type (see RequestTypes in protocol.ts) and answer bad_payload when one is missing or has the wrong type.';

const BAD_INPUTS: BadInput[] = [
  { name: 'plain text that is not JSON', input: 'hello server', code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: 'an empty message', input: '', code: 'bad_json', requestId: null, hint: PARSE_HINT },
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
  { name: 'no type', input: without('type'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'a type that is a number', input: with_({ type: 3 }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'no version', input: without('version'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'version as the string "1"', input: with_({ version: '1' }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'version 1.5', input: with_({ version: 1.5 }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'version 2', input: with_({ version: 2 }), code: 'unsupported_version', requestId: ID, hint: 'a well-formed version the server does not speak is unsupported_version: check version === PROTOCOL_VERSION before looking at the type.' },
  { name: 'no payload', input: without('payload'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'a payload that is a string', input: with_({ payload: 'hi' }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'a null payload', input: with_({ payload: null }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: 'the unknown type "subscribe"', input: with_({ type: 'subscribe' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: 'the type "constructor"', input: with_({ type: 'constructor' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: 'the type "__proto__"', input: with_({ type: '__proto__' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: 'echo without text', input: with_({ payload: {} }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: 'echo with a number as text', input: with_({ payload: { text: 42 } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: 'add with a string for a', input: with_({ type: 'add', payload: { a: '1', b: 2 } }), code: 'bad_payload', requestId: ID, hint: 'typeof a === "number" and Number.isFinite(a): "1" + 2 is "12" in JavaScript, never trust the payload\'s types.' },
  { name: 'add without b', input: with_({ type: 'add', payload: { a: 1 } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: 'add whose sum overflows', input: with_({ type: 'add', payload: { a: 1e308, b: 1e308 } }), code: 'bad_payload', requestId: ID, hint: 'JSON has no Infinity (JSON.stringify turns it into null): when a + b is not finite, answer bad_payload.' },
  { name: 'delay with a negative ms', input: with_({ type: 'delay', payload: { ms: -5 } }), code: 'bad_payload', requestId: ID, hint: 'delay\'s ms is a whole number from 0 to 2000.' },
  { name: 'delay of a minute', input: with_({ type: 'delay', payload: { ms: 60_000 } }), code: 'bad_payload', requestId: ID, hint: 'delay\'s ms is a whole number from 0 to 2000: an unbounded delay lets one client park timers on your server for as long as it likes.' },
  { name: 'delay with a fractional ms', input: with_({ type: 'delay', payload: { ms: 1.5 } }), code: 'bad_payload', requestId: ID, hint: 'delay\'s ms is a whole number (Number.isInteger) from 0 to 2000.' },
  { name: 'a binary frame holding a valid request', input: Buffer.from(JSON.stringify(valid())), code: 'binary_not_supported', requestId: null, hint: 'check isBinary first: this protocol is JSON in text frames, so a binary frame is answered with binary_not_supported, without parsing it.' },
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
    expectError(reply, 'too_many_requests', 'd17', 'the reply to the 17th delay', 'at most 16 delays may wait per connection: memory on a server must be bounded, whatever the client sends.');
    await expectStillAnswers(client, 'after too_many_requests');
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
      expectEqual(result, { sum: 5 }, 'what request() resolved with', 'resolve with the reply\'s payload.');
      expectEqual(client.pendingCount, 0, 'pendingCount after the reply', 'delete the pending entry (and clear its timer) when its reply arrives.');
    } finally {
      await client.close();
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
      await client.close();
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
      if (!(error instanceof RequestError) || error.code !== 'bad_payload') {
        fail({ expected: 'a RequestError with code "bad_payload"', actual: show(error), hint: 'reject with new RequestError(reply.payload.code, reply.payload.message), so callers can switch on the code.' });
      }
      expectEqual(client.pendingCount, 0, 'pendingCount after the error reply', 'an error reply settles its request too: delete the pending entry.');
      // A code this client has never heard of (a newer server added it) still fails the request.
      const second = settle(net, client.request('echo', { text: 'again' }));
      const secondRequest = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'error', version: VERSION, request_id: secondRequest.request_id, payload: { code: 'rate_limited', message: 'slow down' } }));
      const unknown = await second.waitRejected('request() to reject after an error reply with a code it does not know', 'any error reply rejects its request, whatever the code: a newer server may add codes, and the caller must not hang until the timeout.');
      if (!(unknown instanceof RequestError) || unknown.code !== 'rate_limited') {
        fail({ expected: 'a RequestError with code "rate_limited"', actual: show(unknown), hint: 'pass the server\'s code through unchanged.' });
      }
    } finally {
      await client.close();
    }
  });

  check('ignores replies it cannot match (not JSON, binary, unknown request_id) and still matches the right one', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'mine' }));
      const request = await nextClientRequest(conn);
      conn.send('this is not JSON');
      conn.send('null');
      conn.send('[1, 2, 3]');
      conn.send(Buffer.from([0, 1, 2, 3]));
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: 'nobody-asked', payload: { text: 'not yours' } }));
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: request.request_id, payload: { text: 'mine' } }));
      const result = await answer.wait('request() to resolve with its own reply', 'parse each message with parseReply (it never throws) and skip anything that is not a reply to a pending request.');
      expectEqual(result, { text: 'mine' }, 'what request() resolved with', 'only the reply whose request_id matches may settle the request.');
    } finally {
      await client.close();
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
      if (!(error instanceof RequestError) || error.code !== 'timeout') {
        fail({ expected: 'a RequestError with code "timeout"', actual: show(error), hint: 'reject with new RequestError("timeout", …) so callers can tell a timeout from a server error.' });
      }
      expectEqual(client.pendingCount, 0, 'pendingCount after the timeout', 'when the timer fires, delete the pending entry too, or every lost reply leaks memory for the life of the connection.');
    } finally {
      await client.close();
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
      await client.close();
    }
  });

  check('rejects pending requests when the connection closes, and later ones at once', async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 10_000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'never answered' }));
      await nextClientRequest(conn);
      await conn.close(1001, 'going away');
      const error = await answer.waitRejected('the pending request to reject when the connection closes', 'on "close", reject every pending request with RequestError("closed", …), clear their timers and empty the map.');
      if (!(error instanceof RequestError) || error.code !== 'closed') {
        fail({ expected: 'a RequestError with code "closed"', actual: show(error), hint: 'reject with new RequestError("closed", …).' });
      }
      expectEqual(client.pendingCount, 0, 'pendingCount after the close', 'empty the pending map when the connection closes.');
      const afterClose = settle(net, Promise.resolve().then(() => client.request('echo', { text: 'too late' })));
      const late = await afterClose.waitRejected('a request on a closed connection to reject', 'in request(), if the socket is not OPEN, return Promise.reject(new RequestError("closed", …)) instead of sending.');
      if (!(late instanceof RequestError) || late.code !== 'closed') {
        fail({ expected: 'a RequestError with code "closed"', actual: show(late), hint: 'reject with new RequestError("closed", …).' });
      }
    } finally {
      await client.close();
    }
  });

  check('runClient prints each reply, the quick echo before the slow delay', async ({ net }) => {
    const server = await net.serve(createServer);
    const out = net.output();
    const done = settle(net, runClient(server.url, { out }));
    await done.wait('runClient to finish', 'runClient makes its requests with request(); make sure each one settles.', WAIT_MS + 2000);
    const text = out.text;
    for (const line of ['echo → Hello, protocol!', 'add 2 + 3 → 5', 'delay → 300 ms', 'error bad_payload']) {
      if (!text.includes(line)) fail({ expected: `the client to print ${show(line)}`, actual: show(text), hint: 'the demo in runClient prints each result; check that request() resolves with the reply\'s payload.' });
    }
    if (text.indexOf('(answered first)') > text.indexOf('delay → 300 ms')) {
      fail({ expected: 'the quick echo to be printed before the slow delay', actual: show(text), hint: 'requests are independent: the echo reply must not wait for the delay reply.' });
    }
  });
});

// ---------------------------------------------------------------------------------------------

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

interface Settling<T> {
  wait(what: string, hint: string, within?: number): Promise<T>;
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
    fc.record({ ...common, type: mostly(fc.constant('echo'), oddType), payload: mostly(fc.record({ text: mostly(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer()) }), fc.constant({})) }, { requiredKeys: required }),
    fc.record({ ...common, type: mostly(fc.constant('add'), oddType), payload: mostly(fc.record({ a: mostly(fc.double(), fc.string()), b: mostly(fc.integer(), fc.constant(null)) }), fc.constant({ a: 1 })) }, { requiredKeys: required }),
    fc.record({ ...common, type: mostly(fc.constant('delay'), oddType), payload: mostly(fc.record({ ms: mostly(fc.integer({ min: 0, max: 30 }), fc.constantFrom(-1, 1.5, 2001, '5')) }), fc.constant([])) }, { requiredKeys: required }),
  );
  // Loose envelopes miss fields at random.
  const loose = fc.record({ ...common, type: mostly(fc.constantFrom('echo', 'add', 'delay'), oddType), payload: junk }, { requiredKeys: [] });
  type Sample = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array } | { kind: 'cut'; value: Record<string, unknown>; cut: number } | { kind: 'shaped'; value: Record<string, unknown> };
  const input: fc.Arbitrary<Sample> = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }).map((text): Sample => ({ kind: 'text', text })),
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
