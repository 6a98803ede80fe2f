// Known-wrong solutions for lesson 10: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  // Where the rooms live
  {
    name: 'rooms-in-a-plain-object',
    mistake: 'keeps the rooms in a plain object ("a Map is overkill"), so the room "constructor" already holds Object\'s constructor and "__proto__" is Object.prototype: joining either throws',
    edits: [
      { file: 'rooms.ts', find: 'const NONE: ReadonlySet<never> = new Set();', replace: `const NONE: ReadonlySet<never> = new Set();

/** Rooms by id in a plain object, behind the few Map methods the registry uses. */
function objectMap<V>() {
  const store: Record<string, V> = {};
  return {
    get: (key: string): V | undefined => store[key],
    set: (key: string, value: V): void => { store[key] = value; },
    delete: (key: string): boolean => delete store[key],
    keys: (): string[] => Object.keys(store),
    get size(): number { return Object.keys(store).length; },
  };
}` },
      { file: 'rooms.ts', find: '  private readonly byRoom = new Map<string, Set<M>>();', replace: '  private readonly byRoom = objectMap<Set<M>>();' },
    ],
    mustFail: ['"__proto__" and "constructor" are rooms like any other', 'match a model'],
  },
  // Empty rooms and the reverse index
  {
    name: 'empty-rooms-kept',
    mistake: 'takes the last member out of a room but keeps the empty room, so the map grows with every room ever used until maxRooms refuses new ones',
    edits: [{ file: 'rooms.ts', find: '    if (room.size === 0) this.byRoom.delete(id);\n', replace: '' }],
    mustFail: ['10,000 join and leave cycles', 'the last one out deletes the room', 'however it ends'],
  },
  {
    name: 'member-entries-kept',
    mistake: 'empties a member\'s Set of rooms but never deletes its entry, so every client that ever joined a room stays in the reverse index',
    edits: [{ file: 'rooms.ts', find: '    if (mine.size === 0) this.byMember.delete(member);\n', replace: '' }],
    mustFail: ['the last one out deletes the room', '10,000 join and leave cycles'],
  },
  {
    name: 'leave-forgets-the-members-side',
    mistake: 'takes the member out of the room\'s Set but not the room out of the member\'s Set, so it cannot join that room again and its place under maxRoomsPerClient is never freed',
    edits: [{ file: 'rooms.ts', find: '    mine.delete(id);\n', replace: '' }],
    mustFail: ['leaving frees the place', 'the last one out deletes the room'],
  },
  // Limits
  {
    name: 'per-client-limit-off-by-one',
    mistake: 'refuses a room only when the client is in more than maxRoomsPerClient already, so it gets one room too many',
    edits: [{ file: 'rooms.ts', find: '(mine?.size ?? 0) >= this.limits.maxRoomsPerClient', replace: '(mine?.size ?? 0) > this.limits.maxRoomsPerClient' }],
    mustFail: ['leaving frees the place', 'the default limits'],
  },
  {
    name: 'room-limit-refuses-existing-rooms',
    mistake: 'checks the room count before looking the room up, so at maxRooms nobody can join even a room that exists',
    edits: [{ file: 'rooms.ts', find: "    let room = this.byRoom.get(id);\n    if (room === undefined) {\n      if (this.byRoom.size >= this.limits.maxRooms) return 'rooms_full';", replace: "    if (this.byRoom.size >= this.limits.maxRooms) return 'rooms_full';\n    let room = this.byRoom.get(id);\n    if (room === undefined) {" }],
    mustFail: ['leaving frees the place', 'the default limits'],
  },
  // The room id rule
  {
    name: 'room-id-coerced-to-string',
    mistake: 'turns whatever came into a string with String(raw), so ["lobby"] joins lobby and null joins a room called "null"',
    edits: [{ file: 'rooms.ts', find: "  if (typeof raw !== 'string') return { ok: false, message: 'a room id is a string' };", replace: '  raw = String(raw);' }],
    mustFail: ['room ids follow the documented rule'],
  },
  {
    name: 'room-id-lower-cased',
    mistake: 'lower-cases the id instead of refusing it, so "Lobby" quietly becomes lobby, against the documented rule',
    edits: [
      { file: 'rooms.ts', find: '  if (!ROOM_ID.test(raw)) return', replace: '  if (!ROOM_ID.test(raw.toLowerCase())) return' },
      { file: 'rooms.ts', find: '  return { ok: true, id: raw };', replace: '  return { ok: true, id: raw.toLowerCase() };' },
    ],
    mustFail: ['room ids follow the documented rule'],
  },
  {
    name: 'room-id-without-length-limit',
    mistake: 'checks the characters of a room id but not its length, so a client can name rooms with 16 KiB ids',
    edits: [{ file: 'rooms.ts', find: '  if (raw.length > MAX_ROOM_ID_LENGTH) return', replace: '  if (raw.length > MAX_ROOM_ID_LENGTH * 1000) return' }],
    mustFail: ['room ids follow the documented rule'],
  },
  // Who hears what
  {
    name: 'room-broadcast-to-every-connection',
    mistake: 'sends a room\'s messages to every connection on the server, the Python tutorial\'s single room, with a "room" field nobody filters on',
    edits: [{ file: 'server.ts', find: '    for (const member of rooms.members(id)) if (member !== except) deliver(member, message);', replace: '    for (const member of members.values()) if (member !== except) deliver(member, message);' }],
    mustFail: ['messages never cross rooms', 'gets its members', 'once per room'],
  },
  {
    name: 'chat-to-all-my-rooms',
    mistake: 'sends a line to every room the sender is in, not to the room it named, so a member of two rooms gets it twice and other rooms hear it',
    edits: [{ file: 'server.ts', find: "    toRoom(id, { type: 'chat', room: id, from: name, text });", replace: "    for (const mine of rooms.roomsOf(member)) toRoom(mine, { type: 'chat', room: mine, from: name, text });" }],
    mustFail: ['once per room, in order per sender', 'messages never cross rooms'],
  },
  {
    name: 'chat-without-membership',
    mistake: 'lets anyone speak in any room without joining it, so a client can write into rooms it cannot read',
    edits: [{ file: 'server.ts', find: "    if (!rooms.roomsOf(member).has(id)) return refuse(member, 'not_in_room', `join #${id} before you speak in it`);\n", replace: '' }],
    mustFail: ['leave or chat outside a room is not_in_room', 'match a model'],
  },
  {
    name: 'member-joined-sent-to-the-joiner',
    mistake: 'tells the whole room, the joiner included, that someone joined, so the joiner gets a "member_joined" about itself after its "joined"',
    edits: [{ file: 'server.ts', find: "    toRoom(id, { type: 'member_joined', room: id, name }, member);", replace: "    toRoom(id, { type: 'member_joined', room: id, name });" }],
    mustFail: ['gets its members'],
  },
  // Leaving
  {
    name: 'rooms-kept-on-disconnect',
    mistake: 'takes a member out of a room only when it sends "leave", so a client whose connection ends stays in its rooms for ever',
    edits: [{ file: 'server.ts', find: '    const left = rooms.leaveAll(member);', replace: '    const left: string[] = [];' }],
    mustFail: ['however it ends', '10,000 join and leave cycles', 'stops answering pings'],
  },
  {
    name: 'disconnect-only-on-clean-close',
    mistake: 'cleans up in the handler of a clean close (code 1000) only, so a dropped connection, a broken frame or the heartbeat leave the member in its rooms with its name taken',
    edits: [
      { file: 'server.ts', find: "    socket.on('close', () => {\n      timers.clearTimeout(deadline);\n      disconnect(member);", replace: "    socket.on('close', (code) => {\n      timers.clearTimeout(deadline);\n      if (code === 1000) disconnect(member);\n      else members.delete(socket);" },
    ],
    mustFail: ['however it ends', 'stops answering pings'],
  },
  // Slow members
  {
    name: 'one-send-queue-for-all-rooms',
    mistake: 'keeps every message in order by chaining all sends on one promise, each waiting for the one before to be written, so one member that stops reading stops every room',
    edits: [{ file: 'server.ts', find: '    socket.send(JSON.stringify(message));\n  }', replace: '    // One queue for all: each send waits until the one before it was written.\n    queue = queue.then(() => new Promise<void>((resolve) => socket.send(JSON.stringify(message), () => resolve())));\n  }\n  let queue = Promise.resolve();' }],
    mustFail: ['does not slow its room or another room'],
  },
  {
    name: 'slow-member-closed-politely',
    mistake: 'closes a member that stopped reading with a close frame, which waits behind everything it never reads, so it stays in its rooms for 30 s',
    edits: [{ file: 'server.ts', find: '      socket.terminate();\n      return;', replace: "      socket.close(1013, 'too slow');\n      return;" }],
    mustFail: ['does not slow its room or another room'],
  },
  // Robustness
  {
    name: 'no-error-listener',
    mistake: 'has no "error" listener on the socket, so a client sending a broken frame crashes the whole server',
    edits: [{ file: 'server.ts', find: "    socket.on('error', (error) => log(`#${member.id} error: ${printable(error.message)}`));\n", replace: '' }],
    mustFail: ['however it ends'],
  },
  {
    name: 'no-max-payload',
    mistake: 'creates the server without maxPayload, so it reads messages of up to ws\'s default 100 MiB',
    edits: [{ file: 'server.ts', find: 'new WebSocketServer({ host, port, maxPayload: MAX_MESSAGE_BYTES })', replace: 'new WebSocketServer({ host, port })' }],
    mustFail: ['however it ends'],
  },
  {
    name: 'logs-raw-text',
    mistake: 'logs a chat line as it came, so a newline in it forges a log line',
    edits: [{ file: 'server.ts', find: '    log(`#${id} ${name}: ${printable(text, 80)}`);', replace: '    log(`#${id} ${name}: ${text}`);' }],
    mustFail: ['messages never cross rooms'],
  },
  // The client
  {
    name: 'client-leaves-after-the-first-room',
    mistake: 'leaves as soon as its line comes back in one room, before the others have echoed it',
    edits: [{ file: 'client.ts', find: ' && waiting.delete(String(message.room)) && waiting.size === 0) leave();', replace: ') leave();' }],
    mustFail: ['once its line came back in every room'],
  },
  {
    name: 'client-echo-from-any-room',
    mistake: 'counts its own line coming back without looking at the room, so two echoes in one room finish two rooms',
    edits: [{ file: 'client.ts', find: ' && waiting.delete(String(message.room)) && waiting.size === 0) leave();', replace: ' && waiting.delete([...waiting][0]!) && waiting.size === 0) leave();' }],
    mustFail: ['once its line came back in every room'],
  },
  {
    name: 'client-prints-raw',
    mistake: 'prints names, rooms and lines as the server sent them, so an escape sequence in a name clears the terminal',
    edits: [{ file: 'client.ts', find: '      const show = (value: unknown): string => printable(String(value));', replace: '      const show = (value: unknown): string => String(value);' }],
    mustFail: ['escaped'],
  },
  {
    name: 'client-closes-a-silent-server',
    mistake: 'gives up on a silent server with close(), which waits for an answer that never comes, instead of terminate()',
    edits: [{ file: 'client.ts', find: '      failure ??= new Error(`no ${what} from the server within ${timeoutMs} ms`);\n      ws.terminate();', replace: '      failure ??= new Error(`no ${what} from the server within ${timeoutMs} ms`);\n      ws.close();' }],
    mustFail: ['never answers'],
  },
] satisfies WrongSolution[];
