// npm run play lesson-04: the greeter server and your client talk, then your client tries a port
// where nothing listens. A fixed client rejects with ECONNREFUSED; the starter crashes the process.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PlayContext } from '../../checks/play/play-lesson.ts';
import { closedPort } from '../../checks/ports.ts';
import type { ClientRunner } from '../../lib/program.ts';
import { createServer } from './greeter-server.ts';

export default async function play(ctx: PlayContext): Promise<void> {
  // The server always comes from lessons/ (it is not a learner file); the client from ctx.dir,
  // which is solutions/ with --solution.
  const { runClient } = (await import(pathToFileURL(join(ctx.dir, 'client.ts')).href)) as { runClient: ClientRunner };
  const { url } = await ctx.startServer(createServer);
  ctx.log('note', `greeter server listening on ${url}; starting the client`);
  await runClient(url, { out: ctx.clientOutput() });
  ctx.log('note', 'client finished');

  const nowhere = `ws://127.0.0.1:${await closedPort()}`;
  ctx.log('note', `now the same client against ${nowhere}, where nothing listens`);
  try {
    await runClient(nowhere, { out: ctx.clientOutput() });
    ctx.log('note', 'the client resolved, as if it had connected: it should have rejected');
  } catch (error) {
    ctx.log('note', `the client rejected, as it should: ${(error as Error).message}`);
  }
}
