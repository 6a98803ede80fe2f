// Turns check results into what a learner reads: plain sentences, their own stack frames only.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';
import { ROOT } from '../lessons.ts';
import type { ErrorInfo } from './events.ts';
import { t } from './language.ts';
import type { StuckFrame } from './run-checks.ts';
import { WIRE_HEADERS } from '../wire.ts';

/** Stack frames from the learner's and lessons' files; the runner's, vitest's and node's are noise. */
export function learnerFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  return stack.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .filter((line) => !/node_modules|\(node:|at node:|\/checks\/(harness|runner)|\/lib\/todo\.ts/.test(line))
    .map((line) => line.trim().replace(/file:\/\/[^\s)]+/g, (url) => relative(ROOT, fileURLToPath(url))).replaceAll(`${ROOT}/`, ''))
    .slice(0, 5);
}

export function formatError(error: ErrorInfo, indent = '    '): string {
  const lines: string[] = [];
  if (error.name === 'TodoError') {
    lines.push(t(`Not done yet: ${error.message}`, `还没完成：${error.message}`));
    lines.push(...learnerFrames(error.stack).slice(0, 1).map((frame) => {
      const where = frame.replace(/^at\s+(\S+\s+\()?/, '').replace(/\)$/, '');
      return pc.dim(t(`(the todo(...) call is at ${where})`, `（todo(...) 调用在 ${where}）`));
    }));
    return lines.map((line) => `${indent}${colourLine(line)}`).join('\n');
  }
  const { message, wire } = splitWire(error.message);
  if (error.name === 'CheckFailure') {
    lines.push(...message.split('\n'));
  } else if (error.name === 'AssertionError') {
    lines.push(error.message);
    if (error.diff) lines.push(...error.diff.split('\n'));
  } else {
    lines.push(`${error.name}: ${error.message}`);
  }
  // Frames point at the learner's own code; for a CheckFailure they show where it was raised.
  const frames = error.name === 'CheckFailure' && !/threw|crash|TODO|崩溃/.test(message) ? [] : learnerFrames(error.stack);
  lines.push(...frames.map((frame) => pc.dim(frame)));
  lines.push(...formatWire(wire));
  return lines.map((line) => `${indent}${colourLine(line)}`).join('\n');
}

/** A failure message and the wire transcript the harness put under it (see checks/wire.ts), in either language. */
export function splitWire(text: string): { message: string; wire: string[] } {
  const found = [WIRE_HEADERS.en, WIRE_HEADERS.zh].map((header) => text.indexOf(`\n${header}`)).filter((at) => at >= 0);
  if (found.length === 0) return { message: text, wire: [] };
  const at = Math.min(...found);
  return { message: text.slice(0, at), wire: text.slice(at + 1).split('\n') };
}

/** How many frames a failure shows unless `--wire` asked for all (WORKBOOK_WIRE=all). */
const WIRE_SHOWN = 8;

function formatWire(wire: readonly string[]): string[] {
  const [header, ...entries] = wire;
  if (!header || entries.length === 0) return [];
  const all = process.env.WORKBOOK_WIRE === 'all';
  const shown = all ? entries : entries.slice(-WIRE_SHOWN);
  const hidden = entries.length - shown.length;
  return [
    pc.dim(header),
    ...(hidden > 0 ? [pc.dim(t(`  … ${hidden} earlier (add -- --wire to see every frame)`, `  … 前面还有 ${hidden} 条（加上 -- --wire 可以看到每一帧）`))] : []),
    ...shown.map((line) => pc.dim(line)),
  ];
}

/** Colours the "Got" and "Hint" lines of a failure (the harness writes them in either language). */
function colourLine(line: string): string {
  if (line.startsWith('Expected ') || line.startsWith('期望：')) return line;
  if (line.startsWith('Got ') || line.startsWith('实际：')) return pc.red(line);
  if (line.startsWith('Hint: ') || line.startsWith('提示：')) return pc.cyan(line);
  return line;
}

export function displayPath(file: string): string {
  return relative(ROOT, file);
}

/** A file TypeScript (esbuild, through vite) could not read: where, and why. */
export interface CompileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function compileError(error: ErrorInfo): CompileError | undefined {
  // esbuild: "Transform failed with 1 error:\n/abs/server.ts:9:38: ERROR: Unexpected \";\""
  const match = /^(\S[^\n]*?\.[cm]?[jt]sx?):(\d+):(\d+): ERROR: (.+)$/m.exec(error.message);
  if (match) {
    const [, file = '', line = '0', column = '0', message = ''] = match;
    return { file: isAbsolute(file) ? file : resolve(ROOT, file), line: Number(line), column: Number(column) + 1, message };
  }
  const located = error.location && /^(.*):(\d+):(\d+)$/.exec(error.location);
  if (located) {
    const [, file = '', line = '0', column = '0'] = located;
    return { file: resolve(ROOT, file), line: Number(line), column: Number(column), message: error.message.split('\n')[0] ?? error.message };
  }
  return undefined;
}

/** The lines around `line` (1-based) with a marker under `column`, like a compiler prints them. */
export function codeFrame(file: string, line: number, column: number, around = 2): string[] {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
  const first = Math.max(1, line - around);
  const last = Math.min(lines.length, line + 1);
  const width = String(last).length;
  const frame: string[] = [];
  for (let n = first; n <= last; n += 1) {
    const text = (lines[n - 1] ?? '').replace(/\t/g, '  ');
    frame.push(`${n === line ? pc.red('>') : ' '} ${pc.dim(String(n).padStart(width))} | ${text}`);
    if (n === line) frame.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}${pc.red('^')}`);
  }
  return frame;
}

/** Explains a check file that could not be loaded: a syntax error, or a file that threw at import. */
export function formatLoadError(error: ErrorInfo, indent = '    '): string {
  const compile = compileError(error);
  if (compile) {
    const where = `${displayPath(compile.file)}:${compile.line}:${compile.column}`;
    return [
      pc.red(t(`Syntax error in ${where}: ${compile.message}`, `${where} 有语法错误：${compile.message}`)),
      ...codeFrame(compile.file, compile.line, compile.column),
      pc.cyan(t('Hint: TypeScript could not read this file, so no check could run. The mistake is at the marker or just before it (a missing bracket, quote or comma).',
        '提示：TypeScript 读不懂这个文件，所以一个检查也没法运行。错误就在 ^ 标记处，或者紧挨在它前面（少了括号、引号或逗号）。')),
    ].map((line) => `${indent}${line}`).join('\n');
  }
  if (error.name === 'TodoError') return formatError(error, indent);
  const frames = learnerFrames(error.stack);
  const origin = /\(?([^\s()]+\.[cm]?[jt]s):\d+/.exec(frames[0] ?? '')?.[1];
  return [
    pc.red(origin
      ? t(`${origin} threw while it was being loaded, before any check ran:`, `${origin} 在加载时就抛出了异常，一个检查都还没运行：`)
      : t('Your code threw while it was being loaded, before any check ran:', '你的代码在加载时就抛出了异常，一个检查都还没运行：')),
    `${error.name}: ${error.message}`,
    ...frames.map((frame) => pc.dim(frame)),
    pc.cyan(t('Hint: code at the top level of a file runs as soon as the file is imported. Keep it inside functions (createServer, runClient) that the checks call.',
      '提示：写在文件最外层的代码，文件一被 import 就会执行。把它放进检查会调用的函数里（createServer、runClient）。')),
  ].map((line) => `${indent}${line}`).join('\n');
}

/** Where code that never gave control back was stuck: the innermost project frame, with its line. */
export function formatStuck(frames: readonly StuckFrame[], indent = '    '): string {
  const [top, ...rest] = frames;
  if (!top) return '';
  const at = `${top.file}:${top.line}`;
  const inside = top.function !== '(top level)';
  const lines: string[] = [inside ? t(`Your code was stuck at ${at} in ${top.function}():`, `你的代码卡在 ${at}，${top.function}() 里：`) : t(`Your code was stuck at ${at}:`, `你的代码卡在 ${at}：`)];
  if (top.source) lines.push(`  ${pc.red(top.source)}`);
  for (const frame of rest.slice(0, 3)) {
    const from = `${frame.file}:${frame.line}${frame.function !== '(top level)' ? ` (${frame.function})` : ''}`;
    lines.push(pc.dim(t(`called from ${from}`, `调用自 ${from}`)));
  }
  return lines.map((line) => `${indent}${line}`).join('\n');
}

/** Plain words for the type errors a learner meets most, [English, Chinese]; the compiler's own text follows. */
const TYPE_ERROR_WORDS: Record<string, [string, string]> = {
  TS2322: ['a value of one type is stored where another type is expected', '把一种类型的值放到了需要另一种类型的地方'],
  TS2345: ['a function is called with an argument of the wrong type', '调用函数时传了类型不对的参数'],
  TS2339: ['the code uses a property that this type does not have', '代码用了这个类型没有的属性'],
  TS2551: ['the code uses a property that this type does not have (a typo?)', '代码用了这个类型没有的属性（是不是拼错了？）'],
  TS2304: ['the code uses a name that is not defined or imported', '代码用了一个既没定义、也没 import 的名字'],
  TS2554: ['a function is called with the wrong number of arguments', '调用函数时参数个数不对'],
  TS2532: ['the value may be undefined here: check it first', '这里的值可能是 undefined：先检查一下'],
  TS18048: ['the value may be undefined here: check it first', '这里的值可能是 undefined：先检查一下'],
  TS18047: ['the value may be null here: check it first', '这里的值可能是 null：先检查一下'],
  TS7006: ['a parameter has no type and none can be inferred: give it one', '参数没有类型，也推断不出来：给它写上类型'],
  TS2769: ['no version (overload) of this function accepts these arguments', '这个函数没有哪个版本（重载）接受这些参数'],
  TS2355: ['a function that declares a return type does not return a value on every path', '函数声明了返回类型，却不是每条路径都有返回值'],
  TS2366: ['a function that declares a return type does not return a value on every path', '函数声明了返回类型，却不是每条路径都有返回值'],
  TS2801: ['a Promise is used where its value was meant: is an await missing?', '本该用 Promise 的结果，却直接用了 Promise 本身：是不是少了 await？'],
};

export interface TypeErrorInfo {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

/** Type errors shown like syntax errors: where, the code, plain words, the line itself. */
export function formatTypeErrors(errors: readonly TypeErrorInfo[], indent = '    ', limit = 3): string {
  const lines: string[] = [];
  for (const error of errors.slice(0, limit)) {
    const pair = TYPE_ERROR_WORDS[error.code];
    const words = pair ? t(`${pair[0]}.`, `${pair[1]}。`) : error.message;
    lines.push(pc.red(`${displayPath(error.file)}:${error.line}:${error.column} ${error.code}: ${words}`));
    if (pair) lines.push(pc.dim(t(`TypeScript says: ${error.message}`, `TypeScript 的原话：${error.message}`)));
    lines.push(...codeFrame(error.file, error.line, error.column, 1));
  }
  if (errors.length > limit) lines.push(pc.dim(t(`… and ${errors.length - limit} more (npx tsc -p tsconfig.json lists them all)`, `… 还有 ${errors.length - limit} 个（npx tsc -p tsconfig.json 会全部列出）`)));
  lines.push(pc.cyan(t('Hint: the checks ran your code anyway (TypeScript\'s types are erased when it runs), but the compiler says these lines are wrong. Fix them: a lesson is done only when it has no type errors.',
    '提示：检查照样运行了你的代码（运行时 TypeScript 的类型会被擦掉），但编译器说这几行有错。改好它们：没有类型错误，这一课才算完成。')));
  return lines.map((line) => `${indent}${line}`).join('\n');
}
