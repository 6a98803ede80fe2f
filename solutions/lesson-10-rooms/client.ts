// Lesson 10 — a chat client in several rooms: it says hello with a name, joins each room, says one
// line in each, prints what its rooms say until its own line has come back in every one of them,
// and leaves with 1000.
// Run it: CHAT_NAME=alice CHAT_ROOMS=lobby,games npx tsx lessons/lesson-10-rooms/client.ts [ws://127.0.0.1:8765]
import { WebSocket } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

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

// #region run
export function runClient(url: string, {
  out = process.stdout,
  name = process.env.CHAT_NAME ?? 'alice',
  rooms = (process.env.CHAT_ROOMS ?? 'lobby').split(','),
  say = 'hello, everyone',
  timeoutMs = TIMEOUT_MS,
}: RoomClientOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url);
    let me: string | undefined;
    /** The rooms where our own line has not come back yet. */
    const waiting = new Set(rooms);
    let failure: Error | undefined;
    let leaving = false;
    // One timer at a time: the wait for the welcome, then for our own lines, then for the close.
    let timer = setTimeout(() => silent('welcome'), timeoutMs);

    /** A server that does not answer cannot answer a close frame either: drop the connection. */
    const silent = (what: string): void => {
      failure ??= new Error(`no ${what} from the server within ${timeoutMs} ms`);
      ws.terminate();
    };
    /** Leaves with the closing handshake, and drops the connection if the server never answers it. */
    const leave = (error?: Error): void => {
      failure ??= error;
      leaving = true;
      clearTimeout(timer);
      ws.close(1000);
      timer = setTimeout(() => ws.terminate(), timeoutMs);
    };

    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', name })));
    ws.on('message', (data, isBinary) => {
      // Once we have said goodbye, what still arrives is not ours to show.
      if (isBinary || leaving) return;
      let message: ServerMessage | null = null;
      try {
        message = JSON.parse(data.toString()) as ServerMessage | null;
      } catch {
        // Not JSON: nothing a chat client can show. message stays null and is passed over below.
      }
      // Names, rooms and lines are someone else's text: printed through printable(), never raw.
      const show = (value: unknown): string => printable(String(value));
      const room = `[#${show(message?.room)}]`;
      switch (message?.type) {
        case 'welcome':
          me = String(message.name);
          out.write(`Connected as ${show(me)}.\n`);
          clearTimeout(timer);
          timer = setTimeout(() => silent('echo of our own lines'), timeoutMs);
          for (const id of rooms) ws.send(JSON.stringify({ type: 'join', room: id }));
          return;
        case 'joined': {
          const here: unknown[] = Array.isArray(message.members) ? message.members : [];
          out.write(`Joined #${show(message.room)}. Here: ${here.map(show).join(', ')}\n`);
          ws.send(JSON.stringify({ type: 'chat', room: message.room, text: say }));
          return;
        }
        case 'member_joined': out.write(`${room} * ${show(message.name)} joined\n`); return;
        case 'member_left': out.write(`${room} * ${show(message.name)} left\n`); return;
        case 'chat':
          out.write(`${room} ${show(message.from)}: ${printable(String(message.text), 500)}\n`);
          // Our own line, back in a room we said it in: that room is done.
          if (message.from === me && message.text === say && waiting.delete(String(message.room)) && waiting.size === 0) leave();
          return;
        case 'error':
          leave(new Error(`the server refused: ${show(message.code)}: ${show(message.message)}`));
          return;
      }
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else if (!leaving) reject(new Error(`the server closed the connection (code ${code}, reason "${printable(reason.toString())}")`));
      else resolve();
    });
    // Without a listener an 'error' would crash the program; 'close' follows it and settles the promise.
    ws.on('error', (error) => { failure ??= error; });
  });
}
// #endregion run

if (isMain(import.meta.url)) await runClientProgram('Room client', runClient);
