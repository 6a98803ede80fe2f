// Any standard WebSocket client must be able to talk to a lesson's server. These run the seed's
// own Python `websockets` clients (checks/lessons/<lesson>/interop.py, Debian's python3-websockets)
// against the reference solutions' servers. CI installs the package; elsewhere, a missing
// package is reported plainly and the test is skipped, never counted as a pass.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { findLesson, lessonMetaDir, ROOT, solutionDir } from './lessons.ts';
import type { ServerFactory } from '../lib/program.ts';

const PYTHON = '/usr/bin/python3';

function pythonWebsockets(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import websockets'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = pythonWebsockets();
if (!available) {
  const message = 'Interop tests NOT run: Debian\'s python3-websockets is not installed (apt-get install python3-websockets).';
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

/** Lesson → server options and the exact output of its Python client. */
const cases: { lesson: string; server?: string; options?: Record<string, unknown>; stdout: string }[] = [
  { lesson: 'lesson-01', stdout: 'Received: Echo: Hello WebSocket!\nReceived: Echo: 你好，世界 👋🏽\nReceived: Echo: ' },
  { lesson: 'lesson-02', stdout: 'Server replied: Server reply: Message 1\nServer replied: Server reply: Message 2\nServer replied: Server reply: Message 3' },
  { lesson: 'lesson-03', options: { delayMs: 20 }, stdout: 'Receiving stream:\n春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。' },
  // Lesson 04's server is given, not a learner file: it lives in lessons/ only.
  { lesson: 'lesson-04', server: 'lessons/lesson-04-async-pitfalls/greeter-server.ts', stdout: 'Greeting: Welcome! Send me a message and I will answer it.\nReceived: Server reply: Hello WebSocket!' },
  { lesson: 'lesson-05', options: { delayMs: 10 }, stdout: '你好 世界 这 是 一个 测试\n这 是 一个 WebSocket\nTranslation complete!' },
  { lesson: 'lesson-06', stdout: "subprotocol: workbook.v1\npy-1 {'sum': 5}\nerror bad_json None\nbinary_not_supported\npy-2" },
  { lesson: 'lesson-07', options: { heartbeatMs: 150 }, stdout: 'Welcome, peer #1\nEcho: still here' },
  { lesson: 'lesson-08', stdout: "c1 recv ['c1: hi', 'c2: hi']\nc2 recv ['c1: hi', 'c2: hi']" },
  { lesson: 'lesson-09', stdout: "alice welcome ['py-alice']\nbob welcome ['py-alice', 'py-bob']\nalice {'type': 'joined', 'name': 'py-bob'}\nmimic error name_taken\nalice chat py-bob hi\nalice {'type': 'left', 'name': 'py-bob'}" },
  { lesson: 'lesson-10', stdout: "py-alice joined lobby ['py-alice']\npy-bob joined lobby ['py-alice', 'py-bob']\npy-bob joined games ['py-bob']\npy-alice {'type': 'member_joined', 'room': 'lobby', 'name': 'py-bob'}\npy-carol joined games ['py-bob', 'py-carol']\npy-bob {'type': 'member_joined', 'room': 'games', 'name': 'py-carol'}\npy-carol games py-bob hi games\npy-bob games py-bob hi games\npy-alice lobby py-alice hi lobby\npy-bob {'type': 'chat', 'room': 'lobby', 'from': 'py-alice', 'text': 'hi lobby'}\npy-bob {'type': 'member_left', 'room': 'games', 'name': 'py-carol'}\npy-alice {'type': 'member_left', 'room': 'lobby', 'name': 'py-bob'}" },
  { lesson: 'lesson-11', stdout: 'Welcome, py-alice\npy-alice: hello from Python\nno token refused 401\nforged token refused 401\nexpired token refused 401\nforeign page refused 403' },
];

let running: WebSocketServer | undefined;
afterEach(async () => {
  if (!running) return;
  for (const client of running.clients) client.terminate();
  await new Promise((resolve) => running?.close(resolve));
  running = undefined;
});

describe.runIf(available)('the seed\'s Python clients against the solutions', () => {
  it.each(cases)('$lesson', async ({ lesson: id, server, options, stdout }) => {
    const lesson = findLesson(id);
    if (!lesson) throw new Error(`no ${id}`);
    const script = join(lessonMetaDir(lesson), 'interop.py');
    expect(existsSync(script), script).toBe(true);
    const serverFile = server ? join(ROOT, server) : join(solutionDir(lesson), 'server.ts');
    const { createServer } = (await import(pathToFileURL(serverFile).href)) as { createServer: ServerFactory };
    const wss = createServer({ ...options, host: '127.0.0.1', port: 0, log: () => {} });
    running = wss;
    await new Promise((resolve, reject) => { wss.once('listening', resolve); wss.once('error', reject); });
    const { port } = wss.address() as { port: number };
    const result = await execa(PYTHON, [script, `ws://127.0.0.1:${port}`], { reject: false, timeout: 20_000, env: { PYTHONIOENCODING: 'utf-8' } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(stdout);
    expect(result.exitCode).toBe(0);
  });
});
