// The process run-checks.ts starts for every check run: vitest's Node API with an inline config,
// the checks (and so the learner's code) in a worker thread of this process. The parent owns the
// time limits and kills this whole process group when a run is over or stuck.
//
// Plain JavaScript on purpose: node starts it without a TypeScript loader. Under tsx's loader,
// importing vitest alone takes about four times as long, and this is the hot path of every
// `npm run check`. vitest itself transforms the TypeScript of the checks and lessons.
//
// Protocol (IPC, JSON): the parent sends { type: 'run', config } (see ChildConfig in
// run-checks.ts); it may come before or after vitest has loaded, so a child can be started ahead
// of time (launch.mjs does). When a check is stuck the parent sends { type: 'where' }, answered
// with { type: 'where', frames }: what each worker thread is executing. Everything else this
// process sends is a CheckEvent (events.ts).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(dirname(HERE));

// Listen before the slow import, so a request sent right after the fork is not missed.
let startRun;
const runRequested = new Promise((resolve) => { startRun = resolve; });
process.on('message', (message) => {
  if (message?.type === 'run') startRun(message);
  if (message?.type === 'where') void whereAreWorkers().then((frames) => send({ type: 'where', frames }), () => send({ type: 'where', frames: [] }));
});
// The parent is gone (killed, Ctrl+C): nobody will read the results, and nothing may outlive it.
process.on('disconnect', () => process.exit(0));

// setup.ts says when each check starts and ends, unbatched: forward at once (see setup.ts).
const checks = new BroadcastChannel('websocket-workbook:checks');
checks.unref();
checks.onmessage = (message) => send(message.data);

const pendingSends = new Set();
function send(event) {
  if (!process.connected) return;
  const sent = new Promise((resolve) => process.send(event, () => resolve()));
  pendingSends.add(sent);
  void sent.then(() => pendingSends.delete(sent));
}

function toInfo(error) {
  const info = { name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  if (typeof error?.stack === 'string') info.stack = error.stack;
  if (typeof error?.diff === 'string') info.diff = error.diff;
  if (typeof error?.VITEST_TEST_PATH === 'string') info.testPath = error.VITEST_TEST_PATH;
  // Compile errors (esbuild via vite) carry where they are and the offending lines.
  const file = error?.loc?.file ?? error?.id;
  if (typeof file === 'string' && typeof error?.loc?.line === 'number') {
    info.location = `${displayPath(file)}:${error.loc.line}:${(error.loc.column ?? 0) + 1}`;
  }
  if (typeof error?.frame === 'string' && error.frame.trim()) info.frame = error.frame;
  return info;
}

function displayPath(file) {
  const clean = file.replace(/[?#].*$/, '');
  return isAbsolute(clean) ? relative(ROOT, clean) : clean;
}

let vitest;
let ended = false;
const reporter = {
  onInit(ctx) { vitest = ctx; },
  onTestModuleQueued(module) { send({ type: 'file-start', file: module.moduleId }); },
  onTestModuleCollected(module) { send({ type: 'file-loaded', file: module.moduleId, checks: [...module.children.allTests()].length }); },
  onTestCaseReady(test) { send({ type: 'start', file: test.module.moduleId, name: test.name }); },
  onTestCaseResult(test) {
    const result = test.result();
    send({
      type: 'result',
      file: test.module.moduleId,
      name: test.name,
      state: result.state === 'pending' ? 'skipped' : result.state,
      durationMs: test.diagnostic()?.duration ?? 0,
      errors: (result.errors ?? []).map(toInfo),
    });
  },
  onTestModuleEnd(module) {
    const errors = module.errors();
    if (errors.length > 0) send({ type: 'file-error', file: module.moduleId, errors: errors.map(toInfo) });
    send({ type: 'file-end', file: module.moduleId });
  },
  onUserConsoleLog(log) {
    const task = log.taskId ? vitest?.state.idMap.get(log.taskId) : undefined;
    const file = task?.file?.filepath ?? task?.filepath;
    send({ type: 'log', file, check: task?.type === 'test' ? task.name : undefined, stream: log.type, text: String(log.content ?? '') });
  },
  onTestRunEnd(_modules, unhandled) {
    ended = true;
    send({ type: 'end', unhandled: unhandled.map(toInfo) });
  },
};

// Rewrites `await x` in *.check.ts files to `await __workbookAwait(x, "file:line\n  source")`, so a
// check that times out can say what it was still waiting for (setup.ts keeps the pending ones).
// Line structure is kept, so stack traces still point at the right lines.
const awaitSites = {
  name: 'workbook:await-sites-3',
  enforce: 'post',
  transform(code, id) {
    const file = id.replace(/[?#].*$/, '');
    if (!file.endsWith('.check.ts')) return null;
    let ast;
    let map;
    try {
      ast = this.parse(code);
      map = new SourceMap(this.getCombinedSourcemap());
    } catch {
      return null;
    }
    const sourceLines = readFileSync(file, 'utf8').split('\n');
    const lineStarts = [0];
    for (let i = 0; i < code.length; i += 1) if (code[i] === '\n') lineStarts.push(i + 1);
    const position = (offset) => {
      let low = 0;
      let high = lineStarts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (lineStarts[mid] <= offset) low = mid; else high = mid - 1;
      }
      return { line: low, column: offset - lineStarts[low] };
    };
    const awaits = [];
    const declarations = [];
    const visit = (node, depth) => {
      if (!node || typeof node.type !== 'string') return;
      let inner = depth;
      if (node.type === 'VariableDeclarator' && node.id?.type === 'Identifier' && node.init) declarations.push({ name: node.id.name, at: node.start });
      if (node.type === 'AwaitExpression' && node.argument) {
        awaits.push({ node, depth, name: node.argument.type === 'Identifier' ? node.argument.name : undefined });
        inner = depth + 1;
      }
      for (const key of Object.keys(node)) {
        const value = node[key];
        if (Array.isArray(value)) for (const child of value) visit(child, inner);
        else if (value && typeof value === 'object' && typeof value.type === 'string') visit(value, inner);
      }
    };
    visit(ast, 0);
    if (awaits.length === 0) return null;
    const originalLine = (offset) => {
      const { line, column } = position(offset);
      const entry = map.findEntry(line, column);
      return typeof entry?.originalLine === 'number' ? entry.originalLine : line;
    };
    const inserts = [];
    for (const { node, depth, name } of awaits) {
      const line = originalLine(node.start);
      let label = `${displayPath(file)}:${line + 1}\n  ${(sourceLines[line] ?? '').trim().slice(0, 160)}`;
      // `await done` says little; where `done` came from says what never finished.
      const declaration = name && declarations.filter((d) => d.name === name && d.at < node.start).at(-1);
      if (declaration) {
        const declared = originalLine(declaration.at);
        label += `\n  (${name} comes from line ${declared + 1}: ${(sourceLines[declared] ?? '').trim().slice(0, 160)})`;
      }
      inserts.push({ at: node.argument.start, text: '__workbookAwait(', depth, prefix: true });
      inserts.push({ at: node.argument.end, text: `, ${JSON.stringify(label)})`, depth, prefix: false });
    }
    // Apply from the end. At one position: an outer call's closing text goes outside the inner
    // one's (so it is inserted first); an outer call's opening text goes before the inner one's.
    inserts.sort((a, b) => b.at - a.at || (a.prefix === b.prefix ? (a.prefix ? b.depth - a.depth : a.depth - b.depth) : (a.prefix ? 1 : -1)));
    let out = code;
    for (const insert of inserts) out = out.slice(0, insert.at) + insert.text + out.slice(insert.at);
    return { code: out, map: null };
  },
};

/** Pauses every worker thread for a moment and returns the learner-side frames each was running. */
async function whereAreWorkers() {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  const workers = [];
  session.on('NodeWorker.attachedToWorker', ({ params }) => workers.push(params.sessionId));
  const scripts = new Map();
  const paused = new Map();
  let nextId = 0;
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    let message;
    try { message = JSON.parse(params.message); } catch { return; }
    if (message.method === 'Debugger.scriptParsed') scripts.set(`${params.sessionId}:${message.params.scriptId}`, message.params);
    if (message.method === 'Debugger.paused') paused.set(params.sessionId, message.params.callFrames);
  });
  const toWorker = (sessionId, method, params = {}) => post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id: ++nextId, method, params }) });
  try {
    await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const id of workers) {
      await toWorker(id, 'Debugger.enable');
      await toWorker(id, 'Debugger.pause');
    }
    // A busy worker pauses at once; an idle one only when it next runs JavaScript.
    const deadline = Date.now() + 1000;
    while (paused.size < workers.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const result = [];
    for (const [id, callFrames] of paused) {
      const frames = callFrames.map((frame) => originalFrame(scripts.get(`${id}:${frame.location.scriptId}`), frame)).filter(Boolean);
      result.push(frames);
      await toWorker(id, 'Debugger.resume').catch(() => {});
    }
    return result;
  } finally {
    session.disconnect();
  }
}

function originalFrame(script, frame) {
  const url = frame.url || script?.url || '';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (!file.startsWith('/') || file.includes('/node_modules/') || !file.startsWith(ROOT)) return undefined;
  let line = frame.location.lineNumber;
  let column = frame.location.columnNumber ?? 0;
  const sourceMapURL = script?.sourceMapURL ?? '';
  if (sourceMapURL.startsWith('data:')) {
    try {
      const payload = JSON.parse(Buffer.from(sourceMapURL.slice(sourceMapURL.indexOf(',') + 1), 'base64').toString('utf8'));
      const entry = new SourceMap(payload).findEntry(line, column);
      if (typeof entry?.originalLine === 'number') {
        line = entry.originalLine;
        column = entry.originalColumn;
      }
    } catch {
      // keep the generated position
    }
  }
  let source = '';
  try { source = (readFileSync(file, 'utf8').split('\n')[line] ?? '').trim(); } catch { /* unreadable */ }
  return { function: frame.functionName || '(top level)', file: relative(ROOT, file), line: line + 1, column: column + 1, source };
}

function pruneCache(dir) {
  // Cached modules are keyed by path and content: every edit adds entries. When there are too
  // many, drop the oldest, but only those untouched for a day: another run (watch mode, a second
  // terminal) may be reading a recent one right now, and vitest fails a file whose entry vanishes.
  try {
    if (!existsSync(dir)) return;
    const names = readdirSync(dir);
    if (names.length <= 1500) return;
    const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
    const aged = names.map((name) => {
      try { return { name, at: statSync(join(dir, name)).mtimeMs }; } catch { return { name, at: 0 }; }
    }).sort((a, b) => b.at - a.at);
    for (const { name, at } of aged.slice(1000)) if (at < dayAgo) rmSync(join(dir, name), { force: true, recursive: true });
  } catch {
    // a cache is optional
  }
}

async function main() {
  const { createVitest } = await import('vitest/node');
  const { config } = await runRequested;
  const cacheDir = config.cacheDir;
  if (cacheDir) pruneCache(cacheDir);
  if (config.stopAtFirstFailure) process.env.WORKBOOK_STOP_AT_FIRST_FAILURE = '1';
  // The learner's language, for every message the checks write (checks/runner/language.ts reads
  // it in each worker). Always set: a WORKBOOK_LANG inherited from the caller must not win.
  process.env.WORKBOOK_LANG = config.lang === 'zh-CN' ? 'zh-CN' : 'en';
  const ctx = await createVitest('test', {
    config: false,
    root: ROOT,
    include: config.include,
    // Mirrors checks/vitest.lessons.config.ts (kept for running vitest by hand), minus the cost
    // of loading a config file: this runs on every check.
    testTimeout: config.testTimeout ?? 15_000,
    hookTimeout: config.hookTimeout ?? 10_000,
    teardownTimeout: config.teardownTimeout ?? 5_000,
    // Threads start faster than forks, and let whereAreWorkers() pause a stuck one. The whole
    // process is still the parent's child, killed as a group.
    pool: 'threads',
    ...(config.maxWorkers ? { maxWorkers: config.maxWorkers } : {}),
    // variant-setup.ts: the contract's known-wrong copies run only their mustFail checks.
    setupFiles: [join(HERE, 'variant-setup.ts'), join(HERE, 'setup.ts')].filter((file) => existsSync(file)),
    reporters: [reporter],
    watch: false,
    passWithNoTests: true,
    ...(cacheDir ? { experimental: { fsModuleCache: true, fsModuleCachePath: cacheDir } } : {}),
  }, {
    plugins: [awaitSites],
    logLevel: 'silent',
  });
  await ctx.start();
  if (!ended) send({ type: 'end', unhandled: [] });
  await Promise.all(pendingSends);
  // No vitest.close(): the parent kills this process group as soon as it has the 'end' event.
  process.exit(0);
}

main().catch(async (error) => {
  send({ type: 'end', unhandled: [{ name: 'RunnerError', message: `the check runner failed: ${error?.stack ?? error}` }] });
  await Promise.all(pendingSends);
  process.exit(1);
});
