// Known-wrong solutions for lesson 02: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  {
    name: 'listens-lazily-in-next',
    mistake: 'attaches the "message" listener in next() instead of at once, so a burst that arrives before the first next() is lost',
    edits: [
      { file: 'messages.ts', find: "    socket.on('message', onMessage);\n", replace: '' },
      { file: 'messages.ts', find: '    next() {\n', replace: "    next() {\n      if (!socket.listeners('message').includes(onMessage)) socket.on('message', onMessage);\n" },
    ],
    mustFail: ['keeps a burst that arrives before anyone calls next()'],
  },
  {
    name: 'iterator-ignores-close',
    mistake: 'never listens for "close", so a for await loop over a closed connection waits for ever',
    edits: [{ file: 'messages.ts', find: "    socket.on('close', onClose);\n", replace: '' }],
    mustFail: ['ends the iteration when the connection closes', 'settles a waiting next() with done', 'logs "Client disconnected"'],
  },
  {
    name: 'iterator-ignores-error',
    mistake: 'never listens for "error": a failed connection looks like a normal end, and with no listener at all ws\'s error crashes the server',
    edits: [{ file: 'messages.ts', find: "    socket.on('error', onError);\n", replace: '' }],
    mustFail: ['rejects the waiting next() when the connection fails', 'reports an error that happened while nobody waited', 'keeps serving others after a client vanishes'],
  },
  {
    name: 'queue-without-limit',
    mistake: 'queues every message without ever pausing the socket, so a fast sender can fill the memory',
    edits: [{ file: 'messages.ts', find: 'if (queue.length >= highWaterMark && !socket.isPaused) {', replace: 'if (queue.length >= Number.MAX_SAFE_INTEGER && !socket.isPaused) {' }],
    mustFail: ['stops reading from the network while too many messages wait'],
  },
  {
    name: 'break-leaves-listeners',
    mistake: 'return() (what `break` calls) marks the end but leaves the three listeners on the socket',
    edits: [{ file: 'messages.ts', find: '      finish();\n      queue.length = 0;', replace: '      ended = true;\n      queue.length = 0;' }],
    mustFail: ['a break out of for await removes its listeners'],
  },
  {
    name: 'server-without-try-catch',
    mistake: 'the server\'s loop has no catch, so a client that sends a malformed frame rejects the handler and crashes the process',
    edits: [{
      file: 'server.ts',
      find: "  } catch (error) {\n    // A malformed frame, a reset connection, a failed send: this client is gone, the server is not.\n    log(`Connection error: ${(error as Error).message}`);\n  } finally {",
      replace: '  } finally {',
    }],
    mustFail: ['keeps serving others after a client vanishes mid-conversation'],
  },
  {
    name: 'client-sends-all-at-once',
    mistake: 'the client sends all three messages before reading any reply, instead of one at a time like the seed',
    edits: [{ file: 'client.ts', find: '    for (const message of MESSAGES) {\n      ws.send(message);\n', replace: '    for (const message of MESSAGES) ws.send(message);\n    for (const message of MESSAGES) {\n' }],
    mustFail: ['sends one message at a time'],
  },
  {
    name: 'client-ignores-the-end',
    mistake: 'the client treats an ended conversation as a reply instead of an error',
    edits: [{ file: 'client.ts', find: '      if (reply.done) throw new Error(`the server closed the connection before answering "${message}"`);\n      out.write(`Server replied: ${reply.value.toString()}\\n`);', replace: '      if (reply.done) break;\n      out.write(`Server replied: ${reply.value.toString()}\\n`);' }],
    mustFail: ['rejects, instead of hanging, when the server closes without replying'],
  },
] satisfies WrongSolution[];
