// Lesson 10 — the rules for a name, from lesson 09 (done: read it, no need to change it). checkName() turns
// whatever a client sent into a name the server may show to everyone, plus its key: the form two
// names share when people would read them as the same name. It never throws.
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
  // Case mapping can leave a form that is not normalised (ΐ and Ϊ́): NFKC again makes them one key.
  return name.toUpperCase().toLowerCase().normalize('NFKC');
}

// #region check
/** Validates and normalises a name a client sent. */
export function checkName(raw: unknown): NameCheck {
  if (typeof raw !== 'string') return refuse('the name must be a string');
  const name = raw.normalize('NFKC').trim();
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) return refuse(`the name is ${length} characters long; at most ${MAX_NAME_LENGTH} are allowed`);
  if (INVISIBLE.test(name)) return refuse('the name holds an invisible character');
  // The + also refuses an empty name (or one that was only spaces before trim()).
  if (!ALLOWED.test(name)) return refuse('a name is 1 or more letters, digits, spaces and _ - . (nothing else)');
  const key = nameKey(name);
  if (RESERVED_NAMES.includes(key)) return { ok: false, code: 'name_reserved', message: `"${name}" is reserved` };
  return { ok: true, name, key };
}
// #endregion check

function refuse(message: string): NameCheck {
  return { ok: false, code: 'bad_name', message };
}
