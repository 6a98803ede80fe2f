// Prints a transcript to the terminal with a coloured label per side. Client text is passed
// through live, `\r` redraws included, so streaming lessons visibly stream.
import pc from 'picocolors';
import type { Side, TranscriptEvent } from './play-lesson.ts';

const LABELS: Record<Side, string> = {
  server: pc.magenta('server │ '),
  client: pc.cyan('client │ '),
  note: pc.dim('  ···  │ '),
};

export interface TerminalTranscript {
  emit(event: TranscriptEvent): void;
  /** Ends a line left open by the last write. */
  end(): void;
}

export function terminalTranscript(write: (text: string) => void = (text) => process.stdout.write(text)): TerminalTranscript {
  let openLine: Side | undefined;
  const end = (): void => {
    if (openLine) write('\n');
    openLine = undefined;
  };
  const emit = ({ side, text }: TranscriptEvent): void => {
    for (const piece of text.split(/(\r|\n)/)) {
      if (piece === '') continue;
      if (piece === '\n') {
        write(openLine === side ? '\n' : `${LABELS[side]}\n`);
        openLine = undefined;
      } else if (piece === '\r') {
        if (openLine && openLine !== side) write('\n');
        write(`\r\x1b[2K${LABELS[side]}`);
        openLine = side;
      } else {
        if (openLine !== side) {
          if (openLine) write('\n');
          write(LABELS[side]);
          openLine = side;
        }
        write(piece);
      }
    }
  };
  return { emit, end };
}
