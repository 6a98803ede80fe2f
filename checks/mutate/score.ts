// The pure part of `npm run mutate`: which mutants count as killed, survived or equivalent, the
// score, and the one-line text a maintainer reads. No file system, no Stryker: score.test.ts
// covers it in milliseconds.

/** A gate: below this, `npm run mutate` exits non-zero. */
export const SCORE_THRESHOLD = 90;

/** Stryker's statuses (mutation-testing-report-schema). */
export type MutantStatus =
  | 'Killed' | 'Timeout' | 'Survived' | 'NoCoverage'
  | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

/** One mutant from the report, with the source text it replaces. */
export interface Mutant {
  file: string;
  /** 1-based, as in the report. */
  line: number;
  column: number;
  mutator: string;
  /** The exact source text of the mutated range. */
  original: string;
  replacement: string;
  status: MutantStatus;
}

/** One entry of checks/lessons/<lesson-folder>/equivalent-mutants.json. */
export interface EquivalentEntry {
  file: string;
  mutator: string;
  original: string;
  replacement: string;
  reason: string;
}

/**
 * killed: a check failed (or hung: Timeout). survived: no check failed, or no check ran it.
 * equivalent: survived, but an entry says no check could ever tell. invalid: Stryker could not
 * run it (CompileError/RuntimeError) or was told to skip it (Ignored): not scored, as Stryker does.
 */
export type Outcome = 'killed' | 'survived' | 'equivalent' | 'invalid';

export interface ScoredMutant extends Mutant {
  outcome: Outcome;
  /** The entry that made it equivalent. */
  reason?: string;
}

export interface Tally {
  total: number;
  killed: number;
  survived: number;
  equivalent: number;
  invalid: number;
}

export interface Scored {
  mutants: ScoredMutant[];
  total: Tally;
  /** Per mutated file, in the order the files first appear. */
  files: Map<string, Tally>;
  /** Entries that matched no mutant at all: the code changed, or the entry is mistyped. */
  stale: EquivalentEntry[];
  /** Entries that matched a mutant a check kills: not equivalent, the entry is wrong. */
  wrong: { entry: EquivalentEntry; mutant: Mutant }[];
}

function outcomeOf(status: MutantStatus): Outcome {
  switch (status) {
    case 'Killed':
    case 'Timeout':
      return 'killed';
    case 'Survived':
    case 'NoCoverage':
      return 'survived';
    default:
      return 'invalid';
  }
}

/**
 * The key an entry and a mutant are matched on. No line or column, so entries survive edits
 * elsewhere in the file; the price is that every mutant with the same file, mutator, original
 * and replacement matches the same entry.
 */
function keyOf(item: { file: string; mutator: string; original: string; replacement: string }): string {
  return JSON.stringify([item.file, item.mutator, item.original, item.replacement]);
}

function emptyTally(): Tally {
  return { total: 0, killed: 0, survived: 0, equivalent: 0, invalid: 0 };
}

export function scoreMutants(mutants: readonly Mutant[], entries: readonly EquivalentEntry[]): Scored {
  // A list per key: two entries with the same key (say, two reasons) both count as matched.
  const byKey = new Map<string, EquivalentEntry[]>();
  for (const entry of entries) byKey.set(keyOf(entry), [...(byKey.get(keyOf(entry)) ?? []), entry]);
  const matched = new Set<EquivalentEntry>();
  const wrong: Scored['wrong'] = [];
  const total = emptyTally();
  const files = new Map<string, Tally>();

  const scored = mutants.map((mutant): ScoredMutant => {
    const sameKey = byKey.get(keyOf(mutant)) ?? [];
    for (const entry of sameKey) matched.add(entry);
    const entry = sameKey[0];
    let outcome = outcomeOf(mutant.status);
    if (entry && outcome === 'killed') wrong.push({ entry, mutant });
    if (entry && outcome === 'survived') outcome = 'equivalent';
    let fileTally = files.get(mutant.file);
    if (!fileTally) files.set(mutant.file, (fileTally = emptyTally()));
    for (const tally of [total, fileTally]) {
      tally.total += 1;
      tally[outcome] += 1;
    }
    return entry && outcome === 'equivalent' ? { ...mutant, outcome, reason: entry.reason } : { ...mutant, outcome };
  });

  return { mutants: scored, total, files, stale: entries.filter((entry) => !matched.has(entry)), wrong };
}

/** killed / (killed + survived), in percent; equivalent and invalid mutants do not count. 100 when nothing counts. */
export function mutationScore(tally: Tally): number {
  const scored = tally.killed + tally.survived;
  return scored === 0 ? 100 : (tally.killed / scored) * 100;
}

export function passes(tally: Tally): boolean {
  return mutationScore(tally) >= SCORE_THRESHOLD;
}

/** Rounded down to 0.1, so a score shown as 90.0 % always passes the gate. */
export function formatScore(score: number): string {
  return `${(Math.floor(score * 10) / 10).toFixed(1)} %`;
}

/** One line: whitespace runs collapsed, at most `max` characters. */
export function shorten(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return JSON.stringify(text);
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** `server.ts:12:5  StringLiteral  'Echo: ' → ""`, plus a note when no check ran the code at all. */
export function survivorLine(mutant: Mutant): string {
  const where = `${mutant.file}:${mutant.line}:${mutant.column}`;
  const note = mutant.status === 'NoCoverage' ? '  (no check runs this code)' : '';
  return `${where}  ${mutant.mutator}  ${shorten(mutant.original)} → ${shorten(mutant.replacement)}${note}`;
}

/** The last line of the run. */
export function finalLine(lessonId: string, tally: Tally): string {
  return `${lessonId}: killed ${tally.killed} / survived ${tally.survived} / equivalent ${tally.equivalent} — score ${formatScore(mutationScore(tally))}`;
}

/** Survivors in reading order: by file, then position. */
export function survivors(scored: Scored): ScoredMutant[] {
  return scored.mutants
    .filter((mutant) => mutant.outcome === 'survived')
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column
      || a.mutator.localeCompare(b.mutator) || a.replacement.localeCompare(b.replacement));
}
