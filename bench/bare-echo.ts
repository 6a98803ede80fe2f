// The baseline for the echo benchmark: the least a ws server can do and speak lesson 01's
// protocol: no validation, no logging, no size limit.
import { WebSocketServer } from 'ws';
import type { ServerOptions } from '../lib/program.ts';

export function createBareEchoServer({ host = '127.0.0.1', port = 8765 }: ServerOptions = {}): WebSocketServer {
  const wss = new WebSocketServer({ host, port });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`));
    socket.on('error', () => {}); // only so the bench process survives a reset at the end
  });
  return wss;
}
