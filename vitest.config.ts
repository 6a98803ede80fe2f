// `npm test`: the project's own tests (harness, runner, contract, book, benches).
// Lessons' *.check.ts files are not run directly here: the contract test runs them against each
// lesson's starter, solution and known-wrong solutions.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

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
    watch: false,
  },
});
