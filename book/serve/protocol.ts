// What the demo children write on file descriptor 3 (one JSON object per line), so a learner's
// own console.log on stdout can never be mistaken for the transcript.
import { writeSync } from 'node:fs';
import type { TranscriptEvent } from '../../checks/play/play-lesson.ts';

export type ChildMessage =
  | ({ type: 'event' } & TranscriptEvent)
  | { type: 'end'; ok: boolean; message: string }
  | { type: 'ready'; url: string }
  | { type: 'log'; text: string }
  | { type: 'crash'; message: string };

export const CHANNEL_FD = 3;

export function tell(message: ChildMessage): void {
  try {
    writeSync(CHANNEL_FD, `${JSON.stringify(message)}\n`);
  } catch {
    // The book server is gone: nobody is listening, so stop.
    process.exit(1);
  }
}

/** A learner-facing sentence for an error thrown by lesson code. */
export function describeError(error: unknown): string {
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.name === 'TodoError') return `Not done yet: ${err.message}`;
  const code = (err as NodeJS.ErrnoException).code;
  return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
}
