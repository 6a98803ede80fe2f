// Self-checks for lesson 09. Run: npm run check lesson-09
// Each check starts your server (or a test server, for the client) for real, on 127.0.0.1 with a
// free port, and speaks raw JSON to it: the checks test the protocol in the README, not your types.
// The join deadline and the heartbeat run on a fake clock (checks/fake-clock.ts): no check waits for them.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, expectEqual, expectLoopbackByDefault, fail, show, survives, t, tcpSocket, verbatim, WAIT_MS, type Endpoint, type Harness, type RunningServer, type Text } from '../../checks/harness.ts';
import { doneAndExited, exited, importStartsNothing, programSaid, runProgram, startServerProgram } from '../../checks/programs.ts';
import { FakeClock } from '../../checks/fake-clock.ts';
import { createServer, type UsernameServer, type UsernameServerOptions } from './server.ts';
import { runClient } from './client.ts';

// The protocol as the README documents it, written out here so the checks cannot drift with your code.
const MAX_MESSAGE_BYTES = 16 * 1024;
const JOIN_TIMEOUT_CODE = 4000;

type Msg = Record<string, unknown>;

const FORMAT_HINT = t(
  'every message the server sends is one JSON object in a text frame: socket.send(JSON.stringify(message)).',
  '服务器发出的每条消息都是文本帧里的一个 JSON 对象：socket.send(JSON.stringify(message))。',
);
const JOIN_HINT = t(
  'in join(): checkName(raw) (names.ts), refuse a taken key, then member.user = { name, key }, names.set(key, member), send the joiner {"type":"welcome","name":…,"online":online()} and everyone else {"type":"joined","name":…}.',
  '在 join() 里：checkName(raw)（names.ts），名字的 key 已被占用就拒绝；然后 member.user = { name, key }、names.set(key, member)，给加入者发 {"type":"welcome","name":…,"online":online()}，给其他人发 {"type":"joined","name":…}。',
);
const LEAVE_HINT = t(
  'free the name in the socket\'s "close" listener (leave()): names.delete(user.key) and broadcast {"type":"left","name":…} once. "close" fires however the connection ends: close frame, terminate(), a broken frame, the heartbeat.',
  '在 socket 的 "close" 监听器（leave()）里释放名字：names.delete(user.key)，并广播一次 {"type":"left","name":…}。无论连接怎样结束——关闭帧、terminate()、坏帧、心跳超时——"close" 都会触发。',
);
const NO_ERROR_LISTENER_HINT = t(
  'keep the "error" listener on each socket in the "connection" handler: socket.on("error", (error) => log(…)). ws has already closed the broken connection; the listener notes it.',
  '在 "connection" 处理函数里给每个 socket 保留 "error" 监听器：socket.on("error", (error) => log(…))。ws 已经关掉了那条坏连接，监听器只是记下它。',
);

function isRecord(value: unknown): value is Msg {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The next message on `client`, which must be a JSON object with a string "type". */
async function nextMsg(client: Endpoint, waitingFor: Text, hint: Text, within?: number): Promise<Msg> {
  const text = await client.nextText({ waitingFor, hint, ...(within === undefined ? {} : { within }) });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail({ expected: t(`${waitingFor} as JSON`, `${waitingFor}是 JSON`), actual: show(text), hint: FORMAT_HINT });
  }
  if (!isRecord(value) || typeof value.type !== 'string') {
    fail({ expected: t(`${waitingFor} as a JSON object with a string "type"`, `${waitingFor}是带字符串 "type" 的 JSON 对象`), actual: show(text), hint: FORMAT_HINT });
  }
  return value;
}

/** Keys sorted, so two objects compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (isRecord(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1))) : inner));
}

/** The next message on `client` must be exactly `expected` (same fields, same values). */
async function expectMsg(client: Endpoint, expected: Msg, waitingFor: Text, hint: Text, within?: number): Promise<void> {
  const got = await nextMsg(client, waitingFor, hint, within);
  if (canonical(got) !== canonical(expected)) {
    // A "left" where none belongs is nearly always the same one twice.
    const twice = got.type === 'left' && expected.type !== 'left'
      ? t(` A "left" nobody expected here: is leave() called from more than one place ("error", the heartbeat) as well as from "close"? "close" alone is enough.`, ` 这里不该有 "left"：leave() 是不是除了 "close" 之外还在别处（"error"、心跳）被调用了？只在 "close" 里调用就够了。`)
      : '';
    fail({ expected: t(`${waitingFor}: ${canonical(expected)}`, `${waitingFor}：${canonical(expected)}`), actual: verbatim(canonical(got)), hint: t(`${hint}${twice}`, `${hint}${twice}`) });
  }
}

/** The next message on `client` must be an error with `code` and a message that says something. */
async function expectError(client: Endpoint, code: string, waitingFor: Text, hint: Text): Promise<void> {
  const got = await nextMsg(client, waitingFor, hint);
  if (got.type !== 'error' || got.code !== code || typeof got.message !== 'string' || got.message.trim() === '') {
    fail({ expected: t(`${waitingFor}: {"type":"error","code":"${code}","message":"…"}`, `${waitingFor}：{"type":"error","code":"${code}","message":"…"}`), actual: verbatim(canonical(got)), hint });
  }
}

function join(client: Endpoint, name: unknown): void {
  client.send(JSON.stringify({ type: 'join', name }));
}

function say(client: Endpoint, text: string): void {
  client.send(JSON.stringify({ type: 'chat', text }));
}

/** Connects, joins as `name`, and expects the welcome with `shown` as the name and `online` as the list. */
async function joinAs(net: Harness, server: RunningServer, name: string, { shown = name, online, label }: { shown?: string; online?: string[]; label?: string } = {}): Promise<Endpoint> {
  const client = await net.connect(server.url, { label: verbatim(label ?? name) });
  join(client, name);
  const welcome = await nextMsg(client, t(`the welcome for ${show(name)}`, `${show(name)} 收到的 welcome`), JOIN_HINT);
  if (welcome.type !== 'welcome' || welcome.name !== shown || !Array.isArray(welcome.online)) {
    fail({ expected: t(`{"type":"welcome","name":${show(shown)},"online":[…]} for a join as ${show(name)}`, `以 ${show(name)} 加入时收到 {"type":"welcome","name":${show(shown)},"online":[…]}`), actual: verbatim(canonical(welcome)), hint: JOIN_HINT });
  }
  if (online) expectEqual(welcome.online, online, t(`the online list ${show(name)} got on joining`, `${show(name)} 加入时收到的在线列表`), t('"online" holds everyone online, the joiner included, sorted: [...names.values()].map((m) => m.user!.name).sort().', '"online" 是所有在线的人（包括加入者自己），排好序：[...names.values()].map((m) => m.user!.name).sort()。'));
  return client;
}

/** A chat round trip on a joined client: everything sent to it before has arrived once this returns. */
async function roundTrip(client: Endpoint, from: string, hint: Text): Promise<void> {
  const text = `sync ${Math.random()}`;
  say(client, text);
  await expectMsg(client, { type: 'chat', from, text }, t(`the echo of ${client.label}'s own line`, `${client.label} 自己那句话的回声`), hint);
}

/** Fails unless some log line matches `pattern`. */
async function expectLog(net: Harness, server: RunningServer, pattern: RegExp, what: Text, hint: Text): Promise<void> {
  await net.waitUntil(() => server.logs.some((line) => pattern.test(line)), WAIT_MS, () => ({
    expected: t(`a log line ${what}`, `一行日志：${what}`), actual: t(`the last lines: ${show(server.logs.slice(-5))}`, `最后几行：${show(server.logs.slice(-5))}`), hint,
  }));
}

function usernames(server: RunningServer): UsernameServer {
  return server.wss as UsernameServer;
}

async function serve(net: Harness, options: Omit<UsernameServerOptions, 'host' | 'port' | 'log'> = {}): Promise<RunningServer> {
  return net.serve(createServer, options);
}

describe('joining', () => {
  check(t('a client joins with a name and gets the online list; the others get "joined"', '客户端用名字加入，收到在线列表；其他人收到 "joined"'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'alice', { online: ['alice'] });
    const lurker = await net.connect(server.url, { label: t('a connection that has not joined', '还没加入的连接') });
    const bob = await joinAs(net, server, 'bob', { online: ['alice', 'bob'] });
    await expectMsg(alice, { type: 'joined', name: 'bob' }, t('the notice to alice that bob joined', '通知 alice：bob 加入了'), t('after a join, send {"type":"joined","name":…} to everyone who has joined, except the joiner: broadcast(message, member).', '加入成功后，给所有已加入的人（加入者自己除外）发 {"type":"joined","name":…}：broadcast(message, member)。'));
    say(alice, 'hi bob');
    await expectMsg(bob, { type: 'chat', from: 'alice', text: 'hi bob' }, t('alice\'s line, next on bob (and no "joined" about himself before it)', 'bob 接下来收到 alice 的话（在这之前不该收到关于他自己的 "joined"）'), t('the joiner gets the welcome, not a "joined" about itself: broadcast(joined, member) skips it.', '加入者收到的是 welcome，而不是关于自己的 "joined"：broadcast(joined, member) 会跳过它。'));
    say(lurker, 'me too');
    await expectError(lurker, 'not_joined', t('the reply to a chat from a connection that has not joined (and nothing before it)', '未加入的连接发聊天得到的回复（在这之前什么也不该收到）'), t('only joined members get joined, left, renamed and chat messages: broadcast over names.values(), not over every connection.', '只有已加入的成员才收到 joined、left、renamed 和聊天消息：在 names.values() 上广播，而不是所有连接。'));
    await expectLog(net, server, /#1 joined as alice\b/, t('"#1 joined as alice (1 online)"', '"#1 joined as alice (1 online)"'), t('log each join: log(`#${member.id} joined as ${name} (${names.size} online)`).', '每次加入都记日志：log(`#${member.id} joined as ${name} (${names.size} online)`)。'));
    await expectLog(net, server, /#3 joined as bob \(2 online\)/, t('"#3 joined as bob (2 online)"', '"#3 joined as bob (2 online)"'), t('number connections 1, 2, 3 … in the order they come, and count names.size after the join.', '连接按到来顺序编号 1、2、3……，在线人数在加入之后用 names.size 计算。'));
  });

  check(t('a name is shown NFKC-normalised and trimmed', '名字以 NFKC 规范化并去掉首尾空白后的样子显示'), async ({ net }) => {
    const server = await serve(net);
    const watcher = await joinAs(net, server, 'watcher');
    const hint = t('checkName(): const name = raw.normalize("NFKC").trim(): the server shows and stores that form, never the raw text.', 'checkName()：const name = raw.normalize("NFKC").trim()：服务器显示和保存的都是这个形式，而不是原文。');
    for (const [raw, shown] of [['\u3000Ａｌｉｃｅ ', 'Alice'], ['ﬁona', 'fiona'], ['Zoe\u0308', 'Zoë'], ['Ⅻ', 'XII']] as const) {
      const client = await joinAs(net, server, raw, { shown, label: `${shown} (sent as ${JSON.stringify(raw)})` });
      await expectMsg(watcher, { type: 'joined', name: shown }, t(`the "joined" for ${show(raw)}`, `${show(raw)} 的 "joined"`), hint);
      await client.close();
      await expectMsg(watcher, { type: 'left', name: shown }, t(`the "left" for ${show(shown)}`, `${show(shown)} 的 "left"`), LEAVE_HINT);
    }
  });

  check(t('names are unique after NFKC and case folding: Alice, alice and Ａｌｉｃｅ are one name, and so are Straße and STRASSE', '名字在 NFKC 和大小写折叠之后唯一：Alice、alice、Ａｌｉｃｅ 是同一个名字，Straße 和 STRASSE 也是'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'Alice');
    await joinAs(net, server, 'Straße', { online: ['Alice', 'Straße'] });
    await expectMsg(alice, { type: 'joined', name: 'Straße' }, t('the "joined" for Straße', 'Straße 的 "joined"'), JOIN_HINT);
    const other = await net.connect(server.url, { label: t('a client trying taken names', '尝试已占用名字的客户端') });
    const hint = t('compare keys, not names: nameKey(name) = name.toUpperCase().toLowerCase().normalize("NFKC") of the NFKC form (upper-casing turns ß into SS; toLowerCase() alone keeps Straße and strasse apart), and refuse a join whose key is in names with name_taken.',
      '比较 key 而不是名字：nameKey(name) = 对 NFKC 之后的名字做 name.toUpperCase().toLowerCase().normalize("NFKC")（转大写会把 ß 变成 SS；只用 toLowerCase() 会把 Straße 和 strasse 当成两个名字），key 已在 names 里的加入请求用 name_taken 拒绝。');
    for (const taken of ['alice', 'ALICE', 'Ａｌｉｃｅ', 'ａｌｉｃｅ', ' alice ', 'STRASSE', 'strasse']) {
      join(other, taken);
      await expectError(other, 'name_taken', t(`the reply to a join as ${show(taken)}`, `以 ${show(taken)} 加入得到的回复`), hint);
    }
    await expectLog(net, server, /join refused: name_taken/, t('saying "join refused: name_taken (…)"', '写着 "join refused: name_taken (…)"'), t('log each refused join: log(`#${member.id} join refused: name_taken (${name})`).', '每次拒绝加入都记日志：log(`#${member.id} join refused: name_taken (${name})`)。'));
    // A refused join takes nothing: the same connection may try another name, and alice hears of that one only.
    join(other, 'Alicia');
    await expectMsg(other, { type: 'welcome', name: 'Alicia', online: ['Alice', 'Alicia', 'Straße'] }, t('the welcome for Alicia after the refused joins', '被拒绝几次之后，以 Alicia 加入收到的 welcome'), t('a refused join must leave the connection open and take nothing: the client may try another name.', '被拒绝的加入不能关闭连接，也不能占用任何东西：客户端可以换个名字再试。'));
    await expectMsg(alice, { type: 'joined', name: 'Alicia' }, t('the next message to alice: the "joined" for Alicia (nothing for the refused joins)', 'alice 接下来收到的：Alicia 的 "joined"（被拒绝的加入不该有任何通知）'), t('tell the others only after the name is taken: a refused join sends nothing to anyone but the joiner.', '只有名字真的占到了才通知别人：被拒绝的加入只回复加入者本人。'));
    expectEqual([...usernames(server).names.keys()].sort(), ['alice', 'alicia', 'strasse'], t('the keys in server.names', 'server.names 里的 key'), t('names holds one entry per joined member, keyed by nameKey(name).', 'names 里每个已加入的成员一项，以 nameKey(name) 为 key。'));
  });

  check(t('the key is normalised again after case mapping: ΐ and Ϊ́ are one name', '大小写转换之后 key 要再规范化一次：ΐ 和 Ϊ́ 是同一个名字'), async ({ net }) => {
    const server = await serve(net);
    // ΐ is one code point; Ϊ́ is Ϊ plus a combining acute (no precomposed form, so NFKC keeps it).
    // Upper-cased then lower-cased they become ι + ̈ + ́ and ϊ + ́: the same text, two spellings.
    const first = '\u0390';
    const second = '\u03AA\u0301';
    await joinAs(net, server, first);
    const other = await net.connect(server.url, { label: t('a client joining as Ϊ́', '以 Ϊ́ 加入的客户端') });
    join(other, second);
    await expectError(other, 'name_taken', t(`the reply to a join as Ϊ́ ${show(second)} while ΐ ${show(first)} is online`, `ΐ ${show(first)} 在线时，以 Ϊ́ ${show(second)} 加入得到的回复`),
      t("case mapping does not keep a string normalised: nameKey(name) = name.toUpperCase().toLowerCase().normalize('NFKC'), so both spellings end as the same key.",
        "大小写转换不保证结果仍是规范形式：nameKey(name) = name.toUpperCase().toLowerCase().normalize('NFKC')，两种写法最后才会是同一个 key。"));
  });

  check(t('two clients joining with the same name at the same moment: exactly one wins', '两个客户端在同一时刻用同一个名字加入：恰好一个成功'), async ({ net }) => {
    const server = await serve(net);
    const pairs = [['bob', 'bob'], ['carol', 'CAROL'], ['dave', 'Ｄａｖｅ'], ['Straße', 'strasse'], ['erin', ' erin ']] as const;
    for (let round = 0; round < 20; round += 1) {
      const [a, b] = pairs[round % pairs.length]!;
      const first = await net.connect(server.url, { label: t(`client A of round ${round + 1} (${a})`, `第 ${round + 1} 轮的客户端 A（${a}）`) });
      const second = await net.connect(server.url, { label: t(`client B of round ${round + 1} (${b})`, `第 ${round + 1} 轮的客户端 B（${b}）`) });
      join(first, a);
      join(second, b);
      const replies = [await nextMsg(first, t('the reply to A\'s join', 'A 的加入请求的回复'), JOIN_HINT), await nextMsg(second, t('the reply to B\'s join', 'B 的加入请求的回复'), JOIN_HINT)];
      const won = replies.filter((reply) => reply.type === 'welcome').length;
      const lost = replies.filter((reply) => reply.type === 'error' && reply.code === 'name_taken').length;
      if (won !== 1 || lost !== 1) {
        fail({
          expected: t(`one welcome and one name_taken when ${show(a)} and ${show(b)} join at the same moment (round ${round + 1})`, `${show(a)} 和 ${show(b)} 同时加入时（第 ${round + 1} 轮），一个收到 welcome，一个收到 name_taken`),
          actual: t(replies.map(canonical).join(' and '), replies.map(canonical).join(' 和 ')),
          hint: t('look the key up and take it in one synchronous step: no await (a database, a timer) between names.has(key) and names.set(key, member), or both joins pass the check before either takes the name.', '查 key 和占用 key 要在同一个同步步骤里完成：names.has(key) 和 names.set(key, member) 之间不能有 await（数据库、定时器），否则两个请求都会在任何一方占到名字之前通过检查。'),
        });
      }
      await Promise.all([first.close(), second.close()]);
      await net.waitUntil(() => usernames(server).names.size === 0, WAIT_MS, () => ({ expected: t('the name to be free once both clients left', '两个客户端都离开后名字被释放'), actual: verbatim(show([...usernames(server).names.keys()])), hint: LEAVE_HINT }));
    }
  });

  check(t('refuses bad names with bad_name: empty, blank, too long, invisible or control characters, symbols, not a string', '用 bad_name 拒绝坏名字：空的、全是空白、太长、含不可见字符或控制字符、含符号、不是字符串'), async ({ net }) => {
    const server = await serve(net);
    const client = await net.connect(server.url, { label: t('a client trying bad names', '尝试坏名字的客户端') });
    const cases: [unknown, string][] = [
      ['', 'empty'], ['   ', 'spaces only'], ['\u3000\u3000', 'full-width spaces only (NFKC makes them plain spaces, trim removes them)'],
      ['a'.repeat(33), '33 characters'], ['Ⅻ'.repeat(11), '11 characters that NFKC turns into 33'],
      ['a\u200bb', 'a zero-width space'], ['\u3164', 'a Hangul filler (a "letter" that shows as nothing)'], ['bob\u200d', 'a zero-width joiner'], ['\u202eevil', 'a right-to-left override'],
      ['a\nb', 'a newline'], ['a\u0000b', 'a NUL character'], ['\u0007', 'a bell character'],
      ['bob!', 'a "!"'], ['@bob', 'an "@"'], ['<b>x</b>', 'angle brackets and a slash'], ['😀', 'an emoji'],
      [42, 'a number'], [null, 'null'], [['alice'], 'an array'], [{ name: 'alice' }, 'an object'], [undefined, 'no name at all'],
    ];
    const hint = t('checkName() in names.ts: after raw.normalize("NFKC").trim(), refuse a name that is not a string, empty, longer than 32 characters ([...name].length), holds an invisible character (/\\p{Default_Ignorable_Code_Point}/u) or anything but letters, marks, digits, spaces and _ - . (/^[\\p{L}\\p{M}\\p{N} _.-]+$/u).',
      'names.ts 的 checkName()：先 raw.normalize("NFKC").trim()，然后拒绝：不是字符串、空的、超过 32 个字符（[...name].length）、含不可见字符（/\\p{Default_Ignorable_Code_Point}/u），或含字母、组合符号、数字、空格和 _ - . 以外的字符（/^[\\p{L}\\p{M}\\p{N} _.-]+$/u）。');
    for (const [name, what] of cases) {
      join(client, name);
      await expectError(client, 'bad_name', t(`the reply to a join with ${what} (${show(name)})`, `用 ${show(name)}（${what}）加入得到的回复`), hint);
    }
    await expectLog(net, server, /join refused: bad_name \(a\\nb\)/, t('for the name "a\\nb", escaped: "join refused: bad_name (a\\nb)"', '名字 "a\\nb" 转义之后：\"join refused: bad_name (a\\nb)\"'), t('log a refused name with printable(String(raw), 40): a newline in it must not start a new log line.', '用 printable(String(raw), 40) 记录被拒的名字：名字里的换行不能另起一行日志。'));
    const broken = server.logs.find((line) => /[\n\r\u0000\u0007]/.test(line));
    if (broken !== undefined) fail({ expected: t('no control character inside a log line', '日志行里没有控制字符'), actual: show(broken), hint: t('log what a client sent through printable() from lib/printable.ts.', '客户端发来的内容要经过 lib/printable.ts 的 printable() 再写进日志。') });
    const longest = '𠀀'.repeat(32);
    for (const [name, shown, what] of [['a'.repeat(32), 'a'.repeat(32), '32 letters'], [longest, longest, '32 characters outside the BMP (64 UTF-16 units)'], ['①'.repeat(32), '1'.repeat(32), '32 circled digits'], ['Ⅻ'.repeat(10), 'XII'.repeat(10), '10 roman numerals, 30 letters after NFKC'], ['Mary-Jane O.Neil_2', 'Mary-Jane O.Neil_2', 'letters, digits, spaces and _ - .'], ['李雷', '李雷', 'Chinese characters']] as const) {
      const ok = await net.connect(server.url, { label: verbatim(what) });
      join(ok, name);
      await expectMsg(ok, { type: 'welcome', name: shown, online: [shown] }, t(`the welcome for a name of ${what}`, `名字为${what}时收到的 welcome`), t('count characters with [...name].length (code points) after NFKC and trim, and allow up to 32.', 'NFKC 和 trim 之后用 [...name].length（码点数）数字符，最多 32 个。'));
      await ok.close();
      await net.waitUntil(() => usernames(server).names.size === 0, WAIT_MS, () => ({ expected: t('the name to be free once its client left', '客户端离开后名字被释放'), actual: verbatim(show([...usernames(server).names.keys()])), hint: LEAVE_HINT }));
    }
  });

  check(t('refuses reserved names with name_reserved, whatever their case or width', '用 name_reserved 拒绝保留名，不论大小写或全角半角'), async ({ net }) => {
    const server = await serve(net);
    const client = await net.connect(server.url, { label: t('a client trying reserved names', '尝试保留名的客户端') });
    const hint = t('after checking the characters, compare the key with RESERVED_NAMES (admin, moderator, root, server, system): RESERVED_NAMES.includes(nameKey(name)) → name_reserved.', '字符检查通过之后，把 key 和 RESERVED_NAMES（admin、moderator、root、server、system）比较：RESERVED_NAMES.includes(nameKey(name)) → name_reserved。');
    for (const name of ['admin', 'ADMIN', 'Ａｄｍｉｎ', ' System ', 'server', 'Root', 'moderator']) {
      join(client, name);
      await expectError(client, 'name_reserved', t(`the reply to a join as ${show(name)}`, `以 ${show(name)} 加入得到的回复`), hint);
    }
    join(client, 'sysadmin');
    await expectMsg(client, { type: 'welcome', name: 'sysadmin', online: ['sysadmin'] }, t('the welcome for "sysadmin" (only whole names are reserved)', '"sysadmin" 收到的 welcome（只有整个名字才算保留名）'), hint);
    client.send(JSON.stringify({ type: 'rename', name: 'ＳＥＲＶＥＲ' }));
    await expectError(client, 'name_reserved', t('the reply to a rename to "ＳＥＲＶＥＲ"', '改名为 "ＳＥＲＶＥＲ" 得到的回复'), t('rename checks the new name with the same checkName() as join.', 'rename 和 join 用同一个 checkName() 检查新名字。'));
  });

  check(t('a connection joins once: a second join is already_joined; chat and rename before joining are not_joined and reach no one', '一个连接只能加入一次：第二次 join 得到 already_joined；加入之前的聊天和改名得到 not_joined，也不会发给任何人'), async ({ net }) => {
    const server = await serve(net);
    const watcher = await joinAs(net, server, 'watcher');
    const client = await net.connect(server.url, { label: t('a client that has not joined yet', '还没加入的客户端') });
    say(client, 'hello?');
    await expectError(client, 'not_joined', t('the reply to a chat before joining', '加入之前发聊天得到的回复'), t('a chat from a connection without a user is refused with not_joined, and not broadcast.', '没有 user 的连接发来的聊天用 not_joined 拒绝，不广播。'));
    client.send(JSON.stringify({ type: 'rename', name: 'ghost' }));
    await expectError(client, 'not_joined', t('the reply to a rename before joining', '加入之前改名得到的回复'), t('rename(): without member.user, refuse with not_joined.', 'rename()：没有 member.user 就用 not_joined 拒绝。'));
    join(client, 'ghost');
    await expectMsg(client, { type: 'welcome', name: 'ghost', online: ['ghost', 'watcher'] }, t('the welcome for ghost (the refused rename took nothing)', 'ghost 收到的 welcome（被拒的改名不占用任何名字）'), JOIN_HINT);
    join(client, 'ghost2');
    await expectError(client, 'already_joined', t('the reply to a second join', '第二次 join 得到的回复'), t('join(): if member.user is set already, refuse with already_joined (use rename to change a name).', 'join()：如果 member.user 已经有了，就用 already_joined 拒绝（改名请用 rename）。'));
    await expectMsg(watcher, { type: 'joined', name: 'ghost' }, t('the next message to the watcher: the "joined" for ghost', '旁观者接下来收到的：ghost 的 "joined"'), t('refused messages go to their sender only.', '被拒绝的消息只回复给发送者。'));
    await roundTrip(watcher, 'watcher', t('a refused second join must not announce anything.', '被拒的第二次 join 不能通知任何人。'));
    expectEqual([...usernames(server).names.keys()].sort(), ['ghost', 'watcher'], t('the keys in server.names', 'server.names 里的 key'), t('a refused join or rename changes nothing.', '被拒的 join 或 rename 不改变任何东西。'));
  });

  check(t('the online list holds everyone online, the joiner included, sorted, and no connection that has not joined', '在线列表包括所有在线的人（含加入者自己），排好序，不含没加入的连接'), async ({ net }) => {
    const server = await serve(net);
    await joinAs(net, server, 'carol', { online: ['carol'] });
    await net.connect(server.url, { label: t('a connection that never joins', '一直不加入的连接') });
    const alice = await joinAs(net, server, 'alice', { online: ['alice', 'carol'] });
    const bob = await joinAs(net, server, 'bob', { online: ['alice', 'bob', 'carol'] });
    await joinAs(net, server, 'Dave', { online: ['Dave', 'alice', 'bob', 'carol'] });
    await bob.close();
    await expectMsg(alice, { type: 'joined', name: 'bob' }, t('the "joined" for bob', 'bob 的 "joined"'), JOIN_HINT);
    await expectMsg(alice, { type: 'joined', name: 'Dave' }, t('the "joined" for Dave', 'Dave 的 "joined"'), JOIN_HINT);
    await expectMsg(alice, { type: 'left', name: 'bob' }, t('the "left" for bob', 'bob 的 "left"'), LEAVE_HINT);
    await joinAs(net, server, 'erin', { online: ['Dave', 'alice', 'carol', 'erin'] });
  });
});

describe('leaving', () => {
  check(t('the name is freed, and everyone told "left" once, on every way a connection can end', '无论连接怎样结束，名字都会被释放，每个人都恰好收到一次 "left"'), async ({ net }) => {
    const server = await serve(net);
    const watcher = await joinAs(net, server, 'watcher');
    const ways: { how: string; end: (client: Endpoint) => void; code?: number }[] = [
      { how: 'closes cleanly (1000)', end: (client) => { client.ws.close(1000, 'bye'); } },
      { how: 'closes going away (1001)', end: (client) => { client.ws.close(1001); } },
      { how: 'closes with an application code (4000)', end: (client) => { client.ws.close(4000, 'done'); } },
      { how: 'drops the TCP connection (terminate)', end: (client) => client.terminate() },
      { how: 'sends an unmasked frame (the server closes 1002)', code: 1002, end: (client) => { tcpSocket(client.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69])); } },
      { how: 'sends text that is not UTF-8 (the server closes 1007)', code: 1007, end: (client) => client.ws.send(Buffer.from([0x68, 0xff, 0xfe]), { binary: false }) },
      { how: 'sends a message one byte over 16 KiB (the server closes 1009)', code: 1009, end: (client) => say(client, 'x'.repeat(MAX_MESSAGE_BYTES)) },
    ];
    const spellings = ['Vic', 'vic', 'VIC', 'Ｖｉｃ'];
    await survives(net, t('broken and oversize frames', '坏帧和超大消息'), NO_ERROR_LISTENER_HINT, async () => {
      for (const [i, { how, end, code }] of ways.entries()) {
        const name = spellings[i % spellings.length]!;
        const shown = name.normalize('NFKC');
        const victim = await joinAs(net, server, name, { shown, label: `${shown}, who ${how}`, online: [shown, 'watcher'].sort() });
        await expectMsg(watcher, { type: 'joined', name: shown }, t(`the "joined" for ${shown} (round ${i + 1})`, `${shown} 的 "joined"（第 ${i + 1} 轮）`), t(`the name must be free again as soon as the previous holder left: ${LEAVE_HINT}`, `上一个持有者一离开，名字就必须立即可用：${LEAVE_HINT}`));
        end(victim);
        await expectMsg(watcher, { type: 'left', name: shown }, t(`the "left" for ${shown}, who ${how}`, `${shown}（${how}）的 "left"`), LEAVE_HINT);
        if (code !== undefined) {
          const closed = await victim.waitClosed();
          expectEqual(closed.code, code, t(`the close code when a client ${how}`, `客户端${how}时的关闭码`), code === 1009 ? t('create the server with maxPayload: MAX_MESSAGE_BYTES (16 KiB): ws refuses a larger message with 1009.', '创建服务器时传 maxPayload: MAX_MESSAGE_BYTES（16 KiB）：更大的消息 ws 会以 1009 拒绝。') : NO_ERROR_LISTENER_HINT);
        }
      }
    });
    await expectLog(net, server, /#\d+ error: /, t('for a broken frame, like "#6 error: …"', '记录坏帧，比如 "#6 error: …"'), t('log in the socket\'s "error" listener: log(`#${member.id} error: ${printable(error.message)}`).', '在 socket 的 "error" 监听器里记日志：log(`#${member.id} error: ${printable(error.message)}`)。'));
    await expectLog(net, server, /#2 Vic left \(1 online\)/, t('"#2 Vic left (1 online)"', '"#2 Vic left (1 online)"'), t('log each leave after freeing the name: log(`#${member.id} ${user.name} left (${names.size} online)`).', '释放名字之后记录离开：log(`#${member.id} ${user.name} left (${names.size} online)`)。'));
    // Exactly one "left" each: the next message to the watcher is the answer to its own line.
    await roundTrip(watcher, 'watcher', t(`send "left" once per leaver: ${LEAVE_HINT}`, `每个离开者只发一次 "left"：${LEAVE_HINT}`));
    const { names, members } = usernames(server);
    expectEqual([...names.keys()], ['watcher'], t('the keys in server.names after everyone but the watcher left', '除了旁观者都离开之后 server.names 里的 key'), LEAVE_HINT);
    await net.waitUntil(() => members.size === 1, WAIT_MS, () => ({ expected: t('server.members to hold only the watcher', 'server.members 里只剩旁观者'), actual: verbatim(`${members.size}`), hint: t('remove the connection from members in its "close" listener, joined or not.', '在 "close" 监听器里把连接从 members 删除，不论它是否加入过。') }));
  }, 90_000);

  check(t('takes a message of exactly 16 KiB', '接受恰好 16 KiB 的消息'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'alice');
    const envelope = JSON.stringify({ type: 'chat', text: '' });
    const text = 'y'.repeat(MAX_MESSAGE_BYTES - Buffer.byteLength(envelope));
    say(alice, text);
    await expectMsg(alice, { type: 'chat', from: 'alice', text }, t('the 16 KiB message back', '那条 16 KiB 的消息的回声'), t('maxPayload: MAX_MESSAGE_BYTES (16 * 1024): a message of exactly that size is allowed.', 'maxPayload: MAX_MESSAGE_BYTES（16 * 1024）：恰好这么大的消息是允许的。'), 10_000);
  });

  check(t('a member that stops answering pings is dropped within two heartbeats, and its name freed', '不再回应 ping 的成员在两个心跳周期内被断开，名字被释放'), async ({ net }) => {
    const clock = new FakeClock();
    const heartbeatMs = 1000;
    const server = await serve(net, { timers: clock, heartbeatMs, joinTimeoutMs: 1e9 });
    const watcher = await joinAs(net, server, 'watcher');
    const mute = await net.connect(server.url, { label: t('mute (never answers a ping)', 'mute（从不回应 ping）'), autoPong: false });
    join(mute, 'mute');
    await expectMsg(mute, { type: 'welcome', name: 'mute', online: ['mute', 'watcher'] }, t('the welcome for mute', 'mute 收到的 welcome'), JOIN_HINT);
    await expectMsg(watcher, { type: 'joined', name: 'mute' }, t('the "joined" for mute', 'mute 的 "joined"'), JOIN_HINT);
    const [watcherOnServer, muteOnServer] = server.connections;
    if (!watcherOnServer || !muteOnServer) throw new Error('harness: expected two server-side sockets');
    let pongs = 0;
    watcherOnServer.on('pong', () => { pongs += 1; });
    // A pong before any ping was sent: the server has no token yet, and must not trip over that.
    mute.ws.pong(Buffer.from('unasked'));
    say(mute, 'a pong for nothing');
    await expectMsg(mute, { type: 'chat', from: 'mute', text: 'a pong for nothing' }, t('mute\'s line after a pong nobody asked for', 'mute 发出一个没人要的 pong 之后说的话'), t('compare a pong with the token only if there is one: member.pingToken?.equals(data).', '只有存在令牌时才拿 pong 和它比较：member.pingToken?.equals(data)。'));
    await expectMsg(watcher, { type: 'chat', from: 'mute', text: 'a pong for nothing' }, t('mute\'s line on the watcher', '旁观者收到 mute 的话'), JOIN_HINT);
    const hint = t('the heartbeat: one timers.setInterval(…, heartbeatMs). Each tick, terminate() a member whose alive is still false; set alive = false, pingToken = randomBytes(8) and ping(pingToken) for the others; socket.on("pong", (data) => { if (member.pingToken?.equals(data)) member.alive = true; }).',
      '心跳：一个 timers.setInterval(…, heartbeatMs)。每次触发时，alive 仍为 false 的成员 terminate()；其余的设 alive = false、pingToken = randomBytes(8)，再 ping(pingToken)；socket.on("pong", (data) => { if (member.pingToken?.equals(data)) member.alive = true; })。');
    for (let beat = 1; beat <= 2; beat += 1) {
      // An unasked-for pong proves nothing: only our ping's payload coming back does.
      mute.ws.pong(Buffer.from('not your token'));
      clock.tick(heartbeatMs);
      if (beat === 1) {
        await net.waitUntil(() => pongs === 1, WAIT_MS, () => ({ expected: t('the server to ping every heartbeatMs (the watcher answers)', '服务器每 heartbeatMs 发一次 ping（旁观者会回应）'), actual: t(`${pongs} pongs from the watcher`, `旁观者回了 ${pongs} 个 pong`), hint }));
        say(mute, 'still here');
        for (const client of [mute, watcher]) await expectMsg(client, { type: 'chat', from: 'mute', text: 'still here' }, t(`mute's line on ${client.label}, one heartbeat after its last pong`, `${client.label} 收到 mute 的话（它上次回 pong 之后一个心跳周期）`), t('a member is dropped only after a whole interval without its pong.', '成员要整整一个周期都没有回 pong 才会被断开。'));
      }
    }
    await expectMsg(watcher, { type: 'left', name: 'mute' }, t('the "left" for mute, two heartbeats after it stopped answering', 'mute 停止回应两个心跳周期之后的 "left"'), hint);
    const closed = await mute.waitClosed();
    expectEqual(closed.code, 1006, t('the close code mute sees', 'mute 看到的关闭码'), t('terminate() a silent member: a close frame would wait for an answer that never comes.', '对沉默的成员用 terminate()：关闭帧会一直等一个不会来的回应。'));
    await expectLog(net, server, /#2 did not answer the last ping/, t('"#2 did not answer the last ping: terminating"', '"#2 did not answer the last ping: terminating"'), hint);
    await joinAs(net, server, 'MUTE', { online: ['MUTE', 'watcher'] });
    // The watcher, who answers every ping, stays however long it goes on.
    for (let beat = 0; beat < 3; beat += 1) {
      const before = pongs;
      clock.tick(heartbeatMs);
      await net.waitUntil(() => pongs > before, WAIT_MS, () => ({ expected: t('the watcher to answer each ping', '旁观者回应每个 ping'), actual: t('no pong', '没有 pong'), hint }));
    }
    clock.tick(heartbeatMs);
    await expectMsg(watcher, { type: 'joined', name: 'MUTE' }, t('the "joined" for MUTE', 'MUTE 的 "joined"'), JOIN_HINT);
    await roundTrip(watcher, 'watcher', t('a member that answers every ping with its token stays connected.', '每次都用令牌回应 ping 的成员一直保持连接。'));
    for (const client of server.wss.clients) client.terminate();
    await new Promise<void>((resolve) => server.wss.close(() => resolve()));
    expectEqual(clock.pending, 0, t('timers left on the clock after the server closed', '服务器关闭之后时钟上剩下的定时器'), t('stop the heartbeat when the server closes: wss.on("close", () => timers.clearInterval(heartbeat)).', '服务器关闭时停掉心跳：wss.on("close", () => timers.clearInterval(heartbeat))。'));
  });

  check(t('a connection that never joins is closed with 4000 after joinTimeoutMs; failed joins do not extend it; one that joined stays', '一直不加入的连接在 joinTimeoutMs 之后以 4000 关闭；失败的加入不会延长期限；已加入的连接保持'), async ({ net }) => {
    const clock = new FakeClock();
    const joinTimeoutMs = 5000;
    const server = await serve(net, { timers: clock, joinTimeoutMs, heartbeatMs: 1e9 });
    const silent = await net.connect(server.url, { label: t('a connection that never sends anything', '什么都不发的连接') });
    const trier = await net.connect(server.url, { label: t('a connection whose joins all fail', '加入总是失败的连接') });
    const member = await joinAs(net, server, 'member');
    const hint = t('in the "connection" handler, start timers.setTimeout(() => socket.close(JOIN_TIMEOUT_CODE, "join timeout …"), joinTimeoutMs), and timers.clearTimeout() it in join() once the name is taken, and in "close".',
      '在 "connection" 处理函数里启动 timers.setTimeout(() => socket.close(JOIN_TIMEOUT_CODE, "join timeout …"), joinTimeoutMs)，在 join() 占到名字之后、以及在 "close" 里用 timers.clearTimeout() 清掉它。');
    for (let i = 0; i < 4; i += 1) {
      clock.tick(1000);
      join(trier, i % 2 === 0 ? 'member' : '');
      await expectError(trier, i % 2 === 0 ? 'name_taken' : 'bad_name', t(`the reply to failed join ${i + 1}`, `第 ${i + 1} 次失败的加入得到的回复`), JOIN_HINT);
    }
    clock.tick(999);
    const [silentOnServer, trierOnServer] = server.connections;
    if (!silentOnServer || !trierOnServer) throw new Error('harness: expected the server-side sockets');
    if (silentOnServer.readyState !== WebSocket.OPEN) fail({ expected: t('a connection to stay open until joinTimeoutMs has passed', '连接在 joinTimeoutMs 到期之前保持打开'), actual: t(`it was closed ${clock.now} ms after it opened`, `它在打开 ${clock.now} ms 后就被关闭了`), hint });
    clock.tick(1);
    for (const [client, what] of [[silent, 'the connection that never sent anything'], [trier, 'the connection that tried and failed to join (failed joins do not extend the deadline)']] as const) {
      const closed = await client.waitClosed({ hint, waitingFor: t(`${what} to be closed at joinTimeoutMs`, `${what}在 joinTimeoutMs 时被关闭`) });
      expectEqual(closed.code, JOIN_TIMEOUT_CODE, t(`the close code for ${what}`, `${what}的关闭码`), t('close with JOIN_TIMEOUT_CODE (4000): an application code that says "you never joined".', '用 JOIN_TIMEOUT_CODE（4000）关闭：一个表示“你一直没加入”的应用自定义关闭码。'));
      if (closed.reason.trim() === '') fail({ expected: t('a close reason that says why', '说明原因的关闭 reason'), actual: t('an empty reason', '空的 reason'), hint: t('say why in the close: socket.close(JOIN_TIMEOUT_CODE, "join timeout: send {\\"type\\":\\"join\\",…} first").', '关闭时说明原因：socket.close(JOIN_TIMEOUT_CODE, "join timeout: send {\\"type\\":\\"join\\",…} first")。') });
    }
    await expectLog(net, server, /#1 did not join within 5000 ms/, t('"#1 did not join within 5000 ms: closing it"', '"#1 did not join within 5000 ms: closing it"'), hint);
    clock.tick(60_000);
    await roundTrip(member, 'member', t('clear the deadline in join() once the name is taken: a member must never be closed for not joining.', '占到名字之后在 join() 里清掉期限：已加入的成员绝不能因为“没加入”被关闭。'));
    // A connection that leaves before its deadline leaves no timer behind.
    const early = await net.connect(server.url, { label: t('a connection that leaves before its deadline', '在期限之前离开的连接') });
    await early.close();
    await net.waitUntil(() => usernames(server).members.size === 1, WAIT_MS, () => ({ expected: t('the server to see the early leaver go', '服务器看到提前离开的连接走了'), actual: t(`${usernames(server).members.size} members`, `${usernames(server).members.size} 个成员`), hint: LEAVE_HINT }));
    expectEqual(clock.pending, 1, t('timers pending on the clock (the heartbeat only)', '时钟上待触发的定时器数（应该只有心跳）'), t('clear the deadline in the "close" listener too: timers.clearTimeout(deadline). A timer per departed connection is a leak.', '在 "close" 监听器里也要清掉期限：timers.clearTimeout(deadline)。每个离开的连接留下一个定时器，就是泄漏。'));
  });

  check(t('without the timers option, the deadline and the heartbeat run on Node\'s timers, and closing the server stops the heartbeat', '不传 timers 选项时，加入期限和心跳用 Node 自己的定时器运行，关闭服务器会停掉心跳'), async ({ net }) => {
    // Node's own timers, watched: the ones started for these two delays (values nothing else uses)
    // run on a fake clock; every other timer (ws's, the harness's) stays real.
    const joinTimeoutMs = 7777;
    const heartbeatMs = 8888;
    const clock = new FakeClock();
    const fake = new Set<unknown>();
    const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, setInterval: globalThis.setInterval, clearInterval: globalThis.clearInterval };
    const watched = (ms: unknown, callback: () => void, interval: boolean): unknown => {
      const handle = interval ? clock.setInterval(callback, ms as number) : clock.setTimeout(callback, ms as number);
      fake.add(handle);
      return handle;
    };
    globalThis.setTimeout = ((callback: () => void, ms?: number, ...args: unknown[]) => (ms === joinTimeoutMs ? watched(ms, callback, false) : (real.setTimeout as (...all: unknown[]) => unknown)(callback, ms, ...args))) as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((handle?: NodeJS.Timeout) => (fake.has(handle) ? clock.clearTimeout(handle as unknown as number) : real.clearTimeout(handle))) as typeof clearTimeout;
    globalThis.setInterval = ((callback: () => void, ms?: number, ...args: unknown[]) => (ms === heartbeatMs ? watched(ms, callback, true) : (real.setInterval as (...all: unknown[]) => unknown)(callback, ms, ...args))) as unknown as typeof setInterval;
    globalThis.clearInterval = ((handle?: NodeJS.Timeout) => (fake.has(handle) ? clock.clearInterval(handle as unknown as number) : real.clearInterval(handle))) as typeof clearInterval;
    try {
      const server = await serve(net, { joinTimeoutMs, heartbeatMs });
      const lurker = await net.connect(server.url, { label: t('a connection that never joins', '一直不加入的连接') });
      const member = await joinAs(net, server, 'member');
      const mute = await net.connect(server.url, { label: t('mute (never answers a ping)', 'mute（从不回应 ping）'), autoPong: false });
      join(mute, 'mute');
      await expectMsg(mute, { type: 'welcome', name: 'mute', online: ['member', 'mute'] }, t('the welcome for mute', 'mute 收到的 welcome'), JOIN_HINT);
      await expectMsg(member, { type: 'joined', name: 'mute' }, t('the "joined" for mute', 'mute 的 "joined"'), JOIN_HINT);
      const hint = t('the default timers option is Node\'s own: { setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle), setInterval: …, clearInterval: … }; every timer of the server goes through it.',
        'timers 选项的默认值就是 Node 自己的定时器：{ setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle), setInterval: …, clearInterval: … }；服务器的每个定时器都经过它。');
      clock.tick(joinTimeoutMs);
      const closed = await lurker.waitClosed({ hint, waitingFor: t('the connection that never joined to be closed at joinTimeoutMs', '一直不加入的连接在 joinTimeoutMs 时被关闭') });
      expectEqual(closed.code, JOIN_TIMEOUT_CODE, t('its close code', '它的关闭码'), hint);
      const [memberOnServer] = server.connections.slice(1);
      if (!memberOnServer) throw new Error('harness: no server-side socket for the member');
      let pongs = 0;
      memberOnServer.on('pong', () => { pongs += 1; });
      clock.tick(heartbeatMs - joinTimeoutMs);
      await net.waitUntil(() => pongs === 1, WAIT_MS, () => ({ expected: t('a ping to every member after heartbeatMs', 'heartbeatMs 之后给每个成员发 ping'), actual: t('no pong from the member', '成员没有回 pong'), hint }));
      clock.tick(heartbeatMs);
      await expectMsg(member, { type: 'left', name: 'mute' }, t('the "left" for mute, two heartbeats after it stopped answering', 'mute 停止回应两个心跳周期之后的 "left"'), hint);
      await roundTrip(member, 'member', t('clear the join deadline with the same timers it was started with: timers.clearTimeout(deadline).', '用启动期限时的同一个 timers 清掉它：timers.clearTimeout(deadline)。'));
      for (const client of server.wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.wss.close(() => resolve()));
      expectEqual(clock.pending, 0, t('the server\'s timers still pending after it closed', '服务器关闭之后仍在等待的定时器数'), t('wss.on("close", () => timers.clearInterval(heartbeat)): a heartbeat left running keeps the process alive after the server is gone.', 'wss.on("close", () => timers.clearInterval(heartbeat))：服务器没了心跳还在跑，会让进程一直不退出。'));
    } finally {
      Object.assign(globalThis, real);
    }
  });

  check(t('a member that stops reading is dropped once maxBufferedBytes wait for it, and its name is free at once', '不再读数据的成员在积压超过 maxBufferedBytes 时被断开，名字立即释放'), async ({ net }) => {
    // The default limit, 1 MiB: the member must be cut off near it, not before and not far after.
    const limit = 1024 * 1024;
    const server = await serve(net);
    const slow = await joinAs(net, server, 'slow');
    const sender = await joinAs(net, server, 'sender');
    const watcher = await joinAs(net, server, 'watcher');
    await expectMsg(slow, { type: 'joined', name: 'sender' }, t('the "joined" for sender', 'sender 的 "joined"'), JOIN_HINT);
    const slowOnServer = server.connections[0];
    if (!slowOnServer) throw new Error('harness: no server-side socket');
    tcpSocket(slow.ws).pause();
    await expectMsg(sender, { type: 'joined', name: 'watcher' }, t('the "joined" for watcher', 'watcher 的 "joined"'), JOIN_HINT);
    const text = 'z'.repeat(15_000);
    const bound = limit + 16 * 1024;
    const hint = t('in deliver(), before each send: if socket.bufferedAmount > maxBufferedBytes, terminate() that client instead of queueing more (a close frame would wait behind what it never reads, and its name with it).',
      '在 deliver() 里每次发送之前：如果 socket.bufferedAmount > maxBufferedBytes，就 terminate() 这个客户端，而不是继续排队（关闭帧会排在它永远不读的数据后面，名字也会一直被占着）。');
    let maxBuffered = 0;
    let sent = 0;
    while (sent < 2000 && slowOnServer.readyState === WebSocket.OPEN) {
      for (let i = 0; i < 10; i += 1) say(sender, text);
      sent += 10;
      for (let i = 0; i < 10; i += 1) await nextMsg(watcher, t(`line ${sent - 9 + i} on the watcher`, `旁观者收到的第 ${sent - 9 + i} 句`), hint, 10_000);
      if (slowOnServer.readyState === WebSocket.OPEN) maxBuffered = Math.max(maxBuffered, slowOnServer.bufferedAmount);
      if (maxBuffered > bound) fail({ expected: t(`at most about ${bound} bytes waiting for a member that stopped reading (maxBufferedBytes ${limit} plus one message)`, `为不读数据的成员积压的字节最多约 ${bound}（maxBufferedBytes ${limit} 再加一条消息）`), actual: t(`${maxBuffered} bytes after ${sent} lines`, `${sent} 句之后积压了 ${maxBuffered} 字节`), hint });
    }
    let next = await nextMsg(watcher, t('the "left" for slow', 'slow 的 "left"'), hint, 10_000);
    while (next.type === 'chat' && sent > 0) {
      sent -= 1;
      next = await nextMsg(watcher, t('the "left" for slow', 'slow 的 "left"'), hint, 10_000);
    }
    if (canonical(next) !== canonical({ type: 'left', name: 'slow' })) fail({ expected: t('the "left" for slow once it was dropped', 'slow 被断开之后的 "left"'), actual: verbatim(canonical(next)), hint });
    // Lines go out 10 at a time (150 kB): the last look before the cut saw at least the limit less that.
    if (maxBuffered < limit / 2) fail({ expected: t(`slow to be cut off only once about maxBufferedBytes (${limit} by default) waited for it`, `slow 只有在积压接近 maxBufferedBytes（默认 ${limit}）时才被切断`), actual: t(`it was cut off with at most ${maxBuffered} bytes waiting`, `它被切断时最多只积压了 ${maxBuffered} 字节`), hint: t('the default is DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024, and the test is bufferedAmount > maxBufferedBytes.', '默认值是 DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024，判断条件是 bufferedAmount > maxBufferedBytes。') });
    await expectLog(net, server, /#1 is too slow/, t('"#1 is too slow (… bytes waiting): dropping it"', '"#1 is too slow (… bytes waiting): dropping it"'), hint);
    await joinAs(net, server, 'SLOW', { online: ['SLOW', 'sender', 'watcher'] });
  }, 60_000);

  check(t('a client that pings and never reads: the server stops reading from it before its pongs pile up', '只发 ping 从不读数据的客户端：服务器在 pong 堆积起来之前停止读它'), async ({ net }) => {
    const limit = 64 * 1024;
    const server = await serve(net, { maxBufferedBytes: limit });
    const pinger = await joinAs(net, server, 'pinger');
    const pingerOnServer = server.connections[0];
    if (!pingerOnServer) throw new Error('harness: no server-side socket');
    tcpSocket(pinger.ws).pause();
    // limitSendBuffer pauses reading once more than highWaterBytes wait; what was already read still
    // gets its pongs (one read from the kernel, up to 64 KiB of pings), so the queue peaks a little above.
    const bound = limit + 512 * 1024;
    const payload = Buffer.alloc(125, 0x70);
    let sent = 0;
    while (sent < 200_000 && !pingerOnServer.isPaused && pingerOnServer.readyState === WebSocket.OPEN && pingerOnServer.bufferedAmount <= bound) {
      for (let i = 0; i < 10_000; i += 1) pinger.ws.ping(payload);
      sent += 10_000;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const state = await net.waitUntil(() => (pingerOnServer.isPaused || pingerOnServer.readyState !== WebSocket.OPEN ? 'stopped' : pingerOnServer.bufferedAmount > bound ? 'piled up' : undefined), 20_000, () => ({
      expected: t('the server to stop reading from a client that pings and never reads', '服务器停止读取一个只发 ping、从不读数据的客户端'), actual: t(`${pingerOnServer.bufferedAmount} bytes of pongs waiting after ${sent} pings`, `${sent} 个 ping 之后积压了 ${pingerOnServer.bufferedAmount} 字节的 pong`), hint: t('keep limitSendBuffer(socket, { highWaterBytes: maxBufferedBytes }) at the start of the "connection" handler: the server\'s own limit, not the library\'s default of 1 MiB.', '在 "connection" 处理函数开头保留 limitSendBuffer(socket, { highWaterBytes: maxBufferedBytes })：用服务器自己的上限，而不是库默认的 1 MiB。'),
    }));
    if (state === 'piled up') {
      fail({ expected: t(`the server to stop reading once maxBufferedBytes (${limit}) bytes of pongs wait, so no more than about ${bound} pile up`, `积压 maxBufferedBytes（${limit}）字节的 pong 时服务器就停止读取，最多积压约 ${bound} 字节`), actual: t(`${pingerOnServer.bufferedAmount} bytes of pongs waiting, and it still reads`, `积压了 ${pingerOnServer.bufferedAmount} 字节的 pong，它还在读`), hint: t('ws answers every ping by itself: limitSendBuffer(socket, { highWaterBytes: maxBufferedBytes }) pauses reading from a client whose replies pile up past the server\'s limit.', 'ws 会自动回应每个 ping：limitSendBuffer(socket, { highWaterBytes: maxBufferedBytes }) 会在回复堆积超过服务器上限时暂停读取这个客户端。') });
    }
  }, 120_000);
});

describe('renaming', () => {
  check(t('rename takes the new name and frees the old one in one step; everyone gets "renamed"', '改名一步完成：占用新名字、释放旧名字；每个人都收到 "renamed"'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'alice');
    const watcher = await joinAs(net, server, 'watcher');
    await expectMsg(alice, { type: 'joined', name: 'watcher' }, t('the "joined" for watcher', 'watcher 的 "joined"'), JOIN_HINT);
    const hint = t('rename(): checkName(raw); refuse a key held by someone else (name_taken); then names.delete(old key), names.set(new key, member), member.user = { name, key }, and broadcast {"type":"renamed","from":old,"to":new} to everyone, the renamer included.',
      'rename()：checkName(raw)；key 被别人占着就拒绝（name_taken）；然后 names.delete(旧 key)、names.set(新 key, member)、member.user = { name, key }，再向所有人（包括改名者）广播 {"type":"renamed","from":旧,"to":新}。');
    alice.send(JSON.stringify({ type: 'rename', name: 'Ａｌｉｃｉａ' }));
    for (const client of [alice, watcher]) await expectMsg(client, { type: 'renamed', from: 'alice', to: 'Alicia' }, t(`the "renamed" on ${client.label}`, `${client.label} 收到的 "renamed"`), hint);
    await expectLog(net, server, /#1 alice is now Alicia/, t('"#1 alice is now Alicia"', '"#1 alice is now Alicia"'), t('log each rename: log(`#${member.id} ${old} is now ${name}`).', '每次改名都记日志：log(`#${member.id} ${旧名} is now ${新名}`)。'));
    await joinAs(net, server, 'ALICE', { online: ['ALICE', 'Alicia', 'watcher'], label: t('a newcomer taking the old name', '拿走旧名字的新来者') });
    const late = await net.connect(server.url, { label: t('a newcomer trying the new name', '尝试新名字的新来者') });
    join(late, 'alicia');
    await expectError(late, 'name_taken', t('the reply to a join as "alicia" after the rename', '改名之后以 "alicia" 加入得到的回复'), hint);
    say(alice, 'still me');
    await expectMsg(watcher, { type: 'joined', name: 'ALICE' }, t('the "joined" for ALICE', 'ALICE 的 "joined"'), JOIN_HINT);
    await expectMsg(watcher, { type: 'chat', from: 'Alicia', text: 'still me' }, t('alice\'s next line, under her new name', 'alice 的下一句话，带着新名字'), t('member.user holds the current name: chat uses member.user.name at the time of sending.', 'member.user 保存当前的名字：聊天时使用发送那一刻的 member.user.name。'));
    expectEqual([...usernames(server).names.keys()].sort(), ['alice', 'alicia', 'watcher'], t('the keys in server.names', 'server.names 里的 key'), hint);
    // A rename and a join for the same name at the same moment: exactly one gets it.
    const racer = await net.connect(server.url, { label: t('a newcomer racing a rename', '和改名抢名字的新来者') });
    watcher.send(JSON.stringify({ type: 'rename', name: 'zed' }));
    join(racer, 'ZED');
    const replies = [await nextMsg(watcher, t('the reply to the watcher\'s rename', '旁观者改名的回复'), hint), await nextMsg(racer, t('the reply to the racer\'s join', '抢名字的新来者加入的回复'), hint)];
    const winners = (replies[0]?.type === 'renamed' ? 1 : 0) + (replies[1]?.type === 'welcome' ? 1 : 0);
    if (winners !== 1) fail({ expected: t('exactly one of a rename to "zed" and a join as "ZED" sent at the same moment to succeed', '同时发出的改名为 "zed" 和以 "ZED" 加入，恰好一个成功'), actual: t(replies.map(canonical).join(' and '), replies.map(canonical).join(' 和 ')), hint: t('no await between looking a key up and taking it, in rename() as in join().', 'rename() 和 join() 一样，查 key 和占 key 之间不能有 await。') });
  });

  check(t('a refused rename keeps the old name: nobody else can take it', '被拒绝的改名保留旧名字：别人拿不走它'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'alice');
    await joinAs(net, server, 'bob');
    await expectMsg(alice, { type: 'joined', name: 'bob' }, t('the "joined" for bob', 'bob 的 "joined"'), JOIN_HINT);
    const hint = t('in rename(), check the new name (checkName, then the holder of its key) before touching the old one: names.delete(old key) only once the new key is yours.', '在 rename() 里，先检查新名字（checkName，再看它的 key 归谁），再动旧名字：只有新 key 确定归你之后才 names.delete(旧 key)。');
    for (const [to, code] of [['BOB', 'name_taken'], ['', 'bad_name'], ['admin', 'name_reserved']] as const) {
      alice.send(JSON.stringify({ type: 'rename', name: to }));
      await expectError(alice, code, t(`the reply to a rename to ${show(to)}`, `改名为 ${show(to)} 得到的回复`), hint);
      const thief = await net.connect(server.url, { label: t('a newcomer trying alice\'s name', '想拿 alice 名字的新来者') });
      join(thief, 'Alice');
      await expectError(thief, 'name_taken', t(`the reply to a join as "Alice" after alice's refused rename to ${show(to)}`, `alice 改名为 ${show(to)} 被拒之后，以 "Alice" 加入得到的回复`), hint);
      await thief.close();
    }
    say(alice, 'I am still alice');
    await expectMsg(alice, { type: 'chat', from: 'alice', text: 'I am still alice' }, t('alice\'s line, still under her name', 'alice 的话，仍然用她的名字'), hint);
  });

  check(t('a member may change the case of its own name', '成员可以改变自己名字的大小写'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'alice');
    alice.send(JSON.stringify({ type: 'rename', name: 'ALICE' }));
    await expectMsg(alice, { type: 'renamed', from: 'alice', to: 'ALICE' }, t('the "renamed" for alice → ALICE', 'alice → ALICE 的 "renamed"'), t('the key ALICE is held by alice herself: that is no obstacle. Refuse only a key held by another member (holder !== undefined && holder !== member).', 'ALICE 的 key 正是 alice 自己占着的：这不算冲突。只拒绝被别的成员占着的 key（holder !== undefined && holder !== member）。'));
    await joinAs(net, server, 'bob', { online: ['ALICE', 'bob'] });
  });
});

describe('chat', () => {
  check(t('a message carries its sender\'s name as the server knows it, never as the client claims', '消息带着服务器所知道的发送者名字，而不是客户端自称的'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'alice');
    const bob = await joinAs(net, server, 'bob');
    await expectMsg(alice, { type: 'joined', name: 'bob' }, t('the "joined" for bob', 'bob 的 "joined"'), JOIN_HINT);
    alice.send(JSON.stringify({ type: 'chat', text: 'I am bob', from: 'bob', name: 'bob' }));
    const hint = t('build the chat message from member.user.name: {"type":"chat","from":member.user.name,"text":text}. Never copy "from" (or anything else) from what the client sent.', '用 member.user.name 构造聊天消息：{"type":"chat","from":member.user.name,"text":text}。绝不要从客户端发来的内容里抄 "from"（或别的字段）。');
    for (const client of [alice, bob]) await expectMsg(client, { type: 'chat', from: 'alice', text: 'I am bob' }, t(`the line on ${client.label}`, `${client.label} 收到的那句话`), hint);
    await expectLog(net, server, /^alice: I am bob$/, t('"alice: I am bob"', '"alice: I am bob"'), t('log each line with its sender: log(`${member.user.name}: ${printable(text, 80)}`).', '每句话连同发送者一起记日志：log(`${member.user.name}: ${printable(text, 80)}`)。'));
    say(alice, 'line one\nbob: forged line');
    await expectMsg(bob, { type: 'chat', from: 'alice', text: 'line one\nbob: forged line' }, t('the two-line message', '那条两行的消息'), hint);
    await expectLog(net, server, /^alice: line one\\nbob: forged line$/, t('with the newline escaped: "alice: line one\\nbob: forged line"', '换行被转义："alice: line one\\nbob: forged line"'), t('log the text with printable(text, 80): a newline must not forge a log line.', '用 printable(text, 80) 记录文本：换行不能伪造一行日志。'));
    say(alice, `long ${'q'.repeat(200)}`);
    await expectMsg(bob, { type: 'chat', from: 'alice', text: `long ${'q'.repeat(200)}` }, t('the long message', '那条长消息'), hint);
    await expectLog(net, server, new RegExp(`^alice: long ${'q'.repeat(75)}…$`), t('cut to 80 characters and "…"', '截到 80 个字符再加 "…"'), t('printable(text, 80) cuts long text.', 'printable(text, 80) 会截断长文本。'));
  });

  check(t('blank text is refused with empty_message, to the sender only', '空白文本用 empty_message 拒绝，只回复发送者'), async ({ net }) => {
    const server = await serve(net);
    const alice = await joinAs(net, server, 'alice');
    const bob = await joinAs(net, server, 'bob');
    await expectMsg(alice, { type: 'joined', name: 'bob' }, t('the "joined" for bob', 'bob 的 "joined"'), JOIN_HINT);
    for (const blank of ['', '   ', ' \t\n ']) {
      say(alice, blank);
      await expectError(alice, 'empty_message', t(`the reply to the chat text ${show(blank)}`, `聊天文本 ${show(blank)} 得到的回复`), t('if (text.trim() === "") refuse with empty_message, and broadcast nothing.', 'if (text.trim() === "") 就用 empty_message 拒绝，什么也不广播。'));
    }
    say(alice, ' hi ');
    await expectMsg(bob, { type: 'chat', from: 'alice', text: ' hi ' }, t('bob\'s next message: alice\'s " hi " (nothing for the blank ones), as sent', 'bob 接下来收到的：alice 的 " hi "（空白的那些什么都不该收到），原样'), t('send the text as it came: only the check for blankness trims it.', '文本原样发送：只有判断是否空白时才 trim。'));
  });
});

describe('the protocol', () => {
  check(t('bad input gets its documented error and the connection stays usable', '错误输入得到文档里写明的错误，连接仍然可用'), async ({ net }) => {
    const server = await serve(net);
    const client = await net.connect(server.url, { label: t('a client sending bad input', '发送错误输入的客户端') });
    const cases: [string | Buffer, string, string][] = [
      ['hello', 'bad_message', 'text that is not JSON'], ['null', 'bad_message', 'null'], ['[]', 'bad_message', 'an array'], ['["join","alice"]', 'bad_message', 'an array with a join in it'],
      ['42', 'bad_message', 'a number'], ['"join"', 'bad_message', 'a string'], ['{}', 'bad_message', 'an object without a type'], ['{"type":1}', 'bad_message', 'a number as the type'],
      ['{"type":"dance"}', 'unknown_type', 'an unknown type'], ['{"type":"__proto__"}', 'unknown_type', 'the type "__proto__"'], ['{"type":"constructor"}', 'unknown_type', 'the type "constructor"'], ['{"type":"welcome","name":"x","online":[]}', 'unknown_type', 'a type only the server sends'],
      ['{"type":"chat"}', 'bad_message', 'a chat without text'], ['{"type":"chat","text":5}', 'bad_message', 'a chat whose text is a number'], ['{"type":"chat","text":null}', 'bad_message', 'a chat whose text is null'],
      [Buffer.from('{"type":"join","name":"alice"}'), 'bad_message', 'a join in a binary frame'],
    ];
    const hint = t('parseMessage(): JSON.parse in try/catch; then a JSON object (not null, not an array) with a string "type"; join and rename pass their name to checkName(); chat needs a string "text"; any other type is unknown_type. A binary frame is bad_message.',
      'parseMessage()：JSON.parse 放在 try/catch 里；然后必须是带字符串 "type" 的 JSON 对象（不是 null，不是数组）；join 和 rename 把 name 交给 checkName()；chat 需要字符串 "text"；别的 type 都是 unknown_type。二进制帧是 bad_message。');
    for (const [input, code, what] of cases) {
      client.send(input);
      await expectError(client, code, t(`the reply to ${what} (${show(input)})`, `${what}（${show(input)}）得到的回复`), hint);
    }
    join(client, 'alice');
    await expectMsg(client, { type: 'welcome', name: 'alice', online: ['alice'] }, t('the welcome after all that bad input', '经历这些错误输入之后收到的 welcome'), t('answer bad input with an error and keep the connection: the client may still join.', '对错误输入回复错误，但保持连接：客户端仍然可以加入。'));
  });
});

// The model: what the online list must be after any sequence of joins, leaves and renames.
type Step =
  | { kind: 'join'; name: number }
  | { kind: 'leave'; who: number; terminate: boolean }
  | { kind: 'rename'; who: number; name: number };

const POOL = ['alice', 'Alice', 'ＡＬＩＣＥ', 'bob', 'BOB', 'carol', 'Straße', 'STRASSE', 'dave', 'Dave', 'erin', 'frank'] as const;

class ModelMismatch extends Error {
  constructor(readonly expected: Text, readonly actual: Text, readonly steps: string[]) {
    super(expected);
  }
}

describe('the model', () => {
  check(t('the online list is right after 200 random join, leave and rename steps', '随机进行 200 步加入、离开、改名之后，在线列表仍然正确'), async ({ net }) => {
    const hint = t('one Map from key to member, changed only in join() (after the checks), rename() (new key in, old key out, in one step) and the "close" listener (the key out, one "left"); the welcome\'s list comes from that same Map.',
      '只用一个 key → 成员的 Map，只在三处修改它：join()（检查通过之后）、rename()（一步之内放入新 key、移除旧 key）和 "close" 监听器（移除 key，发一次 "left"）；welcome 里的列表也从这同一个 Map 来。');
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('join' as const), name: fc.nat(POOL.length - 1) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('leave' as const), who: fc.nat(20), terminate: fc.boolean() }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('rename' as const), who: fc.nat(20), name: fc.nat(POOL.length - 1) }) },
    );
    const run = async (steps: Step[]): Promise<void> => {
      const server = await serve(net);
      const watcher = await joinAs(net, server, 'watcher');
      // The model: key → the name as shown. The watcher is in it and never leaves.
      const model = new Map<string, string>([['watcher', 'watcher']]);
      const live: { client: Endpoint; key: string }[] = [];
      const done: string[] = [];
      const key = (name: string): string => name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
      const sorted = (): string[] => [...model.values()].sort();
      /** The watcher's next message, or a live client's next reply to itself (the notices about others it gets meanwhile are skipped). */
      const nextFor = async (client: Endpoint, what: string, renamedFrom?: string): Promise<Msg> => {
        for (let skipped = 0; ; skipped += 1) {
          const got = await nextMsg(client, verbatim(what), hint);
          if (client === watcher || skipped > 1000 || !['joined', 'left', 'renamed', 'chat'].includes(String(got.type))) return got;
          // Names are unique: a "renamed" from this client's own name is its own.
          if (got.type === 'renamed' && got.from === renamedFrom) return got;
        }
      };
      const expectNext = async (client: Endpoint, expected: Msg, what: string): Promise<void> => {
        const got = await nextFor(client, what, expected.type === 'renamed' ? String(expected.from) : undefined);
        if (canonical(got) !== canonical(expected)) throw new ModelMismatch(t(`${what}: ${canonical(expected)}`, `${what}：${canonical(expected)}`), verbatim(canonical(got)), done.slice(-8));
      };
      for (const [i, s] of steps.entries()) {
        if (s.kind === 'join' || live.length === 0) {
          const name = POOL[s.kind === 'join' ? s.name : i % POOL.length]!;
          const shown = name.normalize('NFKC');
          done.push(`step ${i + 1}: a new client joins as ${JSON.stringify(name)}`);
          const client = await net.connect(server.url, { label: t(`the client of step ${i + 1} (${name})`, `第 ${i + 1} 步的客户端（${name}）`) });
          join(client, name);
          if (model.has(key(name))) {
            const got = await nextMsg(client, t(`the reply to step ${i + 1}`, `第 ${i + 1} 步的回复`), hint);
            if (got.type !== 'error' || got.code !== 'name_taken') throw new ModelMismatch(t(`the reply to step ${i + 1} (the key is taken): an error name_taken`, `第 ${i + 1} 步的回复（key 已被占用）：错误 name_taken`), verbatim(canonical(got)), done.slice(-8));
            client.terminate();
            continue;
          }
          model.set(key(name), shown);
          await expectNext(client, { type: 'welcome', name: shown, online: sorted() }, `the welcome of step ${i + 1}`);
          await expectNext(watcher, { type: 'joined', name: shown }, `the watcher's notice of step ${i + 1}`);
          live.push({ client, key: key(name) });
        } else if (s.kind === 'leave') {
          const [leaver] = live.splice(s.who % live.length, 1);
          if (!leaver) continue;
          const shown = model.get(leaver.key)!;
          done.push(`step ${i + 1}: ${shown} ${s.terminate ? 'drops its connection' : 'closes cleanly'}`);
          if (s.terminate) leaver.client.terminate(); else leaver.client.ws.close(1000);
          model.delete(leaver.key);
          await expectNext(watcher, { type: 'left', name: shown }, `the watcher's notice of step ${i + 1}`);
        } else {
          const renamer = live[s.who % live.length]!;
          const from = model.get(renamer.key)!;
          const name = POOL[s.name]!;
          const to = name.normalize('NFKC');
          done.push(`step ${i + 1}: ${from} renames to ${JSON.stringify(name)}`);
          renamer.client.send(JSON.stringify({ type: 'rename', name }));
          if (model.has(key(name)) && key(name) !== renamer.key) {
            const got = await nextFor(renamer.client, `the reply to step ${i + 1}`, from);
            if (got.type !== 'error' || got.code !== 'name_taken') throw new ModelMismatch(t(`the reply to step ${i + 1} (the key is someone else's): an error name_taken`, `第 ${i + 1} 步的回复（key 属于别人）：错误 name_taken`), verbatim(canonical(got)), done.slice(-8));
            continue;
          }
          model.delete(renamer.key);
          model.set(key(name), to);
          renamer.key = key(name);
          await expectNext(renamer.client, { type: 'renamed', from, to }, `the renamer's notice of step ${i + 1}`);
          await expectNext(watcher, { type: 'renamed', from, to }, `the watcher's notice of step ${i + 1}`);
        }
      }
      done.push('then: the watcher says a line, and a newcomer joins as "zed"');
      say(watcher, 'the end');
      await expectNext(watcher, { type: 'chat', from: 'watcher', text: 'the end' }, 'the watcher\'s own line, after every notice it should get (and none more)');
      model.set('zed', 'zed');
      const last = await net.connect(server.url, { label: t('the newcomer after the steps', '所有步骤之后的新来者') });
      join(last, 'zed');
      await expectNext(last, { type: 'welcome', name: 'zed', online: sorted() }, 'the welcome after all the steps');
      const keys = [...usernames(server).names.keys()].sort();
      if (canonical(keys) !== canonical([...model.keys()].sort())) throw new ModelMismatch(t(`the keys in server.names: ${canonical([...model.keys()].sort())}`, `server.names 里的 key：${canonical([...model.keys()].sort())}`), verbatim(canonical(keys)), done.slice(-8));
    };
    const result = await fc.check(fc.asyncProperty(fc.array(step, { minLength: 200, maxLength: 200 }), run), { numRuns: 2, seed: 909, endOnFailure: true });
    if (result.failed) {
      const error = result.errorInstance;
      if (error instanceof ModelMismatch) {
        fail({ expected: error.expected, actual: t(`${error.actual}\nThe last steps before it:\n  ${error.steps.join('\n  ')}`, `${error.actual}\n在这之前的最后几步：\n  ${error.steps.join('\n  ')}`), hint });
      }
      throw error;
    }
  }, 120_000);
});

describe('the client', () => {
  /** A test server for the client: accepts one connection and hands it to `script`. */
  async function talk(net: Harness, script: (server: Endpoint) => Promise<void>, options: { name?: string; say?: string; timeoutMs?: number } = {}): Promise<{ outcome: Promise<{ kind: 'value' } | { kind: 'error'; error: unknown }>; printed: () => string; server: Endpoint }> {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out, ...options }), 15_000, () => ({
      expected: t('runClient() to settle', 'runClient() 结束'), actual: t('it was still running after 15 s', '15 秒后还在运行'), hint: t('every wait in the client has a timer: for the welcome, for its own line, for the close.', '客户端的每一次等待都要有定时器：等 welcome、等自己那句话、等关闭。'),
    }));
    const server = await peer.nextConnection({ hint: t('runClient(url): new WebSocket(url).', '在 runClient(url) 里 new WebSocket(url)。') });
    await script(server);
    return { outcome: running as Promise<{ kind: 'value' } | { kind: 'error'; error: unknown }>, printed: () => out.text, server };
  }

  async function expectJoin(server: Endpoint, name: string): Promise<void> {
    await expectMsg(server, { type: 'join', name }, t('the client\'s first message', '客户端的第一条消息'), t('on "open", send JSON.stringify({ type: "join", name }).', '在 "open" 时发送 JSON.stringify({ type: "join", name })。'));
  }

  check(t('the client joins, prints who is online and what the room says, and leaves with 1000 once its own line comes back', '客户端加入，打印在线名单和房间里的消息，自己的话传回来之后以 1000 离开'), async ({ net }) => {
    const { outcome, printed, server } = await talk(net, async (server) => {
      await expectJoin(server, 'carol');
      server.send(JSON.stringify({ type: 'welcome', name: 'carol', online: ['alice', 'carol'] }));
      await expectMsg(server, { type: 'chat', text: 'hi all' }, t('the client\'s line, once welcomed', '收到 welcome 之后客户端说的话'), t('on the welcome, send JSON.stringify({ type: "chat", text: say }).', '收到 welcome 时发送 JSON.stringify({ type: "chat", text: say })。'));
      // Noise a client must pass over: a binary frame, text that is not JSON, JSON that is not an object.
      server.send(Buffer.from(JSON.stringify({ type: 'chat', from: 'bob', text: 'sent as binary' })));
      server.send('not json');
      server.send('null');
      for (const message of [{ type: 'joined', name: 'bob' }, { type: 'chat', from: 'bob', text: 'hey' }, { type: 'renamed', from: 'bob', to: 'bobby' }, { type: 'left', name: 'alice' }, { type: 'chat', from: 'mallory', text: 'hi all' }, { type: 'chat', from: 'carol', text: 'an older line' }, { type: 'chat', from: 'carol', text: 'hi all' }, { type: 'chat', from: 'bob', text: 'after carol said goodbye' }]) {
        server.send(JSON.stringify(message));
      }
    }, { name: 'carol', say: 'hi all' });
    const closed = await server.waitClosed({ hint: t('once your own line comes back (from is your name and text is what you said), close with ws.close(1000).', '自己的话传回来（from 是你的名字，text 是你说的那句）之后，用 ws.close(1000) 关闭。') });
    expectEqual(closed.code, 1000, t('the close code the client sent', '客户端发出的关闭码'), t('leave with ws.close(1000): a clean goodbye, not terminate().', '用 ws.close(1000) 离开：干净地告别，而不是 terminate()。'));
    const result = await outcome;
    if (result.kind === 'error') fail({ expected: t('runClient() to resolve', 'runClient() 正常完成'), actual: t(`it rejected: ${String(result.error)}`, `它 reject 了：${String(result.error)}`), hint: t('resolve on "close" once you chose to leave.', '在你主动离开之后，于 "close" 时 resolve。') });
    expectEqual(printed(), 'Joined as carol. Online: alice, carol\n* bob joined\nbob: hey\n* bob is now bobby\n* alice left\nmallory: hi all\ncarol: an older line\ncarol: hi all\n', t('what the client printed', '客户端打印的内容'),
      t('print "Joined as <name>. Online: a, b", "* <name> joined", "<from>: <text>", "* <from> is now <to>", "* <name> left", one line each, and pass over binary frames and anything that is not a JSON object. Your echo is from your name AND with your words: not mallory saying them, not an older line of yours. Once you leave, print nothing more.', '打印 "Joined as <name>. Online: a, b"、"* <name> joined"、"<from>: <text>"、"* <from> is now <to>"、"* <name> left"，每条一行；跳过二进制帧和任何不是 JSON 对象的东西。你的回声必须既来自你的名字、又是你说的那句话：不是 mallory 说了同样的话，也不是你更早的一句。离开之后就什么都不再打印。'));
  });

  check(t('the client prints names and lines escaped', '客户端转义打印名字和文本'), async ({ net }) => {
    const { outcome, printed } = await talk(net, async (server) => {
      await expectJoin(server, 'alice');
      server.send(JSON.stringify({ type: 'welcome', name: 'alice', online: ['alice', 'x\u001b[2Jy'] }));
      await nextMsg(server, t('the client\'s line', '客户端说的话'), t('send your line once welcomed.', '收到 welcome 之后说你的话。'));
      server.send(JSON.stringify({ type: 'chat', from: 'x\u001b[2Jy', text: 'one\ntwo' }));
      server.send(JSON.stringify({ type: 'chat', from: 'alice', text: 'hello, everyone' }));
    });
    await outcome;
    const second = await talk(net, async (server) => {
      await expectJoin(server, 'alice');
      server.send(JSON.stringify({ type: 'welcome', name: 'alice', online: 'nobody' }));
      await nextMsg(server, t('the client\'s line', '客户端说的话'), t('send your line once welcomed.', '收到 welcome 之后说你的话。'));
      server.send(JSON.stringify({ type: 'chat', from: 'alice', text: 'hello, everyone' }));
    });
    await second.outcome;
    expectEqual(second.printed(), 'Joined as alice. Online: \nalice: hello, everyone\n', t('what the client printed for a welcome whose "online" is not a list', '"online" 不是列表时客户端打印的内容'), t('the server\'s messages are input too: print the list only if Array.isArray(message.online), else an empty one.', '服务器发来的消息也是输入：只有 Array.isArray(message.online) 时才打印列表，否则当作空列表。'));
    expectEqual(printed(), 'Joined as alice. Online: alice, x\\u001b[2Jy\nx\\u001b[2Jy: one\\ntwo\nalice: hello, everyone\n', t('what the client printed', '客户端打印的内容'), t('print what others chose (names, lines) through printable() from lib/printable.ts: an escape sequence could clear the terminal, a newline forge a line.', '别人决定的内容（名字、话）要经过 lib/printable.ts 的 printable() 再打印：转义序列可能清空终端，换行可能伪造一行。'));
  });

  check(t('the client reports a refused name plainly and closes with 1000', '客户端清楚地报告名字被拒，并以 1000 关闭'), async ({ net }) => {
    const { outcome, server } = await talk(net, async (server) => {
      await expectJoin(server, 'alice');
      server.send(JSON.stringify({ type: 'error', code: 'name_taken', message: '"alice" is taken' }));
    });
    const closed = await server.waitClosed();
    expectEqual(closed.code, 1000, t('the close code after a refused join', '加入被拒之后的关闭码'), t('on an error reply, leave with ws.close(1000) and reject.', '收到错误回复时，用 ws.close(1000) 离开并 reject。'));
    const result = await outcome;
    if (result.kind !== 'error' || !String(result.error).includes('name_taken') || !String(result.error).includes('is taken')) {
      fail({ expected: t('runClient() to reject with an error naming the code and the message (name_taken, "alice" is taken)', 'runClient() 以一个写明错误码和说明（name_taken、"alice" is taken）的错误 reject'), actual: result.kind === 'error' ? verbatim(String(result.error)) : t('it resolved', '它 resolve 了'), hint: t('reject with new Error(`the server refused: ${code}: ${message}`).', '用 new Error(`the server refused: ${code}: ${message}`) reject。') });
    }
  });

  check(t('the client gives up on a server that never answers, and drops the connection', '服务器一直不回应时，客户端放弃并断开连接'), async ({ net }) => {
    for (const stage of ['the welcome', 'the echo', 'the close'] as const) {
      const { outcome, server } = await talk(net, async (server) => {
        await expectJoin(server, 'alice');
        if (stage === 'the welcome') return;
        server.send(JSON.stringify({ type: 'welcome', name: 'alice', online: ['alice'] }));
        await nextMsg(server, t('the client\'s line', '客户端说的话'), t('send your line once welcomed.', '收到 welcome 之后说你的话。'));
        if (stage === 'the echo') return;
        // The server stops reading, then echoes the line: the client's close frame gets no answer.
        tcpSocket(server.ws).pause();
        server.send(JSON.stringify({ type: 'chat', from: 'alice', text: 'hello, everyone' }));
      }, { timeoutMs: 300 });
      const hint = t('one timer per wait (timeoutMs): for the welcome, then for your own line, then for the answer to your close frame. When it fires, ws.terminate(): a server that does not answer will not answer a close frame either.',
        '每次等待一个定时器（timeoutMs）：等 welcome、再等自己的话、再等关闭帧的回应。定时器触发时 ws.terminate()：一个不回应的服务器也不会回应关闭帧。');
      const result = await outcome;
      if (stage === 'the close') {
        if (result.kind === 'error') fail({ expected: t('runClient() to resolve when only the answer to its close frame is missing (its work was done)', '只是关闭帧没有回应时 runClient() 正常完成（它的事已经做完了）'), actual: verbatim(String(result.error)), hint });
      } else if (result.kind !== 'error' || !String(result.error).includes(stage === 'the welcome' ? 'welcome' : 'echo')) {
        fail({ expected: t(`runClient() to reject saying there was no ${stage === 'the welcome' ? 'welcome' : 'echo of its line'}`, `runClient() reject，说明没有等到${stage === 'the welcome' ? ' welcome' : '自己那句话的回声'}`), actual: result.kind === 'error' ? verbatim(String(result.error)) : t('it resolved', '它 resolve 了'), hint });
      }
      if (stage !== 'the close') expectEqual((await server.waitClosed()).code, 1006, t(`how the connection ended when the server was silent at ${stage}`, `服务器在${stage}阶段沉默时连接的结束方式`), hint);
    }
  });

  check(t('the client rejects when the server closes first, whatever the code', '服务器先关闭时客户端 reject，不论关闭码是什么'), async ({ net }) => {
    for (const [code, reason, welcomed] of [[4000, 'join timeout', false], [1001, 'server shutting down', true], [1000, '', true]] as const) {
      const { outcome } = await talk(net, async (server) => {
        await expectJoin(server, 'alice');
        if (welcomed) {
          server.send(JSON.stringify({ type: 'welcome', name: 'alice', online: ['alice'] }));
          await nextMsg(server, t('the client\'s line', '客户端说的话'), t('send your line once welcomed.', '收到 welcome 之后说你的话。'));
        }
        server.ws.close(code, reason);
      });
      const result = await outcome;
      if (result.kind !== 'error' || !String(result.error).includes(String(code)) || !String(result.error).includes(reason)) {
        fail({
          expected: t(`runClient() to reject with the code (${code}) and the reason (${show(reason)}) when the server closes ${welcomed ? 'before the echo' : 'before the welcome'}`, `服务器在${welcomed ? '回声之前' : ' welcome 之前'}关闭时，runClient() 以关闭码（${code}）和原因（${show(reason)}）reject`),
          actual: result.kind === 'error' ? verbatim(String(result.error)) : t('it resolved', '它 resolve 了'),
          hint: t('on "close", resolve only if you chose to leave; otherwise reject with new Error(`the server closed the connection (code ${code}, reason "${reason}")`).', '在 "close" 里，只有是你主动离开才 resolve；否则用 new Error(`the server closed the connection (code ${code}, reason "${reason}")`) reject。'),
        });
      }
    }
  });

  check(t('the client rejects plainly when nothing listens, instead of crashing', '没有服务器在监听时，客户端清楚地 reject，而不是崩溃'), async ({ net }) => {
    const port = await closedPort();
    const result = await net.settle(runClient(`ws://127.0.0.1:${port}`, { out: net.output() }), 10_000, () => ({
      expected: t('runClient() to settle when the connection is refused', '连接被拒绝时 runClient() 结束'), actual: t('it was still running after 10 s', '10 秒后还在运行'), hint: t('"close" follows "error": settle the promise there.', '"error" 之后会有 "close"：在那里结束 promise。'),
    }));
    if (result.kind !== 'error' || !String(result.error).includes('ECONNREFUSED')) {
      fail({ expected: t('runClient() to reject with the socket error (ECONNREFUSED)', 'runClient() 以 socket 错误（ECONNREFUSED）reject'), actual: result.kind === 'error' ? verbatim(String(result.error)) : t('it resolved', '它 resolve 了'), hint: t('ws.on("error", (error) => { failure ??= error; }): without a listener the error crashes the program; keep it and reject with it on "close".', 'ws.on("error", (error) => { failure ??= error; })：没有监听器，这个错误会让程序崩溃；把它存下来，在 "close" 时用它 reject。') });
    }
  });
});

describe('the programs', () => {
  check(t('the server runs from the command line on 127.0.0.1, the client joins it as $CHAT_NAME and exits', '服务器能从命令行在 127.0.0.1 上运行，客户端以 $CHAT_NAME 加入并退出'), async ({ net }) => {
    await expectLoopbackByDefault(net, () => createServer({ port: 0, log: () => {} }));
    const { server, url } = await startServerProgram(net, HERE, 'Chat server');
    const client = runProgram(net, HERE, ['client.ts', url], { CHAT_NAME: 'carol' });
    const code = await doneAndExited(net, client, 'carol: hello, everyone', 'CHAT_NAME=carol npx tsx client.ts');
    if (code !== 0) fail({ expected: t('the client program to exit with code 0', '客户端程序以退出码 0 结束'), actual: verbatim(programSaid(client)), hint: t('runClient resolves once its line came back and the connection closed; the checks above say more.', '自己的话传回来、连接关闭之后，runClient 就 resolve；上面的检查会说得更详细。') });
    if (!client.stdout().startsWith('Joined as carol. Online: carol\n')) fail({ expected: t('the client program to print "Joined as carol. Online: carol" first', '客户端程序先打印 "Joined as carol. Online: carol"'), actual: show(client.stdout()), hint: t('the name defaults to the environment\'s CHAT_NAME: name = process.env.CHAT_NAME ?? "alice".', '名字默认取环境变量 CHAT_NAME：name = process.env.CHAT_NAME ?? "alice"。') });
    server.kill('SIGTERM');
    await exited(net, server, t('the server program, after SIGTERM (Ctrl+C),', '收到 SIGTERM（Ctrl+C）之后的服务器程序'));
    await importStartsNothing(net, HERE, ['server.ts', 'client.ts'], { PORT: '0' }, t('keep the `if (isMain(import.meta.url))` guard on the last line of server.ts and client.ts.', '保留 server.ts 和 client.ts 最后一行的 `if (isMain(import.meta.url))` 判断。'));
  }, 120_000);
});

const HERE = dirname(fileURLToPath(import.meta.url));
