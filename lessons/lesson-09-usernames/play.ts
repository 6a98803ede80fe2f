// `npm run play lesson-09`: several named clients in one process. alice and bob join; a third
// client tries ＡＬＩＣＥ (full-width) and is refused; bob renames himself, alice speaks, carol
// (your client.ts) joins, says her line and leaves; then bob and alice leave.
import { once } from 'node:events';
import { join as joinPath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import type { PlayContext } from '../../checks/play/play-lesson.ts';
import type { ServerFactory } from '../../lib/program.ts';
import type { runClient as RunClient } from './client.ts';

interface Person {
  label: string;
  ws: WebSocket;
  /** Resolves with the next message whose type is `type` (earlier ones are logged and passed over). */
  next(type: string): Promise<Record<string, unknown>>;
}

async function connect(ctx: PlayContext, url: string, label: string): Promise<Person> {
  const ws = new WebSocket(url);
  const inbox: Record<string, unknown>[] = [];
  let wake = (): void => {};
  // Listen from the start: a message may arrive before anyone asks for it.
  ws.on('message', (data) => {
    ctx.log('client', `${label} recv ${data.toString()}`);
    inbox.push(JSON.parse(data.toString()) as Record<string, unknown>);
    wake();
  });
  ws.on('error', () => {});
  await once(ws, 'open');
  const next = async (type: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const index = inbox.findIndex((message) => message.type === type);
      if (index >= 0) return inbox.splice(0, index + 1).at(-1)!;
      if (ws.readyState !== WebSocket.OPEN) throw new Error(`${label}: the connection closed while waiting for "${type}"`);
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  };
  return { label, ws, next };
}

function send(person: Person, message: Record<string, unknown>): void {
  person.ws.send(JSON.stringify(message));
}

async function leave(person: Person): Promise<void> {
  const closed = once(person.ws, 'close');
  person.ws.close(1000, 'bye');
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
  const client = (await import(pathToFileURL(joinPath(ctx.dir, 'client.ts')).href)) as { runClient: typeof RunClient };
  const { url } = await ctx.startServer(server.createServer);
  ctx.log('note', `chat server on ${url}`);

  const alice = await connect(ctx, url, 'alice');
  send(alice, { type: 'join', name: 'alice' });
  await alice.next('welcome');
  const bob = await connect(ctx, url, 'bob');
  send(bob, { type: 'join', name: ' Bob ' });
  await bob.next('welcome');
  await alice.next('joined');

  ctx.log('note', 'someone tries the full-width ＡＬＩＣＥ: after NFKC and case folding it is alice');
  const mimic = await connect(ctx, url, 'mimic');
  send(mimic, { type: 'join', name: 'ＡＬＩＣＥ' });
  await mimic.next('error');
  await leave(mimic);

  send(bob, { type: 'rename', name: 'bobby' });
  await alice.next('renamed');
  ctx.log('note', 'alice says hi, claiming to be bobby: the server puts her own name on it');
  send(alice, { type: 'chat', text: 'hi all', from: 'bobby' });
  await bob.next('chat');

  ctx.log('note', 'carol (your client.ts) joins, says her line, and leaves');
  await client.runClient(url, { out: ctx.clientOutput(), name: 'carol', say: 'hello from carol' });
  await alice.next('left');

  await leave(bob);
  await alice.next('left');
  await leave(alice);
  ctx.log('note', 'everyone left: every name is free again');
}
