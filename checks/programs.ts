// Lesson files run as real programs, the way a learner runs them (`npx tsx server.ts --port 0`):
// for the checks that the files work from the command line, end by themselves, and start nothing
// when merely imported. Each program is killed when its check finishes.
import { spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { fail, show, t, type Harness, type Text, type Words } from './harness.ts';

export interface Program {
  stdout: () => string;
  stderr: () => string;
  /** The exit code once it has exited (-1: killed by a signal, or it could not start). */
  exit: () => number | undefined;
  kill: (signal: NodeJS.Signals) => void;
  /** When (performance.now()) `text` was first complete on stdout, if it has been. */
  printedAt: (text: string) => number | undefined;
}

/**
 * Starts `node --import tsx <args>` in the lesson folder `dir`, told of every output and its exit
 * through `onChange`; the caller kills it (runProgram does, when its check ends). HOST, PORT and
 * URL are not passed on from this process unless `env` sets them. Under `npm run mutate` the child
 * runs the same mutant as the check (Stryker's instrumented code reads __STRYKER_ACTIVE_MUTANT__).
 */
export function spawnProgram(dir: string, args: string[], env: Record<string, string> = {}, onChange: () => void = () => undefined): Program {
  const active = (globalThis as { __stryker__?: { activeMutant?: unknown } }).__stryker__?.activeMutant;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, ...(active === undefined ? {} : { __STRYKER_ACTIVE_MUTANT__: String(active) }) };
  for (const name of ['HOST', 'PORT', 'URL']) if (!(name in env)) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exit: number | undefined;
  // When stdout reached each length: a program's output may be read long after it was printed.
  const marks: { at: number; length: number }[] = [];
  child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; marks.push({ at: performance.now(), length: stdout.length }); onChange(); });
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; onChange(); });
  child.on('exit', (code) => { exit = code ?? -1; onChange(); });
  child.on('error', (error) => { stderr += String(error); exit ??= -1; onChange(); });
  const printedAt = (text: string): number | undefined => {
    const at = stdout.indexOf(text);
    return at < 0 ? undefined : marks.find((mark) => mark.length >= at + text.length)?.at;
  };
  return { stdout: () => stdout, stderr: () => stderr, exit: () => exit, kill: (signal) => child.kill(signal), printedAt };
}

/** spawnProgram for a check: it wakes the check's waits, and is killed when the check ends. */
export function runProgram(net: Harness, dir: string, args: string[], env: Record<string, string> = {}): Program {
  const program = spawnProgram(dir, args, env, () => net.wakeAll());
  onTestFinished(() => { if (program.exit() === undefined) program.kill('SIGKILL'); });
  return program;
}

/** What the program did so far, for a failure message. */
export function programSaid(program: Program): Text {
  const exit = program.exit();
  const stdout = show(program.stdout());
  const stderr = program.stderr() ? show(program.stderr()) : undefined;
  return t(
    `${exit === undefined ? 'still running' : `exit code ${exit}`}; it printed ${stdout}${stderr ? ` and on stderr ${stderr}` : ''}`,
    `${exit === undefined ? '还在运行' : `退出码 ${exit}`}；它打印了 ${stdout}${stderr ? `，在 stderr 上打印了 ${stderr}` : ''}`,
  );
}

/** Waits for a program to end by itself. A hang guard only: a busy machine may take seconds to start Node. `what` names it: t('the client program', '客户端程序'). */
export async function exited(net: Harness, program: Program, what: Words, within = 30_000): Promise<number> {
  return net.waitUntil(() => program.exit(), within, () => ({
    expected: t(`${what} to exit by itself within ${within / 1000} s`, `${what}在 ${within / 1000} 秒内自己退出`),
    actual: programSaid(program),
    hint: t('once the work is done nothing may keep the process alive: no timer, no open socket, no pending listener.', '活干完以后，不能再有任何东西让进程活着：没有定时器、没有打开的 socket、没有还在等待的监听器。'),
  }));
}

/** How long a program may take to exit once its work is done: it needs milliseconds. */
const EXIT_GRACE_MS = 5000;

/**
 * Waits for the program to print `expected` (or end), then for it to exit within EXIT_GRACE_MS of
 * printing it: a program whose work is done must end by itself, at once. Both waits are hang
 * guards, many times what they need.
 */
export async function doneAndExited(net: Harness, program: Program, expected: string, command: string): Promise<number> {
  await net.waitUntil(() => program.exit() !== undefined || program.printedAt(expected) !== undefined, 20_000, () => ({
    expected: t(`\`${command}\` to print ${show(expected)} within 20 s`, `\`${command}\` 在 20 秒内打印出 ${show(expected)}`),
    actual: programSaid(program),
    hint: t('the checks above say more: run them first.', '上面的检查说得更详细：先让它们通过。'),
  }));
  // Counted from when it printed, not from when this looked: it may have been started earlier.
  const printed = program.printedAt(expected) ?? performance.now();
  return net.waitUntil(() => program.exit(), printed + EXIT_GRACE_MS - performance.now(), () => ({
    expected: t(`\`${command}\` to exit once it has printed everything and closed`, `\`${command}\` 打印完所有内容、关闭连接之后就退出`),
    actual: t(`it was still running ${EXIT_GRACE_MS / 1000} s after it printed everything`, `打印完所有内容 ${EXIT_GRACE_MS / 1000} 秒之后，它还在运行`),
    hint: t('something still keeps the process alive: a timer that was never cleared (clearTimeout once it is no longer needed), or a socket left open. A program ends when nothing is left to wait for.',
      '还有东西让进程活着：一个没清掉的定时器（不再需要时就 clearTimeout），或者一个没关的 socket。没有任何东西可等了，程序才会结束。'),
  }));
}

/**
 * Starts the lesson's server.ts as `npx tsx server.ts --port 0` and waits for the line
 * `<name> listening on ws://127.0.0.1:<port>` that runServerProgram prints; returns its URL.
 */
export async function startServerProgram(net: Harness, dir: string, name: string): Promise<{ server: Program; url: string }> {
  const server = runProgram(net, dir, ['server.ts', '--port', '0']);
  const line = `if (isMain(import.meta.url)) await runServerProgram('${name}', createServer);`;
  const keep = t(`keep the last line of server.ts as given: ${line}`, `保留 server.ts 原有的最后一行：${line}`);
  await net.waitUntil(() => server.exit() ?? /listening on ws:\/\/\S+:\d+/.test(server.stdout()), 30_000, () => ({
    expected: t(`\`npx tsx server.ts --port 0\` to print "${name} listening on ws://127.0.0.1:<port>"`, `\`npx tsx server.ts --port 0\` 打印出 "${name} listening on ws://127.0.0.1:<port>"`),
    actual: programSaid(server),
    hint: keep,
  }));
  const url = new RegExp(`^${name} listening on (ws://127\\.0\\.0\\.1:\\d+)`, 'm').exec(server.stdout())?.[1];
  if (server.exit() !== undefined || url === undefined) {
    fail({
      expected: t(`\`npx tsx server.ts --port 0\` to print "${name} listening on ws://127.0.0.1:<port>" and keep serving`, `\`npx tsx server.ts --port 0\` 打印出 "${name} listening on ws://127.0.0.1:<port>"，并且持续提供服务`),
      actual: programSaid(server),
      hint: t(`${keep} Make sure nothing at the top level of the file throws.`, `${keep}。还要确认文件最外层没有会抛出异常的代码。`),
    });
  }
  return { server, url };
}

/**
 * Imports lesson files in a program of their own, as the checks and `npm run play` do: importing
 * must start nothing. Once the imports are done (the program says so), nothing is left to do, so
 * the program must end at once: a server or a timer started at import keeps it alive.
 */
export async function importStartsNothing(net: Harness, dir: string, files: string[], env: Record<string, string>, hint: Words): Promise<void> {
  const names = t(files.join(' and '), files.join(' 和 '));
  const imports = files.map((file) => `await import('./${file}');`).join(' ');
  // The program itself says what keeps it alive 2 s (of its own time) after the imports: an
  // unref'd timer fires only while something else holds the process. So a busy machine that
  // merely slows its exit is never taken for a program that does not end.
  const watch = `setTimeout(() => console.log('${STILL_ALIVE}' + process.getActiveResourcesInfo().filter((r) => !/^(PipeWrap|TTYWrap)$/.test(r)).join(', ')), ${ALIVE_AFTER_MS}).unref();`;
  const program = runProgram(net, dir, ['--input-type=module', '-e', `${imports} console.log('imported'); ${watch}`], env);
  await net.waitUntil(() => program.exit() !== undefined || program.stdout().includes('imported'), 20_000, () => ({
    expected: t(`a program that only imports ${names} to load them within 20 s`, `一个只 import ${names} 的程序在 20 秒内加载完`), actual: programSaid(program), hint,
  }));
  const ended = (): boolean => program.exit() !== undefined || program.stdout().includes(STILL_ALIVE);
  // A hang guard only: the verdict comes from the program (an exit, or what holds it).
  await net.waitUntil(ended, 60_000, () => ({
    expected: t(`a program that only imports ${names} to end once ${files.length > 1 ? 'they are' : 'it is'} loaded`, `一个只 import ${names} 的程序在加载完之后立即结束`),
    actual: t(`it neither ended nor answered within 60 s of the imports; it printed ${show(program.stdout())}`, `import 之后 60 秒内它既没有结束也没有回应；它打印了 ${show(program.stdout())}`),
    hint,
  }));
  const alive = program.stdout().split(STILL_ALIVE)[1]?.trim();
  if (alive !== undefined) {
    fail({
      expected: t(`a program that only imports ${names} to end once ${files.length > 1 ? 'they are' : 'it is'} loaded`, `一个只 import ${names} 的程序在加载完之后立即结束`),
      actual: t(`it was still running ${ALIVE_AFTER_MS / 1000} s after the imports, held open by: ${alive || 'its standard input or output'}`, `import 完 ${ALIVE_AFTER_MS / 1000} 秒之后它还在运行，让它活着的是：${alive || '它的标准输入或输出'}`),
      hint,
    });
  }
  if (program.exit() !== 0 || program.stdout() !== 'imported\n') {
    fail({ expected: t(`importing ${names} to start nothing and print nothing`, `import ${names} 时什么也不启动、什么也不打印`), actual: programSaid(program), hint });
  }
}

/** importStartsNothing's marker: the program is alive this long after its imports, and says why. */
const STILL_ALIVE = 'still alive, held by: ';
const ALIVE_AFTER_MS = 2000;
