// Known-wrong solutions for lesson 04: each puts one of the starter's traps (or a near miss of a
// fix) back into the solution.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  {
    name: 'sends-before-open',
    mistake: 'calls ws.send() right after new WebSocket(url), while the socket is still CONNECTING',
    edits: [{ file: 'client.ts', find: "    await once(ws, 'open');\n", replace: "    ws.send(MESSAGE);\n    await once(ws, 'open');\n" }],
    mustFail: ['prints them as text'],
  },
  {
    name: 'listens-after-await',
    mistake: 'attaches the "message" listener after `await once(ws, "open")`, so the greeting sent at open is missed',
    edits: [
      { file: 'client.ts', find: '  const inbox = new Inbox(ws);\n', replace: '' },
      { file: 'client.ts', find: "    await once(ws, 'open');\n", replace: "    await once(ws, 'open');\n    const inbox = new Inbox(ws);\n" },
    ],
    mustFail: ['right at open'],
  },
  {
    name: 'reads-the-inbox-without-waiting',
    mistake: 'takes whatever is queued when it asks for the greeting, without waiting for one to arrive, so a greeting sent 20 ms after open is read as undefined',
    edits: [{ file: 'client.ts', find: '    if (queued !== undefined) return Promise.resolve(queued);\n', replace: '    return Promise.resolve(queued as string);\n' }],
    mustFail: ['comes a while after open'],
  },
  {
    name: 'no-error-listener',
    mistake: 'waits for "open" with a bare listener and never listens for "error", so a refused connection crashes the process',
    edits: [
      { file: 'client.ts', find: "await once(ws, 'open');", replace: "await new Promise<void>((resolve) => ws.once('open', () => resolve()));" },
      { file: 'client.ts', find: "    ws.on('error', (error: Error) => this.end(error));\n", replace: '' },
    ],
    mustFail: ['instead of crashing, when nothing listens'],
  },
  {
    name: 'error-listener-only-while-connecting',
    mistake: 'relies on once(ws, "open") for errors and has no "error" listener after the connection is open, so a malformed frame from the server crashes the process',
    edits: [{ file: 'client.ts', find: "    ws.on('error', (error: Error) => this.end(error));\n", replace: '' }],
    mustFail: ['breaks the protocol'],
  },
  {
    name: 'inbox-ignores-close',
    mistake: 'the inbox never listens for "close", so a client waiting for the reply waits forever when the server closes first',
    edits: [{ file: 'client.ts', find: "    ws.on('close', (code: number) => this.end(new Error(`the connection closed (code ${code}) before the next message arrived`)));\n", replace: '' }],
    mustFail: ['closes before replying'],
  },
  {
    name: 'waits-for-close-on-a-closed-socket',
    mistake: 'always waits for a "close" event in its close step, even when the connection is already closed, so it waits forever after a failed connect',
    edits: [{ file: 'client.ts', find: '  if (ws.readyState === WebSocket.CLOSED) return;\n', replace: '' }],
    mustFail: ['instead of crashing, when nothing listens'],
  },
  {
    name: 'prints-the-buffer',
    mistake: 'passes on the Buffer ws 8 delivers instead of decoding it, so the client prints <Buffer …>',
    edits: [{ file: 'client.ts', find: 'const text = data.toString();', replace: 'const text = data as unknown as string;' }],
    mustFail: ['prints them as text'],
  },
  {
    name: 'prints-the-promise',
    mistake: 'forgets to await the reply, so the client prints Promise { <pending> }',
    edits: [{ file: 'client.ts', find: 'const reply = await inbox.next(timeoutMs);', replace: 'const reply = inbox.next(timeoutMs);' }],
    mustFail: ['prints them as text'],
  },
  {
    name: 'returns-before-close-completes',
    mistake: 'calls ws.close(1000) but returns without waiting for the "close" event',
    edits: [{ file: 'client.ts', find: '  await closed;\n', replace: '  void closed;\n' }],
    mustFail: ['returns only after the close completes'],
  },
  {
    name: 'no-message-timeout',
    mistake: 'waits for each message with no time limit, so a server that goes silent makes the client wait forever',
    edits: [{ file: 'client.ts', find: '      }, timeoutMs);\n', replace: '      }, 2 ** 31 - 1);\n' }],
    mustFail: ['gives up after timeoutMs'],
  },
  {
    name: 'no-handshake-timeout',
    mistake: 'sets no handshakeTimeout, so a server that accepts the TCP connection and never answers the upgrade makes the client wait forever',
    edits: [{ file: 'client.ts', find: '{ handshakeTimeout: timeoutMs, maxPayload: MAX_MESSAGE_BYTES }', replace: '{ maxPayload: MAX_MESSAGE_BYTES }' }],
    mustFail: ['gives up after timeoutMs'],
  },
  {
    name: 'timer-never-cleared',
    mistake: 'never clears the per-message timer once the message has come, so the program stays alive until every timer has fired',
    edits: [{ file: 'client.ts', find: '        clearTimeout(timer);\n        this.waiter = undefined;\n', replace: '        this.waiter = undefined;\n' }],
    mustFail: ['runs from the command line'],
  },
  {
    name: 'reads-binary-as-text',
    mistake: 'treats a binary message like text, so it prints the bytes decoded as text instead of closing with 1003',
    edits: [{ file: 'client.ts', find: '    if (isBinary) {\n', replace: '    if (isBinary && false) {\n' }],
    mustFail: ['server sends binary'],
  },
  {
    name: 'unbounded-inbox',
    mistake: 'queues every message the server sends, however many wait unread, so a flooding server can make the client hold any amount of memory',
    edits: [{ file: 'client.ts', find: '    if (this.queue.length >= MAX_UNREAD_MESSAGES) {\n', replace: '    if (false) {\n' }],
    mustFail: ['wait unread'],
  },
  {
    name: 'no-max-payload',
    mistake: 'creates the socket without maxPayload, so it accepts messages of up to 100 MiB from the server',
    edits: [{ file: 'client.ts', find: '{ handshakeTimeout: timeoutMs, maxPayload: MAX_MESSAGE_BYTES }', replace: '{ handshakeTimeout: timeoutMs }' }],
    mustFail: ['over MAX_MESSAGE_BYTES'],
  },
] satisfies WrongSolution[];
