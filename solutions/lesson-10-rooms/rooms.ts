// Lesson 10 — the rooms, in one place: the rule for a room id, and the registry that knows who is
// in which room. The registry keeps two indexes that must always agree, room → members and
// member → rooms, and it is the only code that changes them. It never sends anything: the server
// decides who to tell.
//
// The room id rule, as the explainer documents it: a string of 1 to 32 characters, each a
// lower-case ASCII letter, a digit, "_" or "-". Nothing is normalised: "Lobby" is refused, not
// turned into "lobby". The rule lets "__proto__", "constructor" and "toString" through on purpose:
// they are ordinary rooms here, because the rooms live in a Map, never in a plain object (where
// rooms["constructor"] is a function before anyone joined it, and rooms["__proto__"] = … replaces
// the object's prototype instead of adding a room).

export const MAX_ROOM_ID_LENGTH = 32;
const ROOM_ID = /^[a-z0-9_-]+$/;

export type RoomIdCheck = { ok: true; id: string } | { ok: false; message: string };

// #region id
/** Validates a room id a client sent. Never throws, and never converts: ["lobby"] is not "lobby". */
export function checkRoomId(raw: unknown): RoomIdCheck {
  if (typeof raw !== 'string') return { ok: false, message: 'a room id is a string' };
  if (raw.length > MAX_ROOM_ID_LENGTH) return { ok: false, message: `a room id is at most ${MAX_ROOM_ID_LENGTH} characters` };
  // The + also refuses the empty string.
  if (!ROOM_ID.test(raw)) return { ok: false, message: 'a room id is 1 or more of a-z, 0-9, _ and - (lower case, nothing else)' };
  return { ok: true, id: raw };
}
// #endregion id

export interface RoomLimits {
  /** How many rooms may exist at once; joining a room that exists is always allowed. */
  maxRooms: number;
  /** How many rooms one member may be in at once. */
  maxRoomsPerClient: number;
}

/** Why join() refused (the server sends these codes as they are). */
export type JoinRefusal = 'already_in_room' | 'too_many_rooms' | 'rooms_full';

const NONE: ReadonlySet<never> = new Set();

// #region registry
export class Rooms<M> {
  /** room id → its members. A room with no members is deleted: it is never kept empty. */
  private readonly byRoom = new Map<string, Set<M>>();
  /** member → the ids of its rooms. A member in no room has no entry. */
  private readonly byMember = new Map<M, Set<string>>();

  constructor(private readonly limits: RoomLimits) {}

  /** How many rooms exist. */
  get size(): number {
    return this.byRoom.size;
  }

  /** How many members are in at least one room. */
  get memberCount(): number {
    return this.byMember.size;
  }

  /** The ids of every room, in the order they were created. */
  ids(): string[] {
    return [...this.byRoom.keys()];
  }

  /** The members of a room (none if it does not exist). */
  members(id: string): ReadonlySet<M> {
    return this.byRoom.get(id) ?? NONE;
  }

  /** The rooms a member is in, in the order it joined them. */
  roomsOf(member: M): ReadonlySet<string> {
    return this.byMember.get(member) ?? NONE;
  }

  /** Puts a member in a room, creating the room if needed; or says why not. Checks in this order. */
  join(member: M, id: string): JoinRefusal | undefined {
    const mine = this.byMember.get(member);
    if (mine?.has(id)) return 'already_in_room';
    if ((mine?.size ?? 0) >= this.limits.maxRoomsPerClient) return 'too_many_rooms';
    let room = this.byRoom.get(id);
    if (room === undefined) {
      if (this.byRoom.size >= this.limits.maxRooms) return 'rooms_full';
      room = new Set();
      this.byRoom.set(id, room);
    }
    room.add(member);
    if (mine === undefined) this.byMember.set(member, new Set([id]));
    else mine.add(id);
    return undefined;
  }

  /** Takes a member out of a room; false if it was not in it. The last one out deletes the room. */
  leave(member: M, id: string): boolean {
    const room = this.byRoom.get(id);
    if (room === undefined || !room.delete(member)) return false;
    if (room.size === 0) this.byRoom.delete(id);
    const mine = this.byMember.get(member)!;
    mine.delete(id);
    if (mine.size === 0) this.byMember.delete(member);
    return true;
  }

  /** Takes a member out of every room at once; returns the ids it left, in the order it joined them. */
  leaveAll(member: M): string[] {
    const ids = [...this.roomsOf(member)];
    for (const id of ids) this.leave(member, id);
    return ids;
  }
}
// #endregion registry
