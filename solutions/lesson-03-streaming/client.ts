// Lesson 03 — the streaming client: prints each chunk the moment it arrives, like a typewriter.
// Run it: npx tsx lessons/lesson-03-streaming/client.ts [ws://127.0.0.1:8765]
import { WebSocket } from 'ws';
import { isMain, runClientProgram, type ClientOptions } from '../../lib/program.ts';

export async function runClient(url: string, { out = process.stdout }: ClientOptions = {}): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    let opened = false;
    let failure: Error | undefined;
    // All listeners are attached before the first event can fire, so no chunk can slip past.
    ws.once('open', () => {
      opened = true;
      out.write('Receiving stream:\n');
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        // The stream is text; bytes are not ours to guess at. 1003: "unsupported data".
        ws.close(1003, 'text only');
        return;
      }
      // The Python tutorial's print(chunk, end="", flush=True): no newline, out at once.
      out.write(data.toString());
    });
    ws.on('error', (error) => {
      failure ??= error;
    });
    // 'close' always comes last, also after 'error'.
    ws.once('close', (code) => {
      if (opened) out.write('\n');
      if (failure) reject(failure);
      // Only a normal close means the server finished; anything else cut the stream short.
      else if (code !== 1000) reject(new Error(`the stream was cut off (close code ${code})`));
      else resolve();
    });
  });
}

if (isMain(import.meta.url)) await runClientProgram('Stream client', runClient);
