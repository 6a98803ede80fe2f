// Ports for checks and demos. No vitest here: lesson play scripts import it outside a test run.
import { createServer } from 'node:net';

/** A port on 127.0.0.1 where nothing listens: the OS hands us a free one, and we give it back. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
