// Lesson 05 — the live translation server: translates an English sentence word by word and
// streams each word as it is ready, ends every request with an explicit final message, and lets
// a newer request cancel the one still streaming (the live-preview rule: the newest input wins).
// Run it: npx tsx lessons/lesson-05-live-translation/server.ts   (then the client, in another terminal)
//
// The protocol (documented in README.md, "The protocol"):
//   client → server  a text frame holding the English sentence. Every message is a new request;
//                    requests on a connection are numbered 1, 2, 3… in the order they arrive.
//   server → client  JSON text frames, each naming the request it belongs to:
//                    {"type":"chunk","id":1,"index":0,"text":"你好"}   one per word
//                    {"type":"done","id":1}                            the translation is complete
//                    {"type":"cancelled","id":1}                       a newer request replaced it
//                    {"type":"error","id":1,"reason":"empty","message":"…"}   the request was refused
//   Every request gets exactly one final frame (done, cancelled or error); the connection stays open.
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';

/** The Python tutorial's dictionary. A Map, so a word like "constructor" is never looked up on Object.prototype. */
export const TRANSLATIONS: ReadonlyMap<string, string> = new Map([
  ['Hello', '你好'],
  ['world', '世界'],
  ['this', '这'],
  ['is', '是'],
  ['a', '一个'],
  ['test', '测试'],
]);

/** A frame larger than this closes the connection with 1009 (ws enforces it before we see it). */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** A longer sentence is refused with an error frame; the connection stays open. */
export const MAX_TEXT_LENGTH = 1000;

export type ErrorReason = 'empty' | 'too-long' | 'binary';

export type ServerFrame =
  | { type: 'chunk'; id: number; index: number; text: string }
  | { type: 'done'; id: number }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; reason: ErrorReason; message: string };

export interface TranslationServerOptions extends ServerOptions {
  /** Pause before each word, as the Python tutorial's asyncio.sleep(0.5). */
  delayMs?: number;
}

/** Word by word, with the Python tutorial's table; a word the table does not know passes through unchanged. */
export function translateWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '').map((word) => TRANSLATIONS.get(word) ?? word);
}

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log, delayMs = 500 }: TranslationServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });

  wss.on('connection', (socket) => {
    // Lesson 02's backpressure, from lib/: a client that sends and never reads (every " " it sends
    // earns an error frame) makes us stop reading from it instead of queueing replies without end.
    limitSendBuffer(socket);
    let lastId = 0;
    // At most one translation streams per connection: its id and the switch that stops it.
    let current: { id: number; controller: AbortController } | undefined;

    const cancelCurrent = (): void => {
      if (!current) return;
      current.controller.abort();
      send(socket, { type: 'cancelled', id: current.id });
      current = undefined;
    };

    // #region requests
    socket.on('message', (data, isBinary) => {
      lastId += 1;
      const id = lastId;
      // The newest input wins: stop the old stream *before* anything of the new one is sent,
      // so the client never sees an old chunk after the new request has begun.
      cancelCurrent();

      const request = readRequest(data, isBinary);
      if ('reason' in request) {
        log(`Request ${id} refused: ${request.message}`);
        send(socket, { type: 'error', id, ...request });
        return;
      }
      // printable(): the client chose this text; a newline in it must not forge a log line.
      log(`Received: ${printable(request.text)}`);
      const controller = new AbortController();
      current = { id, controller };
      streamTranslation(socket, id, translateWords(request.text), delayMs, controller.signal)
        .catch((error: unknown) => log(`Request ${id} failed: ${(error as Error).message}`))
        .finally(() => {
          if (current?.controller === controller) current = undefined;
        });
    });
    // #endregion

    // The client left (or the server is shutting down): stop the stream and its timer at once.
    socket.on('close', () => {
      current?.controller.abort();
      current = undefined;
    });
    socket.on('error', (error) => log(`Connection error: ${error.message}`));
  });

  return wss;
}

// #region stream
/** Sends one chunk per word, delayMs apart, then `done`. Returns quietly when `signal` aborts. */
async function streamTranslation(socket: WebSocket, id: number, words: string[], delayMs: number, signal: AbortSignal): Promise<void> {
  for (const [index, text] of words.entries()) {
    try {
      // An abortable wait: abort() clears the timer and rejects at once, so nothing is left over.
      await sleep(delayMs, undefined, { signal });
    } catch (error) {
      if (signal.aborted) return; // cancelled, or the client left: the AbortError is the expected way out
      throw error;
    }
    // Closing already: "close" comes only when the handshake is over, and no word can go out now.
    if (socket.readyState !== WebSocket.OPEN) return;
    send(socket, { type: 'chunk', id, index, text });
  }
  // The end-of-stream message: the client knows the translation is complete without the
  // connection having to close, so the same connection can carry the next request.
  send(socket, { type: 'done', id });
}
// #endregion

/** Validates one incoming message: the sentence, or why it is refused. */
function readRequest(data: RawData, isBinary: boolean): { text: string } | { reason: ErrorReason; message: string } {
  if (isBinary) return { reason: 'binary', message: 'send the sentence as a text frame, not binary' };
  const text = data.toString();
  if (text.trim() === '') return { reason: 'empty', message: 'send an English sentence with at least one word' };
  if (text.length > MAX_TEXT_LENGTH) return { reason: 'too-long', message: `a sentence may have at most ${MAX_TEXT_LENGTH} characters` };
  return { text };
}

function send(socket: WebSocket, frame: ServerFrame): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

if (isMain(import.meta.url)) await runServerProgram('Translation server', createServer);
