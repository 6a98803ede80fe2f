// The harness's own tests: it must record everything, bound every wait, explain failures in
// plain words, notice crashes in code under test, and leave nothing open.
import { readFile } from 'node:fs/promises';
import { createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { stripVTControlCharacters } from 'node:util';
import { CheckFailure, Harness, t, tcpSocket, type FailureReport } from './harness.ts';
import { useLanguage } from './runner/language.ts';
import { formatError, splitWire } from './runner/format.ts';
import { WIRE_HEADER, WIRE_HEADERS } from './wire.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.dispose();
});

function echoServer({ host, port }: { host?: string; port?: number }): WebSocketServer {
  const wss = new WebSocketServer({ host, port });
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
  return wss;
}

async function failureOf(promise: Promise<unknown>): Promise<CheckFailure> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(CheckFailure);
  return error as CheckFailure;
}

async function isListening(port: number): Promise<boolean> {
  const probe = createTcpServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

describe('Harness', () => {
  it('serves on 127.0.0.1 with an OS-chosen port and exchanges messages', async () => {
    harness = new Harness();
    const server = await harness.serve(echoServer);
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    const client = await harness.connect(server.url);
    client.send('hi');
    expect(await client.nextText()).toBe('Echo: hi');
    expect(server.connections).toHaveLength(1);
  });

  it('records messages that arrive before anyone waits for them', async () => {
    harness = new Harness();
    const peer = await harness.peer();
    peer.wss.on('connection', (socket) => {
      for (let i = 0; i < 50; i += 1) socket.send(`m${i}`);
    });
    const client = await harness.connect(peer.url);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await client.texts(50)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
  });

  it('bounds a wait and explains what it waited for', async () => {
    harness = new Harness();
    const peer = await harness.peer();
    const client = await harness.connect(peer.url);
    const started = performance.now();
    const failure = await failureOf(client.next({ within: 200, waitingFor: t('the greeting', '问候'), hint: t('say hello', '打个招呼') }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(failure.message).toContain('Expected the greeting on the test client within 200 ms');
    expect(failure.message).toContain('Got nothing arrived');
    expect(failure.message).toContain('Hint: say hello');
  });

  it('fails a wait at once when the connection closes first, naming the code', async () => {
    harness = new Harness();
    const peer = await harness.peer();
    peer.wss.on('connection', (socket) => socket.close(1011, 'oops'));
    const client = await harness.connect(peer.url);
    const started = performance.now();
    const failure = await failureOf(client.next({ within: 20_000 }));
    // At once, not after the wait: a bound far below `within`, far above any real delay.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(failure.message).toContain('code 1011');
    expect(failure.message).toContain('"oops"');
  });

  it('turns an error thrown in a server handler into a failed wait, without waiting for the timeout', async () => {
    harness = new Harness();
    const server = await harness.serve(({ host, port }) => {
      const wss = new WebSocketServer({ host, port });
      wss.on('connection', (socket) => socket.on('message', () => {
        throw new TypeError('handler exploded');
      }));
      return wss;
    });
    const client = await harness.connect(server.url);
    // vitest counts the uncaught error too; swallow it here, as the harness's own listener handles it.
    const swallow = (): void => {};
    process.prependListener('uncaughtException', swallow);
    try {
      client.send('boom');
      const started = performance.now();
      const failure = await failureOf(client.next({ within: 20_000 }));
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(failure.message).toContain('TypeError: handler exploded');
      expect(failure.message).toContain('a real program would crash here');
    } finally {
      process.off('uncaughtException', swallow);
    }
  });

  it('says a starter todo is the next step, not a crash', async () => {
    harness = new Harness();
    const { todo } = await import('../lib/todo.ts');
    const failure = await failureOf(harness.serve(() => todo('server.ts: do the thing')));
    expect(failure.message).toContain('Got a starter TODO: server.ts: do the thing');
  });

  it('closes every server and client it opened', async () => {
    harness = new Harness();
    const server = await harness.serve(echoServer);
    const client = await harness.connect(server.url);
    await harness.dispose();
    await client.waitClosed({ within: 1000 });
    expect(await isListening(server.port)).toBe(false);
  });

  it('captures what a client prints and waits for text', async () => {
    harness = new Harness();
    const out = harness.output();
    setTimeout(() => out.write('Receiving stream:\n'), 20);
    setTimeout(() => out.write('春眠不觉晓，'), 40);
    await out.waitFor('春眠', { within: 1000 });
    expect(out.text).toBe('Receiving stream:\n春眠不觉晓，');
    expect(out.writes).toHaveLength(2);
    const failure = await failureOf(out.waitFor('never', { within: 100 }));
    expect(failure.message).toContain('it printed "Receiving stream:\\n春眠不觉晓，"');
  });

  it('hands out peer connections in order and reports a client that never connects', async () => {
    harness = new Harness();
    const peer = await harness.peer();
    await harness.connect(peer.url, { label: t('first', '第一个') });
    await harness.connect(peer.url, { label: t('second', '第二个') });
    const first = await peer.nextConnection();
    const second = await peer.nextConnection();
    expect(first).not.toBe(second);
    const failure = await failureOf(peer.nextConnection({ within: 100 }));
    expect(failure.message).toContain('no connection arrived');
  });

  it('waitUntil returns what the probe found, or fails with the report when time runs out', async () => {
    harness = new Harness();
    let ready: string | undefined;
    setTimeout(() => { ready = 'yes'; }, 50);
    expect(await harness.waitUntil(() => ready, 1000, () => ({ expected: t('x', '甲'), actual: t('y', '乙'), hint: t('z', '丙') }))).toBe('yes');
    const failure = await failureOf(harness.waitUntil(() => false, 100, () => ({ expected: t('the room to empty', '房间空了'), actual: t('2 left', '还剩 2 个'), hint: t('remove leavers', '移除离开的人') })));
    expect(failure.message).toBe('Expected the room to empty\nGot 2 left\nHint: remove leavers');
  });

  it('settle reports a value, a rejection, or a promise that never settles', async () => {
    harness = new Harness();
    const report = (): FailureReport => ({ expected: t('runClient to finish', 'runClient 结束'), actual: t('it is still running', '它还在运行'), hint: t('resolve on close', '关闭时 resolve') });
    expect(await harness.settle(Promise.resolve(42), 500, report)).toEqual({ kind: 'value', value: 42 });
    const boom = new Error('boom');
    expect(await harness.settle(Promise.reject(boom), 500, report)).toEqual({ kind: 'error', error: boom });
    const failure = await failureOf(harness.settle(new Promise(() => {}), 100, report));
    expect(failure.message).toContain('Got it is still running');
  });

  it('tcpSocket reaches the socket under a connection, e.g. to stop reading', async () => {
    harness = new Harness();
    const server = await harness.serve(echoServer);
    const client = await harness.connect(server.url);
    const socket = tcpSocket(client.ws);
    socket.pause();
    client.send('while paused');
    await client.expectQuiet(100, t('while the socket is paused', 'socket 暂停期间'), t('pause() stops reading', 'pause() 会停止读取'));
    socket.resume();
    expect(await client.nextText()).toBe('Echo: while paused');
  });

  it('explains a connection refused', async () => {
    harness = new Harness();
    const server = await harness.serve(echoServer);
    await harness.dispose();
    harness = new Harness();
    const failure = await failureOf(harness.connect(server.url));
    expect(failure.message).toContain('ECONNREFUSED');
  });
});

describe('in Chinese', () => {
  it('writes the frame, the harness\'s own words, labels and the wire in Chinese under zh-CN, and a check\'s own t() words', async () => {
    useLanguage('zh-CN');
    try {
      harness = new Harness();
      const server = await harness.serve(echoServer);
      const client = await harness.connect(server.url);
      client.send('hi');
      await client.nextText();
      const failure = await failureOf(client.next({ within: 100, waitingFor: t('the greeting', '问候'), hint: t('say hello', '先打个招呼') }));
      expect(failure.message).toBe('期望：测试客户端在 100 毫秒内等到问候\n实际：什么也没等到\n提示：先打个招呼');
      const [header, ...wire] = harness.wire.lines();
      expect(header).toBe(WIRE_HEADERS.zh);
      expect(wire.map((line) => line.trim().replace(/^\d+\s+/, '').replace(/\s{2,}/g, '  '))).toEqual([
        '测试客户端 → 你的服务器  已连接（握手完成）',
        '测试客户端 → 你的服务器  文本 "hi"',
        '你的服务器 → 测试客户端  文本 "Echo: hi"',
      ]);
      const lines = stripVTControlCharacters(formatError({ name: failure.name, message: [failure.message, header, ...wire].join('\n') })).split('\n').map((line) => line.trim());
      expect(lines.slice(0, 4)).toEqual(['期望：测试客户端在 100 毫秒内等到问候', '实际：什么也没等到', '提示：先打个招呼', WIRE_HEADERS.zh]);
    } finally {
      useLanguage('en');
    }
  });
});

describe('a crash in code under test', () => {
  it('names an unhandled rejection as one, and says where to look when no line of the code is in its stack', async () => {
    harness = new Harness();
    const server = await harness.serve(({ host, port }) => {
      const wss = new WebSocketServer({ host, port });
      // An async handler whose promise nothing catches: the error comes from Node, not from here.
      wss.on('connection', (socket) => socket.on('message', async () => { await readFile('/no/such/file/anywhere'); }));
      return wss;
    });
    const client = await harness.connect(server.url);
    const swallow = (): void => {};
    process.prependListener('unhandledRejection', swallow);
    try {
      client.send('boom');
      const failure = await failureOf(client.next({ within: 20_000 }));
      expect(failure.message).toContain('A promise in your code rejected and nothing handled it');
      expect(failure.message).toContain('ENOENT');
      expect(failure.message).toContain('no line of your code is in this error\'s stack');
    } finally {
      process.off('unhandledRejection', swallow);
    }
  });
});

describe('the wire transcript', () => {
  it('records both directions of every check connection, closes included, in order', async () => {
    harness = new Harness();
    const server = await harness.serve(echoServer);
    const client = await harness.connect(server.url);
    client.send('hi');
    await client.nextText();
    client.ws.send(Buffer.from([1, 2, 3]));
    await client.next();
    await client.close(1000, 'bye');
    const lines = harness.wire.lines();
    expect(lines[0]).toBe(WIRE_HEADER);
    const entries = lines.slice(1).map((line) => line.trim().replace(/^\d+\s+/, '').replace(/\s{2,}/g, '  '));
    expect(entries).toEqual([
      'the test client → your server  connected (handshake done)',
      'the test client → your server  text "hi"',
      'your server → the test client  text "Echo: hi"',
      'the test client → your server  binary, 3 bytes',
      'your server → the test client  text "Echo: \\u0001\\u0002\\u0003"',
      'the test client → your server  close frame: code 1000 "bye"',
      'your server → the test client  closed: code 1000 "bye"',
    ]);
  });

  it('shows the last few frames under a failure, and every frame with --wire', () => {
    const wire = [WIRE_HEADER, ...Array.from({ length: 20 }, (_, i) => `  ${i}  a → b  text "${i}"`)];
    const error = { name: 'CheckFailure', message: ['Expected x', 'Got y', 'Hint: z', ...wire].join('\n') };
    expect(splitWire(error.message)).toEqual({ message: 'Expected x\nGot y\nHint: z', wire });
    const short = stripVTControlCharacters(formatError(error));
    expect(short).toContain('… 12 earlier (add -- --wire to see every frame)');
    expect(short).toContain('text "19"');
    expect(short).not.toContain('text "11"');
    process.env.WORKBOOK_WIRE = 'all';
    try {
      expect(stripVTControlCharacters(formatError(error))).toContain('text "0"');
    } finally {
      delete process.env.WORKBOOK_WIRE;
    }
  });
});
