// The results of a mutation run, twice: as text for the maintainer (a per-file table, one line per
// survivor, warnings about equivalence entries, the final line) and as summary.json for tools.
import pc from 'picocolors';
import {
  finalLine, formatScore, mutationScore, passes, SCORE_THRESHOLD, shorten, survivorLine, survivors,
  type Scored, type Tally,
} from './score.ts';

function tableRow(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
}

function fileTable(scored: Scored): string[] {
  const header = ['file', 'mutants', 'killed', 'survived', 'equivalent', 'invalid', 'score'];
  const row = (name: string, t: Tally): string[] =>
    [name, String(t.total), String(t.killed), String(t.survived), String(t.equivalent), String(t.invalid), formatScore(mutationScore(t))];
  const rows = [...scored.files].map(([file, tally]) => row(file, tally));
  rows.push(row('all files', scored.total));
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((cells) => cells[i]?.length ?? 0)));
  return [tableRow(header, widths), ...rows.map((cells) => tableRow(cells, widths))];
}

export function summaryText(lessonId: string, scored: Scored): string[] {
  const lines = ['', ...fileTable(scored), ''];
  const left = survivors(scored);
  if (left.length > 0) {
    lines.push(pc.bold(`Survivors (${left.length}): kill each with a sharper check, or, only if no check could ever tell, an equivalence entry with its reason:`));
    lines.push(...left.map((mutant) => `  ${survivorLine(mutant)}`), '');
  }
  for (const entry of scored.stale) {
    lines.push(pc.yellow(`Stale equivalence entry (matches no mutant): ${entry.file}  ${entry.mutator}  ${shorten(entry.original)} → ${shorten(entry.replacement)}`));
  }
  for (const { mutant } of scored.wrong) {
    lines.push(pc.yellow(`Wrong equivalence entry (a check kills this mutant): ${survivorLine(mutant)}`));
  }
  if (scored.stale.length + scored.wrong.length > 0) lines.push('');
  const last = finalLine(lessonId, scored.total);
  lines.push(passes(scored.total) ? pc.green(last) : pc.red(`${last} (below ${SCORE_THRESHOLD} %)`));
  return lines;
}

/** The number formatScore shows: rounded down to 0.1. */
function roundedScore(tally: Tally): number {
  return Math.floor(mutationScore(tally) * 10) / 10;
}

export function summaryJson(lessonId: string, folder: string, scored: Scored, extra: { report: string; durationSeconds: number }): object {
  const position = ({ file, line, column, mutator, status, original, replacement }: Scored['mutants'][number]) =>
    ({ file, line, column, mutator, status, original, replacement });
  return {
    lesson: lessonId,
    folder,
    threshold: SCORE_THRESHOLD,
    score: roundedScore(scored.total),
    passed: passes(scored.total),
    ...scored.total,
    files: Object.fromEntries([...scored.files].map(([file, tally]) => [file, { ...tally, score: roundedScore(tally) }])),
    survivors: survivors(scored).map(position),
    equivalents: scored.mutants.filter((m) => m.outcome === 'equivalent').map((m) => ({ ...position(m), reason: m.reason })),
    staleEquivalents: scored.stale,
    wrongEquivalents: scored.wrong.map(({ entry, mutant }) => ({ entry, mutant: { file: mutant.file, line: mutant.line, column: mutant.column, status: mutant.status } })),
    ...extra,
  };
}
