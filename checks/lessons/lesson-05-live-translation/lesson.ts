// lesson-05: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-05',
  slug: 'live-translation',
  title: 'Live translation: streaming with an end and a cancel',
  titleZh: '实时翻译：有结尾、可取消的流',
  files: ['server.ts', 'client.ts'],
  hints: [
    'Start with TODO 1 in server.ts: translateWords splits the sentence on whitespace (no empty words) and looks each word up in TRANSLATIONS; a word the table does not know stays as it is (TRANSLATIONS.get(word) ?? word).',
    'streamTranslation is an async loop: for each word, await sleep(delayMs, undefined, { signal }) (the abortable one: a plain setTimeout promise cannot be stopped), return if the socket is no longer open, then send a {"type":"chunk"} frame; after the loop, send {"type":"done"}. That done frame is the end of the stream: the connection stays open for the next request. Catch the AbortError and return quietly when signal.aborted.',
    'Cancel for real: in cancelCurrent, call current.controller.abort() (the pending sleep rejects at once and its timer is cleared), send {"type":"cancelled","id":current.id}, then set current = undefined so nobody cancels it twice. In the "close" handler, abort too, so nothing keeps running for a client that has gone.',
    "In the client, call receiveTranslation before ws.send(text). Resolve on \"done\", not on \"close\": the server never closes after a translation, which is exactly why the seed's client hangs. A close before \"done\" is an error: reject.",
    'Redraw, do not append lines: for each chunk, out.write(`\\r${words.join(" ")}`). Print the newline only after "done", then `Translation complete!` and a newline.',
  ],
} satisfies Lesson;
