// The floor `npm run bench:check` compares the check against: tsx starting a ws server and a
// client in one process and exchanging one message. No check can be faster than this.
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await once(wss, 'listening');
wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
const address = wss.address();
const port = typeof address === 'object' && address ? address.port : 0;

const ws = new WebSocket(`ws://127.0.0.1:${port}`);
await once(ws, 'open');
ws.send('Hello WebSocket!');
const [reply] = await once(ws, 'message') as [Buffer];
if (reply.toString() !== 'Echo: Hello WebSocket!') throw new Error(`unexpected reply ${reply.toString()}`);
ws.close(1000);
await once(ws, 'close');
await new Promise<void>((resolve) => wss.close(() => resolve()));
