// Lesson 07 — how long a client waits before its next reconnect attempt.
// Exponential backoff with full jitter: attempt n waits a random time in [0, min(cap, base·factorⁿ)).
// The growth spares a server that is down; the randomness spreads clients that all lost their
// connection at the same moment, so they do not all come back at the same moment either.
// Check it: npm run check lesson-07
import { todo } from '../../lib/todo.ts';

export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. */
  base?: number;
  /** How much the upper bound grows per failed attempt (2 doubles it). */
  factor?: number;
  /** The upper bound never grows past this, in ms. */
  cap?: number;
  /** A number in [0, 1): Math.random by default; the checks pass their own to get exact answers. */
  random?: () => number;
}

export type BackoffSettings = Required<BackoffOptions>;

export const BACKOFF_DEFAULTS = { base: 500, factor: 2, cap: 30_000 } as const;

/** Fills in the defaults and rejects settings that would make no sense (or an endless tight loop). */
export function backoffSettings({
  base = BACKOFF_DEFAULTS.base,
  factor = BACKOFF_DEFAULTS.factor,
  cap = BACKOFF_DEFAULTS.cap,
  random = Math.random,
}: BackoffOptions = {}): BackoffSettings {
  if (!(Number.isFinite(base) && base > 0)) throw new RangeError(`base must be a positive number of ms, not ${base}`);
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`factor must be a number >= 1, not ${factor}`);
  if (!(Number.isFinite(cap) && cap >= base)) throw new RangeError(`cap must be a number of ms >= base (${base}), not ${cap}`);
  if (typeof random !== 'function') throw new TypeError('random must be a function returning a number in [0, 1)');
  return { base, factor, cap, random };
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry after a drop):
 * a uniformly random time in [0, min(cap, base·factor^attempt)).
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  // TODO 1: throw a RangeError naming `attempt` when it is not a whole number >= 0
  //         (Number.isInteger(attempt) && attempt >= 0).
  const { base, factor, cap, random } = backoffSettings(options);
  // TODO 2: the ceiling: base·factor^attempt, but never more than cap.
  // TODO 3: full jitter: any delay from 0 up to the ceiling is equally likely, so return
  //         random() times the ceiling. Call random() once, and throw a RangeError naming
  //         `random` if what it returned is not in [0, 1): a broken random() must not produce NaN
  //         or a delay beyond the cap.
  todo('backoff.ts: compute the delay for this attempt: exponential, capped, with full jitter');
}
