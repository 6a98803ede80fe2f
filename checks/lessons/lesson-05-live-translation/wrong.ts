// Known-wrong solutions for lesson 05: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  {
    name: 'server-without-end-of-stream',
    mistake: 'streams the words but never says the translation is over (the seed\'s server): the client waits forever',
    edits: [{ file: 'server.ts', find: "    send(socket, { type: 'done', id });\n", replace: '' }],
    mustFail: ['one chunk per word, then "done"', 'ends each translation with "done"', 'several requests on one connection'],
  },
  {
    name: 'server-closes-instead-of-done',
    mistake: 'ends the stream by closing the connection (as lesson 03 did), so one connection serves only one request',
    edits: [{ file: 'server.ts', find: "    send(socket, { type: 'done', id });\n", replace: "    socket.close(1000, 'translation complete');\n" }],
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
      { file: 'server.ts', find: 'if (signal.aborted || socket.readyState !== WebSocket.OPEN) return;', replace: 'if (signal.aborted) return;' },
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
    mistake: 'ignores "done" and treats the close as the end of the translation (the seed\'s client): it hangs against a server that keeps the connection open',
    edits: [
      { file: 'client.ts', find: "          return finish(undefined, words.join(' '));\n", replace: '          return;\n' },
      { file: 'client.ts', find: 'const onClose = (code: number): void => finish(new Error(`the connection closed (code ${code}) before the translation was complete`));', replace: "const onClose = (): void => finish(undefined, words.join(' '));" },
    ],
    mustFail: ['without waiting for the server to close', 'redraws one line and ends with', 'rejects, instead of hanging'],
  },
  {
    name: 'client-treats-a-close-as-success',
    mistake: 'finishes on "done" but also reports success when the connection drops mid-translation',
    edits: [{ file: 'client.ts', find: 'const onClose = (code: number): void => finish(new Error(`the connection closed (code ${code}) before the translation was complete`));', replace: "const onClose = (): void => finish(undefined, words.join(' '));" }],
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
] satisfies WrongSolution[];
