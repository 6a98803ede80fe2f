// Starts lesson 01's echo server (the learner's or the reference) on 127.0.0.1 and a port the
// system picks, for the browser client on the lesson-01 page. Reports on fd 3.
// Usage (by the book server only): echo-child.ts learner|solution <limit-ms>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lessonDir, lessons, solutionDir } from '../../checks/lessons.ts';
import type { ServerFactory } from '../../lib/program.ts';
import { describeError, tell } from './protocol.ts';

const [variant, limitArg] = process.argv.slice(2);
const limitMs = Math.min(Math.max(Number(limitArg) || 600_000, 1000), 3_600_000);
const lesson = lessons.find((l) => l.id === 'lesson-01');

const crash = (message: string): never => {
  tell({ type: 'crash', message });
  process.exit(1);
};
process.on('uncaughtException', (error) => crash(`The server crashed: ${describeError(error)}`));
process.on('unhandledRejection', (error) => crash(`The server crashed: ${describeError(error)}`));
setTimeout(() => crash(`The server was stopped after ${Math.round(limitMs / 60_000)} minutes.`), limitMs).unref();

if (!lesson || (variant !== 'learner' && variant !== 'solution')) crash('unknown variant');
const dir = variant === 'solution' ? solutionDir(lesson!) : lessonDir(lesson!);
const { createServer } = (await import(pathToFileURL(join(dir, 'server.ts')).href)) as { createServer: ServerFactory };
const wss = createServer({ host: '127.0.0.1', port: 0, log: (line) => tell({ type: 'log', text: line }) });
wss.once('error', (error) => crash(`The server could not start: ${describeError(error)}`));
wss.once('listening', () => {
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  tell({ type: 'ready', url: `ws://127.0.0.1:${port}` });
});
