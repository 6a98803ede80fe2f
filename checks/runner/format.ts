// Turns check results into what a learner reads: plain sentences, their own stack frames only.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';
import { ROOT } from '../lessons.ts';
import type { ErrorInfo } from './events.ts';

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
  if (error.name === 'CheckFailure') {
    lines.push(...error.message.split('\n'));
  } else if (error.name === 'AssertionError') {
    lines.push(error.message);
    if (error.diff) lines.push(...error.diff.split('\n'));
  } else {
    lines.push(`${error.name}: ${error.message}`);
  }
  // Frames point at the learner's own code; for a CheckFailure they show where it was raised.
  const frames = error.name === 'CheckFailure' && !/threw|crash|TODO/.test(error.message) ? [] : learnerFrames(error.stack);
  lines.push(...frames.map((frame) => pc.dim(frame)));
  return lines.map((line) => `${indent}${colourLine(line)}`).join('\n');
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
