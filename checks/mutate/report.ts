// Reads Stryker's JSON report (mutation-testing-report-schema) into flat Mutant records, each
// with the exact source text it replaces: that text, not the line, is what equivalence entries
// match on.
import { readFileSync } from 'node:fs';
import type { Mutant, MutantStatus } from './score.ts';

interface Position {
  line: number;
  column: number;
}

interface ReportMutant {
  mutatorName: string;
  replacement?: string;
  status: MutantStatus;
  location: { start: Position; end: Position };
}

interface Report {
  files: Record<string, { source: string; mutants: ReportMutant[] }>;
}

/** The text between two 1-based positions (end exclusive), as the schema defines locations. */
export function sliceLocation(source: string, start: Position, end: Position): string {
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offset = ({ line, column }: Position): number => (lineStarts[line - 1] ?? source.length) + column - 1;
  return source.slice(offset(start), offset(end));
}

export function mutantsFromReport(report: unknown): Mutant[] {
  const files = (report as Partial<Report> | null)?.files;
  if (!files || typeof files !== 'object') throw new Error('the Stryker report has no "files"');
  return Object.entries(files).flatMap(([file, { source, mutants }]) =>
    mutants.map((mutant) => ({
      file,
      line: mutant.location.start.line,
      column: mutant.location.start.column,
      mutator: mutant.mutatorName,
      original: sliceLocation(source, mutant.location.start, mutant.location.end),
      // The schema makes it optional; Stryker always writes it.
      replacement: mutant.replacement ?? '',
      status: mutant.status,
    })),
  );
}

export function readReport(path: string): Mutant[] {
  return mutantsFromReport(JSON.parse(readFileSync(path, 'utf8')));
}
