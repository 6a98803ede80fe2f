// Echo throughput: `connections` clients each keep one message in flight against an echo server
// until `messages` round trips are done; every reply is checked against what was sent.
import type { WebSocket } from 'ws';
import { closeClients, connectClients } from './clients.ts';
import { percentile } from './stats.ts';

export interface EchoLoad {
  connections: number;
  messages: number;
  /** Round trips done first and not measured, so the JIT is warm in both processes. */
  warmup: number;
  limitMs: number;
}

export interface EchoResult {
  completed: number;
  wrongReplies: number;
  seconds: number;
  messagesPerSecond: number;
  rttP50Ms: number;
  rttP99Ms: number;
  timedOut: boolean;
}

export async function runEchoLoad(url: string, load: EchoLoad): Promise<EchoResult> {
  const clients = await connectClients(url, load.connections);
  try {
    await drive(clients, load.warmup, load.limitMs);
    return await drive(clients, load.messages, load.limitMs);
  } finally {
    closeClients(clients);
  }
}

async function drive(clients: WebSocket[], total: number, limitMs: number): Promise<EchoResult> {
  const rtts = new Float64Array(total);
  let started = 0;
  let completed = 0;
  let wrongReplies = 0;
  const begin = performance.now();
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const cleanups: (() => void)[] = [];

  for (const ws of clients) {
    let pending: { text: string; at: number } | undefined;
    const sendNext = (): void => {
      if (started >= total) return;
      const n = started;
      started += 1;
      pending = { text: `Hello WebSocket! #${n}`, at: performance.now() };
      ws.send(pending.text);
    };
    const onMessage = (data: Buffer): void => {
      const now = performance.now();
      if (!pending) return;
      if (data.toString() !== `Echo: ${pending.text}`) wrongReplies += 1;
      rtts[completed] = now - pending.at;
      completed += 1;
      pending = undefined;
      if (completed === total) finish();
      else sendNext();
    };
    ws.on('message', onMessage);
    cleanups.push(() => ws.off('message', onMessage));
    sendNext();
  }
  if (total === 0) finish();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; finish(); }, limitMs);
  await done;
  clearTimeout(timer);
  for (const cleanup of cleanups) cleanup();
  const seconds = (performance.now() - begin) / 1000;
  const measured = rtts.subarray(0, completed);
  return {
    completed,
    wrongReplies,
    seconds,
    messagesPerSecond: completed / seconds,
    rttP50Ms: percentile(measured, 50),
    rttP99Ms: percentile(measured, 99),
    timedOut,
  };
}
