// `npm test`: the project's own tests (harness, runner, contract, book, benches).
// Lessons' *.check.ts files are not run directly here: the contract test runs them against each
// lesson's starter, solution and known-wrong solutions.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['checks/**/*.test.ts', 'lib/**/*.test.ts', 'book/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 20 * 60_000,
    pool: 'forks',
    // On 2 cores vitest would run one file at a time; most of these files wait on sockets,
    // child processes and timeouts rather than compute, so overlapping them halves the run.
    maxWorkers: 3,
    watch: false,
  },
});
