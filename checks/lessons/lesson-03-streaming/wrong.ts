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
    mistake: 'waits a fixed 1000 ms, the seed\'s sleep(1), instead of the delayMs option',
    edits: [{ file: 'server.ts', find: 'await sleep(delayMs, undefined,', replace: 'await sleep(1000, undefined,' }],
    mustFail: ['uses the delayMs option'],
  },
  {
    name: 'never-closes',
    mistake: 'stops after the last line without closing, so the client never learns the poem is complete (the seed relies on its handler returning)',
    edits: [{ file: 'server.ts', find: "    socket.close(1000, 'end of poem');\n", replace: '' }],
    mustFail: ['closes with code 1000 after the last line'],
  },
  {
    name: 'sleeps-on-after-client-left',
    mistake: 'waits with a plain sleep, not cancelled when the client leaves, so the loop sleeps on for nobody (the seed\'s asyncio.sleep)',
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
] satisfies WrongSolution[];
