// `npm run book -- --serve`: serves the built book on 127.0.0.1 only, rebuilds it when a lesson
// changes, and runs the live demos. A demo runs the lesson's own server and client in a child
// process (book/serve/play-child.ts) with a time limit, so a learner's hanging code cannot wedge
// this server; the page asks for it over a WebSocket whose Origin and Host are checked.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { lessons, ROOT } from '../../checks/lessons.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import { demoError, MAX_REQUEST_BYTES, parseDemoRequest, type Variant } from './demo-protocol.ts';
import { CHANNEL_FD, CHILD_STDIO, LIFELINE_FD, parseChildMessage, type ChildMessage } from './protocol.ts';
import { clearIncludeCache } from '../src/markdown.ts';
import { buildBook, notFoundPage, type BuildResult } from '../src/site.ts';
import { learnerProgress, type Progress } from '../src/progress.ts';
import { THEME_SCRIPT_SOURCE } from '../src/templates.ts';

export interface ServeOptions {
  outDir: string;
  /** 0 lets the system choose (the tests do). */
  port?: number;
  /** Rebuild when lessons, solutions or the book's assets change. */
  watch?: boolean;
  onRebuild?: (result: BuildResult) => void;
  log?: (line: string) => void;
  /** Time limit of one demo run. */
  demoLimitMs?: number;
  /** How often each page's demo socket is pinged; a page that misses a ping is dropped. */
  heartbeatMs?: number;
}

export interface BookServer {
  url: string;
  port: number;
  /** How many demo processes run now (at most four). */
  demos(): number;
  close(): Promise<void>;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PLAY_CHILD = join(HERE, 'play-child.ts');
const ECHO_CHILD = join(HERE, 'echo-child.ts');
// The tsx loader, so the children run the lessons' TypeScript as `npx tsx` would.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** At most this many demo processes at once, across all pages. */
const MAX_CHILDREN = 4;
/** Transcript bytes forwarded per run: a learner's runaway loop must not flood the page. */
const MAX_RUN_BYTES = 512 * 1024;
/** Past this much queued for a page, transcript and echo logs are no longer sent to it. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/** An echo server a page started stops after this long, or when the page goes away. */
const ECHO_LIMIT_MS = 10 * 60_000;
const TOO_MANY = 'Too many demos are running; try again in a moment.';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.gif': 'image/gif', '.webp': 'image/webp', '.txt': 'text/plain; charset=utf-8',
};

export async function serveBook(options: ServeOptions): Promise<BookServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const outDir = resolve(options.outDir);
  const children = new Set<ChildProcess>();
  const lessonIds = lessons.map((l) => l.id);
  const demoLimitMs = options.demoLimitMs ?? 20_000;
  let port = 0;

  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = (): Set<string> => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const themeHash = createHash('sha256').update(THEME_SCRIPT_SOURCE).digest('base64');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${themeHash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    // The page talks to the book server and, on lesson 01, to the echo server on another loopback port.
    `connect-src 'self' ws://127.0.0.1:* ws://localhost:*`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const pageHeaders = {
    'x-content-type-options': 'nosniff',
    'content-security-policy': csp,
    'referrer-policy': 'no-referrer',
  };

  const http = createServer((req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return plain(res, 421, 'This server answers only to 127.0.0.1 and localhost.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/__book/info') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ demos: true, progress: true, lessons: lessons.map((l) => l.id) }));
      return;
    }
    if (url.pathname === '/__book/progress') {
      // The learner's results, live: what `npm run check` last said about each lesson, while
      // the lesson's files are still the ones it checked (book/src/progress.ts).
      let progress: Progress;
      try {
        progress = learnerProgress();
      } catch {
        return plain(res, 500, 'Cannot read the check results');
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(progress));
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return plain(res, 400, 'Bad path');
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(outDir, path));
    if (!file.startsWith(outDir + sep) || !existsSync(file) || !statSync(file).isFile()) return notFound(req, res, path);
    res.writeHead(200, {
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      ...pageHeaders,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });

  /** A page for an address the book does not have (a plain 404 for anything but a page). */
  function notFound(req: IncomingMessage, res: ServerResponse, path: string): void {
    const ext = extname(path).toLowerCase();
    const zh = path.includes('.zh-CN') || /^zh\b/i.test(req.headers['accept-language'] ?? '');
    const page = join(outDir, notFoundPage(zh ? 'zh-CN' : 'en'));
    if ((ext !== '' && ext !== '.html') || !existsSync(page)) return plain(res, 404, 'Not found');
    // The page's links are relative to the book's folder; it may answer /a/b/c, so make them
    // relative to the root (a <base> element would need a looser Content-Security-Policy).
    const html = readFileSync(page, 'utf8').replace(/(\s(?:href|src))="(?![a-z][a-z0-9+.-]*:|[#/])/gi, '$1="/');
    res.writeHead(404, { 'content-type': TYPES['.html']!, 'cache-control': 'no-cache', ...pageHeaders });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    // Only pages of this book may start demos: a web page elsewhere (or a DNS-rebinding attack)
    // cannot, because the browser sends its real Origin and Host.
    if (path !== '/__book/demo' || !allowedHosts().has(req.headers.host ?? '') || !allowedOrigins().has(req.headers.origin ?? '')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => demoSession(ws));
  });

  // A page's connection that died without a close (nothing more ever arrives, not even a FIN)
  // would hold what the page started until its time limit: ping every page (the browser answers
  // by itself, even in a background tab), and drop one that did not answer the last ping.
  const alive = new WeakMap<WebSocket, boolean>();
  const heartbeat = setInterval(() => {
    for (const client of wss.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  function spawnChild(script: string, args: string[]): ChildProcess | undefined {
    if (children.size >= MAX_CHILDREN) return undefined;
    const child = spawn(process.execPath, ['--import', TSX, script, ...args], {
      cwd: ROOT,
      // fd 3: the child's messages; fd 4: its lifeline, held only here (protocol.ts).
      stdio: [...CHILD_STDIO],
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      detached: process.platform !== 'win32',
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.once('error', () => children.delete(child));
    (child.stdio[LIFELINE_FD] as NodeJS.ReadableStream | null)?.on('error', () => undefined);
    return child;
  }

  function kill(child: ChildProcess | undefined): void {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    try {
      // The child leads its own process group: end it and anything it started.
      if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }

  /** Reads the child's fd-3 messages, and its stray stdout/stderr lines as notes. */
  function listen(child: ChildProcess, onMessage: (message: ChildMessage) => void, onStray: (line: string) => void): void {
    const lines = (stream: NodeJS.ReadableStream | null | undefined, each: (line: string) => void): void => {
      if (!stream) return;
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n')) >= 0) {
          each(buffer.slice(0, at));
          buffer = buffer.slice(at + 1);
        }
        if (buffer.length > 64 * 1024) {
          each(buffer);
          buffer = '';
        }
      });
      stream.on('error', () => undefined);
    };
    lines(child.stdio[CHANNEL_FD] as NodeJS.ReadableStream | null, (line) => {
      // The lesson's code runs in the child and could write anything on fd 3: checked, never trusted.
      const message = parseChildMessage(line);
      if (message) onMessage(message);
      else onStray(line);
    });
    lines(child.stdout, onStray);
    lines(child.stderr, onStray);
  }

  function demoSession(ws: WebSocket): void {
    let run: ChildProcess | undefined;
    let echo: ChildProcess | undefined;
    let closed = false;
    const send = (message: object): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    /** Sends unless replies already pile up unread (a page that floods and never reads). */
    const sendSome = (message: object): void => {
      if (ws.bufferedAmount <= MAX_QUEUED_BYTES) send(message);
    };
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    // A page that sends and never reads gets no more work from us (lesson 02).
    limitSendBuffer(ws);
    // 1009 (too big) and 1007 (not UTF-8) arrive here; ws closes the connection by itself.
    ws.on('error', () => undefined);
    // The page went away: so does everything it started, and their demo slots are free again.
    ws.on('close', () => {
      closed = true;
      kill(run);
      kill(echo);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const parsed = parseDemoRequest(data, isBinary, lessonIds);
      if (!parsed.ok) return sendSome(parsed.error);
      const request = parsed.request;
      switch (request.type) {
        case 'run': return startRun(request.lesson, request.variant);
        case 'stop': return kill(run);
        case 'echo-start': return startEcho(request.variant);
        case 'echo-stop': return kill(echo);
      }
    });

    function startRun(lessonId: string, variant: Variant): void {
      if (run) return sendSome(demoError('busy', 'run', 'A demo is already running on this page.'));
      const child = closed ? undefined : spawnChild(PLAY_CHILD, [lessonId, variant, String(demoLimitMs)]);
      if (!child) return sendSome(demoError('too_many_demos', 'run', TOO_MANY));
      run = child;
      let ended = false;
      let bytes = 0;
      const end = (ok: boolean, text: string): void => {
        if (ended) return;
        ended = true;
        send({ type: 'end', ok, message: text });
      };
      const forward = (event: { type: 'event'; text: string; side: string; at: number }): void => {
        bytes += event.text.length;
        if (bytes > MAX_RUN_BYTES || ws.bufferedAmount > MAX_QUEUED_BYTES) {
          end(false, 'stopped: the demo printed too much');
          kill(child);
          return;
        }
        send(event);
      };
      const limit = setTimeout(() => {
        end(false, `stopped after ${Math.round(demoLimitMs / 1000)} s`);
        kill(child);
      }, demoLimitMs + 5000);
      listen(child, (m) => {
        if (m.type === 'event') forward({ type: 'event', side: m.side, text: m.text, at: m.at });
        else if (m.type === 'end') end(m.ok, m.message);
      }, (line) => forward({ type: 'event', side: 'note', text: `${line}\n`, at: -1 }));
      const gone = (text: string): void => {
        clearTimeout(limit);
        if (run === child) run = undefined;
        end(false, text);
      };
      child.once('exit', (code, signal) => gone(signal ? 'stopped' : `the demo process exited with code ${code}`));
      child.once('error', (error) => gone(`the demo process could not start: ${error.message}`));
      send({ type: 'started', lesson: lessonId, variant });
      log(`demo: ${lessonId} (${variant})`);
    }

    function startEcho(variant: Variant): void {
      if (echo) return sendSome(demoError('busy', 'echo-start', 'The echo server is already running.'));
      const child = closed ? undefined : spawnChild(ECHO_CHILD, [variant, String(ECHO_LIMIT_MS), ...allowedOrigins()]);
      if (!child) return sendSome(demoError('too_many_demos', 'echo-start', TOO_MANY));
      echo = child;
      let said = false;
      const echoLog = (text: string): void => sendSome({ type: 'echo-log', text: text.length > 2000 ? `${text.slice(0, 2000)}…` : text });
      listen(child, (m) => {
        // The page connects to the port the child names, on loopback: the child cannot send it elsewhere.
        if (m.type === 'ready') send({ type: 'echo-ready', url: `ws://127.0.0.1:${m.port}` });
        else if (m.type === 'log') echoLog(m.text);
        else if (m.type === 'crash') {
          said = true;
          send({ type: 'echo-ended', message: m.message });
        }
      }, echoLog);
      const gone = (text: string): void => {
        if (echo === child) echo = undefined;
        if (!said) send({ type: 'echo-ended', message: text });
        said = true;
      };
      child.once('exit', () => gone('The server stopped.'));
      child.once('error', (error) => gone(`The server could not start: ${error.message}`));
      log(`demo: the echo server (${variant})`);
    }
  }

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 4173, '127.0.0.1', () => resolveListen());
  });
  const address = http.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/`;

  let watcher: { close(): Promise<void> } | undefined;
  if (options.watch) {
    const { watch } = await import('chokidar');
    let timer: NodeJS.Timeout | undefined;
    const w = watch([join(ROOT, 'lessons'), join(ROOT, 'solutions'), join(ROOT, 'book', 'assets')], {
      ignoreInitial: true,
      ignored: (path: string) => /[\\/](node_modules|\.workbook|\.git)([\\/]|$)/.test(path),
    });
    w.on('all', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        clearIncludeCache();
        try {
          const result = buildBook({ outDir });
          log(`rebuilt after a change (${Math.round(result.ms)} ms)`);
          options.onRebuild?.(result);
        } catch (error) {
          log(`rebuild failed: ${(error as Error).message}`);
        }
      }, 150);
    });
    w.on('error', () => undefined);
    watcher = w;
  }

  log(`The book is served at ${url}  (live demos on; 127.0.0.1 only; Ctrl+C to stop)`);
  const close = async (): Promise<void> => {
    clearInterval(heartbeat);
    for (const child of children) kill(child);
    for (const client of wss.clients) client.close(1001, 'the book server is shutting down');
    for (const client of wss.clients) client.terminate();
    await watcher?.close();
    await new Promise<void>((done) => {
      http.close(() => done());
      http.closeAllConnections();
    });
  };
  return { url, port, demos: () => children.size, close };
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
