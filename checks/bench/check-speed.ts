// npm run bench:check [-- --lesson lesson-04 --runs 10 --compare "node checks/cli/launch.mjs check"]
// Times `npm run check <lesson>` on a solved copy of the lesson (the heartbeat of the learner's
// loop) against the floor (floor.ts: tsx, a ws server and client, one message), interleaved in
// one loop so that machine load hits both alike, and reports the medians and their ratio.
// The check command is read from package.json, so this measures whatever `npm run check` runs
// (without npm's own start-up, which is the same for every script). --compare times another
// command the same way, in the same loop (e.g. a candidate for the script). It also times the
// overview (`npm start`) with nothing changed since its last run, which shows kept results.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { findLesson, lessonDir, lessonFolder, ROOT, solutionDir, type Lesson } from '../lessons.ts';

const { values } = parseArgs({
  options: {
    lesson: { type: 'string' },
    runs: { type: 'string', default: '10' },
    compare: { type: 'string' },
    json: { type: 'string' },
  },
});
const runs = Math.max(1, Math.floor(Number(values.runs) || 10));

function pickLesson(): Lesson {
  if (values.lesson) {
    const lesson = findLesson(values.lesson);
    if (!lesson) throw new Error(`There is no lesson "${values.lesson}"`);
    return lesson;
  }
  // The reference is lesson-04; lesson-01 where lesson-04 is not written yet.
  for (const id of ['lesson-04', 'lesson-01']) {
    const lesson = findLesson(id);
    if (lesson && existsSync(lessonDir(lesson)) && existsSync(solutionDir(lesson))) return lesson;
  }
  throw new Error('no lesson with a solution to bench');
}

export function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] ?? 0 : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const lesson = pickLesson();
const scratch = join(ROOT, '.workbook', `${lessonFolder(lesson)}--bench--${process.pid}`);
const scratchArgs = `${lesson.id} --dir ${relative(ROOT, scratch)}`;
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const commands: Record<string, string> = {
  floor: 'tsx checks/bench/floor.ts',
  check: `${scripts.check ?? 'tsx checks/cli/check.ts'} ${scratchArgs}`,
  overview: scripts.start ?? 'tsx checks/cli/overview.ts',
  ...(values.compare ? { compare: `${values.compare} ${scratchArgs}` } : {}),
};
// The overview keeps its results in a state file of the bench's own: the warm-up run fills it.
const state = join(ROOT, '.workbook', `bench-state-${process.pid}.json`);
const env = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`, FORCE_COLOR: '0', WORKBOOK_STATE: state };

function time(command: string): number {
  const started = performance.now();
  const result = spawnSync('sh', ['-c', command], { cwd: ROOT, env, encoding: 'utf8' });
  const ms = performance.now() - started;
  // The overview exits 0 whatever the lessons' state; a check of a solved copy must pass.
  if (result.status !== 0) throw new Error(`"${command}" failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return ms;
}

rmSync(scratch, { recursive: true, force: true });
mkdirSync(join(ROOT, '.workbook'), { recursive: true });
cpSync(lessonDir(lesson), scratch, { recursive: true });
cpSync(solutionDir(lesson), scratch, { recursive: true });
try {
  console.log(`Timing ${runs} runs of each, interleaved, on a solved copy of ${lesson.id}`);
  for (const [name, command] of Object.entries(commands)) console.log(`  ${name.padEnd(7)} ${command}`);
  // Warm-up: fills tsx's and vitest's caches, as a learner's second run finds them.
  for (const command of Object.values(commands)) time(command);
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  const names = Object.keys(commands);
  for (let i = 0; i < runs; i += 1) {
    // Rotate the order, so no command always runs right after the same other one.
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(i + k) % names.length] ?? 'floor';
      times[name]?.push(time(commands[name] ?? ''));
    }
    if (process.stdout.isTTY) process.stdout.write(`\r  run ${i + 1}/${runs}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[2K');
  const floor = times.floor ?? [];
  const floorMedian = median(floor);
  const summary: Record<string, unknown> = { lesson: lesson.id, runs, loadAverage: loadavg().map((n) => Number(n.toFixed(2))) };
  for (const name of names) {
    const ms = times[name] ?? [];
    const ratio = median(ms) / floorMedian;
    // Pairwise ratios (run i of this command against run i of the floor) cancel slow drifts in load.
    const pairRatio = median(ms.map((value, i) => value / (floor[i] ?? value)));
    summary[name] = { medianMs: Math.round(median(ms)), minMs: Math.round(Math.min(...ms)), ratio: Number(ratio.toFixed(2)), pairRatio: Number(pairRatio.toFixed(2)), ms: ms.map(Math.round) };
    console.log(`  ${name.padEnd(7)} median ${String(Math.round(median(ms))).padStart(5)} ms  min ${String(Math.round(Math.min(...ms))).padStart(5)} ms` +
      (name === 'floor' ? '' : `  ${ratio.toFixed(2)}× the floor (pairwise ${pairRatio.toFixed(2)}×)`));
  }
  console.log(`  load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}; targets: check ≤ 1.5× the floor, overview with nothing changed ≤ 2×`);
  const out = values.json ?? join(ROOT, '.workbook', 'bench-check.json');
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`  written to ${relative(ROOT, out)}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(state, { force: true });
}
