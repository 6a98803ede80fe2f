// Lesson files run as real programs: the seed's "start the server, then run the client" flow.
import { execa } from 'execa';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ROOT } from '../checks/lessons.ts';
import { closedPort } from '../checks/ports.ts';
import { DEFAULT_PORT, parseServerArgs } from './program.ts';

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const SERVER = join(ROOT, 'solutions', 'lesson-01-echo', 'server.ts');
const CLIENT = join(ROOT, 'solutions', 'lesson-01-echo', 'client.ts');

describe('parseServerArgs', () => {
  it('defaults to 127.0.0.1:8765', () => {
    expect(parseServerArgs([], {})).toEqual({ host: '127.0.0.1', port: DEFAULT_PORT });
  });
  it('takes --port and --host, and PORT/HOST from the environment', () => {
    expect(parseServerArgs(['--port', '9000', '--host', '0.0.0.0'], {})).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseServerArgs([], { PORT: '9001', HOST: '::1' })).toEqual({ host: '::1', port: 9001 });
    expect(parseServerArgs(['--port', '9002'], { PORT: '9001' })).toEqual({ host: '127.0.0.1', port: 9002 });
  });
  it('rejects a port that is not a port', () => {
    expect(() => parseServerArgs(['--port', 'eighty'], {})).toThrow(/--port must be a whole number/);
    expect(() => parseServerArgs(['--port', '70000'], {})).toThrow(/--port/);
  });
});

describe('a lesson server run as a program', () => {
  it('listens where --port says, answers any client, and stops on SIGTERM', async () => {
    const server = execa(TSX, [SERVER, '--port', '0'], { cwd: ROOT, reject: false, buffer: false });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let seen = '';
        const timer = setTimeout(() => reject(new Error(`no "listening" line, got: ${seen}`)), 15_000);
        server.stdout?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const match = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
      });
      const ws = new WebSocket(`ws://127.0.0.1:${port}`);
      await once(ws, 'open');
      ws.send('from a plain ws client');
      const [reply] = await once(ws, 'message');
      expect(String(reply)).toBe('Echo: from a plain ws client');
      ws.close(1000);
      await once(ws, 'close');

      const client = await execa(TSX, [CLIENT, `ws://127.0.0.1:${port}`], { cwd: ROOT, reject: false, timeout: 15_000 });
      expect(client.stdout).toBe('Received: Echo: Hello WebSocket!');
      expect(client.exitCode).toBe(0);
    } finally {
      server.kill('SIGTERM');
      const result = await server;
      expect(result.signal === 'SIGTERM' || result.exitCode === 0).toBe(true);
    }
  });

  it('a client pointed at nothing says so plainly and exits 1', async () => {
    const port = await closedPort();
    const client = await execa(TSX, [CLIENT, `ws://127.0.0.1:${port}`], { cwd: ROOT, reject: false, timeout: 15_000 });
    expect(client.exitCode).toBe(1);
    expect(client.stderr).toContain('ECONNREFUSED');
    expect(client.stderr).toContain('Is the server running?');
  });
});
