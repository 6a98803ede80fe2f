// Lesson 05 — the live translation client: sends a sentence, redraws one terminal line with `\r`
// as the translated words arrive, and finishes on the server's `done` message (not on close).
// Run it: npx tsx lessons/lesson-05-live-translation/client.ts [ws://127.0.0.1:8765] ["your sentence"]
import { once } from 'node:events';
import { WebSocket, type RawData } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';
import type { ServerFrame } from './server.ts';

export const SENTENCE = 'Hello world this is a test';

export interface TranslationClientOptions extends ClientOptions {
  /** The English sentence to translate. */
  text?: string;
}

/** The server broke the protocol: we close with 1002 instead of 1000. */
class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export async function runClient(url: string, { out = process.stdout, text = SENTENCE }: TranslationClientOptions = {}): Promise<void> {
  const ws = new WebSocket(url);
  let closeCode = 1000;
  try {
    await once(ws, 'open');
    // TODO 1: start listening before you send: const translation = receiveTranslation(ws, 1, redraw),
    //         where redraw(partial) writes `\r` + partial to `out`. \r moves the cursor back to the
    //         start of the line, so each write draws over the one before. (Our first message on
    //         this connection is request 1: the server numbers requests in order.)
    // TODO 2: send `text` as a text frame, then print `Translating:` and a newline.
    // TODO 3: await the translation, then print a newline, `Translation complete!` and a newline.
    void text;
    void out;
    todo('client.ts: receive the translation, send the sentence, print the redrawn line (TODO 1–3)');
  } catch (error) {
    if (error instanceof ProtocolError) closeCode = 1002;
    throw error;
  } finally {
    await closeCleanly(ws, closeCode);
  }
}

/**
 * Collects request `id`'s chunks, calling `redraw` with the translation so far after each one.
 * Resolves with the whole translation on `done`: the explicit end of the stream. Rejects if the
 * server refuses or cancels the request, or if the connection ends first: the Python tutorial's client
 * waited for a close that never came; this one can neither hang nor mistake a drop for success.
 */
function receiveTranslation(ws: WebSocket, id: number, redraw: (partial: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const words: string[] = [];
    const onMessage = (data: RawData, isBinary: boolean): void => {
      const frame = parseFrame(data, isBinary);
      if (!frame) return finish(new ProtocolError(`the server sent a frame this client does not understand: ${data.toString().slice(0, 100)}`));
      if (frame.id !== id) return; // belongs to another request: not ours to show
      // TODO 4: act on the frame's type (frame.type):
      //   'chunk'     → add frame.text to `words`, then redraw(words.join(' '))
      //   'done'      → the explicit end of the stream: finish(words.join(' '))
      //   'cancelled' → finish(new Error('the server cancelled the translation'))
      //   'error'     → finish(new Error(`the server refused the sentence: ${frame.message}`))
      todo('client.ts: receiveTranslation: handle chunk, done, cancelled and error frames (TODO 4)');
    };
    const onClose = (code: number): void => {
      // TODO 5: the connection ended before "done". That is a failure, not the end of the
      //         translation: finish(new Error(...)) with the close code, so runClient rejects
      //         instead of hanging forever (the Python tutorial's bug) or pretending all went well.
      void code;
      todo('client.ts: receiveTranslation: a close before "done" must reject (TODO 5)');
    };
    const onError = (error: Error): void => finish(error);
    // The translation on success, or why there is none.
    const finish = (result: string | Error): void => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('error', onError);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  });
}

/** Parses one server frame; undefined if it is not a frame of the protocol. */
function parseFrame(data: RawData, isBinary: boolean): ServerFrame | undefined {
  if (isBinary) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const frame = value as Record<string, unknown>;
  if (typeof frame.id !== 'number') return undefined;
  switch (frame.type) {
    case 'chunk':
      return typeof frame.text === 'string' && typeof frame.index === 'number' ? (frame as ServerFrame) : undefined;
    case 'done':
    case 'cancelled':
      return frame as ServerFrame;
    case 'error':
      return typeof frame.message === 'string' ? (frame as ServerFrame) : undefined;
    default:
      return undefined;
  }
}

/** The closing handshake: send a close frame and wait until the server answers it. */
async function closeCleanly(ws: WebSocket, code: number): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = once(ws, 'close');
  if (ws.readyState === WebSocket.OPEN) ws.close(code);
  await closed;
}

if (isMain(import.meta.url)) {
  // An optional second argument replaces the sentence: client.ts ws://127.0.0.1:8765 "Hello big world"
  await runClientProgram('Translation client', (url, options) => runClient(url, { ...options, text: process.argv[3] }));
}
