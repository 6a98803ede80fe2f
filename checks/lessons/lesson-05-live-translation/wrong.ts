// Known-wrong solutions for lesson 05: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  {
    name: 'server-without-end-of-stream',
    mistake: 'streams the words but never says the translation is over (the Python tutorial\'s server): the client waits forever',
    edits: [{ file: 'server.ts', find: "  send(socket, { type: 'done', id });\n", replace: '' }],
    mustFail: ['one chunk per word, then "done"', 'ends each translation with "done"', 'several requests on one connection'],
  },
  {
    name: 'server-closes-instead-of-done',
    mistake: 'ends the stream by closing the connection (as lesson 03 did), so one connection serves only one request',
    edits: [{ file: 'server.ts', find: "  send(socket, { type: 'done', id });\n", replace: "  socket.close(1000, 'translation complete');\n" }],
    mustFail: ['ends each translation with "done"', 'several requests on one connection'],
  },
  {
    name: 'server-does-not-cancel',
    mistake: 'starts the new translation without stopping the old one, so both streams interleave',
    edits: [{ file: 'server.ts', find: '      cancelCurrent();\n', replace: '' }],
    mustFail: ['cancels the old one', 'newest of several quick requests wins'],
  },
  {
    name: 'server-cancels-without-stopping-the-stream',
    mistake: 'sends "cancelled" for the old request but never aborts its stream, so old chunks keep coming',
    edits: [{ file: 'server.ts', find: '      current.controller.abort();\n', replace: '' }],
    mustFail: ['cancels the old one', 'newest of several quick requests wins'],
  },
  {
    name: 'server-keeps-streaming-after-client-leaves',
    mistake: 'does not stop the stream when the client leaves: a timer per word keeps running for nobody',
    edits: [
      { file: 'server.ts', find: '      current?.controller.abort();\n', replace: '' },
      { file: 'server.ts', find: '    if (socket.readyState !== WebSocket.OPEN) return;\n', replace: '' },
    ],
    mustFail: ['when the client leaves mid-stream'],
  },
  {
    name: 'server-drops-unknown-words',
    mistake: 'translates only the words in the table and drops the others',
    edits: [{ file: 'server.ts', find: '.map((word) => TRANSLATIONS.get(word) ?? word);', replace: ".map((word) => TRANSLATIONS.get(word) ?? '').filter((word) => word !== '');" }],
    mustFail: ['unknown words'],
  },
  {
    name: 'server-looks-words-up-in-a-plain-object',
    mistake: 'looks words up in a plain object, so "constructor" and "toString" find Object.prototype\'s functions',
    edits: [{ file: 'server.ts', find: '.map((word) => TRANSLATIONS.get(word) ?? word);', replace: '.map((word) => (Object.fromEntries(TRANSLATIONS) as Record<string, string>)[word] ?? word);' }],
    mustFail: ['unknown words'],
  },
  {
    name: 'client-waits-for-close',
    mistake: 'ignores "done" and treats the close as the end of the translation (the Python tutorial\'s client): it hangs against a server that keeps the connection open',
    edits: [
      { file: 'client.ts', find: '          return finish(line());\n', replace: '          return;\n' },
      { file: 'client.ts', find: 'const onClose = (code: number): void => finish(new Error(`the connection closed (code ${code}) before the translation was complete`));', replace: 'const onClose = (): void => finish(line());' },
    ],
    mustFail: ['without waiting for the server to close', 'redraws one line and ends with', 'rejects, instead of hanging'],
  },
  {
    name: 'client-treats-a-close-as-success',
    mistake: 'finishes on "done" but also reports success when the connection drops mid-translation',
    edits: [{ file: 'client.ts', find: 'const onClose = (code: number): void => finish(new Error(`the connection closed (code ${code}) before the translation was complete`));', replace: 'const onClose = (): void => finish(line());' }],
    mustFail: ['rejects, instead of hanging'],
  },
  {
    name: 'client-prints-a-line-per-chunk',
    mistake: 'prints each word on its own line instead of redrawing one line with \\r',
    edits: [{ file: 'client.ts', find: '(partial) => out.write(`\\r${partial}`)', replace: "(partial) => out.write(`${partial.split(' ').at(-1) ?? ''}\\n`)" }],
    mustFail: ['redraws the line with \\r', 'redraws one line'],
  },
  {
    name: 'client-prints-only-at-the-end',
    mistake: 'collects the words and prints the translation only after "done": nothing is live',
    edits: [
      { file: 'client.ts', find: '(partial) => out.write(`\\r${partial}`)', replace: '() => undefined' },
      { file: 'client.ts', find: '    await translation;\n', replace: '    out.write(`\\r${await translation}`);\n' },
    ],
    mustFail: ['redraws the line with \\r'],
  },
  {
    name: 'server-sleep-cannot-be-aborted',
    mistake: 'waits with a plain setTimeout promise instead of the abortable sleep, so abort() cannot clear the timer and a stream keeps a timer running for a client that has gone',
    edits: [{ file: 'server.ts', find: '      await sleep(delayMs, undefined, { signal });\n', replace: '      await new Promise((resolve) => setTimeout(resolve, delayMs));\n' }],
    mustFail: ['when the client leaves mid-stream'],
  },
  {
    name: 'server-finally-forgets-the-newer-stream',
    mistake: 'clears `current` whenever a stream ends, so the cancelled stream clears the one that replaced it, and the next request cannot cancel that one',
    edits: [{ file: 'server.ts', find: '          if (current?.controller === controller) current = undefined;\n', replace: '          current = undefined;\n' }],
    mustFail: ['a second new request cancels the second stream too'],
  },
  {
    name: 'server-cancels-the-same-request-twice',
    mistake: 'cancels the old stream but does not forget it, so when the next request is refused, the one after it cancels the old request a second time',
    edits: [{ file: 'server.ts', find: "      send(socket, { type: 'cancelled', id: current.id });\n      current = undefined;\n", replace: "      send(socket, { type: 'cancelled', id: current.id });\n" }],
    mustFail: ['no request is cancelled twice'],
  },
  {
    name: 'server-logs-cancellation-as-failure',
    mistake: 'lets the AbortError of a cancelled sleep escape the stream, so every cancellation is logged as a failed request',
    edits: [{ file: 'server.ts', find: '      if (signal.aborted) return; // cancelled, or the client left: the AbortError is the expected way out\n', replace: '' }],
    mustFail: ['cancels the old one'],
  },
  {
    name: 'server-streams-to-a-closing-connection',
    mistake: 'relies on its abort signal alone, so it keeps timing words for a connection that is closing but whose "close" event has not come yet',
    edits: [{ file: 'server.ts', find: '    if (socket.readyState !== WebSocket.OPEN) return;\n', replace: '' }],
    mustFail: ['begun to close'],
  },
  {
    name: 'server-without-send-buffer-limit',
    mistake: 'drops limitSendBuffer(socket), so a client that sends " " and never reads makes its error frames pile up in the server\'s memory',
    edits: [{ file: 'server.ts', find: '    limitSendBuffer(socket);\n', replace: '' }],
    mustFail: ['never reads cannot make the server queue'],
  },
  {
    name: 'server-logs-raw-client-text',
    mistake: 'logs the sentence as it came, so a newline in it forges a log line and an escape code drives the terminal',
    edits: [{ file: 'server.ts', find: 'log(`Received: ${printable(request.text)}`);', replace: 'log(`Received: ${request.text}`);' }],
    mustFail: ['logs what a client sends'],
  },
  {
    name: 'client-ignores-cancelled',
    mistake: 'the client handles chunk, done and error but not "cancelled", so a cancelled translation leaves it waiting for ever',
    edits: [{ file: 'client.ts', find: "        case 'cancelled':\n          return finish(new Error('the server cancelled the translation'));\n", replace: '' }],
    mustFail: ['rejects when the server cancels the translation'],
  },
  {
    name: 'client-shows-other-requests',
    mistake: 'the client draws every chunk it gets, whatever its id, so frames of another request end up in its line',
    edits: [{ file: 'client.ts', find: '      if (frame.id !== id) return; // belongs to another request: not ours to show\n', replace: '' }],
    mustFail: ['ignores frames of another request'],
  },
] satisfies WrongSolution[];
