// The served book against hostile pages, and against a hard death. The server runs as its own
// process, started the way `npm run book -- --serve` starts it, with an environment variable that
// every demo process (and anything those start) inherits: /proc/<pid>/environ finds them all, so
// the test can count them and see that none outlives the server, even after SIGKILL.
// No timing is asserted: the time limits below are only guards against a hang.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../checks/lessons.ts';
import { DEMO_ERROR_CODES, type DemoErrorCode } from '../serve/demo-protocol.ts';
import { CHANNEL_FD, CHILD_STDIO, LIFELINE_FD } from '../serve/protocol.ts';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MARKER = `WSBOOK_TEST_MARKER=${randomUUID()}`;
const outDir = join(ROOT, '.workbook', `book-hostile-test-${process.pid}`);
const hasProc = existsSync('/proc/self/environ');

/** Waits for `check` to hold, looking every 50 ms; fails after `limitMs` (a hang guard, not a timing claim). */
async function until(what: string | (() => string), check: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting, after ${limitMs / 1000} s, for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A process's state, parent and start time from /proc/<pid>/stat, or undefined when it is gone. */
function stat(pid: number): { state: string; ppid: number; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // "pid (comm) state ppid … starttime …": comm may hold spaces, so count from its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}
const living = (pid: number, start: string): boolean => {
  const now = stat(pid);
  return now !== undefined && now.start === start && now.state !== 'Z' && now.state !== 'X';
};

/**
 * Every live process that carries this test's marker in its environment. Walking /proc is not
 * atomic (a demo that ends early in the walk and the one started in its place late in it would
 * both be seen), so every process found is looked at twice more: one alive in both of those
 * passes was alive at the moment between them, with all the others kept.
 */
function marked(): { pid: number; cmd: string }[] {
  const found: { pid: number; start: string; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (!env.includes(MARKER)) continue;
      const before = stat(Number(name));
      if (!before) continue;
      found.push({ pid: Number(name), start: before.start, cmd: readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ') });
    } catch {
      // gone, or not ours to read
    }
  }
  const first = found.filter((p) => living(p.pid, p.start));
  return first.filter((p) => living(p.pid, p.start)).map(({ pid, cmd }) => ({ pid, cmd }));
}
const demoProcesses = (): number[] => marked().filter((p) => /book\/serve\/(play|echo)-child\.ts/.test(p.cmd)).map((p) => p.pid);

describe.runIf(hasProc)('the served book, under hostile pages and a hard death', () => {
  let server: ChildProcess;
  let port = 0;
  let origin = '';
  let output = '';
  const sessions = new Set<Session>();

  beforeAll(async () => {
    server = spawn(process.execPath, ['--import', TSX, join(ROOT, 'book', 'build.ts'), '--serve', '--port', '0', '--out', outDir], {
      cwd: ROOT,
      env: { ...process.env, [MARKER.split('=')[0]!]: MARKER.split('=')[1]!, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await until('the book server to say where it serves', () => {
      if (server.exitCode !== null) throw new Error(`the book server exited:\n${output}`);
      const match = /served at http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (match) port = Number(match[1]);
      return port > 0;
    }, 120_000);
    origin = `http://127.0.0.1:${port}`;
  }, 150_000);

  afterAll(async () => {
    for (const session of sessions) session.ws.terminate();
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    // The lifelines end every demo process with the server; wait for them, then clean up.
    await until('every demo process to end', () => marked().length === 0, 20_000).catch(() => undefined);
    for (const { pid } of marked()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(outDir, { recursive: true, force: true });
  }, 60_000);

  // A test that fails half-way must not leave its pages holding demo slots for the next one.
  afterEach(async () => {
    for (const session of sessions) session.ws.terminate();
    sessions.clear();
    await until('the demo processes of the last test to end', () => demoProcesses().length === 0, 20_000).catch(() => undefined);
  }, 30_000);

  /** A page's demo socket, with every message it received, in order. */
  class Session {
    readonly messages: Record<string, unknown>[] = [];
    closeCode: number | undefined;
    private constructor(readonly ws: WebSocket) {
      ws.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
      ws.on('close', (code) => (this.closeCode = code));
      ws.on('error', () => undefined);
    }
    static async open(): Promise<Session> {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/__book/demo`, { origin });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const session = new Session(ws);
      sessions.add(session);
      return session;
    }
    /** Sends and waits for the next message that matches. */
    async ask(data: string | Buffer, matches: (m: Record<string, unknown>) => boolean, binary = false): Promise<Record<string, unknown>> {
      const from = this.messages.length;
      this.ws.send(data, { binary });
      let found: Record<string, unknown> | undefined;
      await until(`a reply to ${JSON.stringify(String(data).slice(0, 80))}`, () => {
        if (this.closeCode !== undefined) throw new Error(`the demo socket closed (${this.closeCode})`);
        found = this.messages.slice(from).find(matches);
        return found !== undefined;
      }, 60_000);
      return found!;
    }
    async close(): Promise<void> {
      this.ws.close(1000);
      await until('the demo socket to close', () => this.closeCode !== undefined);
      sessions.delete(this);
    }
  }
  const isError = (m: Record<string, unknown>): boolean => m.type === 'error';
  const startEcho = (session: Session): Promise<Record<string, unknown>> =>
    session.ask(JSON.stringify({ type: 'echo-start', variant: 'solution' }), (m) => m.type === 'echo-ready' || isError(m) || m.type === 'echo-ended');
  /**
   * Starts an echo server where a slot is free. The last test's demo processes may be gone from
   * /proc a moment before the book server has reaped them and freed their slots: a refusal for
   * too many demos is asked again (bounded) until then.
   */
  const startEchoInFreeSlot = async (session: Session): Promise<Record<string, unknown>> => {
    let reply: Record<string, unknown> = {};
    await until(() => `a free demo slot; the last reply was ${JSON.stringify(reply)}`, async () => {
      reply = await startEcho(session);
      return reply.code !== 'too_many_demos';
    }, 20_000);
    return reply;
  };

  function get(path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  // What a hostile or broken page might send, and the documented code each one gets.
  const id3k = 'x'.repeat(3000);
  const hostile: [label: string, data: string | Buffer, code: DemoErrorCode][] = [
    ['null', 'null', 'bad_request'],
    ['an empty array', '[]', 'bad_request'],
    ['an array holding a request', '[{"type":"run","lesson":"lesson-01","variant":"solution"}]', 'bad_request'],
    ['a number', '42', 'bad_request'],
    ['an overflowing number', '-1e999', 'bad_request'],
    ['a string', '"run"', 'bad_request'],
    ['true', 'true', 'bad_request'],
    ['an empty object', '{}', 'bad_request'],
    ['a null type', '{"type":null}', 'bad_request'],
    ['a numeric type', '{"type":5}', 'bad_request'],
    ['an array type', '{"type":["run"]}', 'bad_request'],
    ['an object type', '{"type":{"toString":"run"}}', 'bad_request'],
    ['a type under __proto__', '{"__proto__":{"type":"run"}}', 'bad_request'],
    ['type constructor', '{"type":"constructor"}', 'unknown_type'],
    ['type __proto__', '{"type":"__proto__"}', 'unknown_type'],
    ['type toString', '{"type":"toString"}', 'unknown_type'],
    ['type RUN', '{"type":"RUN","lesson":"lesson-01","variant":"solution"}', 'unknown_type'],
    ['run without a lesson', '{"type":"run","variant":"solution"}', 'bad_request'],
    ['run with a null lesson', '{"type":"run","lesson":null,"variant":"solution"}', 'bad_request'],
    ['run with an array lesson', '{"type":"run","lesson":["lesson-01"],"variant":"solution"}', 'bad_request'],
    ['run with an object lesson', '{"type":"run","lesson":{"id":"lesson-01"},"variant":"solution"}', 'bad_request'],
    ['run without a variant', '{"type":"run","lesson":"lesson-01"}', 'bad_request'],
    ['run with an unknown variant', '{"type":"run","lesson":"lesson-01","variant":"both"}', 'bad_request'],
    ['run with a numeric variant', '{"type":"run","lesson":"lesson-01","variant":1}', 'bad_request'],
    ['run of a path', '{"type":"run","lesson":"../../etc/passwd","variant":"solution"}', 'unknown_lesson'],
    ['run of toString', '{"type":"run","lesson":"toString","variant":"solution"}', 'unknown_lesson'],
    ['run of a 3,000-character id', JSON.stringify({ type: 'run', lesson: id3k, variant: 'solution' }), 'unknown_lesson'],
    ['echo-start without a variant', '{"type":"echo-start"}', 'bad_request'],
    ['echo-start with a null variant', '{"type":"echo-start","variant":null}', 'bad_request'],
    ['not JSON', 'hello', 'bad_json'],
    ['an empty text', '', 'bad_json'],
    ['a cut-off object', '{"type":"run","lesson":', 'bad_json'],
    ['single quotes', "{'type':'run'}", 'bad_json'],
    ['a trailing comma', '{"type":"stop",}', 'bad_json'],
    ['a binary frame', Buffer.from([0x00, 0xff, 0x7b, 0x7d]), 'binary_not_supported'],
    ['JSON in a binary frame', Buffer.from('{"type":"stop"}'), 'binary_not_supported'],
  ];

  it('answers every hostile message with a documented error, and the same connection carries on', async () => {
    const session = await Session.open();
    const probe = JSON.stringify({ type: 'run', lesson: 'no-such-lesson', variant: 'solution' });
    for (const [label, data, code] of hostile) {
      const reply = await session.ask(data, isError, Buffer.isBuffer(data));
      expect(reply, label).toMatchObject({ type: 'error', code });
      expect(Object.keys(DEMO_ERROR_CODES), label).toContain(reply.code);
      // Bad input is not reflected back unbounded.
      expect(String(reply.message).length, label).toBeLessThan(200);
      // The connection is still usable: a request right after it is answered.
      expect(await session.ask(probe, isError), `after ${label}`).toMatchObject({ code: 'unknown_lesson', request: 'run' });
    }
    await session.close();
    expect(demoProcesses()).toEqual([]);
  }, 180_000);

  it('closes a connection with the proper code for a message over the limit (1009) and for text that is not UTF-8 (1007), and keeps serving', async () => {
    const big = await Session.open();
    big.ws.send(JSON.stringify({ type: 'run', lesson: 'x'.repeat(5000), variant: 'solution' }));
    await until('the oversized message to close its connection', () => big.closeCode !== undefined);
    expect(big.closeCode).toBe(1009);
    sessions.delete(big);

    const broken = await Session.open();
    // ws sends a Buffer as a text frame without checking it: 0xff is never valid UTF-8.
    broken.ws.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });
    await until('the invalid text to close its connection', () => broken.closeCode !== undefined);
    expect(broken.closeCode).toBe(1007);
    sessions.delete(broken);

    expect(server.exitCode).toBeNull();
    expect(await get('/')).toBe(200);
    const next = await Session.open();
    expect(await next.ask('null', isError)).toMatchObject({ code: 'bad_request' });
    await next.close();
  }, 60_000);

  it('keeps the demo processes bounded however many pages ask, and frees them when the pages go away', async () => {
    const pages = await Promise.all(Array.from({ length: 6 }, () => Session.open()));
    let most = 0;
    const sample = setInterval(() => (most = Math.max(most, demoProcesses().length)), 50);
    try {
      const replies = await Promise.all(pages.flatMap((page) => [
        page.ask(JSON.stringify({ type: 'run', lesson: 'lesson-03', variant: 'solution' }), (m) => m.type === 'started' || isError(m)),
        startEcho(page),
      ]));
      // Each request either started its demo or was refused with the documented code.
      const accepted = replies.filter((m) => m.type === 'started' || m.type === 'echo-ready');
      const refused = replies.filter((m) => m.code === 'too_many_demos');
      expect(accepted.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      expect(accepted.length + refused.length).toBe(replies.length);
      expect(demoProcesses().length).toBeLessThanOrEqual(4);
    } finally {
      clearInterval(sample);
    }
    expect(most).toBeLessThanOrEqual(4);
    await Promise.all(pages.map((page) => page.close()));
    await until('every demo process of the closed pages to end', () => demoProcesses().length === 0);
    expect(server.exitCode).toBeNull();
  }, 180_000);

  it("refuses a WebSocket to an echo server from any origin but the book's own", async () => {
    const session = await Session.open();
    const ready = await startEchoInFreeSlot(session);
    expect(ready).toMatchObject({ type: 'echo-ready' });
    const url = String(ready.url);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const echoPort = new URL(url).port;

    const attempt = (target: string, options: { origin?: string; headers?: Record<string, string> }): Promise<WebSocket | number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(target, options);
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
        });
        ws.once('error', reject);
      });
    expect(await attempt(url, { origin: 'http://evil.example' })).toBe(403);
    expect(await attempt(url, { origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    expect(await attempt(url, {})).toBe(403);
    // DNS rebinding: the right Origin cannot come with a foreign host name.
    expect(await attempt(url, { origin, headers: { host: `evil.example:${echoPort}` } })).toBe(403);

    for (const allowed of [origin, `http://localhost:${port}`]) {
      const ws = await attempt(url, { origin: allowed });
      expect(ws).toBeInstanceOf(WebSocket);
      const client = ws as WebSocket;
      const echoed = new Promise<string>((resolve) => client.once('message', (data: Buffer) => resolve(data.toString())));
      client.send('hi');
      expect(await echoed).toBe('Echo: hi');
      const closed = new Promise<number>((resolve) => client.once('close', resolve));
      client.close(1000);
      expect(await closed).toBe(1000);
    }
    await session.close();
    await until('the echo server to end with its page', () => demoProcesses().length === 0);
  }, 120_000);

  it("releases an echo server's slot when the page that started it goes away", async () => {
    const holders = await Promise.all(Array.from({ length: 4 }, () => Session.open()));
    const ready = await Promise.all(holders.map(startEchoInFreeSlot));
    expect(ready.map((m) => m.type)).toEqual(['echo-ready', 'echo-ready', 'echo-ready', 'echo-ready']);
    const late = await Session.open();
    expect(await startEcho(late)).toMatchObject({ type: 'error', code: 'too_many_demos', request: 'echo-start' });

    await holders[0]!.close();
    // Its echo server ends, and the slot is free for the next page (asked again until it is).
    let reply: Record<string, unknown> = {};
    await until('a free slot after the page closed', async () => {
      reply = await startEcho(late);
      return reply.type === 'echo-ready';
    }, 60_000);
    expect(reply.type).toBe('echo-ready');
    expect(demoProcesses().length).toBeLessThanOrEqual(4);
    await Promise.all([...holders.slice(1), late].map((page) => page.close()));
    await until('every echo server to end with its page', () => demoProcesses().length === 0);
  }, 180_000);

  it("ends a demo process whose main thread is stuck in a learner's endless loop when its lifeline closes", async () => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'book', 'tests', 'fixtures', 'stuck-child.ts')], {
      cwd: ROOT,
      stdio: [...CHILD_STDIO],
      detached: true,
    });
    try {
      let said = '';
      (child.stdio[CHANNEL_FD] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
      await until('the child to start spinning', () => said.includes('stuck'), 60_000);
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      // What the kernel does when the book server dies: its end of fd 4 closes.
      (child.stdio[LIFELINE_FD] as { destroy(): void } | null)?.destroy();
      await until('the stuck child to end', () => child.exitCode !== null || child.signalCode !== null);
      expect(await ended).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    }
  }, 90_000);

  it('leaves no demo process behind when the server itself is killed with SIGKILL', async () => {
    const first = await Session.open();
    const second = await Session.open();
    expect(await startEchoInFreeSlot(first)).toMatchObject({ type: 'echo-ready' });
    expect(await startEchoInFreeSlot(second)).toMatchObject({ type: 'echo-ready' });
    second.ws.send(JSON.stringify({ type: 'run', lesson: 'lesson-03', variant: 'solution' }));
    const before = marked().filter((p) => p.pid !== server.pid);
    expect(demoProcesses().length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeGreaterThanOrEqual(2);

    server.kill('SIGKILL');
    await until('the server to die', () => server.signalCode !== null);
    await until(() => `every process the server started to end; left: ${JSON.stringify(marked(), null, 1)}`, () => marked().length === 0, 15_000);
    expect(marked()).toEqual([]);
  }, 120_000);
});
