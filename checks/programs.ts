// Lesson files run as real programs, the way a learner runs them (`npx tsx server.ts --port 0`):
// for the checks that the files work from the command line, end by themselves, and start nothing
// when merely imported. Each program is killed when its check finishes.
import { spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { fail, show, type Harness } from './harness.ts';

export interface Program {
  stdout: () => string;
  stderr: () => string;
  /** The exit code once it has exited (-1: killed by a signal, or it could not start). */
  exit: () => number | undefined;
  kill: (signal: NodeJS.Signals) => void;
}

/**
 * Runs `node --import tsx <args>` in the lesson folder `dir`. HOST, PORT and URL are not passed
 * on from this process unless `env` sets them. Under `npm run mutate` the child runs the same
 * mutant as the check (Stryker's instrumented code reads it from __STRYKER_ACTIVE_MUTANT__).
 */
export function runProgram(net: Harness, dir: string, args: string[], env: Record<string, string> = {}): Program {
  const active = (globalThis as { __stryker__?: { activeMutant?: unknown } }).__stryker__?.activeMutant;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, ...(active === undefined ? {} : { __STRYKER_ACTIVE_MUTANT__: String(active) }) };
  for (const name of ['HOST', 'PORT', 'URL']) if (!(name in env)) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exit: number | undefined;
  child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; net.wakeAll(); });
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; net.wakeAll(); });
  child.on('exit', (code) => { exit = code ?? -1; net.wakeAll(); });
  child.on('error', (error) => { stderr += String(error); exit ??= -1; net.wakeAll(); });
  onTestFinished(() => { if (exit === undefined) child.kill('SIGKILL'); });
  return { stdout: () => stdout, stderr: () => stderr, exit: () => exit, kill: (signal) => child.kill(signal) };
}

/** What the program did so far, for a failure message. */
export function programSaid(program: Program): string {
  const exit = program.exit();
  return `${exit === undefined ? 'still running' : `exit code ${exit}`}; it printed ${show(program.stdout())}${program.stderr() ? ` and on stderr ${show(program.stderr())}` : ''}`;
}

/** Waits for a program to end by itself. A hang guard only: a busy machine may take seconds to start Node. */
export async function exited(net: Harness, program: Program, what: string, within = 30_000): Promise<number> {
  return net.waitUntil(() => program.exit(), within, () => ({
    expected: `${what} to exit by itself within ${within / 1000} s`,
    actual: programSaid(program),
    hint: 'once the work is done nothing may keep the process alive: no timer, no open socket, no pending listener.',
  }));
}

/** How long a program may take to exit once its work is done: it needs milliseconds. */
const EXIT_GRACE_MS = 5000;

/**
 * Waits for the program to print `expected` (or end), then for it to exit: a program whose work is
 * done must end by itself, at once. Both waits are hang guards, many times what they need.
 */
export async function doneAndExited(net: Harness, program: Program, expected: string, command: string): Promise<number> {
  await net.waitUntil(() => program.exit() !== undefined || program.stdout().includes(expected), 20_000, () => ({
    expected: `\`${command}\` to print ${show(expected)} within 20 s`,
    actual: programSaid(program),
    hint: 'the checks above say more: run them first.',
  }));
  return net.waitUntil(() => program.exit(), EXIT_GRACE_MS, () => ({
    expected: `\`${command}\` to exit once it has printed everything and closed`,
    actual: `it was still running ${EXIT_GRACE_MS / 1000} s after it printed everything`,
    hint: 'something still keeps the process alive: a timer that was never cleared (clearTimeout once it is no longer needed), or a socket left open. A program ends when nothing is left to wait for.',
  }));
}

/**
 * Starts the lesson's server.ts as `npx tsx server.ts --port 0` and waits for the line
 * `<name> listening on ws://127.0.0.1:<port>` that runServerProgram prints; returns its URL.
 */
export async function startServerProgram(net: Harness, dir: string, name: string): Promise<{ server: Program; url: string }> {
  const server = runProgram(net, dir, ['server.ts', '--port', '0']);
  const keep = `keep the last line of server.ts as given: if (isMain(import.meta.url)) await runServerProgram('${name}', createServer);`;
  await net.waitUntil(() => server.exit() ?? /listening on ws:\/\/\S+:\d+/.test(server.stdout()), 30_000, () => ({
    expected: `\`npx tsx server.ts --port 0\` to print "${name} listening on ws://127.0.0.1:<port>"`,
    actual: programSaid(server),
    hint: keep,
  }));
  const url = new RegExp(`^${name} listening on (ws://127\\.0\\.0\\.1:\\d+)`, 'm').exec(server.stdout())?.[1];
  if (server.exit() !== undefined || url === undefined) {
    fail({
      expected: `\`npx tsx server.ts --port 0\` to print "${name} listening on ws://127.0.0.1:<port>" and keep serving`,
      actual: programSaid(server),
      hint: `${keep} Make sure nothing at the top level of the file throws.`,
    });
  }
  return { server, url };
}

/**
 * Imports lesson files in a program of their own, as the checks and `npm run play` do: importing
 * must start nothing. Once the imports are done (the program says so), nothing is left to do, so
 * the program must end at once: a server or a timer started at import keeps it alive.
 */
export async function importStartsNothing(net: Harness, dir: string, files: string[], env: Record<string, string>, hint: string): Promise<void> {
  const names = files.join(' and ');
  const imports = files.map((file) => `await import('./${file}');`).join(' ');
  const program = runProgram(net, dir, ['--input-type=module', '-e', `${imports} console.log('imported');`], env);
  await net.waitUntil(() => program.exit() !== undefined || program.stdout().includes('imported'), 20_000, () => ({
    expected: `a program that only imports ${names} to load them within 20 s`, actual: programSaid(program), hint,
  }));
  await net.waitUntil(() => program.exit(), EXIT_GRACE_MS, () => ({
    expected: `a program that only imports ${names} to end once ${files.length > 1 ? 'they are' : 'it is'} loaded`,
    actual: `it was still running ${EXIT_GRACE_MS / 1000} s after the imports; it printed ${show(program.stdout())}`,
    hint,
  }));
  if (program.exit() !== 0 || program.stdout() !== 'imported\n') {
    fail({ expected: `importing ${names} to start nothing and print nothing`, actual: programSaid(program), hint });
  }
}
