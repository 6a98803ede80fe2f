// Self-checks for lesson 10. Run: npm run check lesson-10
// Each check starts your server (or a test server, for the client) for real, on 127.0.0.1 with a
// free port, and speaks raw JSON to it: the checks test the protocol in the README, not your types.
// The hello deadline and the heartbeat run on a fake clock (checks/fake-clock.ts): no check waits for them.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe } from 'vitest';
import { WebSocket } from 'ws';
import { check, closedPort, expectEqual, expectLoopbackByDefault, fail, show, survives, t, tcpSocket, verbatim, WAIT_MS, type Endpoint, type Harness, type RunningServer, type Text } from '../../checks/harness.ts';
import { doneAndExited, exited, importStartsNothing, programSaid, runProgram, startServerProgram } from '../../checks/programs.ts';
import { FakeClock } from '../../checks/fake-clock.ts';
import { createServer, type RoomServer, type RoomServerOptions } from './server.ts';
import { runClient } from './client.ts';

// The protocol as the README documents it, written out here so the checks cannot drift with your code.
const MAX_MESSAGE_BYTES = 16 * 1024;
const HELLO_TIMEOUT_CODE = 4000;

type Msg = Record<string, unknown>;

const FORMAT_HINT = t(
  'every message the server sends is one JSON object in a text frame: socket.send(JSON.stringify(message)).',
  '服务器发出的每条消息都是文本帧里的一个 JSON 对象：socket.send(JSON.stringify(message))。',
);
const JOIN_HINT = t(
  'in join(): checkRoomId(raw) (rooms.ts), then rooms.join(member, id); on a refusal send its code; otherwise send the joiner {"type":"joined","room":id,"members":namesIn(id)} and the room\'s others {"type":"member_joined","room":id,"name":…}: toRoom(id, message, member).',
  '在 join() 里：先 checkRoomId(raw)（rooms.ts），再 rooms.join(member, id)；被拒就回复对应的错误码；否则给加入者发 {"type":"joined","room":id,"members":namesIn(id)}，给房间里的其他人发 {"type":"member_joined","room":id,"name":…}：toRoom(id, message, member)。',
);
const REGISTRY_HINT = t(
  'rooms.ts, Rooms.join(): refuse already_in_room, then too_many_rooms (the member is in maxRoomsPerClient rooms), then rooms_full (the room does not exist and maxRooms rooms do); then add the member to the room\'s Set (creating it) and the room to the member\'s Set.',
  'rooms.ts 的 Rooms.join()：依次拒绝 already_in_room、too_many_rooms（成员已在 maxRoomsPerClient 个房间里）、rooms_full（房间不存在而且已经有 maxRooms 个房间）；然后把成员加进房间的 Set（没有就新建），把房间加进成员的 Set。',
);
const LEAVE_HINT = t(
  'Rooms.leave(member, id): delete the member from the room\'s Set and the room from the member\'s Set, and delete the room itself once its Set is empty (rooms.delete(id)). Then in server.ts leave(): send the leaver {"type":"left","room":id} and the rest {"type":"member_left","room":id,"name":…}.',
  'Rooms.leave(member, id)：从房间的 Set 里删掉成员，从成员的 Set 里删掉房间；房间的 Set 空了就把房间本身也删掉（rooms.delete(id)）。然后在 server.ts 的 leave() 里：给离开者发 {"type":"left","room":id}，给其余的人发 {"type":"member_left","room":id,"name":…}。',
);
const GONE_HINT = t(
  'in the socket\'s "close" listener (disconnect()): names.delete(key), const left = rooms.leaveAll(member), then toRoom(id, {"type":"member_left","room":id,"name":…}) for each id in left. "close" fires once however the connection ends: close frame, terminate(), a broken frame, the heartbeat, a slow reader dropped.',
  '在 socket 的 "close" 监听器（disconnect()）里：names.delete(key)，const left = rooms.leaveAll(member)，再对 left 里的每个 id 执行 toRoom(id, {"type":"member_left","room":id,"name":…})。无论连接怎样结束——关闭帧、terminate()、坏帧、心跳超时、慢读者被断开——"close" 都只触发一次。',
);
const CHAT_HINT = t(
  'chat(): checkRoomId(raw); refuse not_in_room unless rooms.roomsOf(member).has(id); refuse empty_message for blank text; then toRoom(id, {"type":"chat","room":id,"from":name,"text":text}) with no `except`: the sender gets its line too, and nobody outside the room does.',
  'chat()：checkRoomId(raw)；rooms.roomsOf(member).has(id) 不成立就拒绝 not_in_room；文本是空白就拒绝 empty_message；然后 toRoom(id, {"type":"chat","room":id,"from":name,"text":text})，不传 `except`：发送者也收到自己的话，房间外的人谁也收不到。',
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
    // A message from another room is the mistake this lesson is about: say so.
    const crossed = typeof got.room === 'string' && typeof expected.room === 'string' && got.room !== expected.room
      ? t(` It is about room ${show(got.room)}, not ${show(expected.room)}: does this client get messages of a room it is not in? Send to rooms.members(id) only.`, ` 它属于房间 ${show(got.room)}，而不是 ${show(expected.room)}：这个客户端是不是收到了它不在的房间的消息？只发给 rooms.members(id)。`)
      : expected.type === 'joined' && got.room === expected.room && got.type !== 'joined' && got.type !== 'error'
        ? t(` This client gets a "${String(got.type)}" of ${show(got.room)} before it has joined that room: send a room's messages to rooms.members(id) only, never to every connection.`, ` 这个客户端在加入 ${show(got.room)} 之前就收到了那个房间的 "${String(got.type)}"：房间的消息只发给 rooms.members(id)，绝不是所有连接。`)
        : '';
    fail({ expected: t(`${waitingFor}: ${canonical(expected)}`, `${waitingFor}：${canonical(expected)}`), actual: verbatim(canonical(got)), hint: t(`${hint}${crossed}`, `${hint}${crossed}`) });
  }
}

/** The next message on `client` must be an error with `code` and a message that says something. */
async function expectError(client: Endpoint, code: string, waitingFor: Text, hint: Text): Promise<void> {
  const got = await nextMsg(client, waitingFor, hint);
  if (got.type !== 'error' || got.code !== code || typeof got.message !== 'string' || got.message.trim() === '') {
    fail({ expected: t(`${waitingFor}: {"type":"error","code":"${code}","message":"…"}`, `${waitingFor}：{"type":"error","code":"${code}","message":"…"}`), actual: verbatim(canonical(got)), hint });
  }
}

function hello(client: Endpoint, name: unknown): void {
  client.send(JSON.stringify({ type: 'hello', name }));
}

function join(client: Endpoint, room: unknown): void {
  client.send(JSON.stringify({ type: 'join', room }));
}

function leave(client: Endpoint, room: unknown): void {
  client.send(JSON.stringify({ type: 'leave', room }));
}

function say(client: Endpoint, room: unknown, text: string): void {
  client.send(JSON.stringify({ type: 'chat', room, text }));
}

/** Connects and says hello as `name`; expects the welcome with `shown` as the name. */
async function named(net: Harness, server: RunningServer, name: string, { shown = name, label }: { shown?: string; label?: string | Text } = {}): Promise<Endpoint> {
  const client = await net.connect(server.url, { label: typeof label === 'string' ? verbatim(label) : label ?? verbatim(name) });
  hello(client, name);
  await expectMsg(client, { type: 'welcome', name: shown }, t(`the welcome for a hello as ${show(name)}`, `以 ${show(name)} 打招呼收到的 welcome`), t('hello(): checkName(raw) (names.ts), refuse a taken key, then take the name and send {"type":"welcome","name":…}. This part is given: keep it.', 'hello()：checkName(raw)（names.ts），key 已被占用就拒绝，然后占用名字并发送 {"type":"welcome","name":…}。这部分是给好的：保留它。'));
  return client;
}

/** Joins `room` and expects the "joined" with exactly `members`. */
async function enter(client: Endpoint, room: string, members: string[], hint?: Text): Promise<void> {
  join(client, room);
  await expectMsg(client, { type: 'joined', room, members }, t(`the reply to ${client.label}'s join of ${show(room)}`, `${client.label} 加入 ${show(room)} 得到的回复`), hint ?? t(`${JOIN_HINT} "members" is the room's members, the joiner included, sorted.`, `${JOIN_HINT} "members" 是这个房间的成员，包括加入者自己，排好序。`));
}

/**
 * Everything sent to `client` before this has arrived once it returns, and nothing else did: it
 * leaves a room nobody is in, and the very next message must be the refusal.
 */
async function sync(client: Endpoint, hint: Text): Promise<void> {
  leave(client, 'sync-nobody-here');
  await expectError(client, 'not_in_room', t(`the next message to ${client.label}: the refusal of a leave from a room it is not in (and nothing before it)`, `${client.label} 接下来收到的：离开一个它不在的房间被拒（在这之前什么也不该收到）`), hint);
}

/** Fails unless some log line matches `pattern`. */
async function expectLog(net: Harness, server: RunningServer, pattern: RegExp, what: Text, hint: Text): Promise<void> {
  await net.waitUntil(() => server.logs.some((line) => pattern.test(line)), WAIT_MS, () => ({
    expected: t(`a log line ${what}`, `一行日志：${what}`), actual: t(`the last lines: ${show(server.logs.slice(-5))}`, `最后几行：${show(server.logs.slice(-5))}`), hint,
  }));
}

/**
 * Runs `steps`; if code under test threw where nothing caught it (not a starter's todo), fails
 * saying what the server had to survive, with `hint`: the crash is the mistake, not what came after.
 */
async function withoutCrash(net: Harness, what: Text, hint: Text, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    const crash = net.crashMessage();
    if (crash !== undefined && !crash.startsWith('TodoError')) fail({ expected: t(`the server to handle ${what}`, `服务器能处理${what}`), actual: t(`it threw, and nothing caught it: ${crash}`, `它抛出了异常，而且没人捕获：${crash}`), hint });
    throw error;
  }
}

function roomServer(server: RunningServer): RoomServer {
  return server.wss as RoomServer;
}

/** The rooms on the server, as sorted ids. */
function roomIds(server: RunningServer): string[] {
  return roomServer(server).rooms.ids().sort();
}

/** Waits until the server holds exactly `ids` as rooms and `connections` connections. */
async function expectRooms(net: Harness, server: RunningServer, ids: string[], what: Text, hint: Text, connections?: number): Promise<void> {
  const { rooms, members } = roomServer(server);
  await net.waitUntil(() => canonical(roomIds(server)) === canonical([...ids].sort()) && (connections === undefined || members.size === connections), WAIT_MS, () => {
    // Empty rooms still in the map are a leak with one cause: say so, whatever the check was about.
    const empty = roomIds(server).filter((id) => rooms.members(id).size === 0);
    return {
      expected: t(`${what}: the rooms ${show([...ids].sort())}${connections === undefined ? '' : `, ${connections} connections`}`, `${what}：房间 ${show([...ids].sort())}${connections === undefined ? '' : `，${connections} 个连接`}`),
      actual: t(`the rooms ${show(roomIds(server))} (rooms.size ${rooms.size}), ${members.size} connections${empty.length > 0 ? `; ${show(empty)} have no members and are still in the map` : ''}`, `房间 ${show(roomIds(server))}（rooms.size ${rooms.size}），${members.size} 个连接${empty.length > 0 ? `；${show(empty)} 已经没有成员，却还在表里` : ''}`),
      hint: empty.length > 0 ? t('delete a room when its last member leaves: in Rooms.leave(), if (room.size === 0) this.byRoom.delete(id). An empty room kept is a leak.', '房间的最后一个成员离开时删除它：在 Rooms.leave() 里 if (room.size === 0) this.byRoom.delete(id)。留着空房间就是泄漏。') : hint,
    };
  });
}

async function serve(net: Harness, options: Omit<RoomServerOptions, 'host' | 'port' | 'log'> = {}): Promise<RunningServer> {
  return net.serve(createServer, options);
}

describe('rooms', () => {
  check(t('a named client joins a room and gets its members; the others in that room get "member_joined"', '已报名的客户端加入房间，收到房间成员名单；房间里的其他人收到 "member_joined"'), async ({ net }) => {
    const server = await serve(net);
    const alice = await named(net, server, 'alice');
    await enter(alice, 'lobby', ['alice']);
    const bob = await named(net, server, 'bob');
    await enter(bob, 'lobby', ['alice', 'bob']);
    await expectMsg(alice, { type: 'member_joined', room: 'lobby', name: 'bob' }, t('the notice to alice that bob joined lobby', '通知 alice：bob 加入了 lobby'), t('after a join, send {"type":"member_joined","room":id,"name":…} to the room\'s other members, not to the joiner (it got "joined"): toRoom(id, message, member), whose third argument skips it.', '加入成功后，给房间里的其他成员发 {"type":"member_joined","room":id,"name":…}，不发给加入者（它收到的是 "joined"）：toRoom(id, message, member)，第三个参数会跳过它。'));
    const carol = await named(net, server, 'carol');
    await enter(carol, 'games', ['carol']);
    await enter(bob, 'games', ['bob', 'carol']);
    await expectMsg(carol, { type: 'member_joined', room: 'games', name: 'bob' }, t('the notice to carol that bob joined games', '通知 carol：bob 加入了 games'), JOIN_HINT);
    const hint = t('presence is per room: "member_joined" goes to the members of that room only (rooms.members(id)), never to everyone connected, and not to the joiner, who gets "joined".', '在线状态按房间区分："member_joined" 只发给那个房间的成员（rooms.members(id)），绝不是所有连接；也不发给加入者本人，他收到的是 "joined"。');
    await sync(alice, hint);
    await sync(bob, hint);
    await sync(carol, hint);
    expectEqual(roomIds(server), ['games', 'lobby'], t('the room ids on the server (server.rooms.ids())', '服务器上的房间 id（server.rooms.ids()）'), REGISTRY_HINT);
    await expectLog(net, server, /^#1 is alice$/, t('"#1 is alice"', '"#1 is alice"'), t('keep the given hello(): it logs `#${member.id} is ${name}`.', '保留给好的 hello()：它记录 `#${member.id} is ${name}`。'));
    await expectLog(net, server, /^bob joined #lobby \(2 here, 1 rooms\)$/, t('"bob joined #lobby (2 here, 1 rooms)"', '"bob joined #lobby (2 here, 1 rooms)"'), t('log each join after it: log(`${name} joined #${id} (${rooms.members(id).size} here, ${rooms.size} rooms)`).', '加入之后记日志：log(`${name} joined #${id} (${rooms.members(id).size} here, ${rooms.size} rooms)`)。'));
    await expectLog(net, server, /^carol joined #games \(1 here, 2 rooms\)$/, t('"carol joined #games (1 here, 2 rooms)"', '"carol joined #games (1 here, 2 rooms)"'), t('count after the join: the member is in the room, and a new room is counted.', '在加入之后再计数：成员已在房间里，新房间也算进去了。'));
  });

  check(t('room ids follow the documented rule: anything else is bad_room, and nothing is converted', '房间 id 遵守文档里的规则：其他的一律 bad_room，也不做任何转换'), async ({ net }) => {
    const server = await serve(net);
    const client = await named(net, server, 'tester');
    const hint = t('checkRoomId() in rooms.ts: a string (typeof raw === "string": no String(raw), which turns ["lobby"] into "lobby"), at most 32 characters, matching /^[a-z0-9_-]+$/ (which also refuses the empty string). Nothing is lower-cased or trimmed: "Lobby" is refused.',
      'rooms.ts 的 checkRoomId()：必须是字符串（typeof raw === "string"；不要 String(raw)，它会把 ["lobby"] 变成 "lobby"），最多 32 个字符，匹配 /^[a-z0-9_-]+$/（它同时拒绝空字符串）。不转小写，也不去空白："Lobby" 直接拒绝。');
    const bad: [unknown, string][] = [
      ['', 'empty'], [' ', 'a space'], ['Lobby', 'a capital letter'], ['lobby ', 'a trailing space'], [' lobby', 'a leading space'], ['a b', 'a space inside'], ['lobby\n', 'a newline'],
      ['a'.repeat(33), '33 characters'], ['café', 'a letter outside a-z'], ['ｌｏｂｂｙ', 'full-width letters'], ['#lobby', 'a "#"'], ['a.b', 'a "."'], ['a/b', 'a "/"'], ['房间', 'Chinese characters'],
      [42, 'a number'], [null, 'null'], [true, 'true'], [['lobby'], 'an array holding a good id'], [{ id: 'lobby' }, 'an object'], [undefined, 'no room at all'],
    ];
    for (const [room, what] of bad) {
      join(client, room);
      await expectError(client, 'bad_room', t(`the reply to a join of a room id with ${what} (${show(room)})`, `加入房间 id 为 ${show(room)}（${what}）得到的回复`), hint);
    }
    // Each refusal says which rule the id breaks: not a string, too long, or a character outside the rule.
    for (const [room, says] of [[42, 'string'], ['a'.repeat(33), '32'], ['Lobby', 'a-z']] as const) {
      join(client, room);
      const reply = await nextMsg(client, t(`the refusal of ${show(room)}`, `${show(room)} 被拒的回复`), hint);
      if (reply.code !== 'bad_room' || !String(reply.message).includes(says)) {
        fail({ expected: t(`a bad_room whose message says which rule ${show(room)} breaks (it mentions ${show(says)})`, `一个 bad_room，它的 message 说明 ${show(room)} 违反了哪条规则（提到 ${show(says)}）`), actual: verbatim(canonical(reply)), hint: t('checkRoomId() returns { ok: false, message } with its own message for each rule: "a room id is a string", "a room id is at most 32 characters", "a room id is 1 or more of a-z, 0-9, _ and -"; join() sends checked.message.', 'checkRoomId() 对每条规则各返回自己的 { ok: false, message }："a room id is a string"、"a room id is at most 32 characters"、"a room id is 1 or more of a-z, 0-9, _ and -"；join() 发送的是 checked.message。') });
      }
    }
    for (const [room, what] of [['a'.repeat(33), '33 characters'], [['lobby'], 'an array'], ['Lobby', 'a capital letter']] as const) {
      leave(client, room);
      await expectError(client, 'bad_room', t(`the reply to a leave of ${what} (${show(room)})`, `离开 ${show(room)}（${what}）得到的回复`), t(`leave() checks the id with the same checkRoomId() as join(). ${hint}`, `leave() 和 join() 用同一个 checkRoomId() 检查 id。${hint}`));
      say(client, room, 'hi');
      await expectError(client, 'bad_room', t(`the reply to a chat in ${what} (${show(room)})`, `在 ${show(room)}（${what}）里说话得到的回复`), t(`chat() checks the id with the same checkRoomId() as join(). ${hint}`, `chat() 和 join() 用同一个 checkRoomId() 检查 id。${hint}`));
    }
    expectEqual(roomIds(server), [], t('the rooms on the server after only refused joins', '只有被拒的加入之后服务器上的房间'), t('a refused join creates nothing.', '被拒的加入不创建任何东西。'));
    const good = ['a', '0', 'a'.repeat(32), 'room-1_x', '-', '_', 'z9'];
    for (const room of good) await enter(client, room, ['tester']);
    expectEqual(roomIds(server), [...good].sort(), t('the rooms on the server', '服务器上的房间'), t(`ids of 1 to 32 of a-z, 0-9, _ and - are all good ones. ${hint}`, `由 1 到 32 个 a-z、0-9、_、- 组成的 id 都是合法的。${hint}`));
  });

  check(t('"__proto__" and "constructor" are rooms like any other', '"__proto__" 和 "constructor" 和别的房间一样'), async ({ net }) => {
    const server = await serve(net);
    const hint = t('keep rooms in a Map (new Map<string, Set<M>>()), never in a plain object: in {} the key "constructor" already holds a function (inherited from Object.prototype), and "__proto__" IS the prototype: reading it gives Object.prototype, assigning it replaces the prototype instead of adding a key.', '房间要放在 Map 里（new Map<string, Set<M>>()），不要放在普通对象里：在 {} 里，"constructor" 这个 key 本来就有一个函数（从 Object.prototype 继承来的），而 "__proto__" 就是原型本身：读它得到 Object.prototype，给它赋值会替换原型，而不是加一个 key。');
    const traps = ['__proto__', 'constructor', 'prototype', 'valueof', '__definegetter__'];
    const alice = await named(net, server, 'alice');
    const bob = await named(net, server, 'bob');
    await withoutCrash(net, t('"__proto__", "constructor" and the like as ordinary room ids', '把 "__proto__"、"constructor" 之类当作普通的房间 id'), hint, async () => {
      for (const room of traps) {
        await enter(alice, room, ['alice']);
        await enter(bob, room, ['alice', 'bob']);
        await expectMsg(alice, { type: 'member_joined', room, name: 'bob' }, t(`the "member_joined" in ${show(room)}`, `${show(room)} 里的 "member_joined"`), hint);
      }
      expectEqual(roomIds(server), [...traps].sort(), t('the rooms on the server', '服务器上的房间'), hint);
      say(alice, '__proto__', 'hi in __proto__');
      for (const client of [alice, bob]) await expectMsg(client, { type: 'chat', room: '__proto__', from: 'alice', text: 'hi in __proto__' }, t(`alice's line in __proto__, on ${client.label}`, `${client.label} 收到 alice 在 __proto__ 里说的话`), hint);
      await sync(alice, CHAT_HINT);
      for (const room of traps) {
        leave(alice, room);
        await expectMsg(alice, { type: 'left', room }, t(`the reply to alice's leave of ${show(room)}`, `alice 离开 ${show(room)} 得到的回复`), hint);
        await expectMsg(bob, { type: 'member_left', room, name: 'alice' }, t(`the "member_left" in ${show(room)}`, `${show(room)} 里的 "member_left"`), hint);
      }
      expectEqual(roomIds(server), [...traps].sort(), t('the rooms on the server while bob is still in each', 'bob 还在每个房间里时服务器上的房间'), LEAVE_HINT);
      await bob.close();
      await expectRooms(net, server, [], t('once bob left', 'bob 离开之后'), t(`${GONE_HINT} ${hint}`, `${GONE_HINT} ${hint}`), 1);
    });
  });

  check(t('a room request before hello is not_named; joining a room twice is already_in_room; leave or chat outside a room is not_in_room', '报名之前的房间请求得到 not_named；同一个房间加入两次得到 already_in_room；在不在的房间里离开或说话得到 not_in_room'), async ({ net }) => {
    const server = await serve(net);
    const watcher = await named(net, server, 'watcher');
    await enter(watcher, 'lobby', ['watcher']);
    const stranger = await net.connect(server.url, { label: t('a connection that has not said hello', '还没打招呼的连接') });
    const notNamed = t('before hello, member.user is undefined: refuse join, leave and chat with not_named (the given message handler does), and change nothing.', '打招呼之前 member.user 是 undefined：join、leave、chat 都用 not_named 拒绝（给好的消息处理函数会这样做），什么也不改变。');
    join(stranger, 'lobby');
    await expectError(stranger, 'not_named', t('the reply to a join before hello', '打招呼之前加入房间得到的回复'), notNamed);
    say(stranger, 'lobby', 'hi');
    await expectError(stranger, 'not_named', t('the reply to a chat before hello', '打招呼之前说话得到的回复'), notNamed);
    leave(stranger, 'lobby');
    await expectError(stranger, 'not_named', t('the reply to a leave before hello', '打招呼之前离开房间得到的回复'), notNamed);
    hello(stranger, 'alice');
    await expectMsg(stranger, { type: 'welcome', name: 'alice' }, t('the welcome for alice', 'alice 收到的 welcome'), notNamed);
    hello(stranger, 'alice2');
    await expectError(stranger, 'already_named', t('the reply to a second hello', '第二次打招呼得到的回复'), t('the given hello() refuses a second hello with already_named.', '给好的 hello() 会用 already_named 拒绝第二次打招呼。'));
    const alice = stranger;
    await enter(alice, 'lobby', ['alice', 'watcher']);
    join(alice, 'lobby');
    await expectError(alice, 'already_in_room', t('the reply to a second join of lobby', '第二次加入 lobby 得到的回复'), t(`a member already in the room: refuse already_in_room, and announce nothing. ${REGISTRY_HINT}`, `已经在房间里的成员：拒绝 already_in_room，不通知任何人。${REGISTRY_HINT}`));
    leave(alice, 'games');
    await expectError(alice, 'not_in_room', t('the reply to a leave of a room alice is not in', 'alice 离开一个她不在的房间得到的回复'), t('Rooms.leave() returns false when the member is not in the room (or the room does not exist): refuse not_in_room.', '成员不在房间里（或者房间不存在）时 Rooms.leave() 返回 false：拒绝 not_in_room。'));
    await expectMsg(watcher, { type: 'member_joined', room: 'lobby', name: 'alice' }, t('the watcher\'s only notice: alice joined lobby (nothing for her refused second join)', '旁观者唯一该收到的通知：alice 加入了 lobby（她被拒的第二次加入不该带来任何通知）'), t('refusals go to their sender only.', '拒绝只回复给发送者。'));
    await enter(watcher, 'games', ['watcher']);
    say(alice, 'games', 'let me in');
    await expectError(alice, 'not_in_room', t('the reply to a chat in a room alice is not in (games exists: watcher is there)', 'alice 在一个她不在的房间里说话得到的回复（games 存在：watcher 在里面）'), CHAT_HINT);
    leave(alice, 'games');
    await expectError(alice, 'not_in_room', t('the reply to a leave of games, where alice is not (but watcher is)', '离开 games 得到的回复：alice 不在里面（但 watcher 在）'), t('Rooms.leave(): room.delete(member) is false when the member is not in that room: refuse not_in_room, and leave the room alone.', 'Rooms.leave()：成员不在那个房间里时 room.delete(member) 为 false：拒绝 not_in_room，房间保持原样。'));
    for (const blank of ['', '   ', ' \t\n ']) {
      say(alice, 'lobby', blank);
      await expectError(alice, 'empty_message', t(`the reply to the chat text ${show(blank)}`, `聊天文本 ${show(blank)} 得到的回复`), t('if (text.trim() === "") refuse with empty_message, and send nothing to the room.', 'if (text.trim() === "") 就用 empty_message 拒绝，不向房间发送任何东西。'));
    }
    say(alice, 'lobby', ' hi ');
    await expectMsg(watcher, { type: 'chat', room: 'lobby', from: 'alice', text: ' hi ' }, t('alice\'s " hi " on the watcher, as sent (nothing for the refused requests before it)', '旁观者收到 alice 的 " hi "，原样（之前被拒的请求什么也不该带来）'), t('send the text as it came: only the blankness check trims it.', '文本原样发送：只有判断是否空白时才 trim。'));
    await sync(watcher, t('refusals go to their sender only.', '拒绝只回复给发送者。'));
    expectEqual(roomIds(server), ['games', 'lobby'], t('the rooms on the server', '服务器上的房间'), t('a refused request changes nothing.', '被拒的请求不改变任何东西。'));
  });

  check(t('limits: maxRoomsPerClient rooms per client and maxRooms rooms in all; one past either is refused with its code, and leaving frees the place', '上限：每个客户端最多 maxRoomsPerClient 个房间，全服务器最多 maxRooms 个房间；超过任何一个都用对应的错误码拒绝，离开后名额释放'), async ({ net }) => {
    const server = await serve(net, { maxRoomsPerClient: 3, maxRooms: 5 });
    const alice = await named(net, server, 'alice');
    const bob = await named(net, server, 'bob');
    const perClient = t('Rooms.join(): refuse too_many_rooms when the member is already in maxRoomsPerClient rooms (roomsOf(member).size >= maxRoomsPerClient): exactly that many are allowed, and leaving one frees its place.', 'Rooms.join()：成员已经在 maxRoomsPerClient 个房间里时（roomsOf(member).size >= maxRoomsPerClient）拒绝 too_many_rooms：恰好这么多是允许的，离开一个就空出一个名额。');
    for (const room of ['r1', 'r2', 'r3']) await enter(alice, room, ['alice'], t(`up to maxRoomsPerClient (3) rooms are allowed. ${perClient}`, `最多允许 maxRoomsPerClient（3）个房间。${perClient}`));
    join(alice, 'r4');
    await expectError(alice, 'too_many_rooms', t('the reply to alice\'s 4th room with maxRoomsPerClient 3', 'maxRoomsPerClient 为 3 时 alice 加入第 4 个房间得到的回复'), perClient);
    join(alice, 'r1');
    await expectError(alice, 'already_in_room', t('the reply to alice joining r1 again, at her limit', 'alice 已到上限时再次加入 r1 得到的回复'), t('check already_in_room before the limits: the member is in that room already.', '先检查 already_in_room，再检查上限：成员本来就在那个房间里。'));
    await expectLog(net, server, /^alice may not join #r4: too_many_rooms$/, t('"alice may not join #r4: too_many_rooms"', '"alice may not join #r4: too_many_rooms"'), t('log a refused join with its reason: log(`${name} may not join #${id}: ${refusal}`).', '记录被拒的加入和原因：log(`${name} may not join #${id}: ${refusal}`)。'));
    leave(alice, 'r2');
    await expectMsg(alice, { type: 'left', room: 'r2' }, t('the reply to alice\'s leave of r2', 'alice 离开 r2 得到的回复'), LEAVE_HINT);
    await enter(alice, 'r4', ['alice'], t('leaving r2 frees its place under maxRoomsPerClient: Rooms.leave() takes the id out of the member\'s own Set too (this.byMember.get(member)!.delete(id)), so roomsOf(member).size drops back to 2.', '离开 r2 就空出了 maxRoomsPerClient 下的一个名额：Rooms.leave() 也要把 id 从成员自己的 Set 里删掉（this.byMember.get(member)!.delete(id)），这样 roomsOf(member).size 才会回到 2。'));
    // The server: r1, r3, r4 exist; bob makes two more, then a sixth is one too many.
    for (const room of ['r5', 'r6']) await enter(bob, room, ['bob']);
    const perServer = t('Rooms.join(): refuse rooms_full when the room does not exist yet and maxRooms rooms do (rooms.size >= maxRooms). Joining a room that exists is always allowed, and a room that empties frees its place.', 'Rooms.join()：房间还不存在、而已经有 maxRooms 个房间时（rooms.size >= maxRooms）拒绝 rooms_full。加入已存在的房间总是允许的；房间空了，它的名额就释放了。');
    join(bob, 'r7');
    await expectError(bob, 'rooms_full', t('the reply to a sixth room with maxRooms 5', 'maxRooms 为 5 时创建第 6 个房间得到的回复'), perServer);
    await enter(bob, 'r1', ['alice', 'bob'], t(`r1 exists: joining it at maxRooms is allowed. ${perServer}`, `r1 已经存在：到了 maxRooms 也可以加入它。${perServer}`));
    await expectMsg(alice, { type: 'member_joined', room: 'r1', name: 'bob' }, t('the "member_joined" for bob in r1', 'bob 在 r1 的 "member_joined"'), perServer);
    join(bob, 'r3');
    await expectError(bob, 'too_many_rooms', t('the reply to bob\'s 4th room (an existing one) with maxRoomsPerClient 3', 'maxRoomsPerClient 为 3 时 bob 加入第 4 个房间（已存在的）得到的回复'), perClient);
    leave(bob, 'r5');
    await expectMsg(bob, { type: 'left', room: 'r5' }, t('the reply to bob\'s leave of r5', 'bob 离开 r5 得到的回复'), LEAVE_HINT);
    await enter(bob, 'r7', ['bob'], t(`r5 emptied and was deleted, so there is room for one more. ${perServer} ${LEAVE_HINT}`, `r5 空了、被删除了，所以还能再建一个房间。${perServer} ${LEAVE_HINT}`));
    expectEqual(roomIds(server), ['r1', 'r3', 'r4', 'r6', 'r7'], t('the rooms on the server', '服务器上的房间'), t(`r2 and r5 emptied and were deleted. ${LEAVE_HINT}`, `r2 和 r5 空了，已被删除。${LEAVE_HINT}`));
    join(alice, 'r8');
    await expectError(alice, 'too_many_rooms', t('the reply to alice\'s 4th room, when the server is full too', '服务器也满了时 alice 加入第 4 个房间得到的回复'), t('check the member\'s limit before the server\'s: too_many_rooms comes first.', '先检查成员自己的上限，再检查服务器的：too_many_rooms 优先。'));
    await alice.close();
    await expectMsg(bob, { type: 'member_left', room: 'r1', name: 'alice' }, t('the "member_left" for alice in r1', 'alice 在 r1 的 "member_left"'), GONE_HINT);
    await expectRooms(net, server, ['r1', 'r6', 'r7'], t('once alice left', 'alice 离开之后'), GONE_HINT, 1);
  });

  check(t('the default limits are 10 rooms per client and 1000 rooms', '默认上限是每个客户端 10 个房间、全服务器 1000 个房间'), async ({ net }) => {
    const server = await serve(net);
    const hint = t('the defaults: maxRoomsPerClient = DEFAULT_MAX_ROOMS_PER_CLIENT (10) and maxRooms = DEFAULT_MAX_ROOMS (1000), passed to new Rooms({ maxRooms, maxRoomsPerClient }).', '默认值：maxRoomsPerClient = DEFAULT_MAX_ROOMS_PER_CLIENT（10），maxRooms = DEFAULT_MAX_ROOMS（1000），传给 new Rooms({ maxRooms, maxRoomsPerClient })。');
    const clients: Endpoint[] = [];
    for (let c = 0; c < 100; c += 1) {
      const client = await named(net, server, `c${c}`);
      clients.push(client);
      for (let r = 0; r < 10; r += 1) join(client, `room-${c}-${r}`);
      for (let r = 0; r < 10; r += 1) await expectMsg(client, { type: 'joined', room: `room-${c}-${r}`, members: [`c${c}`] }, t(`the reply to c${c}'s room ${r + 1} of 10`, `c${c} 加入第 ${r + 1} 个房间（共 10 个）得到的回复`), hint);
      if (c === 0) {
        join(client, 'one-too-many');
        await expectError(client, 'too_many_rooms', t('the reply to an 11th room', '加入第 11 个房间得到的回复'), hint);
      }
    }
    expectEqual(roomServer(server).rooms.size, 1000, t('rooms.size (how many rooms exist)', 'rooms.size（现有房间数）'), hint);
    const last = await named(net, server, 'last');
    join(last, 'room-1001');
    await expectError(last, 'rooms_full', t('the reply to room 1001', '创建第 1001 个房间得到的回复'), hint);
    await enter(last, 'room-0-0', ['c0', 'last']);
  }, 60_000);
});

describe('messages', () => {
  check(t('messages never cross rooms: a chat reaches exactly its room\'s members, the sender too, with the room and the sender\'s name', '消息从不串房间：一句话恰好发给它所在房间的成员（包括发送者），带着房间和发送者的名字'), async ({ net }) => {
    const server = await serve(net);
    const alice = await named(net, server, 'alice');
    const bob = await named(net, server, 'bob');
    const carol = await named(net, server, 'carol');
    const dave = await named(net, server, 'dave');
    const nobody = await named(net, server, 'nobody');
    await enter(alice, 'red', ['alice']);
    await enter(bob, 'red', ['alice', 'bob']);
    await enter(carol, 'blue', ['carol']);
    await enter(bob, 'blue', ['bob', 'carol']);
    await enter(dave, 'green', ['dave']);
    await expectMsg(alice, { type: 'member_joined', room: 'red', name: 'bob' }, t('the "member_joined" for bob in red', 'bob 在 red 的 "member_joined"'), JOIN_HINT);
    await expectMsg(carol, { type: 'member_joined', room: 'blue', name: 'bob' }, t('the "member_joined" for bob in blue', 'bob 在 blue 的 "member_joined"'), JOIN_HINT);
    const lines: [Endpoint, string, string, string][] = [[alice, 'alice', 'red', 'hi red'], [carol, 'carol', 'blue', 'hi blue'], [bob, 'bob', 'red', 'bob in red'], [bob, 'bob', 'blue', 'bob in blue'], [dave, 'dave', 'green', 'anyone?']];
    const inRoom: Record<string, Endpoint[]> = { red: [alice, bob], blue: [carol, bob], green: [dave] };
    for (const [sender, from, room, text] of lines) {
      // Claims to be someone else, and names another room in a field the server must not read.
      sender.send(JSON.stringify({ type: 'chat', room, text, from: 'mallory', to: 'everyone' }));
      for (const member of inRoom[room]!) {
        await expectMsg(member, { type: 'chat', room, from, text }, t(`${show(text)} (said in ${room}) on ${member.label}`, `${member.label} 收到 ${show(text)}（在 ${room} 里说的）`), CHAT_HINT);
      }
    }
    const nobodyHint = t(`a client gets a room's messages only while it is in that room. ${CHAT_HINT}`, `客户端只有在房间里时才收到那个房间的消息。${CHAT_HINT}`);
    for (const client of [alice, bob, carol, dave]) await sync(client, nobodyHint);
    await sync(nobody, nobodyHint);
    const lurker = await net.connect(server.url, { label: t('a connection that never said hello', '从没打招呼的连接') });
    say(lurker, 'red', 'hi');
    await expectError(lurker, 'not_named', t('the lurker\'s first message: the refusal of its own chat (nothing from the rooms before it)', '潜水者收到的第一条消息：它自己说话被拒（在这之前不该收到任何房间的消息）'), nobodyHint);
    await expectLog(net, server, /^#red alice: hi red$/, t('"#red alice: hi red"', '"#red alice: hi red"'), t('log each line with its room and sender: log(`#${id} ${name}: ${printable(text, 80)}`).', '每句话连同房间和发送者记日志：log(`#${id} ${name}: ${printable(text, 80)}`)。'));
    say(alice, 'red', 'line one\nbob: forged');
    await expectMsg(bob, { type: 'chat', room: 'red', from: 'alice', text: 'line one\nbob: forged' }, t('the two-line message', '那条两行的消息'), CHAT_HINT);
    await expectLog(net, server, /^#red alice: line one\\nbob: forged$/, t('with the newline escaped: "#red alice: line one\\nbob: forged"', '换行被转义："#red alice: line one\\nbob: forged"'), t('log the text with printable(text, 80): a newline must not forge a log line.', '用 printable(text, 80) 记录文本：换行不能伪造一行日志。'));
    say(alice, 'red', `long ${'q'.repeat(200)}`);
    await expectMsg(bob, { type: 'chat', room: 'red', from: 'alice', text: `long ${'q'.repeat(200)}` }, t('the long message', '那条长消息'), CHAT_HINT);
    await expectLog(net, server, new RegExp(`^#red alice: long ${'q'.repeat(75)}…$`), t('cut to 80 characters and "…"', '截到 80 个字符再加 "…"'), t('printable(text, 80) cuts long text.', 'printable(text, 80) 会截断长文本。'));
  });

  check(t('a client in two rooms gets each message once per room, in order per sender', '同在两个房间的客户端，每个房间的每条消息恰好收到一次，同一发送者的消息保持顺序'), async ({ net }) => {
    const server = await serve(net);
    const both = await named(net, server, 'both');
    const redOnly = await named(net, server, 'red-only');
    const blueOnly = await named(net, server, 'blue-only');
    const busy = await named(net, server, 'busy');
    await enter(both, 'red', ['both']);
    await enter(both, 'blue', ['both']);
    await enter(redOnly, 'red', ['both', 'red-only']);
    await enter(blueOnly, 'blue', ['blue-only', 'both']);
    await enter(busy, 'red', ['both', 'busy', 'red-only']);
    await enter(busy, 'blue', ['blue-only', 'both', 'busy']);
    for (const [client, notices] of [[both, 4], [redOnly, 1], [blueOnly, 1]] as const) {
      for (let i = 0; i < notices; i += 1) await nextMsg(client, t(`the "member_joined" notices on ${client.label}`, `${client.label} 收到的 "member_joined" 通知`), JOIN_HINT);
    }
    const count = 100;
    // Sent without waiting: the three senders' lines interleave on the server.
    for (let i = 0; i < count; i += 1) {
      say(redOnly, 'red', `r${i}`);
      say(blueOnly, 'blue', `b${i}`);
      say(busy, 'red', `x${i}`);
      say(busy, 'blue', `x${i}`);
    }
    const hint = t('send each chat once, to the members of its room: toRoom(id, …) over rooms.members(id). A member of two rooms gets a message once for the room it was said in, never for each room it shares with the sender, and never reordered: deliver() sends at once, in the order the messages came.',
      '每句话只发一次，发给它所在房间的成员：在 rooms.members(id) 上 toRoom(id, …)。同在两个房间的成员，对一句话只在它被说出的那个房间收到一次——不是和发送者共有的每个房间各一次——而且顺序不变：deliver() 立即发送，按消息到达的顺序。');
    const got = new Map<string, string[]>();
    for (let i = 0; i < count * 4; i += 1) {
      const message = await nextMsg(both, t(`message ${i + 1} of ${count * 4} on both`, `both 收到的第 ${i + 1} 条消息（共 ${count * 4} 条）`), hint, 10_000);
      if (message.type !== 'chat') fail({ expected: t('only chat messages', '只有聊天消息'), actual: verbatim(canonical(message)), hint });
      const key = `${String(message.room)} from ${String(message.from)}`;
      got.set(key, [...(got.get(key) ?? []), String(message.text)]);
    }
    const expected = new Map<string, string[]>([
      ['red from red-only', Array.from({ length: count }, (_, i) => `r${i}`)],
      ['blue from blue-only', Array.from({ length: count }, (_, i) => `b${i}`)],
      ['red from busy', Array.from({ length: count }, (_, i) => `x${i}`)],
      ['blue from busy', Array.from({ length: count }, (_, i) => `x${i}`)],
    ]);
    for (const [key, texts] of expected) {
      const actual = got.get(key) ?? [];
      if (canonical(actual) !== canonical(texts)) {
        fail({ expected: t(`${count} lines in ${key}, in the order sent: ${texts.slice(0, 4).join(', ')} …`, `${key}：${count} 句，按发送顺序：${texts.slice(0, 4).join(', ')} …`), actual: t(`${actual.length} lines: ${actual.slice(0, 6).join(', ')}${actual.length > 6 ? ' …' : ''}`, `${actual.length} 句：${actual.slice(0, 6).join(', ')}${actual.length > 6 ? ' …' : ''}`), hint });
      }
    }
    await sync(both, hint);
    for (const [client, room, others] of [[redOnly, 'red', ['red-only', 'busy']], [blueOnly, 'blue', ['blue-only', 'busy']]] as const) {
      const texts: string[] = [];
      for (let i = 0; i < count * 2; i += 1) {
        const message = await nextMsg(client, t(`message ${i + 1} of ${count * 2} on ${client.label}`, `${client.label} 收到的第 ${i + 1} 条消息（共 ${count * 2} 条）`), hint, 10_000);
        if (message.room !== room || !(others as readonly string[]).includes(String(message.from))) fail({ expected: t(`only lines said in ${room}`, `只有在 ${room} 里说的话`), actual: verbatim(canonical(message)), hint });
        texts.push(String(message.text));
      }
      await sync(client, hint);
    }
  }, 60_000);
});

describe('leaving', () => {
  check(t('leave takes a client out of one room; the room\'s others get "member_left"; the last one out deletes the room', 'leave 让客户端离开一个房间；房间里的其他人收到 "member_left"；最后一个人离开时房间被删除'), async ({ net }) => {
    const server = await serve(net);
    const alice = await named(net, server, 'alice');
    const bob = await named(net, server, 'bob');
    await enter(alice, 'lobby', ['alice']);
    await enter(alice, 'games', ['alice']);
    await enter(bob, 'lobby', ['alice', 'bob']);
    await expectMsg(alice, { type: 'member_joined', room: 'lobby', name: 'bob' }, t('the "member_joined" for bob', 'bob 的 "member_joined"'), JOIN_HINT);
    leave(alice, 'lobby');
    await expectMsg(alice, { type: 'left', room: 'lobby' }, t('the reply to alice\'s leave of lobby', 'alice 离开 lobby 得到的回复'), LEAVE_HINT);
    await expectMsg(bob, { type: 'member_left', room: 'lobby', name: 'alice' }, t('the "member_left" for alice, on bob', 'bob 收到 alice 的 "member_left"'), LEAVE_HINT);
    await expectLog(net, server, /^alice left #lobby \(1 here, 2 rooms\)$/, t('"alice left #lobby (1 here, 2 rooms)"', '"alice left #lobby (1 here, 2 rooms)"'), t('log each leave after it: log(`${name} left #${id} (${rooms.members(id).size} here, ${rooms.size} rooms)`).', '离开之后记日志：log(`${name} left #${id} (${rooms.members(id).size} here, ${rooms.size} rooms)`)。'));
    expectEqual(roomIds(server), ['games', 'lobby'], t('the rooms while bob is still in lobby', 'bob 还在 lobby 时的房间'), t('delete a room only once its last member left: if (room.size === 0) rooms.delete(id).', '只有最后一个成员离开时才删除房间：if (room.size === 0) rooms.delete(id)。'));
    say(bob, 'lobby', 'just me');
    await expectMsg(bob, { type: 'chat', room: 'lobby', from: 'bob', text: 'just me' }, t('bob\'s line in lobby', 'bob 在 lobby 说的话'), CHAT_HINT);
    say(alice, 'lobby', 'am I out?');
    await expectError(alice, 'not_in_room', t('the reply to alice speaking in lobby after leaving it (and nothing from lobby before it)', 'alice 离开 lobby 之后在那里说话得到的回复（在这之前不该收到 lobby 的任何消息）'), LEAVE_HINT);
    leave(bob, 'lobby');
    await expectMsg(bob, { type: 'left', room: 'lobby' }, t('the reply to bob\'s leave of lobby', 'bob 离开 lobby 得到的回复'), LEAVE_HINT);
    await expectLog(net, server, /^bob left #lobby \(0 here, 1 rooms\)$/, t('"bob left #lobby (0 here, 1 rooms)"', '"bob left #lobby (0 here, 1 rooms)"'), LEAVE_HINT);
    expectEqual(roomIds(server), ['games'], t('the rooms once lobby\'s last member left', 'lobby 最后一个成员离开之后的房间'), LEAVE_HINT);
    // Leaving frees the member's own slot too: it may join the same room again.
    await enter(alice, 'lobby', ['alice']);
    leave(alice, 'lobby');
    await expectMsg(alice, { type: 'left', room: 'lobby' }, t('the reply to alice\'s second leave of lobby', 'alice 第二次离开 lobby 得到的回复'), LEAVE_HINT);
    leave(alice, 'games');
    await expectMsg(alice, { type: 'left', room: 'games' }, t('the reply to alice\'s leave of games', 'alice 离开 games 得到的回复'), LEAVE_HINT);
    expectEqual({ rooms: roomServer(server).rooms.size, members: roomServer(server).rooms.memberCount }, { rooms: 0, members: 0 }, t('rooms.size and rooms.memberCount once nobody is in a room', '没人在任何房间里时的 rooms.size 和 rooms.memberCount'), t('Rooms.leave(): also delete the member\'s entry once its own Set of rooms is empty: byMember.delete(member).', 'Rooms.leave()：成员自己的房间 Set 空了，也要删掉它的条目：byMember.delete(member)。'));
    await sync(bob, LEAVE_HINT);
  });

  check(t('a connection that ends, however it ends, leaves every room at once, and its name is free', '连接无论怎样结束，都立即离开所有房间，名字也被释放'), async ({ net }) => {
    const server = await serve(net);
    const watcher = await named(net, server, 'watcher');
    await enter(watcher, 'one', ['watcher']);
    await enter(watcher, 'two', ['watcher']);
    const ways: { how: string; end: (client: Endpoint) => void; code?: number }[] = [
      { how: 'closes cleanly (1000)', end: (client) => { client.ws.close(1000, 'bye'); } },
      { how: 'closes going away (1001)', end: (client) => { client.ws.close(1001); } },
      { how: 'closes with an application code (4000)', end: (client) => { client.ws.close(4000, 'done'); } },
      { how: 'drops the TCP connection (terminate)', end: (client) => client.terminate() },
      { how: 'sends an unmasked frame (the server closes 1002)', code: 1002, end: (client) => { tcpSocket(client.ws).write(Buffer.from([0x81, 0x02, 0x68, 0x69])); } },
      { how: 'sends text that is not UTF-8 (the server closes 1007)', code: 1007, end: (client) => client.ws.send(Buffer.from([0x68, 0xff, 0xfe]), { binary: false }) },
      { how: 'sends a message one byte over 16 KiB (the server closes 1009)', code: 1009, end: (client) => say(client, 'one', 'x'.repeat(MAX_MESSAGE_BYTES)) },
    ];
    const spellings = ['Vic', 'vic', 'VIC', 'Ｖｉｃ'];
    await survives(net, t('broken and oversize frames', '坏帧和超大消息'), NO_ERROR_LISTENER_HINT, async () => {
      for (const [i, { how, end, code }] of ways.entries()) {
        const name = spellings[i % spellings.length]!;
        const shown = name.normalize('NFKC');
        const victim = await named(net, server, name, { shown, label: `${shown}, who ${how}` });
        await enter(victim, 'one', [shown, 'watcher'].sort());
        await enter(victim, 'alone', [shown]);
        await enter(victim, 'two', [shown, 'watcher'].sort());
        for (const room of ['one', 'two']) await expectMsg(watcher, { type: 'member_joined', room, name: shown }, t(`the "member_joined" for ${shown} in ${room} (round ${i + 1})`, `${shown} 在 ${room} 的 "member_joined"（第 ${i + 1} 轮）`), t(`the name must be free again as soon as the previous holder left: ${GONE_HINT}`, `上一个持有者一离开，名字就必须立即可用：${GONE_HINT}`));
        end(victim);
        const notices = [await nextMsg(watcher, t(`a "member_left" for ${shown}, who ${how}`, `${shown}（${how}）的 "member_left"`), GONE_HINT), await nextMsg(watcher, t(`the second "member_left" for ${shown}, who ${how}`, `${shown}（${how}）的第二条 "member_left"`), GONE_HINT)];
        const sorted = notices.map(canonical).sort();
        const want = ['one', 'two'].map((room) => canonical({ type: 'member_left', room, name: shown }));
        if (canonical(sorted) !== canonical(want)) fail({ expected: t(`one "member_left" for ${shown} in each room the watcher shares with it: ${want.join(' and ')}`, `watcher 和 ${shown} 共有的每个房间各一条 "member_left"：${want.join(' 和 ')}`), actual: t(notices.map(canonical).join(' and '), notices.map(canonical).join(' 和 ')), hint: GONE_HINT });
        await expectRooms(net, server, ['one', 'two'], t(`once ${shown} (who ${how}) is gone`, `${shown}（${how}）离开之后`), t(`"alone" had only ${shown} in it: rooms.leaveAll() takes the member out of every room, and each room left empty is deleted. ${GONE_HINT}`, `"alone" 里只有 ${shown}：rooms.leaveAll() 让成员离开所有房间，空了的房间都要删除。${GONE_HINT}`), 1);
        if (code !== undefined) {
          const closed = await victim.waitClosed();
          expectEqual(closed.code, code, t(`the close code when a client ${how}`, `客户端${how}时的关闭码`), code === 1009 ? t('create the server with maxPayload: MAX_MESSAGE_BYTES (16 KiB): ws refuses a larger message with 1009.', '创建服务器时传 maxPayload: MAX_MESSAGE_BYTES（16 KiB）：更大的消息 ws 会以 1009 拒绝。') : NO_ERROR_LISTENER_HINT);
        }
      }
    });
    await expectLog(net, server, /#\d+ error: /, t('for a broken frame, like "#6 error: …"', '记录坏帧，比如 "#6 error: …"'), t('log in the socket\'s "error" listener: log(`#${member.id} error: ${printable(error.message)}`).', '在 socket 的 "error" 监听器里记日志：log(`#${member.id} error: ${printable(error.message)}`)。'));
    await expectLog(net, server, /^#2 Vic is gone \(left 3 rooms, 2 remain\)$/, t('"#2 Vic is gone (left 3 rooms, 2 remain)"', '"#2 Vic is gone (left 3 rooms, 2 remain)"'), t('log each departure after leaving every room: log(`#${member.id} ${name} is gone (left ${left.length} rooms, ${rooms.size} remain)`).', '离开所有房间之后记录：log(`#${member.id} ${name} is gone (left ${left.length} rooms, ${rooms.size} remain)`)。'));
    await sync(watcher, t(`send one "member_left" per room per leaver: ${GONE_HINT}`, `每个离开者在每个房间只发一次 "member_left"：${GONE_HINT}`));
    const { names, members, rooms } = roomServer(server);
    expectEqual([...names.keys()], ['watcher'], t('the keys in server.names after everyone but the watcher left', '除了旁观者都离开之后 server.names 里的 key'), GONE_HINT);
    expectEqual(rooms.memberCount, 1, t('rooms.memberCount (members in at least one room)', 'rooms.memberCount（至少在一个房间里的成员数）'), GONE_HINT);
    await net.waitUntil(() => members.size === 1, WAIT_MS, () => ({ expected: t('server.members to hold only the watcher', 'server.members 里只剩旁观者'), actual: verbatim(`${members.size}`), hint: t('remove the connection from members in its "close" listener, named or not.', '在 "close" 监听器里把连接从 members 删除，不论它是否打过招呼。') }));
  }, 90_000);

  check(t('after 10,000 join and leave cycles, and after every client left, the room map is empty', '加入、离开 10,000 次之后，以及所有客户端离开之后，房间表是空的'), async ({ net }) => {
    const server = await serve(net);
    const { rooms } = roomServer(server);
    const alice = await named(net, server, 'alice');
    const bob = await named(net, server, 'bob');
    const hint = t(`every room is deleted when its last member leaves, whatever the id, so the map never grows with empty rooms (with maxRooms 1000, a leak soon refuses new rooms with rooms_full). ${LEAVE_HINT}`, `每个房间在最后一个成员离开时都要删除，不论 id 是什么，这样表就不会因为空房间而增长（maxRooms 是 1000，一泄漏很快就会用 rooms_full 拒绝新房间）。${LEAVE_HINT}`);
    const cycles = 10_000;
    const batch = 500;
    // alice alone in a fresh room each time, as fast as she can: the join and the leave pipelined.
    for (let start = 0; start < cycles; start += batch) {
      for (let i = start; i < start + batch; i += 1) {
        join(alice, `c${i}`);
        leave(alice, `c${i}`);
      }
      for (let i = start; i < start + batch; i += 1) {
        const room = `c${i}`;
        await expectMsg(alice, { type: 'joined', room, members: ['alice'] }, t(`the reply to alice's join of ${room} (cycle ${i + 1})`, `alice 加入 ${room} 得到的回复（第 ${i + 1} 次）`), hint, 10_000);
        await expectMsg(alice, { type: 'left', room }, t(`the reply to alice's leave of ${room} (cycle ${i + 1})`, `alice 离开 ${room} 得到的回复（第 ${i + 1} 次）`), hint, 10_000);
      }
      if (rooms.size !== 0) fail({ expected: t(`no rooms after ${start + batch} cycles, each ending with the last member's leave`, `${start + batch} 次循环之后一个房间也没有（每次都以最后一个成员离开结束）`), actual: t(`rooms.size is ${rooms.size}`, `rooms.size 是 ${rooms.size}`), hint });
    }
    // Two members: the room stays while one is in it, and goes with the second.
    for (let i = 0; i < 50; i += 1) {
      const room = `pair-${i % 5}`;
      await enter(alice, room, ['alice']);
      await enter(bob, room, ['alice', 'bob']);
      await expectMsg(alice, { type: 'member_joined', room, name: 'bob' }, t(`the "member_joined" for bob in ${room}`, `bob 在 ${room} 的 "member_joined"`), hint);
      const [first, second, firstName] = i % 2 === 0 ? [alice, bob, 'alice'] : [bob, alice, 'bob'];
      leave(first, room);
      await expectMsg(first, { type: 'left', room }, t(`the reply to ${firstName}'s leave of ${room}`, `${firstName} 离开 ${room} 得到的回复`), hint);
      await expectMsg(second, { type: 'member_left', room, name: firstName }, t(`the "member_left" for ${firstName} in ${room}`, `${firstName} 在 ${room} 的 "member_left"`), hint);
      expectEqual(roomIds(server), [room], t(`the rooms while one member is still in ${room}`, `${room} 里还剩一个成员时的房间`), hint);
      leave(second, room);
      await expectMsg(second, { type: 'left', room }, t(`the reply to the second leave of ${room}`, `第二个人离开 ${room} 得到的回复`), hint);
      expectEqual(roomIds(server), [], t(`the rooms once both left ${room}`, `两个人都离开 ${room} 之后的房间`), hint);
    }
    for (const room of ['lobby', 'games']) {
      await enter(alice, room, ['alice']);
      await enter(bob, room, ['alice', 'bob']);
      await expectMsg(alice, { type: 'member_joined', room, name: 'bob' }, t(`the "member_joined" for bob in ${room}`, `bob 在 ${room} 的 "member_joined"`), JOIN_HINT);
    }
    expectEqual(rooms.size, 2, t('rooms.size with two rooms in use', '用着两个房间时的 rooms.size'), hint);
    alice.terminate();
    await bob.close();
    await expectRooms(net, server, [], t('once every client left', '所有客户端离开之后'), GONE_HINT, 0);
    expectEqual(rooms.memberCount, 0, t('rooms.memberCount once every client left', '所有客户端离开之后的 rooms.memberCount'), GONE_HINT);
  }, 120_000);

  check(t('a member that stops answering pings is dropped within two heartbeats and leaves its rooms', '不再回应 ping 的成员在两个心跳周期内被断开，并离开它的所有房间'), async ({ net }) => {
    const clock = new FakeClock();
    const heartbeatMs = 1000;
    const server = await serve(net, { timers: clock, heartbeatMs, helloTimeoutMs: 1e9 });
    const watcher = await named(net, server, 'watcher');
    await enter(watcher, 'lobby', ['watcher']);
    const mute = await net.connect(server.url, { label: t('mute (never answers a ping)', 'mute（从不回应 ping）'), autoPong: false });
    hello(mute, 'mute');
    await expectMsg(mute, { type: 'welcome', name: 'mute' }, t('the welcome for mute', 'mute 收到的 welcome'), JOIN_HINT);
    await enter(mute, 'lobby', ['mute', 'watcher']);
    await enter(mute, 'quiet', ['mute']);
    await expectMsg(watcher, { type: 'member_joined', room: 'lobby', name: 'mute' }, t('the "member_joined" for mute', 'mute 的 "member_joined"'), JOIN_HINT);
    const [watcherOnServer, muteOnServer] = server.connections;
    if (!watcherOnServer || !muteOnServer) throw new Error('harness: expected two server-side sockets');
    let pongs = 0;
    watcherOnServer.on('pong', () => { pongs += 1; });
    mute.ws.pong(Buffer.from('unasked'));
    say(mute, 'lobby', 'a pong for nothing');
    await expectMsg(mute, { type: 'chat', room: 'lobby', from: 'mute', text: 'a pong for nothing' }, t('mute\'s line after a pong nobody asked for', 'mute 发出一个没人要的 pong 之后说的话'), t('compare a pong with the token only if there is one: member.pingToken?.equals(data).', '只有存在令牌时才拿 pong 和它比较：member.pingToken?.equals(data)。'));
    await expectMsg(watcher, { type: 'chat', room: 'lobby', from: 'mute', text: 'a pong for nothing' }, t('mute\'s line on the watcher', '旁观者收到 mute 的话'), CHAT_HINT);
    const hint = t('the heartbeat (given): one timers.setInterval(…, heartbeatMs). Each tick, terminate() a member whose alive is still false; set alive = false, pingToken = randomBytes(8) and ping(pingToken) for the others. terminate() fires "close", and disconnect() takes the member out of its rooms.',
      '心跳（给好的）：一个 timers.setInterval(…, heartbeatMs)。每次触发时，alive 仍为 false 的成员 terminate()；其余的设 alive = false、pingToken = randomBytes(8)，再 ping(pingToken)。terminate() 会触发 "close"，disconnect() 让成员离开它的房间。');
    for (let beat = 1; beat <= 2; beat += 1) {
      mute.ws.pong(Buffer.from('not your token'));
      clock.tick(heartbeatMs);
      if (beat === 1) {
        await net.waitUntil(() => pongs === 1, WAIT_MS, () => ({ expected: t('the server to ping every heartbeatMs (the watcher answers)', '服务器每 heartbeatMs 发一次 ping（旁观者会回应）'), actual: t(`${pongs} pongs from the watcher`, `旁观者回了 ${pongs} 个 pong`), hint }));
        say(mute, 'lobby', 'still here');
        for (const client of [mute, watcher]) await expectMsg(client, { type: 'chat', room: 'lobby', from: 'mute', text: 'still here' }, t(`mute's line on ${client.label}, one heartbeat after its last pong`, `${client.label} 收到 mute 的话（它上次回 pong 之后一个心跳周期）`), t('a member is dropped only after a whole interval without its pong.', '成员要整整一个周期都没有回 pong 才会被断开。'));
      }
    }
    await expectMsg(watcher, { type: 'member_left', room: 'lobby', name: 'mute' }, t('the "member_left" for mute, two heartbeats after it stopped answering', 'mute 停止回应两个心跳周期之后的 "member_left"'), t(`${hint} ${GONE_HINT}`, `${hint} ${GONE_HINT}`));
    const closed = await mute.waitClosed();
    expectEqual(closed.code, 1006, t('the close code mute sees', 'mute 看到的关闭码'), t('terminate() a silent member: a close frame would wait for an answer that never comes.', '对沉默的成员用 terminate()：关闭帧会一直等一个不会来的回应。'));
    await expectRooms(net, server, ['lobby'], t('once mute was dropped', 'mute 被断开之后'), GONE_HINT, 1);
    await expectLog(net, server, /#2 did not answer the last ping/, t('"#2 did not answer the last ping: terminating"', '"#2 did not answer the last ping: terminating"'), hint);
    const again = await named(net, server, 'MUTE');
    await enter(again, 'quiet', ['MUTE']);
    for (let beat = 0; beat < 3; beat += 1) {
      const before = pongs;
      clock.tick(heartbeatMs);
      await net.waitUntil(() => pongs > before, WAIT_MS, () => ({ expected: t('the watcher to answer each ping', '旁观者回应每个 ping'), actual: t('no pong', '没有 pong'), hint }));
    }
    await sync(watcher, t('a member that answers every ping with its token stays connected.', '每次都用令牌回应 ping 的成员一直保持连接。'));
    for (const client of server.wss.clients) client.terminate();
    await new Promise<void>((resolve) => server.wss.close(() => resolve()));
    expectEqual(clock.pending, 0, t('timers left on the clock after the server closed', '服务器关闭之后时钟上剩下的定时器'), t('stop the heartbeat when the server closes: wss.on("close", () => timers.clearInterval(heartbeat)).', '服务器关闭时停掉心跳：wss.on("close", () => timers.clearInterval(heartbeat))。'));
  });

  check(t('a connection that never says hello is closed with 4000 after helloTimeoutMs; failed hellos do not extend it; one that said hello stays', '一直不打招呼的连接在 helloTimeoutMs 之后以 4000 关闭；失败的招呼不会延长期限；打过招呼的连接保持'), async ({ net }) => {
    const clock = new FakeClock();
    const helloTimeoutMs = 5000;
    const server = await serve(net, { timers: clock, helloTimeoutMs, heartbeatMs: 1e9 });
    const silent = await net.connect(server.url, { label: t('a connection that never sends anything', '什么都不发的连接') });
    const trier = await net.connect(server.url, { label: t('a connection whose hellos all fail', '打招呼总是失败的连接') });
    const member = await named(net, server, 'member');
    await enter(member, 'lobby', ['member']);
    const hint = t('given: in the "connection" handler, timers.setTimeout(() => socket.close(HELLO_TIMEOUT_CODE, "hello timeout …"), helloTimeoutMs), cleared in hello() once the name is taken, and in "close".',
      '给好的部分：在 "connection" 处理函数里 timers.setTimeout(() => socket.close(HELLO_TIMEOUT_CODE, "hello timeout …"), helloTimeoutMs)，在 hello() 占到名字之后、以及在 "close" 里清掉。');
    for (let i = 0; i < 4; i += 1) {
      clock.tick(1000);
      hello(trier, i % 2 === 0 ? 'member' : '');
      await expectError(trier, i % 2 === 0 ? 'name_taken' : 'bad_name', t(`the reply to failed hello ${i + 1}`, `第 ${i + 1} 次失败的招呼得到的回复`), hint);
    }
    clock.tick(999);
    const [silentOnServer] = server.connections;
    if (!silentOnServer) throw new Error('harness: expected the server-side sockets');
    if (silentOnServer.readyState !== WebSocket.OPEN) fail({ expected: t('a connection to stay open until helloTimeoutMs has passed', '连接在 helloTimeoutMs 到期之前保持打开'), actual: t(`it was closed ${clock.now} ms after it opened`, `它在打开 ${clock.now} ms 后就被关闭了`), hint });
    clock.tick(1);
    for (const [client, what] of [[silent, 'the connection that never sent anything'], [trier, 'the connection that tried and failed to say hello']] as const) {
      const closed = await client.waitClosed({ hint, waitingFor: t(`${what} to be closed at helloTimeoutMs`, `${what}在 helloTimeoutMs 时被关闭`) });
      expectEqual(closed.code, HELLO_TIMEOUT_CODE, t(`the close code for ${what}`, `${what}的关闭码`), hint);
      if (closed.reason.trim() === '') fail({ expected: t('a close reason that says why', '说明原因的关闭 reason'), actual: t('an empty reason', '空的 reason'), hint });
    }
    await expectLog(net, server, /#1 did not say hello within 5000 ms/, t('"#1 did not say hello within 5000 ms: closing it"', '"#1 did not say hello within 5000 ms: closing it"'), hint);
    clock.tick(60_000);
    say(member, 'lobby', 'still here');
    await expectMsg(member, { type: 'chat', room: 'lobby', from: 'member', text: 'still here' }, t('the member\'s line, long after the deadline', '期限过去很久之后成员说的话'), t('hello() clears the deadline once the name is taken: a member is never closed for it.', '占到名字之后 hello() 会清掉期限：已报名的成员绝不会因此被关闭。'));
    const early = await net.connect(server.url, { label: t('a connection that leaves before its deadline', '在期限之前离开的连接') });
    await early.close();
    await net.waitUntil(() => roomServer(server).members.size === 1, WAIT_MS, () => ({ expected: t('the server to see the early leaver go', '服务器看到提前离开的连接走了'), actual: t(`${roomServer(server).members.size} members`, `${roomServer(server).members.size} 个成员`), hint: GONE_HINT }));
    expectEqual(clock.pending, 1, t('timers pending on the clock (the heartbeat only)', '时钟上待触发的定时器数（应该只有心跳）'), t('keep timers.clearTimeout(deadline) in the "close" listener: a timer per departed connection is a leak.', '在 "close" 监听器里保留 timers.clearTimeout(deadline)：每个离开的连接留下一个定时器，就是泄漏。'));
  });

  check(t('without the timers option, the deadline and the heartbeat run on Node\'s timers, and closing the server stops the heartbeat', '不传 timers 选项时，期限和心跳用 Node 自己的定时器运行，关闭服务器会停掉心跳'), async ({ net }) => {
    // Node's own timers, watched: the ones started for these two delays (values nothing else uses)
    // run on a fake clock; every other timer (ws's, the harness's) stays real.
    const helloTimeoutMs = 7777;
    const heartbeatMs = 8888;
    const clock = new FakeClock();
    const fake = new Set<unknown>();
    const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, setInterval: globalThis.setInterval, clearInterval: globalThis.clearInterval };
    const watched = (ms: unknown, callback: () => void, interval: boolean): unknown => {
      const handle = interval ? clock.setInterval(callback, ms as number) : clock.setTimeout(callback, ms as number);
      fake.add(handle);
      return handle;
    };
    globalThis.setTimeout = ((callback: () => void, ms?: number, ...args: unknown[]) => (ms === helloTimeoutMs ? watched(ms, callback, false) : (real.setTimeout as (...all: unknown[]) => unknown)(callback, ms, ...args))) as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((handle?: NodeJS.Timeout) => (fake.has(handle) ? clock.clearTimeout(handle as unknown as number) : real.clearTimeout(handle))) as typeof clearTimeout;
    globalThis.setInterval = ((callback: () => void, ms?: number, ...args: unknown[]) => (ms === heartbeatMs ? watched(ms, callback, true) : (real.setInterval as (...all: unknown[]) => unknown)(callback, ms, ...args))) as unknown as typeof setInterval;
    globalThis.clearInterval = ((handle?: NodeJS.Timeout) => (fake.has(handle) ? clock.clearInterval(handle as unknown as number) : real.clearInterval(handle))) as typeof clearInterval;
    try {
      const server = await serve(net, { helloTimeoutMs, heartbeatMs });
      const lurker = await net.connect(server.url, { label: t('a connection that never says hello', '一直不打招呼的连接') });
      const member = await named(net, server, 'member');
      await enter(member, 'lobby', ['member']);
      const mute = await net.connect(server.url, { label: t('mute (never answers a ping)', 'mute（从不回应 ping）'), autoPong: false });
      hello(mute, 'mute');
      await expectMsg(mute, { type: 'welcome', name: 'mute' }, t('the welcome for mute', 'mute 收到的 welcome'), JOIN_HINT);
      await enter(mute, 'lobby', ['member', 'mute']);
      await expectMsg(member, { type: 'member_joined', room: 'lobby', name: 'mute' }, t('the "member_joined" for mute', 'mute 的 "member_joined"'), JOIN_HINT);
      const hint = t('the default timers option is Node\'s own (given): { setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle), setInterval: …, clearInterval: … }; every timer of the server goes through it.',
        'timers 选项的默认值就是 Node 自己的定时器（给好的）：{ setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle), setInterval: …, clearInterval: … }；服务器的每个定时器都经过它。');
      clock.tick(helloTimeoutMs);
      const closed = await lurker.waitClosed({ hint, waitingFor: t('the connection that never said hello to be closed at helloTimeoutMs', '一直不打招呼的连接在 helloTimeoutMs 时被关闭') });
      expectEqual(closed.code, HELLO_TIMEOUT_CODE, t('its close code', '它的关闭码'), hint);
      const [memberOnServer] = server.connections.slice(1);
      if (!memberOnServer) throw new Error('harness: no server-side socket for the member');
      let pongs = 0;
      memberOnServer.on('pong', () => { pongs += 1; });
      clock.tick(heartbeatMs - helloTimeoutMs);
      await net.waitUntil(() => pongs === 1, WAIT_MS, () => ({ expected: t('a ping to every member after heartbeatMs', 'heartbeatMs 之后给每个成员发 ping'), actual: t('no pong from the member', '成员没有回 pong'), hint }));
      clock.tick(heartbeatMs);
      await expectMsg(member, { type: 'member_left', room: 'lobby', name: 'mute' }, t('the "member_left" for mute, two heartbeats after it stopped answering', 'mute 停止回应两个心跳周期之后的 "member_left"'), hint);
      await sync(member, t('clear the hello deadline with the same timers it was started with: timers.clearTimeout(deadline).', '用启动期限时的同一个 timers 清掉它：timers.clearTimeout(deadline)。'));
      for (const client of server.wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.wss.close(() => resolve()));
      expectEqual(clock.pending, 0, t('the server\'s timers still pending after it closed', '服务器关闭之后仍在等待的定时器数'), t('wss.on("close", () => timers.clearInterval(heartbeat)): a heartbeat left running keeps the process alive after the server is gone.', 'wss.on("close", () => timers.clearInterval(heartbeat))：服务器没了心跳还在跑，会让进程一直不退出。'));
    } finally {
      Object.assign(globalThis, real);
    }
  });
});

describe('slow members', () => {
  check(t('a member that stops reading does not slow its room or another room, and is dropped once maxBufferedBytes wait for it', '不再读数据的成员不会拖慢它的房间和别的房间，积压超过 maxBufferedBytes 时被断开'), async ({ net }) => {
    // The default limit, 1 MiB: the member must be cut off near it, not before and not far after.
    const limit = 1024 * 1024;
    const server = await serve(net);
    const slow = await named(net, server, 'slow');
    const sender = await named(net, server, 'sender');
    const watcher = await named(net, server, 'watcher');
    const bystander = await named(net, server, 'bystander');
    const carol = await named(net, server, 'carol');
    const dave = await named(net, server, 'dave');
    await enter(slow, 'busy', ['slow']);
    await enter(slow, 'side', ['slow']);
    await enter(sender, 'busy', ['sender', 'slow']);
    await enter(watcher, 'busy', ['sender', 'slow', 'watcher']);
    await enter(bystander, 'side', ['bystander', 'slow']);
    await enter(carol, 'calm', ['carol']);
    await enter(dave, 'calm', ['carol', 'dave']);
    await expectMsg(sender, { type: 'member_joined', room: 'busy', name: 'watcher' }, t('the "member_joined" for watcher', 'watcher 的 "member_joined"'), JOIN_HINT);
    await expectMsg(carol, { type: 'member_joined', room: 'calm', name: 'dave' }, t('the "member_joined" for dave', 'dave 的 "member_joined"'), JOIN_HINT);
    const slowOnServer = server.connections[0];
    if (!slowOnServer) throw new Error('harness: no server-side socket');
    tcpSocket(slow.ws).pause();
    const text = 'z'.repeat(15_000);
    const bound = limit + 16 * 1024;
    const hint = t('deliver() never waits: socket.send(…) and return, for each member. Before each send, if socket.bufferedAmount > maxBufferedBytes, terminate() that member (its "close" takes it out of every room). A send awaited, or one queue of sends for the whole server, lets one member that stops reading stop every room.',
      'deliver() 从不等待：对每个成员 socket.send(…) 然后返回。每次发送前，如果 socket.bufferedAmount > maxBufferedBytes，就 terminate() 这个成员（它的 "close" 会让它离开所有房间）。await 一次发送，或者整个服务器共用一条发送队列，都会让一个不读数据的成员卡住所有房间。');
    let maxBuffered = 0;
    let sent = 0;
    for (let batch = 1; batch <= 200 && slowOnServer.readyState === WebSocket.OPEN; batch += 1) {
      for (let i = 0; i < 10; i += 1) say(sender, 'busy', text);
      sent += 10;
      // Another room, meanwhile: its line must arrive at once, whatever happens in "busy".
      say(carol, 'calm', `calm ${batch}`);
      await expectMsg(dave, { type: 'chat', room: 'calm', from: 'carol', text: `calm ${batch}` }, t(`carol's line ${batch} in room "calm" on dave, while slow (in room "busy") reads nothing (${slowOnServer.bufferedAmount} bytes wait for it)`, `slow（在 "busy" 房间）什么也不读时（为它积压了 ${slowOnServer.bufferedAmount} 字节），dave 收到 carol 在 "calm" 房间说的第 ${batch} 句`), hint, 10_000);
      if (slowOnServer.readyState === WebSocket.OPEN) maxBuffered = Math.max(maxBuffered, slowOnServer.bufferedAmount);
      if (maxBuffered > bound) fail({ expected: t(`at most about ${bound} bytes waiting for a member that stopped reading (maxBufferedBytes ${limit} plus one message)`, `为不读数据的成员积压的字节最多约 ${bound}（maxBufferedBytes ${limit} 再加一条消息）`), actual: t(`${maxBuffered} bytes after ${sent} lines`, `${sent} 句之后积压了 ${maxBuffered} 字节`), hint });
    }
    // The same room is not slowed either: the sender and the watcher get every line, then slow's "member_left".
    for (const client of [watcher, sender]) {
      for (let i = 1; i <= sent; i += 1) {
        const next = await nextMsg(client, t(`line ${i} of ${sent} in "busy" on ${client.label}`, `${client.label} 收到 "busy" 里的第 ${i} 句（共 ${sent} 句）`), hint, 10_000);
        if (next.type !== 'chat') {
          if (canonical(next) === canonical({ type: 'member_left', room: 'busy', name: 'slow' }) && i > 1) {
            // slow was dropped between two lines: the rest follow.
            i -= 1;
            continue;
          }
          fail({ expected: t(`line ${i} of ${sent} on ${client.label}`, `${client.label} 收到的第 ${i} 句（共 ${sent} 句）`), actual: verbatim(canonical(next)), hint });
        }
      }
    }
    await expectMsg(bystander, { type: 'member_left', room: 'side', name: 'slow' }, t('the "member_left" for slow in "side", once it was dropped', 'slow 被断开之后 "side" 里的 "member_left"'), t(`${hint} ${GONE_HINT}`, `${hint} ${GONE_HINT}`), 10_000);
    if (maxBuffered < limit / 2) fail({ expected: t(`slow to be cut off only once about maxBufferedBytes (${limit} by default) waited for it`, `slow 只有在积压接近 maxBufferedBytes（默认 ${limit}）时才被切断`), actual: t(`it was cut off with at most ${maxBuffered} bytes waiting`, `它被切断时最多只积压了 ${maxBuffered} 字节`), hint: t('the default is DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024, and the test is bufferedAmount > maxBufferedBytes.', '默认值是 DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024，判断条件是 bufferedAmount > maxBufferedBytes。') });
    await expectLog(net, server, /#1 is too slow/, t('"#1 is too slow (… bytes waiting): dropping it"', '"#1 is too slow (… bytes waiting): dropping it"'), hint);
    await expectRooms(net, server, ['busy', 'calm', 'side'], t('once slow was dropped', 'slow 被断开之后'), GONE_HINT, 5);
    expectEqual([...roomServer(server).rooms.members('side')].length, 1, t('the members of "side" once slow was dropped', 'slow 被断开之后 "side" 的成员数'), GONE_HINT);
  }, 90_000);

  check(t('maxBufferedBytes limits what waits: with a limit of 0, a member that reads everything is never dropped', 'maxBufferedBytes 限制的是积压的字节：上限为 0 时，读完所有数据的成员也绝不会被断开'), async ({ net }) => {
    const server = await serve(net, { maxBufferedBytes: 0 });
    const alice = await named(net, server, 'alice');
    const bob = await named(net, server, 'bob');
    await enter(alice, 'lobby', ['alice']);
    await enter(bob, 'lobby', ['alice', 'bob']);
    await expectMsg(alice, { type: 'member_joined', room: 'lobby', name: 'bob' }, t('the "member_joined" for bob', 'bob 的 "member_joined"'), JOIN_HINT);
    const hint = t('drop a member only when MORE than maxBufferedBytes wait for it: if (socket.bufferedAmount > maxBufferedBytes). A member that keeps up has nothing waiting (0 bytes), and exactly at the limit is allowed.', '只有积压超过 maxBufferedBytes 时才断开成员：if (socket.bufferedAmount > maxBufferedBytes)。跟得上的成员没有积压（0 字节），恰好等于上限是允许的。');
    for (let i = 0; i < 5; i += 1) {
      say(alice, 'lobby', `line ${i}`);
      for (const client of [alice, bob]) await expectMsg(client, { type: 'chat', room: 'lobby', from: 'alice', text: `line ${i}` }, t(`line ${i} on ${client.label}, with maxBufferedBytes 0`, `maxBufferedBytes 为 0 时 ${client.label} 收到的第 ${i} 句`), hint);
    }
  });

  check(t('a client that pings and never reads: the server stops reading from it before its pongs pile up', '只发 ping 从不读数据的客户端：服务器在 pong 堆积起来之前停止读它'), async ({ net }) => {
    const limit = 64 * 1024;
    const server = await serve(net, { maxBufferedBytes: limit });
    const pinger = await named(net, server, 'pinger');
    const pingerOnServer = server.connections[0];
    if (!pingerOnServer) throw new Error('harness: no server-side socket');
    tcpSocket(pinger.ws).pause();
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

describe('the protocol', () => {
  check(t('bad input gets its documented error and the connection stays usable', '错误输入得到文档里写明的错误，连接仍然可用'), async ({ net }) => {
    const server = await serve(net);
    const client = await named(net, server, 'tester');
    await enter(client, 'lobby', ['tester']);
    const cases: [string | Buffer, string, string][] = [
      ['hello', 'bad_message', 'text that is not JSON'], ['null', 'bad_message', 'null'], ['[]', 'bad_message', 'an array'], ['["join","lobby"]', 'bad_message', 'an array with a join in it'],
      ['42', 'bad_message', 'a number'], ['"join"', 'bad_message', 'a string'], ['{}', 'bad_message', 'an object without a type'], ['{"type":1}', 'bad_message', 'a number as the type'],
      ['{"type":"dance"}', 'unknown_type', 'an unknown type'], ['{"type":"__proto__"}', 'unknown_type', 'the type "__proto__"'], ['{"type":"constructor"}', 'unknown_type', 'the type "constructor"'], ['{"type":"joined","room":"lobby","members":[]}', 'unknown_type', 'a type only the server sends'],
      ['{"type":"join"}', 'bad_room', 'a join without a room'], ['{"type":"leave","room":7}', 'bad_room', 'a leave whose room is a number'],
      ['{"type":"chat","room":"lobby"}', 'bad_message', 'a chat without text'], ['{"type":"chat","room":"lobby","text":5}', 'bad_message', 'a chat whose text is a number'], ['{"type":"chat","room":"lobby","text":null}', 'bad_message', 'a chat whose text is null'],
      ['{"type":"chat","text":"hi"}', 'bad_room', 'a chat without a room'],
      [Buffer.from('{"type":"chat","room":"lobby","text":"hi"}'), 'bad_message', 'a chat in a binary frame'],
    ];
    const hint = t('parseMessage() (given): JSON.parse in try/catch; then a JSON object (not null, not an array) with a string "type"; hello passes its name to checkName(), join and leave their room to checkRoomId(); chat needs a string "text" (and its room goes to checkRoomId()); any other type is unknown_type. A binary frame is bad_message.',
      'parseMessage()（给好的）：JSON.parse 放在 try/catch 里；然后必须是带字符串 "type" 的 JSON 对象（不是 null，不是数组）；hello 把 name 交给 checkName()，join 和 leave 把 room 交给 checkRoomId()；chat 需要字符串 "text"（它的 room 也交给 checkRoomId()）；别的 type 都是 unknown_type。二进制帧是 bad_message。');
    for (const [input, code, what] of cases) {
      client.send(input);
      await expectError(client, code, t(`the reply to ${what} (${show(input)})`, `${what}（${show(input)}）得到的回复`), hint);
    }
    say(client, 'lobby', 'still here');
    await expectMsg(client, { type: 'chat', room: 'lobby', from: 'tester', text: 'still here' }, t('the client\'s own line after all that bad input', '经历这些错误输入之后客户端自己说的话'), t('answer bad input with an error and keep the connection.', '对错误输入回复错误，但保持连接。'));
    const envelope = JSON.stringify({ type: 'chat', room: 'lobby', text: '' });
    const big = 'y'.repeat(MAX_MESSAGE_BYTES - Buffer.byteLength(envelope));
    say(client, 'lobby', big);
    await expectMsg(client, { type: 'chat', room: 'lobby', from: 'tester', text: big }, t('a message of exactly 16 KiB back', '恰好 16 KiB 的消息的回声'), t('maxPayload: MAX_MESSAGE_BYTES (16 * 1024): a message of exactly that size is allowed.', 'maxPayload: MAX_MESSAGE_BYTES（16 * 1024）：恰好这么大的消息是允许的。'), 10_000);
  });

  check(t('names follow lesson 09\'s rules: shown NFKC-normalised, unique after case folding, bad and reserved ones refused', '名字遵守第 09 课的规则：以 NFKC 规范化后的样子显示，大小写折叠之后唯一，坏名字和保留名被拒绝'), async ({ net }) => {
    const server = await serve(net);
    const hint = t('names.ts is lesson 09\'s, complete: keep it as it is, and keep hello() calling checkName(raw) and comparing keys (names.has(checked.key)).', 'names.ts 是第 09 课的，已经写好：保持原样，并保留 hello() 里对 checkName(raw) 的调用和按 key 的比较（names.has(checked.key)）。');
    await named(net, server, '\u3000Ａｌｉｃｅ ', { shown: 'Alice', label: 'Alice (sent as full-width, with spaces)' });
    await named(net, server, 'Straße');
    for (const [raw, shown] of [['ﬁona', 'fiona'], ['Zoe\u0308', 'Zoë'], ['Ⅻ', 'XII'], ['a'.repeat(32), 'a'.repeat(32)], ['𠀀'.repeat(32), '𠀀'.repeat(32)], ['①'.repeat(32), '1'.repeat(32)], ['Ⅻ'.repeat(10), 'XII'.repeat(10)], ['Mary-Jane O.Neil_2', 'Mary-Jane O.Neil_2'], ['李雷', '李雷'], ['sysadmin', 'sysadmin']] as const) {
      await named(net, server, raw, { shown, label: `${shown.slice(0, 12)} (sent as ${JSON.stringify(raw).slice(0, 20)})` });
    }
    const client = await net.connect(server.url, { label: t('a client trying names', '尝试各种名字的客户端') });
    const cases: [unknown, string, string][] = [
      ['alice', 'name_taken', 'alice'], ['ＡＬＩＣＥ', 'name_taken', 'ALICE in full width'], [' alice ', 'name_taken', 'alice with spaces'], ['STRASSE', 'name_taken', 'STRASSE (Straße is online)'], ['strasse', 'name_taken', 'strasse'],
      ['', 'bad_name', 'empty'], ['   ', 'bad_name', 'spaces only'], ['\u3000\u3000', 'bad_name', 'full-width spaces only'], ['a'.repeat(33), 'bad_name', '33 characters'], ['Ⅻ'.repeat(11), 'bad_name', '11 characters that NFKC turns into 33'],
      ['a\u200bb', 'bad_name', 'a zero-width space'], ['\u3164', 'bad_name', 'a Hangul filler'], ['a\nb', 'bad_name', 'a newline'], ['a\u0000b', 'bad_name', 'a NUL character'], ['bob!', 'bad_name', 'a "!"'], ['😀', 'bad_name', 'an emoji'],
      [42, 'bad_name', 'a number'], [null, 'bad_name', 'null'], [['bob'], 'bad_name', 'an array'], [undefined, 'bad_name', 'no name at all'],
      ['admin', 'name_reserved', 'admin'], ['ＡＤＭＩＮ', 'name_reserved', 'ADMIN in full width'], [' System ', 'name_reserved', 'System with spaces'], ['root', 'name_reserved', 'root'], ['Server', 'name_reserved', 'Server'], ['moderator', 'name_reserved', 'moderator'],
    ];
    for (const [name, code, what] of cases) {
      hello(client, name);
      await expectError(client, code, t(`the reply to a hello as ${what} (${show(name)})`, `以 ${show(name)}（${what}）打招呼得到的回复`), hint);
    }
    hello(client, 'Bob');
    await expectMsg(client, { type: 'welcome', name: 'Bob' }, t('the welcome for Bob after the refused hellos', '被拒绝几次之后，以 Bob 打招呼收到的 welcome'), t('a refused hello takes nothing and keeps the connection open.', '被拒的招呼不占用任何东西，连接保持打开。'));
    expectEqual([...roomServer(server).names.keys()].sort().slice(0, 4), ['1'.repeat(32), 'a'.repeat(32), 'alice', 'bob'], t('the first keys in server.names', 'server.names 里排在前面的 key'), hint);
  });
});

// The model: who must get what after any sequence of joins, leaves, chats and disconnects.
type Step =
  | { kind: 'connect' }
  | { kind: 'join' | 'leave' | 'chat'; who: number; room: number }
  | { kind: 'disconnect'; who: number; terminate: boolean };

const ROOM_POOL = ['a', 'b', 'c', '__proto__', 'constructor'] as const;

class ModelMismatch extends Error {
  constructor(readonly expected: Text, readonly actual: Text, readonly steps: string[]) {
    super(expected);
  }
}

describe('the model', () => {
  check(t('200 random join, leave, chat and disconnect steps match a model of the rooms', '随机进行 200 步加入、离开、说话、断开，结果和房间模型一致'), async ({ net }) => {
    const hint = t('one registry, changed only by join (after its checks, in the documented order), leave (the last one out deletes the room) and "close" (out of every room at once); every message goes to rooms.members(id) and nobody else.',
      '只用一个登记表，只在三处修改它：join（按文档顺序检查通过之后）、leave（最后一个人离开时删除房间）和 "close"（立即离开所有房间）；每条消息只发给 rooms.members(id)。');
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 1, arbitrary: fc.constant({ kind: 'connect' as const }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('join' as const), who: fc.nat(20), room: fc.nat(ROOM_POOL.length - 1) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('leave' as const), who: fc.nat(20), room: fc.nat(ROOM_POOL.length - 1) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('chat' as const), who: fc.nat(20), room: fc.nat(ROOM_POOL.length - 1) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), who: fc.nat(20), terminate: fc.boolean() }) },
    );
    const maxRoomsPerClient = 3;
    const maxRooms = 4;
    const run = async (steps: Step[]): Promise<void> => {
      const server = await serve(net, { maxRoomsPerClient, maxRooms });
      interface Person { client: Endpoint; name: string; rooms: Set<string> }
      const live: Person[] = [];
      const model = new Map<string, Set<Person>>();
      const done: string[] = [];
      let made = 0;
      const members = (room: string): string[] => [...(model.get(room) ?? [])].map((p) => p.name).sort();
      const expectNext = async (person: Person, expected: Msg, what: Text): Promise<void> => {
        const got = await nextMsg(person.client, what, hint);
        if (canonical(got) !== canonical(expected)) throw new ModelMismatch(t(`${what}: ${canonical(expected)}`, `${what}：${canonical(expected)}`), verbatim(canonical(got)), done.slice(-8));
      };
      const expectRefusal = async (person: Person, code: string, what: Text): Promise<void> => {
        const got = await nextMsg(person.client, what, hint);
        if (got.type !== 'error' || got.code !== code) throw new ModelMismatch(t(`${what}: an error ${code}`, `${what}：错误 ${code}`), verbatim(canonical(got)), done.slice(-8));
      };
      for (const [i, s] of steps.entries()) {
        if (s.kind === 'connect' || live.length === 0) {
          made += 1;
          const name = `p${made}`;
          done.push(`step ${i + 1}: ${name} connects and says hello`);
          const client = await named(net, server, name, { label: t(`${name} (step ${i + 1})`, `${name}（第 ${i + 1} 步）`) });
          live.push({ client, name, rooms: new Set() });
          continue;
        }
        const person = live[s.who % live.length]!;
        if (s.kind === 'disconnect') {
          live.splice(live.indexOf(person), 1);
          done.push(`step ${i + 1}: ${person.name} ${s.terminate ? 'drops its connection' : 'closes cleanly'}`);
          if (s.terminate) person.client.terminate(); else person.client.ws.close(1000);
          const told = new Map<Person, Msg[]>();
          for (const room of person.rooms) {
            const set = model.get(room)!;
            set.delete(person);
            if (set.size === 0) model.delete(room);
            for (const other of set) told.set(other, [...(told.get(other) ?? []), { type: 'member_left', room, name: person.name }]);
          }
          for (const [other, expected] of told) {
            const got: string[] = [];
            for (let k = 0; k < expected.length; k += 1) got.push(canonical(await nextMsg(other.client, t(`the notices to ${other.name} of step ${i + 1}`, `第 ${i + 1} 步给 ${other.name} 的通知`), hint)));
            if (canonical(got.sort()) !== canonical(expected.map(canonical).sort())) throw new ModelMismatch(t(`the notices to ${other.name} of step ${i + 1}: ${expected.map(canonical).join(', ')}`, `第 ${i + 1} 步给 ${other.name} 的通知：${expected.map(canonical).join(', ')}`), verbatim(got.join(', ')), done.slice(-8));
          }
          // Other connections' next steps must not overtake this ending on the server.
          await net.waitUntil(() => roomServer(server).members.size === live.length, WAIT_MS, () => ({ expected: t(`${live.length} connections on the server after step ${i + 1}`, `第 ${i + 1} 步之后服务器上有 ${live.length} 个连接`), actual: verbatim(`${roomServer(server).members.size}`), hint: GONE_HINT }));
          continue;
        }
        const room = ROOM_POOL[s.room]!;
        const inRoom = person.rooms.has(room);
        if (s.kind === 'join') {
          done.push(`step ${i + 1}: ${person.name} joins ${room}`);
          join(person.client, room);
          const refusal = inRoom ? 'already_in_room' : person.rooms.size >= maxRoomsPerClient ? 'too_many_rooms' : !model.has(room) && model.size >= maxRooms ? 'rooms_full' : undefined;
          if (refusal) {
            await expectRefusal(person, refusal, t(`the reply to step ${i + 1}`, `第 ${i + 1} 步的回复`));
            continue;
          }
          const others = [...(model.get(room) ?? [])];
          model.set(room, new Set([...others, person]));
          person.rooms.add(room);
          await expectNext(person, { type: 'joined', room, members: members(room) }, t(`the reply to step ${i + 1}`, `第 ${i + 1} 步的回复`));
          for (const other of others) await expectNext(other, { type: 'member_joined', room, name: person.name }, t(`${other.name}'s notice of step ${i + 1}`, `第 ${i + 1} 步给 ${other.name} 的通知`));
        } else if (s.kind === 'leave') {
          done.push(`step ${i + 1}: ${person.name} leaves ${room}`);
          leave(person.client, room);
          if (!inRoom) {
            await expectRefusal(person, 'not_in_room', t(`the reply to step ${i + 1}`, `第 ${i + 1} 步的回复`));
            continue;
          }
          const set = model.get(room)!;
          set.delete(person);
          if (set.size === 0) model.delete(room);
          person.rooms.delete(room);
          await expectNext(person, { type: 'left', room }, t(`the reply to step ${i + 1}`, `第 ${i + 1} 步的回复`));
          for (const other of set) await expectNext(other, { type: 'member_left', room, name: person.name }, t(`${other.name}'s notice of step ${i + 1}`, `第 ${i + 1} 步给 ${other.name} 的通知`));
        } else {
          const text = `line ${i + 1}`;
          done.push(`step ${i + 1}: ${person.name} says "${text}" in ${room}`);
          say(person.client, room, text);
          if (!inRoom) {
            await expectRefusal(person, 'not_in_room', t(`the reply to step ${i + 1}`, `第 ${i + 1} 步的回复`));
            continue;
          }
          for (const other of model.get(room)!) await expectNext(other, { type: 'chat', room, from: person.name, text }, t(`${other.name}'s copy of step ${i + 1}`, `第 ${i + 1} 步 ${other.name} 收到的那句话`));
        }
      }
      done.push('then: every client leaves a room nobody is in (its next message must be that refusal)');
      for (const person of live) {
        leave(person.client, 'nowhere');
        await expectRefusal(person, 'not_in_room', t(`${person.name}'s next message after all the steps (nothing more may have come)`, `所有步骤之后 ${person.name} 收到的下一条消息（不该再有别的）`));
      }
      const ids = roomIds(server);
      const expectedIds = [...model.keys()].sort();
      if (canonical(ids) !== canonical(expectedIds)) throw new ModelMismatch(t(`the rooms on the server: ${canonical(expectedIds)}`, `服务器上的房间：${canonical(expectedIds)}`), verbatim(canonical(ids)), done.slice(-8));
      for (const person of live) person.client.terminate();
      await net.waitUntil(() => roomServer(server).rooms.size === 0 && roomServer(server).members.size === 0, WAIT_MS, () => ({ expected: t('no rooms once every client left', '所有客户端离开之后没有房间'), actual: verbatim(canonical(roomIds(server))), hint: GONE_HINT }));
    };
    const result = await fc.check(fc.asyncProperty(fc.array(step, { minLength: 200, maxLength: 200 }), run), { numRuns: 2, seed: 1010, endOnFailure: true });
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
  async function talk(net: Harness, script: (server: Endpoint) => Promise<void>, options: { name?: string; rooms?: string[]; say?: string; timeoutMs?: number } = {}): Promise<{ outcome: Promise<{ kind: 'value' } | { kind: 'error'; error: unknown }>; printed: () => string; server: Endpoint }> {
    const peer = await net.peer();
    const out = net.output();
    const running = net.settle(runClient(peer.url, { out, ...options }), 15_000, () => ({
      expected: t('runClient() to settle', 'runClient() 结束'), actual: t('it was still running after 15 s', '15 秒后还在运行'), hint: t('every wait in the client has a timer: for the welcome, for its own lines, for the close.', '客户端的每一次等待都要有定时器：等 welcome、等自己的话、等关闭。'),
    }));
    const server = await peer.nextConnection({ hint: t('runClient(url): new WebSocket(url).', '在 runClient(url) 里 new WebSocket(url)。') });
    await script(server);
    return { outcome: running as Promise<{ kind: 'value' } | { kind: 'error'; error: unknown }>, printed: () => out.text, server };
  }

  async function expectHello(server: Endpoint, name: string): Promise<void> {
    await expectMsg(server, { type: 'hello', name }, t('the client\'s first message', '客户端的第一条消息'), t('on "open", send JSON.stringify({ type: "hello", name }).', '在 "open" 时发送 JSON.stringify({ type: "hello", name })。'));
  }

  /** The client's joins, once welcomed: one per room, in the order given. */
  async function expectJoins(server: Endpoint, rooms: string[]): Promise<void> {
    for (const room of rooms) await expectMsg(server, { type: 'join', room }, t(`the client's join of ${room}, once welcomed`, `收到 welcome 之后客户端加入 ${room} 的请求`), t('on the welcome, send {"type":"join","room":id} for each room in `rooms`, in order.', '收到 welcome 时，对 `rooms` 里的每个房间依次发送 {"type":"join","room":id}。'));
  }

  check(t('the client says hello, joins its rooms, prints what they say, and leaves with 1000 once its line came back in every room', '客户端打招呼、加入它的房间、打印房间里的消息，自己的话在每个房间都传回来之后以 1000 离开'), async ({ net }) => {
    const { outcome, printed, server } = await talk(net, async (server) => {
      await expectHello(server, 'carol');
      server.send(JSON.stringify({ type: 'welcome', name: 'carol' }));
      await expectJoins(server, ['lobby', 'games']);
      server.send(JSON.stringify({ type: 'joined', room: 'lobby', members: ['alice', 'carol'] }));
      await expectMsg(server, { type: 'chat', room: 'lobby', text: 'hi all' }, t('the client\'s line in lobby, once joined', '加入 lobby 之后客户端在那里说的话'), t('on "joined", send JSON.stringify({ type: "chat", room: message.room, text: say }).', '收到 "joined" 时发送 JSON.stringify({ type: "chat", room: message.room, text: say })。'));
      // Noise a client must pass over: a binary frame, text that is not JSON, JSON that is not an object.
      server.send(Buffer.from(JSON.stringify({ type: 'chat', room: 'lobby', from: 'bob', text: 'sent as binary' })));
      server.send('not json');
      server.send('null');
      for (const message of [
        { type: 'member_joined', room: 'lobby', name: 'bob' }, { type: 'chat', room: 'lobby', from: 'bob', text: 'hey' },
        { type: 'chat', room: 'lobby', from: 'carol', text: 'hi all' },
        { type: 'joined', room: 'games', members: ['carol'] },
      ]) server.send(JSON.stringify(message));
      await expectMsg(server, { type: 'chat', room: 'games', text: 'hi all' }, t('the client\'s line in games, once joined', '加入 games 之后客户端在那里说的话'), t('say your line in each room you joined, when its "joined" comes.', '每加入一个房间，在收到它的 "joined" 时说你的话。'));
      for (const message of [
        { type: 'member_left', room: 'lobby', name: 'alice' }, { type: 'chat', room: 'games', from: 'mallory', text: 'hi all' },
        { type: 'chat', room: 'lobby', from: 'carol', text: 'hi all' },
        { type: 'chat', room: 'games', from: 'carol', text: 'an older line' },
        { type: 'chat', room: 'games', from: 'carol', text: 'hi all' }, { type: 'chat', room: 'lobby', from: 'bob', text: 'after carol said goodbye' },
      ]) server.send(JSON.stringify(message));
    }, { name: 'carol', rooms: ['lobby', 'games'], say: 'hi all' });
    const closed = await server.waitClosed({ hint: t('once your own line has come back in every room you joined (from is your name, text is what you said, room is that room), close with ws.close(1000).', '自己的话在你加入的每个房间都传回来之后（from 是你的名字，text 是你说的那句，room 是那个房间），用 ws.close(1000) 关闭。') });
    expectEqual(closed.code, 1000, t('the close code the client sent', '客户端发出的关闭码'), t('leave with ws.close(1000): a clean goodbye, not terminate().', '用 ws.close(1000) 离开：干净地告别，而不是 terminate()。'));
    const result = await outcome;
    if (result.kind === 'error') fail({ expected: t('runClient() to resolve', 'runClient() 正常完成'), actual: t(`it rejected: ${String(result.error)}`, `它 reject 了：${String(result.error)}`), hint: t('resolve on "close" once you chose to leave.', '在你主动离开之后，于 "close" 时 resolve。') });
    expectEqual(printed(), 'Connected as carol.\nJoined #lobby. Here: alice, carol\n[#lobby] * bob joined\n[#lobby] bob: hey\n[#lobby] carol: hi all\nJoined #games. Here: carol\n[#lobby] * alice left\n[#games] mallory: hi all\n[#lobby] carol: hi all\n[#games] carol: an older line\n[#games] carol: hi all\n', t('what the client printed', '客户端打印的内容'),
      t('print "Connected as <name>.", "Joined #<room>. Here: a, b", "[#<room>] * <name> joined", "[#<room>] * <name> left", "[#<room>] <from>: <text>", one line each, and pass over binary frames and anything that is not a JSON object. You are done when your line (from your name, with your words) has come back in EVERY room you joined: not after the first room, not when mallory says the same words, not on an older line. Once you leave, print nothing more.',
        '打印 "Connected as <name>."、"Joined #<room>. Here: a, b"、"[#<room>] * <name> joined"、"[#<room>] * <name> left"、"[#<room>] <from>: <text>"，每条一行；跳过二进制帧和任何不是 JSON 对象的东西。你的话（来自你的名字、是你说的那句）在你加入的每一个房间都传回来，才算完成：不是第一个房间传回来就算，不是 mallory 说了同样的话，也不是你更早的一句。离开之后就什么都不再打印。'));
  });

  check(t('the client prints names, rooms and lines escaped', '客户端转义打印名字、房间和文本'), async ({ net }) => {
    const { outcome, printed } = await talk(net, async (server) => {
      await expectHello(server, 'alice');
      server.send(JSON.stringify({ type: 'welcome', name: 'alice' }));
      await expectJoins(server, ['lobby']);
      server.send(JSON.stringify({ type: 'joined', room: 'lobby', members: ['alice', 'x\u001b[2Jy'] }));
      await nextMsg(server, t('the client\'s line', '客户端说的话'), t('send your line once joined.', '加入之后说你的话。'));
      server.send(JSON.stringify({ type: 'chat', room: 'lob\nby', from: 'x\u001b[2Jy', text: 'one\ntwo' }));
      server.send(JSON.stringify({ type: 'member_joined', room: 'lobby', name: 'b\rob' }));
      server.send(JSON.stringify({ type: 'chat', room: 'lobby', from: 'alice', text: 'hello, everyone' }));
    });
    await outcome;
    const second = await talk(net, async (server) => {
      await expectHello(server, 'alice');
      server.send(JSON.stringify({ type: 'welcome', name: 'alice' }));
      await expectJoins(server, ['lobby']);
      server.send(JSON.stringify({ type: 'joined', room: 'lobby', members: 'nobody' }));
      await nextMsg(server, t('the client\'s line', '客户端说的话'), t('send your line once joined.', '加入之后说你的话。'));
      server.send(JSON.stringify({ type: 'chat', room: 'lobby', from: 'alice', text: 'hello, everyone' }));
    });
    await second.outcome;
    expectEqual(second.printed(), 'Connected as alice.\nJoined #lobby. Here: \n[#lobby] alice: hello, everyone\n', t('what the client printed for a "joined" whose "members" is not a list', '"members" 不是列表时客户端打印的内容'), t('the server\'s messages are input too: print the list only if Array.isArray(message.members), else an empty one.', '服务器发来的消息也是输入：只有 Array.isArray(message.members) 时才打印列表，否则当作空列表。'));
    expectEqual(printed(), 'Connected as alice.\nJoined #lobby. Here: alice, x\\u001b[2Jy\n[#lob\\nby] x\\u001b[2Jy: one\\ntwo\n[#lobby] * b\\rob joined\n[#lobby] alice: hello, everyone\n', t('what the client printed', '客户端打印的内容'), t('print what others chose (names, rooms, lines) through printable() from lib/printable.ts: an escape sequence could clear the terminal, a newline forge a line.', '别人决定的内容（名字、房间、话）要经过 lib/printable.ts 的 printable() 再打印：转义序列可能清空终端，换行可能伪造一行。'));
  });

  check(t('the client reports a refusal plainly and closes with 1000', '客户端清楚地报告被拒，并以 1000 关闭'), async ({ net }) => {
    for (const [code, message, welcomed] of [['name_taken', '"alice" is taken', false], ['too_many_rooms', 'you are in 10 rooms already', true]] as const) {
      const { outcome, server } = await talk(net, async (server) => {
        await expectHello(server, 'alice');
        if (welcomed) {
          server.send(JSON.stringify({ type: 'welcome', name: 'alice' }));
          await expectJoins(server, ['lobby']);
        }
        server.send(JSON.stringify({ type: 'error', code, message }));
      });
      const closed = await server.waitClosed();
      expectEqual(closed.code, 1000, t(`the close code after an error reply (${code})`, `收到错误回复（${code}）之后的关闭码`), t('on an error reply, leave with ws.close(1000) and reject.', '收到错误回复时，用 ws.close(1000) 离开并 reject。'));
      const result = await outcome;
      if (result.kind !== 'error' || !String(result.error).includes(code) || !String(result.error).includes(message)) {
        fail({ expected: t(`runClient() to reject with an error naming the code and the message (${code}, ${message})`, `runClient() 以一个写明错误码和说明（${code}、${message}）的错误 reject`), actual: result.kind === 'error' ? verbatim(String(result.error)) : t('it resolved', '它 resolve 了'), hint: t('reject with new Error(`the server refused: ${code}: ${message}`).', '用 new Error(`the server refused: ${code}: ${message}`) reject。') });
      }
    }
  });

  check(t('the client gives up on a server that never answers, and drops the connection', '服务器一直不回应时，客户端放弃并断开连接'), async ({ net }) => {
    for (const stage of ['the welcome', 'the echo', 'the close'] as const) {
      const { outcome, server } = await talk(net, async (server) => {
        await expectHello(server, 'alice');
        if (stage === 'the welcome') return;
        server.send(JSON.stringify({ type: 'welcome', name: 'alice' }));
        await expectJoins(server, ['lobby']);
        server.send(JSON.stringify({ type: 'joined', room: 'lobby', members: ['alice'] }));
        await nextMsg(server, t('the client\'s line', '客户端说的话'), t('send your line once joined.', '加入之后说你的话。'));
        if (stage === 'the echo') return;
        // The server stops reading, then echoes the line: the client's close frame gets no answer.
        tcpSocket(server.ws).pause();
        server.send(JSON.stringify({ type: 'chat', room: 'lobby', from: 'alice', text: 'hello, everyone' }));
      }, { timeoutMs: 300, rooms: ['lobby'] });
      const hint = t('one timer per wait (timeoutMs): for the welcome, then for your own lines, then for the answer to your close frame. When it fires, ws.terminate(): a server that does not answer will not answer a close frame either.',
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
    for (const [code, reason, welcomed] of [[4000, 'hello timeout', false], [1001, 'server shutting down', true], [1000, '', true]] as const) {
      const { outcome } = await talk(net, async (server) => {
        await expectHello(server, 'alice');
        if (welcomed) {
          server.send(JSON.stringify({ type: 'welcome', name: 'alice' }));
          await expectJoins(server, ['lobby']);
        }
        server.ws.close(code, reason);
      }, { rooms: ['lobby'] });
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
  check(t('the server runs from the command line on 127.0.0.1, the client joins $CHAT_ROOMS as $CHAT_NAME and exits', '服务器能从命令行在 127.0.0.1 上运行，客户端以 $CHAT_NAME 加入 $CHAT_ROOMS 并退出'), async ({ net }) => {
    await expectLoopbackByDefault(net, () => createServer({ port: 0, log: () => {} }));
    const { server, url } = await startServerProgram(net, HERE, 'Room server');
    const client = runProgram(net, HERE, ['client.ts', url], { CHAT_NAME: 'carol', CHAT_ROOMS: 'lobby,games' });
    const code = await doneAndExited(net, client, '[#games] carol: hello, everyone', 'CHAT_NAME=carol CHAT_ROOMS=lobby,games npx tsx client.ts');
    if (code !== 0) fail({ expected: t('the client program to exit with code 0', '客户端程序以退出码 0 结束'), actual: verbatim(programSaid(client)), hint: t('runClient resolves once its line came back in every room and the connection closed; the checks above say more.', '自己的话在每个房间都传回来、连接关闭之后，runClient 就 resolve；上面的检查会说得更详细。') });
    if (!client.stdout().startsWith('Connected as carol.\nJoined #lobby. Here: carol\n')) fail({ expected: t('the client program to print "Connected as carol." and "Joined #lobby. Here: carol" first', '客户端程序先打印 "Connected as carol." 和 "Joined #lobby. Here: carol"'), actual: show(client.stdout()), hint: t('the name and rooms default to the environment: name = process.env.CHAT_NAME ?? "alice", rooms = (process.env.CHAT_ROOMS ?? "lobby").split(",").', '名字和房间默认取环境变量：name = process.env.CHAT_NAME ?? "alice"，rooms = (process.env.CHAT_ROOMS ?? "lobby").split(",")。') });
    server.kill('SIGTERM');
    await exited(net, server, t('the server program, after SIGTERM (Ctrl+C),', '收到 SIGTERM（Ctrl+C）之后的服务器程序'));
    // Nothing listens: the program says so in one line, under its name, and exits with 1.
    const refused = runProgram(net, HERE, ['client.ts', `ws://127.0.0.1:${await closedPort()}`]);
    const failed = await exited(net, refused, t('the client program, with nothing listening,', '没有服务器在监听时的客户端程序'));
    if (failed !== 1 || !refused.stderr().startsWith('Room client: ') || !refused.stderr().includes('ECONNREFUSED')) {
      fail({ expected: t('the client program to exit with 1 and say "Room client: … ECONNREFUSED …" on stderr', '客户端程序以 1 退出，并在 stderr 上说 "Room client: … ECONNREFUSED …"'), actual: verbatim(programSaid(refused)), hint: t('keep the last line of client.ts as given: if (isMain(import.meta.url)) await runClientProgram("Room client", runClient); and reject with the socket error.', '保留 client.ts 最后一行的原样：if (isMain(import.meta.url)) await runClientProgram("Room client", runClient);，并用 socket 错误 reject。') });
    }
    await importStartsNothing(net, HERE, ['server.ts', 'client.ts'], { PORT: '0' }, t('keep the `if (isMain(import.meta.url))` guard on the last line of server.ts and client.ts.', '保留 server.ts 和 client.ts 最后一行的 `if (isMain(import.meta.url))` 判断。'));
  }, 120_000);
});

const HERE = dirname(fileURLToPath(import.meta.url));
