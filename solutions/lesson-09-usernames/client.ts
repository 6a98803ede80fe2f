// Lesson 09 — a chat client with a name: it joins, prints who is online, says one line, prints
// what the room says until its own line comes back, and leaves with 1000.
// Run it: CHAT_NAME=alice npx tsx lessons/lesson-09-usernames/client.ts [ws://127.0.0.1:8765]
import { WebSocket } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

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

// #region run
export function runClient(url: string, { out = process.stdout, name = process.env.CHAT_NAME ?? 'alice', say = 'hello, everyone', timeoutMs = TIMEOUT_MS }: ChatClientOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url);
    let me: string | undefined;
    let failure: Error | undefined;
    let leaving = false;
    // One timer at a time: the wait for the welcome, then for our own line, then for the close.
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
      // Our work is done: a server that never answers the close frame costs it nothing but the wait.
      timer = setTimeout(() => ws.terminate(), timeoutMs);
    };

    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', name })));
    ws.on('message', (data, isBinary) => {
      // Once we have said goodbye, what still arrives is not ours to show: the transcript ends at our echo.
      if (isBinary || leaving) return;
      let message: ServerMessage | null = null;
      try {
        message = JSON.parse(data.toString()) as ServerMessage | null;
      } catch {
        // Not JSON: nothing a chat client can show. message stays null and is passed over below.
      }
      // A name or a line is someone else's text: printed through printable(), never raw.
      const show = (value: unknown): string => printable(String(value));
      switch (message?.type) {
        case 'welcome': {
          me = String(message.name);
          const online: unknown[] = Array.isArray(message.online) ? message.online : [];
          out.write(`Joined as ${show(me)}. Online: ${online.map(show).join(', ')}\n`);
          clearTimeout(timer);
          timer = setTimeout(() => silent('echo of our own line'), timeoutMs);
          ws.send(JSON.stringify({ type: 'chat', text: say }));
          return;
        }
        case 'joined': out.write(`* ${show(message.name)} joined\n`); return;
        case 'left': out.write(`* ${show(message.name)} left\n`); return;
        case 'renamed': out.write(`* ${show(message.from)} is now ${show(message.to)}\n`); return;
        case 'chat':
          out.write(`${show(message.from)}: ${printable(String(message.text), 500)}\n`);
          if (message.from === me && message.text === say) leave();
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

if (isMain(import.meta.url)) await runClientProgram('Chat client', runClient);
