// Turns check results into what a learner reads: plain sentences, their own stack frames only.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';
import { ROOT } from '../lessons.ts';
import type { ErrorInfo } from './events.ts';
import type { StuckFrame } from './run-checks.ts';
import { WIRE_HEADER } from '../wire.ts';

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
    lines.push(`Not done yet: ${error.message}`);
    lines.push(...learnerFrames(error.stack).slice(0, 1).map((frame) => pc.dim(`(the todo(...) call is ${frame.replace(/^at\s+(\S+\s+\()?/, 'at ').replace(/\)$/, '')})`)));
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
  const frames = error.name === 'CheckFailure' && !/threw|crash|TODO/.test(message) ? [] : learnerFrames(error.stack);
  lines.push(...frames.map((frame) => pc.dim(frame)));
  lines.push(...formatWire(wire));
  return lines.map((line) => `${indent}${colourLine(line)}`).join('\n');
}

/** A failure message and the wire transcript the harness put under it (see checks/wire.ts). */
export function splitWire(text: string): { message: string; wire: string[] } {
  const at = text.indexOf(`\n${WIRE_HEADER}`);
  if (at < 0) return { message: text, wire: [] };
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
    ...(hidden > 0 ? [pc.dim(`  … ${hidden} earlier (add -- --wire to see every frame)`)] : []),
    ...shown.map((line) => pc.dim(line)),
  ];
}

function colourLine(line: string): string {
  if (line.startsWith('Expected ')) return line;
  if (line.startsWith('Got ')) return pc.red(line);
  if (line.startsWith('Hint: ')) return pc.cyan(line);
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
      pc.red(`Syntax error in ${where}: ${compile.message}`),
      ...codeFrame(compile.file, compile.line, compile.column),
      pc.cyan('Hint: TypeScript could not read this file, so no check could run. The mistake is at the marker or just before it (a missing bracket, quote or comma).'),
    ].map((line) => `${indent}${line}`).join('\n');
  }
  if (error.name === 'TodoError') return formatError(error, indent);
  const frames = learnerFrames(error.stack);
  const origin = /\(?([^\s()]+\.[cm]?[jt]s):\d+/.exec(frames[0] ?? '')?.[1];
  return [
    pc.red(`${origin ? `${origin} threw` : 'Your code threw'} while it was being loaded, before any check ran:`),
    `${error.name}: ${error.message}`,
    ...frames.map((frame) => pc.dim(frame)),
    pc.cyan('Hint: code at the top level of a file runs as soon as the file is imported. Keep it inside functions (createServer, runClient) that the checks call.'),
  ].map((line) => `${indent}${line}`).join('\n');
}

/** Where code that never gave control back was stuck: the innermost project frame, with its line. */
export function formatStuck(frames: readonly StuckFrame[], indent = '    '): string {
  const [top, ...rest] = frames;
  if (!top) return '';
  const lines = [`Your code was stuck at ${top.file}:${top.line}${top.function !== '(top level)' ? ` in ${top.function}()` : ''}:`];
  if (top.source) lines.push(`  ${pc.red(top.source)}`);
  for (const frame of rest.slice(0, 3)) lines.push(pc.dim(`called from ${frame.file}:${frame.line}${frame.function !== '(top level)' ? ` (${frame.function})` : ''}`));
  return lines.map((line) => `${indent}${line}`).join('\n');
}

/** Plain words for the type errors a learner meets most; the compiler's own text follows. */
const TYPE_ERROR_WORDS: Record<string, string> = {
  TS2322: 'a value of one type is stored where another type is expected',
  TS2345: 'a function is called with an argument of the wrong type',
  TS2339: 'the code uses a property that this type does not have',
  TS2551: 'the code uses a property that this type does not have (a typo?)',
  TS2304: 'the code uses a name that is not defined or imported',
  TS2554: 'a function is called with the wrong number of arguments',
  TS2532: 'the value may be undefined here: check it first',
  TS18048: 'the value may be undefined here: check it first',
  TS18047: 'the value may be null here: check it first',
  TS7006: 'a parameter has no type and none can be inferred: give it one',
  TS2769: 'no version (overload) of this function accepts these arguments',
  TS2355: 'a function that declares a return type does not return a value on every path',
  TS2366: 'a function that declares a return type does not return a value on every path',
  TS2801: 'a Promise is used where its value was meant: is an await missing?',
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
    const words = TYPE_ERROR_WORDS[error.code];
    lines.push(pc.red(`${displayPath(error.file)}:${error.line}:${error.column} ${error.code}: ${words ? `${words}.` : error.message}`));
    if (words) lines.push(pc.dim(`TypeScript says: ${error.message}`));
    lines.push(...codeFrame(error.file, error.line, error.column, 1));
  }
  if (errors.length > limit) lines.push(pc.dim(`… and ${errors.length - limit} more (npx tsc -p tsconfig.json lists them all)`));
  lines.push(pc.cyan('Hint: the checks ran your code anyway (TypeScript\'s types are erased when it runs), but the compiler says these lines are wrong. Fix them: a lesson is done only when it has no type errors.'));
  return lines.map((line) => `${indent}${line}`).join('\n');
}
