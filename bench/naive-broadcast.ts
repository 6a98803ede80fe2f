// The broadcast the lesson warns about, for comparison in the benchmark: it awaits each send
// in turn and has no buffer limit. It does remove leavers, so only the technique differs.
import { WebSocket, WebSocketServer } from 'ws';
import type { ServerOptions } from '../lib/program.ts';

export function createNaiveServer({ host = '127.0.0.1', port = 8765 }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port, maxPayload: 64 * 1024 });
  const clients = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => {});
    socket.on('message', async (data) => {
      const payload = JSON.stringify({ type: 'chat', message: data.toString() });
      for (const client of clients) {
        if (client.readyState !== WebSocket.OPEN) continue;
        // The mistake: the next client waits until this one's bytes reached the kernel.
        await new Promise<void>((resolve) => client.send(payload, () => resolve()));
      }
    });
  });
  return wss;
}
