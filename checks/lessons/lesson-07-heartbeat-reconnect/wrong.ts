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
    edits: [{ file: 'server.ts', find: '      if (peer.pingToken?.equals(data)) peer.isAlive = true;\n', replace: '' }],
    mustFail: ['answers every ping connected'],
  },
  {
    name: 'any-pong-counts',
    mistake: 'marks a peer alive on any pong, so a peer that sends pongs of its own but never reads a ping is never cut off',
    edits: [{ file: 'server.ts', find: '      if (peer.pingToken?.equals(data)) peer.isAlive = true;\n', replace: '      peer.isAlive = true;\n' }],
    mustFail: ['counts only the pong that answers its ping'],
  },
  {
    name: 'heartbeat-on-global-setInterval',
    mistake: 'runs the heartbeat on the global setInterval instead of the timers option, so nothing can control (or test) its clock',
    edits: [{ file: 'server.ts', find: '  const heartbeat = timers.setInterval(() => {', replace: '  const heartbeat = setInterval(() => {' }],
    mustFail: ['stops answering pings within two intervals', 'counts only the pong'],
  },
  {
    name: 'heartbeat-per-connection',
    mistake: 'starts one ping interval per connection and never stops it, so every peer that ever left keeps an interval running',
    edits: [
      {
        file: 'server.ts',
        find: "    socket.on('error', (error) => log(`peer #${peer.id} error: ${error.message}`));\n",
        replace: "    socket.on('error', (error) => log(`peer #${peer.id} error: ${error.message}`));\n    timers.setInterval(() => {\n      if (!peer.isAlive) {\n        log(`peer #${peer.id} did not answer the last ping: terminating`);\n        socket.terminate();\n        return;\n      }\n      peer.isAlive = false;\n      peer.pingToken = randomBytes(8);\n      socket.ping(peer.pingToken);\n    }, heartbeatMs);\n",
      },
      { file: 'server.ts', find: '    for (const [socket, peer] of wss.peers) {', replace: '    for (const [socket, peer] of new Map<WebSocket, Peer>()) {' },
    ],
    mustFail: ['a heartbeat tick after peers have left', 'stops its heartbeat interval'],
  },
  {
    name: 'no-send-buffer-limit',
    mistake: 'drops the given limitSendBuffer(socket), so a client that sends and never reads makes its echoes pile up in the server\'s memory',
    edits: [{ file: 'server.ts', find: '    limitSendBuffer(socket);\n', replace: '' }],
    mustFail: ['stops reading from a client that sends and never reads'],
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
    name: 'closes-a-silent-server',
    mistake: 'ends a silent connection with close() instead of terminate(), so the client waits for a closing handshake the dead server never answers',
    edits: [{ file: 'client.ts', find: '      ws.terminate(); // a silent server will not answer a close frame either\n', replace: "      ws.close(1001, 'silent');\n" }],
    mustFail: ['drops a silent server with terminate()'],
  },
  {
    name: 'silence-timer-not-cancelled',
    mistake: 'arms a new silence timer on every sign of life without cancelling the previous one, so an old one fires and drops a healthy connection',
    edits: [{ file: 'client.ts', find: '    silenceTimer = cancel(silenceTimer);\n    silenceTimer = timers.setTimeout(', replace: '    silenceTimer = timers.setTimeout(' }],
    mustFail: ['reconnects again after a second drop', 'silent server as gone'],
  },
  {
    name: 'stable-timer-outlives-its-connection',
    mistake: 'does not cancel the stable timer when the connection closes, so it fires later and resets the backoff while the server keeps failing',
    edits: [{ file: 'client.ts', find: "    ws.on('close', (code) => {\n      stableTimer = cancel(stableTimer);\n", replace: "    ws.on('close', (code) => {\n" }],
    mustFail: ['drops right after opening', 'reconnects again after a second drop'],
  },
  {
    name: 'close-without-timeout',
    mistake: 'close() sends its close frame and waits for the answer with no time limit of its own, so a server that never answers keeps it waiting',
    edits: [{ file: 'client.ts', find: '      closeTimer = timers.setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS);\n', replace: '' }],
    mustFail: ['close() gives up on a server that never answers'],
  },
  {
    name: 'close-always-sends-a-close-frame',
    mistake: 'close() calls ws.close() whatever the socket\'s state, so a connection that is still connecting or already closing keeps close() waiting',
    edits: [
      { file: 'client.ts', find: '    } else if (ws.readyState === WebSocket.OPEN) {\n', replace: '    } else {\n' },
      { file: 'client.ts', find: "    } else {\n      ws.terminate(); // still connecting, or already closing: 'close' follows\n    }\n", replace: '    }\n' },
    ],
    mustFail: ['close() in the middle of a handshake'],
  },
  {
    name: 'close-in-onEvent-still-reconnects',
    mistake: 'schedules the retry right after reporting "down" without checking again, so a close() called from onEvent is ignored',
    edits: [{ file: 'client.ts', find: '      if (!stopping) scheduleReconnect(); // onEvent may have called close()\n', replace: '      scheduleReconnect();\n' }],
    mustFail: ['or from inside onEvent'],
  },
  {
    name: 'close-twice-closes-twice',
    mistake: 'a second close() starts a second closing instead of returning the first one\'s promise',
    edits: [{ file: 'client.ts', find: '    if (stopped) return stopped;\n', replace: '' }],
    mustFail: ['close() called twice'],
  },
  {
    name: 'client-no-maxPayload',
    mistake: 'the client connects without maxPayload, so a server can make it buffer messages of up to 100 MiB',
    edits: [{ file: 'client.ts', find: 'new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES })', replace: 'new WebSocket(url)' }],
    mustFail: ['from the server with 1009'],
  },
  {
    name: 'pong-is-no-sign-of-life',
    mistake: 'the client restarts its silence timer on messages and pings but not on pongs, so a server that heartbeats with unsolicited pongs is dropped',
    edits: [{ file: 'client.ts', find: "    ws.on('pong', () => expectLifeWithin(ws));\n", replace: '' }],
    mustFail: ['silent server as gone'],
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
