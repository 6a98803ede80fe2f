// One lesson's reference server in a process of its own, for the abuse bench: its memory is
// measured alone (from the parent, through /proc), and a runaway cannot take the bench down.
//   node --import tsx bench/abuse-server.ts <lesson-id>
// Sends { type: 'ready', port } over IPC; exits when the parent disconnects.
import type { WebSocketServer } from 'ws';
import { findLesson, solutionDir } from '../checks/lessons.ts';
import type { ServerFactory } from '../lib/program.ts';

const lesson = findLesson(process.argv[2] ?? '');
if (!lesson || !process.send) {
  console.error('usage (from the bench, over IPC): abuse-server.ts <lesson-id>');
  process.exit(2);
}
const { createServer } = (await import(`${solutionDir(lesson)}/server.ts`)) as { createServer: ServerFactory };
const wss: WebSocketServer = createServer({ host: '127.0.0.1', port: 0, log: () => {} });
wss.once('listening', () => {
  const address = wss.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
