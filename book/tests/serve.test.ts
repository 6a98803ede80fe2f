// The served book: loopback only, files from the site folder only, demo socket only for the
// book's own pages, demos only of the lessons in the list.
import { request } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessonDir, lessons, ROOT } from '../../checks/lessons.ts';
import { lessonKey } from '../../checks/cli/status-cache.ts';
import { serveBook, type BookServer } from '../serve/server.ts';
import { buildBook } from '../src/site.ts';

const outDir = join(ROOT, '.workbook', `book-serve-test-${process.pid}`);
let server: BookServer;

beforeAll(async () => {
  buildBook({ outDir });
  server = await serveBook({ outDir, port: 0, log: () => undefined, demoLimitMs: 15_000 });
});
afterAll(async () => {
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the demo socket with the given Origin; resolves with the HTTP status if it is refused. */
function demoSocket(origin: string | undefined): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/__book/demo`, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" message within 20 s`)), 20_000);
    const onMessage = (data: Buffer): void => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.type !== type) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
  });
}

describe('the book server', () => {
  it('listens on 127.0.0.1 and serves the built pages', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<html lang="en">');
    expect(String(index.headers['content-security-policy'])).toContain("default-src 'self'");
    expect((await get('/__book/info')).body).toContain('"demos":true');
  });

  it('serves nothing outside the site folder', async () => {
    expect((await get('/../../package.json')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await get('/nope.html')).status).toBe(404);
  });

  it("answers an address the book does not have with its 404 page, in the reader's language, from any depth", async () => {
    const missing = await get('/no-such-lesson.html');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('Page not found');
    expect(String(missing.headers['content-security-policy'])).toContain("default-src 'self'");
    // Its links work from any depth: they start at the root.
    const deep = await get('/a/b/c');
    expect(deep.status).toBe(404);
    expect(deep.body).toContain('href="/assets/book.css"');
    expect(deep.body).toContain('src="/assets/book.js"');
    expect(deep.body).not.toMatch(/\s(href|src)="(?![a-z]+:|[#/])/);
    expect((await get('/lesson-99.zh-CN.html')).body).toContain('<html lang="zh-CN">');
    // Anything but a page gets a plain 404.
    const asset = await get('/assets/nope.js');
    expect(asset.status).toBe(404);
    expect(asset.body).not.toContain('<html');
  });

  it("answers /__book/progress with the check runner's results, live, for the files as they are now", async () => {
    const state = join(ROOT, '.workbook', `book-serve-state-${process.pid}.json`);
    mkdirSync(join(ROOT, '.workbook'), { recursive: true });
    const before = process.env.WORKBOOK_STATE;
    process.env.WORKBOOK_STATE = state;
    try {
      const [first, second, third] = lessons.map(lessonDir);
      const write = (): void => writeFileSync(state, JSON.stringify({ statuses: {
        [first!]: { key: lessonKey(first!), state: 'done', passedChecks: 4 },
        [second!]: { key: lessonKey(second!), state: 'started', passedChecks: 1 },
        [third!]: { key: 'an-older-version-of-its-files', state: 'done', passedChecks: 6 },
      } }));
      // Others may be editing the lessons' files (which the keys hash): write afresh until it holds.
      let progress: Record<string, string> = {};
      for (let i = 0; i < 5 && progress[lessons[0]!.id] !== 'done'; i++) {
        write();
        const answer = await get('/__book/progress');
        expect(answer.status).toBe(200);
        expect(String(answer.headers['content-type'])).toContain('application/json');
        expect(String(answer.headers['cache-control'])).toBe('no-store');
        progress = JSON.parse(answer.body) as Record<string, string>;
      }
      expect(Object.keys(progress).sort()).toEqual(lessons.map((l) => l.id).sort());
      expect(progress[lessons[0]!.id]).toBe('done');
      expect(progress[lessons[1]!.id]).toBe('started');
      expect(progress[lessons[2]!.id], 'a result for other files does not count').toBe('unchecked');
      writeFileSync(state, JSON.stringify({ statuses: {} }));
      expect(JSON.parse((await get('/__book/progress')).body)[lessons[0]!.id]).toBe('unchecked');
      expect((await get('/__book/progress', { host: 'evil.example:80' })).status).toBe(421);
    } finally {
      rmSync(state, { force: true });
      if (before === undefined) delete process.env.WORKBOOK_STATE;
      else process.env.WORKBOOK_STATE = before;
    }
  });

  it('answers only to its own host name (no DNS rebinding)', async () => {
    expect((await get('/', { host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses the demo socket to pages from any other origin', async () => {
    expect(await demoSocket('http://evil.example')).toBe(403);
    expect(await demoSocket(`http://127.0.0.1:${server.port + 1}`)).toBe(403);
    expect(await demoSocket(undefined)).toBe(403);
  });

  it('runs only lessons from the list, by id', async () => {
    const ws = (await demoSocket(`http://127.0.0.1:${server.port}`)) as WebSocket;
    try {
      const reply = nextMessage(ws, 'error');
      ws.send(JSON.stringify({ type: 'run', lesson: '../../etc', variant: 'solution' }));
      expect((await reply).message).toMatch(/unknown lesson/i);
    } finally {
      ws.close();
    }
  });

  it("runs lesson 01's reference pair in a child process and streams its transcript", async () => {
    const ws = (await demoSocket(`http://127.0.0.1:${server.port}`)) as WebSocket;
    try {
      const events: { side: string; text: string }[] = [];
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string; side: string; text: string };
        if (m.type === 'event') events.push(m);
      });
      const end = nextMessage(ws, 'end');
      ws.send(JSON.stringify({ type: 'run', lesson: 'lesson-01', variant: 'solution' }));
      expect(await end).toMatchObject({ ok: true });
      expect(events).toContainEqual(expect.objectContaining({ side: 'client', text: 'Received: Echo: Hello WebSocket!\n' }));
    } finally {
      ws.close();
    }
  });

  it('answers a message that is not a request with a documented error, and the connection carries on', async () => {
    const ws = (await demoSocket(`http://127.0.0.1:${server.port}`)) as WebSocket;
    try {
      for (const [text, code] of [['null', 'bad_request'], ['[]', 'bad_request'], ['{"type":"constructor"}', 'unknown_type'], ['{', 'bad_json']]) {
        const reply = nextMessage(ws, 'error');
        ws.send(text!);
        expect(await reply, text).toMatchObject({ code, request: null });
      }
      const reply = nextMessage(ws, 'error');
      ws.send(JSON.stringify({ type: 'run', lesson: 'nope', variant: 'solution' }));
      expect(await reply).toMatchObject({ code: 'unknown_lesson', request: 'run' });
    } finally {
      ws.close();
    }
  });

  it("drops a page that stops answering pings, and ends the echo server it started", async () => {
    const quick = await serveBook({ outDir, port: 0, log: () => undefined, heartbeatMs: 250 });
    try {
      // The page answers pings until its echo server runs, then goes silent (its connection died unseen).
      let answering = true;
      const ws = new WebSocket(`ws://127.0.0.1:${quick.port}/__book/demo`, { origin: `http://127.0.0.1:${quick.port}`, autoPong: false });
      ws.on('ping', () => {
        if (answering) ws.pong();
      });
      ws.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      const ready = nextMessage(ws, 'echo-ready');
      ws.send(JSON.stringify({ type: 'echo-start', variant: 'solution' }));
      await ready;
      expect(quick.demos()).toBe(1);
      answering = false;
      await closed;
      const deadline = Date.now() + 20_000;
      while (quick.demos() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(quick.demos()).toBe(0);
    } finally {
      await quick.close();
    }
  }, 60_000);
});
