// Self-checks for lesson 11. Run: npm run check lesson-11
// Each check starts your server (or a test server, for the client) for real, on 127.0.0.1 with a
// free port. Tokens are made here by the checks' own signer, the format the README documents, so
// the server is tested against the format and not against your signToken(). Expiry runs on a fake
// clock (fake-clock.ts): no check waits for a token to expire.
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { createConnection, createServer as createTcpServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, Endpoint, expectEqual, expectLoopbackByDefault, fail, show, survives, t, tcpSocket, verbatim, WAIT_MS, type Harness, type RunningServer, type Text, type Words } from '../../checks/harness.ts';
import { exited, importStartsNothing, programSaid, runProgram, startServerProgram } from '../../checks/programs.ts';
import { FakeClock } from './fake-clock.ts';
import { createServer, type AuthServerOptions } from './server.ts';
import { runClient } from './client.ts';
import { signToken, verifyToken, type Verdict } from './tokens.ts';

// The protocol as the README documents it, written out here so the checks cannot drift with your code.
const SECRET = 'the-checks-own-secret-of-more-than-32-bytes';
const OTHER_SECRET = 'another-secret-that-is-long-enough-to-use!!';
const MAX_MESSAGE_BYTES = 4 * 1024;
const TOKEN_EXPIRED_CODE = 4001;
const DEV_SECRET = 'workbook-development-secret-never-use-in-production';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ORIGINS = ['https://chat.example', 'http://127.0.0.1:8765'];

// #region signer
/** The checks' own signer: base64url(payload text) "." base64url(HMAC-SHA256(secret, that base64url text)). */
function signRaw(payloadText: string, secret = SECRET): string {
  const payload = Buffer.from(payloadText).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}
// #endregion signer

function tokenFor(sub: string, exp: number, secret = SECRET): string {
  return signRaw(JSON.stringify({ sub, exp }), secret);
}

const TOKENS_HINT = t(
  'tokens.ts: token = payload + "." + signature, payload = Buffer.from(JSON.stringify({ sub, exp })).toString("base64url"), signature = createHmac("sha256", secret).update(payload).digest("base64url").',
  'tokens.ts 里的格式：token = payload + "." + signature，payload = Buffer.from(JSON.stringify({ sub, exp })).toString("base64url")，signature = createHmac("sha256", secret).update(payload).digest("base64url")。',
);
const UPGRADE_HINT = t(
  'in http.on("upgrade", (request, socket, head) => …): const who = authenticate(request); if (!who.ok) return refuse(socket, who); only then wss.handleUpgrade(request, socket, head, (ws) => { wss.emit("connection", ws, request); session(ws, who.claims); }).',
  '在 http.on("upgrade", (request, socket, head) => …) 里：const who = authenticate(request)；if (!who.ok) return refuse(socket, who)；只有通过了才 wss.handleUpgrade(request, socket, head, (ws) => { wss.emit("connection", ws, request); session(ws, who.claims); })。',
);
const BEFORE_HINT = t(
  'decide in the "upgrade" handler, before wss.handleUpgrade(): a refused request must never become a WebSocket. Accepting it and closing it afterwards is too late: the client already saw "open" and the server already spent a connection on it.',
  '在 "upgrade" 处理函数里、调用 wss.handleUpgrade() 之前做决定：被拒绝的请求永远不能变成 WebSocket。先接受再关闭就太晚了：客户端已经看到了 "open"，服务器也已经为它花掉了一个连接。',
);
const EXPIRY_HINT = t(
  'in session(): arm clock.setTimeout for the time the token has left (exp - clock.now()); when it fires, ws.close(4001, "token expired"). Use the clock option, not the global setTimeout: the checks pass a fake clock.',
  '在 session() 里：用 clock.setTimeout 按 token 剩下的时间（exp - clock.now()）设一个定时器；到点时 ws.close(4001, "token expired")。要用 clock 选项，而不是全局的 setTimeout：检查会传进一个假时钟。',
);

const LOG_HINT = t(
  'log each refusal as `refused ${status}: ${message} (${request.socket.remoteAddress})`, each session as `#${id} ${sub} connected` and `#${id} ${sub} left (${code})`, ids counting from 1 — never the token or the header.',
  '每次拒绝记一行 `refused ${status}: ${message} (${request.socket.remoteAddress})`，每个会话记 `#${id} ${sub} connected` 和 `#${id} ${sub} left (${code})`，编号从 1 开始——绝不记录 token 或那个请求头。',
);

// #region attempts
type Attempt =
  | { kind: 'open'; client: Endpoint }
  | { kind: 'refused'; status: number; headers: IncomingHttpHeaders; body: string }
  | { kind: 'failed'; message: string };

/**
 * Tries a WebSocket handshake with these headers and says how it ended: open (with the client
 * recording everything from the first moment), refused with an HTTP status, or failed.
 */
async function attempt(net: Harness, url: string, headers: Record<string, string>, label: Words): Promise<Attempt> {
  const ws = new WebSocket(url, { headers });
  onTestFinished(() => ws.terminate());
  const client = new Endpoint(ws, label, net);
  let outcome: Attempt | undefined;
  ws.on('unexpected-response', (_request, response: IncomingMessage) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => { body += chunk; });
    response.on('close', () => {
      outcome ??= { kind: 'refused', status: response.statusCode ?? 0, headers: response.headers, body };
      ws.terminate();
      net.wakeAll();
    });
  });
  ws.once('open', () => { outcome ??= { kind: 'open', client }; net.wakeAll(); });
  ws.once('error', (error) => { outcome ??= { kind: 'failed', message: error.message }; net.wakeAll(); });
  return net.waitUntil(() => outcome, WAIT_MS, () => ({
    expected: t(`an answer to the upgrade request of ${label}`, `${label}的升级请求得到回应`),
    actual: t('no answer: no 101, no HTTP status, no closed connection', '没有任何回应：没有 101，没有 HTTP 状态码，连接也没有关闭'),
    hint: t('every upgrade request needs an answer: wss.handleUpgrade(…) or refuse(socket, …). A request left hanging holds a socket for ever.', '每个升级请求都要有回应：wss.handleUpgrade(…) 或 refuse(socket, …)。晾着不管的请求会一直占着一个 socket。'),
  }));
}

function describeAttempt(result: Attempt): Text {
  switch (result.kind) {
    case 'open': return t('the handshake completed: the client saw "open"', '握手完成了：客户端看到了 "open"');
    case 'refused': return t(`HTTP ${result.status}, body ${show(result.body)}`, `HTTP ${result.status}，正文 ${show(result.body)}`);
    case 'failed': return t(`no HTTP answer: ${result.message}`, `没有 HTTP 回应：${result.message}`);
  }
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** Connects with these headers and expects the handshake to complete. */
async function connectWith(net: Harness, server: RunningServer, headers: Record<string, string>, label: Words, hint: Words = UPGRADE_HINT): Promise<Endpoint> {
  const result = await attempt(net, server.url, headers, label);
  if (result.kind !== 'open') {
    fail({ expected: t(`${label} to connect`, `${label}连上服务器`), actual: describeAttempt(result), hint });
  }
  return result.client;
}

/** Expects the upgrade to be refused with `status`, a non-empty body containing `says`, and no connection made. */
async function expectRefused(net: Harness, server: RunningServer, headers: Record<string, string>, status: 401 | 403, says: string, label: Words, hint: Words, url = server.url): Promise<void> {
  const before = server.connections.length;
  const result = await attempt(net, url, headers, label);
  if (result.kind !== 'refused' || result.status !== status || !result.body.includes(says)) {
    fail({
      expected: t(`${label}: refused with HTTP ${status} and a body that says ${show(says)}`, `${label}：以 HTTP ${status} 拒绝，正文里写着 ${show(says)}`),
      actual: describeAttempt(result),
      hint: result.kind === 'open' ? t(`${hint} ${BEFORE_HINT}`, `${hint} ${BEFORE_HINT}`) : hint,
    });
  }
  if (status === 401 && !/^Bearer\b/.test(String(result.headers['www-authenticate']))) {
    fail({ expected: t(`${label}: a 401 with the header "WWW-Authenticate: Bearer realm=…"`, `${label}：401 回应带上 "WWW-Authenticate: Bearer realm=…" 头`), actual: t(`WWW-Authenticate: ${show(result.headers['www-authenticate'])}`, `WWW-Authenticate 头是 ${show(result.headers['www-authenticate'])}`), hint: t('a 401 says which scheme would work (RFC 7235): add "WWW-Authenticate: Bearer realm=\\"workbook\\"" to its head.', '401 回应要说明哪种认证方式可行（RFC 7235）：在响应头里加上 "WWW-Authenticate: Bearer realm=\\"workbook\\""。') });
  }
  expectNoConnection(server, hint, before);
}

/** Fails if a WebSocket connection was made on `server` since there were `before`. */
function expectNoConnection(server: RunningServer, hint: Words, before = 0): void {
  const made = server.connections.length - before;
  if (made > 0) {
    fail({
      expected: t('no "connection" event for a refused upgrade', '被拒绝的升级请求不产生 "connection" 事件'),
      actual: t(`${made} "connection" event(s)`, `${made} 次 "connection" 事件`),
      hint: t(`${hint} ${BEFORE_HINT}`, `${hint} ${BEFORE_HINT}`),
    });
  }
}
// #endregion attempts

async function serve(net: Harness, clock: FakeClock, options: Omit<AuthServerOptions, 'host' | 'port' | 'log' | 'clock'> = {}): Promise<RunningServer> {
  return net.serve(createServer, { secret: SECRET, allowedOrigins: ORIGINS, clock, ...options });
}

/** The next text message on `client` must be exactly `expected`. */
async function expectText(client: Endpoint, expected: string, waitingFor: Words, hint: Words): Promise<void> {
  expectEqual(await client.nextText({ waitingFor, hint }), expected, waitingFor, hint);
}

/** Fails unless some log line matches `pattern`. */
async function expectLog(net: Harness, server: RunningServer, pattern: RegExp, what: Words, hint: Words): Promise<void> {
  await net.waitUntil(() => server.logs.some((line) => pattern.test(line)), WAIT_MS, () => ({
    expected: t(`a log line ${what}`, `一行日志：${what}`), actual: t(`the last lines: ${show(server.logs.slice(-5))}`, `最后几行：${show(server.logs.slice(-5))}`), hint,
  }));
}

function verify(token: string, now: number, secret = SECRET): Verdict {
  try {
    return verifyToken(secret, token, now);
  } catch (error) {
    // A starter's todo(...) is the next step, not a crash: let the runner say so.
    if (error instanceof Error && error.name === 'TodoError') throw error;
    fail({
      expected: t(`verifyToken() to return a verdict for ${show(token.length > 80 ? `${token.slice(0, 80)}…` : token)}`, `verifyToken() 对 ${show(token.length > 80 ? `${token.slice(0, 80)}…` : token)} 返回一个结论`),
      actual: t(`it threw ${String(error)}`, `它抛出了 ${String(error)}`),
      hint: t('a token is untrusted input: verifyToken() never throws. timingSafeEqual() throws on buffers of different lengths: compare the byte lengths first (Buffer.from(s).length, not s.length: "é" is one character and two bytes).', 'token 是不可信的输入：verifyToken() 永远不能抛异常。timingSafeEqual() 遇到长度不同的 buffer 会抛异常：先比较字节长度（Buffer.from(s).length，而不是 s.length："é" 是一个字符，却是两个字节）。'),
    });
  }
}

function verdictText(verdict: Verdict): string {
  return verdict.ok ? `ok (${JSON.stringify(verdict.claims)})` : verdict.reason;
}

describe('tokens', () => {
  check(t('signToken makes a token verifyToken accepts, in the documented format', 'signToken 生成的 token 能通过 verifyToken，格式与文档一致'), () => {
    const clock = new FakeClock();
    const exp = clock.now() + 10 * MINUTE;
    const token = signToken(SECRET, { sub: 'alice', exp });
    expectEqual(token, tokenFor('alice', exp), t('what signToken(secret, { sub: "alice", exp }) returned', 'signToken(secret, { sub: "alice", exp }) 的返回值'), TOKENS_HINT);
    const verdict = verify(token, clock.now());
    expectEqual(verdictText(verdict), `ok (${JSON.stringify({ sub: 'alice', exp })})`, t('verifyToken() of a fresh token', '对一个新 token 调用 verifyToken()'), t('a valid token gives { ok: true, claims: { sub, exp } }: the claims from the payload, only sub and exp.', '有效的 token 返回 { ok: true, claims: { sub, exp } }：claims 来自 payload，只取 sub 和 exp。'));
    // Extra fields in a signed payload are allowed, and not passed on.
    const extra = verify(signRaw(JSON.stringify({ exp, sub: '李雷', role: 'admin' })), clock.now());
    expectEqual(verdictText(extra), `ok (${JSON.stringify({ sub: '李雷', exp })})`, t('verifyToken() of a token with an extra field and a Chinese name', '对一个带多余字段、名字是中文的 token 调用 verifyToken()'), t('decode the payload as UTF-8 (Buffer.from(payload, "base64url").toString("utf8")), and return { sub, exp } only.', '把 payload 按 UTF-8 解码（Buffer.from(payload, "base64url").toString("utf8")），只返回 { sub, exp }。'));
  });

  check(t('verifyToken refuses tampered, forged and malformed tokens, with the right reason', 'verifyToken 拒绝被篡改、伪造和格式不对的 token，并给出正确的原因'), () => {
    const clock = new FakeClock();
    const exp = clock.now() + 10 * MINUTE;
    const good = tokenFor('alice', exp);
    const [payload = '', signature = ''] = good.split('.');
    const flip = (text: string, at: number): string => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    // Exactly MAX_TOKEN_LENGTH (1024) characters, valid: 735 bytes of payload make 980 base64url characters.
    const padded = (length: number): string => JSON.stringify({ sub: 'alice', exp, pad: 'x'.repeat(length) });
    const long = signRaw(padded(735 - padded(0).length));
    const cases: [string, string, Words][] = [
      [long, 'ok', t('a valid token of exactly 1024 characters', '恰好 1024 个字符的有效 token')],
      [`${long.slice(0, 1)}${long}`, 'malformed', t('a token of 1025 characters (longer than MAX_TOKEN_LENGTH: refused before any work)', '1025 个字符的 token（超过 MAX_TOKEN_LENGTH：不做任何计算就拒绝）')],
      [`${payload}.${flip(signature, 0)}`, 'bad_signature', t('the signature with its first character changed', '签名的第一个字符被改了')],
      [`${payload}.${flip(signature, 20)}`, 'bad_signature', t('the signature with a middle character changed', '签名中间的一个字符被改了')],
      [`${Buffer.from(JSON.stringify({ sub: 'mallory', exp })).toString('base64url')}.${signature}`, 'bad_signature', t('another payload (sub: mallory) under alice\'s signature', '换了 payload（sub: mallory），签名还是 alice 的')],
      [`${Buffer.from(JSON.stringify({ sub: 'alice', exp: exp + DAY })).toString('base64url')}.${signature}`, 'bad_signature', t('alice\'s token with its exp moved a day later', 'alice 的 token，exp 被往后改了一天')],
      [tokenFor('alice', exp, OTHER_SECRET), 'bad_signature', t('a token signed with another secret', '用别的密钥签名的 token')],
      [payload, 'malformed', t('the payload alone, no signature', '只有 payload，没有签名')],
      [`${good}.`, 'malformed', t('three parts (a trailing dot)', '三段（末尾多一个点）')],
      [`${payload}.${signature}.${signature}`, 'malformed', t('three parts', '三段')],
      ['', 'malformed', t('an empty token', '空 token')],
      [signRaw('not json'), 'malformed', t('a signed payload that is not JSON', '签过名、但 payload 不是 JSON')],
      [signRaw('null'), 'malformed', t('a signed null', '签过名的 null')],
      [signRaw('[]'), 'malformed', t('a signed array', '签过名的数组')],
      [signRaw('"alice"'), 'malformed', t('a signed string', '签过名的字符串')],
      [signRaw(JSON.stringify({ exp })), 'malformed', t('no sub', '没有 sub')],
      [signRaw(JSON.stringify({ sub: 7, exp })), 'malformed', t('sub is a number', 'sub 是数字')],
      [signRaw(JSON.stringify({ sub: '', exp })), 'malformed', t('sub is empty', 'sub 是空的')],
      [signRaw(JSON.stringify({ sub: 'a'.repeat(65), exp })), 'malformed', t('sub of 65 characters (the limit is 64)', 'sub 有 65 个字符（上限 64）')],
      [signRaw(JSON.stringify({ sub: 'a'.repeat(64), exp })), 'ok', t('sub of exactly 64 characters', 'sub 恰好 64 个字符')],
      [signRaw(JSON.stringify({ sub: 'a' })), 'malformed', t('no exp', '没有 exp')],
      [signRaw(JSON.stringify({ sub: 'alice', exp: String(exp) })), 'malformed', t('exp is a string', 'exp 是字符串')],
      [signRaw(`{"sub":"alice","exp":1e999}`), 'malformed', t('exp is 1e999 (JSON.parse makes it Infinity: a token that never expires)', 'exp 是 1e999（JSON.parse 会把它变成 Infinity：一个永不过期的 token）')],
    ];
    for (const [token, expected, what] of cases) {
      const verdict = verify(token, clock.now());
      const got = verdict.ok ? 'ok' : verdict.reason;
      if (got !== expected) {
        fail({
          expected: t(`verifyToken() of ${what}: ${expected}`, `对${what}调用 verifyToken()：${expected}`),
          actual: verbatim(verdictText(verdict)),
          hint: t('in order: longer than MAX_TOKEN_LENGTH → malformed; not exactly two parts split by "." → malformed; signature differs from the HMAC of the payload text → bad_signature; the decoded payload is not an object with a string sub (1 to 64 characters) and a finite number exp (Number.isFinite) → malformed; now >= exp → expired.',
            '依次检查：比 MAX_TOKEN_LENGTH 长 → malformed；用 "." 分开不是正好两段 → malformed；签名和 payload 文本的 HMAC 不一致 → bad_signature；解码后的 payload 不是一个对象、没有字符串 sub（1 到 64 个字符）和有限数字 exp（Number.isFinite）→ malformed；now >= exp → expired。'),
        });
      }
    }
  });

  check(t('a signature of another length, or with non-ASCII characters, is refused, not thrown', '长度不同或含非 ASCII 字符的签名被拒绝，而不是抛出异常'), () => {
    const clock = new FakeClock();
    const good = tokenFor('alice', clock.now() + MINUTE);
    const [payload = '', signature = ''] = good.split('.');
    const cases: [string, Words][] = [
      [`${payload}.${signature.slice(0, -1)}`, t('the signature one character short', '签名少了一个字符')],
      [`${payload}.${signature}A`, t('the signature one character long', '签名多了一个字符')],
      [`${payload}.`, t('an empty signature', '空签名')],
      [`${payload}.${'é'.repeat(signature.length)}`, t(`a signature of ${signature.length} "é" (as many characters as a real one, twice the bytes)`, `由 ${signature.length} 个 "é" 组成的签名（字符数和真签名一样，字节数是两倍）`)],
      [`${payload}.${'é'.repeat(Math.floor(signature.length / 2))}${signature.length % 2 === 1 ? 'A' : ''}`, t('a signature with as many bytes as a real one, fewer characters', '字节数和真签名一样、字符数更少的签名')],
    ];
    for (const [token, what] of cases) {
      const verdict = verify(token, clock.now());
      expectEqual(verdictText(verdict), 'bad_signature', t(`verifyToken() of ${what}`, `对${what}调用 verifyToken()`),
        t('compare Buffer.from(given) with Buffer.from(expected): refuse when their lengths differ, else ask timingSafeEqual().', '比较 Buffer.from(given) 和 Buffer.from(expected)：长度不同就拒绝，否则交给 timingSafeEqual()。'));
    }
  });

  // #region spy
  check(t('the signature is compared with crypto.timingSafeEqual, and its answer decides', '签名用 crypto.timingSafeEqual 比较，并由它的结果决定'), () => {
    const clock = new FakeClock();
    const good = tokenFor('alice', clock.now() + MINUTE);
    const [payload = '', signature = ''] = good.split('.');
    const forged = `${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    // Node's crypto module, patched for the duration: a spy that counts calls and can lie.
    const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
    const original = crypto.timingSafeEqual;
    let calls = 0;
    let lie = false;
    crypto.timingSafeEqual = ((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls += 1;
      const answer = original(a, b);
      return lie || answer;
    }) as typeof original;
    syncBuiltinESMExports();
    let honest: Verdict;
    let fooled: Verdict;
    try {
      honest = verify(forged, clock.now());
      const honestCalls = calls;
      lie = true;
      fooled = verify(forged, clock.now());
      if (honestCalls === 0) {
        fail({
          expected: t('verifyToken() to compare the signature with crypto.timingSafeEqual()', 'verifyToken() 用 crypto.timingSafeEqual() 比较签名'),
          actual: t(`it never called timingSafeEqual (the verdict was ${verdictText(honest)})`, `它从没调用 timingSafeEqual（结论是 ${verdictText(honest)}）`),
          hint: t('=== (or Buffer.equals, or a loop that returns at the first difference) answers sooner the earlier the strings differ: an attacker who times the answers can find a valid signature byte by byte. import { timingSafeEqual } from "node:crypto" and compare Buffer.from(given) with Buffer.from(expected) after checking their lengths.',
            '===（或者 Buffer.equals，或者遇到第一个不同就返回的循环）越早发现不同就越早返回：攻击者测量回应时间，就能一个字节一个字节地猜出有效签名。import { timingSafeEqual } from "node:crypto"，先检查长度，再比较 Buffer.from(given) 和 Buffer.from(expected)。'),
        });
      }
    } finally {
      crypto.timingSafeEqual = original;
      syncBuiltinESMExports();
    }
    expectEqual(verdictText(honest), 'bad_signature', t('verifyToken() of a signature with its last two characters changed', '对最后两个字符被改了的签名调用 verifyToken()'), t('a signature that differs from the HMAC is bad_signature.', '和 HMAC 不一致的签名就是 bad_signature。'));
    if (!fooled.ok) {
      fail({
        expected: t('verifyToken() to accept the forged signature when timingSafeEqual() (patched by the check) says the bytes are equal', '当 timingSafeEqual()（被检查替换过）说两段字节相等时，verifyToken() 接受这个伪造的签名'),
        actual: t(`it said ${verdictText(fooled)}: something besides timingSafeEqual() decided`, `它的结论是 ${verdictText(fooled)}：除了 timingSafeEqual() 之外还有别的东西在做决定`),
        hint: t('let timingSafeEqual() alone decide whether the signature matches: no === or Buffer.equals beside it (that one would leak the timing again).', '签名是否一致只交给 timingSafeEqual() 决定：旁边不要再放 === 或 Buffer.equals（那又会泄露时间差）。'),
      });
    }
  });
  // #endregion spy

  check(t('a token is valid until the millisecond its exp is reached, and never after', 'token 在 exp 到达的那一毫秒之前有效，之后一律无效'), () => {
    const exp = Date.UTC(2026, 0, 1, 12);
    const token = tokenFor('alice', exp);
    const hint = t('a token is valid while now < exp: refuse it with "expired" when now >= exp, checked after the signature and the claims.', 'now < exp 时 token 有效：now >= exp 就以 "expired" 拒绝，这一步放在签名和 claims 检查之后。');
    for (const [now, expected] of [[exp - DAY, 'ok'], [exp - 1, 'ok'], [exp, 'expired'], [exp + 1, 'expired'], [exp + 365 * DAY, 'expired']] as const) {
      const verdict = verify(token, now);
      expectEqual(verdict.ok ? 'ok' : verdict.reason, expected, t(`verifyToken() at exp ${now - exp >= 0 ? '+' : ''}${now - exp} ms`, `在 exp ${now - exp >= 0 ? '+' : ''}${now - exp} 毫秒时调用 verifyToken()`), hint);
    }
    const forged = tokenFor('alice', exp - DAY, OTHER_SECRET);
    expectEqual(verdictText(verify(forged, exp)), 'bad_signature', t('verifyToken() of an expired token signed with another secret', '对一个已过期、且用别的密钥签名的 token 调用 verifyToken()'), t('check the signature before anything the payload says: a forged token is bad_signature, whatever its exp.', '先检查签名，再看 payload 里说了什么：伪造的 token 就是 bad_signature，不管它的 exp 是多少。'));
  });
});

describe('the upgrade', () => {
  check(t('a valid token in the Authorization header connects; the server greets the token\'s user and answers in its name', 'Authorization 头里带有效 token 就能连上；服务器用 token 里的用户名打招呼，并以这个名字回复'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const alice = await connectWith(net, server, bearer(tokenFor('alice', clock.now() + MINUTE)), t('alice (a valid token, no Origin, like a Node client)', 'alice（有效 token，没有 Origin，就像 Node 客户端）'));
    await expectText(alice, 'Welcome, alice', t('the greeting', '问候'), t('session() sends `Welcome, ${sub}` first.', 'session() 先发送 `Welcome, ${sub}`。'));
    alice.send('hi, I am bob');
    await expectText(alice, 'alice: hi, I am bob', t('the answer to "hi, I am bob"', '对 "hi, I am bob" 的回复'), t('answer each text message with `${sub}: ${text}`: the name comes from the token, whatever the text claims.', '每条文本消息回复 `${sub}: ${text}`：名字来自 token，不管文本里自称是谁。'));
    const lower = await connectWith(net, server, { Authorization: `bearer ${tokenFor('李雷', clock.now() + MINUTE)}` }, t('李雷 (the scheme written "bearer", lower case)', '李雷（认证方式写成小写的 "bearer"）'), t('the scheme in "Authorization: Bearer <token>" is case-insensitive (RFC 7235): match it with /^Bearer +(\\S+)$/i.', '"Authorization: Bearer <token>" 里的认证方式不区分大小写（RFC 7235）：用 /^Bearer +(\\S+)$/i 匹配。'));
    await expectText(lower, 'Welcome, 李雷', t('the greeting for 李雷', '给李雷的问候'), t('session() sends `Welcome, ${sub}` first.', 'session() 先发送 `Welcome, ${sub}`。'));
    const spaced = await connectWith(net, server, { Authorization: `Bearer   ${tokenFor('bob', clock.now() + MINUTE)}` }, t('bob (three spaces after "Bearer")', 'bob（"Bearer" 后面有三个空格）'), t('one or more spaces separate the scheme from the token: / +/.', '认证方式和 token 之间可以有一个或多个空格：/ +/。'));
    await expectText(spaced, 'Welcome, bob', t('the greeting for bob', '给 bob 的问候'), t('session() sends `Welcome, ${sub}` first.', 'session() 先发送 `Welcome, ${sub}`。'));
    for (const origin of ORIGINS) {
      const browser = await connectWith(net, server, { ...bearer(tokenFor('carol', clock.now() + MINUTE)), Origin: origin }, t(`carol from the allowed page ${origin}`, `来自允许的页面 ${origin} 的 carol`), t('an Origin in allowedOrigins is let through (exact match).', 'allowedOrigins 里的 Origin 可以通过（完全相同才算）。'));
      await expectText(browser, 'Welcome, carol', t('the greeting for carol', '给 carol 的问候'), t('session() sends `Welcome, ${sub}` first.', 'session() 先发送 `Welcome, ${sub}`。'));
    }
    expectEqual(server.connections.length, 5, t('the number of "connection" events', '"connection" 事件的次数'), t('emit "connection" once per accepted upgrade: wss.handleUpgrade(request, socket, head, (ws) => { wss.emit("connection", ws, request); … }).', '每个被接受的升级请求触发一次 "connection"：wss.handleUpgrade(request, socket, head, (ws) => { wss.emit("connection", ws, request); … })。'));
  });

  check(t('no token, a forged or an expired token: 401 before any connection event', '没有 token、伪造的或过期的 token：在任何 connection 事件之前返回 401'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const exp = clock.now() + MINUTE;
    const good = tokenFor('alice', exp);
    const hint = t('authenticate(): no "Authorization: Bearer <token>" → 401 "missing token"; verifyToken() says expired → 401 "token expired"; any other refusal → 401 "invalid token". refuse(socket, { status, message }) writes it.',
      'authenticate()：没有 "Authorization: Bearer <token>" → 401 "missing token"；verifyToken() 说 expired → 401 "token expired"；其他任何拒绝 → 401 "invalid token"。由 refuse(socket, { status, message }) 写出去。');
    const cases: [Record<string, string>, string, Words][] = [
      [{}, 'missing token', t('no Authorization header', '没有 Authorization 头')],
      [{ Authorization: 'Bearer' }, 'missing token', t('"Bearer" and no token', '只有 "Bearer"，没有 token')],
      [{ Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` }, 'missing token', t('a Basic password instead of a Bearer token', '用 Basic 密码代替 Bearer token')],
      [{ Authorization: `Token ${good}` }, 'missing token', t('a valid token under another scheme ("Token …")', '有效的 token，但认证方式是别的（"Token …"）')],
      [{ Authorization: `XBearer ${good}` }, 'missing token', t('a valid token after "XBearer"', '有效的 token，但前面是 "XBearer"')],
      [{ Authorization: `Bearer ${good} ${good}` }, 'missing token', t('two tokens', '两个 token')],
      [bearer(tokenFor('alice', exp, OTHER_SECRET)), 'invalid token', t('a token signed with another secret', '用别的密钥签名的 token')],
      [bearer(`${Buffer.from(JSON.stringify({ sub: 'admin', exp })).toString('base64url')}.${good.split('.')[1]}`), 'invalid token', t('alice\'s signature on a payload that says admin', 'alice 的签名配上写着 admin 的 payload')],
      [bearer('not-a-token'), 'invalid token', t('not a token at all', '根本不是 token')],
      [bearer(tokenFor('alice', clock.now())), 'token expired', t('a token whose exp is now', 'exp 就是现在的 token')],
      [bearer(tokenFor('alice', clock.now() - DAY)), 'token expired', t('a token that expired yesterday', '昨天就过期的 token')],
    ];
    for (const [headers, says, what] of cases) await expectRefused(net, server, headers, 401, says, what, hint);
  });

  check(t('a token in the URL is not read: 401', 'URL 里的 token 不会被读取：401'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const token = tokenFor('alice', clock.now() + MINUTE);
    const hint = t('read the token from the Authorization header only. A URL is written into server logs, proxy logs and browser history: a token there leaks. A browser gets a short-lived one-time ticket instead (see the README).',
      '只从 Authorization 头读取 token。URL 会被写进服务器日志、代理日志和浏览器历史记录：放在那里的 token 会泄露。浏览器改用短期有效、只能用一次的票据（见 README）。');
    for (const query of [`token=${token}`, `access_token=${token}`, `authorization=Bearer%20${token}`]) {
      await expectRefused(net, server, {}, 401, 'missing token', t(`a valid token in the URL (?${query.split('=')[0]}=…)`, `放在 URL 里的有效 token（?${query.split('=')[0]}=…）`), hint, `${server.url}/?${query}`);
    }
  });

  check(t('an Origin outside the allow-list: 403 before any connection event, whatever the token', 'Origin 不在允许列表里：在任何 connection 事件之前返回 403，不管 token 如何'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const good = tokenFor('alice', clock.now() + MINUTE);
    const hint = t('authenticate(), first: const { origin } = request.headers; if origin is there and !allowedOrigins.includes(origin) → 403 "origin not allowed". An exact match: startsWith, endsWith or includes let lookalike sites through. Check it before the token, so a foreign page learns nothing about tokens.',
      'authenticate() 里首先：const { origin } = request.headers；如果有 origin 且 !allowedOrigins.includes(origin) → 403 "origin not allowed"。必须完全相同：startsWith、endsWith 或 includes 都会放过仿冒的网站。要在检查 token 之前做，这样外站页面得不到任何关于 token 的信息。');
    const origins: [string, Words][] = [
      ['https://evil.example', t('another site', '别的网站')],
      ['null', t('"null" (a sandboxed iframe or a file:// page)', '"null"（沙箱 iframe 或 file:// 页面）')],
      ['https://chat.example.evil.example', t('a lookalike that starts with an allowed origin', '以允许的 origin 开头的仿冒网站')],
      ['https://evilchat.example', t('a lookalike that ends like an allowed origin', '结尾和允许的 origin 一样的仿冒网站')],
      ['http://chat.example', t('an allowed host over http instead of https', '允许的主机，但用 http 而不是 https')],
      ['https://chat.example:8443', t('an allowed host on another port', '允许的主机，但端口不同')],
      ['http://127.0.0.1:876', t('a prefix of an allowed origin', '允许的 origin 的前缀')],
      ['', t('an empty Origin', '空的 Origin')],
    ];
    for (const [origin, what] of origins) {
      await expectRefused(net, server, { ...bearer(good), Origin: origin }, 403, 'origin not allowed', t(`a valid token from ${show(origin)}, ${what}`, `来自 ${show(origin)}（${what}）的有效 token`), hint);
    }
    await expectRefused(net, server, { Origin: 'https://evil.example' }, 403, 'origin not allowed', t('no token, from another site', '来自别的网站、没有 token'), hint);
    const defaults = await net.serve(createServer, { secret: SECRET, clock });
    await expectRefused(net, defaults, { ...bearer(good), Origin: 'https://chat.example' }, 403, 'origin not allowed', t('a page the default allow-list does not name', '默认允许列表里没有的页面'), t('the default allowedOrigins is DEFAULT_ALLOWED_ORIGINS: the lesson server\'s own address only.', 'allowedOrigins 的默认值是 DEFAULT_ALLOWED_ORIGINS：只有课程服务器自己的地址。'));
    for (const origin of ['http://127.0.0.1:8765', 'http://localhost:8765']) {
      await connectWith(net, defaults, { ...bearer(good), Origin: origin }, t(`a page on ${origin} (in the default allow-list)`, `${origin} 上的页面（在默认允许列表里）`), t('the default allowedOrigins is DEFAULT_ALLOWED_ORIGINS: http://127.0.0.1:8765 and http://localhost:8765.', 'allowedOrigins 的默认值是 DEFAULT_ALLOWED_ORIGINS：http://127.0.0.1:8765 和 http://localhost:8765。'));
    }
  });

  check(t('a refused upgrade gets a complete HTTP answer, and the server closes the TCP connection', '被拒绝的升级请求得到完整的 HTTP 回应，并且服务器关闭 TCP 连接'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    for (const [extra, status, message] of [['', 401, 'missing token'], ['Origin: https://evil.example\r\n', 403, 'origin not allowed']] as const) {
      const raw = await rawUpgrade(net, server.port, extra);
      const hint = t('refuse(): socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\\r\\nConnection: close\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: ${bytes of body}\\r\\n\\r\\n${body}`), and destroy the socket once it is sent (socket.once("finish", () => socket.destroy())).',
        'refuse()：socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\\r\\nConnection: close\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: ${正文字节数}\\r\\n\\r\\n${body}`)，发完之后销毁 socket（socket.once("finish", () => socket.destroy())）。');
      if (!raw.ended) {
        fail({ expected: t(`the server to close the TCP connection after its ${status}`, `服务器在回应 ${status} 之后关闭 TCP 连接`), actual: t(`it was still open ${WAIT_MS} ms later; the server sent ${show(raw.text)}`, `${WAIT_MS} 毫秒之后还开着；服务器发来了 ${show(raw.text)}`), hint });
      }
      if (!raw.closed) {
        fail({ expected: t(`the server to destroy the socket once its ${status} was sent`, `服务器发完 ${status} 之后销毁 socket`), actual: t('it only half-closed it: the socket still took data from the client, and stays open for as long as the client keeps its side open', '它只关闭了一半：socket 仍然接收客户端的数据，只要客户端不关，它就一直开着'), hint: t('socket.end() only ends the sending side (an HTTP server\'s sockets allow half-open connections): socket.once("finish", () => socket.destroy()) before socket.end(answer).', 'socket.end() 只结束发送的一方（HTTP 服务器的 socket 允许半开连接）：在 socket.end(answer) 之前写上 socket.once("finish", () => socket.destroy())。') });
      }
      const [head = '', ...rest] = raw.text.split('\r\n\r\n');
      const body = rest.join('\r\n\r\n');
      const lines = head.split('\r\n');
      const header = (name: string): string | undefined => lines.slice(1).find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
      const problems = [
        lines[0] === `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}` ? '' : `status line ${JSON.stringify(lines[0])}`,
        header('Connection')?.toLowerCase() === 'close' ? '' : 'no "Connection: close"',
        (header('WWW-Authenticate') === undefined) === (status === 403) ? '' : status === 403 ? 'a WWW-Authenticate header on a 403 (a token would not help)' : 'no WWW-Authenticate header',
        header('Content-Type')?.startsWith('text/plain') ? '' : 'no "Content-Type: text/plain…"',
        header('Content-Length') === String(Buffer.byteLength(body)) && body.startsWith(message) && body.endsWith('\n') ? '' : `Content-Length ${JSON.stringify(header('Content-Length'))} for the body ${JSON.stringify(body)} (expected a body of one line starting with "${message}")`,
      ].filter((problem) => problem !== '');
      if (problems.length > 0) {
        fail({ expected: t(`a complete HTTP ${status} answer whose body starts with "${message}"`, `一个完整的 HTTP ${status} 回应，正文以 "${message}" 开头`), actual: t(`${problems.join('; ')}; the server sent ${show(raw.text)}`, `${problems.join('；')}；服务器发来的是 ${show(raw.text)}`), hint });
      }
    }
    expectNoConnection(server, UPGRADE_HINT);
  });

  check(t('the server survives clients that reset the connection while it refuses them', '客户端在被拒绝的同时重置连接，服务器照样运行'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const hint = t('in the "upgrade" handler, first thing: socket.on("error", (error) => log(`upgrade socket error: ${printable(error.message)}`)). Until ws takes the socket its errors are yours, and Node has removed its own listener.', '在 "upgrade" 处理函数里第一件事：socket.on("error", (error) => log(`upgrade socket error: ${printable(error.message)}`))。在 ws 接手之前，这个 socket 的错误归你处理，而 Node 已经把它自己的监听器移除了。');
    await survives(net, t('clients that send an upgrade request and reset the connection at once', '客户端发出升级请求后立刻重置连接'), hint, async () => {
      for (let i = 0; i < 5; i += 1) {
        const socket = createConnection(server.port, '127.0.0.1');
        socket.on('error', () => {});
        onTestFinished(() => { socket.destroy(); });
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        await new Promise<void>((resolve) => socket.write(upgradeRequest(''), () => { socket.resetAndDestroy(); resolve(); }));
        await net.waitUntil(() => server.logs.filter((line) => line.includes('refused')).length > i, WAIT_MS, () => ({ expected: t(`refusal ${i + 1} to be logged`, `第 ${i + 1} 次拒绝被记进日志`), actual: t(`the last lines: ${show(server.logs.slice(-3))}`, `最后几行：${show(server.logs.slice(-3))}`), hint: LOG_HINT }));
      }
      await expectLog(net, server, /^upgrade socket error: \S/, t('"upgrade socket error: …" for a reset', '连接被重置时的 "upgrade socket error: …"'), hint);
      const alice = await connectWith(net, server, bearer(tokenFor('alice', clock.now() + MINUTE)), t('alice, after the resets', '那些重置之后连上来的 alice'));
      await expectText(alice, 'Welcome, alice', t('the greeting', '问候'), UPGRADE_HINT);
    });
  });

  check(t('the server logs every refusal and every session, and never a token', '服务器记录每一次拒绝和每一个会话，但从不记录 token'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const forged = tokenFor('alice', clock.now() + MINUTE, OTHER_SECRET);
    const expired = tokenFor('alice', clock.now() - 1);
    const good = tokenFor('bob', clock.now() + MINUTE);
    await expectRefused(net, server, bearer(forged), 401, 'invalid token', t('a forged token', '伪造的 token'), UPGRADE_HINT);
    await expectRefused(net, server, bearer(expired), 401, 'token expired', t('an expired token', '过期的 token'), UPGRADE_HINT);
    await expectRefused(net, server, {}, 401, 'missing token', t('no token', '没有 token'), UPGRADE_HINT);
    await expectRefused(net, server, { ...bearer(good), Origin: 'https://evil.example' }, 403, 'origin not allowed', t('a foreign page', '外站页面'), UPGRADE_HINT);
    for (const line of ['refused 401: invalid token (127.0.0.1)', 'refused 401: token expired (127.0.0.1)', 'refused 401: missing token', 'refused 403: origin not allowed (127.0.0.1)']) {
      await expectLog(net, server, new RegExp(`^${line.replace(/[().]/g, '\\$&')}`), show(line), LOG_HINT);
    }
    const bob = await connectWith(net, server, bearer(good), t('the client bob', '客户端 bob'));
    await bob.close();
    await expectLog(net, server, /^#1 bob connected$/, show('#1 bob connected'), LOG_HINT);
    await expectLog(net, server, /^#1 bob left \(1000\)$/, show('#1 bob left (1000)'), LOG_HINT);
    const carol = await connectWith(net, server, bearer(tokenFor('carol', clock.now() + MINUTE)), t('the client carol', '客户端 carol'));
    await carol.close(4000);
    await expectLog(net, server, /^#2 carol left \(4000\)$/, show('#2 carol left (4000)'), LOG_HINT);
    const leaked = server.logs.filter((line) => [forged, expired, good].some((token) => line.includes(token) || line.includes(token.split('.')[1]!)));
    if (leaked.length > 0) {
      fail({ expected: t('no log line holding a token or its signature', '没有一行日志包含 token 或它的签名'), actual: verbatim(show(leaked.slice(0, 3))), hint: t('never log a token, or the Authorization header: logs are read by more people than the token was meant for, and kept longer. Log who (the sub) and why, not the credential.', '永远不要把 token 或 Authorization 头写进日志：能看日志的人比该拿到 token 的人多，日志也保存得更久。记下是谁（sub）、为什么，而不是凭证本身。') });
    }
  });

  check(t('a token used after it expired is refused at the upgrade', 'token 过期之后再用，在升级时就被拒绝'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const token = tokenFor('alice', clock.now() + 10 * MINUTE);
    const first = await connectWith(net, server, bearer(token), t('alice, while the token is fresh', 'token 还新鲜时的 alice'));
    await first.close();
    clock.tick(10 * MINUTE - 1);
    const last = await connectWith(net, server, bearer(token), t('alice, 1 ms before the token expires', 'token 过期前 1 毫秒的 alice'), t('a token is valid while clock.now() < exp: pass clock.now() to verifyToken(), not Date.now().', 'clock.now() < exp 时 token 有效：传给 verifyToken() 的是 clock.now()，而不是 Date.now()。'));
    await last.close();
    clock.tick(1);
    await expectRefused(net, server, bearer(token), 401, 'token expired', t('alice, the moment the token expires', 'token 过期那一刻的 alice'), t('authenticate() asks verifyToken(secret, token, clock.now()): the clock option, so the time is the server\'s (and the checks\' fake one).', 'authenticate() 调用 verifyToken(secret, token, clock.now())：用 clock 选项，这样时间就是服务器的时间（检查里是假时钟）。'));
  });
});


function upgradeRequest(extraHeaders: string): string {
  return `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`;
}

/**
 * Sends an upgrade request by hand and records what comes back, whether the server ended the
 * connection, and whether it then closed it for good: this side keeps its half open and writes
 * again, which a socket the server destroyed answers with a reset (a half-closed one takes it).
 */
async function rawUpgrade(net: Harness, port: number, extraHeaders: string): Promise<{ text: string; ended: boolean; closed: boolean }> {
  const socket: Socket = createConnection({ port, host: '127.0.0.1', allowHalfOpen: true });
  onTestFinished(() => { socket.destroy(); });
  let text = '';
  let ended = false;
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => { text += chunk; net.wakeAll(); });
  socket.on('end', () => { ended = true; net.wakeAll(); });
  socket.on('close', () => { ended = true; closed = true; net.wakeAll(); });
  socket.on('error', () => {});
  socket.write(upgradeRequest(extraHeaders));
  let deadline = performance.now() + WAIT_MS;
  while (!ended && performance.now() < deadline) await net.sleepUntilWoken(deadline - performance.now());
  // A reset shows on the write after the one that provoked it: write every 50 ms until one fails.
  deadline = performance.now() + WAIT_MS;
  while (ended && !closed && performance.now() < deadline) {
    socket.write('still there?\r\n');
    await net.sleepUntilWoken(Math.min(50, deadline - performance.now()));
  }
  return { text, ended, closed };
}

describe('sessions', () => {
  check(t('a live session is closed with 4001 when its token expires, and not a millisecond before', '会话中的 token 到期时，连接以 4001 关闭，早一毫秒都不行'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const alice = await connectWith(net, server, bearer(tokenFor('alice', clock.now() + 10 * MINUTE)), t('alice (10 minutes left)', 'alice（还剩 10 分钟）'));
    const bob = await connectWith(net, server, bearer(tokenFor('bob', clock.now() + 20 * MINUTE)), t('bob (20 minutes left)', 'bob（还剩 20 分钟）'));
    await expectText(alice, 'Welcome, alice', t('alice\'s greeting', 'alice 收到的问候'), UPGRADE_HINT);
    await expectText(bob, 'Welcome, bob', t('bob\'s greeting', 'bob 收到的问候'), UPGRADE_HINT);
    clock.tick(10 * MINUTE - 1);
    alice.send('still here');
    await expectText(alice, 'alice: still here', t('alice\'s answer 1 ms before her token expires', 'alice 的 token 过期前 1 毫秒收到的回复'), t('the session lasts while clock.now() < exp: arm the timer for exp - clock.now(), not less.', 'clock.now() < exp 时会话一直有效：定时器设为 exp - clock.now()，不能更短。'));
    clock.tick(1);
    const closed = await alice.waitClosed({ waitingFor: t('alice\'s session to be closed the moment her token expires', 'alice 的 token 一过期，会话就被关闭'), hint: EXPIRY_HINT });
    expectEqual(`${closed.code} ${closed.reason}`, `${TOKEN_EXPIRED_CODE} token expired`, t('the close code and reason for an expired token', 'token 过期时的关闭码和原因'), t('ws.close(4001, "token expired"): a documented application code (4000–4999) tells the client why, so it can get a new token and reconnect; 1000 would say all was well.', 'ws.close(4001, "token expired")：一个写进文档的应用关闭码（4000–4999）告诉客户端原因，让它换个新 token 再连；1000 的意思是一切正常。'));
    await expectLog(net, server, /^#1 alice: token expired, closing$/, show('#1 alice: token expired, closing'), LOG_HINT);
    bob.send('and me?');
    await expectText(bob, 'bob: and me?', t('bob\'s answer after alice\'s token expired', 'alice 的 token 过期之后 bob 收到的回复'), t('each session has its own timer, for its own token\'s exp.', '每个会话有自己的定时器，对应它自己 token 的 exp。'));
    clock.tick(10 * MINUTE);
    expectEqual((await bob.waitClosed({ waitingFor: t('bob\'s session to close when his token expires', 'bob 的 token 过期时会话关闭'), hint: EXPIRY_HINT })).code, TOKEN_EXPIRED_CODE, t('bob\'s close code', 'bob 的关闭码'), EXPIRY_HINT);
    await net.waitUntil(() => clock.pending === 0, WAIT_MS, () => ({ expected: t('no timer left once both sessions ended', '两个会话都结束后不再有定时器'), actual: t(`${clock.pending} timer(s)`, `${clock.pending} 个定时器`), hint: EXPIRY_HINT }));
  });

  check(t('a session that ends first leaves no expiry timer behind', '先结束的会话不留下过期定时器'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const hint = t('in the "close" listener: clock.clearTimeout(expiry). "close" fires however the session ends (a close frame, terminate(), a broken frame); a timer left armed holds the session\'s memory until the token expires.', '在 "close" 监听器里：clock.clearTimeout(expiry)。不论会话怎样结束（关闭帧、terminate()、坏帧），"close" 都会触发；留着不清的定时器会一直占着会话的内存，直到 token 过期。');
    const clients: Endpoint[] = [];
    for (const name of ['ann', 'ben', 'cat']) {
      const client = await connectWith(net, server, bearer(tokenFor(name, clock.now() + 60 * MINUTE)), verbatim(name));
      await client.nextText({ waitingFor: t(`${name}'s greeting`, `${name} 收到的问候`), hint: UPGRADE_HINT });
      clients.push(client);
    }
    expectEqual(clock.pending, 3, t('the timers armed for three sessions', '三个会话设下的定时器数'), EXPIRY_HINT);
    const [ann, ben, cat] = clients as [Endpoint, Endpoint, Endpoint];
    await ann.close();
    ben.terminate();
    tcpSocket(cat.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // a text frame without a mask: a protocol error, the server closes it
    await net.waitUntil(() => server.wss.clients.size === 0, WAIT_MS, () => ({ expected: t('all three sessions to end', '三个会话全部结束'), actual: t(`${server.wss.clients.size} still open`, `还有 ${server.wss.clients.size} 个开着`), hint }));
    await net.waitUntil(() => clock.pending === 0, WAIT_MS, () => ({ expected: t('no timer left after the sessions ended (a close, a terminate, a broken frame)', '会话结束后（关闭、terminate、坏帧）不再有定时器'), actual: t(`${clock.pending} timer(s) still armed`, `还有 ${clock.pending} 个定时器`), hint }));
  });

  check(t('a token valid for weeks is not cut short by setTimeout\'s limit', '有效期好几周的 token 不会被 setTimeout 的上限提前截断'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const alice = await connectWith(net, server, bearer(tokenFor('alice', clock.now() + 30 * DAY)), t('alice (a token valid for 30 days)', 'alice（token 有效期 30 天）'));
    await expectText(alice, 'Welcome, alice', t('the greeting', '问候'), UPGRADE_HINT);
    const hint = t('Node\'s setTimeout takes at most 2^31 - 1 ms (about 24.8 days); a longer delay fires after 1 ms. Arm the timer for Math.min(exp - clock.now(), MAX_TIMER_MS), and when it fires, look again: close if the token has expired, else arm it again.', 'Node 的 setTimeout 最多只能等 2^31 - 1 毫秒（约 24.8 天）；更长的延迟会在 1 毫秒后就触发。定时器设为 Math.min(exp - clock.now(), MAX_TIMER_MS)，触发时再看一次：token 已过期就关闭，否则再设一次。');
    const tick = (ms: number): void => {
      try {
        clock.tick(ms);
      } catch (error) {
        fail({ expected: t('the session\'s timer to fire a few times at most in 30 days', '30 天里会话的定时器最多触发几次'), actual: verbatim(String(error)), hint });
      }
    };
    for (const [days, what] of [[1, t('a day', '一天')], [24, t('25 days', '25 天')], [4, t('29 days', '29 天')]] as const) {
      tick(days * DAY);
      alice.send('ping');
      await expectText(alice, 'alice: ping', t(`the answer after ${what} of a 30-day token`, `30 天的 token 过了${what}之后的回复`), hint);
    }
    tick(DAY - 1);
    alice.send('last');
    await expectText(alice, 'alice: last', t('the answer 1 ms before the 30 days end', '30 天结束前 1 毫秒的回复'), hint);
    tick(1);
    expectEqual((await alice.waitClosed({ waitingFor: t('the session to close after 30 days', '30 天后会话关闭'), hint })).code, TOKEN_EXPIRED_CODE, t('the close code after 30 days', '30 天后的关闭码'), hint);
  });

  check(t('with the real clock too: an expired token is refused, a session ends on time, and one that left sets off no timer', '用真实时钟也一样：过期的 token 被拒绝，会话按时结束，已离开的会话不会再触发定时器'), async ({ net }) => {
    // No clock option: the server's own (Date.now() and setTimeout). About a second of real time.
    const server = await net.serve(createServer, { secret: SECRET });
    const hint = t('the default clock is the real one: now: () => Date.now(), setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle).', '默认的 clock 就是真实的时钟：now: () => Date.now()、setTimeout: (callback, ms) => setTimeout(callback, ms)、clearTimeout: (handle) => clearTimeout(handle)。');
    await expectRefused(net, server, bearer(tokenFor('old', Date.now() - 1000)), 401, 'token expired', t('a token that expired a second ago (real time)', '一秒前就过期的 token（真实时间）'), hint);
    const exp = Date.now() + 1000;
    const early = await connectWith(net, server, bearer(tokenFor('early', exp)), t('early (leaves at once)', 'early（马上离开）'), hint);
    await early.close();
    // late's token expires no sooner than early's: were early's timer left armed, it would fire first.
    const late = await connectWith(net, server, bearer(tokenFor('late', Math.max(exp, Date.now() + 1000))), t('late (stays until the token expires)', 'late（一直待到 token 过期）'), hint);
    const closed = await late.waitClosed({ within: 10_000, waitingFor: t('late\'s session to close when its token expires, about a second after it was made', 'late 的 token 过期时（签发后约一秒）会话关闭'), hint });
    expectEqual(closed.code, TOKEN_EXPIRED_CODE, t('late\'s close code', 'late 的关闭码'), hint);
    const stray = server.logs.filter((line) => line.startsWith('#1 '));
    if (stray.some((line) => line.includes('token expired'))) {
      fail({
        expected: t('no "token expired" line for early, who had left before its token expired', '早已离开的 early 不该有 "token expired" 日志'),
        actual: t(`early's timer still fired after it left: ${show(stray)}`, `early 离开之后它的定时器照样触发了：${show(stray)}`),
        hint: t('clock.clearTimeout(expiry) in the "close" listener: the real clearTimeout, so a session that left sets nothing off later.', '在 "close" 监听器里 clock.clearTimeout(expiry)：真实的 clearTimeout，这样离开的会话以后不会再触发任何东西。'),
      });
    }
  }, 90_000);

  check(t('the server survives a malformed frame, and closes an oversize message with 1009 and a binary frame with 1003', '服务器遇到坏帧不崩溃，超大消息以 1009 关闭，二进制帧以 1003 关闭'), async ({ net }) => {
    const clock = new FakeClock();
    const server = await serve(net, clock);
    const open = async (name: string): Promise<Endpoint> => {
      const client = await connectWith(net, server, bearer(tokenFor(name, clock.now() + MINUTE)), verbatim(name));
      await client.nextText({ waitingFor: t(`${name}'s greeting`, `${name} 收到的问候`), hint: UPGRADE_HINT });
      return client;
    };
    const hint = t('keep socket.on("error", (error) => log(…)) on each session\'s socket: ws closes a broken connection and reports it there.', '每个会话的 socket 上都要有 socket.on("error", (error) => log(…))：ws 会关掉出错的连接，并在那里报告。');
    await survives(net, t('a client sending an unmasked frame', '客户端发来没有掩码的帧'), hint, async () => {
      const broken = await open('broken');
      tcpSocket(broken.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
      expectEqual((await broken.waitClosed({ hint })).code, 1002, t('the close code for an unmasked client frame', '客户端帧没有掩码时的关闭码'), hint);
      await expectLog(net, server, /^#1 error: \S/, show('#1 error: …'), hint);
    });
    const big = await open('big');
    big.send('x'.repeat(MAX_MESSAGE_BYTES));
    await expectText(big, `big: ${'x'.repeat(MAX_MESSAGE_BYTES)}`, t(`the answer to a message of exactly ${MAX_MESSAGE_BYTES} bytes`, `对恰好 ${MAX_MESSAGE_BYTES} 字节的消息的回复`), t(`maxPayload: MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES}): a message of exactly that size is fine.`, `maxPayload: MAX_MESSAGE_BYTES（${MAX_MESSAGE_BYTES}）：正好这么大的消息没问题。`));
    big.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expectEqual((await big.waitClosed()).code, 1009, t(`the close code for a message of ${MAX_MESSAGE_BYTES + 1} bytes`, `${MAX_MESSAGE_BYTES + 1} 字节消息的关闭码`), t('new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES }): ws closes a larger message\'s connection with 1009.', 'new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })：超过的消息，ws 会以 1009 关闭连接。'));
    const binary = await open('binary');
    binary.send(Buffer.from('hi'));
    const closed = await binary.waitClosed();
    expectEqual(`${closed.code} ${closed.reason}`, '1003 text frames only', t('the close code and reason for a binary frame', '二进制帧的关闭码和原因'), t('a binary message: ws.close(1003, "text frames only") (1003: a kind of data this endpoint cannot accept).', '二进制消息：ws.close(1003, "text frames only")（1003：这一端不接受这种数据）。'));
    const after = await open('after');
    after.send('fine');
    await expectText(after, 'after: fine', t('the answer to a new client afterwards', '之后新客户端收到的回复'), hint);
  });

  check(t('the server refuses a secret shorter than 32 bytes, warns about the development secret, and answers plain HTTP with 426', '服务器拒绝短于 32 字节的密钥，使用开发密钥时发出警告，对普通 HTTP 请求回答 426'), async ({ net }) => {
    for (const secret of ['', 'short', 'x'.repeat(31), '密'.repeat(10)]) {
      let threw: unknown;
      try {
        const wss = createServer({ secret, port: 0, log: () => {} });
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      } catch (error) {
        threw = error;
      }
      if (!(threw instanceof RangeError) || !String(threw.message).includes('32 bytes')) {
        fail({ expected: t(`createServer({ secret: ${show(secret)} }) (${Buffer.byteLength(secret)} bytes) to throw a RangeError about 32 bytes`, `createServer({ secret: ${show(secret)} })（${Buffer.byteLength(secret)} 字节）抛出一个说明 32 字节的 RangeError`), actual: threw === undefined ? t('it started a server', '它启动了一个服务器') : verbatim(String(threw)), hint: t('if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new RangeError(`the secret must be at least ${MIN_SECRET_BYTES} bytes long`): a short HMAC key can be guessed. Bytes, not characters.', 'if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new RangeError(`the secret must be at least ${MIN_SECRET_BYTES} bytes long`)：太短的 HMAC 密钥能被猜出来。按字节算，不按字符算。') });
      }
    }
    const clock = new FakeClock();
    const exactly = await serve(net, clock, { secret: `${'密'.repeat(10)}ab` });
    expectEqual(exactly.logs.some((line) => line.startsWith('warning')), false, t('a warning for a secret of one\'s own', '用自己的密钥时的警告'), t('warn only when the secret is DEV_SECRET.', '只在密钥是 DEV_SECRET 时警告。'));
    await connectWith(net, exactly, bearer(tokenFor('alice', clock.now() + MINUTE, `${'密'.repeat(10)}ab`)), t('alice, on a server whose secret is exactly 32 bytes (12 characters)', '密钥恰好 32 字节（12 个字符）的服务器上的 alice'));
    if (process.env.AUTH_SECRET === undefined) {
      const dev = await net.serve(createServer, { clock });
      await expectLog(net, dev, /^warning: using the development secret/, show('warning: using the development secret (set AUTH_SECRET): …'), t('with no secret and no AUTH_SECRET, the server uses DEV_SECRET and says so: log("warning: using the development secret (set AUTH_SECRET): …").', '没有 secret、也没有 AUTH_SECRET 时，服务器使用 DEV_SECRET，并且要说出来：log("warning: using the development secret (set AUTH_SECRET): …")。'));
      await connectWith(net, dev, bearer(tokenFor('alice', clock.now() + MINUTE, DEV_SECRET)), t('alice with a token made with DEV_SECRET', '带着用 DEV_SECRET 签名的 token 的 alice'), t('the default is secret = process.env.AUTH_SECRET ?? DEV_SECRET.', '默认值是 secret = process.env.AUTH_SECRET ?? DEV_SECRET。'));
    }
    const clash = createServer({ secret: SECRET, host: '127.0.0.1', port: exactly.port, log: () => {} });
    let clashError: unknown;
    clash.once('error', (error) => { clashError = error; net.wakeAll(); });
    await net.waitUntil(() => clashError, WAIT_MS, () => ({ expected: t('a second server on a port in use to emit "error" (EADDRINUSE) on the WebSocketServer', '在已被占用的端口上启动第二个服务器时，WebSocketServer 发出 "error"（EADDRINUSE）'), actual: t('no "error" event', '没有 "error" 事件'), hint: t('http.on("error", (error) => wss.emit("error", error)): runServerProgram listens on the WebSocketServer to say the port is taken.', 'http.on("error", (error) => wss.emit("error", error))：runServerProgram 在 WebSocketServer 上监听它，才能告诉你端口被占用了。') }));
    expectEqual((clashError as NodeJS.ErrnoException).code, 'EADDRINUSE', t('the error of a second server on the same port', '同一端口上第二个服务器的错误'), t('pass the HTTP server\'s "error" on to the WebSocketServer unchanged.', '把 HTTP 服务器的 "error" 原样转给 WebSocketServer。'));
    await new Promise<void>((resolve) => clash.close(() => resolve()));
    const response = await fetch(`http://127.0.0.1:${exactly.port}/`);
    const text = await response.text();
    expectEqual(`${response.status} ${response.headers.get('upgrade')} ${response.headers.get('content-type')} ${text}`, '426 websocket text/plain; charset=utf-8 This is a WebSocket server: connect with a WebSocket client.\n', t('the answer to a plain GET', '对普通 GET 请求的回答'), t('the HTTP server\'s request handler answers 426 Upgrade Required with "Upgrade: websocket", "Content-Type: text/plain; charset=utf-8" and one line of text.', 'HTTP 服务器的请求处理函数回答 426 Upgrade Required，带上 "Upgrade: websocket"、"Content-Type: text/plain; charset=utf-8" 头和一行文字。'));
  });
});

describe('the client', () => {
  /** A test server for the client: records the upgrade request, accepts it, and hands the connection to `script`. */
  async function talk(net: Harness, script: (server: Endpoint) => Promise<void>, options: { token?: string; say?: string; timeoutMs?: number } = {}): Promise<{ outcome: Promise<{ kind: 'value' } | { kind: 'error'; error: unknown }>; printed: () => string; server: Endpoint; request: () => IncomingMessage | undefined }> {
    const peer = await net.peer();
    let request: IncomingMessage | undefined;
    peer.wss.on('connection', (_ws, req) => { request = req; });
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out, token: 'a.b', ...options }), 15_000, () => ({
      expected: t('runClient() to settle', 'runClient() 结束'), actual: t('it was still running after 15 s', '15 秒后还在运行'), hint: t('every wait in the client has a timer: for the welcome, for the answer, for the close.', '客户端的每一次等待都要有定时器：等问候、等回复、等关闭。'),
    }));
    const server = await peer.nextConnection({ hint: t('runClient(url): new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } }).', '在 runClient(url) 里 new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } })。') });
    await script(server);
    return { outcome: running as Promise<{ kind: 'value' } | { kind: 'error'; error: unknown }>, printed: () => out.text, server, request: () => request };
  }

  const HEADER_HINT = t('new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } }): the token in a header of the upgrade request, the URL left as given.', 'new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } })：token 放在升级请求的头里，URL 保持原样。');

  check(t('the client sends its token in the Authorization header, never in the URL, prints the greeting and the answer, and leaves with 1000', '客户端把 token 放在 Authorization 头里（绝不放进 URL），打印问候和回复，然后以 1000 离开'), async ({ net }) => {
    const { outcome, printed, server, request } = await talk(net, async (server) => {
      server.send('Welcome, alice');
      expectEqual(await server.nextText({ hint: t('once greeted, send your line: ws.send(say).', '收到问候之后发送你的话：ws.send(say)。') }), 'hi there', t('the client\'s line', '客户端说的话'), t('once greeted, send your line: ws.send(say).', '收到问候之后发送你的话：ws.send(say)。'));
      server.send('alice: hi\u001b[2J there');
      server.send('a message after the answer');
    }, { token: 'payload.signature', say: 'hi there' });
    expectEqual(request()?.headers.authorization, 'Bearer payload.signature', t('the Authorization header of the client\'s upgrade request', '客户端升级请求里的 Authorization 头'), HEADER_HINT);
    expectEqual(request()?.url, '/', t('the path of the client\'s upgrade request', '客户端升级请求的路径'), HEADER_HINT);
    const closed = await server.waitClosed({ hint: t('after the answer, leave with ws.close(1000).', '收到回复之后，用 ws.close(1000) 离开。') });
    expectEqual(closed.code, 1000, t('the close code the client sent', '客户端发出的关闭码'), t('leave with ws.close(1000): a clean goodbye, not terminate().', '用 ws.close(1000) 离开：干净地告别，而不是 terminate()。'));
    const result = await outcome;
    if (result.kind === 'error') fail({ expected: t('runClient() to resolve', 'runClient() 正常完成'), actual: t(`it rejected: ${String(result.error)}`, `它 reject 了：${String(result.error)}`), hint: t('resolve on "close" once you chose to leave.', '在你主动离开之后，于 "close" 时 resolve。') });
    const second = await talk(net, async (server) => {
      server.send('Welcome, bob');
      expectEqual(await server.nextText({ hint: t('once greeted, send your line: ws.send(say).', '收到问候之后发送你的话：ws.send(say)。') }), 'hello', t('the client\'s line when no `say` is given', '没有给 `say` 时客户端说的话'), t('say defaults to "hello".', 'say 的默认值是 "hello"。'));
      server.send(Buffer.from([1, 2, 3]));
    });
    expectEqual((await second.outcome).kind, 'value', t('how runClient() ended after a binary answer', '收到二进制回复之后 runClient() 的结果'), t('a binary answer is still the answer: print it and leave.', '二进制的回复也是回复：打印出来，然后离开。'));
    expectEqual(second.printed(), 'Welcome, bob\n(a binary message of 3 bytes)\n', t('what the client printed for a binary answer', '收到二进制回复时客户端打印的内容'), t('print a binary message as `(a binary message of ${data.length} bytes)`: its bytes are not text.', '二进制消息打印成 `(a binary message of ${data.length} bytes)`：它的字节不是文本。'));
    expectEqual(printed(), 'Welcome, alice\nalice: hi\\u001b[2J there\n', t('what the client printed', '客户端打印的内容'), t('print each message on its own line through printable() (an escape sequence could rewrite the terminal), the greeting and the answer, and nothing after you leave.', '每条消息经过 printable() 打印成一行（转义序列可能改写终端），即问候和回复；离开之后什么也不再打印。'));
  });

  check(t('the client reports a refused upgrade plainly: the status and the server\'s reason', '客户端清楚地报告被拒绝的升级请求：状态码和服务器给的原因'), async ({ net }) => {
    const hint = t('ws.on("unexpected-response", (request, response) => …): read the body (response.setEncoding("utf8"), "data", at most MAX_REASON_BYTES), and on response "close" reject with `the server refused the connection: ${response.statusCode} ${response.statusMessage}: ${reason}` and ws.terminate(). Without the listener ws only says "Unexpected server response: 401".',
      'ws.on("unexpected-response", (request, response) => …)：读取正文（response.setEncoding("utf8")、"data"，最多 MAX_REASON_BYTES），在 response 的 "close" 时用 `the server refused the connection: ${response.statusCode} ${response.statusMessage}: ${reason}` reject，并 ws.terminate()。没有这个监听器，ws 只会说 "Unexpected server response: 401"。');
    const cases: [number, string, string, string][] = [
      [401, 'Unauthorized', 'token expired\n', 'the server refused the connection: 401 Unauthorized: token expired'],
      [403, 'Forbidden', 'origin not allowed\n', 'the server refused the connection: 403 Forbidden: origin not allowed'],
      [401, 'Unauthorized', 'a\u001b[2Jb\n', 'the server refused the connection: 401 Unauthorized: a\\u001b[2Jb'],
      [503, 'Service Unavailable', '', 'the server refused the connection: 503 Service Unavailable'],
      // A body that never ends: 100 KB of a promised 10 MB, and the connection left open.
      [401, 'Unauthorized', 'y'.repeat(100_000), `the server refused the connection: 401 Unauthorized: ${'y'.repeat(500)}…`],
      // A reason in two pieces, 100 ms apart: read until it ends.
      [401, 'Unauthorized', 'part one, |part two\n', 'the server refused the connection: 401 Unauthorized: part one, part two'],
      // Exactly MAX_REASON_BYTES first, more 100 ms later (and no end): past the limit only after the second piece.
      [401, 'Unauthorized', `${'z'.repeat(500)}|zz`, `the server refused the connection: 401 Unauthorized: ${'z'.repeat(500)}…`],
    ];
    for (const [status, phrase, body, expected] of cases) {
      const http = createHttpServer();
      http.on('upgrade', (_request, socket) => {
        socket.on('error', () => {});
        const [first = '', later] = body.split('|');
        const endless = body.length > MAX_MESSAGE_BYTES || body.startsWith('z');
        const length = endless ? 10_000_000 : Buffer.byteLength(body.replace('|', ''));
        const answer = `HTTP/1.1 ${status} ${phrase}\r\nConnection: close\r\nContent-Length: ${length}\r\n\r\n${first}`;
        if (later === undefined && !endless) return socket.end(answer);
        socket.write(answer);
        if (later !== undefined) {
          const timer = setTimeout(() => (endless ? socket.write(later) : socket.end(later)), 100);
          onTestFinished(() => clearTimeout(timer));
        }
      });
      onTestFinished(() => { http.closeAllConnections(); http.close(); });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const { port } = http.address() as { port: number };
      // The client's own timeout is far away: it must settle on the refusal itself, not by giving up.
      const result = await net.settle(runClient(`ws://127.0.0.1:${port}`, { out: net.output(), token: 'a.b', timeoutMs: 60_000 }), 10_000, () => ({
        expected: t(`runClient() to settle as soon as it has read the ${status} (its own timeout is a minute away)`, `读完 ${status} 之后 runClient() 立刻结束（它自己的超时还有一分钟）`), actual: t('it was still running after 10 s', '10 秒后还在运行'), hint: t(`${hint} A body may never end: stop reading past MAX_REASON_BYTES (response.destroy()); either way the response's "close" comes, and then ws.terminate() ends the pending handshake.`, `${hint} 正文可能永远不结束：超过 MAX_REASON_BYTES 就停止读取（response.destroy()）；无论哪种情况，response 的 "close" 都会到来，然后 ws.terminate() 结束还挂着的握手。`),
      }));
      if (result.kind !== 'error' || String((result.error as Error).message) !== expected) {
        fail({ expected: t(`runClient() to reject with ${show(expected.length > 120 ? `${expected.slice(0, 120)}…` : expected)}`, `runClient() 以 ${show(expected.length > 120 ? `${expected.slice(0, 120)}…` : expected)} reject`), actual: result.kind === 'error' ? verbatim(show(String((result.error as Error).message ?? result.error).slice(0, 200))) : t('it resolved', '它 resolve 了'), hint: t(`${hint} The reason goes through printable(body.trim(), MAX_REASON_BYTES).`, `${hint} 原因要经过 printable(body.trim(), MAX_REASON_BYTES)。`) });
      }
    }
  });

  check(t('the client says plainly that the session ended because the token expired', '客户端清楚地说明会话因 token 过期而结束'), async ({ net }) => {
    for (const [code, reason, expected] of [
      [4001, 'token expired', 'the session ended: the token expired (code 4001): get a new token and connect again'],
      [1001, 'server shutting down', 'the server closed the connection (code 1001, reason "server shutting down")'],
      [1000, '', 'the server closed the connection (code 1000, reason "")'],
    ] as const) {
      const { outcome } = await talk(net, async (server) => {
        server.send('Welcome, alice');
        await server.nextText({ hint: t('once greeted, send your line.', '收到问候之后发送你的话。') });
        server.ws.close(code, reason);
      });
      const result = await outcome;
      if (result.kind !== 'error' || (result.error as Error).message !== expected) {
        fail({
          expected: t(`runClient() to reject with ${show(expected)} when the server closes with ${code}`, `服务器以 ${code} 关闭时，runClient() 以 ${show(expected)} reject`),
          actual: result.kind === 'error' ? verbatim(String((result.error as Error).message)) : t('it resolved', '它 resolve 了'),
          hint: t('on "close" when you did not choose to leave: code 4001 (TOKEN_EXPIRED_CODE) → new Error(`the session ended: the token expired (code ${code}): get a new token and connect again`); any other → new Error(`the server closed the connection (code ${code}, reason "${reason}")`).',
            '在不是你主动离开时的 "close" 里：关闭码 4001（TOKEN_EXPIRED_CODE）→ new Error(`the session ended: the token expired (code ${code}): get a new token and connect again`)；其他 → new Error(`the server closed the connection (code ${code}, reason "${reason}")`)。'),
        });
      }
    }
  });

  check(t('the client gives up on a server that never completes the handshake, never greets or never answers', '服务器一直不完成握手、不打招呼或不回复时，客户端放弃'), async ({ net }) => {
    const hint = t('one timer per wait (timeoutMs): for the handshake and the greeting, then for the answer, then for the close. When it fires: ws.terminate() (a silent server will not answer a close frame either) and reject with `no ${what} from the server within ${timeoutMs} ms`.',
      '每次等待一个定时器（timeoutMs）：等握手和问候，再等回复，再等关闭。定时器触发时：ws.terminate()（一个不出声的服务器也不会回应关闭帧），并用 `no ${what} from the server within ${timeoutMs} ms` reject。');
    // A TCP server that accepts the connection and never answers the upgrade request.
    const mute = createTcpServer((socket) => { socket.on('error', () => {}); onTestFinished(() => { socket.destroy(); }); });
    onTestFinished(() => { mute.close(); });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const { port } = mute.address() as { port: number };
    const stuck = await net.settle(runClient(`ws://127.0.0.1:${port}`, { out: net.output(), token: 'a.b', timeoutMs: 300 }), 10_000, () => ({ expected: t('runClient() to give up on a handshake that never completes', '握手一直不完成时 runClient() 放弃'), actual: t('it was still waiting after 10 s', '10 秒后还在等'), hint }));
    expectEqual(stuck.kind === 'error' ? String((stuck.error as Error).message) : 'resolved', 'no welcome from the server within 300 ms', t('how runClient() ended when the handshake never completed', '握手一直不完成时 runClient() 的结果'), hint);
    for (const stage of ['welcome', 'answer', 'close'] as const) {
      const { outcome, server } = await talk(net, async (server) => {
        if (stage === 'welcome') return;
        server.send('Welcome, alice');
        await server.nextText({ hint: t('once greeted, send your line.', '收到问候之后发送你的话。') });
        if (stage === 'answer') return;
        // The server stops reading, then answers: the client's close frame gets no answer.
        tcpSocket(server.ws).pause();
        server.send('alice: hello');
      }, { timeoutMs: 300 });
      const result = await outcome;
      const message = result.kind === 'error' ? String((result.error as Error).message) : 'resolved';
      expectEqual(message, stage === 'close' ? 'resolved' : `no ${stage} from the server within 300 ms`, t(`how runClient() ended when the server was silent at the ${stage}`, `服务器在等${stage}阶段沉默时 runClient() 的结果`), hint);
      if (stage !== 'close') expectEqual((await server.waitClosed()).code, 1006, t(`how the connection ended when the server was silent at the ${stage}`, `服务器在 ${stage} 阶段沉默时连接的结束方式`), hint);
    }
  });

  check(t('the client rejects plainly when nothing listens, or when it has no token', '没有服务器在监听或没有 token 时，客户端清楚地 reject'), async ({ net }) => {
    const port = await closedPort();
    const result = await net.settle(runClient(`ws://127.0.0.1:${port}`, { out: net.output(), token: 'a.b' }), 10_000, () => ({
      expected: t('runClient() to settle when the connection is refused', '连接被拒绝时 runClient() 结束'), actual: t('it was still running after 10 s', '10 秒后还在运行'), hint: t('"close" follows "error": settle the promise there.', '"error" 之后会有 "close"：在那里结束 promise。'),
    }));
    if (result.kind !== 'error' || !String(result.error).includes('ECONNREFUSED')) {
      fail({ expected: t('runClient() to reject with the socket error (ECONNREFUSED)', 'runClient() 以 socket 错误（ECONNREFUSED）reject'), actual: result.kind === 'error' ? verbatim(String(result.error)) : t('it resolved', '它 resolve 了'), hint: t('ws.on("error", (error) => { failure ??= error; }): keep it and reject with it on "close".', 'ws.on("error", (error) => { failure ??= error; })：把它存下来，在 "close" 时用它 reject。') });
    }
    const peer = await net.peer();
    const saved = process.env.TOKEN;
    delete process.env.TOKEN;
    try {
      for (const options of [{ token: '' }, {}]) {
        const none = await net.settle(runClient(peer.url, { out: net.output(), ...options }), 10_000, () => ({ expected: t('runClient() without a token to settle', '没有 token 时 runClient() 结束'), actual: t('it was still running after 10 s', '10 秒后还在运行'), hint: t('reject at once when there is no token.', '没有 token 就立刻 reject。') }));
        expectEqual(none.kind === 'error' ? String((none.error as Error).message) : 'resolved', 'no token: set TOKEN (npx tsx mint-token.ts alice prints one)', t(`how runClient() ended with ${options.token === '' ? 'token: ""' : 'no token option and no TOKEN'}`, `${options.token === '' ? 'token: ""' : '没有 token 选项、也没有 TOKEN'} 时 runClient() 的结果`), t('token = process.env.TOKEN ?? "": with none, reject with new Error("no token: set TOKEN (npx tsx mint-token.ts alice prints one)") before connecting.', 'token = process.env.TOKEN ?? ""：没有的话，在连接之前就用 new Error("no token: set TOKEN (npx tsx mint-token.ts alice prints one)") reject。'));
      }
    } finally {
      if (saved !== undefined) process.env.TOKEN = saved;
    }
    expectEqual(peer.connections.length, 0, t('connections made without a token', '没有 token 时建立的连接数'), t('do not connect at all without a token: reject first.', '没有 token 就根本不要连接：先 reject。'));
  });
});

describe('the programs', () => {
  check(t('the server runs from the command line; a minted token lets the client in, and both exit', '服务器能从命令行运行；用生成的 token 客户端能连进去，之后两者都退出'), async ({ net }) => {
    await expectLoopbackByDefault(net, () => createServer({ port: 0, log: () => {}, secret: SECRET }));
    const { server, url } = await startServerProgram(net, HERE, 'Auth server');
    const mint = runProgram(net, HERE, ['mint-token.ts', 'carol', '5']);
    await exited(net, mint, t('`npx tsx mint-token.ts carol 5`', '`npx tsx mint-token.ts carol 5`'));
    const token = mint.stdout().trim();
    const claims = verify(token, Date.now(), process.env.AUTH_SECRET ?? DEV_SECRET);
    if (!claims.ok || claims.claims.sub !== 'carol') fail({ expected: t('mint-token.ts to print a valid token for carol', 'mint-token.ts 打印出 carol 的有效 token'), actual: t(`${programSaid(mint)}; verifyToken() says ${verdictText(claims)}`, `${programSaid(mint)}；verifyToken() 的结论是 ${verdictText(claims)}`), hint: TOKENS_HINT });
    const client = runProgram(net, HERE, ['client.ts', url], { TOKEN: token });
    await exited(net, client, t('the client program', '客户端程序'));
    expectEqual(`${client.exit()} ${client.stdout()}`, '0 Welcome, carol\ncarol: hello\n', t('the client program\'s exit code and output', '客户端程序的退出码和输出'), t('runClient resolves once the answer came back and the connection closed; the checks above say more.', '回复到了、连接关闭之后 runClient 就 resolve；上面的检查会说得更详细。'));
    const refused = runProgram(net, HERE, ['client.ts', url], { TOKEN: 'not-a-token' });
    await exited(net, refused, t('the client program with a bad token', '带着坏 token 的客户端程序'));
    if (refused.exit() !== 1 || !refused.stderr().includes('401 Unauthorized: invalid token')) {
      fail({ expected: t('the client program with a bad token to exit with 1 and say "401 Unauthorized: invalid token"', '带着坏 token 的客户端程序以 1 退出，并说明 "401 Unauthorized: invalid token"'), actual: programSaid(refused), hint: t('reject on "unexpected-response" with the status and the reason; runClientProgram prints it and exits with 1.', '在 "unexpected-response" 时用状态码和原因 reject；runClientProgram 会打印它并以 1 退出。') });
    }
    server.kill('SIGTERM');
    await exited(net, server, t('the server program, after SIGTERM (Ctrl+C),', '收到 SIGTERM（Ctrl+C）之后的服务器程序'));
    await importStartsNothing(net, HERE, ['server.ts', 'client.ts', 'tokens.ts'], { PORT: '0' }, t('keep the `if (isMain(import.meta.url))` guard on the last line of server.ts and client.ts.', '保留 server.ts 和 client.ts 最后一行的 `if (isMain(import.meta.url))` 判断。'));
  }, 120_000);
});

const HERE = dirname(fileURLToPath(import.meta.url));
