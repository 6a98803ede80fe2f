import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { tcpSocket } from '../checks/harness.ts';
import { limitSendBuffer, type SendBufferLimits } from './send-buffer.ts';
import { printable } from './printable.ts';

const open: { close(): void }[] = [];
afterEach(() => { for (const thing of open.splice(0)) thing.close(); });

/** An echo server whose connections use limitSendBuffer, and a client that has stopped reading. */
async function stalledPair(
  limits: SendBufferLimits,
  answer: (server: WebSocket, data: WebSocket.RawData) => void = (server, data) => server.send(data),
): Promise<{ server: WebSocket; client: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  open.push({ close: () => { for (const c of wss.clients) c.terminate(); wss.close(); } });
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  wss.on('connection', (socket) => {
    limitSendBuffer(socket, limits);
    socket.on('message', (data) => answer(socket, data));
  });
  await once(wss, 'listening');
  const { port } = wss.address() as { port: number };
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  open.push({ close: () => client.terminate() });
  await once(client, 'open');
  const [server] = await accepted;
  tcpSocket(client).pause();
  return { server, client };
}

async function until(probe: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!probe() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return probe();
}

describe('limitSendBuffer', () => {
  it('stops reading from a client that never reads, so replies stay bounded, and reads again once it drains', async () => {
    const high = 256 * 1024;
    const { server, client } = await stalledPair({ highWaterBytes: high });
    const message = Buffer.alloc(60 * 1024, 1);
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, server.bufferedAmount); }, 1);
    for (let i = 0; i < 300; i += 1) client.send(message); // 18 MB
    expect(await until(() => server.isPaused, 20_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearInterval(sampler);
    peak = Math.max(peak, server.bufferedAmount);
    // An unbounded server would queue most of the 18 MB; this one stops within a read or two.
    expect(peak).toBeLessThan(high + 4 * 1024 * 1024);

    let echoes = 0;
    client.on('message', () => { echoes += 1; });
    tcpSocket(client).resume();
    expect(await until(() => echoes === 300, 30_000)).toBe(true);
    expect(server.isPaused).toBe(false);
  });

  it('pauses as soon as a message arrives over the limit, even in the middle of a burst of tiny messages one read carries', async () => {
    const high = 64 * 1024;
    // Each 1-byte message (7 bytes on the wire) earns a 1 KiB reply: one 64 KiB read from the
    // kernel carries thousands of them, and Node reads up to 32 of those before setImmediate runs.
    let handled = 0;
    let handledWhileOver = 0;
    const reply = Buffer.alloc(1024, 3);
    const { server, client } = await stalledPair({ highWaterBytes: high }, (socket) => {
      handled += 1;
      // limitSendBuffer's listener ran just before this one: over the limit, it must have paused.
      if (socket.bufferedAmount > high && !socket.isPaused) handledWhileOver += 1;
      socket.send(reply);
    });
    for (let i = 0; i < 100_000; i += 1) client.send('x'); // 700 KB sent, 100 MB of replies
    expect(await until(() => server.isPaused, 20_000)).toBe(true);
    expect(handledWhileOver).toBe(0);
    expect(handled).toBeLessThan(100_000);
    // The rest of the read being parsed when it paused is still answered: at most 64 KiB of frames.
    expect(server.bufferedAmount).toBeLessThanOrEqual(high + Math.ceil(65_536 / 7) * (reply.length + 4));
  });

  it('bounds the pongs ws sends on its own for a flood of pings', async () => {
    const high = 64 * 1024;
    const { server, client } = await stalledPair({ highWaterBytes: high });
    const payload = Buffer.alloc(125, 2);
    for (let i = 0; i < 40_000; i += 1) client.ping(payload); // 5 MB of pings, 5 MB of pongs
    expect(await until(() => server.isPaused, 20_000)).toBe(true);
    expect(server.bufferedAmount).toBeLessThan(high + 4 * 1024 * 1024);
  });

  it('drops a client that stays stalled past the timeout', async () => {
    let stalled = 0;
    const { server, client } = await stalledPair({ highWaterBytes: 64 * 1024, stallTimeoutMs: 200, onStalled: () => { stalled += 1; } });
    const message = Buffer.alloc(60 * 1024, 1);
    for (let i = 0; i < 200; i += 1) client.send(message);
    expect(await until(() => server.readyState === WebSocket.CLOSED, 20_000)).toBe(true);
    expect(stalled).toBe(1);
  });
});

describe('printable', () => {
  it('escapes what could forge a log line or drive the terminal, and caps the length', () => {
    expect(printable('hi\nFAKE: admin logged in')).toBe('hi\\nFAKE: admin logged in');
    expect(printable('\u001b[2Jcleared')).toBe('\\u001b[2Jcleared');
    expect(printable('a\rb\tc\u0000d\u007f\u2028')).toBe('a\\rb\\tc\\u0000d\\u007f\\u2028');
    expect(printable('你好 🌍 ok')).toBe('你好 🌍 ok');
    expect(printable('x'.repeat(10), 4)).toBe('xxxx…');
  });
});
