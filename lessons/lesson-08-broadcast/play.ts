// `npm run play lesson-08`: the Python tutorial's demo. Two clients, c1 and c2, join the room in one
// process; each says hi, and each receives both messages (its own included).
import { once } from 'node:events';
import { join as joinPath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import type { PlayContext } from '../../checks/play/play-lesson.ts';
import type { ServerFactory } from '../../lib/program.ts';

interface ChatClient {
  name: string;
  ws: WebSocket;
  /** Resolves when `expect` messages have arrived. */
  done: Promise<void>;
}

async function joinRoom(ctx: PlayContext, url: string, name: string, expect: number): Promise<ChatClient> {
  const ws = new WebSocket(url);
  let count = 0;
  // Listen from the start: the other client's message may arrive before ours is sent.
  const done = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      ctx.log('client', `${name} recv ${data.toString()}`);
      count += 1;
      if (count === expect) resolve();
    });
    ws.once('close', (code) => reject(new Error(`${name}: the server closed the connection (code ${code})`)));
    ws.once('error', reject);
  });
  done.catch(() => {}); // reported by whoever awaits it
  await once(ws, 'open');
  return { name, ws, done };
}

async function leave({ ws }: ChatClient): Promise<void> {
  ws.removeAllListeners('close');
  const closed = once(ws, 'close');
  ws.close(1000, 'done');
  await closed;
}

export default async function play(ctx: PlayContext): Promise<void> {
  // The server's handlers run outside any await of ours: an error there (a starter's todo(...),
  // say) would end the process with a stack trace. Report it as the play's failure instead.
  let onCrash: (error: unknown) => void = () => {};
  const crashed = new Promise<never>((_, reject) => { onCrash = reject; });
  process.on('uncaughtException', onCrash);
  try {
    await Promise.race([demo(ctx), crashed]);
  } finally {
    process.off('uncaughtException', onCrash);
  }
}

async function demo(ctx: PlayContext): Promise<void> {
  const server = (await import(pathToFileURL(joinPath(ctx.dir, 'server.ts')).href)) as { createServer: ServerFactory };
  const { url } = await ctx.startServer(server.createServer);
  ctx.log('note', `chat room on ${url}; c1 and c2 join, then each says hi`);
  // Both join before either speaks. The Python tutorial starts both clients and hopes so: a client that
  // joins after c1's message never sees it (a room has no history) and would wait for ever.
  const clients = await Promise.all([joinRoom(ctx, url, 'c1', 2), joinRoom(ctx, url, 'c2', 2)]);
  for (const client of clients) client.ws.send(`${client.name}: hi`);
  await Promise.all(clients.map((client) => client.done));
  await Promise.all(clients.map(leave));
  ctx.log('note', 'both clients received both messages and left');
}
