// Lesson 05 — the live translation server: translates an English sentence word by word and
// streams each word as it is ready, ends every request with an explicit final message, and lets
// a newer request cancel the one still streaming (the live-preview rule: the newest input wins).
// Run it: npx tsx lessons/lesson-05-live-translation/server.ts   (then the client, in another terminal)
// Check it: npm run check lesson-05
//
// The protocol (README.md, "The protocol"):
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
import { todo } from '../../lib/todo.ts';

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
  // TODO 1: split `text` on whitespace (several spaces, tabs and newlines count as one break;
  //         no empty words), and replace each word by TRANSLATIONS.get(word), or keep the word
  //         itself when the table does not know it. "Hello big world" → ['你好', 'big', '世界'].
  return todo('server.ts: translateWords: split the sentence into words and translate each one (TODO 1)');
}

export function createServer({ host = '127.0.0.1', port = 8765, log = console.log, delayMs = 500 }: TranslationServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });

  wss.on('connection', (socket) => {
    limitSendBuffer(socket); // given: stop reading from a client whose replies pile up (lesson 02 explains it)
    let lastId = 0;
    // At most one translation streams per connection: its id and the switch that stops it.
    let current: { id: number; controller: AbortController } | undefined;

    const cancelCurrent = (): void => {
      if (!current) return;
      // TODO 3: the newest input wins. Stop the stream in progress (current.controller.abort()),
      //         tell the client with {"type":"cancelled","id":current.id}, and forget it
      //         (current = undefined).
      todo('server.ts: cancelCurrent: abort the stream in progress and send "cancelled" (TODO 3)');
    };

    socket.on('message', (data, isBinary) => {
      lastId += 1;
      const id = lastId;
      // The old stream is stopped *before* anything of the new one is sent, so the client
      // never sees an old chunk after the new request has begun.
      cancelCurrent();

      const request = readRequest(data, isBinary);
      if ('reason' in request) {
        log(`Request ${id} refused: ${request.message}`);
        send(socket, { type: 'error', id, ...request });
        return;
      }
      log(`Received: ${printable(request.text)}`); // printable: the client chose that text (lesson 02)
      const controller = new AbortController();
      current = { id, controller };
      streamTranslation(socket, id, translateWords(request.text), delayMs, controller.signal)
        .catch((error: unknown) => log(`Request ${id} failed: ${(error as Error).message}`))
        .finally(() => {
          if (current?.controller === controller) current = undefined;
        });
    });

    socket.on('close', () => {
      // TODO 4: the client left (or the server is shutting down). Stop the stream in progress
      //         here, so no timer or send is left over: abort its controller, forget it.
    });
    socket.on('error', (error) => log(`Connection error: ${error.message}`));
  });

  return wss;
}

/** Sends one chunk per word, delayMs apart, then `done`. Returns quietly when `signal` aborts. */
function streamTranslation(socket: WebSocket, id: number, words: string[], delayMs: number, signal: AbortSignal): Promise<void> {
  // TODO 2: make this an `async function`. For each word (with its index): wait delayMs with an
  //         abortable sleep (await sleep(delayMs, undefined, { signal })); then, unless the
  //         socket is no longer open (socket.readyState !== WebSocket.OPEN: a closing
  //         connection cannot carry another word), send(socket, { type: 'chunk', id, index, text: word }).
  //         After the last word, send the end-of-stream frame: send(socket, { type: 'done', id }).
  //         When `signal` aborts, sleep rejects with an AbortError: that is the expected way out
  //         (catch it and return quietly), and nothing more may be sent for this request.
  void sleep;
  return todo('server.ts: streamTranslation: send a chunk per word, delayMs apart, then "done" (TODO 2)');
}

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
