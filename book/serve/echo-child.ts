// Starts lesson 01's echo server (the learner's or the reference) on 127.0.0.1 and a port the
// system picks, for the browser client on the lesson-01 page. Reports on fd 3; ends with the book
// server (protocol.ts). It accepts WebSockets only from the book's own pages, like the book server:
// any other page in the browser could otherwise talk to it (or, with DNS rebinding, reach it by
// another host name).
// Usage (by the book server only): echo-child.ts learner|solution <limit-ms> <allowed origin>...
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { lessonDir, lessons, solutionDir } from '../../checks/lessons.ts';
import { printable } from '../../lib/printable.ts';
import type { ServerFactory } from '../../lib/program.ts';
import { describeError, endWithServer, tell } from './protocol.ts';

const [variant, limitArg, ...origins] = process.argv.slice(2);
const limitMs = Math.min(Math.max(Number(limitArg) || 600_000, 1000), 3_600_000);
const allowedOrigins = new Set(origins);
const lesson = lessons.find((l) => l.id === 'lesson-01');
endWithServer(limitMs + 2000);

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
const listeningPort = (): number => {
  const address = wss.address();
  return typeof address === 'object' && address ? address.port : 0;
};

// However the learner's server is built (its own port, an http server, noServer), every upgrade
// goes through wss.handleUpgrade: check the Origin and Host there, before the learner's code
// sees the connection.
const handleUpgrade = wss.handleUpgrade.bind(wss);
wss.handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, callback) => {
  const port = listeningPort();
  const host = req.headers.host ?? '';
  const origin = req.headers.origin ?? '';
  if ((host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) || !allowedOrigins.has(origin)) {
    tell({ type: 'log', text: `(the book refused a connection from ${origin ? `the page at ${printable(origin, 80)}` : 'a client that sent no Origin'}: only the book's own pages may connect)` });
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  handleUpgrade(req, socket, head, callback);
};

wss.once('error', (error) => crash(`The server could not start: ${describeError(error)}`));
wss.once('listening', () => tell({ type: 'ready', port: listeningPort() }));
