// Known-wrong solutions for lesson 01: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  {
    name: 'answers-only-the-first-message',
    mistake: 'listens with socket.once("message"), so only the first message gets an echo',
    edits: [{ file: 'server.ts', find: "socket.on('message'", replace: "socket.once('message'" }],
    mustFail: ['in order, over 200 messages'],
  },
  {
    name: 'echoes-to-every-client',
    mistake: 'sends each echo to every connected client instead of the sender',
    edits: [{ file: 'server.ts', find: 'socket.send(`Echo: ${text}`);', replace: 'for (const client of wss.clients) client.send(`Echo: ${text}`);' }],
    mustFail: ["never sends one client's echoes to another"],
  },
  {
    name: 'decodes-text-as-latin1',
    mistake: 'turns the Buffer into text byte by byte (latin1) instead of as UTF-8',
    edits: [{ file: 'server.ts', find: 'const text = data.toString();', replace: "const text = toBuffer(data).toString('latin1');" }],
    mustFail: ['Chinese text and emoji'],
  },
  {
    name: 'skips-empty-messages',
    mistake: 'treats an empty message as nothing to answer',
    edits: [{ file: 'server.ts', find: 'const text = data.toString();', replace: 'const text = data.toString();\n      if (!text) return;' }],
    mustFail: ['empty message'],
  },
  {
    name: 'echoes-binary-as-text',
    mistake: 'skips the binary case, so a binary message is decoded as text and answered with a text frame',
    edits: [{ file: 'server.ts', find: '      if (isBinary) {', replace: '      if (isBinary && false) {' }],
    mustFail: ['binary message'],
  },
  {
    name: 'no-error-listener',
    mistake: 'never adds an "error" listener to the socket, so one malformed frame or oversize message crashes the whole server',
    edits: [{ file: 'server.ts', find: "    socket.on('error', (error) => log(`Connection error: ${error.message}`));\n", replace: '' }],
    mustFail: ['malformed frame (1002, 1007)', 'one a byte larger with 1009'],
  },
  {
    name: 'no-max-payload',
    mistake: 'creates the server without maxPayload, so it accepts messages of up to 100 MiB',
    edits: [{ file: 'server.ts', find: '{ host, port, maxPayload: MAX_MESSAGE_BYTES }', replace: '{ host, port }' }],
    mustFail: ['one a byte larger with 1009'],
  },
  {
    name: 'no-send-buffer-limit',
    mistake: 'drops the limitSendBuffer(socket) line, so a client that never reads makes its echoes pile up in the server without bound',
    edits: [{ file: 'server.ts', find: '    limitSendBuffer(socket);\n', replace: '' }],
    mustFail: ['never reads its echoes'],
  },
  {
    name: 'logs-raw-client-text',
    mistake: 'logs the client\'s text as it came, so a "\\n" forges a log line and an escape sequence drives the terminal',
    edits: [{ file: 'server.ts', find: 'log(`Received: ${printable(text)}`);', replace: 'log(`Received: ${text}`);' }],
    mustFail: ['forge log lines'],
  },
  {
    name: 'escapes-the-echo-too',
    mistake: 'passes the echo through printable() as well, so the client gets back something other than what it sent',
    edits: [{ file: 'server.ts', find: 'socket.send(`Echo: ${text}`);', replace: 'socket.send(`Echo: ${printable(text)}`);' }],
    mustFail: ['forge log lines'],
  },
  {
    name: 'client-sends-before-open',
    mistake: 'calls ws.send() before waiting for "open", while the socket is still CONNECTING',
    edits: [{ file: 'client.ts', find: "    await once(ws, 'open');\n", replace: "    ws.send(MESSAGE);\n    await once(ws, 'open');\n" }],
    mustFail: ['prints "Received: Echo: Hello WebSocket!"'],
  },
  {
    name: 'client-prints-the-once-array',
    mistake: 'waits for the reply with once(ws, "message") and prints what it resolves to: the array [data, isBinary]',
    edits: [{ file: 'client.ts', find: 'const reply = nextMessage(ws);', replace: "const reply = once(ws, 'message');" }],
    mustFail: ['prints "Received: Echo: Hello WebSocket!"'],
  },
  {
    name: 'client-ignores-close-while-waiting',
    mistake: 'waits only for "message", so it waits forever when the server closes without replying',
    edits: [{ file: 'client.ts', find: "    ws.once('close', (code: number) => reject(new Error(`connection closed (code ${code}) before a reply arrived`)));\n", replace: '' }],
    mustFail: ['closes before replying'],
  },
  {
    name: 'client-no-error-listener-while-waiting',
    mistake: 'listens for no "error" while waiting for the reply, so a malformed frame from the server crashes the program',
    edits: [{ file: 'client.ts', find: "    ws.once('error', reject);\n", replace: '' }],
    mustFail: ['server sends a malformed frame'],
  },
  {
    name: 'client-waits-for-a-close-that-already-happened',
    mistake: 'always waits for a "close" event when it is done, even when the connection has already closed, so it waits forever',
    edits: [{ file: 'client.ts', find: '  if (ws.readyState === WebSocket.CLOSED) return;\n', replace: '' }],
    mustFail: ['closes before replying'],
  },
  {
    name: 'client-terminates-instead-of-closing',
    mistake: 'ends the connection with terminate(), so the server sees 1006 instead of a clean 1000',
    edits: [{ file: 'client.ts', find: 'ws.close(1000);', replace: 'ws.terminate();' }],
    mustFail: ['closes with code 1000'],
  },
  {
    name: 'client-returns-before-close-completes',
    mistake: 'calls close() but returns without waiting for the closing handshake',
    edits: [{ file: 'client.ts', find: '  await closed;\n', replace: '  void closed;\n' }],
    mustFail: ['returns only after the close completes'],
  },
  {
    name: 'client-leaves-a-timer-running',
    mistake: 'starts a reply timeout and never clears it, so the client program stays alive long after its work is done',
    edits: [{ file: 'client.ts', find: '    const reply = nextMessage(ws);\n', replace: '    const reply = nextMessage(ws);\n    setTimeout(() => ws.terminate(), 60_000);\n' }],
    mustFail: ['run from the command line'],
  },
  {
    name: 'server-starts-when-imported',
    mistake: 'drops the isMain guard on the last line, so anything that imports server.ts (a test, another program) starts a server on port 8765 and never ends',
    edits: [{ file: 'server.ts', find: "if (isMain(import.meta.url)) await runServerProgram('Echo server', createServer);", replace: "await runServerProgram('Echo server', createServer);" }],
    mustFail: ['run from the command line: the server, then the client'],
  },
] satisfies WrongSolution[];
