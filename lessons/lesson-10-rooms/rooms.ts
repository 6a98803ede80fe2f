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
//
// Check it: npm run check lesson-10

import { todo } from '../../lib/todo.ts';

export const MAX_ROOM_ID_LENGTH = 32;
const ROOM_ID = /^[a-z0-9_-]+$/;

export type RoomIdCheck = { ok: true; id: string } | { ok: false; message: string };

/** Validates a room id a client sent. Never throws, and never converts: ["lobby"] is not "lobby". */
export function checkRoomId(raw: unknown): RoomIdCheck {
  // TODO 2: refuse ({ ok: false, message: '…why…' }) what is not a string (typeof raw !== 'string':
  //         do not String(raw) it, or ["lobby"] becomes "lobby"), what is longer than
  //         MAX_ROOM_ID_LENGTH, and what ROOM_ID does not match (its + also refuses ''). Each message
  //         says which rule: "a room id is a string", "… at most 32 characters", "… a-z, 0-9, _ and -".
  //         Convert nothing: no toLowerCase(), no trim(). Otherwise return { ok: true, id: raw }.
  void raw;
  void ROOM_ID;
  todo('rooms.ts: checkRoomId(): a string of 1 to 32 of a-z, 0-9, _ and -; refuse anything else');
}

export interface RoomLimits {
  /** How many rooms may exist at once; joining a room that exists is always allowed. */
  maxRooms: number;
  /** How many rooms one member may be in at once. */
  maxRoomsPerClient: number;
}

/** Why join() refused (the server sends these codes as they are). */
export type JoinRefusal = 'already_in_room' | 'too_many_rooms' | 'rooms_full';

const NONE: ReadonlySet<never> = new Set();

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
    // TODO 3: const mine = this.byMember.get(member). In this order: mine?.has(id) → return
    //         'already_in_room'; (mine?.size ?? 0) >= this.limits.maxRoomsPerClient → 'too_many_rooms';
    //         then let room = this.byRoom.get(id): if there is none, return 'rooms_full' when
    //         this.byRoom.size >= this.limits.maxRooms, else create it (new Set(), byRoom.set).
    //         Joining a room that exists is allowed however many rooms there are. Then
    //         room.add(member), and add id to the member's Set (creating it in byMember). Return undefined.
    void member;
    void id;
    todo('rooms.ts: Rooms.join(): check already_in_room, too_many_rooms, rooms_full, then record the member in both maps');
  }

  /** Takes a member out of a room; false if it was not in it. The last one out deletes the room. */
  leave(member: M, id: string): boolean {
    // TODO 5: const room = this.byRoom.get(id); no room, or !room.delete(member): return false.
    //         If the room is now empty: this.byRoom.delete(id) (an empty room kept is a leak).
    //         Delete id from the member's Set in byMember, and the member's entry once its Set is
    //         empty. Return true.
    void member;
    void id;
    todo('rooms.ts: Rooms.leave(): take the member out of both maps; the last one out deletes the room');
  }

  /** Takes a member out of every room at once; returns the ids it left, in the order it joined them. */
  leaveAll(member: M): string[] {
    // TODO 6: const ids = [...this.roomsOf(member)] (a copy: leave() changes the Set), leave(member, id)
    //         for each, and return ids.
    void member;
    todo('rooms.ts: Rooms.leaveAll(): leave every room of the member, and return their ids');
  }
}
