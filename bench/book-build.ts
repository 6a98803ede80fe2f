// npm run bench:book — how long the book's build takes: CPU and wall time per build, median of
// several builds in this process (the first, which loads the modules, is reported apart).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBook } from '../book/src/site.ts';

const RUNS = 7;
const outDir = mkdtempSync(join(tmpdir(), 'book-bench-'));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

try {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const before = process.cpuUsage();
    const started = performance.now();
    const result = buildBook({ outDir });
    const used = process.cpuUsage(before);
    if (result.errors.length > 0) throw new Error(`the build has errors:\n${result.errors.join('\n')}`);
    cpu.push((used.user + used.system) / 1000);
    wall.push(performance.now() - started);
  }
  const [firstCpu = 0, ...restCpu] = cpu;
  const [firstWall = 0, ...restWall] = wall;
  console.log(`Book build, every page in both languages (${RUNS} builds in one process):`);
  console.log(`  first build  ${Math.round(firstCpu)} ms CPU, ${Math.round(firstWall)} ms wall (includes loading the modules)`);
  console.log(`  later builds ${Math.round(median(restCpu))} ms CPU, ${Math.round(median(restWall))} ms wall (median)`);
  console.log('`npm run book` adds process start-up (tsx) to the first figure.');
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
