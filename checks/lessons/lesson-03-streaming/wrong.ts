// Known-wrong solutions for lesson 03: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  {
    name: 'whole-poem-in-one-message',
    mistake: 'sends the whole poem as one message, so the client gets it all at once: not a stream',
    edits: [{ file: 'server.ts', find: '      socket.send(line);\n    }', replace: "      socket.send(POEM.join(''));\n      break;\n    }" }],
    mustFail: ['four separate text messages'],
  },
  {
    name: 'no-delay',
    mistake: 'sends the lines back to back with no pause between them',
    edits: [{ file: 'server.ts', find: '      if (index > 0) await sleep(delayMs, undefined, { signal: gone.signal });\n', replace: '' }],
    mustFail: ['waits delayMs between lines'],
  },
  {
    name: 'ignores-delayMs',
    mistake: 'waits a fixed 1000 ms, the Python tutorial\'s sleep(1), instead of the delayMs option',
    edits: [{ file: 'server.ts', find: 'await sleep(delayMs, undefined,', replace: 'await sleep(1000, undefined,' }],
    mustFail: ['uses the delayMs option'],
  },
  {
    name: 'never-closes',
    mistake: 'stops after the last line without closing, so the client never learns the poem is complete (the Python tutorial relies on its handler returning)',
    edits: [{ file: 'server.ts', find: "    socket.close(1000, 'end of poem');\n", replace: '' }],
    mustFail: ['closes with code 1000 and a reason right after the last line'],
  },
  {
    name: 'sleeps-on-after-client-left',
    mistake: 'waits with a plain sleep, not cancelled when the client leaves, so the loop sleeps on for nobody (the Python tutorial\'s asyncio.sleep)',
    edits: [{ file: 'server.ts', find: 'await sleep(delayMs, undefined, { signal: gone.signal });', replace: 'await sleep(delayMs);' }],
    mustFail: ['when the client closes the connection mid-stream', 'when the client vanishes mid-stream'],
  },
  {
    name: 'swallows-the-abort',
    mistake: 'catches the AbortError inside the loop and carries on without checking the socket, so the rest of the poem goes into a closed connection',
    edits: [
      { file: 'server.ts', find: 'await sleep(delayMs, undefined, { signal: gone.signal });', replace: 'await sleep(delayMs, undefined, { signal: gone.signal }).catch(() => undefined);' },
      { file: 'server.ts', find: '      if (socket.readyState !== WebSocket.OPEN) return;\n', replace: '' },
    ],
    mustFail: ['when the client closes the connection mid-stream', 'when the client vanishes mid-stream'],
  },
  {
    name: 'client-buffers-until-close',
    mistake: 'the client collects the chunks and prints them when the stream ends, so nothing appears while it streams',
    edits: [
      { file: 'client.ts', find: '    let opened = false;\n', replace: '    let opened = false;\n    const chunks: string[] = [];\n' },
      { file: 'client.ts', find: '      out.write(data.toString());', replace: '      chunks.push(data.toString());' },
      { file: 'client.ts', find: "      if (opened) out.write('\\n');", replace: "      if (opened) out.write(`${chunks.join('')}\\n`);" },
    ],
    mustFail: ['prints the first chunk before the last one is sent'],
  },
  {
    name: 'client-newline-per-chunk',
    mistake: 'the client prints each chunk on its own line (console.log style) instead of print(chunk, end="")',
    edits: [{ file: 'client.ts', find: '      out.write(data.toString());', replace: '      out.write(`${data.toString()}\\n`);' }],
    mustFail: ['no newline between them'],
  },
  {
    name: 'client-any-close-is-success',
    mistake: 'the client treats every close as the end of the poem, so a stream cut off halfway looks complete',
    edits: [{ file: 'client.ts', find: '      else if (code !== 1000) reject(new Error(`the stream was cut off (close code ${code})`));\n', replace: '' }],
    mustFail: ['when the stream is cut off'],
  },
  {
    name: 'client-rejects-only-on-1006',
    mistake: 'the client treats only a dropped connection (1006) as a cut, so a server that goes away (1001) or fails (1011) mid-poem looks complete',
    edits: [{ file: 'client.ts', find: '      else if (code !== 1000) reject(', replace: '      else if (code === 1006) reject(' }],
    mustFail: ['(1001)', '(1011)', 'its own code 4000', 'run from the command line'],
  },
  {
    name: 'one-abort-controller-for-the-server',
    mistake: 'makes one AbortController in createServer and hands it to every connection, so the first client to leave stops every other stream',
    edits: [
      { file: 'server.ts', find: '  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });\n', replace: '  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });\n  const serverWide = new AbortController();\n' },
      { file: 'server.ts', find: '    void streamPoem(socket, delayMs, log);', replace: '    void streamPoem(socket, delayMs, log, serverWide);' },
      { file: 'server.ts', find: 'log: (line: string) => void): Promise<void> {', replace: 'log: (line: string) => void, gone: AbortController): Promise<void> {' },
      { file: 'server.ts', find: '  const gone = new AbortController();\n', replace: '' },
    ],
    mustFail: ['keeps streaming to one client when another leaves'],
  },
  {
    name: 'sleeps-after-every-line',
    mistake: 'waits after each line, as the Python tutorial does, so the close comes delayMs late after the last line',
    edits: [
      { file: 'server.ts', find: '      if (index > 0) await sleep(delayMs, undefined, { signal: gone.signal });\n', replace: '' },
      { file: 'server.ts', find: '      socket.send(line);\n', replace: '      socket.send(line);\n      await sleep(delayMs, undefined, { signal: gone.signal });\n' },
    ],
    mustFail: ['right after the last line, without waiting again'],
  },
  {
    name: 'sleeps-before-every-line',
    mistake: 'waits before each line, the first one too, so a client sees nothing for delayMs after it connects',
    edits: [{ file: 'server.ts', find: '      if (index > 0) await sleep(', replace: '      await sleep(' }],
    mustFail: ['sends the first line the moment a client connects'],
  },
  {
    name: 'no-readyState-check',
    mistake: 'relies on the abort alone and never checks readyState, so a line goes out after the client\'s close frame has arrived but before the "close" event',
    edits: [{ file: 'server.ts', find: '      if (socket.readyState !== WebSocket.OPEN) return;\n', replace: '' }],
    mustFail: ['sends nothing more once the client\'s close frame has arrived'],
  },
  {
    name: 'no-error-listener',
    mistake: 'the server has no \'error\' listener on its sockets, so one client sending a malformed frame crashes the whole server',
    edits: [{ file: 'server.ts', find: '    socket.on(\'error\', (error) => log(`Connection error: ${error.message}`));\n', replace: '' }],
    mustFail: ['survives an unmasked frame', 'survives a text frame that is not UTF-8'],
  },
  {
    name: 'no-maxPayload',
    mistake: 'creates the server without maxPayload, so it accepts messages of up to 100 MiB from a client that should send nothing',
    edits: [{ file: 'server.ts', find: 'new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES })', replace: 'new WebSocketServer({ host, port })' }],
    mustFail: ['refuses a message larger than MAX_MESSAGE_BYTES'],
  },
  {
    name: 'client-no-error-listener',
    mistake: 'the client has no \'error\' listener, so a malformed frame from the server crashes the program instead of rejecting',
    edits: [{ file: 'client.ts', find: "    ws.on('error', (error) => {\n      failure ??= error;\n    });\n", replace: '' }],
    mustFail: ['fails with the socket\'s error, without crashing', 'fails with the connection error when nothing listens'],
  },
  {
    name: 'client-empty-error-listener',
    mistake: 'the client\'s \'error\' listener swallows the error, so it rejects with a bare close code instead of saying what went wrong',
    edits: [{ file: 'client.ts', find: '      failure ??= error;\n', replace: '      void error; // \'close\' follows anyway\n' }],
    mustFail: ['fails with the socket\'s error, without crashing', 'fails with the connection error when nothing listens'],
  },
  {
    name: 'client-prints-binary',
    mistake: 'the client prints whatever arrives, binary frames too, instead of refusing them with 1003',
    edits: [{ file: 'client.ts', find: "      if (isBinary) {\n        // The stream is text; bytes are not ours to guess at. 1003: \"unsupported data\".\n        ws.close(1003, 'text only');\n        return;\n      }\n", replace: '' }],
    mustFail: ['refuses a binary frame'],
  },
  {
    name: 'keeps-its-close-listener',
    mistake: 'never removes its \'close\' listener, relying on the client leaving, so a stream that ends normally leaves it on the connection',
    edits: [{ file: 'server.ts', find: "    socket.off('close', onClose);\n", replace: '' }],
    mustFail: ['removes its own \'close\' listener'],
  },
] satisfies WrongSolution[];
