// npm run play lesson-07: the heartbeat and the reconnect, in about three seconds.
// A healthy client and a mute one (it never answers pings) join a server that pings every 300 ms;
// the mute one is cut off. Then the server restarts on the same port, and the client finds it
// again after a few backoff delays.
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import type { PlayContext } from '../../checks/play/play-lesson.ts';
import type { ClientEvent } from './client.ts';

const HEARTBEAT_MS = 300;

export default async function play(ctx: PlayContext): Promise<void> {
  const { createServer } = (await import(pathToFileURL(join(ctx.dir, 'server.ts')).href)) as typeof import('./server.ts');
  const { runClient } = (await import(pathToFileURL(join(ctx.dir, 'client.ts')).href)) as typeof import('./client.ts');

  const first = await ctx.startServer(createServer, { heartbeatMs: HEARTBEAT_MS });
  ctx.log('note', `server on ${first.url} pings every ${HEARTBEAT_MS} ms`);

  const events: ClientEvent[] = [];
  let wake = (): void => {};
  const stop = new AbortController();
  const client = runClient(first.url, {
    out: ctx.clientOutput(),
    signal: stop.signal,
    base: 200, factor: 2, cap: 1000, stableMs: 2000, silenceMs: 3 * HEARTBEAT_MS,
    onEvent: (event) => { events.push(event); wake(); },
  });
  const opened = async (count: number): Promise<void> => {
    const deadline = performance.now() + 5000;
    while (events.filter((event) => event.type === 'open').length < count) {
      if (performance.now() > deadline) throw new Error(`the client did not connect (${count === 1 ? 'first time' : 'again'}) within 5 s`);
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 50); });
    }
  };
  await opened(1);

  ctx.log('note', 'a second client joins that never answers pings (autoPong: false)');
  const mute = new WebSocket(first.url, { autoPong: false });
  mute.on('error', () => {});
  await sleep(3 * HEARTBEAT_MS);
  mute.terminate();

  ctx.log('note', 'the server restarts on the same port');
  for (const socket of first.wss.clients) socket.terminate();
  const firstClosed = once(first.wss, 'close');
  first.wss.close();
  await firstClosed;
  await sleep(700);
  const second = await listen(createServer, first.port, (line) => ctx.log('server', line));
  try {
    await opened(2);
    await sleep(300);
    ctx.log('note', 'the client is told to stop: close() ends the retries for good');
    stop.abort();
    await client;
  } finally {
    for (const socket of second.clients) socket.terminate();
    second.close();
  }
}

/** The lesson's server on a fixed port, freed a moment ago (retrying while the OS still holds it). */
async function listen(create: typeof import('./server.ts').createServer, port: number, log: (line: string) => void): Promise<ReturnType<typeof create>> {
  for (let tries = 1; ; tries += 1) {
    const wss = create({ host: '127.0.0.1', port, heartbeatMs: HEARTBEAT_MS, log });
    try {
      await once(wss, 'listening');
      return wss;
    } catch (error) {
      wss.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 20) throw error;
      await sleep(100);
    }
  }
}
