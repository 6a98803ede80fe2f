// The abuse scenario: each lesson server under one client that sends as fast as the server takes
// it and never reads a byte (its receive window fills, then the server's buffers would), next to
// a well-behaved client that should still be answered. Reports the server's RSS growth, whether
// and when the abuser was cut off, and whether the other client was served.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { MiB } from './stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Attack {
  lesson: string;
  /** What the abuser sends, in words, for the table. */
  name: string;
  /** One message to send again and again, or 'ping' for 125-byte pings. */
  payload: string | 'ping';
  /** What the well-behaved client sends to see that the server still answers. */
  probe: string;
  /**
   * Sent first by both clients, in order, before the attack or the probe (a chat's join): the
   * attack then goes through the lesson's real message path, not its refusal of strangers.
   */
  prelude?: (who: 'abuser' | 'prober') => string[];
  /** Text the probe's answer must contain (default: any message counts), where others' traffic also reaches the prober. */
  answer?: string;
  /** Headers of both clients' upgrade requests (lesson 11's token). */
  headers?: () => Record<string, string>;
}

const echo60k = 'x'.repeat(60_000);
const envelope = (text: string): string => JSON.stringify({ type: 'echo', version: 1, request_id: 'abuse', payload: { text } });
const json = (value: unknown): string => JSON.stringify(value);
/** A 15 KB chat message (under lessons 09–10's 16 KiB limit) that the server relays to everyone, its sender too. */
const chat15k = (extra: Record<string, string> = {}): string => json({ type: 'chat', ...extra, text: 'x'.repeat(15_000) });
/** Lesson 11's token for a client name, signed with the lesson's development secret (the server's default). */
async function bearer(): Promise<Record<string, string>> {
  const { DEV_SECRET, signToken } = (await import('../solutions/lesson-11-auth/tokens.ts')) as typeof import('../solutions/lesson-11-auth/tokens.ts');
  return { Authorization: `Bearer ${signToken(DEV_SECRET, { sub: 'abuser', exp: Date.now() + 10 * 60_000 })}` };
}
const lesson11Headers = await bearer();

export const ATTACKS: Attack[] = [
  { lesson: 'lesson-01', name: '60 KB echo requests', payload: echo60k, probe: 'still there?' },
  { lesson: 'lesson-02', name: '60 KB messages', payload: echo60k, probe: 'still there?' },
  { lesson: 'lesson-02', name: '125-byte pings', payload: 'ping', probe: 'still there?' },
  { lesson: 'lesson-05', name: '" " (an error each)', payload: ' ', probe: 'hello world' },
  { lesson: 'lesson-06', name: '16 KB echo requests', payload: envelope('y'.repeat(16_000)), probe: envelope('still there?') },
  { lesson: 'lesson-06', name: '"x" (bad_json each)', payload: 'x', probe: envelope('still there?') },
  { lesson: 'lesson-07', name: '60 KB echo requests', payload: echo60k, probe: 'still there?' },
  { lesson: 'lesson-08', name: '125-byte pings', payload: 'ping', probe: 'still there?' },
  { lesson: 'lesson-08', name: '60 KB chat messages', payload: echo60k, probe: 'still there?' },
  // Under each server's message limit (a bigger one is refused with 1009): the joined abuser's own
  // chat comes back to it, so the relay, not the sender, is what fills up.
  { lesson: 'lesson-09', name: '15 KB chat messages, joined', payload: chat15k(), probe: json({ type: 'chat', text: 'still there?' }), prelude: (who) => [json({ type: 'join', name: who })], answer: 'still there?' },
  { lesson: 'lesson-10', name: '15 KB chat messages in a room', payload: chat15k({ room: 'lobby' }), probe: json({ type: 'chat', room: 'lobby', text: 'still there?' }), prelude: (who) => [json({ type: 'hello', name: who }), json({ type: 'join', room: 'lobby' })], answer: 'still there?' },
  { lesson: 'lesson-11', name: '4 KB messages with a token', payload: 'x'.repeat(4000), probe: 'still there?', headers: () => lesson11Headers, answer: 'still there?' },
];

export interface AbuseResult {
  lesson: string;
  attack: string;
  seconds: number;
  /** What the abuser's frames added up to on the wire, as far as its own socket took them. */
  sentBytes: number;
  rssBefore: number;
  rssPeak: number;
  /** Milliseconds after the attack began that the server closed the abuser, if it did. */
  cutOffAfterMs?: number;
  closeCode?: number;
  /** The well-behaved client got an answer to its probe while the attack went on. */
  othersServed: boolean;
}

/** The TCP socket under a ws client (a private field: the harness's tcpSocket is vitest-only). */
function tcpSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

async function startServer(lesson: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(HERE, 'abuse-server.ts'), [lesson], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => { throw new Error(`the ${lesson} server exited before it listened`); }),
  ])) as [{ type: string; port: number }];
  return { child, port: message.port };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connects as a well-behaved client, sends the attack's prelude and then its probe, and waits
 * (bounded) for an answer: any message, or one holding `attack.answer` where other clients'
 * traffic reaches this one too (a chat relays the abuser's messages to everyone).
 */
async function probe(url: string, attack: Attack, withinMs: number): Promise<boolean> {
  const ws = new WebSocket(url, { headers: attack.headers?.() });
  ws.on('error', () => {});
  try {
    const answered = new Promise<boolean>((resolve) => {
      ws.on('message', (data: Buffer) => {
        if (attack.answer === undefined || data.toString().includes(attack.answer)) resolve(true);
      });
      ws.once('close', () => resolve(false));
    });
    await Promise.race([once(ws, 'open'), sleep(withinMs)]);
    if (ws.readyState !== WebSocket.OPEN) return false;
    for (const message of attack.prelude?.('prober') ?? []) ws.send(message);
    ws.send(attack.probe);
    return await Promise.race([answered, sleep(withinMs).then(() => false)]);
  } finally {
    ws.terminate();
  }
}

export async function runAttack(attack: Attack, seconds: number): Promise<AbuseResult> {
  const { child, port } = await startServer(attack.lesson);
  const url = `ws://127.0.0.1:${port}`;
  try {
    await sleep(300);
    const rssBefore = rssOf(child.pid!);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => { try { rssPeak = Math.max(rssPeak, rssOf(child.pid!)); } catch { /* gone */ } }, 20);

    const abuser = new WebSocket(url, { headers: attack.headers?.() });
    abuser.on('error', () => {});
    await once(abuser, 'open');
    tcpSocket(abuser).pause(); // never read a byte again
    for (const message of attack.prelude?.('abuser') ?? []) abuser.send(message);
    const started = performance.now();
    let closed: { at: number; code: number } | undefined;
    abuser.once('close', (code: number) => { closed = { at: performance.now() - started, code }; });

    let sentBytes = 0;
    const chunk = attack.payload === 'ping' ? Buffer.alloc(125, 7) : attack.payload;
    const payloadBytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    // Counted as on the wire, frame header and mask included, as the abuser's bufferedAmount is:
    // for 1-byte messages the header is six times the payload.
    const size = payloadBytes + 6 + (payloadBytes > 65_535 ? 8 : payloadBytes > 125 ? 2 : 0);
    const deadline = started + seconds * 1000;
    let othersServed = false;
    let probing: Promise<void> | undefined;
    while (performance.now() < deadline && !closed) {
      // Keep the abuser's own queue small: what matters is what the server holds.
      // Fill the abuser's own queue up to 1 MiB, then let the event loop move it out.
      for (let i = 0; i < 4096 && abuser.bufferedAmount < MiB; i += 1) {
        if (attack.payload === 'ping') abuser.ping(chunk); else abuser.send(chunk);
        sentBytes += size;
      }
      if (!probing && performance.now() - started > (seconds * 1000) / 2) {
        probing = probe(url, attack, 5000).then((served) => { othersServed = served; });
      }
      await sleep(1);
    }
    // Cut off before the halfway probe: the others must still be served after it.
    probing ??= probe(url, attack, 5000).then((served) => { othersServed = served; });
    await probing;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, rssOf(child.pid!));
    abuser.terminate();
    return {
      lesson: attack.lesson, attack: attack.name, seconds, sentBytes: sentBytes - abuser.bufferedAmount, rssBefore, rssPeak,
      ...(closed ? { cutOffAfterMs: Math.round(closed.at), closeCode: closed.code } : {}), othersServed,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

export async function runAbuse(seconds: number, attacks: Attack[] = ATTACKS, progress: (line: string) => void = () => {}): Promise<AbuseResult[]> {
  const results: AbuseResult[] = [];
  for (const attack of attacks) {
    progress(`abuse: ${attack.lesson} under ${attack.name}, ${seconds} s`);
    results.push(await runAttack(attack, seconds));
  }
  return results;
}

export function formatAbuse(results: AbuseResult[]): string {
  const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
  const rows = results.map((r) => [
    r.lesson, r.attack, mb(r.sentBytes), `+${mb(r.rssPeak - r.rssBefore)}`,
    r.cutOffAfterMs === undefined ? 'no' : `after ${(r.cutOffAfterMs / 1000).toFixed(1)} s (${r.closeCode})`,
    r.othersServed ? 'yes' : 'NO',
  ]);
  const header = ['server', 'the client sends, never reads', 'sent', 'server RSS growth', 'cut off', 'others served'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
