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
    "In the client, call receiveTranslation before ws.send(text). Resolve on \"done\", not on \"close\": the server never closes after a translation, which is exactly why the Python tutorial's client hangs. A close before \"done\" is an error: reject.",
    'Redraw, do not append lines: for each chunk, out.write(`\\r${words.join(" ")}`). Print the newline only after "done", then `Translation complete!` and a newline.',
  ],
  hintsZh: [
    '从 server.ts 的 TODO 1 开始：translateWords 按空白切分句子（不能出现空词），再逐词到 TRANSLATIONS 里查；表里没有的词原样保留（TRANSLATIONS.get(word) ?? word）。',
    'streamTranslation 是一个 async 循环：每个词先 await sleep(delayMs, undefined, { signal })（要用这个可中止的：普通的 setTimeout promise 停不下来），socket 不再打开就 return，然后发送一条 {"type":"chunk"} 帧；循环结束后发送 {"type":"done"}。这条 done 帧就是流的结尾：连接保持打开，留给下一个请求。捕获 AbortError，signal.aborted 时安静地 return。',
    '要真正取消：在 cancelCurrent 里调用 current.controller.abort()（挂起的 sleep 立刻 reject，它的定时器也被清除），发送 {"type":"cancelled","id":current.id}，再设 current = undefined，免得同一个请求被取消两次。"close" 处理函数里也要 abort，这样就不会有任何东西还在为已经离开的客户端运行。',
    '客户端里，要在 ws.send(text) 之前调用 receiveTranslation。收到 "done" 才 resolve，而不是等 "close"：服务器翻译完从不关闭连接，Python 教程的客户端正是因此卡住。在 "done" 之前关闭就是出错：reject。',
    '原地重绘，而不是追加新行：每个片段都 out.write(`\\r${words.join(" ")}`)。收到 "done" 之后才打印换行，接着打印 `Translation complete!` 和一个换行。',
  ],
} satisfies Lesson;
