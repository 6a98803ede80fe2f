// Known-wrong solutions for lesson 04: each puts one of the starter's bugs back into the solution.
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
    name: 'no-error-listener',
    mistake: 'waits for "open" with a bare listener and never listens for "error", so a refused connection crashes the process',
    edits: [
      { file: 'client.ts', find: "await once(ws, 'open');", replace: "await new Promise<void>((resolve) => ws.once('open', () => resolve()));" },
      { file: 'client.ts', find: "    ws.on('error', (error: Error) => this.end(error));\n", replace: '' },
    ],
    mustFail: ['instead of crashing'],
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
] satisfies WrongSolution[];
