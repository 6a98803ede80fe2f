// What crossed the wire during one check: every frame on the check's own connections, both
// directions, with the time since the check began. A failing check prints the last few under its
// message, so "Got nothing arrived" comes with what did arrive, and when.
import type { WebSocket } from 'ws';

export interface WireEntry {
  /** Milliseconds since the check began. */
  at: number;
  from: string;
  to: string;
  what: string;
}

/** Marks the start of the transcript inside a failure message (format.ts shortens it). */
export const WIRE_HEADER = 'Wire: what crossed the wire in this check (ms since it began):';
/** How many entries a failure message carries at most; the terminal shows the last few. */
const KEEP = 200;

function describe(data: unknown, binary: boolean): string {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as ArrayBuffer);
  if (binary) return `binary, ${bytes.length} bytes`;
  const text = bytes.toString('utf8');
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return text.length > 60 ? `text ${shown} (${bytes.length} bytes)` : `text ${shown}`;
}

export class WireLog {
  private readonly started = performance.now();
  private readonly entries: WireEntry[] = [];
  private dropped = 0;

  record(from: string, to: string, what: string): void {
    this.entries.push({ at: Math.round(performance.now() - this.started), from, to, what });
    // Keep the most recent: a failure is about what happened last.
    if (this.entries.length > KEEP) {
      this.entries.shift();
      this.dropped += 1;
    }
  }

  /**
   * Records the traffic of one test-side socket: `self` is how the check's side is named
   * (`the test client`, `client 3`), `other` the learner's side (`your server`, `your client`).
   */
  attach(ws: WebSocket, self: string, other: string): void {
    ws.on('open', () => this.record(self, other, 'connected (handshake done)'));
    ws.on('message', (data, isBinary) => this.record(other, self, describe(data, isBinary)));
    ws.on('ping', (data) => this.record(other, self, `ping (${data.length} bytes)`));
    ws.on('pong', (data) => this.record(other, self, `pong (${data.length} bytes)`));
    ws.on('close', (code, reason) => this.record(other, self, `closed: code ${code}${reason.length > 0 ? ` ${JSON.stringify(reason.toString('utf8'))}` : ''}`));
    ws.on('error', (error) => this.record(other, self, `socket error: ${error.message}`));
    // What the check's side sends, however it sends it (Endpoint.send or ws directly).
    const send = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
    (ws as { send: unknown }).send = (data: unknown, ...rest: unknown[]): void => {
      const options = rest[0] as { binary?: boolean } | undefined;
      const binary = typeof options === 'object' && options !== null && typeof options.binary === 'boolean' ? options.binary : typeof data !== 'string';
      this.record(self, other, describe(data, binary));
      send(data, ...rest);
    };
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer): void => {
      // ws calls close() again itself to answer the peer's close frame: record the first only.
      if (ws.readyState < 2) this.record(self, other, `close frame: code ${code ?? 1005}${reason ? ` ${JSON.stringify(String(reason))}` : ''}`);
      close(code, reason);
    };
    const terminate = ws.terminate.bind(ws);
    ws.terminate = (): void => {
      if (ws.readyState < 2) this.record(self, other, 'drops the TCP connection (terminate)');
      terminate();
    };
  }

  /** The transcript as lines for a failure message; empty when nothing crossed the wire. */
  lines(): string[] {
    if (this.entries.length === 0) return [];
    const width = Math.max(...this.entries.map((entry) => `${entry.from} → ${entry.to}`.length));
    return [
      `${WIRE_HEADER}${this.dropped > 0 ? ` (${this.dropped} earlier ones not kept)` : ''}`,
      ...this.entries.map((entry) => `  ${String(entry.at).padStart(6)}  ${`${entry.from} → ${entry.to}`.padEnd(width)}  ${entry.what}`),
    ];
  }
}
