// Lesson 11 — signed tokens. A token says who its holder is and until when, and carries an HMAC
// of those words made with a secret only the server (and whoever issues tokens) knows: change one
// character of it and the signature no longer matches. It is a small cousin of a JWT.
//
//   token     = payload "." signature
//   payload   = base64url(JSON.stringify({ sub: "alice", exp: 1767225900000 }))
//   signature = base64url(HMAC-SHA256(secret, payload))      (over the payload's text, as sent)
//
// sub: who (1 to 64 characters). exp: when the token stops being valid, in milliseconds since
// 1970 like Date.now() (a JWT counts seconds; this workbook counts milliseconds everywhere).
// Make one by hand: npx tsx lessons/lesson-11-auth/mint-token.ts alice
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims a token carries. */
export interface Claims {
  /** Who holds the token: a user id, 1 to MAX_SUBJECT_LENGTH characters. */
  sub: string;
  /** When it expires: milliseconds since 1970 (Date.now()'s unit). Valid while now < exp. */
  exp: number;
}

/** What verifyToken() found: the claims, or why the token is refused. */
export type Verdict =
  | { ok: true; claims: Claims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** A longer token is refused before any work is done on it (a real one is about 130 characters). */
export const MAX_TOKEN_LENGTH = 1024;
export const MAX_SUBJECT_LENGTH = 64;
/** HMAC-SHA256 wants a key of at least 32 bytes: a shorter secret is easier to guess. */
export const MIN_SECRET_BYTES = 32;
/** The secret the lesson's programs use when AUTH_SECRET is not set. Never in production. */
export const DEV_SECRET = 'workbook-development-secret-never-use-in-production';

// #region sign
/** The signature of a payload: HMAC-SHA256 with the secret, base64url-encoded. */
function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Makes a token for `claims`, signed with `secret`. */
export function signToken(secret: string, claims: Claims): string {
  const payload = Buffer.from(JSON.stringify({ sub: claims.sub, exp: claims.exp })).toString('base64url');
  return `${payload}.${signature(secret, payload)}`;
}
// #endregion sign

// #region verify
/**
 * Checks a token: its shape, then its signature (in constant time), then its claims, then its
 * expiry. Never throws: a token is untrusted input.
 */
export function verifyToken(secret: string, token: string, now: number): Verdict {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [payload, given] = parts as [string, string];
  // Compare bytes, not strings: === stops at the first difference, and how long it took tells an
  // attacker how much of a forged signature is right. timingSafeEqual always looks at every byte,
  // and throws on inputs of different lengths: check the lengths first (a signature's length is
  // no secret). Buffer lengths, not string lengths: "é" is one character but two bytes.
  const expected = Buffer.from(signature(secret, payload));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, reason: 'bad_signature' };
  // Only now is the payload ours: it is safe to parse.
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    // Not JSON: claims stays undefined and is refused just below.
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (now >= claims.exp) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { sub: claims.sub, exp: claims.exp } };
}

/** An object with a string sub of 1 to 64 characters and a finite number exp (Number.isFinite is false for anything else). */
function isClaims(value: unknown): value is Claims {
  if (typeof value !== 'object' || value === null) return false;
  const { sub, exp } = value as Record<string, unknown>;
  return typeof sub === 'string' && sub.length > 0 && sub.length <= MAX_SUBJECT_LENGTH && Number.isFinite(exp);
}
// #endregion verify
