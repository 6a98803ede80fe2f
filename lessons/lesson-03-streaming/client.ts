// Lesson 03 — the streaming client: prints each chunk the moment it arrives, like a typewriter.
// Run it: npx tsx lessons/lesson-03-streaming/client.ts [ws://127.0.0.1:8765]
import { WebSocket } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';
import { todo } from '../../lib/todo.ts';

export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  // TODO 1: new WebSocket(url). Attach every listener right away, inside one new Promise:
  //         'open': print `Receiving stream:` and a newline to `out`.
  // TODO 2: 'message': write the chunk to `out` at once, with no newline (the Python tutorial's
  //         print(chunk, end="", flush=True) is out.write(chunk)). A binary frame is not a line of
  //         the poem: close with ws.close(1003, 'text only') and print nothing.
  // TODO 3: 'close': print one newline (if the connection had opened), then resolve if the code
  //         is 1000; any other code (1006, 1001, 1011, 4000 …) means the stream was cut off:
  //         reject with an Error naming the code. Keep an 'error' listener too ('close' always
  //         follows it): remember the error, and reject with it in 'close'.
  void WebSocket;
  void url;
  void out;
  todo('client.ts: print `Receiving stream:`, then each chunk the moment it arrives, and return when the server closes');
}

if (isMain(import.meta.url)) await runClientProgram('Stream client', runClient);
