// `npm run play lesson-10`: several named clients in several rooms, in one process. alice is in
// lobby, bob in lobby and games, carol in games: a line in games never reaches alice. mallory tries
// "Lobby" (refused: ids are lower case) and "__proto__" (an ordinary room). dave (your client.ts)
// joins lobby and games, says his line in both and leaves; then everyone leaves, and the server
// holds no rooms.
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

/** Says hello as `label` and joins each room in turn. */
async function arrive(ctx: PlayContext, url: string, label: string, rooms: string[]): Promise<Person> {
  const person = await connect(ctx, url, label);
  send(person, { type: 'hello', name: label });
  await person.next('welcome');
  for (const room of rooms) {
    send(person, { type: 'join', room });
    await person.next('joined');
  }
  return person;
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
  const { url, wss } = await ctx.startServer(server.createServer);
  const rooms = (): number => (wss as unknown as { rooms: { size: number } }).rooms.size;
  ctx.log('note', `room server on ${url}`);

  const alice = await arrive(ctx, url, 'alice', ['lobby']);
  const bob = await arrive(ctx, url, 'bob', ['lobby', 'games']);
  await alice.next('member_joined');
  const carol = await arrive(ctx, url, 'carol', ['games']);
  await bob.next('member_joined');

  ctx.log('note', 'bob speaks in games: carol hears it, alice (lobby only) does not');
  send(bob, { type: 'chat', room: 'games', text: 'anyone for chess?' });
  await carol.next('chat');
  await bob.next('chat');
  send(alice, { type: 'chat', room: 'lobby', text: 'hi lobby' });
  await bob.next('chat');

  ctx.log('note', 'mallory tries "Lobby" (ids are lower case: refused) and "__proto__" (in a Map, just a room)');
  const mallory = await arrive(ctx, url, 'mallory', []);
  send(mallory, { type: 'join', room: 'Lobby' });
  await mallory.next('error');
  send(mallory, { type: 'join', room: '__proto__' });
  await mallory.next('joined');
  await leave(mallory);

  ctx.log('note', 'dave (your client.ts) joins lobby and games, says his line in both, and leaves');
  await client.runClient(url, { out: ctx.clientOutput(), name: 'dave', rooms: ['lobby', 'games'], say: 'hello from dave' });
  await alice.next('member_left');
  // bob shared both rooms with dave: one "member_left" per room.
  await bob.next('member_left');
  await bob.next('member_left');

  ctx.log('note', 'carol leaves: bob hears it in games; then bob and alice leave');
  await leave(carol);
  await bob.next('member_left');
  await leave(bob);
  await alice.next('member_left');
  await leave(alice);
  ctx.log('note', `everyone left: the server holds ${rooms()} rooms`);
}
