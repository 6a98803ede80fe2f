// npm run bench — runs every scenario at full size, prints a table and writes the report as JSON
// to bench/results/ (git-ignored) for comparison between runs. `--tiny` runs the test sizes.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ATTACKS, formatAbuse, runAbuse } from './abuse.ts';
import { formatReport } from './report.ts';
import { FULL, runBench, TINY } from './scenarios.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { tiny: { type: 'boolean' }, out: { type: 'string' } } });

console.log(`Benchmarks (${values.tiny ? 'tiny sizes' : 'full sizes'}): servers run in a child process, clients here, all on 127.0.0.1.`);
const started = performance.now();
const bench = await runBench(values.tiny ? TINY : FULL, (line) => console.log(`  · ${line}`));
// Abuse: each lesson server under a client that sends and never reads (tiny: one server, 1 s).
const abuse = await runAbuse(values.tiny ? 1 : 10, values.tiny ? ATTACKS.slice(0, 1) : ATTACKS, (line) => console.log(`  · ${line}`));
const report = { ...bench, abuse };
console.log(`\n${formatReport(report)}\n\nAbuse (a client that sends and never reads):\n${formatAbuse(abuse)}\n`);

const file = values.out ?? join(HERE, 'results', `bench-${report.createdAt.replace(/[:.]/g, '-')}.json`);
await mkdir(dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(dirname(file), 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`Report written to ${relative(process.cwd(), file)} (and latest.json), in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
