// Turns a bench report into the table `npm run bench` prints.
import type { BenchReport, BroadcastRun, Target } from './scenarios.ts';
import { MiB } from './stats.ts';

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function thousands(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function broadcastRow(run: BroadcastRun): string[] {
  const r = run.result;
  const pace = run.load.pace.kind === 'closed' ? `closed, ${run.load.pace.window} in flight` : `${fixed(run.load.pace.perSecond)} msg/s`;
  const slowClosed = run.serverStats.slowClosed;
  return [
    run.name,
    run.server === 'broadcast-solution' ? 'lesson 08' : 'naive',
    `${run.load.clients} (${run.load.slow} slow)`,
    pace,
    thousands(r.deliveriesPerSecond),
    fixed(r.latencyP50Ms),
    fixed(r.latencyP99Ms),
    `${thousands(r.lost)}${r.stalled ? ' (stalled)' : ''}`,
    r.fastClientsMissing === 0 ? '0' : `${r.fastClientsMissing}/${r.fastClients}`,
    fixed(run.memory.growth.rss / MiB),
    fixed((run.memory.growth.heapUsed + run.memory.growth.external) / MiB),
    slowClosed === undefined ? '–' : String(slowClosed),
  ];
}

function targetRow(t: Target): string[] {
  const value = t.unit === '' ? thousands(t.value) : `${fixed(t.value, 2)} ${t.unit}`;
  const limit = `${t.kind === 'min' ? '≥' : '≤'} ${t.unit === '' ? thousands(t.limit) : `${fixed(t.limit, 2)} ${t.unit}`}`;
  return [t.name, value, limit, t.ok ? 'met' : 'MISSED'];
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const e = report.echo;
  const b = report.broadcast;
  const echoRows = (['bare', 'solution'] as const).map((kind) => {
    const r = e[kind];
    return [kind === 'bare' ? 'bare ws echo' : 'lesson 01 solution', thousands(r.messagesPerSecond), fixed(r.rttP50Ms, 2), fixed(r.rttP99Ms, 2), String(r.wrongReplies)];
  });
  return [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}`,
    `Load average (1/5/15 min): ${m.loadBefore.join(' / ')} before, ${m.loadAfter.join(' / ')} after`,
    '',
    `Echo: ${report.sizes.echo.connections} connections, ${thousands(report.sizes.echo.messages)} round trips, best of ${report.sizes.echo.rounds} alternating rounds`,
    table(['server', 'msg/s', 'p50 ms', 'p99 ms', 'wrong'], echoRows),
    `ratio solution / bare: ${fixed(e.ratio, 3)} (best rounds), ${fixed(e.medianRatio, 3)} (median rounds)`,
    '',
    `Broadcast: ${b.capacity.load.messages} messages of ${thousands(b.capacity.load.messageBytes)} bytes; latency = send to delivery; memory = server growth over its idle baseline`,
    table(
      ['run', 'server', 'clients', 'pace', 'deliveries/s', 'p50 ms', 'p99 ms', 'lost', 'fast missing', 'RSS MiB', 'heap+buf MiB', 'slow closed'],
      [b.capacity, b.paced, b.slow, b.naivePaced, b.naiveSlow].map(broadcastRow),
    ),
    `(paced and slow consumers: best p99 of ${report.sizes.broadcast.rounds} alternating rounds; all rounds are in the JSON)`,
    '',
    'Targets',
    table(['target', 'measured', 'target', ''], report.targets.map(targetRow)),
  ].join('\n');
}
