// Lesson 09 — a chat room with names. A connection must join with a name before anything else;
// names are checked at the boundary (names.ts) and unique by their key; everyone sees who is
// online, who joins, who leaves and who renames; every chat message carries its sender's name as
// the server knows it. A connection that never joins is closed after a deadline, one that stops
// answering pings is dropped, and a name is free again the moment its connection ends, however
// it ends.
// Run it: npx tsx lessons/lesson-09-usernames/server.ts   (then: CHAT_NAME=alice npx tsx lessons/lesson-09-usernames/client.ts)
// Check it: npm run check lesson-09
//
// Wire format: JSON text frames, one object each.
//   client → server  {"type":"join","name":"alice"}  {"type":"rename","name":"bob"}  {"type":"chat","text":"hi"}
//   server → joiner  {"type":"welcome","name":"alice","online":["alice","bob"]}   (everyone online, you included, sorted)
//   server → members {"type":"joined","name":…}  {"type":"left","name":…}  {"type":"renamed","from":…,"to":…}
//                    {"type":"chat","from":…,"text":…}
//   server → sender  {"type":"error","code":…,"message":…}   (the codes: ERROR_CODES below)
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { printable } from '../../lib/printable.ts';
import { isMain, runServerProgram, type ServerOptions } from '../../lib/program.ts';
import { limitSendBuffer } from '../../lib/send-buffer.ts';
import { todo } from '../../lib/todo.ts';
import { checkName } from './names.ts';

/** The largest message the server reads; ws closes a larger one's connection with 1009. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** A connection must have joined this long after it opened, or it is closed with JOIN_TIMEOUT_CODE. */
export const JOIN_TIMEOUT_MS = 10_000;
/** The close code for a connection that never joined (4000–4999 are for applications). */
export const JOIN_TIMEOUT_CODE = 4000;
/** How often to ping; a member silent for a whole interval after a ping is dropped. */
export const HEARTBEAT_MS = 30_000;
/** A member with more than this many bytes waiting for it is dropped (it stopped reading). */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Every error the server sends, and what it means. Clients may rely on these codes. */
export const ERROR_CODES = {
  bad_message: 'not a JSON object with a string "type" and the fields its type needs (or a binary frame)',
  unknown_type: 'the type is not join, rename or chat',
  not_joined: 'join first: {"type":"join","name":…}',
  already_joined: 'this connection has joined already: use rename to change the name',
  bad_name: 'the name breaks the rules in names.ts (length, invisible characters, allowed characters)',
  name_reserved: 'the name is reserved',
  name_taken: 'someone online has that name, or one that differs only in case or width',
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

export interface UsernameServerOptions extends ServerOptions {
  joinTimeoutMs?: number;
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  timers?: ServerTimers;
}

/** One connection, joined or not. */
export interface Member {
  id: number;
  socket: WebSocket;
  /** The name as everyone sees it, and its key (names.ts); undefined until the member joins. */
  user?: { name: string; key: string };
  /** The heartbeat: true once the last ping came back (or just connected). */
  alive: boolean;
  pingToken?: Buffer;
}

export interface UsernameServer extends WebSocketServer {
  /** Every open connection, joined or not. */
  readonly members: ReadonlyMap<WebSocket, Member>;
  /** The names in use, by key: exactly the members who have joined and not left. */
  readonly names: ReadonlyMap<string, Member>;
}

type Outgoing =
  | { type: 'welcome'; name: string; online: string[] }
  | { type: 'joined' | 'left'; name: string }
  | { type: 'renamed'; from: string; to: string }
  | { type: 'chat'; from: string; text: string }
  | { type: 'error'; code: ErrorCode; message: string };

type Incoming = { type: 'join' | 'rename'; name: unknown } | { type: 'chat'; text: string };

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
    case 'join':
    case 'rename':
      // The name is checked by checkName(), which says what is wrong with it.
      return { type: message.type, name: message.name };
    case 'chat':
      if (typeof message.text !== 'string') return { type: 'error', code: 'bad_message', message: '"text" must be a string' };
      return { type: 'chat', text: message.text };
    default:
      return { type: 'error', code: 'unknown_type', message: `unknown type "${printable(String(message.type), 40)}": use join, rename or chat` };
  }
}

export function createServer({
  host = '127.0.0.1',
  port = 8765,
  log = console.log,
  joinTimeoutMs = JOIN_TIMEOUT_MS,
  heartbeatMs = HEARTBEAT_MS,
  maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES,
  timers = realTimers,
}: UsernameServerOptions = {}): UsernameServer {
  const wss = new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES });
  const members = new Map<WebSocket, Member>();
  const names = new Map<string, Member>();
  let nextId = 1;

  // #region deliver
  /** Queues a message for one client, never waiting. A client too far behind is dropped at once. */
  function deliver(member: Member, message: Outgoing): void {
    const { socket } = member;
    // (A send to a socket that has started to close is dropped by ws itself.)
    if (socket.bufferedAmount > maxBufferedBytes) {
      // A close frame would wait behind everything it has not read, and its name with it:
      // terminate() ends the connection now, and 'close' frees the name.
      log(`#${member.id} is too slow (${socket.bufferedAmount} bytes waiting): dropping it`);
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(message));
  }

  /** Sends to every member who has joined, except `except`. */
  function broadcast(message: Outgoing, except?: Member): void {
    for (const member of names.values()) if (member !== except) deliver(member, message);
  }

  function refuse(member: Member, code: ErrorCode, message: string = ERROR_CODES[code]): void {
    deliver(member, { type: 'error', code, message });
  }

  function online(): string[] {
    // Every member in `names` has joined, so it has a user.
    return [...names.values()].map((member) => member.user!.name).sort();
  }
  // #endregion deliver

  function join(member: Member, raw: unknown, deadline: TimerHandle): void {
    // TODO 1: a member that has joined already (member.user is set): refuse(member, 'already_joined').
    //         Then const checked = checkName(raw) (names.ts): if !checked.ok, log it escaped,
    //         log(`#${member.id} join refused: ${checked.code} (${printable(String(raw), 40)})`),
    //         and refuse(member, checked.code, checked.message). If names.has(checked.key):
    //         log(`#${member.id} join refused: name_taken (${checked.name})`) and refuse with
    //         'name_taken'. No await anywhere in here: look-up and take in one synchronous step.
    //         Then take the name: timers.clearTimeout(deadline); member.user = { name, key };
    //         names.set(key, member); log(`#${member.id} joined as ${name} (${names.size} online)`);
    //         deliver(member, { type: 'welcome', name, online: online() });
    //         broadcast({ type: 'joined', name }, member)   (everyone else).
    void member;
    void raw;
    void deadline;
    void checkName;
    void online;
    todo('server.ts: join(): check the name (checkName), refuse a taken key, take it, send the welcome and tell the others');
  }

  function rename(member: Member, raw: unknown): void {
    // TODO 6: no member.user: refuse 'not_joined'. checkName(raw) as in join(). A key held by
    //         ANOTHER member (names.get(key) is defined and is not this member): 'name_taken';
    //         the member's own key is fine (alice may become Alice). Check everything before you
    //         touch the old name. Then, with no await: names.delete(old key),
    //         names.set(new key, member), member.user = { name, key },
    //         log(`#${member.id} ${old name} is now ${name}`), and
    //         broadcast({ type: 'renamed', from: old name, to: name }) to everyone, the renamer too.
    void member;
    void raw;
    todo('server.ts: rename(): check the new name, then take it and free the old one in one step');
  }

  function chat(member: Member, text: string): void {
    // TODO 7: no member.user: refuse 'not_joined'. Blank text (text.trim() === ''): refuse
    //         'empty_message'. Otherwise log(`${name}: ${printable(text, 80)}`) and broadcast
    //         { type: 'chat', from: member.user.name, text }: the name the server knows, never a
    //         "from" the client sent.
    void member;
    void text;
    todo('server.ts: chat(): broadcast the line with the sender\'s name as the server knows it');
  }

  function leave(member: Member): void {
    // TODO 4: members.delete(member.socket). If the member had joined (member.user): free the
    //         name (names.delete(user.key)), log(`#${member.id} ${name} left (${names.size} online)`)
    //         and broadcast({ type: 'left', name }) to everyone still there. Called once, from
    //         'close', however the connection ended.
    void member;
    todo('server.ts: leave(): free the name and tell everyone who left');
  }

  // #region connection
  wss.on('connection', (socket) => {
    const member: Member = { id: nextId, socket, alive: true };
    nextId += 1;
    members.set(socket, member);
    // A client that sends (or pings) and never reads must not pile our replies up in memory.
    limitSendBuffer(socket, { highWaterBytes: maxBufferedBytes });
    // TODO 5: the join deadline, counted from the connection (failed joins do not buy time):
    //         replace this 0 with timers.setTimeout(() => { log(`#${member.id} did not join
    //         within ${joinTimeoutMs} ms: closing it`); socket.close(JOIN_TIMEOUT_CODE, 'join
    //         timeout: …'); }, joinTimeoutMs). join() clears it; so must the 'close' listener.
    void JOIN_TIMEOUT_CODE;
    const deadline: TimerHandle = 0;

    socket.on('message', (data, isBinary) => {
      const message = isBinary
        ? { type: 'error' as const, code: 'bad_message' as const, message: 'binary frames are not supported: send JSON text' }
        : parseMessage(data.toString());
      switch (message.type) {
        case 'error':
          return refuse(member, message.code, message.message);
        case 'join':
          return join(member, message.name, deadline);
        case 'rename':
          return rename(member, message.name);
        case 'chat':
          return chat(member, message.text);
      }
    });
    // Only a pong carrying our last ping's token proves the member read that ping.
    socket.on('pong', (data) => {
      if (member.pingToken?.equals(data)) member.alive = true;
    });
    // 'close' fires however the connection ends: close frame, terminate(), timeout, broken frame.
    socket.on('close', () => {
      // TODO 4 (and 5): clear the deadline (timers.clearTimeout(deadline)), then leave(member).
      void leave;
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

  return Object.assign(wss, { members, names });
}

if (isMain(import.meta.url)) await runServerProgram('Chat server', createServer);
