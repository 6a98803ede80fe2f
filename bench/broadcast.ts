// Broadcast fan-out: `clients` connections join a chat room; one of them sends `messages`
// messages of `messageBytes`; every fast client must receive every one, in order. `slow` of the
// clients stop reading right after they connect. The sender either keeps `window` messages in
// flight (closed loop: the room's capacity) or sends at a fixed rate (paced: latency under load).
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { closeClients, connectClients } from './clients.ts';
import { percentile } from './stats.ts';

export type Pace = { kind: 'closed'; window: number } | { kind: 'paced'; perSecond: number };

export interface BroadcastLoad {
  clients: number;
  slow: number;
  messages: number;
  messageBytes: number;
  pace: Pace;
  /** Give up waiting for deliveries when none arrived for this long. */
  stallMs: number;
  /** Hard limit for the whole run, connecting excluded. */
  limitMs: number;
}

export interface BroadcastResult {
  sent: number;
  fastClients: number;
  /** Deliveries to fast clients that arrived, and that should have (sent × fast clients). */
  delivered: number;
  expected: number;
  lost: number;
  outOfOrder: number;
  /** Fast clients that missed at least one message. */
  fastClientsMissing: number;
  seconds: number;
  deliveriesPerSecond: number;
  /** Messages that reached every fast client, per second. */
  messagesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The run ended because deliveries stopped, not because everything arrived. */
  stalled: boolean;
}

export interface BroadcastHooks {
  /** Called once every client is connected and the slow ones have stopped reading. */
  beforeSending?: () => Promise<void>;
  /** Called when the deliveries are over, before the clients disconnect. */
  afterRun?: () => Promise<void>;
}

const SEQ = /seq:(\d+):/;

function message(n: number, bytes: number): string {
  const head = `seq:${n}:`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

/** Indexes of the slow clients, spread over the room (never 0: client 0 sends). */
export function slowIndexes(clients: number, slow: number): Set<number> {
  const indexes = new Set<number>();
  for (let k = 0; k < slow; k += 1) indexes.add(Math.min(clients - 1, Math.max(1, Math.floor(((k + 0.5) * clients) / slow))));
  return indexes;
}

export async function runBroadcastLoad(url: string, load: BroadcastLoad, hooks: BroadcastHooks = {}): Promise<BroadcastResult> {
  const clients = await connectClients(url, load.clients);
  try {
    const slow = slowIndexes(load.clients, load.slow);
    for (const index of slow) (clients[index] as unknown as { _socket: Socket })._socket.pause();
    const fast = clients.filter((_, i) => !slow.has(i));
    await hooks.beforeSending?.();
    const result = await drive(clients[0] as WebSocket, fast, load);
    await hooks.afterRun?.();
    return result;
  } finally {
    closeClients(clients);
  }
}

async function drive(sender: WebSocket, fast: WebSocket[], load: BroadcastLoad): Promise<BroadcastResult> {
  const total = load.messages;
  const sentAt = new Float64Array(total);
  const reached = new Uint32Array(total);
  const latencies = new Float64Array(total * fast.length);
  let delivered = 0;
  let outOfOrder = 0;
  let complete = 0;
  let sent = 0;
  let lastDelivery = performance.now();
  let wake: () => void = () => {};
  const nudge = (): void => wake();

  const sendOne = (): void => {
    sentAt[sent] = performance.now();
    sender.send(message(sent, load.messageBytes));
    sent += 1;
  };

  const nextExpected = new Uint32Array(fast.length);
  const perClient = new Uint32Array(fast.length);
  const cleanups = fast.map((ws, i) => {
    const onMessage = (data: Buffer): void => {
      const now = performance.now();
      const seq = Number(SEQ.exec(data.subarray(0, 64).toString('latin1'))?.[1]);
      if (!Number.isInteger(seq) || seq >= total) return;
      if (seq !== nextExpected[i]) outOfOrder += 1;
      nextExpected[i] = seq + 1;
      perClient[i] = (perClient[i] ?? 0) + 1;
      latencies[delivered] = now - (sentAt[seq] ?? now);
      delivered += 1;
      lastDelivery = now;
      reached[seq] = (reached[seq] ?? 0) + 1;
      if (reached[seq] === fast.length) {
        complete += 1;
        // Closed loop: a message that reached everyone makes room for the next one.
        if (load.pace.kind === 'closed' && sent < total) sendOne();
        nudge();
      }
    };
    ws.on('message', onMessage);
    return () => ws.off('message', onMessage);
  });

  const begin = performance.now();
  const deadline = begin + load.limitMs;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const timer = setTimeout(() => { wake = () => {}; resolve(); }, Math.max(0, ms));
    wake = () => { clearTimeout(timer); wake = () => {}; resolve(); };
  });

  if (load.pace.kind === 'closed') {
    for (let i = 0; i < Math.min(load.pace.window, total); i += 1) sendOne();
  } else {
    const interval = 1000 / load.pace.perSecond;
    while (sent < total && performance.now() < deadline) {
      const due = begin + sent * interval;
      const now = performance.now();
      if (now >= due) sendOne();
      else await new Promise((resolve) => setTimeout(resolve, due - now));
    }
  }
  // Wait for the deliveries: all of them, or until they stop coming, or the hard limit.
  let stalled = false;
  while (complete < total) {
    const now = performance.now();
    if (now - lastDelivery > load.stallMs || now > deadline) {
      stalled = true;
      break;
    }
    await sleep(Math.min(100, load.stallMs));
  }
  for (const cleanup of cleanups) cleanup();

  const seconds = (lastDelivery - begin) / 1000;
  const expected = sent * fast.length;
  let fastClientsMissing = 0;
  for (const count of perClient) if (count < sent) fastClientsMissing += 1;
  const measured = latencies.subarray(0, delivered);
  return {
    sent,
    fastClients: fast.length,
    delivered,
    expected,
    lost: expected - delivered,
    outOfOrder,
    fastClientsMissing,
    seconds,
    deliveriesPerSecond: seconds > 0 ? delivered / seconds : 0,
    messagesPerSecond: seconds > 0 ? complete / seconds : 0,
    latencyP50Ms: percentile(measured, 50),
    latencyP99Ms: percentile(measured, 99),
    stalled,
  };
}
