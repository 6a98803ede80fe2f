// Loaded before every check file by the check runner's vitest child (child.mjs).
// - Keeps the `await`s of *.check.ts files that are still pending (child.mjs rewrites each
//   `await x` to `await __workbookAwait(x, site)`), so a check that times out says where it was
//   waiting instead of vitest's bare "Test timed out".
// - With WORKBOOK_STOP_AT_FIRST_FAILURE (the overview), skips a file's remaining checks after its
//   first failure: "not done yet" is known by then.
// - Says when each check starts and ends on a BroadcastChannel that child.mjs forwards to the
//   parent at once. vitest's own reports are batched, and a worker stuck in an endless loop never
//   sends its last batch: without this, the parent would not know which check is stuck.
// - Beats (an 'alive' message) while this worker's event loop turns. The parent stops a run only
//   when a worker falls silent: code that never yields (an endless loop) is told apart from a
//   check that is merely slow on a busy machine, which the soft time limit handles.
import { BroadcastChannel } from 'node:worker_threads';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { failureMessage, t } from './language.ts';

declare global {
  // eslint-disable-next-line no-var
  var __workbookAwait: <T>(value: T, site: string) => T;
}

/** How often a worker says it is alive; the runner's hard limit is many beats long. */
const BEAT_MS = 250;

const pending = new Map<number, string>();
let nextId = 0;

globalThis.__workbookAwait = <T>(value: T, site: string): T => {
  if (!(value instanceof Promise)) return value;
  const id = nextId++;
  pending.set(id, site);
  const settled = (): void => { pending.delete(id); };
  // A second reaction on a native promise changes nothing for the code that awaits it.
  value.then(settled, settled);
  return value;
};

const stopAtFirstFailure = process.env.WORKBOOK_STOP_AT_FIRST_FAILURE === '1';
let fileFailed = false;

const channel = new BroadcastChannel('websocket-workbook:checks');
channel.unref();

// Each check file runs in a worker thread of its own, which loads this file first.
const checkFile = expect.getState().testPath;
const beat = (): void => channel.postMessage({ type: 'alive', file: checkFile });
beat(); // at once: the learner's files are imported next, and may never yield
setInterval(beat, BEAT_MS).unref();
let checkStarted = 0;

// Runs after the check file and the learner's files were imported, before any check: a server
// listening now was started by importing a file (top-level code), which a real program would do
// every time anything imports it. Not a failure, but worth saying.
beforeAll(() => {
  if (process.getActiveResourcesInfo().includes('TCPServerWrap')) {
    channel.postMessage({
      type: 'warning',
      file: checkFile,
      text: t('A server started listening when your files were imported, before any check ran. Code at the top level of a file runs on every import: start servers inside createServer (and only when the file is run as a program: the isMain(...) line at the end).',
        '你的文件一被 import，还没运行任何检查，就有服务器开始监听了。文件最外层的代码每次 import 都会执行：服务器要在 createServer 里启动（而且只在文件作为程序运行时才启动：见文件末尾那行 isMain(...)）。'),
    });
  }
});

// vitest reads the hooks' first parameter as fixtures: it must be destructured.
beforeEach(({ skip, task }) => {
  pending.clear();
  if (stopAtFirstFailure && fileFailed) skip(t('an earlier check of this lesson failed', '这一课前面的检查没通过'));
  checkStarted = performance.now();
  channel.postMessage({ type: 'running', file: task.file.filepath, name: task.name });
});

afterEach(({ task }) => {
  const result = task.result;
  if (result?.state === 'skip') return;
  const errors = result?.errors ?? [];
  if (result?.state === 'fail' || errors.length > 0) fileFailed = true;
  explainTimeout(errors[0]);
  channel.postMessage({
    type: 'check-done',
    file: task.file.filepath,
    name: task.name,
    state: errors.length > 0 ? 'failed' : 'passed',
    durationMs: performance.now() - checkStarted,
    errors: errors.map(({ name, message, stack, diff }) => ({ name: name ?? 'Error', message, stack, diff })),
  });
});

function explainTimeout(error: { name?: string; message: string; stack?: string } | undefined): void {
  const timedOut = error && /^Test timed out in (\d+)ms/.exec(error.message);
  if (!error || !timedOut) return;
  // The innermost pending await is the one the check is stuck on; the outer ones only wait for it.
  const sites = [...pending.values()];
  const site = sites.at(-1);
  const seconds = Number(timedOut[1]) / 1000;
  error.name = 'CheckFailure';
  error.message = failureMessage({
    expected: t(`the check to finish within ${seconds} s`, `检查在 ${seconds} 秒内结束`),
    actual: site ? t(`no end: it was still waiting at ${site}`, `没有结束：它还在等 ${site}`) : t('no end: it was still running', '没有结束：它还在运行'),
    hint: t('something there never finished: a promise that never resolves, or an event your code waits for ("open", "message", "close") that never comes. Every path of your code must resolve, reject or time out.',
      '那里有东西一直没完成：一个永远不 resolve 的 promise，或者你的代码在等一个永远不会来的事件（"open"、"message"、"close"）。代码的每条路径都必须 resolve、reject 或者超时。'),
  });
  error.stack = `${error.name}: ${error.message}`;
}
