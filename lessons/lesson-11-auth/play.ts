// `npm run play lesson-11`: several named clients against one server. alice comes in with a token
// in her Authorization header; mallory has no token (401); a page on another site borrows alice's
// token (403); someone puts a token in the URL (401: never read from there); bob's token expires
// while he is connected (4001); carol (your client.ts) comes in, says her line and leaves.
// The server runs on a fake clock, so "an hour later" takes no time.
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { join as joinPath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import type { PlayContext } from '../../checks/play/play-lesson.ts';
import type { ServerFactory } from '../../lib/program.ts';
import type { runClient as RunClient } from './client.ts';
import { FakeClock } from './fake-clock.ts';
import type { signToken as SignToken } from './tokens.ts';

const SECRET = 'the-play-secret-of-the-lesson-11-demo';
const MINUTE = 60_000;

/** Tries to connect; logs the welcome, or the HTTP status and reason of a refusal. Resolves with the open socket, or undefined. */
async function knock(ctx: PlayContext, url: string, label: string, headers: Record<string, string>): Promise<WebSocket | undefined> {
  const ws = new WebSocket(url, { headers });
  ws.on('error', () => {});
  ws.on('message', (data) => ctx.log('client', `${label} recv ${data.toString()}`));
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.on('close', (code, reason) => ctx.log('client', `${label} closed ${code} ${reason.toString()}`));
      resolve(ws);
    });
    ws.once('unexpected-response', (_request, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => {
        ctx.log('client', `${label} refused: HTTP ${response.statusCode} ${response.statusMessage}: ${body.trim()}`);
        ws.terminate();
        resolve(undefined);
      });
    });
  });
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
  const tokens = (await import(pathToFileURL(joinPath(ctx.dir, 'tokens.ts')).href)) as { signToken: typeof SignToken };
  const clock = new FakeClock();
  const { url } = await ctx.startServer(server.createServer, { secret: SECRET, clock });
  const token = (sub: string, minutes: number): string => tokens.signToken(SECRET, { sub, exp: clock.now() + minutes * MINUTE });
  ctx.log('note', `auth server on ${url}, its clock at ${new Date(clock.now()).toISOString()} (a fake one)`);

  const aliceToken = token('alice', 60);
  const alice = await knock(ctx, url, 'alice', { Authorization: `Bearer ${aliceToken}` });
  alice?.send('hi, this is alice');
  await new Promise((resolve) => setTimeout(resolve, 50));

  ctx.log('note', 'mallory has no token');
  await knock(ctx, url, 'mallory', {});
  ctx.log('note', 'a page on https://evil.example tries, with a token it got hold of: the browser sends the page\'s Origin, and the page cannot hide it');
  await knock(ctx, url, 'evil page', { Authorization: `Bearer ${aliceToken}`, Origin: 'https://evil.example' });
  ctx.log('note', 'someone puts a valid token in the URL: the server never reads it from there');
  await knock(ctx, `${url}/?token=${token('dave', 60)}`, 'dave', {});

  ctx.log('note', 'bob\'s token has 5 minutes left');
  const bob = await knock(ctx, url, 'bob', { Authorization: `Bearer ${token('bob', 5)}` });
  await new Promise((resolve) => setTimeout(resolve, 50));
  ctx.log('note', 'five minutes pass (on the fake clock)');
  const bobClosed = bob ? once(bob, 'close') : Promise.resolve();
  clock.tick(5 * MINUTE);
  await bobClosed;

  ctx.log('note', 'carol (your client.ts) comes in with her own token');
  await client.runClient(url, { out: ctx.clientOutput(), token: token('carol', 10), say: 'hello from carol' });

  if (alice) {
    const closed = once(alice, 'close');
    alice.close(1000, 'bye');
    await closed;
  }
  ctx.log('note', 'alice left; her token would have lasted 55 more minutes, but a session ends when its socket does');
}
