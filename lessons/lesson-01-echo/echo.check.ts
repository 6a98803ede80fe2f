// Self-checks for lesson 01. Run: npm run check lesson-01
// Each check starts your server or client for real, on 127.0.0.1 with a free port.
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, expectEqual, fail, show } from '../../checks/harness.ts';
import { createServer } from './server.ts';
import { MESSAGE, runClient } from './client.ts';

describe('the echo server', () => {
  check('answers "Hello WebSocket!" with "Echo: Hello WebSocket!"', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('Hello WebSocket!');
    const reply = await client.nextText({ waitingFor: 'the reply "Echo: Hello WebSocket!"', hint: 'in server.ts, call socket.send(`Echo: ${text}`) inside the "message" handler.' });
    expectEqual(reply, 'Echo: Hello WebSocket!', 'the reply', 'the reply is the text "Echo: " followed by exactly what the client sent.');
  });

  check('answers every message, in order, over 200 messages', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const sent = Array.from({ length: 200 }, (_, i) => `message ${i + 1}`);
    for (const text of sent) client.send(text);
    const replies = await client.texts(sent.length, { hint: 'listen with socket.on("message"), not once(): every message needs its own reply.' });
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${sent[i]}`, `reply ${i + 1}`, 'reply to each message as it arrives; do not batch, reorder or skip.'));
  });

  check('keeps Chinese text and emoji intact', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    const texts = ['你好，世界', '春眠不觉晓，处处闻啼鸟。', '👋🏽 WebSocket 🚀', 'é vs é (two ways to write it)'];
    for (const text of texts) client.send(text);
    const replies = await client.texts(texts.length);
    replies.forEach((reply, i) => expectEqual(reply, `Echo: ${texts[i]}`, `the reply to ${show(texts[i])}`,
      'decode the Buffer as UTF-8 (data.toString() does), and send a string back so it goes out as a text frame.'));
  });

  check('answers an empty message with "Echo: "', async ({ net }) => {
    const server = await net.serve(createServer);
    const client = await net.connect(server.url);
    client.send('');
    const reply = await client.nextText({ waitingFor: 'the reply to an empty message', hint: 'an empty message is still a message: do not skip it with `if (!text) return`.' });
    expectEqual(reply, 'Echo: ', 'the reply to an empty message', 'reply with "Echo: " followed by the (empty) text.');
  });

  check('never sends one client\'s echoes to another', async ({ net }) => {
    const server = await net.serve(createServer);
    const [alice, bob] = await net.connectMany(server.url, 2);
    if (!alice || !bob) throw new Error('harness: expected two clients');
    for (let i = 1; i <= 20; i += 1) {
      alice.send(`alice ${i}`);
      bob.send(`bob ${i}`);
    }
    const aliceReplies = await alice.texts(20);
    const bobReplies = await bob.texts(20);
    const leaked = [...aliceReplies.filter((r) => r.includes('bob')), ...bobReplies.filter((r) => r.includes('alice'))];
    if (leaked.length > 0) {
      fail({ expected: 'each client to get only the echoes of its own messages', actual: `${show(leaked.slice(0, 3))} reached the wrong client`, hint: 'reply with socket.send on the socket the message came from, not to every client in wss.clients.' });
    }
    await alice.expectQuiet(150, 'after its own 20 echoes', 'a client must get exactly one echo per message it sent.');
  });

  check('keeps serving after a client drops without closing', async ({ net }) => {
    const server = await net.serve(createServer);
    const rude = await net.connect(server.url, { label: 'a client that vanishes' });
    rude.send('about to vanish');
    rude.terminate();
    const polite = await net.connect(server.url, { label: 'the next client' });
    polite.send('still there?');
    expectEqual(await polite.nextText(), 'Echo: still there?', 'the reply to the next client', 'a client that disappears must not take the server down: add an "error" listener to each socket.');
  });
});

describe('the echo client', () => {
  check('sends "Hello WebSocket!" and prints "Received: Echo: Hello WebSocket!"', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
    const out = net.output();
    const done = runClient(peer.url, { out });
    const connection = await peer.nextConnection();
    const sent = await connection.nextText({ waitingFor: 'the client to send a message', hint: 'send only after the "open" event: sending while still CONNECTING throws.' });
    expectEqual(sent, MESSAGE, 'the message the client sends', 'send the MESSAGE constant, exactly.');
    await done;
    expectEqual(out.text, 'Received: Echo: Hello WebSocket!\n', 'what the client printed', 'write `Received: ${reply}` and a newline to the `out` stream you were given.');
  });

  check('closes with code 1000 and returns only after the close completes', async ({ net }) => {
    const peer = await net.peer();
    peer.wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`Echo: ${data.toString()}`)));
    const done = runClient(peer.url, { out: net.output() });
    const connection = await peer.nextConnection();
    await done;
    // By the time runClient returns, the server must already have the close frame.
    if (connection.ws.readyState === WebSocket.OPEN) {
      fail({ expected: 'runClient to return only after the closing handshake', actual: 'it returned while the connection was still open', hint: 'after ws.close(1000), wait for the "close" event (await once(ws, "close")) before returning.' });
    }
    const closed = await connection.waitClosed();
    if (closed.code !== 1000) {
      fail({ expected: 'the server to see close code 1000 (normal closure)', actual: `code ${closed.code}`, hint: closed.code === 1006 ? 'code 1006 means the TCP connection was dropped without a closing handshake: use ws.close(1000), not ws.terminate().' : 'call ws.close(1000).' });
    }
  });
});
