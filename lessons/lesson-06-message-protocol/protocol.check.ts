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
import { Endpoint, WAIT_MS, check, closedPort, expectEqual, fail, show, t, tcpSocket, type Harness, type RunningServer, type Text } from '../../checks/harness.ts';
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
async function nextEnvelope(endpoint: Endpoint, waitingFor: Text, hint: Text, within = WAIT_MS): Promise<WireEnvelope> {
  const text = await endpoint.nextText({ waitingFor, hint, within });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail({ expected: t(`${waitingFor} as a JSON envelope`, `${waitingFor}，以 JSON 信封的形式`), actual: show(text), hint: t('every message is JSON: send JSON.stringify(reply), never a bare string.', '每条消息都是 JSON：发送 JSON.stringify(reply)，绝不发裸字符串。') });
  }
  const reply = asEnvelope(value);
  if (!reply) {
    fail({ expected: t(`${waitingFor} as an envelope { type, version, request_id, payload }`, `${waitingFor}，以信封 { type, version, request_id, payload } 的形式`), actual: show(value), hint: t('build replies with resultReply(...) or errorReply(...) from protocol.ts: type and version, request_id (string or null) and an object payload.', '用 protocol.ts 里的 resultReply(...) 或 errorReply(...) 构造回复：type 和 version、request_id（字符串或 null），以及一个对象 payload。') });
  }
  expectEqual(reply.version, VERSION, t(`the version of ${waitingFor}`, `${waitingFor}的 version`), t(`replies carry the version the server speaks: ${VERSION}.`, `回复带着服务器所说的协议版本：${VERSION}。`));
  return reply;
}

/** Asserts ERROR_CODES, the table clients program against, holds exactly the documented codes, each with its meaning. */
function expectDocumentedCodes(): void {
  expectEqual(Object.keys(ERROR_CODES).sort(), [...CODES].sort(), t('the codes in ERROR_CODES (protocol.ts)', 'ERROR_CODES（protocol.ts）里的错误码'), t('ERROR_CODES is the table clients program against: exactly the codes the server can send, as the README lists them.', 'ERROR_CODES 是客户端编程时依据的那张表：正好是服务器会发的那些错误码，和 README 里列的一样。'));
  for (const [code, meaning] of Object.entries(ERROR_CODES)) {
    if (typeof meaning !== 'string' || meaning.trim().length < 10) {
      fail({ expected: t(`ERROR_CODES.${code} to say in a sentence when it is sent`, `ERROR_CODES.${code} 用一句话说明它什么时候会被发出`), actual: show(meaning), hint: t('each code in the table comes with its meaning: that is the documentation clients read.', '表里的每个错误码都要带着它的含义：那就是客户端看的文档。') });
    }
  }
}

/** Asserts `reply` is the documented error reply. */
function expectError(reply: WireEnvelope, code: string, requestId: string | null, what: Text, hint: Text): void {
  if (reply.type !== 'error') {
    fail({ expected: t(`${what} to be an error reply with code ${show(code)}`, `${what}是一个错误码为 ${show(code)} 的 error 回复`), actual: t(`a ${show(reply.type)} reply: ${show(reply)}`, `一个 ${show(reply.type)} 回复：${show(reply)}`), hint });
  }
  expectDocumentedCodes();
  expectEqual(reply.payload.code, code, t(`the error code of ${what}`, `${what}的错误码`), hint);
  expectEqual(reply.request_id, requestId, t(`the request_id of ${what}`, `${what}的 request_id`), requestId === null
    ? t('when the message has no usable request_id (not JSON, not an object, missing or invalid request_id, binary), the error reply carries request_id: null.', '消息里没有可用的 request_id 时（不是 JSON、不是对象、request_id 缺失或无效、二进制），error 回复带 request_id: null。')
    : t('read request_id before checking anything else, and put it on every error reply, so the client knows which request failed.', '先读 request_id，再检查别的，并把它放进每个 error 回复里，好让客户端知道是哪个请求失败了。'));
  if (typeof reply.payload.message !== 'string' || reply.payload.message.length === 0) {
    fail({ expected: t(`${what} to carry a message for people next to the code`, `${what}在错误码旁边带一条给人看的 message`), actual: show(reply.payload), hint: t('error replies have payload { code, message }: the code for programs, the message for people.', 'error 回复的 payload 是 { code, message }：code 给程序看，message 给人看。') });
  }
}

/** Asserts `reply` is the successful reply to request `requestId` of `type`; an error reply says why. */
function expectResult(reply: WireEnvelope, type: string, requestId: string, what: Text, server: RunningServer, hint: Text): void {
  if (reply.type === 'error') {
    const logs = server.logs.slice(-2).join(' | ');
    fail({ expected: t(`${what} to be a reply of type ${show(type)}`, `${what}是一个 type 为 ${show(type)} 的回复`), actual: t(`an error reply ${show(reply.payload.code)}: ${show(reply.payload.message)}${logs ? ` (the server logged: ${logs})` : ''}`, `一个 error 回复 ${show(reply.payload.code)}：${show(reply.payload.message)}${logs ? `（服务器的日志：${logs}）` : ''}`), hint });
  }
  expectEqual(reply.type, type, t(`the type of ${what}`, `${what}的 type`), t('a successful reply has the same type as its request.', '成功的回复和它的请求 type 相同。'));
  expectEqual(reply.request_id, requestId, t(`the request_id of ${what}`, `${what}的 request_id`), t('copy the request\'s request_id onto its reply: that is how the client matches them.', '把请求的 request_id 抄到它的回复上：客户端就是靠它把两者对上的。'));
}

/** A valid echo request right after something else: the connection must still answer correctly. `after`: t('after …', '在……之后'). */
async function expectStillAnswers(endpoint: Endpoint, after: Text): Promise<void> {
  const id = `still-${Math.random().toString(36).slice(2, 8)}`;
  endpoint.send(envelope('echo', id, { text: 'still there?' }));
  const reply = await nextEnvelope(endpoint, t(`the reply to a valid echo request sent ${after}`, `${after}发出的一个有效 echo 请求的回复`),
    t('bad input gets an error reply and nothing else: never close the connection, never throw out of the message handler.', '不好的输入只得到一个 error 回复，别的什么都不做：绝不关闭连接，也绝不从 message 处理函数里抛出异常。'));
  if (reply.type !== 'echo' || reply.request_id !== id || reply.payload.text !== 'still there?') {
    fail({ expected: t(`{ type: "echo", request_id: ${show(id)}, payload: { text: "still there?" } } ${after}`, `${after}得到 { type: "echo", request_id: ${show(id)}, payload: { text: "still there?" } }`), actual: show(reply), hint: t('each reply belongs to exactly one message; a bad message must not leave the connection in a broken state.', '每个回复正好属于一条消息；一条坏消息不能让连接留在坏掉的状态。') });
  }
}

// ---------------------------------------------------------------------------------------------
// The table of bad inputs: each gets its documented error, and the connection keeps working.

interface BadInput {
  name: Text;
  input: string | Buffer;
  code: string;
  requestId: string | null;
  hint: Text;
}

const ID = 'bad-1';
const valid = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'echo', version: VERSION, request_id: ID, payload: { text: 'hi' }, ...changes });
const without = (field: string): string => {
  const message = valid();
  delete message[field];
  return JSON.stringify(message);
};
const with_ = (changes: Record<string, unknown>): string => JSON.stringify(valid(changes));

const PARSE_HINT = t('JSON.parse throws on anything that is not JSON: call it inside try/catch and answer bad_json when it throws.', '遇到不是 JSON 的东西，JSON.parse 会抛出异常：在 try/catch 里调用它，抛出时回答 bad_json。');
const SHAPE_HINT = t('after JSON.parse, check the value is a plain object (not null, not an array) before reading fields; otherwise answer bad_envelope.', 'JSON.parse 之后，读字段之前先检查这个值是普通对象（不是 null，也不是数组）；否则回答 bad_envelope。');
const ARRAY_HINT = t('typeof [] is "object" too: `typeof payload !== "object" || payload === null` lets an array through. Use isRecord(payload), which also refuses arrays, and answer bad_envelope.', 'typeof [] 也是 "object"：`typeof payload !== "object" || payload === null` 会把数组放过去。用 isRecord(payload)，它连数组也拒绝，然后回答 bad_envelope。');
const ORDER_HINT = t('check in the documented order: request_id, then version (an integer, then === PROTOCOL_VERSION), then type and payload. A version this server does not speak is refused before anything else about the message is judged.', '按文档里的顺序检查：先 request_id，再 version（先是整数，再 === PROTOCOL_VERSION），然后是 type 和 payload。服务器不支持的版本，要在评判消息的其他任何方面之前就拒绝。');
const ID_HINT = t('request_id must be a string of 1 to 64 characters; anything else is bad_envelope with request_id: null.', 'request_id 必须是 1 到 64 个字符的字符串；其他任何东西都是 bad_envelope，回复带 request_id: null。');
const FIELD_HINT = t('check each envelope field\'s type (type: string, version: integer, payload: object) and answer bad_envelope, with the request_id, when one is wrong.', '检查信封每个字段的类型（type：字符串，version：整数，payload：对象），有一个不对就回答 bad_envelope，并带上 request_id。');
const TYPE_HINT = t('look the type up in a fixed list (REQUEST_TYPES / isRequestType), never with `type in handlers` or handlers[type]: those find Object\'s own members such as "constructor".', '在一个固定的列表里查 type（REQUEST_TYPES / isRequestType），绝不要用 `type in handlers` 或 handlers[type]：它们会找到 Object 自带的成员，比如 "constructor"。');
const PAYLOAD_HINT = t('check the payload\'s fields for the type (see RequestTypes in protocol.ts) and answer bad_payload when one is missing or has the wrong type.', '按 type 检查 payload 的字段（见 protocol.ts 里的 RequestTypes），缺了或者类型不对就回答 bad_payload。');

const BAD_INPUTS: BadInput[] = [
  { name: t('plain text that is not JSON', '不是 JSON 的纯文本'), input: 'hello server', code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: t('an empty message', '一条空消息'), input: '', code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: t('a message of only whitespace', '一条只有空白的消息'), input: ' \n\t ', code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: t('JSON cut off in the middle', '从中间截断的 JSON'), input: JSON.stringify(valid()).slice(0, 25), code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: t('single-quoted pseudo-JSON', '用单引号的伪 JSON'), input: "{'type': 'echo', 'version': 1}", code: 'bad_json', requestId: null, hint: PARSE_HINT },
  { name: t('a JSON string instead of an object', '一个 JSON 字符串而不是对象'), input: '"echo"', code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: t('a JSON number', '一个 JSON 数字'), input: '42', code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: t('JSON null', 'JSON 的 null'), input: 'null', code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: t('an array holding a valid request', '一个装着有效请求的数组'), input: `[${JSON.stringify(valid())}]`, code: 'bad_envelope', requestId: null, hint: SHAPE_HINT },
  { name: t('an empty object', '一个空对象'), input: '{}', code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: t('no request_id', '没有 request_id'), input: without('request_id'), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: t('a request_id that is a number', 'request_id 是数字'), input: with_({ request_id: 7 }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: t('an empty request_id', '空的 request_id'), input: with_({ request_id: '' }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: t('a request_id of 65 characters', '65 个字符的 request_id'), input: with_({ request_id: 'x'.repeat(65) }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: t('an array as request_id', 'request_id 是数组'), input: with_({ request_id: [ID] }), code: 'bad_envelope', requestId: null, hint: ID_HINT },
  { name: t('a number as request_id, with version 2', 'request_id 是数字，version 是 2'), input: with_({ request_id: 7, version: 2 }), code: 'bad_envelope', requestId: null, hint: t(`request_id is read first: without a usable one the message is bad_envelope with request_id: null, whatever else is wrong. ${ID_HINT}`, `request_id 最先读：没有可用的 request_id，不管别处还有什么错，消息都是 bad_envelope，回复带 request_id: null。${ID_HINT}`) },
  { name: t('no type', '没有 type'), input: without('type'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('a type that is a number', 'type 是数字'), input: with_({ type: 3 }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('no version', '没有 version'), input: without('version'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('version as the string "1"', 'version 是字符串 "1"'), input: with_({ version: '1' }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('version 1.5', 'version 是 1.5'), input: with_({ version: 1.5 }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('version 2', 'version 是 2'), input: with_({ version: 2 }), code: 'unsupported_version', requestId: ID, hint: t('a well-formed version the server does not speak is unsupported_version: check version === PROTOCOL_VERSION before looking at the type.', '格式正确、但服务器不支持的版本是 unsupported_version：查看 type 之前先检查 version === PROTOCOL_VERSION。') },
  { name: t('version 2 with a type version 1 does not know', 'version 是 2，type 是版本 1 不认识的'), input: with_({ version: 2, type: 'subscribe' }), code: 'unsupported_version', requestId: ID, hint: ORDER_HINT },
  { name: t('version 2 with a number as type', 'version 是 2，type 是数字'), input: with_({ version: 2, type: 3 }), code: 'unsupported_version', requestId: ID, hint: ORDER_HINT },
  { name: t('version 0', 'version 是 0'), input: with_({ version: 0 }), code: 'unsupported_version', requestId: ID, hint: t('version must be exactly PROTOCOL_VERSION (1): any other integer is unsupported_version.', 'version 必须正好是 PROTOCOL_VERSION（1）：其他任何整数都是 unsupported_version。') },
  { name: t('no payload', '没有 payload'), input: without('payload'), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('a payload that is a string', 'payload 是字符串'), input: with_({ payload: 'hi' }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('a null payload', 'payload 是 null'), input: with_({ payload: null }), code: 'bad_envelope', requestId: ID, hint: FIELD_HINT },
  { name: t('an empty array as payload', 'payload 是空数组'), input: with_({ payload: [] }), code: 'bad_envelope', requestId: ID, hint: ARRAY_HINT },
  { name: t('add with an array as payload', 'add 的 payload 是数组'), input: with_({ type: 'add', payload: [1, 2] }), code: 'bad_envelope', requestId: ID, hint: ARRAY_HINT },
  { name: t('an unknown type with an array as payload', '未知的 type，payload 是数组'), input: with_({ type: 'subscribe', payload: [] }), code: 'bad_envelope', requestId: ID, hint: t(`the envelope comes first: a payload that is not an object is bad_envelope before the type is looked up. ${ARRAY_HINT}`, `信封先检查：payload 不是对象，在查 type 之前就是 bad_envelope。${ARRAY_HINT}`) },
  { name: t('the unknown type "subscribe"', '未知的 type "subscribe"'), input: with_({ type: 'subscribe' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: t('the type "constructor"', 'type 是 "constructor"'), input: with_({ type: 'constructor' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: t('the type "__proto__"', 'type 是 "__proto__"'), input: with_({ type: '__proto__' }), code: 'unknown_type', requestId: ID, hint: TYPE_HINT },
  { name: t('echo without text', 'echo 没有 text'), input: with_({ payload: {} }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: t('echo with a number as text', 'echo 的 text 是数字'), input: with_({ payload: { text: 42 } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: t('echo with null as text', 'echo 的 text 是 null'), input: with_({ payload: { text: null } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: t('add with a string for a', 'add 的 a 是字符串'), input: with_({ type: 'add', payload: { a: '1', b: 2 } }), code: 'bad_payload', requestId: ID, hint: t('typeof a === "number" and Number.isFinite(a): "1" + 2 is "12" in JavaScript, never trust the payload\'s types.', 'typeof a === "number" 并且 Number.isFinite(a)：在 JavaScript 里 "1" + 2 是 "12"，绝不要相信 payload 里的类型。') },
  { name: t('add without b', 'add 没有 b'), input: with_({ type: 'add', payload: { a: 1 } }), code: 'bad_payload', requestId: ID, hint: PAYLOAD_HINT },
  { name: t('add with true for a', 'add 的 a 是 true'), input: with_({ type: 'add', payload: { a: true, b: 1 } }), code: 'bad_payload', requestId: ID, hint: t('typeof a === "number": true + 1 is 2 in JavaScript, so checking only that the sum is finite lets true through.', 'typeof a === "number"：在 JavaScript 里 true + 1 是 2，所以只检查和是不是有限数，会把 true 放过去。') },
  { name: t('add with null for b', 'add 的 b 是 null'), input: with_({ type: 'add', payload: { a: 1, b: null } }), code: 'bad_payload', requestId: ID, hint: t('check a AND b (&&, not ||): 1 + null is 1 in JavaScript, so a null b must be refused before adding.', 'a 和 b 都要检查（用 &&，不是 ||）：在 JavaScript 里 1 + null 是 1，所以相加之前必须先拒绝为 null 的 b。') },
  { name: t('add with a string for b', 'add 的 b 是字符串'), input: with_({ type: 'add', payload: { a: 1, b: '2' } }), code: 'bad_payload', requestId: ID, hint: t('check both numbers: typeof b === "number" and Number.isFinite(b), not only a.', '两个数都要检查：typeof b === "number" 并且 Number.isFinite(b)，不能只查 a。') },
  { name: t('add with 1e999 (Infinity once parsed) for a', 'add 的 a 是 1e999（解析后是 Infinity）'), input: `{"type":"add","version":1,"request_id":"${ID}","payload":{"a":1e999,"b":-1e999}}`, code: 'bad_payload', requestId: ID, hint: t('JSON.parse turns 1e999 into Infinity: Number.isFinite(a) refuses it (and a + b is NaN here, which JSON cannot carry either).', 'JSON.parse 会把 1e999 变成 Infinity：Number.isFinite(a) 会拒绝它（而且这里 a + b 是 NaN，JSON 同样表示不了）。') },
  { name: t('add whose sum overflows', '和会溢出的 add'), input: with_({ type: 'add', payload: { a: 1e308, b: 1e308 } }), code: 'bad_payload', requestId: ID, hint: t('JSON has no Infinity (JSON.stringify turns it into null): when a + b is not finite, answer bad_payload.', 'JSON 里没有 Infinity（JSON.stringify 会把它变成 null）：a + b 不是有限数时，回答 bad_payload。') },
  { name: t('delay with a negative ms', 'delay 的 ms 是负数'), input: with_({ type: 'delay', payload: { ms: -5 } }), code: 'bad_payload', requestId: ID, hint: t('delay\'s ms is a whole number from 0 to 2000.', 'delay 的 ms 是 0 到 2000 之间的整数。') },
  { name: t('delay of a minute', '延迟一分钟的 delay'), input: with_({ type: 'delay', payload: { ms: 60_000 } }), code: 'bad_payload', requestId: ID, hint: t('delay\'s ms is a whole number from 0 to 2000: an unbounded delay lets one client park timers on your server for as long as it likes.', 'delay 的 ms 是 0 到 2000 之间的整数：没有上限的延迟，会让一个客户端想在你的服务器上挂多久定时器就挂多久。') },
  { name: t('delay of 2001 ms, one past the limit', '2001 毫秒的 delay，超出上限一毫秒'), input: with_({ type: 'delay', payload: { ms: 2001 } }), code: 'bad_payload', requestId: ID, hint: t('the limit is MAX_DELAY_MS = 2000, included: ms <= MAX_DELAY_MS, so 2001 is refused.', '上限是 MAX_DELAY_MS = 2000，包含等于：ms <= MAX_DELAY_MS，所以 2001 被拒绝。') },
  { name: t('delay with ms as a string', 'delay 的 ms 是字符串'), input: with_({ type: 'delay', payload: { ms: '5' } }), code: 'bad_payload', requestId: ID, hint: t('typeof ms === "number": "5" is a string, however numeric it looks.', 'typeof ms === "number"："5" 是字符串，不管它看起来多像数字。') },
  { name: t('delay with a fractional ms', 'delay 的 ms 是小数'), input: with_({ type: 'delay', payload: { ms: 1.5 } }), code: 'bad_payload', requestId: ID, hint: t('delay\'s ms is a whole number (Number.isInteger) from 0 to 2000.', 'delay 的 ms 是 0 到 2000 之间的整数（Number.isInteger）。') },
  { name: t('a binary frame holding a valid request', '一个装着有效请求的二进制帧'), input: Buffer.from(JSON.stringify(valid())), code: 'binary_not_supported', requestId: null, hint: t('check isBinary first: this protocol is JSON in text frames, so a binary frame is answered with binary_not_supported, without parsing it.', '先检查 isBinary：这个协议是文本帧里的 JSON，所以二进制帧直接回答 binary_not_supported，不去解析它。') },
  { name: t('an empty binary frame', '一个空的二进制帧'), input: Buffer.alloc(0), code: 'binary_not_supported', requestId: null, hint: t('check isBinary first: every binary frame, even an empty one, is answered with binary_not_supported.', '先检查 isBinary：每个二进制帧，哪怕是空的，都回答 binary_not_supported。') },
];

// ---------------------------------------------------------------------------------------------

describe('the protocol server', () => {
  check(t('answers a valid echo request with an echo reply carrying the same request_id', '用带着同一个 request_id 的 echo 回复来回答有效的 echo 请求'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(envelope('echo', 'first-1', { text: 'Hello, protocol!' }));
    const reply = await nextEnvelope(client, t('the reply to an echo request', '对一个 echo 请求的回复'), t('parse the message with parseRequest, then send resultReply(request, { text }).', '用 parseRequest 解析消息，然后发送 resultReply(request, { text })。'));
    expectResult(reply, 'echo', 'first-1', t('the reply to an echo request', '对一个 echo 请求的回复'), server, t('parseRequest must accept a valid request: { type: "echo", version: 1, request_id: "first-1", payload: { text } }.', 'parseRequest 必须接受有效的请求：{ type: "echo", version: 1, request_id: "first-1", payload: { text } }。'));
    expectEqual(reply.payload.text, 'Hello, protocol!', t('payload.text of the echo reply', 'echo 回复的 payload.text'), t('echo answers with the same text it got.', 'echo 用它收到的同样的文本回答。'));
  });

  check(t('answers add with the sum', '用和来回答 add'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(envelope('add', 'sum-1', { a: 2, b: 3.5 }));
    const reply = await nextEnvelope(client, t('the reply to add 2 + 3.5', '对 add 2 + 3.5 的回复'), t('answer add with resultReply(request, { sum: a + b }).', '用 resultReply(request, { sum: a + b }) 回答 add。'));
    expectResult(reply, 'add', 'sum-1', t('the reply to add 2 + 3.5', '对 add 2 + 3.5 的回复'), server, t('answer add with resultReply(request, { sum: a + b }).', '用 resultReply(request, { sum: a + b }) 回答 add。'));
    expectEqual(reply.payload.sum, 5.5, t('payload.sum', 'payload.sum 的值'), t('add answers with { sum: a + b }.', 'add 用 { sum: a + b } 回答。'));
  });

  check(t('ignores unknown extra fields, so newer clients can add them', '忽略不认识的额外字段，这样更新的客户端就可以加字段'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(JSON.stringify({ ...valid({ request_id: 'extra-1', payload: { text: 'hi', colour: 'blue' } }), trace_id: 'abc' }));
    const reply = await nextEnvelope(client, t('the reply to an echo request with extra fields', '对一个带额外字段的 echo 请求的回复'), t('accept extra fields you do not know, in the envelope and in the payload: that is what lets a protocol grow without breaking old servers.', '接受你不认识的额外字段，信封里的和 payload 里的都要接受：正是这一点让协议可以扩展，又不弄坏旧的服务器。'));
    expectResult(reply, 'echo', 'extra-1', t('the reply to an echo request with extra fields', '对一个带额外字段的 echo 请求的回复'), server, t('unknown fields are ignored, not an error: check the fields you need and copy only those.', '不认识的字段忽略掉，不算错误：只检查你需要的字段，也只抄那些字段。'));
    expectEqual(reply.payload.text, 'hi', t('payload.text', 'payload.text 的值'), t('echo answers with the text it got.', 'echo 用它收到的文本回答。'));
  });

  check(t('answers a quick request before a slow one sent earlier (replies can come out of order)', '先回答快的请求，再回答更早发来的慢请求（回复可以不按顺序）'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sentAt = performance.now();
    client.send(envelope('delay', 'slow', { ms: 500 }));
    client.send(envelope('echo', 'quick', { text: 'quick' }));
    const first = await nextEnvelope(client, t('the first reply', '第一个回复'), t('answer delay later with setTimeout, and let other requests be answered meanwhile: never block or queue behind a slow request.', '用 setTimeout 稍后回答 delay，同时让其他请求照常得到回答：绝不要阻塞，也不要让别的请求排在慢请求后面。'));
    const delayHint = t('answer delay with resultReply(request, { ms }) from a setTimeout of payload.ms milliseconds.', '在一个 payload.ms 毫秒的 setTimeout 里，用 resultReply(request, { ms }) 回答 delay。');
    const slowReply = t('the reply to delay 500 ms', '对 delay 500 毫秒的回复');
    if (first.request_id === 'slow') expectResult(first, 'delay', 'slow', slowReply, server, delayHint);
    expectResult(first, 'echo', 'quick', t('the first reply', '第一个回复'), server, t('the echo needs no waiting: it is answered while the delay is still running.', 'echo 不需要等：delay 还在跑的时候它就得到回答了。'));
    const second = await nextEnvelope(client, slowReply, delayHint, WAIT_MS + 500);
    expectResult(second, 'delay', 'slow', slowReply, server, delayHint);
    expectEqual(second.payload.ms, 500, t('payload.ms of the delay reply', 'delay 回复的 payload.ms'), t('delay answers with { ms }.', 'delay 用 { ms } 回答。'));
    const waited = client.received[1]!.at - sentAt;
    if (waited < 480) {
      fail({ expected: t('the delay reply at least 500 ms after the request', 'delay 回复在请求之后至少 500 毫秒才来'), actual: t(`it came after ${Math.round(waited)} ms`, `它在 ${Math.round(waited)} 毫秒后就来了`), hint: t('wait payload.ms milliseconds (setTimeout) before sending the delay reply.', '发送 delay 回复之前，先等 payload.ms 毫秒（setTimeout）。') });
    }
  });

  check(t('refuses a 17th waiting delay with too_many_requests, and keeps answering', '用 too_many_requests 拒绝第 17 个等待中的 delay，并且继续回答'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    for (let i = 1; i <= 17; i += 1) client.send(envelope('delay', `d${i}`, { ms: 2000 }));
    const reply = await nextEnvelope(client, t('the reply to the 17th delay', '对第 17 个 delay 的回复'), t('count the delays waiting on this connection (the timers set); at 16, answer too_many_requests instead of starting another timer.', '数一数这个连接上正在等的 delay（定时器集合）；到了 16 个，就回答 too_many_requests，而不是再启动一个定时器。'));
    if (reply.request_id !== 'd17') {
      const got = reply.type === 'error'
        ? t(`an error ${show(reply.payload.code)} for ${show(reply.request_id)}: ${show(reply.payload.message)}`, `给 ${show(reply.request_id)} 的一个 error ${show(reply.payload.code)}：${show(reply.payload.message)}`)
        : t(`a ${show(reply.type)} reply for ${show(reply.request_id)}`, `给 ${show(reply.request_id)} 的一个 ${show(reply.type)} 回复`);
      fail({
        expected: t('the first reply to be too_many_requests for d17, while d1 to d16 (2000 ms each, the largest delay allowed) wait', '第一个回复是给 d17 的 too_many_requests，这时 d1 到 d16（每个 2000 毫秒，允许的最大延迟）都在等'),
        actual: got,
        hint: reply.type === 'error' && reply.payload.code === 'bad_payload'
          ? t('a delay of exactly 2000 ms is allowed: the limit includes its value (ms <= MAX_DELAY_MS).', '正好 2000 毫秒的 delay 是允许的：上限包含它本身（ms <= MAX_DELAY_MS）。')
          : t('answer delay from a setTimeout of payload.ms, and count the delays waiting on this connection: at 16, answer too_many_requests at once.', '在 payload.ms 的 setTimeout 里回答 delay，并数一数这个连接上正在等的 delay：到了 16 个，就立刻回答 too_many_requests。'),
      });
    }
    expectError(reply, 'too_many_requests', 'd17', t('the reply to the 17th delay', '对第 17 个 delay 的回复'), t('at most 16 delays may wait per connection: memory on a server must be bounded, whatever the client sends.', '每个连接最多只能有 16 个 delay 在等：不管客户端发什么，服务器的内存都必须有上限。'));
    await expectStillAnswers(client, t('after too_many_requests', '在 too_many_requests 之后'));
  });

  check(t('keeps answering delays for the whole life of a connection, not only its first 16', '在连接的整个生命周期里都一直回答 delay，而不只是前 16 个'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    // Three rounds of 16 short delays, one round after the other: never more than 16 wait at once.
    for (let round = 1; round <= 3; round += 1) {
      for (let i = 1; i <= 16; i += 1) client.send(envelope('delay', `round${round}-${i}`, { ms: i % 2 }));
      for (let i = 1; i <= 16; i += 1) {
        const what = t(`the reply to delay ${i} of round ${round} (delay number ${(round - 1) * 16 + i} on this connection, every earlier one already answered)`, `对第 ${round} 轮第 ${i} 个 delay 的回复（这个连接上的第 ${(round - 1) * 16 + i} 个 delay，之前的都已经回答过了）`);
        const answerDelay = t('answer delay with resultReply(request, { ms }) from its setTimeout.', '在 delay 的 setTimeout 里用 resultReply(request, { ms }) 回答它。');
        const reply = await nextEnvelope(client, what, answerDelay);
        if (reply.type === 'error' && reply.payload.code === 'too_many_requests') {
          fail({ expected: t(`${what} to be a delay reply`, `${what}是一个 delay 回复`), actual: t('too_many_requests, although none of this connection\'s earlier delays is still waiting', 'too_many_requests，尽管这个连接之前的 delay 没有一个还在等'), hint: t('a timer that has fired is no longer waiting: delete it from the set inside its callback (timers.delete(timer)), or the limit of 16 fills up for good and every later delay is refused.', '已经触发的定时器就不算在等了：在它的回调里把它从集合中删掉（timers.delete(timer)），否则 16 个的名额会被永久占满，之后的每个 delay 都会被拒绝。') });
        }
        expectResult(reply, 'delay', reply.request_id ?? '', what, server, answerDelay);
      }
    }
    await expectStillAnswers(client, t('after 48 delays', '在 48 个 delay 之后'));
  });

  check(t('cancels the delays still waiting when their client leaves', '客户端离开时，取消它那些还在等的 delay'), async ({ net }) => {
    const server = await net.serve(createServer);
    const timers = new TimerWatch();
    try {
      // Everything the server does for this connection starts from its socket's callbacks.
      server.wss.on('connection', (socket) => socket.once('message', () => timers.adopt(executionAsyncId())));
      const client = await net.connect(server.url);
      for (let i = 1; i <= 17; i += 1) client.send(envelope('delay', `left-${i}`, { ms: 2000 }));
      // The 17th is refused only once the 16 before it are waiting.
      const refused = await nextEnvelope(client, t('the reply to the 17th delay', '对第 17 个 delay 的回复'), t('count the delays waiting on this connection; at 16, answer too_many_requests.', '数一数这个连接上正在等的 delay；到了 16 个，就回答 too_many_requests。'));
      expectError(refused, 'too_many_requests', 'left-17', t('the reply to the 17th delay', '对第 17 个 delay 的回复'), t('at most 16 delays may wait per connection.', '每个连接最多只能有 16 个 delay 在等。'));
      if (timers.started().length < 16) {
        fail({ expected: t('16 delay timers started for this connection', '为这个连接启动了 16 个 delay 定时器'), actual: t(`${describeTimers(timers.started())}`, `只有 ${describeTimers(timers.started())}`), hint: t('answer each delay from its own setTimeout(…, payload.ms), started in the message handler, and keep it in the connection\'s set until it fires.', '每个 delay 都在它自己的 setTimeout(…, payload.ms) 里回答，这个定时器在 message 处理函数里启动，并且在触发之前一直放在连接的集合里。') });
      }
      const conn = server.connections[0]!;
      client.terminate();
      await net.waitUntil(() => conn.readyState === WebSocket.CLOSED, WAIT_MS, () => ({ expected: t('the server to see the client leave', '服务器看到客户端离开'), actual: t('its socket is still open', '它的 socket 还开着'), hint: t('ws emits "close" on the server\'s socket when the client drops the connection.', '客户端断开连接时，ws 会在服务器的 socket 上触发 "close"。') }));
      const leftAt = performance.now();
      const hint = t('on the socket\'s "close" event, clearTimeout every timer still in this connection\'s set: each would run up to 2 s later only to find nobody to answer, and keeps the server busy (and a stopping server alive) meanwhile.', '在 socket 的 "close" 事件里，对这个连接集合里还剩的每个定时器调用 clearTimeout：它们每个都会在最多 2 秒后运行，却发现没人可回答，而在此期间还让服务器忙着（也让一个正在停止的服务器继续活着）。');
      await net.waitUntil(() => timers.pending().length === 0, 1000, () => ({
        expected: t('no delay timer left once the client has gone', '客户端走了之后，不留下任何 delay 定时器'),
        actual: t(`${describeTimers(timers.pending())} still waiting after the connection closed`, `连接关闭之后还有 ${describeTimers(timers.pending())} 在等`),
        hint,
      }));
      const fired = timers.firedSince(leftAt);
      if (fired.length > 0) fail({ expected: t('no delay timer to run after its client left', '客户端离开之后，没有 delay 定时器再运行'), actual: t(`${describeTimers(fired)} ran after the connection closed`, `连接关闭之后，有 ${describeTimers(fired)} 运行了`), hint });
    } finally {
      timers.stop();
    }
  });

  check(t('accepts values right at the limits: request_id of 1 and 64 characters, delay of 0 and 2000 ms, empty and blank text', '接受正好处在边界上的值：1 个和 64 个字符的 request_id，0 和 2000 毫秒的 delay，空的和只有空白的文本'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const longId = 'i'.repeat(64);
    client.send(envelope('delay', longId, { ms: 2000 }));
    client.send(envelope('delay', 'z', { ms: 0 }));
    client.send(envelope('echo', 'empty', { text: '' }));
    client.send(envelope('echo', 'blank', { text: ' \t ' }));
    const expected: Record<string, { type: string; payload: Record<string, unknown>; what: Text; hint: Text }> = {
      [longId]: { type: 'delay', payload: { ms: 2000 }, what: t('the reply to delay 2000 ms with a request_id of 64 characters', '对 request_id 为 64 个字符、delay 2000 毫秒的回复'), hint: t('both limits include their value: request_id.length <= 64 and ms <= MAX_DELAY_MS (2000).', '两个上限都包含本身：request_id.length <= 64，ms <= MAX_DELAY_MS（2000）。') },
      z: { type: 'delay', payload: { ms: 0 }, what: t('the reply to delay 0 ms with the request_id "z" (1 character)', '对 request_id 为 "z"（1 个字符）、delay 0 毫秒的回复'), hint: t('request_id may be a single character (length >= 1), and ms may be 0 (ms >= 0).', 'request_id 可以只有一个字符（length >= 1），ms 可以是 0（ms >= 0）。') },
      empty: { type: 'echo', payload: { text: '' }, what: t('the reply to echo with empty text', '对 text 为空的 echo 的回复'), hint: t('an empty string is a string: check typeof text === "string", not the text\'s truthiness.', '空字符串也是字符串：检查 typeof text === "string"，而不是看文本的真假。') },
      blank: { type: 'echo', payload: { text: ' \t ' }, what: t('the reply to echo with blank text', '对 text 只有空白的 echo 的回复'), hint: t('blank text is text: echo it as it is, without trimming or refusing it.', '只有空白的文本也是文本：原样回显，不要 trim，也不要拒绝。') },
    };
    for (let i = 0; i < 4; i += 1) {
      const reply = await nextEnvelope(client, t(`reply ${i + 1} of 4 (the delay of 2000 ms comes last)`, `4 个回复中的第 ${i + 1} 个（2000 毫秒的 delay 最后才来）`), t('every request at a limit is an ordinary request.', '每个处在边界上的请求都是普通请求。'), WAIT_MS + 2000);
      const want = reply.request_id === null ? undefined : expected[reply.request_id];
      if (!want) fail({ expected: t(`replies with the request_ids ${show(Object.keys(expected))}`, `request_id 为 ${show(Object.keys(expected))} 的回复`), actual: show(reply), hint: t('a reply carries its request\'s request_id.', '回复带着它的请求的 request_id。') });
      expectResult(reply, want.type, reply.request_id!, want.what, server, want.hint);
      expectEqual(reply.payload, want.payload, t(`the payload of ${want.what}`, `${want.what}的 payload`), want.hint);
      delete expected[reply.request_id!];
    }
  }, 15_000);

  check(t('closes with 1007 on a text frame that is not UTF-8 and 1002 on an unmasked frame, and keeps serving others', '对不是 UTF-8 的文本帧用 1007 关闭，对没有掩码的帧用 1002 关闭，并继续为其他人服务'), async ({ net }) => {
    const server = await net.serve(createServer);
    const hint = t('ws closes these connections by itself, after an "error" event on the server\'s socket: give every socket an "error" listener (socket.on("error", …)), or that event crashes the whole server.', '这些连接 ws 会自己关闭，之前会在服务器的 socket 上触发一个 "error" 事件：给每个 socket 加上 "error" 监听器（socket.on("error", …)），否则这个事件会让整个服务器崩溃。');
    const notUtf8 = await net.connect(server.url, { label: t('a client sending invalid UTF-8', '发送非法 UTF-8 的客户端') });
    notUtf8.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expectEqual((await notUtf8.waitClosed({ waitingFor: t('the server to close a connection that sent invalid UTF-8 in a text frame', '服务器关闭在文本帧里发来非法 UTF-8 的连接'), hint })).code, 1007, t('the close code after invalid UTF-8', '非法 UTF-8 之后的关闭码'), hint);
    const unmasked = await net.connect(server.url, { label: t('a client sending an unmasked frame', '发送无掩码帧的客户端') });
    // A text frame "hi" without the mask a client must put on every frame (RFC 6455, 5.1).
    tcpSocket(unmasked.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    expectEqual((await unmasked.waitClosed({ waitingFor: t('the server to close a connection that sent an unmasked frame', '服务器关闭发来无掩码帧的连接'), hint })).code, 1002, t('the close code after an unmasked frame', '无掩码帧之后的关闭码'), hint);
    const next = await net.connect(server.url, { label: t('a third client', '第三个客户端') });
    await expectStillAnswers(next, t('by a new client after two broken connections', '两个连接坏掉之后，由一个新客户端'));
    if (!server.logs.some((line) => /invalid utf-8/i.test(line))) {
      fail({ expected: t('the server to log the socket error (ws says "Invalid WebSocket frame: invalid UTF-8 sequence")', '服务器把这个 socket 错误记进日志（ws 说的是 "Invalid WebSocket frame: invalid UTF-8 sequence"）'), actual: t(`the log: ${show(server.logs)}`, `日志是：${show(server.logs)}`), hint: t('in the socket\'s "error" listener, log the error: log(`connection error: ${error.message}`). Silence would hide why clients are dropped.', '在 socket 的 "error" 监听器里把错误记下来：log(`connection error: ${error.message}`)。不吭声的话，客户端为什么被断开就无从知晓了。') });
    }
  });

  check(t('stops reading from a client that never reads its replies, and keeps serving the others', '停止读取一个从不读取回复的客户端，同时继续为其他人服务'), async ({ net }) => {
    const server = await net.serve(createServer);
    const stalled = await net.connect(server.url, { label: t('a client that never reads', '从不读取的客户端') });
    const conn = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: t('the server to accept the connection', '服务器接受这个连接'), actual: t('no connection', '没有连接'), hint: t('return the WebSocketServer you created.', '返回你创建的 WebSocketServer。') }));
    tcpSocket(stalled.ws).pause();
    // 1,600 echo requests of 15 KiB (24 MiB), each answered with as much: what a client that sends
    // and never reads costs a server that keeps reading from it. The kernel's buffers take a few
    // MiB of that; a server without a limit queues the rest, one that pauses stays near its 1 MiB.
    const text = 'x'.repeat(15 * 1024);
    for (let i = 0; i < 1600; i += 1) stalled.send(envelope('echo', `flood-${i}`, { text }));
    const bound = 6 * 1024 * 1024;
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
    const hint = t('keep the given line limitSendBuffer(socket) at the start of the "connection" handler: it pauses reading from a client once 1 MiB of replies wait for it (lesson 02 explains it).', '保留 "connection" 处理函数开头现成的那行 limitSendBuffer(socket)：一旦有 1 MiB 的回复在等某个客户端，它就暂停读取那个客户端（第 02 课讲过）。');
    let peak = 0;
    const state = await net.waitUntil(() => {
      peak = Math.max(peak, conn.bufferedAmount);
      if (peak > bound) return 'overflow';
      if (conn.isPaused) return 'paused';
      return conn.readyState === WebSocket.CLOSED ? 'dropped' : undefined;
    }, 20_000, () => ({ expected: t('the server to stop reading from a client whose replies pile up', '回复堆积时，服务器停止读取这个客户端'), actual: t(`after 20 s it was still reading, with ${mb(peak)} of replies queued`, `20 秒之后它还在读，排队的回复有 ${mb(peak)}`), hint }));
    if (state === 'overflow') {
      fail({ expected: t('the replies queued for a client that never reads to stay under 6 MiB', '给一个从不读取的客户端排队的回复保持在 6 MiB 以下'), actual: t(`the server kept reading its requests: ${mb(peak)} of replies queued in memory (bufferedAmount) and growing`, `服务器一直在读它的请求：内存里排队了 ${mb(peak)} 的回复（bufferedAmount），而且还在增长`), hint });
    }
    if (state === 'paused') {
      // Paused for good: what is queued must not keep growing.
      await new Promise((resolve) => setTimeout(resolve, 300));
      peak = Math.max(peak, conn.bufferedAmount);
      if (peak > bound || !conn.isPaused) {
        fail({ expected: t(`the server to stay paused, with less than ${mb(bound)} queued`, `服务器保持暂停，排队的数据少于 ${mb(bound)}`), actual: conn.isPaused ? t(`paused, ${mb(peak)} queued`, `暂停着，排队了 ${mb(peak)}`) : t(`reading again, ${mb(peak)} queued`, `又在读了，排队了 ${mb(peak)}`), hint });
      }
    }
    const other = await net.connect(server.url, { label: t('another client', '另一个客户端') });
    await expectStillAnswers(other, t('by another client while one client is stalled', '在一个客户端卡住时，由另一个客户端'));
  }, 90_000);

  check(t('stops reading at once from a client that floods tiny invalid requests and never reads', '立刻停止读取一个狂发细小的无效请求、却从不读取的客户端'), async ({ net }) => {
    const server = await net.serve(createServer);
    const stalled = await net.connect(server.url, { label: t('a client that floods "x" and never reads', '狂发 "x" 却从不读取的客户端') });
    const conn = await net.waitUntil(() => server.connections[0], WAIT_MS, () => ({ expected: t('the server to accept the connection', '服务器接受这个连接'), actual: t('no connection', '没有连接'), hint: t('return the WebSocketServer you created.', '返回你创建的 WebSocketServer。') }));
    tcpSocket(stalled.ws).pause();
    // "x" is 7 bytes on the wire and earns a bad_json reply of about 110: one read from the kernel
    // (64 KiB) carries thousands of them, and Node reads up to 32 of those in one go. A server that
    // looks at its queue only after such a burst has queued tens of MiB of replies by then.
    const limit = 1024 * 1024;
    const bound = 4 * 1024 * 1024;
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
    const hint = t('keep the given line limitSendBuffer(socket) at the start of the "connection" handler, and send each reply as its request arrives: limitSendBuffer looks at the queue as each message arrives and pauses reading once more than 1 MiB of replies wait. A look once per turn of the event loop (setImmediate) comes too late: one read can carry thousands of tiny requests.', '保留 "connection" 处理函数开头现成的那行 limitSendBuffer(socket)，并且每个请求一到就发送它的回复：limitSendBuffer 在每条消息到达时查看队列，一旦有超过 1 MiB 的回复在等，就暂停读取。每轮事件循环才看一次（setImmediate）就太晚了：一次读取就可能带来成千上万个细小的请求。');
    // Watched from a listener added after the server's own: it runs once the server has answered.
    // Within one turn of the event loop the queue only grows (nothing drains it until the loop
    // runs on), so a request handled after the queue passed 1 MiB in the same turn means the
    // server was still reading when it should have paused.
    let turn = 0;
    let turnEnding = false;
    let last = { turn: -1, queued: 0 };
    let handled = 0;
    let overrun = 0;
    let peak = 0;
    conn.on('message', () => {
      handled += 1;
      if (!turnEnding) {
        turnEnding = true;
        setImmediate(() => { turnEnding = false; turn += 1; });
      }
      if (last.turn === turn && last.queued > limit && !conn.isPaused) overrun += 1;
      const queued = conn.bufferedAmount;
      peak = Math.max(peak, queued);
      last = { turn, queued };
    });
    // Batches of 10,000 until the server pauses, or queues past the bound: 400,000 at most
    // (2.7 MiB sent, 40 MiB of replies, more than the kernel's buffers can hold).
    const batch = 10_000;
    const most = 400_000;
    let sent = 0;
    while (sent < most && !conn.isPaused && peak <= bound && conn.readyState === WebSocket.OPEN) {
      for (let i = 0; i < batch; i += 1) stalled.ws.send('x');
      sent += batch;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const state = await net.waitUntil(() => {
      if (conn.isPaused) return 'paused';
      if (conn.readyState !== WebSocket.OPEN) return 'closed';
      if (peak > bound) return 'overflow';
      return handled === sent ? 'read everything' : undefined;
    }, 20_000, () => ({ expected: t('the server to stop reading from a client whose error replies pile up', 'error 回复堆积时，服务器停止读取这个客户端'), actual: t(`after 20 s it had read ${handled} of ${sent} requests and was still reading, with ${mb(conn.bufferedAmount)} queued`, `20 秒之后，${sent} 个请求它读了 ${handled} 个，而且还在读，排队了 ${mb(conn.bufferedAmount)}`), hint }));
    if (state === 'overflow' || state === 'read everything') {
      fail({ expected: t(`the server to stop reading from a client that sends and never reads, before ${mb(bound)} of replies wait for it`, `在有 ${mb(bound)} 的回复等着一个只发不读的客户端之前，服务器就停止读取它`), actual: t(`it read ${handled} requests ("x", each answered with bad_json) and queued ${mb(peak)} of replies in memory (bufferedAmount), still reading`, `它读了 ${handled} 个请求（"x"，每个都回答了 bad_json），在内存里排队了 ${mb(peak)} 的回复（bufferedAmount），还在读`), hint });
    }
    if (overrun > 0 || peak > bound) {
      fail({
        expected: t(`the server to stop reading as soon as more than ${mb(limit)} of replies wait, so the queue stays under ${mb(bound)}`, `一有超过 ${mb(limit)} 的回复在等，服务器就停止读取，让队列保持在 ${mb(bound)} 以下`),
        actual: t(`it handled ${overrun} more requests in the same burst after its queue passed ${mb(limit)}, and queued up to ${mb(peak)}${state === 'paused' ? ' before it paused' : ''}`, `队列超过 ${mb(limit)} 之后，它在同一轮突发里又处理了 ${overrun} 个请求，${state === 'paused' ? '暂停之前' : ''}最多排队了 ${mb(peak)}`),
        hint,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (state === 'paused' && (!conn.isPaused || conn.bufferedAmount > bound)) {
      fail({ expected: t(`the server to stay paused, with less than ${mb(bound)} queued`, `服务器保持暂停，排队的数据少于 ${mb(bound)}`), actual: conn.isPaused ? t(`paused, ${mb(conn.bufferedAmount)} queued`, `暂停着，排队了 ${mb(conn.bufferedAmount)}`) : t(`reading again, ${mb(conn.bufferedAmount)} queued`, `又在读了，排队了 ${mb(conn.bufferedAmount)}`), hint });
    }
    const other = await net.connect(server.url, { label: t('another client', '另一个客户端') });
    await expectStillAnswers(other, t('by another client while one client is stalled', '在一个客户端卡住时，由另一个客户端'));
  }, 90_000);

  check(t('logs each request and rejection, with client text escaped so it cannot forge a log line', '记录每个请求和每次拒绝，客户端的文本要转义，让它伪造不了日志行'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const forgedId = 'r1\nERROR admin password reset';
    client.send(envelope('echo', forgedId, { text: 'hi' }));
    const newlineId = t('the reply to an echo whose request_id holds a newline', '对一个 request_id 里含换行的 echo 的回复');
    const anyId = t('a request_id is any string of 1 to 64 characters, newlines included.', 'request_id 可以是任何 1 到 64 个字符的字符串，含换行也行。');
    const reply = await nextEnvelope(client, newlineId, anyId);
    expectResult(reply, 'echo', forgedId, newlineId, server, anyId);
    client.send(Buffer.from('binary'));
    const binaryReply = t('the reply to a binary frame', '对一个二进制帧的回复');
    const binaryHint = t('answer binary frames with errorReply(null, "binary_not_supported").', '用 errorReply(null, "binary_not_supported") 回答二进制帧。');
    expectError(await nextEnvelope(client, binaryReply, binaryHint), 'binary_not_supported', null, binaryReply, binaryHint);
    client.send(envelope('sub\u2028scribe\u001b[2J', 'r2', {}));
    const controlReply = t('the reply to an unknown type holding control characters', '对一个含控制字符的未知 type 的回复');
    expectError(await nextEnvelope(client, controlReply, TYPE_HINT), 'unknown_type', 'r2', controlReply, TYPE_HINT);
    const hint = t('pass client text through printable(...) (lib/printable.ts) before logging it: the request_id, and error messages that quote the client\'s type.', '客户端的文本写进日志之前，先过一遍 printable(...)（lib/printable.ts）：request_id，以及引用了客户端 type 的错误信息都要。');
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
    const forged = server.logs.find((line) => unsafe.test(line));
    if (forged !== undefined) {
      fail({ expected: t('log lines without raw control characters (a newline in client text starts a forged line of its own)', '日志行里没有原样的控制字符（客户端文本里的一个换行，就能开出一行伪造的日志）'), actual: t(`the server logged ${show(forged)}`, `服务器记下了 ${show(forged)}`), hint });
    }
    if (!server.logs.some((line) => line.includes('ERROR admin password reset'))) {
      fail({ expected: t('a log line naming the echo request by its request_id', '一行用 request_id 指明这个 echo 请求的日志'), actual: show(server.logs), hint: t(`log each request, e.g. log(\`\${request.type} request \${printable(request.request_id)}\`): escaped, not dropped. ${hint}`, `每个请求都记下来，比如 log(\`\${request.type} request \${printable(request.request_id)}\`)：要转义，不是丢掉。${hint}`) });
    }
    for (const code of ['binary_not_supported', 'unknown_type']) {
      if (!server.logs.some((line) => line.includes(code))) {
        fail({ expected: t(`a log line naming the rejection and its code, ${code}`, `一行指明这次拒绝及其错误码 ${code} 的日志`), actual: show(server.logs), hint: t('log each rejected message with its code, e.g. log(`rejected: ${code} (${printable(message)})`), binary frames included.', '每条被拒绝的消息都连同错误码记下来，比如 log(`rejected: ${code} (${printable(message)})`)，二进制帧也一样。') });
      }
    }
  });

  check(t('quotes an unknown type in its error message, cut short, and names the types it knows', '在错误信息里引用未知的 type（截短），并列出它认识的 type'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send(envelope('t'.repeat(8000), 'long-type', {}));
    const longType = t('the reply to a type of 8,000 characters', '对一个 8,000 个字符的 type 的回复');
    const reply = await nextEnvelope(client, longType, TYPE_HINT);
    expectError(reply, 'unknown_type', 'long-type', longType, TYPE_HINT);
    const message = String(reply.payload.message);
    if (message.length > 300 || !message.includes('tttttttttt')) {
      fail({ expected: t('an error message that quotes the start of the type and stays short (under 300 characters)', '一条引用了 type 开头、又保持简短（少于 300 个字符）的错误信息'), actual: t(`a message of ${message.length} characters: ${show(message)}`, `一条 ${message.length} 个字符的信息：${show(message)}`), hint: t('quote(type) cuts untrusted text to 40 characters: never reflect a whole 16 KiB message back at its sender.', 'quote(type) 把不可信的文本截到 40 个字符：绝不要把一整条 16 KiB 的消息原样反射给它的发送者。') });
    }
    if (!/\becho\b.*\badd\b.*\bdelay\b/.test(message)) {
      fail({ expected: t('the message to name the types the server knows: echo, add, delay', '信息里列出服务器认识的 type：echo、add、delay'), actual: show(message), hint: t('say what would have worked: `unknown type ${quote(type)}; known types: ${REQUEST_TYPES.join(\', \')}`.', '说明怎样才行：`unknown type ${quote(type)}; known types: ${REQUEST_TYPES.join(\', \')}`。') });
    }
  });

  check(t('answers a message of exactly 16 KiB, and closes with 1009 on a larger one', '回答正好 16 KiB 的消息，更大的就用 1009 关闭'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const overhead = envelope('echo', 'big', { text: '' }).length;
    const atLimit = envelope('echo', 'big', { text: 'x'.repeat(LIMIT_BYTES - overhead) });
    client.send(atLimit);
    const atLimitReply = t(`the reply to a message of exactly ${LIMIT_BYTES} bytes`, `对一条正好 ${LIMIT_BYTES} 字节的消息的回复`);
    const reply = await nextEnvelope(client, atLimitReply, t(`the limit is 16 KiB = ${LIMIT_BYTES} bytes: maxPayload: MAX_MESSAGE_BYTES.`, `上限是 16 KiB = ${LIMIT_BYTES} 字节：maxPayload: MAX_MESSAGE_BYTES。`));
    expectResult(reply, 'echo', 'big', atLimitReply, server, t('messages up to the limit are ordinary messages.', '不超过上限的消息都是普通消息。'));
    client.send(envelope('echo', 'too-big', { text: 'x'.repeat(LIMIT_BYTES - overhead + 1) }));
    const limitHint = t('pass maxPayload: MAX_MESSAGE_BYTES to new WebSocketServer(...); ws then refuses larger messages and closes with 1009.', '把 maxPayload: MAX_MESSAGE_BYTES 传给 new WebSocketServer(...)；这样 ws 会拒绝更大的消息，并用 1009 关闭。');
    const closeAfter = t(`the server to close the connection with 1009 after a message of ${LIMIT_BYTES + 1} bytes`, `收到一条 ${LIMIT_BYTES + 1} 字节的消息之后，服务器用 1009 关闭连接`);
    const closed = await net.waitUntil(() => client.closed ?? (client.received.length > 1 ? 'answered' : undefined), WAIT_MS, () => fail({
      expected: closeAfter, actual: t('the connection stayed open', '连接一直开着'), hint: limitHint,
    }));
    if (closed === 'answered') {
      fail({ expected: closeAfter, actual: t(`it answered it: ${show(client.received[1]?.data)}`, `它回答了这条消息：${show(client.received[1]?.data)}`), hint: limitHint });
    }
    expectEqual(closed.code, 1009, t('the close code', '关闭码'), t('ws closes with 1009 ("message too big") by itself when maxPayload is set; do not close the socket yourself.', '设了 maxPayload，ws 就会自己用 1009（“消息太大”）关闭；不要自己去关 socket。'));
    const next = await net.connect(server.url, { label: t('a second client', '第二个客户端') });
    await expectStillAnswers(next, t('by a new client after the oversized message', '超大消息之后，由一个新客户端'));
  });

  check(t('picks the workbook.v1 subprotocol when a client offers it', '客户端提供 workbook.v1 子协议时就选用它'), async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await connectOffering(net, server.url, ['workbook.v2', 'workbook.v1']);
    expectEqual(client.ws.protocol, 'workbook.v1', t('the subprotocol the server picked', '服务器选用的子协议'), t('handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false). Without it, ws picks the first one the client offers.', 'handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false)。没有它的话，ws 会选客户端提供的第一个。'));
    await expectStillAnswers(client, t('over the negotiated connection', '在协商好的连接上'));
    // A browser offering only workbook.v2 connects with no subprotocol; one it never offered would fail it.
    const answer = await net.settle(upgrade(server.port, 'workbook.v2'), WAIT_MS, () => ({ expected: t('an answer to a handshake offering only workbook.v2', '对一个只提供 workbook.v2 的握手的回应'), actual: t('none', '没有回应'), hint: t('handleProtocols must return at once.', 'handleProtocols 必须立刻返回。') }));
    if (answer.kind === 'error') throw answer.error;
    const { status, protocol } = answer.value;
    if (status !== 101 || protocol !== undefined) {
      fail({ expected: t('a handshake offering only workbook.v2 to be accepted (101) with no Sec-WebSocket-Protocol header', '只提供 workbook.v2 的握手被接受（101），并且没有 Sec-WebSocket-Protocol 头'), actual: t(`status ${status}, Sec-WebSocket-Protocol ${show(protocol)}`, `状态码 ${status}，Sec-WebSocket-Protocol ${show(protocol)}`), hint: t('when the client does not offer SUBPROTOCOL, handleProtocols returns false: the connection goes ahead with no subprotocol.', '客户端没有提供 SUBPROTOCOL 时，handleProtocols 返回 false：连接照常建立，只是没有子协议。') });
    }
  });

  describe('answers each bad input with its documented error, and keeps the connection', () => {
    for (const row of BAD_INPUTS) {
      check(t(`bad input: ${row.name} → ${row.code}`, `不好的输入：${row.name} → ${row.code}`), async ({ net }) => {
        const server = await net.serve(createServer);
        const client = await net.connect(server.url);
        client.send(row.input);
        const reply = await nextEnvelope(client, t(`the error reply to ${row.name}`, `对“${row.name}”的 error 回复`), row.hint);
        expectError(reply, row.code, row.requestId, t(`the reply to ${row.name}`, `对“${row.name}”的回复`), row.hint);
        await expectStillAnswers(client, t(`after ${row.name}`, `在“${row.name}”之后`));
      });
    }
  });

  check(t('answers each of 1,000 random inputs exactly once, then still answers correctly', '1,000 个随机输入每个正好回答一次，之后照样回答正确'), async ({ net }) => {
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
      fail({ expected: t('the connection to stay open through random input', '面对随机输入，连接一直保持打开'), actual: t(`the server closed it (code ${client.closed.code}) after ${client.received.length} replies; the next input was probably ${show(unanswered?.data)}`, `服务器在 ${client.received.length} 个回复之后关闭了它（关闭码 ${client.closed.code}）；下一个输入多半是 ${show(unanswered?.data)}`), hint: t('bad input gets an error reply, never a close: validate everything in parseRequest and reply with its error.', '不好的输入得到一个 error 回复，绝不是关闭：在 parseRequest 里校验一切，用它给出的错误回复。') });
    }
    if (client.received.length !== inputs.length) {
      fail({ expected: t(`${inputs.length} replies, one per input`, `${inputs.length} 个回复，每个输入一个`), actual: t(`${client.received.length}; the first unanswered input was probably ${show(unanswered?.data)}`, `${client.received.length} 个；第一个没得到回答的输入多半是 ${show(unanswered?.data)}`), hint: t('every message gets exactly one reply: a result or an error. Look for a path in your message handler that returns without sending.', '每条消息正好得到一个回复：一个结果或一个错误。找找你的 message 处理函数里，有没有哪条路径不发送就返回了。') });
    }
    const repliesById = new Map<string, number>();
    for (const message of client.received) {
      const reply = typeof message.data === 'string' ? asEnvelope(safeParse(message.data)) : undefined;
      if (!reply || reply.version !== VERSION) {
        fail({ expected: t('every reply to be a JSON envelope { type, version: 1, request_id, payload }', '每个回复都是一个 JSON 信封 { type, version: 1, request_id, payload }'), actual: show(message.data), hint: t('send only resultReply(...) or errorReply(...) values, as JSON text.', '只发送 resultReply(...) 或 errorReply(...) 的值，作为 JSON 文本。') });
      }
      if (reply.type === 'error' && !CODES.includes(String(reply.payload.code))) {
        fail({ expected: t(`error replies to use a documented code (${CODES.join(', ')})`, `error 回复使用文档里列出的错误码（${CODES.join('、')}）`), actual: show(reply), hint: t('use the codes of ERROR_CODES in protocol.ts; clients rely on that table.', '使用 protocol.ts 里 ERROR_CODES 的错误码；客户端就靠这张表。') });
      }
      if (reply.request_id !== null) repliesById.set(reply.request_id, (repliesById.get(reply.request_id) ?? 0) + 1);
    }
    for (const input of inputs) {
      if (input.requestId === undefined) continue;
      const count = repliesById.get(input.requestId) ?? 0;
      if (count !== 1) {
        fail({ expected: t(`exactly one reply with request_id ${show(input.requestId)}`, `正好一个 request_id 为 ${show(input.requestId)} 的回复`), actual: t(`${count}, for the input ${show(input.data)}`, `${count} 个，对应的输入是 ${show(input.data)}`), hint: t('once a message has a valid request_id (a string of 1 to 64 characters), its reply, result or error, carries that request_id.', '一条消息一旦有了有效的 request_id（1 到 64 个字符的字符串），它的回复，不管是结果还是错误，都要带上这个 request_id。') });
      }
    }
    // Move the read cursor past the replies looked at above.
    for (let i = 0; i < inputs.length; i += 1) await client.next();
    await expectStillAnswers(client, t('after 1,000 random inputs', '在 1,000 个随机输入之后'));
  }, RANDOM_INPUTS_WAIT_MS + 15_000);
});

// ---------------------------------------------------------------------------------------------

describe('the protocol client', () => {
  check(t('request() sends an envelope and resolves with the payload of the matching reply', 'request() 发出一个信封，并用匹配的回复的 payload resolve'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('add', { a: 2, b: 3 }));
      const request = await nextClientRequest(conn);
      expectEqual(request.type, 'add', t('the type of the request', '请求的 type'), t('send the type you were given.', '发送传给你的 type。'));
      expectEqual(request.payload, { a: 2, b: 3 }, t('the payload of the request', '请求的 payload'), t('send the payload you were given, unchanged.', '原样发送传给你的 payload。'));
      conn.send(JSON.stringify({ type: 'add', version: VERSION, request_id: request.request_id, payload: { sum: 5 } }));
      const result = await answer.wait(t('request("add", { a: 2, b: 3 }) to resolve', 'request("add", { a: 2, b: 3 }) 正常 resolve'), t('when a reply arrives, find its pending entry by request_id and resolve it with reply.payload.', '回复一到，就按 request_id 找到它那条等待中的记录，用 reply.payload resolve 它。'));
      expectEqual(conn.ws.protocol, 'workbook.v1', t('the subprotocol connect() offered (the test server takes the first one offered)', 'connect() 提供的子协议（测试服务器会选第一个）'), t('connect() opens new WebSocket(url, [SUBPROTOCOL]).', 'connect() 用 new WebSocket(url, [SUBPROTOCOL]) 打开连接。'));
      expectEqual(result, { sum: 5 }, t('what request() resolved with', 'request() resolve 的值'), t('resolve with the reply\'s payload.', '用回复的 payload resolve。'));
      expectEqual(client.pendingCount, 0, t('pendingCount after the reply', '回复之后的 pendingCount'), t('delete the pending entry (and clear its timer) when its reply arrives.', '回复一到，就删掉那条等待中的记录（并清掉它的定时器）。'));
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('matches replies that arrive out of order by request_id', '用 request_id 匹配不按顺序到达的回复'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const texts = ['first', 'second', 'third'];
      const answers = texts.map((text) => settle(net, client.request('echo', { text })));
      const requests = [await nextClientRequest(conn), await nextClientRequest(conn), await nextClientRequest(conn)];
      const ids = new Set(requests.map((request) => request.request_id));
      if (ids.size !== 3) {
        fail({ expected: t('three different request_ids for three requests', '三个请求有三个不同的 request_id'), actual: show(requests.map((request) => request.request_id)), hint: t('give every request a fresh id, e.g. a counter: `r${this.nextId++}`.', '给每个请求一个新的 id，比如用计数器：`r${this.nextId++}`。') });
      }
      // The test server answers the third request first, then the first, then the second.
      for (const index of [2, 0, 1]) {
        const request = requests[index]!;
        conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: request.request_id, payload: { text: request.payload.text } }));
      }
      for (const [i, text] of texts.entries()) {
        const result = await answers[i]!.wait(t(`request("echo", { text: "${text}" }) to resolve`, `request("echo", { text: "${text}" }) 正常 resolve`), t('look the reply up by its request_id in the pending map.', '在等待表里按 request_id 查找回复对应的请求。'));
        expectEqual(result, { text }, t(`what request("echo", { text: "${text}" }) resolved with`, `request("echo", { text: "${text}" }) resolve 的值`), t('match each reply by request_id, not by the order requests were sent: replies may come in any order.', '按 request_id 匹配每个回复，不要按请求发出的顺序：回复可能以任何顺序到达。'));
      }
      expectEqual(client.pendingCount, 0, t('pendingCount after all replies', '所有回复之后的 pendingCount'), t('delete each pending entry when its reply arrives.', '每条等待中的记录，在它的回复到来时删掉。'));
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('rejects with the server\'s error code when the reply is an error, even a code it does not know', '回复是错误时，用服务器给的错误码 reject，哪怕是它不认识的错误码'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'hi' }));
      const request = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'error', version: VERSION, request_id: request.request_id, payload: { code: 'bad_payload', message: 'payload.text must be a string' } }));
      const error = await answer.waitRejected(t('request() to reject after an error reply', '收到 error 回复后 request() reject'), t('an error reply rejects its request: new RequestError(reply.payload.code, reply.payload.message).', 'error 回复会让它的请求 reject：new RequestError(reply.payload.code, reply.payload.message)。'));
      expectRequestError(error, 'bad_payload', t('reject with new RequestError(reply.payload.code, reply.payload.message), so callers can switch on the code.', '用 new RequestError(reply.payload.code, reply.payload.message) reject，这样调用者可以按错误码分情况处理。'));
      expectEqual(client.pendingCount, 0, t('pendingCount after the error reply', 'error 回复之后的 pendingCount'), t('an error reply settles its request too: delete the pending entry.', 'error 回复同样了结它的请求：删掉那条等待中的记录。'));
      // A code this client has never heard of (a newer server added it) still fails the request.
      const second = settle(net, client.request('echo', { text: 'again' }));
      const secondRequest = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'error', version: VERSION, request_id: secondRequest.request_id, payload: { code: 'rate_limited', message: 'slow down' } }));
      const unknown = await second.waitRejected(t('request() to reject after an error reply with a code it does not know', '收到一个错误码它不认识的 error 回复后 request() reject'), t('any error reply rejects its request, whatever the code: a newer server may add codes, and the caller must not hang until the timeout.', '不管错误码是什么，任何 error 回复都让它的请求 reject：更新的服务器可能会加新的错误码，调用者不能一直卡到超时。'));
      expectRequestError(unknown, 'rate_limited', t('pass the server\'s code through unchanged.', '把服务器的错误码原样传下去。'));
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('ignores replies it cannot match (not JSON, binary, unknown request_id) and still matches the right one', '忽略匹配不上的回复（不是 JSON、二进制、未知的 request_id），照样匹配上正确的那个'), async ({ net }) => {
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
      const hint = t('parse each message with parseReply (it never throws) and skip binary frames and anything that is not a reply envelope (parseReply returns undefined): the server\'s messages are input too.', '用 parseReply 解析每条消息（它从不抛出异常），跳过二进制帧和任何不是回复信封的东西（parseReply 返回 undefined）：服务器的消息也是输入。');
      const outcome = await answer.outcome(t('request() to settle', 'request() 了结'), hint);
      if (outcome.kind === 'rejected' || JSON.stringify(outcome.value) !== JSON.stringify({ text: 'mine' })) {
        const got = outcome.kind === 'rejected' ? outcome.error : outcome.value;
        const seen = got instanceof RequestError ? `${got.code} ${got.message}` : JSON.stringify(got);
        const took = notReplies.find(([, label]) => seen.includes(label));
        fail({ expected: t('request() to resolve with { text: "mine" }, from the one real reply', 'request() 用唯一那个真正的回复 resolve 出 { text: "mine" }'), actual: t(`it ${outcome.kind} with ${show(got)}${took ? `: it took ${took[1]} as its reply` : ''}`, `它以 ${show(got)} ${outcome.kind === 'rejected' ? 'reject' : 'resolve'} 了${took ? `：它把 "${took[1]}" 当成了自己的回复` : ''}`), hint });
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
          fail({ expected: isReply ? t(`parseReply to accept ${what}`, `parseReply 接受 ${what}`) : t(`parseReply to refuse ${what}`, `parseReply 拒绝 ${what}`), actual: show(parsed), hint: t('parseReply is given in protocol.ts: keep it as it is, it checks the whole reply envelope.', 'parseReply 是 protocol.ts 里现成的：保持原样，它会检查整个回复信封。') });
        }
      }
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('rejects after timeoutMs when no reply comes, not before, and forgets the request', '没有回复时，在 timeoutMs 之后（而不是之前）reject，并忘掉这个请求'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 10_000 });
    try {
      const conn = await peer.nextConnection();
      const started = performance.now();
      const answer = settle(net, client.request('echo', { text: 'anyone there?' }, { timeoutMs: 200 }));
      await nextClientRequest(conn);
      const error = await answer.waitRejected(t('request(…, { timeoutMs: 200 }) to reject when no reply comes', '没有回复时 request(…, { timeoutMs: 200 }) reject'), t('start a setTimeout(timeoutMs) for each request that rejects it with new RequestError("timeout", …); use the timeoutMs passed to request() before the client\'s default.', '给每个请求启动一个 setTimeout(timeoutMs)，到时用 new RequestError("timeout", …) reject 它；优先用传给 request() 的 timeoutMs，其次才是客户端的默认值。'));
      const after = answer.settledAt() - started;
      if (after < 180) {
        fail({ expected: t('the request to wait its full 200 ms before rejecting', '请求先等足 200 毫秒再 reject'), actual: t(`it rejected after ${Math.round(after)} ms: ${show(error)}`, `它在 ${Math.round(after)} 毫秒后就 reject 了：${show(error)}`), hint: t('the timer is setTimeout(…, timeoutMs), in milliseconds.', '定时器是 setTimeout(…, timeoutMs)，单位是毫秒。') });
      }
      expectRequestError(error, 'timeout', t('reject with new RequestError("timeout", …) so callers can tell a timeout from a server error.', '用 new RequestError("timeout", …) reject，这样调用者能分清超时和服务器错误。'));
      expectEqual(client.pendingCount, 0, t('pendingCount after the timeout', '超时之后的 pendingCount'), t('when the timer fires, delete the pending entry too, or every lost reply leaks memory for the life of the connection.', '定时器触发时，也要删掉那条等待中的记录，否则每个丢失的回复都会在整个连接的生命周期里泄漏内存。'));
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('ignores a reply that arrives after its request timed out', '忽略在请求超时之后才到的回复'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const late = settle(net, client.request('echo', { text: 'late' }, { timeoutMs: 100 }));
      const lateRequest = await nextClientRequest(conn);
      await late.waitRejected(t('the request to time out', '请求超时'), t('reject with RequestError("timeout", …) after timeoutMs.', 'timeoutMs 之后用 RequestError("timeout", …) reject。'));
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: lateRequest.request_id, payload: { text: 'late' } }));
      const next = settle(net, client.request('echo', { text: 'next' }));
      const nextRequest = await nextClientRequest(conn);
      if (nextRequest.request_id === lateRequest.request_id) {
        fail({ expected: t('a new request_id for the next request', '下一个请求用一个新的 request_id'), actual: t(`the timed-out request's id ${show(lateRequest.request_id)} again`, `又用了超时那个请求的 id ${show(lateRequest.request_id)}`), hint: t('never reuse a request_id on a connection: a late reply to the old request would settle the new one.', '在同一个连接上绝不要重用 request_id：旧请求迟到的回复会把新请求了结掉。') });
      }
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: nextRequest.request_id, payload: { text: 'next' } }));
      expectEqual(await next.wait(t('the next request to resolve', '下一个请求 resolve'), t('a reply with no pending entry is skipped; it must not disturb later requests.', '没有对应等待记录的回复直接跳过；它不能干扰之后的请求。')), { text: 'next' }, t('what the next request resolved with', '下一个请求 resolve 的值'), t('a late reply belongs to nobody: ignore it.', '迟到的回复不属于任何请求：忽略它。'));
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('rejects pending requests when the connection closes, later ones at once, and connect() when nothing listens', '连接关闭时 reject 等待中的请求，之后的请求立刻 reject，没有服务器监听时 connect() reject'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 10_000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'never answered' }));
      await nextClientRequest(conn);
      await conn.close(1001, 'going away');
      const error = await answer.waitRejected(t('the pending request to reject when the connection closes', '连接关闭时，等待中的请求 reject'), t('on "close", reject every pending request with RequestError("closed", …), clear their timers and empty the map.', '收到 "close" 时，用 RequestError("closed", …) reject 每个等待中的请求，清掉它们的定时器，清空等待表。'));
      expectRequestError(error, 'closed', t('reject with new RequestError("closed", …).', '用 new RequestError("closed", …) reject。'));
      if (!/\bcode 1001\b/.test(error.message)) {
        fail({ expected: t('the "closed" error to name the close code, 1001', '"closed" 错误里说出关闭码 1001'), actual: show(error.message), hint: t('reject every pending request with the error rejectAll() was given: it says how the connection closed.', '用传给 rejectAll() 的那个错误 reject 每个等待中的请求：它说明了连接是怎么关闭的。') });
      }
      expectEqual(client.pendingCount, 0, t('pendingCount after the close', '关闭之后的 pendingCount'), t('empty the pending map when the connection closes.', '连接关闭时清空等待表。'));
      const afterClose = settle(net, Promise.resolve().then(() => client.request('echo', { text: 'too late' })));
      const late = await afterClose.waitRejected(t('a request on a closed connection to reject', '在已关闭的连接上发的请求 reject'), t('in request(), if the socket is not OPEN, return Promise.reject(new RequestError("closed", …)) instead of sending.', '在 request() 里，如果 socket 不是 OPEN，就返回 Promise.reject(new RequestError("closed", …))，而不是去发送。'));
      expectRequestError(late, 'closed', t('reject with new RequestError("closed", …).', '用 new RequestError("closed", …) reject。'));
      await net.settle(client.close(), WAIT_MS, () => ({ expected: t('close() on a connection that is already closed to return at once', '对已经关闭的连接调用 close() 立刻返回'), actual: t('it is still waiting', '它还在等'), hint: t('close() returns at once when the socket is already CLOSED: its "close" event has been and gone.', 'socket 已经是 CLOSED 时，close() 立刻返回：它的 "close" 事件早就来过又走了。') }));
    } finally {
      await closeClient(net, client);
    }
    // No connection at all: connect() itself rejects, and nothing crashes.
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const outcome = await net.settle(connect(url), WAIT_MS, () => ({ expected: t('connect() to a closed port to reject', 'connect() 连一个关着的端口时 reject'), actual: t('it is still pending', '它还没了结'), hint: t('await once(ws, "open"): it rejects with the socket\'s "error".', 'await once(ws, "open")：它会用 socket 的 "error" reject。') }));
    if (outcome.kind === 'value') {
      await outcome.value.close().catch(() => undefined);
      fail({ expected: t('connect() to a closed port to reject', 'connect() 连一个关着的端口时 reject'), actual: t('it resolved with a client', '它 resolve 出了一个客户端'), hint: t('let the error of once(ws, "open") reach the caller: rethrow it after ws.terminate().', '让 once(ws, "open") 的错误传到调用者那里：ws.terminate() 之后把它重新抛出。') });
    }
  });

  check(t('rejects pending requests with the socket\'s error when the connection breaks', '连接坏掉时，用 socket 的错误 reject 等待中的请求'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 10_000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'never answered' }));
      await nextClientRequest(conn);
      // A frame with the reserved opcode 3: the client's ws emits "error", then the connection closes.
      tcpSocket(conn.ws).write(Buffer.from([0x83, 0x00]));
      const hint = t('keep an "error" listener on the socket (without one the error crashes the program), and let the "closed" rejection say what the error was.', '在 socket 上保留 "error" 监听器（没有它，这个错误会让程序崩溃），并让 "closed" 那个 reject 说明错误是什么。');
      const error = await answer.waitRejected(t('the pending request to reject when the connection breaks', '连接坏掉时，等待中的请求 reject'), hint);
      expectRequestError(error, 'closed', hint);
      if (!/invalid opcode/i.test(error.message)) {
        fail({ expected: t('the "closed" error to carry the socket\'s error ("Invalid WebSocket frame: invalid opcode 3")', '"closed" 错误带着 socket 的错误（"Invalid WebSocket frame: invalid opcode 3"）'), actual: show(error.message), hint });
      }
      expectEqual(client.pendingCount, 0, t('pendingCount after the connection broke', '连接坏掉之后的 pendingCount'), t('empty the pending map when the connection closes, however it closes.', '不管连接怎样关闭，关闭时都要清空等待表。'));
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('rejects with bad_reply when the reply has another type than its request', '回复的 type 和请求不同时，用 bad_reply reject'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 5000 });
    try {
      const conn = await peer.nextConnection();
      const answer = settle(net, client.request('echo', { text: 'hi' }));
      const request = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'add', version: VERSION, request_id: request.request_id, payload: { sum: 5 } }));
      const hint = t('a successful reply has its request\'s type: when it does not (reply.type !== pending.type), reject with new RequestError("bad_reply", …) instead of resolving with a payload of the wrong shape.', '成功的回复和它的请求 type 相同：不相同时（reply.type !== pending.type），用 new RequestError("bad_reply", …) reject，而不是用形状不对的 payload resolve。');
      const error = await answer.waitRejected(t('request("echo", …) to reject when its reply is an add reply', '回复是一个 add 回复时，request("echo", …) reject'), hint);
      expectRequestError(error, 'bad_reply', hint);
      expectEqual(client.pendingCount, 0, t('pendingCount after the mismatched reply', '不匹配的回复之后的 pendingCount'), t('a mismatched reply settles its request too: delete the pending entry.', '不匹配的回复同样了结它的请求：删掉那条等待中的记录。'));
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('uses the timeoutMs given to connect() when request() gets none', 'request() 没拿到 timeoutMs 时，用传给 connect() 的那个'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 300 });
    try {
      const conn = await peer.nextConnection();
      const started = performance.now();
      const answer = settle(net, client.request('echo', { text: 'anyone there?' }));
      await nextClientRequest(conn);
      const hint = t('request()\'s timeoutMs defaults to the client\'s own default (connect(url, { timeoutMs })), and only then to DEFAULT_TIMEOUT_MS: `timeoutMs = this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS`.', 'request() 的 timeoutMs 默认取客户端自己的默认值（connect(url, { timeoutMs })），然后才是 DEFAULT_TIMEOUT_MS：`timeoutMs = this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS`。');
      const error = await answer.waitRejected(t('the request to time out after the client\'s default of 300 ms', '请求在客户端默认的 300 毫秒之后超时'), hint);
      expectRequestError(error, 'timeout', hint);
      const after = answer.settledAt() - started;
      if (after < 280) fail({ expected: t('the request to wait the client\'s default of 300 ms', '请求等足客户端默认的 300 毫秒'), actual: t(`it rejected after ${Math.round(after)} ms`, `它在 ${Math.round(after)} 毫秒后就 reject 了`), hint });
    } finally {
      await closeClient(net, client);
    }
  });

  check(t('leaves no timer behind once a request is settled, by its reply, an error reply or the close', '请求了结之后（不管是被回复、error 回复还是关闭了结的）不留下定时器'), async ({ net }) => {
    const peer = await net.peer();
    const client = await connect(peer.url, { timeoutMs: 30_000 });
    const timers = new TimerWatch();
    try {
      const conn = await peer.nextConnection();
      const hint = (how: Text): Text => t(`whatever settles a request first also clears its timer: clearTimeout(pending.timer) ${how}. A timer left running keeps the program alive (a command-line client lingers until it fires) and rejects a promise long settled.`, `最先了结请求的那一方，也要清掉它的定时器：${how}clearTimeout(pending.timer)。留着在跑的定时器会让程序一直活着（命令行客户端要拖到它触发才退出），还会去 reject 一个早就了结了的 promise。`);
      const expectNoTimer = async (after: Text, how: Text): Promise<void> => {
        await net.waitUntil(() => timers.pending().length === 0, 1000, () => ({ expected: t(`no timer left ${after}`, `${after}，不留下定时器`), actual: t(`${describeTimers(timers.pending())} still running`, `${describeTimers(timers.pending())}还在跑`), hint: hint(how) }));
      };
      const replied = settle(net, timers.run(() => client.request('echo', { text: 'one' })));
      const first = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'echo', version: VERSION, request_id: first.request_id, payload: { text: 'one' } }));
      await replied.wait(t('the request to resolve with its reply', '请求用它的回复 resolve'), t('resolve with the reply\'s payload.', '用回复的 payload resolve。'));
      await expectNoTimer(t('after the reply resolved its request', '回复 resolve 了它的请求之后'), t('when its reply arrives, next to this.pending.delete(id)', '在回复到来时，紧挨着 this.pending.delete(id) '));
      const refused = settle(net, timers.run(() => client.request('echo', { text: 'two' })));
      const second = await nextClientRequest(conn);
      conn.send(JSON.stringify({ type: 'error', version: VERSION, request_id: second.request_id, payload: { code: 'bad_payload', message: 'no' } }));
      await refused.waitRejected(t('the request to reject with the error reply', '请求用 error 回复 reject'), t('reject with new RequestError(code, message).', '用 new RequestError(code, message) reject。'));
      await expectNoTimer(t('after an error reply rejected its request', 'error 回复 reject 了它的请求之后'), t('when its reply arrives, error or not', '在回复到来时（不管是不是 error）'));
      const cut = settle(net, timers.run(() => client.request('echo', { text: 'three' })));
      await nextClientRequest(conn);
      await conn.close(1001, 'going away');
      await cut.waitRejected(t('the pending request to reject when the connection closes', '连接关闭时，等待中的请求 reject'), t('on "close", reject every pending request with RequestError("closed", …).', '收到 "close" 时，用 RequestError("closed", …) reject 每个等待中的请求。'));
      await expectNoTimer(t('after the connection closed with a request pending', '连接在有请求等待时关闭之后'), t('for every entry rejectAll() rejects', '对 rejectAll() reject 的每条记录，'));
    } finally {
      timers.stop();
      await closeClient(net, client);
    }
  });

  check(t('runClient, against a server that accepts what it should refuse, says so', '面对一个接受了本该拒绝的东西的服务器，runClient 会说出来'), async ({ net }) => {
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
    await done.wait(t('runClient to finish', 'runClient 结束'), t('runClient makes its requests with request(); make sure each one settles.', 'runClient 用 request() 发请求；确保每个请求都会了结。'), WAIT_MS + 2000);
    expectDemoOutput(out.text, 'add "2" + 3 → 23 (the server should have refused this)');
  });

  check(t('runClient prints each reply, the quick echo before the slow delay, and leaves nothing running', 'runClient 打印每个回复，快的 echo 先于慢的 delay，并且不留下任何在跑的东西'), async ({ net }) => {
    const server = await net.serve(createServer);
    const out = net.output();
    const closes: number[] = [];
    server.wss.on('connection', (socket) => socket.on('close', (code) => { closes.push(code); net.wakeAll(); }));
    const timers = new TimerWatch();
    try {
      const done = settle(net, timers.run(() => runClient(server.url, { out })));
      await done.wait(t('runClient to finish', 'runClient 结束'), t('runClient makes its requests with request(); make sure each one settles.', 'runClient 用 request() 发请求；确保每个请求都会了结。'), WAIT_MS + 2000);
      const returnedAt = performance.now();
      expectDemoOutput(out.text, 'add "2" + 3 → error bad_payload');
      // Run as a program, the client exits when nothing is left to wait for: no timer, no socket.
      const hint = t('when a reply settles its request, clearTimeout(pending.timer) too: otherwise every request leaves a timer of timeoutMs (5 s by default) running, and the command-line client lingers that long after its work is done.', '回复了结它的请求时，也要 clearTimeout(pending.timer)：否则每个请求都会留下一个 timeoutMs（默认 5 秒）的定时器在跑，命令行客户端干完活之后还要拖那么久才退出。');
      await net.waitUntil(() => timers.pending().length === 0, 1000, () => ({ expected: t('no timer left running once runClient has returned', 'runClient 返回之后，不留下在跑的定时器'), actual: t(`${describeTimers(timers.pending())} still running`, `${describeTimers(timers.pending())}还在跑`), hint }));
      const late = timers.firedSince(returnedAt);
      if (late.length > 0) fail({ expected: t('no timer of runClient to run after it returned', 'runClient 返回之后，它的定时器一个都不再运行'), actual: t(`${describeTimers(late)} ran afterwards`, `之后有 ${describeTimers(late)}运行了`), hint });
      const closed = await net.waitUntil(() => closes[0], WAIT_MS, () => ({ expected: t('runClient\'s connection to be closed when it returns', 'runClient 返回时它的连接已经关闭'), actual: t('the server still has it open', '服务器那边它还开着'), hint: t('close() sends a close frame and waits for the closing handshake.', 'close() 发送关闭帧，并等待关闭握手完成。') }));
      expectEqual(closed, 1000, t('the close code runClient\'s connection ended with', 'runClient 的连接结束时的关闭码'), t('close with 1000 (normal closure): ws.close(1000, …), not terminate().', '用 1000（正常关闭）关闭：ws.close(1000, …)，不要用 terminate()。'));
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
        ? t('requests are independent: the quick echo\'s reply must not wait for the slow delay\'s. Match each reply by its request_id.', '请求之间相互独立：快的 echo 的回复不能等慢的 delay 的回复。按 request_id 匹配每个回复。')
        : t('the demo in runClient prints each result; check that request() resolves with the reply\'s payload.', 'runClient 里的演示会打印每个结果；检查 request() 是不是用回复的 payload resolve。');
      fail({ expected: t(`line ${i + 1} of what runClient printed to be ${show(line)}`, `runClient 打印的第 ${i + 1} 行是 ${show(line)}`), actual: t(`${show(lines[i] ?? '')}, in ${show(text)}`, `${show(lines[i] ?? '')}，全部输出是 ${show(text)}`), hint });
    }
  }
  if (!(lines[DEMO_LINES.length] ?? '').startsWith(lastLine)) {
    fail({ expected: t(`the last line to start with ${show(lastLine)}`, `最后一行以 ${show(lastLine)} 开头`), actual: show(text), hint: t('request() resolves with a result reply\'s payload and rejects with a RequestError carrying an error reply\'s code.', 'request() 用结果回复的 payload resolve，用带着 error 回复错误码的 RequestError reject。') });
  }
}

/** Asserts `error` is a RequestError with `code`, and a message for people. */
function expectRequestError(error: unknown, code: string, hint: Text): asserts error is RequestError {
  if (!(error instanceof RequestError) || error.code !== code) fail({ expected: t(`a RequestError with code ${show(code)}`, `一个 code 为 ${show(code)} 的 RequestError`), actual: show(error), hint });
  if (error.message.trim() === '' || !String(error).startsWith('RequestError: ')) {
    fail({ expected: t(`the RequestError (${code}) to say in words what went wrong, and print as "RequestError: …"`, `这个 RequestError（${code}）用文字说明出了什么问题，并且打印出来是 "RequestError: …"`), actual: show(String(error)), hint: t('new RequestError(code, message): the code for programs, the message for people, e.g. `no reply to ${type} ${requestId} within ${timeoutMs} ms`.', 'new RequestError(code, message)：code 给程序看，message 给人看，比如 `no reply to ${type} ${requestId} within ${timeoutMs} ms`。') });
  }
}

interface ClientRequest {
  type: string;
  request_id: string;
  payload: Record<string, unknown>;
}

/** The next request the client under test sent; it must be a well-formed envelope. */
async function nextClientRequest(conn: Endpoint): Promise<ClientRequest> {
  const text = await conn.nextText({ waitingFor: t('a request from the client', '客户端发来的一个请求'), hint: t('request() sends JSON.stringify({ type, version, request_id, payload }) with ws.send.', 'request() 用 ws.send 发送 JSON.stringify({ type, version, request_id, payload })。') });
  const value = asEnvelope(safeParse(text));
  if (!value || value.version !== VERSION || typeof value.request_id !== 'string' || value.request_id.length === 0 || value.request_id.length > 64) {
    fail({ expected: t('the request as an envelope { type, version: 1, request_id: "<1–64 characters>", payload }', '请求是一个信封 { type, version: 1, request_id: "<1–64 个字符>", payload }'), actual: show(text), hint: t('build the envelope with PROTOCOL_VERSION and a fresh request_id string.', '用 PROTOCOL_VERSION 和一个新的 request_id 字符串构造信封。') });
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
  const endpoint = new Endpoint(ws, t('a client offering subprotocols', '提供子协议的客户端'), net);
  const timer = setTimeout(() => ws.terminate(), WAIT_MS);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('closed')));
    });
  } catch {
    fail({ expected: t(`the handshake offering ${show(protocols)} to succeed`, `提供 ${show(protocols)} 的握手成功`), actual: t('the connection failed', '连接失败了'), hint: t('in handleProtocols, return SUBPROTOCOL when the client offers it; ws fails the handshake if you pick one the client did not offer.', '在 handleProtocols 里，客户端提供了 SUBPROTOCOL 就返回它；如果你选了一个客户端没提供的，ws 会让握手失败。') });
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
  wait(what: Text, hint: Text, within?: number): Promise<T>;
  outcome(what: Text, hint: Text, within?: number): Promise<{ kind: 'resolved'; value: T } | { kind: 'rejected'; error: unknown }>;
  waitRejected(what: Text, hint: Text, within?: number): Promise<unknown>;
  settledAt(): number;
}

/** Tracks a promise from the start (so a rejection is never unhandled) and waits for it with a bound. */
function settle<T>(net: Harness, promise: Promise<T>): Settling<T> {
  let state: { kind: 'pending' } | { kind: 'resolved'; value: T; at: number } | { kind: 'rejected'; error: unknown; at: number } = { kind: 'pending' };
  promise.then(
    (value) => { state = { kind: 'resolved', value, at: performance.now() }; net.wakeAll(); },
    (error: unknown) => { state = { kind: 'rejected', error, at: performance.now() }; net.wakeAll(); },
  );
  const until = async (what: Text, hint: Text, within: number): Promise<void> => {
    const deadline = performance.now() + within;
    while (state.kind === 'pending') {
      net.throwIfLearnerCrashed();
      const remaining = deadline - performance.now();
      if (remaining <= 0) fail({ expected: t(`${what} within ${within} ms`, `${what}，在 ${within} 毫秒之内`), actual: t('it is still pending', '它还没了结'), hint });
      await net.sleepUntilWoken(remaining);
    }
  };
  return {
    async wait(what, hint, within = WAIT_MS) {
      await until(what, hint, within);
      if (state.kind === 'rejected') {
        const error = state.error;
        if (error instanceof Error && error.name === 'TodoError') throw error;
        fail({ expected: what, actual: t(`it rejected: ${show(error)}`, `它 reject 了：${show(error)}`), hint });
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
      if (state.kind === 'resolved') fail({ expected: what, actual: t(`it resolved with ${show(state.value)}`, `它 resolve 出了 ${show(state.value)}`), hint });
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
  check(t('run from the command line: the server with --port, the client with the URL; importing them starts nothing', '从命令行运行：服务器带 --port，客户端带 URL；import 它们时什么也不启动'), async ({ net }) => {
    // Used as a library, createServer listens on 127.0.0.1 unless told otherwise.
    const local = createServer({ port: 0, log: () => undefined });
    try {
      await net.waitUntil(() => local.address() !== null, WAIT_MS, () => ({ expected: t('createServer({ port: 0 }) to listen', 'createServer({ port: 0 }) 开始监听'), actual: t('no address', '没有地址'), hint: t('pass host and port to new WebSocketServer.', '把 host 和 port 交给 new WebSocketServer。') }));
      const address = local.address();
      expectEqual(typeof address === 'object' && address !== null ? address.address : address, '127.0.0.1', t('the address createServer listens on by default', 'createServer 默认监听的地址'), t('the default host is 127.0.0.1: a server for this machine only, unless --host says otherwise.', '默认的 host 是 127.0.0.1：除非 --host 另外指定，这个服务器只给本机用。'));
    } finally {
      local.close();
    }

    await importStartsNothing(net, HERE, ['server.ts', 'client.ts'], { PORT: '0', URL: `ws://127.0.0.1:${await closedPort()}` }, t('keep the last line of each file as it is: `if (isMain(import.meta.url)) await run…Program(…)` runs the program only when the file itself is run.', '保留每个文件原有的最后一行：`if (isMain(import.meta.url)) await run…Program(…)` 只在直接运行这个文件时才运行程序。'));

    const server = runProgram(net, HERE, ['server.ts', '--port', '0']);
    const url = await net.waitUntil(() => /Protocol server listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1], 20_000, () => ({
      expected: t('npx tsx server.ts --port 0 to print "Protocol server listening on ws://127.0.0.1:<port>"', 'npx tsx server.ts --port 0 打印 "Protocol server listening on ws://127.0.0.1:<port>"'), actual: programSaid(server), hint: t('keep the last line of server.ts: if (isMain(import.meta.url)) await runServerProgram(\'Protocol server\', createServer);', '保留 server.ts 的最后一行：if (isMain(import.meta.url)) await runServerProgram(\'Protocol server\', createServer);'),
    }));
    const client = runProgram(net, HERE, ['client.ts', url]);
    const code = await exited(net, client, t('the client program, once its requests are answered,', '客户端程序在它的请求都得到回答之后'));
    if (code !== 0) fail({ expected: t('npx tsx client.ts <url> to exit with 0', 'npx tsx client.ts <url> 以 0 退出'), actual: programSaid(client), hint: t('runClient must resolve once its requests are answered, and close its connection.', '请求都得到回答之后，runClient 必须 resolve，并关闭它的连接。') });
    expectDemoOutput(client.stdout(), 'add "2" + 3 → error bad_payload');

    const refused = runProgram(net, HERE, ['client.ts', `ws://127.0.0.1:${await closedPort()}`]);
    expectEqual(await exited(net, refused, t('the client program, with no server to talk to,', '没有服务器可以对话时，客户端程序')), 1, t('the exit code of the client with no server', '没有服务器时客户端的退出码'), t('connect() rejects when nothing listens; runClientProgram then prints why and exits with 1.', '没有服务器监听时 connect() 会 reject；随后 runClientProgram 打印原因并以 1 退出。'));
    if (!refused.stderr().startsWith('Protocol client: ')) {
      fail({ expected: t('the client to say on stderr "Protocol client: …" why it failed', '客户端在 stderr 上用 "Protocol client: …" 说明它为什么失败'), actual: programSaid(refused), hint: t('keep the last line of client.ts: if (isMain(import.meta.url)) await runClientProgram(\'Protocol client\', runClient);', '保留 client.ts 的最后一行：if (isMain(import.meta.url)) await runClientProgram(\'Protocol client\', runClient);') });
    }
  }, 90_000);
});

const PROGRAM_HINT = t('keep the `if (isMain(import.meta.url))` guard on the last line of server.ts and client.ts: only running a file as a program starts it.', '保留 server.ts 和 client.ts 最后一行的 `if (isMain(import.meta.url))` 判断：只有把文件当作程序运行时，才会启动它。');
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

function describeTimers(timers: WatchedTimer[]): Text {
  const delays = [...new Set(timers.map((timer) => (Number.isNaN(timer.ms) ? '?' : `${timer.ms} ms`)))];
  return t(`${timers.length} timer${timers.length === 1 ? '' : 's'} (${delays.join(', ')})`, `${timers.length} 个定时器（${delays.join('、')}）`);
}
