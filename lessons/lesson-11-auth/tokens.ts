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
// Check it: npm run check lesson-11
import { createHmac, timingSafeEqual } from 'node:crypto';
import { todo } from '../../lib/todo.ts';

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

/** The signature of a payload: HMAC-SHA256 with the secret, base64url-encoded. */
function signature(secret: string, payload: string): string {
  // TODO 1: createHmac('sha256', secret).update(payload).digest('base64url')
  void createHmac;
  void secret;
  void payload;
  todo('tokens.ts: signature(): the HMAC-SHA256 of the payload text with the secret, as base64url');
}

/** Makes a token for `claims`, signed with `secret`. */
export function signToken(secret: string, claims: Claims): string {
  // TODO 1 (continued): const payload = Buffer.from(JSON.stringify({ sub: claims.sub, exp: claims.exp })).toString('base64url');
  //         return `${payload}.${signature(secret, payload)}`. Only sub and exp, in that order.
  void signature;
  void claims;
  todo('tokens.ts: signToken(): base64url(JSON of { sub, exp }) + "." + signature(secret, payload)');
}

/**
 * Checks a token: its shape, then its signature (in constant time), then its claims, then its
 * expiry. Never throws: a token is untrusted input.
 */
export function verifyToken(secret: string, token: string, now: number): Verdict {
  // TODO 2: in this order, returning { ok: false, reason } at the first problem:
  //   - longer than MAX_TOKEN_LENGTH: 'malformed' (no work for a huge token);
  //   - token.split('.') is not exactly two parts: 'malformed';
  //   - the signature: const expected = Buffer.from(signature(secret, payload)), const actual =
  //     Buffer.from(given); if their LENGTHS differ (bytes, not characters: "é" is 2 bytes), or
  //     !timingSafeEqual(actual, expected): 'bad_signature'. Never === : it answers sooner the
  //     earlier the strings differ, and that timing leaks the signature byte by byte.
  //     timingSafeEqual throws on different lengths, so check them first.
  //   - only now parse: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) in a
  //     try/catch; if !isClaims(claims): 'malformed';
  //   - now >= claims.exp: 'expired';
  //   - else { ok: true, claims: { sub, exp } } (only those two fields).
  void timingSafeEqual;
  void isClaims;
  void secret;
  void token;
  void now;
  todo('tokens.ts: verifyToken(): shape, then the signature with timingSafeEqual, then the claims, then the expiry');
}

/** An object with a string sub of 1 to 64 characters and a finite number exp (Number.isFinite is false for anything else). */
function isClaims(value: unknown): value is Claims {
  if (typeof value !== 'object' || value === null) return false;
  const { sub, exp } = value as Record<string, unknown>;
  return typeof sub === 'string' && sub.length > 0 && sub.length <= MAX_SUBJECT_LENGTH && Number.isFinite(exp);
}
