// Client connections for the load generators.
import { WebSocket } from 'ws';

const CONNECT_LIMIT_MS = 15_000;

/** Opens `count` connections, `batch` handshakes at a time (a burst of 1,000 SYNs overflows the backlog). */
export async function connectClients(url: string, count: number, batch = 50): Promise<WebSocket[]> {
  const clients: WebSocket[] = [];
  try {
    for (let first = 0; first < count; first += batch) {
      const size = Math.min(batch, count - first);
      clients.push(...await Promise.all(Array.from({ length: size }, () => connectOne(url))));
    }
  } catch (error) {
    closeClients(clients);
    throw error;
  }
  return clients;
}

function connectOne(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`connecting to ${url} took longer than ${CONNECT_LIMIT_MS} ms`));
    }, CONNECT_LIMIT_MS);
    ws.once('open', () => { clearTimeout(timer); resolve(ws); });
    ws.once('error', (error) => { clearTimeout(timer); reject(error); });
    // After the handshake, errors (a reset at the end of a run) are expected and not fatal.
    ws.on('error', () => {});
  });
}

export function closeClients(clients: readonly WebSocket[]): void {
  for (const client of clients) client.terminate();
}
