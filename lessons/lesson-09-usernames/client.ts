// Lesson 09 — a chat client with a name: it joins, prints who is online, says one line, prints
// what the room says until its own line comes back, and leaves with 1000.
// Run it: CHAT_NAME=alice npx tsx lessons/lesson-09-usernames/client.ts [ws://127.0.0.1:8765]
// Check it: npm run check lesson-09
import { WebSocket } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

/** How long the client waits for the server at each step (the welcome, its own line, the close). */
export const TIMEOUT_MS = 10_000;

export interface ChatClientOptions extends ClientOptions {
  /** The name to join with (default: $CHAT_NAME, else alice). */
  name?: string;
  /** The line to say once joined. */
  say?: string;
  timeoutMs?: number;
}

/** What the server sends (only the fields the client reads). */
interface ServerMessage {
  type?: unknown;
  name?: unknown;
  online?: unknown;
  from?: unknown;
  to?: unknown;
  text?: unknown;
  code?: unknown;
  message?: unknown;
}

export function runClient(url: string, { out = process.stdout, name = process.env.CHAT_NAME ?? 'alice', say = 'hello, everyone', timeoutMs = TIMEOUT_MS }: ChatClientOptions = {}): Promise<void> {
  // TODO 8: return a Promise. new WebSocket(url); on 'open' send {"type":"join","name":name}.
  //         On each text message, JSON.parse it (skip what is not JSON) and by its type print one
  //         line to `out`, every name and text through printable() (someone else chose them):
  //           welcome  "Joined as <name>. Online: <a>, <b>"   then send {"type":"chat","text":say}
  //           joined   "* <name> joined"        left     "* <name> left"
  //           renamed  "* <from> is now <to>"   chat     "<from>: <text>"   (printable(text, 500))
  //         Pass over binary frames and anything that is not a JSON object (JSON.parse('null') is null).
//         When a chat comes back with from === your name and text === say, leave: ws.close(1000),
//         and print nothing that arrives after that.
  //         An error reply: leave too, and reject with new Error(`the server refused: ${code}: ${message}`).
  // TODO 9: never wait for ever: one timer (timeoutMs) for the welcome, then one for your own line;
  //         when one fires, reject ("no welcome …" / "no echo of our own line …") and ws.terminate():
  //         a silent server will not answer a close frame either. After your close(1000), a timer
  //         that terminate()s if the server never answers it (then resolve: the work was done).
  // TODO 10: on 'close': clear the timer; reject with the reason you already have, or, if you did
  //          not choose to leave, with new Error(`the server closed the connection (code ${code}, reason "${reason}")`);
  //          otherwise resolve. And ws.on('error', …): keep the error for 'close' (it follows).
  void WebSocket;
  void printable;
  void url;
  void out;
  void name;
  void say;
  void timeoutMs;
  todo('client.ts: runClient(): join with the name, print the welcome, say your line, leave with 1000 once it comes back');
}

if (isMain(import.meta.url)) await runClientProgram('Chat client', runClient);
