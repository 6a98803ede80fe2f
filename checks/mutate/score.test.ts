// The pure part of `npm run mutate`: matching equivalence entries, the score, the text lines,
// reading a report. No Stryker here: it runs in milliseconds.
import { describe, expect, it } from 'vitest';
import { parseEquivalents } from './equivalents.ts';
import { mutantsFromReport, sliceLocation } from './report.ts';
import {
  finalLine, formatScore, mutationScore, passes, scoreMutants, shorten, survivorLine, survivors,
  type EquivalentEntry, type Mutant,
} from './score.ts';

function mutant(overrides: Partial<Mutant>): Mutant {
  return { file: 'server.ts', line: 1, column: 1, mutator: 'StringLiteral', original: "'Echo: '", replacement: '""', status: 'Survived', ...overrides };
}

const entry: EquivalentEntry = { file: 'server.ts', mutator: 'StringLiteral', original: "'done'", replacement: '""', reason: 'the close reason is never read' };

describe('scoring mutants', () => {
  it('counts Killed and Timeout as killed, Survived and NoCoverage as survived, errors as not scored', () => {
    const { total } = scoreMutants([
      mutant({ status: 'Killed' }), mutant({ status: 'Timeout' }), mutant({ status: 'Survived' }),
      mutant({ status: 'NoCoverage' }), mutant({ status: 'CompileError' }), mutant({ status: 'RuntimeError' }), mutant({ status: 'Ignored' }),
    ], []);
    expect(total).toEqual({ total: 7, killed: 2, survived: 2, equivalent: 0, invalid: 3 });
    expect(mutationScore(total)).toBe(50);
  });

  it('makes every surviving mutant with the same file, mutator, original and replacement equivalent, wherever it is', () => {
    const scored = scoreMutants([
      mutant({ original: "'done'", line: 3 }),
      mutant({ original: "'done'", line: 40, status: 'NoCoverage' }),
      mutant({ original: "'done'", file: 'client.ts' }),
      mutant({ original: "'done'", mutator: 'BlockStatement' }),
      mutant({ original: "'Done'" }),
    ], [entry]);
    expect(scored.mutants.map((m) => m.outcome)).toEqual(['equivalent', 'equivalent', 'survived', 'survived', 'survived']);
    expect(scored.mutants[0]?.reason).toBe(entry.reason);
    expect(scored.total).toMatchObject({ survived: 3, equivalent: 2 });
    expect(scored.stale).toEqual([]);
  });

  it('leaves equivalent mutants out of the score', () => {
    const { total } = scoreMutants([mutant({ status: 'Killed' }), mutant({ original: "'done'" })], [entry]);
    expect(mutationScore(total)).toBe(100);
    expect(passes(total)).toBe(true);
  });

  it('reports an entry that matches nothing as stale, and one that matches a killed mutant as wrong', () => {
    const stale: EquivalentEntry = { ...entry, original: "'gone'" };
    const killed = mutant({ original: "'done'", status: 'Killed' });
    const scored = scoreMutants([killed], [entry, stale]);
    expect(scored.stale).toEqual([stale]);
    expect(scored.wrong).toEqual([{ entry, mutant: killed }]);
    expect(scored.mutants[0]?.outcome).toBe('killed');
  });

  it('keeps per-file tallies', () => {
    const scored = scoreMutants([mutant({ status: 'Killed' }), mutant({ file: 'client.ts' })], []);
    expect(scored.files.get('server.ts')).toMatchObject({ total: 1, killed: 1 });
    expect(scored.files.get('client.ts')).toMatchObject({ total: 1, survived: 1 });
  });

  it('scores 100 when nothing can be scored, and gates at 90', () => {
    expect(mutationScore({ total: 0, killed: 0, survived: 0, equivalent: 0, invalid: 0 })).toBe(100);
    expect(passes({ total: 10, killed: 9, survived: 1, equivalent: 0, invalid: 0 })).toBe(true);
    expect(passes({ total: 100, killed: 899, survived: 101, equivalent: 0, invalid: 0 })).toBe(false);
  });
});

describe('the text a maintainer reads', () => {
  it('prints a survivor on one line with its position, mutator, original and replacement', () => {
    expect(survivorLine(mutant({ line: 12, column: 5 }))).toBe(`server.ts:12:5  StringLiteral  'Echo: ' → ""`);
    expect(survivorLine(mutant({ status: 'NoCoverage' }))).toMatch(/\(no check runs this code\)$/);
  });

  it('flattens and cuts long source text', () => {
    expect(shorten('{\n  a();\n  b();\n}')).toBe('{ a(); b(); }');
    const cut = shorten('x'.repeat(100));
    expect(cut).toHaveLength(60);
    expect(cut.endsWith('…')).toBe(true);
    expect(shorten('')).toBe('""');
  });

  it('never rounds a failing score up to the threshold', () => {
    expect(formatScore(89.96)).toBe('89.9 %');
    expect(formatScore(100)).toBe('100.0 %');
  });

  it('ends with the lesson, the counts and the score', () => {
    expect(finalLine('lesson-01', { total: 12, killed: 9, survived: 1, equivalent: 2, invalid: 0 }))
      .toBe('lesson-01: killed 9 / survived 1 / equivalent 2 — score 90.0 %');
  });

  it('lists survivors by file and position', () => {
    const scored = scoreMutants([mutant({ file: 'server.ts', line: 9 }), mutant({ file: 'client.ts', line: 20 }), mutant({ file: 'server.ts', line: 2 }), mutant({ status: 'Killed' })], []);
    expect(survivors(scored).map((m) => `${m.file}:${m.line}`)).toEqual(['client.ts:20', 'server.ts:2', 'server.ts:9']);
  });
});

describe('reading the Stryker report', () => {
  const source = "const a = 'x';\r\nif (ok) {\n  go();\n}\n";

  it('takes the exact source text of a 1-based, end-exclusive location, across lines and CRLF', () => {
    expect(sliceLocation(source, { line: 1, column: 11 }, { line: 1, column: 14 })).toBe("'x'");
    expect(sliceLocation(source, { line: 2, column: 9 }, { line: 4, column: 2 })).toBe('{\n  go();\n}');
  });

  it('flattens the files into mutants', () => {
    const report = {
      files: {
        'client.ts': {
          source,
          mutants: [{ mutatorName: 'BlockStatement', replacement: '{}', status: 'Survived', location: { start: { line: 2, column: 9 }, end: { line: 4, column: 2 } } }],
        },
      },
    };
    expect(mutantsFromReport(report)).toEqual([
      { file: 'client.ts', line: 2, column: 9, mutator: 'BlockStatement', original: '{\n  go();\n}', replacement: '{}', status: 'Survived' },
    ]);
    expect(() => mutantsFromReport({})).toThrow(/no "files"/);
  });
});

describe('the equivalence file', () => {
  it('accepts entries with all five fields', () => {
    expect(parseEquivalents([entry], ['server.ts'], 'x.json')).toEqual([entry]);
  });

  it.each([
    ['not an array', {}, /array/],
    ['a missing field', [{ ...entry, replacement: undefined }], /entry 0 needs a string "replacement"/],
    ['an empty reason', [{ ...entry, reason: ' ' }], /needs a reason/],
    ['a file the lesson does not have', [{ ...entry, file: 'other.ts' }], /not one of the lesson's files/],
  ])('rejects %s', (_, data, message) => {
    expect(() => parseEquivalents(data, ['server.ts'], 'x.json')).toThrow(message);
  });
});
