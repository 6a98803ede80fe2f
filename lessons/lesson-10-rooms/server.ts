// Lesson 10 — rooms. A connection says hello with a name (lesson 09's rules), then joins and leaves
// rooms, several at once; a chat message goes to the members of one room only, and each room
// knows who is in it. The last member out deletes the room, so the room map never grows with
// rooms nobody is in; a client may be in maxRoomsPerClient rooms and the server holds maxRooms.
// A connection that ends, however it ends, leaves every room at once. A member that stops reading
// is dropped without slowing anyone, in its rooms or in any other.
// Run it: npx tsx lessons/lesson-10-rooms/server.ts   (then: CHAT_NAME=alice CHAT_ROOMS=lobby,games npx tsx lessons/lesson-10-rooms/client.ts)
// Check it: npm run check lesson-10
//
// Wire format: JSON text frames, one object each.
//   client → server  {"type":"hello","name":"alice"}  {"type":"join","room":"lobby"}  {"type":"leave","room":"lobby"}
//                    {"type":"chat","room":"lobby","text":"hi"}
//   server → you     {"type":"welcome","name":"alice"}  {"type":"joined","room":"lobby","members":["alice","bob"]}
//                    {"type":"left","room":"lobby"}
//   server → a room  {"type":"member_joined","room":…,"name":…}  {"type":"member_left","room":…,"name":…}
//                    {"type":"chat","room":…,"from":…,"text":…}   (to every member, the sender too)
//   server → sender  {"type":"error","code":…,"message":…}   (the codes: ERROR_CODES below)
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import { checkName } from './names.ts';
import { checkRoomId, Rooms } from './rooms.ts';
import { todo } from '../../lib/todo.ts';

/** The largest message the server reads; ws closes a larger one's connection with 1009. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** A connection must have said hello this long after it opened, or it is closed with HELLO_TIMEOUT_CODE. */
export const HELLO_TIMEOUT_MS = 10_000;
/** The close code for a connection that never said hello (4000–4999 are for applications). */
export const HELLO_TIMEOUT_CODE = 4000;
/** How often to ping; a member silent for a whole interval after a ping is dropped. */
export const HEARTBEAT_MS = 30_000;
/** A member with more than this many bytes waiting for it is dropped (it stopped reading). */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** How many rooms may exist at once. */
export const DEFAULT_MAX_ROOMS = 1000;
/** How many rooms one client may be in at once. */
export const DEFAULT_MAX_ROOMS_PER_CLIENT = 10;

/** Every error the server sends, and what it means. Clients may rely on these codes. */
export const ERROR_CODES = {
  bad_message: 'not a JSON object with a string "type" and the fields its type needs (or a binary frame)',
  unknown_type: 'the type is not hello, join, leave or chat',
  not_named: 'say hello first: {"type":"hello","name":…}',
  already_named: 'this connection has said hello already',
  bad_name: 'the name breaks the rules in names.ts',
  name_reserved: 'the name is reserved',
  name_taken: 'someone online has that name, or one that differs only in case or width',
  bad_room: 'the room id breaks the rule in rooms.ts (checkRoomId() says which part)',
  already_in_room: 'you are in that room already',
  not_in_room: 'you are not in that room',
  too_many_rooms: 'you are in maxRoomsPerClient rooms already: leave one first',
  rooms_full: 'the server holds maxRooms rooms already: join one that exists, or try later',
  empty_message: 'a chat message needs some visible text',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** Node's timers fit this; the checks pass a fake clock so the deadline and heartbeat take no real time. */
export interface ServerTimers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}
export type TimerHandle = NodeJS.Timeout | number;

const realTimers: ServerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle),
};

export interface RoomServerOptions extends ServerOptions {
  helloTimeoutMs?: number;
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  maxRooms?: number;
  maxRoomsPerClient?: number;
  timers?: ServerTimers;
}

/** One connection, named or not. */
export interface Member {
  id: number;
  socket: WebSocket;
  /** The name as everyone sees it, and its key (names.ts); undefined until the hello. */
  user?: { name: string; key: string };
  /** The heartbeat: true once the last ping came back (or just connected). */
  alive: boolean;
  pingToken?: Buffer;
}

export interface RoomServer extends WebSocketServer {
  /** Every open connection, named or not. */
  readonly members: ReadonlyMap<WebSocket, Member>;
  /** The names in use, by key. */
  readonly names: ReadonlyMap<string, Member>;
  /** Who is in which room: rooms.size is how many rooms exist. */
  readonly rooms: Rooms<Member>;
}

type Outgoing =
  | { type: 'welcome'; name: string }
  | { type: 'joined'; room: string; members: string[] }
  | { type: 'left'; room: string }
  | { type: 'member_joined' | 'member_left'; room: string; name: string }
  | { type: 'chat'; room: string; from: string; text: string }
  | { type: 'error'; code: ErrorCode; message: string };

type Incoming =
  | { type: 'hello'; name: unknown }
  | { type: 'join' | 'leave'; room: unknown }
  | { type: 'chat'; room: unknown; text: string };

/** Parses one text message: the request, or the error to send back. Never throws. */
export function parseMessage(text: string): Incoming | { type: 'error'; code: ErrorCode; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: value stays undefined, and is refused just below.
  }
  // null, a number, a string, an array: none has a string "type", so each is refused here.
  if (typeof (value as { type?: unknown } | null | undefined)?.type !== 'string') {
    return { type: 'error', code: 'bad_message', message: 'send a JSON object with a string "type"' };
  }
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'hello':
      // checkName() says what is wrong with a name, checkRoomId() with a room id.
      return { type: 'hello', name: message.name };
    case 'join':
    case 'leave':
      return { type: message.type, room: message.room };
    case 'chat':
      if (typeof message.text !== 'string') return { type: 'error', code: 'bad_message', message: '"text" must be a string' };
      return { type: 'chat', room: message.room, text: message.text };
    default:
      return { type: 'error', code: 'unknown_type', message: `unknown type "${printable(String(message.type), 40)}": use hello, join, leave or chat` };
  }
}

export function createServer({
  host = '127.0.0.1',
  port = 8765,
  log = console.log,
  helloTimeoutMs = HELLO_TIMEOUT_MS,
  heartbeatMs = HEARTBEAT_MS,
  maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES,
  maxRooms = DEFAULT_MAX_ROOMS,
  maxRoomsPerClient = DEFAULT_MAX_ROOMS_PER_CLIENT,
  timers = realTimers,
}: RoomServerOptions = {}): RoomServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  const members = new Map<WebSocket, Member>();
  const names = new Map<string, Member>();
  const rooms = new Rooms<Member>({ maxRooms, maxRoomsPerClient });
  let nextId = 1;

  // #region deliver
  /** Queues a message for one client, never waiting. A client too far behind is dropped at once. */
  function deliver(member: Member, message: Outgoing): void {
    const { socket } = member;
    if (socket.bufferedAmount > maxBufferedBytes) {
      // A close frame would wait behind everything it has not read: terminate() ends the
      // connection now, and 'close' takes it out of every room.
      log(`#${member.id} is too slow (${socket.bufferedAmount} bytes waiting): dropping it`);
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(message));
  }

  /** Sends to every member of one room, except `except`. Nobody outside the room hears it. */
  function toRoom(id: string, message: Outgoing, except?: Member): void {
    for (const member of rooms.members(id)) if (member !== except) deliver(member, message);
  }

  function refuse(member: Member, code: ErrorCode, message: string = ERROR_CODES[code]): void {
    deliver(member, { type: 'error', code, message });
  }

  /** The names of a room's members, sorted. */
  function namesIn(id: string): string[] {
    // Only named members join rooms, so each has a user.
    return [...rooms.members(id)].map((member) => member.user!.name).sort();
  }
  // #endregion deliver

  function hello(member: Member, raw: unknown, deadline: TimerHandle): void {
    if (member.user) return refuse(member, 'already_named', `you are "${member.user.name}" already`);
    const checked = checkName(raw);
    if (!checked.ok) return refuse(member, checked.code, checked.message);
    // No await between the look-up and the set: two hellos with one name can never both pass.
    if (names.has(checked.key)) return refuse(member, 'name_taken', `"${checked.name}" is taken`);
    timers.clearTimeout(deadline);
    member.user = { name: checked.name, key: checked.key };
    names.set(checked.key, member);
    log(`#${member.id} is ${checked.name}`);
    deliver(member, { type: 'welcome', name: checked.name });
  }

  function join(member: Member, name: string, raw: unknown): void {
    // TODO 1: const checked = checkRoomId(raw) (rooms.ts): if !checked.ok, refuse(member, 'bad_room',
    //         checked.message). Then const refusal = rooms.join(member, id): if it is not undefined,
    //         log(`${name} may not join #${id}: ${refusal}`) and refuse(member, refusal).
    //         Otherwise log(`${name} joined #${id} (${rooms.members(id).size} here, ${rooms.size} rooms)`),
    //         send the joiner deliver(member, { type: 'joined', room: id, members: namesIn(id) }),
    //         and the room's others toRoom(id, { type: 'member_joined', room: id, name }, member).
    void member;
    void name;
    void raw;
    void checkRoomId;
    void namesIn;
    todo('server.ts: join(): check the room id, put the member in the room (rooms.join), send "joined" with the members and tell the room');
  }

  function leave(member: Member, name: string, raw: unknown): void {
    // TODO 5 (and Rooms.leave() in rooms.ts): checkRoomId(raw) as in join(). If !rooms.leave(member, id):
    //         refuse(member, 'not_in_room', `you are not in #${id}`). Otherwise
    //         log(`${name} left #${id} (${rooms.members(id).size} here, ${rooms.size} rooms)`),
    //         deliver(member, { type: 'left', room: id }) and
    //         toRoom(id, { type: 'member_left', room: id, name }) to the members still there.
    void member;
    void name;
    void raw;
    todo('server.ts: leave(): take the member out of the room (rooms.leave), answer "left" and tell the room');
  }

  function chat(member: Member, name: string, raw: unknown, text: string): void {
    // TODO 4: checkRoomId(raw) as in join(). Not in the room (!rooms.roomsOf(member).has(id)):
    //         refuse(member, 'not_in_room', `join #${id} before you speak in it`). Blank text
    //         (text.trim() === ''): refuse(member, 'empty_message'). Otherwise
    //         log(`#${id} ${name}: ${printable(text, 80)}`) and
    //         toRoom(id, { type: 'chat', room: id, from: name, text }): every member, the sender too.
    void member;
    void name;
    void raw;
    void text;
    todo('server.ts: chat(): send the line to the members of its room, and only to them');
  }

  /** Called once, from 'close', however the connection ended. */
  function disconnect(member: Member): void {
    // TODO 6 (and Rooms.leaveAll() in rooms.ts): members.delete(member.socket). If the member said
    //         hello (member.user): names.delete(user.key); const left = rooms.leaveAll(member);
    //         log(`#${member.id} ${user.name} is gone (left ${left.length} rooms, ${rooms.size} remain)`);
    //         then for each id in left: toRoom(id, { type: 'member_left', room: id, name: user.name }).
    void member;
    todo('server.ts: disconnect(): free the name, leave every room at once, and tell each room');
  }

  // #region connection
  wss.on('connection', (socket) => {
    const member: Member = { id: nextId, socket, alive: true };
    nextId += 1;
    members.set(socket, member);
    // A client that sends (or pings) and never reads must not pile our replies up in memory.
    limitSendBuffer(socket, { highWaterBytes: maxBufferedBytes });
    // Counted from the connection, not from its last message: failed hellos do not buy time.
    const deadline = timers.setTimeout(() => {
      log(`#${member.id} did not say hello within ${helloTimeoutMs} ms: closing it`);
      socket.close(HELLO_TIMEOUT_CODE, 'hello timeout: send {"type":"hello","name":…} first');
    }, helloTimeoutMs);

    socket.on('message', (data, isBinary) => {
      const message = isBinary
        ? { type: 'error' as const, code: 'bad_message' as const, message: 'binary frames are not supported: send JSON text' }
        : parseMessage(data.toString());
      if (message.type === 'error') return refuse(member, message.code, message.message);
      if (message.type === 'hello') return hello(member, message.name, deadline);
      const { user } = member;
      if (!user) return refuse(member, 'not_named');
      switch (message.type) {
        case 'join':
          return join(member, user.name, message.room);
        case 'leave':
          return leave(member, user.name, message.room);
        case 'chat':
          return chat(member, user.name, message.room, message.text);
      }
    });
    // Only a pong carrying our last ping's token proves the member read that ping.
    socket.on('pong', (data) => {
      if (member.pingToken?.equals(data)) member.alive = true;
    });
    // 'close' fires however the connection ends: close frame, terminate(), timeout, broken frame.
    socket.on('close', () => {
      timers.clearTimeout(deadline);
      // TODO 6: then disconnect(member): every way a connection ends comes through here.
      void disconnect;
    });
    socket.on('error', (error) => log(`#${member.id} error: ${printable(error.message)}`));
  });
  // #endregion connection

  // #region heartbeat
  const heartbeat = timers.setInterval(() => {
    for (const member of members.values()) {
      if (!member.alive) {
        log(`#${member.id} did not answer the last ping: terminating`);
        member.socket.terminate();
        continue;
      }
      member.alive = false;
      member.pingToken = randomBytes(8);
      member.socket.ping(member.pingToken);
    }
  }, heartbeatMs);
  wss.on('close', () => timers.clearInterval(heartbeat));
  // #endregion heartbeat

  return Object.assign(wss, { members, names, rooms });
}

if (isMain(import.meta.url)) await runServerProgram('Room server', createServer);
