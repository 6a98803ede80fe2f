// Lesson 09 — the rules for a name, in one place. checkName() turns whatever a client sent into a
// name the server may show to everyone, plus its key: the form two names share when people would
// read them as the same name. It never throws: a name is untrusted input like any other.
//
// Check it: npm run check lesson-09
//
// The rule, as the explainer documents it:
//   1. NFKC-normalise (full-width Ａｌｉｃｅ becomes Alice, the ligature ﬁ becomes fi, Ⅻ becomes XII),
//      then trim spaces at both ends (a full-width space U+3000 became a plain one).
//   2. 1 to 32 characters (code points, not UTF-16 units: 𠀀 is one character) after that.
//   3. No invisible character (Unicode's Default_Ignorable_Code_Point: zero-width spaces, joiners,
//      direction marks, the Hangul fillers that look like nothing but count as letters).
//   4. Only letters, combining marks, digits, spaces and _ - . (no control characters, no symbols).
//   5. Not a reserved name (compared by key, so ADMIN and Ａｄｍｉｎ are reserved too).
// The key is the name upper-cased, then lower-cased: Alice, alice and ALICE share it, and so do
// Straße and STRASSE (upper-casing turns ß into SS), which toLowerCase() alone would keep apart.

import { todo } from '../../lib/todo.ts';

export const MAX_NAME_LENGTH = 32;

/** Names no client may take: they would pass for the server speaking. Written as keys. */
export const RESERVED_NAMES: readonly string[] = ['admin', 'moderator', 'root', 'server', 'system'];

export type NameCheck =
  | { ok: true; name: string; key: string }
  | { ok: false; code: 'bad_name' | 'name_reserved'; message: string };

const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const ALLOWED = /^[\p{L}\p{M}\p{N} _.-]+$/u;

/** The form two names share when they are "the same name": compare and store keys, show names. */
export function nameKey(name: string): string {
  // TODO 3: return the name upper-cased, then lower-cased, then NFKC-normalised again. Why both
  //         cases: upper-casing turns ß into SS (so Straße and STRASSE meet), and lower-casing
  //         after it gives one form for the rest. Why NFKC again: case mapping can leave a form
  //         that is not normalised (ΐ and Ϊ́ would get two keys).
  void name;
  todo("names.ts: nameKey(): return name.toUpperCase().toLowerCase().normalize('NFKC')");
}

/** Validates and normalises a name a client sent. */
export function checkName(raw: unknown): NameCheck {
  // TODO 2: follow the rule above, in order, and return refuse('…why…') at the first rule broken:
  //         not a string; then const name = raw.normalize('NFKC').trim(); empty; longer than
  //         MAX_NAME_LENGTH characters (count code points: [...name].length, not name.length);
  //         INVISIBLE.test(name); !ALLOWED.test(name). Then const key = nameKey(name): if
  //         RESERVED_NAMES.includes(key), return { ok: false, code: 'name_reserved', message: … }.
  //         Otherwise return { ok: true, name, key }.
  void raw;
  void INVISIBLE;
  void ALLOWED;
  void refuse;
  todo('names.ts: checkName(): NFKC-normalise and trim the name, check its length and characters, refuse reserved names');
}

function refuse(message: string): NameCheck {
  return { ok: false, code: 'bad_name', message };
}
