// npm run contract [lesson-03 …] — proves the lesson contract for the named lessons (default: all)
// and prints one line per variant. The same proof runs inside `npm test`.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { findLesson, lessonIdList, lessons, type Lesson } from '../lessons.ts';
import { runContract } from '../contract/contract.ts';

const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const selected: Lesson[] = [];
for (const query of positionals) {
  const lesson = findLesson(query);
  if (!lesson) {
    console.error(`There is no lesson "${query}". Valid lessons: ${lessonIdList()}`);
    process.exit(2);
  }
  selected.push(lesson);
}

const started = performance.now();
let checksRun = 0;
const outcomes = await runContract(selected.length > 0 ? selected : lessons, (event) => {
  if (event.type === 'result') {
    checksRun += 1;
    if (process.stdout.isTTY) process.stdout.write(`\r${pc.dim(`${checksRun} checks run…`)}`);
  }
});
if (process.stdout.isTTY) process.stdout.write('\r\x1b[2K');

let broken = 0;
for (const outcome of outcomes) {
  const { variant, results, problems } = outcome;
  const count = (state: string): number => results.filter((result) => result.state === state).length;
  const mark = problems.length === 0 ? pc.green('✓') : pc.red('✗');
  const skipped = count('skipped') > 0 ? pc.dim(`, ${count('skipped')} not run`) : '';
  const seconds = (results.reduce((sum, result) => sum + result.durationMs, 0) / 1000).toFixed(1);
  console.log(`${mark} ${variant.lesson.id} ${variant.kind.padEnd(8)} ${variant.name.padEnd(44)} ${count('passed')} pass, ${count('failed')} fail${skipped}${pc.dim(` · ${seconds} s`)}`);
  for (const problem of problems) console.log(pc.red(`    ${problem}`));
  if (problems.length > 0) broken += 1;
}
console.log(`\n${outcomes.length - broken} variants keep the contract, ${broken} break it (${checksRun} checks, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
process.exitCode = broken === 0 ? 0 : 1;
