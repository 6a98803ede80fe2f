// What crossed the wire during one check: every frame on the check's own connections, both
// directions, with the time since the check began. A failing check prints the last few under its
// message, so "Got nothing arrived" comes with what did arrive, and when.
import type { WebSocket } from 'ws';
import { t } from './runner/language.ts';

export interface WireEntry {
  /** Milliseconds since the check began. */
  at: number;
  from: string;
  to: string;
  what: string;
}

/** Marks the start of the transcript inside a failure message (format.ts shortens it), in each language. */
export const WIRE_HEADERS = {
  en: 'Wire: what crossed the wire in this check (ms since it began):',
  zh: '收发记录：这个检查里双方来往的每一帧（左边是检查开始后的毫秒数）：',
} as const;
/** The English header (the default language). */
export const WIRE_HEADER = WIRE_HEADERS.en;
/** How many entries a failure message carries at most; the terminal shows the last few. */
const KEEP = 200;

function describe(data: unknown, binary: boolean): string {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as ArrayBuffer);
  if (binary) return t(`binary, ${bytes.length} bytes`, `二进制，${bytes.length} 字节`);
  const text = bytes.toString('utf8');
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return text.length > 60 ? t(`text ${shown} (${bytes.length} bytes)`, `文本 ${shown}（${bytes.length} 字节）`) : t(`text ${shown}`, `文本 ${shown}`);
}

/** Columns a terminal gives `text`: Chinese characters and full-width forms take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(char) ? 2 : 1;
  return width;
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
    ws.on('open', () => this.record(self, other, t('connected (handshake done)', '已连接（握手完成）')));
    ws.on('message', (data, isBinary) => this.record(other, self, describe(data, isBinary)));
    ws.on('ping', (data) => this.record(other, self, t(`ping (${data.length} bytes)`, `ping（${data.length} 字节）`)));
    ws.on('pong', (data) => this.record(other, self, t(`pong (${data.length} bytes)`, `pong（${data.length} 字节）`)));
    ws.on('close', (code, reason) => {
      const why = reason.length > 0 ? ` ${JSON.stringify(reason.toString('utf8'))}` : '';
      this.record(other, self, t(`closed: code ${code}${why}`, `连接关闭：关闭码 ${code}${why}`));
    });
    ws.on('error', (error) => this.record(other, self, t(`socket error: ${error.message}`, `socket 出错：${error.message}`)));
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
      const why = reason ? ` ${JSON.stringify(String(reason))}` : '';
      if (ws.readyState < 2) this.record(self, other, t(`close frame: code ${code ?? 1005}${why}`, `关闭帧：关闭码 ${code ?? 1005}${why}`));
      close(code, reason);
    };
    const terminate = ws.terminate.bind(ws);
    ws.terminate = (): void => {
      if (ws.readyState < 2) this.record(self, other, t('drops the TCP connection (terminate)', '直接断开 TCP 连接（terminate）'));
      terminate();
    };
  }

  /** The transcript as lines for a failure message; empty when nothing crossed the wire. */
  lines(): string[] {
    if (this.entries.length === 0) return [];
    const width = Math.max(...this.entries.map((entry) => displayWidth(`${entry.from} → ${entry.to}`)));
    const pad = (text: string): string => `${text}${' '.repeat(Math.max(0, width - displayWidth(text)))}`;
    return [
      `${t(WIRE_HEADERS.en, WIRE_HEADERS.zh)}${this.dropped > 0 ? t(` (${this.dropped} earlier ones not kept)`, `（更早的 ${this.dropped} 条没有保留）`) : ''}`,
      ...this.entries.map((entry) => `  ${String(entry.at).padStart(6)}  ${pad(`${entry.from} → ${entry.to}`)}  ${entry.what}`),
    ];
  }
}
