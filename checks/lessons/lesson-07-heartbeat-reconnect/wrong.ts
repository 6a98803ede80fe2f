// Known-wrong solutions for lesson 07: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  // The server
  {
    name: 'heartbeat-never-terminates',
    mistake: 'pings every interval but never checks isAlive, so a peer that stopped answering stays forever',
    edits: [{
      file: 'server.ts',
      find: `      if (!peer.isAlive) {
        // No pong since the last tick. close() would wait for a closing handshake the peer can
        // no longer answer; terminate() drops the TCP connection now, and 'close' cleans up.
        log(\`peer #\${peer.id} did not answer the last ping: terminating\`);
        socket.terminate();
        continue;
      }
`,
      replace: '',
    }],
    mustFail: ['stops answering pings within two intervals', 'half-open client'],
  },
  {
    name: 'peers-never-forgotten',
    mistake: 'never deletes a peer from its own map, so the set of clients only grows (a memory leak)',
    edits: [{ file: 'server.ts', find: '      wss.peers.delete(socket);\n', replace: '' }],
    mustFail: ['removes it when the connection ends', 'leaves no entry'],
  },
  {
    name: 'pong-ignored',
    mistake: 'never sets isAlive back to true on a pong, so healthy peers are cut off at the second interval',
    edits: [{ file: 'server.ts', find: '      peer.isAlive = true;\n', replace: '' }],
    mustFail: ['answers every ping connected'],
  },
  {
    name: 'close-instead-of-terminate',
    mistake: 'ends a peer that missed its ping with close(), which waits 30 s for a closing handshake a dead peer cannot do',
    edits: [{ file: 'server.ts', find: '        socket.terminate();\n', replace: "        socket.close(1001, 'no pong');\n" }],
    mustFail: ['half-open client'],
  },
  {
    name: 'interval-never-cleared',
    mistake: 'does not stop the heartbeat interval when the server closes, leaving a timer running',
    edits: [{ file: 'server.ts', find: "  wss.on('close', () => timers.clearInterval(heartbeat));\n", replace: '' }],
    mustFail: ['stops its heartbeat interval'],
  },
  // The backoff
  {
    name: 'backoff-without-jitter',
    mistake: 'waits exactly min(cap, base·factorⁿ): every client dropped at the same moment comes back at the same moment',
    edits: [{ file: 'backoff.ts', find: '  return r * ceiling;\n', replace: '  return ceiling;\n' }],
    mustFail: ['full jitter', 'not in lockstep'],
  },
  {
    name: 'backoff-without-cap',
    mistake: 'lets the delay grow without a cap: after a long outage clients wait hours',
    edits: [{ file: 'backoff.ts', find: 'const ceiling = Math.min(cap, base * factor ** attempt);', replace: 'const ceiling = base * factor ** attempt;' }],
    mustFail: ['inside [0, min(cap', 'never beyond the cap'],
  },
  {
    name: 'backoff-equal-jitter',
    mistake: 'waits half the ceiling plus jitter on the other half (equal jitter), not the full-jitter range the lesson asks for',
    edits: [{ file: 'backoff.ts', find: '  return r * ceiling;\n', replace: '  return ceiling / 2 + (r * ceiling) / 2;\n' }],
    mustFail: ['full jitter'],
  },
  // The client
  {
    name: 'resets-backoff-on-open',
    mistake: 'resets the attempt counter as soon as a connection opens, so a server that accepts and drops at once is hammered at the base delay',
    edits: [{ file: 'client.ts', find: "    ws.on('open', () => {\n", replace: "    ws.on('open', () => {\n      attempt = 0;\n" }],
    mustFail: ['drops right after opening'],
  },
  {
    name: 'never-resets-backoff',
    mistake: 'never resets the attempt counter, so after a few hiccups even a long-healthy connection reconnects at the cap',
    edits: [{ file: 'client.ts', find: '        attempt = 0;\n', replace: '' }],
    mustFail: ['stayed up for stableMs'],
  },
  {
    name: 'silence-timer-not-restarted-by-messages',
    mistake: 'arms the silence timer once per connection and never restarts it, so a chatty, healthy server is dropped every silenceMs',
    edits: [{
      file: 'client.ts',
      find: "    ws.on('message', (data, isBinary) => {\n      expectLifeWithin(ws);\n",
      replace: "    ws.on('message', (data, isBinary) => {\n",
    }, {
      file: 'client.ts',
      find: "    ws.on('ping', () => expectLifeWithin(ws));\n",
      replace: '',
    }],
    mustFail: ['silent server'],
  },
  {
    name: 'no-silence-detection',
    mistake: 'never notices a silent server: a half-open connection looks open forever',
    edits: [{ file: 'client.ts', find: '      ws.terminate(); // a silent server will not answer a close frame either\n', replace: '' }],
    mustFail: ['silent server'],
  },
  {
    name: 'reconnects-on-error-and-close',
    mistake: 'schedules a reconnect on "error" as well as on "close", so every failed attempt starts two connections',
    edits: [{ file: 'client.ts', find: "    ws.on('error', () => {});\n", replace: "    ws.on('error', () => {\n      if (!stopping) scheduleReconnect();\n    });\n" }],
    mustFail: ['backs off exponentially while the server refuses'],
  },
  {
    name: 'reconnects-after-close',
    mistake: 'close() closes the socket, but the "close" handler reconnects anyway',
    edits: [{
      file: 'client.ts',
      find: `      if (stopping) {
        finishStopping();
        return;
      }
      onEvent({ type: 'down', code });
      if (!stopping) scheduleReconnect(); // onEvent may have called close()
`,
      replace: `      if (stopping) finishStopping();
      onEvent({ type: 'down', code });
      scheduleReconnect();
`,
    }],
    mustFail: ['close() stops for good'],
  },
  {
    name: 'close-keeps-reconnect-timer',
    mistake: 'close() does not cancel a reconnect that is already scheduled, so the client comes back after being told to stop',
    edits: [{ file: 'client.ts', find: '    retryTimer = cancel(retryTimer);\n', replace: '' }],
    mustFail: ['during a backoff wait'],
  },
] satisfies WrongSolution[];
