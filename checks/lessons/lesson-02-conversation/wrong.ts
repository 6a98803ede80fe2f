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
    mustFail: ['ends the iteration when the connection closes', 'settles a waiting next() with done', '"Client disconnected" when a client comes and leaves'],
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
    mistake: 'the client sends all three messages before reading any reply, instead of one at a time like the Python tutorial',
    edits: [{ file: 'client.ts', find: '    for (const message of MESSAGES) {\n      ws.send(message);\n', replace: '    for (const message of MESSAGES) ws.send(message);\n    for (const message of MESSAGES) {\n' }],
    mustFail: ['sends one message at a time'],
  },
  {
    name: 'client-ignores-the-end',
    mistake: 'the client treats an ended conversation as a reply instead of an error',
    edits: [{ file: 'client.ts', find: '      if (reply.done) throw new Error(`the server closed the connection before answering "${message}"`);\n      out.write(`Server replied: ${reply.value.toString()}\\n`);', replace: '      if (reply.done) break;\n      out.write(`Server replied: ${reply.value.toString()}\\n`);' }],
    mustFail: ['rejects, instead of hanging, when the server closes without replying'],
  },
  {
    name: 'break-leaves-socket-paused',
    mistake: 'return() (what `break` calls) removes the listeners but never resumes a socket messages() paused, so after a break on a backed-up iterator that socket never delivers another message',
    edits: [{ file: 'messages.ts', find: "    socket.off('error', onError);\n    resumeOurPause();\n", replace: "    socket.off('error', onError);\n" }],
    mustFail: ['a break hands back a socket it had paused'],
  },
  {
    name: 'resumes-a-pause-it-did-not-make',
    mistake: 'resumes the socket whenever its queue is short and on every break, without remembering whether it paused it, so it undoes a pause made by other code',
    edits: [{ file: 'messages.ts', find: '    if (!pausedByUs) return;\n', replace: '' }],
    mustFail: ['leaves alone a pause that is not its own'],
  },
  {
    name: 'one-waiter-variable',
    mistake: 'keeps one variable for the waiting next() instead of a queue of waiters, so when several calls wait at once only the last one is ever settled',
    edits: [
      { file: 'messages.ts', find: '  const waiters: Waiter[] = [];\n', replace: '  let waiting: Waiter | undefined;\n' },
      { file: 'messages.ts', find: '    const waiter = waiters.shift();\n', replace: '    const waiter = waiting;\n    waiting = undefined;\n' },
      { file: 'messages.ts', find: '    for (const waiter of waiters.splice(0)) {\n', replace: '    const parked = waiting ? [waiting] : [];\n    waiting = undefined;\n    for (const waiter of parked) {\n' },
      { file: 'messages.ts', find: '      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));\n', replace: '      return new Promise((resolve, reject) => { waiting = { resolve, reject }; });\n' },
    ],
    mustFail: ['several next() calls waiting at once'],
  },
  {
    name: 'pongs-without-limit',
    mistake: 'leaves ws answering every ping on its own (autoPong), so a client that pings and never reads makes pongs pile up in the server\'s memory',
    edits: [
      { file: 'server.ts', find: 'maxPayload: MAX_MESSAGE_BYTES, autoPong: false });', replace: 'maxPayload: MAX_MESSAGE_BYTES });' },
      { file: 'server.ts', find: '      if (socket.bufferedAmount < MAX_QUEUED_BYTES) socket.pong(data);\n', replace: '      void data;\n' },
    ],
    mustFail: ['a client that floods pings and messages and never reads'],
  },
  {
    name: 'replies-without-waiting',
    mistake: 'sends each reply without awaiting it, so for a client that never reads the loop never stops and the replies pile up in the server\'s memory',
    edits: [{ file: 'server.ts', find: '        await send(socket, `Server reply: ${message}`);', replace: '        socket.send(`Server reply: ${message}`);' }],
    mustFail: ['a client that floods pings and messages and never reads'],
  },
  {
    name: 'logs-raw-client-text',
    mistake: 'logs the client\'s text as it came, so a newline in it forges a log line and an escape code drives the terminal',
    edits: [{ file: 'server.ts', find: 'log(`Client said: ${printable(message)}`);', replace: 'log(`Client said: ${message}`);' }],
    mustFail: ['logs what a client says without letting it forge'],
  },
  {
    name: 'client-waits-for-a-close-that-already-happened',
    mistake: 'the client always waits for "close" in finally, which never comes again when the server had already closed the connection',
    edits: [{ file: 'client.ts', find: '  if (ws.readyState === WebSocket.CLOSED) return;\n', replace: '' }],
    mustFail: ['rejects, instead of hanging, when the server closes without replying'],
  },
] satisfies WrongSolution[];
