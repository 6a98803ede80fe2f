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
    name: 'client-terminates-instead-of-closing',
    mistake: 'ends the connection with terminate(), so the server sees 1006 instead of a clean 1000',
    edits: [{ file: 'client.ts', find: "ws.close(1000, 'done');", replace: 'ws.terminate();' }],
    mustFail: ['closes with code 1000'],
  },
  {
    name: 'client-returns-before-close-completes',
    mistake: 'calls close() but returns without waiting for the closing handshake',
    edits: [{ file: 'client.ts', find: '  await closed;\n', replace: '  void closed;\n' }],
    mustFail: ['returns only after the close completes'],
  },
] satisfies WrongSolution[];
