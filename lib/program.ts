// Runs a lesson's server or client as a real program, so the seed's two-terminal flow works:
//   npx tsx lessons/lesson-01-echo/server.ts --port 9000
//   npx tsx lessons/lesson-01-echo/client.ts ws://127.0.0.1:9000
// Lesson files stay small: they export createServer / runClient and hand them to these helpers.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import type { WebSocketServer } from 'ws';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8765;
export const DEFAULT_URL = `ws://${DEFAULT_HOST}:${DEFAULT_PORT}`;

/** What every lesson's `createServer` accepts. */
export interface ServerOptions {
  host?: string;
  /** 0 lets the operating system choose a free port (the checks always do this). */
  port?: number;
  /** Where the server writes its side of the transcript; defaults to console.log. */
  log?: (line: string) => void;
}

/** What every lesson's `runClient` accepts besides the URL. */
export interface ClientOptions {
  /** Where the client prints what it receives; defaults to process.stdout. */
  out?: Writable;
}

export type ServerFactory<O extends ServerOptions = ServerOptions> = (options: O) => WebSocketServer;
export type ClientRunner<O extends ClientOptions = ClientOptions> = (url: string, options?: O) => Promise<void>;

/** True when the module with this import.meta.url is the program node was asked to run. */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(fileURLToPath(importMetaUrl)) === realpathSync(resolve(entry));
  } catch {
    return false;
  }
}

/** Reads --host/--port (or HOST/PORT) from the command line, with the workbook's defaults. */
export function parseServerArgs(argv: string[] = process.argv.slice(2), env = process.env): { host: string; port: number } {
  const { values } = parseArgs({
    args: argv,
    options: { host: { type: 'string' }, port: { type: 'string', short: 'p' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log('Options: --port N (or PORT=N, default 8765)  --host ADDRESS (or HOST, default 127.0.0.1)');
    process.exit(0);
  }
  const rawPort = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535, not "${rawPort}"`);
  }
  return { host: values.host ?? env.HOST ?? DEFAULT_HOST, port };
}

/**
 * A starter's todo(...) that fires inside an event handler would end the program with a raw
 * stack trace; say it the way `npm run check` does. Any other uncaught error is printed with its
 * stack and exits 1, as Node does: a real crash should look like one.
 */
function explainTodos(name: string): void {
  process.on('uncaughtException', (error) => {
    if (error.name !== 'TodoError') {
      console.error(error);
      process.exit(1);
    }
    const where = error.stack?.split('\n').find((line) => /lessons\/|solutions\//.test(line))?.trim();
    console.error(`${name} stopped. Not done yet: ${error.message}${where ? `\n  ${where}` : ''}`);
    process.exit(1);
  });
}

/** Starts a lesson server from the command line and keeps it running until Ctrl+C. */
export async function runServerProgram(name: string, create: ServerFactory): Promise<void> {
  explainTodos(name);
  let address: { host: string; port: number };
  try {
    address = parseServerArgs();
  } catch (error) {
    exitWith(`${name}: ${(error as Error).message}`);
  }
  const wss = create({ ...address, log: (line) => console.log(line) });
  try {
    await new Promise<void>((resolveListening, reject) => {
      wss.once('listening', resolveListening);
      wss.once('error', reject);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE'
      ? `port ${address.port} is already in use (is another lesson server still running?). Try --port ${address.port + 1}.`
      : (error as Error).message;
    exitWith(`${name} could not listen on ${address.host}:${address.port}: ${why}`);
  }
  const bound = wss.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  console.log(`${name} listening on ws://${formatHost(address.host)}:${port} (Ctrl+C to stop)`);

  const stop = (): void => {
    // 1001 "going away" tells clients the server is shutting down, not that they did wrong.
    for (const client of wss.clients) client.close(1001, 'server shutting down');
    wss.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Runs a lesson client against the URL given on the command line (default ws://127.0.0.1:8765). */
export async function runClientProgram(name: string, run: ClientRunner): Promise<void> {
  explainTodos(name);
  const url = process.argv[2] ?? process.env.URL ?? DEFAULT_URL;
  try {
    new URL(url);
  } catch {
    exitWith(`${name}: "${url}" is not a URL. Usage: ${name} [ws://host:port]`);
  }
  try {
    await run(url, { out: process.stdout });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.name === 'TodoError') exitWith(`${name}: not done yet: ${err.message}`);
    const hint = err.code === 'ECONNREFUSED' ? ' Is the server running? Start it first in another terminal.' : '';
    exitWith(`${name}: ${err.message}.${hint}`);
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function exitWith(message: string): never {
  console.error(message);
  process.exit(1);
}
