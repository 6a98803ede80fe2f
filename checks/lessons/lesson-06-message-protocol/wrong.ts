// Known-wrong solutions for lesson 06: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  {
    name: 'parses-json-without-try',
    mistake: 'calls JSON.parse without try/catch, so one message that is not JSON crashes the server',
    edits: [{
      file: 'protocol.ts',
      find: "  let value: unknown;\n  try {\n    value = JSON.parse(text);\n  } catch {\n    return failure(null, 'bad_json', 'the message is not valid JSON');\n  }\n",
      replace: '  const value: unknown = JSON.parse(text);\n',
    }],
    mustFail: ['bad input: plain text that is not JSON', 'bad input: an empty message', '1,000 random inputs'],
  },
  {
    name: 'ignores-the-version',
    mistake: 'checks that version is an integer but never that it is one the server speaks',
    edits: [{
      file: 'protocol.ts',
      find: "  if (version !== PROTOCOL_VERSION) return failure(id, 'unsupported_version', `version ${version} is not supported; this server speaks version ${PROTOCOL_VERSION}`);\n",
      replace: '',
    }],
    mustFail: ['bad input: version 2 → unsupported_version'],
  },
  {
    name: 'trusts-payload-types',
    mistake: 'takes add\'s a and b as they come, so "1" + 2 answers "12" instead of bad_payload',
    edits: [
      {
        file: 'protocol.ts',
        find: "  add: ({ a, b }) => (isFiniteNumber(a) && isFiniteNumber(b) ? { a, b } : 'payload.a and payload.b must both be finite numbers'),",
        replace: "  add: ({ a, b }) => ({ a, b } as PayloadOf<'add'>),",
      },
      {
        file: 'server.ts',
        find: "          if (!Number.isFinite(sum)) send(errorReply(request.request_id, 'bad_payload', 'a + b is too large to represent'));\n          else send(resultReply(request, { sum }));",
        replace: '          send(resultReply(request, { sum }));',
      },
    ],
    mustFail: ['bad input: add with a string for a', 'bad input: add without b'],
  },
  {
    name: 'looks-types-up-with-in',
    mistake: 'checks the type with `type in PAYLOADS`, which also finds Object\'s members such as "constructor" and "__proto__"',
    edits: [{ file: 'protocol.ts', find: '  if (!isRequestType(type)) return failure(', replace: '  if (!(type in PAYLOADS)) return failure(' }],
    mustFail: ['bad input: the type "constructor"', 'bad input: the type "__proto__"'],
  },
  {
    name: 'error-replies-without-request-id',
    mistake: 'sends every error reply with request_id null, even when the request had a valid one, so the client cannot tell which request failed',
    edits: [{ file: 'server.ts', find: '        send(parsed.error);', replace: '        send({ ...parsed.error, request_id: null });' }],
    mustFail: ['bad input: no type', 'bad input: version 2', 'bad input: the unknown type "subscribe"'],
  },
  {
    name: 'closes-on-bad-input',
    mistake: 'answers bad input with its error and then closes the connection (1008), so one mistake costs the client its connection',
    edits: [{ file: 'server.ts', find: '        send(parsed.error);', replace: "        send(parsed.error);\n        socket.close(1008, 'bad input');" }],
    mustFail: ['bad input: no type', 'bad input: version 2', '1,000 random inputs'],
  },
  {
    name: 'parses-binary-frames-as-text',
    mistake: 'ignores isBinary and parses binary frames as if they were JSON text',
    edits: [{ file: 'server.ts', find: "      if (isBinary) {\n        log('rejected: binary_not_supported');\n        send(errorReply(null, 'binary_not_supported'));\n        return;\n      }\n", replace: '' }],
    mustFail: ['bad input: a binary frame holding a valid request'],
  },
  {
    name: 'no-size-limit',
    mistake: 'keeps ws\'s default maxPayload of 100 MiB, so any client can make the server buffer huge messages',
    edits: [{ file: 'server.ts', find: '    maxPayload,\n', replace: '' }],
    mustFail: ['closes with 1009 on a larger one'],
  },
  {
    name: 'no-error-listener',
    mistake: 'has no "error" listener on the socket, so an oversized message crashes the whole server',
    edits: [{ file: 'server.ts', find: "    socket.on('error', (error) => log(`connection error: ${error.message}`));\n", replace: '' }],
    mustFail: ['closes with 1009 on a larger one', 'closes with 1007 on a text frame that is not UTF-8'],
  },
  {
    name: 'unbounded-delays',
    mistake: 'starts a timer for every delay request, with no limit per connection',
    edits: [{ file: 'server.ts', find: '          if (timers.size >= maxDelayed) {', replace: '          if (timers.size >= Infinity) {' }],
    mustFail: ['refuses a 17th waiting delay'],
  },
  {
    name: 'payload-check-lets-arrays-through',
    mistake: 'checks the payload with `typeof payload !== \'object\' || payload === null`, which lets an array through, so `payload: []` gets bad_payload instead of bad_envelope',
    edits: [{
      file: 'protocol.ts',
      find: "  if (!isRecord(payload)) return failure(id, 'bad_envelope', 'payload must be a JSON object');\n",
      replace: "  if (typeof payload !== 'object' || payload === null) return failure(id, 'bad_envelope', 'payload must be a JSON object');\n",
    }],
    mustFail: ['bad input: an empty array as payload', 'bad input: add with an array as payload', 'bad input: an unknown type with an array as payload'],
  },
  {
    name: 'checks-type-before-version',
    mistake: 'looks the type up before checking the version, so a version-2 message with a type version 1 does not know gets unknown_type instead of unsupported_version',
    edits: [
      {
        file: 'protocol.ts',
        find: "  if (version !== PROTOCOL_VERSION) return failure(id, 'unsupported_version', `version ${version} is not supported; this server speaks version ${PROTOCOL_VERSION}`);\n",
        replace: '',
      },
      {
        file: 'protocol.ts',
        find: "  if (!isRequestType(type)) return failure(id, 'unknown_type', `unknown type ${quote(type)}; known types: ${REQUEST_TYPES.join(', ')}`);\n",
        replace: "  if (!isRequestType(type)) return failure(id, 'unknown_type', `unknown type ${quote(type)}; known types: ${REQUEST_TYPES.join(', ')}`);\n  if (version !== PROTOCOL_VERSION) return failure(id, 'unsupported_version', `version ${version} is not supported; this server speaks version ${PROTOCOL_VERSION}`);\n",
      },
    ],
    mustFail: ['bad input: version 2 with a type version 1 does not know'],
  },
  {
    name: 'limits-off-by-one',
    mistake: 'writes the limits with < instead of <=, so a request_id of exactly 64 characters and a delay of exactly 2000 ms are refused',
    edits: [
      { file: 'protocol.ts', find: 'value.length <= MAX_REQUEST_ID_LENGTH', replace: 'value.length < MAX_REQUEST_ID_LENGTH' },
      { file: 'protocol.ts', find: 'ms <= MAX_DELAY_MS', replace: 'ms < MAX_DELAY_MS' },
    ],
    mustFail: ['accepts values right at the limits'],
  },
  {
    name: 'delay-timers-never-leave-the-set',
    mistake: 'adds each delay timer to the connection\'s set but never deletes it when it fires, so after 16 delays in a connection\'s life every delay gets too_many_requests',
    edits: [{ file: 'server.ts', find: '            timers.delete(timer);\n', replace: '' }],
    mustFail: ['keeps answering delays for the whole life of a connection'],
  },
  {
    name: 'delay-timers-outlive-the-client',
    mistake: 'does not clear the connection\'s delay timers when it closes, so each still runs, for nobody, up to 2 s after the client left',
    edits: [{ file: 'server.ts', find: '      for (const timer of timers) clearTimeout(timer);\n', replace: '' }],
    mustFail: ['cancels the delays still waiting when their client leaves'],
  },
  {
    name: 'no-send-buffer-limit',
    mistake: 'leaves out limitSendBuffer(socket), so a client that sends echo requests and never reads makes the server queue its replies without limit',
    edits: [{ file: 'server.ts', find: '    limitSendBuffer(socket);\n', replace: '' }],
    mustFail: ['stops reading from a client that never reads its replies', 'floods tiny invalid requests'],
  },
  {
    name: 'send-buffer-looked-at-once-per-turn',
    mistake: 'replaces the given limitSendBuffer(socket) with its own look at bufferedAmount in setImmediate, once per turn of the event loop, so the thousands of tiny requests one read carries are all answered before it pauses',
    edits: [{
      file: 'server.ts',
      find: '    limitSendBuffer(socket);\n',
      replace: '    socket.on(\'message\', () => setImmediate(() => { if (socket.bufferedAmount > 1024 * 1024) socket.pause(); }));\n',
    }],
    mustFail: ['floods tiny invalid requests'],
  },
  {
    name: 'logs-client-text-raw',
    mistake: 'logs the request_id and error messages as the client sent them, so a newline in a request_id forges a log line',
    edits: [
      { file: 'server.ts', find: '(${printable(parsed.error.payload.message)})', replace: '(${parsed.error.payload.message})' },
      { file: 'server.ts', find: 'log(`${request.type} request ${printable(request.request_id)}`);', replace: 'log(`${request.type} request ${request.request_id}`);' },
    ],
    mustFail: ['logs each request and rejection, with client text escaped'],
  },
  {
    name: 'client-keeps-timer-after-reply',
    mistake: 'deletes the pending entry when the reply arrives but never clears its timer, so the command-line client lingers for the 5 s timeout after its work is done',
    edits: [{ file: 'client.ts', find: '    this.pending.delete(reply.request_id);\n    clearTimeout(pending.timer);\n', replace: '    this.pending.delete(reply.request_id);\n' }],
    mustFail: ['leaves no timer behind once a request is settled', 'runClient prints each reply'],
  },
  {
    name: 'client-ignores-default-timeout',
    mistake: 'uses DEFAULT_TIMEOUT_MS whenever request() gets no timeoutMs, ignoring the default given to connect()',
    edits: [{ file: 'client.ts', find: '{ timeoutMs = this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS }', replace: '{ timeoutMs = DEFAULT_TIMEOUT_MS }' }],
    mustFail: ['uses the timeoutMs given to connect()'],
  },
  {
    name: 'client-trusts-reply-type',
    mistake: 'resolves a request with any successful reply carrying its request_id, even one of another type',
    edits: [{ file: 'client.ts', find: "    else if (reply.type !== pending.type) pending.reject(new RequestError('bad_reply', `asked for ${pending.type}, got a ${reply.type} reply`));\n", replace: '' }],
    mustFail: ['rejects with bad_reply when the reply has another type'],
  },
  {
    name: 'client-matches-in-arrival-order',
    mistake: 'settles the oldest pending request with each reply (first in, first out) instead of looking it up by request_id',
    edits: [
      { file: 'client.ts', find: '    const pending = this.pending.get(reply.request_id);', replace: '    const oldest = this.pending.keys().next().value;\n    const pending = oldest === undefined ? undefined : this.pending.get(oldest);' },
      { file: 'client.ts', find: '    this.pending.delete(reply.request_id);', replace: '    if (oldest !== undefined) this.pending.delete(oldest);' },
    ],
    mustFail: ['matches replies that arrive out of order'],
  },
  {
    name: 'client-without-timeout',
    mistake: 'never times a request out, so a lost reply leaves its caller waiting forever',
    edits: [{
      file: 'client.ts',
      find: "      const timer = setTimeout(() => {\n        this.pending.delete(requestId);\n        reject(new RequestError('timeout', `no reply to ${type} ${requestId} within ${timeoutMs} ms`));\n      }, timeoutMs);\n",
      replace: '      const timer: NodeJS.Timeout | undefined = undefined;\n',
    }],
    mustFail: ['rejects after timeoutMs when no reply comes'],
  },
  {
    name: 'client-leaks-timed-out-requests',
    mistake: 'rejects on timeout but leaves the pending entry in the map, leaking one entry per lost reply',
    edits: [{
      file: 'client.ts',
      find: "      const timer = setTimeout(() => {\n        this.pending.delete(requestId);\n",
      replace: '      const timer = setTimeout(() => {\n',
    }],
    mustFail: ['rejects after timeoutMs when no reply comes'],
  },
  {
    name: 'client-trusts-server-messages',
    mistake: 'JSON.parses every server message without checking it, so one message that is not JSON crashes the client',
    edits: [{ file: 'client.ts', find: '    const reply = parseReply(data.toString());', replace: '    const reply = JSON.parse(data.toString()) as ReturnType<typeof parseReply>;' }],
    mustFail: ['ignores replies it cannot match'],
  },
  {
    name: 'client-ignores-close',
    mistake: 'does not reject pending requests when the connection closes, so callers wait for a reply that can never come',
    edits: [{ file: 'client.ts', find: "    ws.on('close', (code) => this.rejectAll(", replace: "    ws.on('close', (code) => void (" }],
    mustFail: ['rejects pending requests when the connection closes'],
  },
] satisfies WrongSolution[];
