// Runs `npm run bench` at tiny sizes, so the bench code cannot rot: the table is printed, the
// JSON report is written and has every scenario, and the basic facts hold (every echo came back
// right, no fast client lost a message). Performance targets are not asserted here: they are
// for `npm run bench` on a quiet machine.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbuseResult } from './abuse.ts';
import type { BenchReport, BroadcastRun } from './scenarios.ts';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

describe('npm run bench (tiny sizes)', () => {
  let dir = '';
  let stdout = '';
  let report: BenchReport & { abuse: AbuseResult[] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
    const out = join(dir, 'report.json');
    ({ stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--tiny', '--out', out], { cwd: ROOT, timeout: 60_000 }));
    report = JSON.parse(await readFile(out, 'utf8')) as BenchReport & { abuse: AbuseResult[] };
  }, 90_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the tables and where the JSON went', () => {
    for (const text of ['Machine:', 'Echo:', 'Broadcast:', 'Targets', 'lesson 01 solution', 'bare ws echo', 'naive, slow consumers', 'Abuse (a client that sends and never reads)', 'Report written to']) {
      expect(stdout).toContain(text);
    }
  });

  it('echo: every round trip completed with the right reply, on both servers', () => {
    for (const result of [report.echo.solution, report.echo.bare]) {
      expect(result.completed).toBe(report.sizes.echo.messages);
      expect(result.wrongReplies).toBe(0);
      expect(result.timedOut).toBe(false);
      expect(result.rttP99Ms).toBeGreaterThanOrEqual(result.rttP50Ms);
    }
    expect(report.echo.ratio).toBeGreaterThan(0);
  });

  it('broadcast: every scenario ran, and the lesson 08 runs lost nothing', () => {
    const { capacity, paced, slow, naivePaced, naiveSlow } = report.broadcast;
    const runs: BroadcastRun[] = [capacity, paced, slow, naivePaced, naiveSlow];
    expect(runs.map((run) => run.name)).toEqual(['capacity', 'paced', 'slow consumers', 'naive, paced', 'naive, slow consumers']);
    for (const run of runs) {
      expect(run.result.sent).toBe(report.sizes.broadcast.messages);
      expect(run.result.fastClients).toBe(run.load.clients - run.load.slow);
      expect(Number.isFinite(run.memory.growth.rss)).toBe(true);
    }
    for (const run of [report.broadcast.capacity, report.broadcast.paced, report.broadcast.slow]) {
      expect(run.server).toBe('broadcast-solution');
      expect(run.result.lost).toBe(0);
      expect(run.result.outOfOrder).toBe(0);
      expect(run.result.fastClientsMissing).toBe(0);
      expect(run.result.latencyP99Ms).toBeGreaterThanOrEqual(run.result.latencyP50Ms);
    }
    expect(report.broadcast.slow.load.slow).toBe(report.sizes.broadcast.slow);
    expect(report.broadcast.naiveSlow.server).toBe('broadcast-naive');
    expect(report.broadcast.rounds.slow).toHaveLength(report.sizes.broadcast.rounds);
  });

  it('reports every target with its measured value and limit', () => {
    expect(report.targets).toHaveLength(5);
    for (const target of report.targets) {
      expect(typeof target.ok).toBe('boolean');
      expect(target.limit).toBeGreaterThanOrEqual(0);
    }
    expect(report.machine.cores).toBeGreaterThan(0);
  });

  it('abuse: measured the server under a client that never reads, and saw the other client served', () => {
    expect(report.abuse).toHaveLength(1);
    const [result] = report.abuse;
    expect(result?.sentBytes).toBeGreaterThan(0);
    expect(result?.rssPeak).toBeGreaterThanOrEqual(result?.rssBefore ?? Number.NaN);
    expect(result?.othersServed).toBe(true);
  });
});
