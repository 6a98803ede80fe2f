// Known-wrong solutions for lesson 11: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  // Deciding at the upgrade
  {
    name: 'accepts-then-closes',
    mistake: 'completes the handshake for everyone and closes a refused connection afterwards with 1008, so every refused client first sees "open" and costs the server a WebSocket',
    edits: [{
      file: 'server.ts',
      find: "      return refuse(socket, who);\n    }\n    wss.handleUpgrade(request, socket, head, (ws) => {\n      wss.emit('connection', ws, request);\n      session(ws, who.claims);\n    });",
      replace: "    }\n    wss.handleUpgrade(request, socket, head, (ws) => {\n      wss.emit('connection', ws, request);\n      if (!who.ok) return ws.close(1008, who.message);\n      session(ws, who.claims);\n    });",
    }],
    mustFail: ['401 before any connection event', '403 before any connection event'],
  },
  {
    name: 'destroys-without-an-answer',
    mistake: 'destroys a refused socket without writing the HTTP status, so the client sees a dropped connection instead of 401 or 403',
    edits: [{ file: 'server.ts', find: "    socket.once('finish', () => socket.destroy());\n    socket.end(`${head.join('\\r\\n')}\\r\\n\\r\\n${body}`);", replace: '    void head;\n    socket.destroy();' }],
    mustFail: ['401 before any connection event', 'complete HTTP answer'],
  },
  {
    name: 'answers-and-leaves-the-socket-open',
    mistake: 'writes the 401 with socket.write() and never ends the socket, so every refused request keeps a TCP connection open on the server',
    edits: [{ file: 'server.ts', find: "    socket.once('finish', () => socket.destroy());\n    socket.end(", replace: '    socket.write(' }],
    mustFail: ['the server closes the TCP connection'],
  },
  {
    name: 'ends-but-never-destroys',
    mistake: 'ends the refused socket but never destroys it, so (HTTP sockets allow half-open connections) a client that keeps its side open keeps the server\'s socket too',
    edits: [{ file: 'server.ts', find: "    socket.once('finish', () => socket.destroy());\n", replace: '' }],
    mustFail: ['the server closes the TCP connection'],
  },
  {
    name: 'no-error-listener-on-the-upgrade-socket',
    mistake: 'has no error listener on the raw socket before the handshake, so a client that resets the connection while being refused crashes the server',
    edits: [{ file: 'server.ts', find: "    socket.on('error', (error) => log(`upgrade socket error: ${printable(error.message)}`));\n", replace: '' }],
    mustFail: ['reset the connection while it refuses them'],
  },
  {
    name: 'forbidden-for-a-bad-token',
    mistake: 'answers a missing or bad token with 403, so a client cannot tell "log in again" from "you may not come in from there"',
    edits: [{ file: 'server.ts', find: "    if (!verdict.ok) return { ok: false, status: 401,", replace: "    if (!verdict.ok) return { ok: false, status: 403," }],
    mustFail: ['401 before any connection event'],
  },
  // The Origin
  {
    name: 'origin-not-checked',
    mistake: 'never looks at the Origin, so any web page a logged-in user visits can open a connection in their name (cross-site WebSocket hijacking)',
    edits: [{ file: 'server.ts', find: "    if (origin !== undefined && !allowedOrigins.includes(origin)) return { ok: false, status: 403, message: 'origin not allowed' };\n", replace: '    void origin;\n' }],
    mustFail: ['403 before any connection event'],
  },
  {
    name: 'origin-prefix-match',
    mistake: 'accepts an Origin that starts with an allowed one, so https://chat.example.evil.example passes for https://chat.example',
    edits: [{ file: 'server.ts', find: '!allowedOrigins.includes(origin)', replace: '!allowedOrigins.some((allowed) => origin.startsWith(allowed))' }],
    mustFail: ['403 before any connection event'],
  },
  {
    name: 'origin-required',
    mistake: 'refuses a request with no Origin, so Node and Python clients, which send none, can never connect',
    edits: [{ file: 'server.ts', find: 'if (origin !== undefined && !allowedOrigins.includes(origin))', replace: "if (!allowedOrigins.includes(origin ?? ''))" }],
    mustFail: ['a valid token in the Authorization header connects'],
  },
  // The token on the server
  {
    name: 'token-from-the-url',
    mistake: 'falls back to a ?token= in the URL, where it is written into server logs, proxy logs and browser history',
    edits: [{ file: 'server.ts', find: "request.headers.authorization ?? ''", replace: "request.headers.authorization ?? `Bearer ${new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? ''}`" }],
    mustFail: ['a token in the URL is not read'],
  },
  {
    name: 'bearer-case-sensitive',
    mistake: 'matches the scheme "Bearer" case-sensitively with exactly one space, so "bearer <token>" (the scheme is case-insensitive) is refused',
    edits: [{ file: 'server.ts', find: '/^Bearer +(\\S+)$/i', replace: '/^Bearer (\\S+)$/' }],
    mustFail: ['a valid token in the Authorization header connects'],
  },
  {
    name: 'logs-the-header',
    mistake: 'logs the Authorization header of a refused request, so the log holds working tokens for anyone who reads it',
    edits: [{ file: 'server.ts', find: '${who.message} (${request.socket.remoteAddress})', replace: '${who.message} (${request.socket.remoteAddress}, ${request.headers.authorization})' }],
    mustFail: ['never a token'],
  },
  {
    name: 'checks-the-real-clock',
    mistake: 'checks the token against Date.now() instead of the server\'s clock, so the expiry cannot be controlled (or tested) and a fake clock is ignored',
    edits: [{ file: 'server.ts', find: 'const verdict = verifyToken(secret, token, clock.now());', replace: 'const verdict = verifyToken(secret, token, Date.now());' }],
    mustFail: ['a token used after it expired is refused'],
  },
  {
    name: 'secret-length-in-characters',
    mistake: 'measures the secret in characters instead of bytes, so a 32-byte secret of Chinese characters is refused',
    edits: [{ file: 'server.ts', find: 'if (Buffer.byteLength(secret) < MIN_SECRET_BYTES)', replace: 'if (secret.length < MIN_SECRET_BYTES)' }],
    mustFail: ['refuses a secret shorter than 32 bytes'],
  },
  // Comparing and verifying
  {
    name: 'compares-signatures-with-===',
    mistake: 'compares the signature with ===, which answers sooner the earlier the strings differ, so an attacker timing the answers can find a valid signature byte by byte',
    edits: [{ file: 'tokens.ts', find: '  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return', replace: '  void timingSafeEqual;\n  if (given !== expected.toString()) return' }],
    mustFail: ['compared with crypto.timingSafeEqual'],
  },
  {
    name: 'timingSafeEqual-without-a-length-check',
    mistake: 'calls timingSafeEqual without checking the lengths first, so a shorter signature makes it throw and a forged token crashes the server',
    edits: [{ file: 'tokens.ts', find: 'if (actual.length !== expected.length || !timingSafeEqual(actual, expected))', replace: 'if (!timingSafeEqual(actual, expected))' }],
    mustFail: ['refused, not thrown'],
  },
  {
    name: 'length-in-characters-not-bytes',
    mistake: 'compares the signature\'s length in characters, so a signature of non-ASCII characters passes the length check and makes timingSafeEqual throw',
    edits: [{ file: 'tokens.ts', find: 'if (actual.length !== expected.length ||', replace: 'if (given.length !== expected.length ||' }],
    mustFail: ['refused, not thrown'],
  },
  {
    name: 'valid-at-exp',
    mistake: 'treats a token as valid while now <= exp, so it still works in the very millisecond it expires',
    edits: [{ file: 'tokens.ts', find: 'if (now >= claims.exp)', replace: 'if (now > claims.exp)' }],
    mustFail: ['valid until the millisecond its exp is reached', 'a token used after it expired is refused'],
  },
  {
    name: 'expiry-before-signature',
    mistake: 'reads the payload and checks the expiry before the signature, so it trusts unverified data and tells a forger "expired" instead of "bad signature"',
    edits: [{ file: 'tokens.ts', find: '  const expected = Buffer.from(signature(secret, payload));', replace: "  try {\n    const early = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };\n    if (typeof early.exp === 'number' && now >= early.exp) return { ok: false, reason: 'expired' };\n  } catch {\n    // checked again below\n  }\n  const expected = Buffer.from(signature(secret, payload));" }],
    mustFail: ['valid until the millisecond its exp is reached'],
  },
  {
    name: 'exp-may-be-infinite',
    mistake: 'accepts any number as exp, so a signed exp of 1e999 parses to Infinity and makes a token that never expires',
    edits: [{ file: 'tokens.ts', find: ' && Number.isFinite(exp);', replace: " && typeof exp === 'number';" }],
    mustFail: ['verifyToken refuses tampered, forged and malformed tokens'],
  },
  // The live session
  {
    name: 'no-expiry-during-the-session',
    mistake: 'checks the token only at the upgrade, so a session opened a minute before expiry lasts for ever',
    edits: [{ file: 'server.ts', find: '    watchExpiry();\n', replace: '    void watchExpiry;\n' }],
    mustFail: ['a live session is closed with 4001'],
  },
  {
    name: 'expiry-closes-with-1000',
    mistake: 'closes an expired session with 1000, so the client is told all went well and does not know to get a new token',
    edits: [{ file: 'server.ts', find: "ws.close(TOKEN_EXPIRED_CODE, 'token expired');", replace: "ws.close(1000, 'token expired');" }],
    mustFail: ['a live session is closed with 4001'],
  },
  {
    name: 'expiry-timer-never-cleared',
    mistake: 'never clears the expiry timer when a session ends, so every session that left early keeps a timer (and its memory) until its token expires',
    edits: [{ file: 'server.ts', find: '      clock.clearTimeout(expiry);\n', replace: '' }],
    mustFail: ['leaves no expiry timer behind'],
  },
  {
    name: 'timer-for-the-whole-lifetime',
    mistake: 'hands setTimeout the whole time left, so for a token valid longer than 24.8 days Node fires at once and the session is closed at its first tick',
    edits: [{ file: 'server.ts', find: 'clock.setTimeout(watchExpiry, Math.min(left, MAX_TIMER_MS))', replace: 'clock.setTimeout(() => ws.close(TOKEN_EXPIRED_CODE, \'token expired\'), left)' }],
    mustFail: ['not cut short by setTimeout\'s limit'],
  },
  // Robustness
  {
    name: 'no-maxPayload',
    mistake: 'creates the WebSocketServer without maxPayload, so a client can make the server read up to ws\'s default of 100 MiB per message',
    edits: [{ file: 'server.ts', find: '{ noServer: true, maxPayload: MAX_MESSAGE_BYTES }', replace: '{ noServer: true }' }],
    mustFail: ['closes an oversize message with 1009'],
  },
  {
    name: 'no-error-listener-on-the-session',
    mistake: 'has no error listener on a session\'s socket, so one client sending a broken frame crashes the server',
    edits: [{ file: 'server.ts', find: "    ws.on('error', (error) => log(`#${id} error: ${printable(error.message)}`));\n", replace: '' }],
    mustFail: ['survives a malformed frame'],
  },
  // The client
  {
    name: 'client-token-in-the-url',
    mistake: 'puts the token in the URL as ?token=, where it ends up in logs and histories',
    edits: [{ file: 'client.ts', find: 'new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } })', replace: 'new WebSocket(`${url}?token=${encodeURIComponent(token)}`)' }],
    mustFail: ['the client sends its token in the Authorization header'],
  },
  {
    name: 'client-without-unexpected-response',
    mistake: 'has no unexpected-response listener, so a refusal is reported as "Unexpected server response: 401" without the server\'s reason',
    edits: [
      { file: 'client.ts', find: "    ws.on('unexpected-response', (_request, response: IncomingMessage) => {", replace: '    const unused = (_request: unknown, response: IncomingMessage): void => {' },
      { file: 'client.ts', find: '    });\n    // #endregion refused', replace: '    };\n    void unused;\n    // #endregion refused' },
    ],
    mustFail: ['reports a refused upgrade plainly'],
  },
  {
    name: 'client-reads-an-endless-reason',
    mistake: 'reads a refusal\'s body to its end, so a server that never ends it keeps the client waiting until its own timeout',
    edits: [{ file: 'client.ts', find: '        if (Buffer.byteLength(body) > MAX_REASON_BYTES) response.destroy();\n', replace: '' }],
    mustFail: ['reports a refused upgrade plainly'],
  },
  {
    name: 'client-expiry-not-explained',
    mistake: 'reports a session closed with 4001 like any other close, so the user is not told the token expired and what to do',
    edits: [{ file: 'client.ts', find: '      else if (code === TOKEN_EXPIRED_CODE) reject(', replace: '      else if (code === -1) reject(' }],
    mustFail: ['session ended because the token expired'],
  },
  {
    name: 'client-waits-for-ever',
    mistake: 'arms no timer, so a server that never completes the handshake or never greets keeps the client waiting for ever',
    edits: [{ file: 'client.ts', find: '    let timer = setTimeout(() => silent(\'welcome\'), timeoutMs);', replace: '    let timer: NodeJS.Timeout | undefined = undefined;' }],
    mustFail: ['gives up on a server that never completes the handshake'],
  },
] satisfies WrongSolution[];
