// Lesson 10 — a chat client in several rooms: it says hello with a name, joins each room, says one
// line in each, prints what its rooms say until its own line has come back in every one of them,
// and leaves with 1000.
// Run it: CHAT_NAME=alice CHAT_ROOMS=lobby,games npx tsx lessons/lesson-10-rooms/client.ts [ws://127.0.0.1:8765]
// Check it: npm run check lesson-10
import { WebSocket } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

/** How long the client waits for the server at each step (the welcome, its own lines, the close). */
export const TIMEOUT_MS = 10_000;

export interface RoomClientOptions extends ClientOptions {
  /** The name to say hello with (default: $CHAT_NAME, else alice). */
  name?: string;
  /** The rooms to join (default: $CHAT_ROOMS split at commas, else lobby). */
  rooms?: string[];
  /** The line to say in each room once joined. */
  say?: string;
  timeoutMs?: number;
}

/** What the server sends (only the fields the client reads). */
interface ServerMessage {
  type?: unknown;
  name?: unknown;
  room?: unknown;
  members?: unknown;
  from?: unknown;
  text?: unknown;
  code?: unknown;
  message?: unknown;
}

export function runClient(url: string, {
  out = process.stdout,
  name = process.env.CHAT_NAME ?? 'alice',
  rooms = (process.env.CHAT_ROOMS ?? 'lobby').split(','),
  say = 'hello, everyone',
  timeoutMs = TIMEOUT_MS,
}: RoomClientOptions = {}): Promise<void> {
  // TODO 7: return a Promise. new WebSocket(url); on 'open' send {"type":"hello","name":name}.
  //         On each text message, JSON.parse it (skip what is not JSON) and by its type print one
  //         line to `out`, every name, room and text through printable() (someone else chose them):
  //           welcome        "Connected as <name>."   then send {"type":"join","room":id} for each of `rooms`
  //           joined         "Joined #<room>. Here: <a>, <b>"   then send {"type":"chat","room":<room>,"text":say}
  //           member_joined  "[#<room>] * <name> joined"       member_left  "[#<room>] * <name> left"
  //           chat           "[#<room>] <from>: <text>"        (printable(text, 500))
  //         Pass over binary frames and anything that is not a JSON object (JSON.parse('null') is null).
  //         Keep a Set of the rooms where your line has not come back yet: a chat with from === your
  //         name, text === say and its room in the Set takes that room out; once the Set is empty,
  //         leave: ws.close(1000), and print nothing that arrives after that.
  //         An error reply: leave too, and reject with new Error(`the server refused: ${code}: ${message}`).
  // TODO 8: never wait for ever: one timer (timeoutMs) for the welcome, then one for your own lines;
  //         when one fires, reject ("no welcome …" / "no echo of our own lines …") and ws.terminate():
  //         a silent server will not answer a close frame either. After your close(1000), a timer
  //         that terminate()s if the server never answers it (then resolve: the work was done).
  // TODO 9: on 'close': clear the timer; reject with the reason you already have, or, if you did
  //         not choose to leave, with new Error(`the server closed the connection (code ${code}, reason "${reason}")`);
  //         otherwise resolve. And ws.on('error', …): keep the error for 'close' (it follows).
  void WebSocket;
  void printable;
  void url;
  void out;
  void name;
  void rooms;
  void say;
  void timeoutMs;
  todo('client.ts: runClient(): say hello, join your rooms, say your line in each, leave with 1000 once it came back in all of them');
}

if (isMain(import.meta.url)) await runClientProgram('Room client', runClient);
