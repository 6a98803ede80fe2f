// Runs a lesson's server and client together in this process, the way the notebook's cells do,
// and reports both sides' output as it happens. Used by `npm run play` and the book's live demos.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { lessonDir, solutionDir, type Lesson } from '../lessons.ts';
import type { ClientRunner, ServerFactory } from '../../lib/program.ts';

export type Side = 'server' | 'client' | 'note';

/** One piece of the transcript. Client text is raw: it may hold `\r` redraws and partial lines. */
export interface TranscriptEvent {
  side: Side;
  text: string;
  /** Milliseconds since the play started. */
  at: number;
}

export interface PlayContext {
  /** Where the lesson's files are loaded from. */
  dir: string;
  /** Writes a whole line for one side. */
  log(side: Side, line: string): void;
  /** A stream for a client's `out` option; its writes go to the transcript unchanged. */
  clientOutput(): Writable;
  /** Starts a server from the lesson's factory on 127.0.0.1 and a free port; closed after the play. */
  startServer(factory: ServerFactory, options?: Record<string, unknown>): Promise<{ url: string; port: number; wss: WebSocketServer }>;
}

/** A lesson may ship play.ts exporting `default async (ctx: PlayContext) => void` for a custom scenario. */
export type PlayScript = (ctx: PlayContext) => Promise<void>;

export interface PlayOptions {
  /** Play the reference solution instead of the learner's files. */
  solution?: boolean;
  emit: (event: TranscriptEvent) => void;
  /** Stop the play after this long (a learner's client may never finish). */
  limitMs?: number;
}

export async function playLesson(lesson: Lesson, { solution = false, emit, limitMs = 60_000 }: PlayOptions): Promise<void> {
  const dir = solution ? solutionDir(lesson) : lessonDir(lesson);
  const started = performance.now();
  const at = (): number => Math.round(performance.now() - started);
  const servers: WebSocketServer[] = [];
  const ctx: PlayContext = {
    dir,
    log: (side, line) => emit({ side, text: `${line}\n`, at: at() }),
    clientOutput: () => new Writable({
      decodeStrings: false,
      write(chunk: string | Buffer, _encoding, done) {
        emit({ side: 'client', text: chunk.toString(), at: at() });
        done();
      },
    }),
    startServer: async (factory, options = {}) => {
      const wss = factory({ ...options, host: '127.0.0.1', port: 0, log: (line: string) => ctx.log('server', line) });
      servers.push(wss);
      await new Promise<void>((resolve, reject) => {
        wss.once('listening', resolve);
        wss.once('error', reject);
      });
      const address = wss.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      return { url: `ws://127.0.0.1:${port}`, port, wss };
    },
  };

  const custom = join(lessonDir(lesson), 'play.ts');
  const script: PlayScript = existsSync(custom)
    ? ((await import(pathToFileURL(custom).href)) as { default: PlayScript }).default
    : defaultPlay;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      script(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the play did not finish within ${limitMs / 1000} s`)), limitMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    for (const wss of servers) {
      for (const client of wss.clients) client.terminate();
      wss.close();
    }
  }
}

/** The notebook cell: start the server, run the client against it, then stop the server. */
async function defaultPlay(ctx: PlayContext): Promise<void> {
  const server = (await import(pathToFileURL(join(ctx.dir, 'server.ts')).href)) as { createServer: ServerFactory };
  const client = (await import(pathToFileURL(join(ctx.dir, 'client.ts')).href)) as { runClient: ClientRunner };
  const { url } = await ctx.startServer(server.createServer);
  ctx.log('note', `server listening on ${url}; starting the client`);
  await client.runClient(url, { out: ctx.clientOutput() });
  ctx.log('note', 'client finished');
}
