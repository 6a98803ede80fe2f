// `npm test`: the project's own tests (harness, runner, contract, book, benches).
// Lessons' *.check.ts files are not run directly here: the contract test runs them against each
// lesson's starter, solution and known-wrong solutions.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The longest files start first, so the run does not wait on one that began last (a fresh clone
// has no timings cached for vitest's own ordering). The rest keep vitest's order.
const LONGEST_FIRST = ['checks/contract.test.ts', 'book/tests/sweep.test.ts', 'book/tests/browser.test.ts', 'checks/runner/hardening.test.ts', 'checks/contract/lost-results.test.ts'];
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = LONGEST_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return at < 0 ? LONGEST_FIRST.length : at;
    };
    return sorted.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    include: ['checks/**/*.test.ts', 'lib/**/*.test.ts', 'book/**/*.test.ts', 'bench/**/*.test.ts'],
    // A hang guard, not a speed limit: these tests start processes, browsers and servers, and a
    // loaded machine (two busy loops beside it) must not fail them.
    testTimeout: 120_000,
    hookTimeout: 20 * 60_000,
    pool: 'forks',
    // Sized to the machine: one file per core, plus one, since most of these files wait on
    // sockets, child processes and timeouts rather than compute. The contract inside one of them
    // runs two check files per core (checks/contract/contract.ts); no test depends on speed.
    maxWorkers: availableParallelism() + 1,
    sequence: { sequencer: LongestFirst },
    watch: false,
  },
});
