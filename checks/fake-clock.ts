// Fake time for the checks of lessons 09 and 10 (lesson 07 shows the learner its own copy, with
// fake randomness too). FakeClock has the same setTimeout / setInterval shape as Node's timers,
// but time only moves when a check calls tick(ms): "two heartbeat intervals" or "the 10-second
// join deadline" take no real time and happen exactly, however busy the machine is. Sockets stay
// real; only the timers are fake.
export type FakeHandle = number;

interface FakeTimer {
  due: number;
  /** Set for intervals: the timer is re-armed this many ms later each time it fires. */
  every?: number;
  callback: () => void;
}

export class FakeClock {
  /** Fake milliseconds since the clock was made. */
  now = 0;
  private readonly timers = new Map<FakeHandle, FakeTimer>();
  private nextHandle = 1;

  readonly setTimeout = (callback: () => void, ms: number): FakeHandle => this.add(callback, Math.max(0, ms));
  readonly clearTimeout = (handle: FakeHandle | NodeJS.Timeout | undefined): void => this.remove(handle);
  // Like Node, an interval shorter than 1 ms runs every 1 ms (never in an endless loop at one instant).
  readonly setInterval = (callback: () => void, ms: number): FakeHandle => this.add(callback, Math.max(1, ms), Math.max(1, ms));
  readonly clearInterval = (handle: FakeHandle | NodeJS.Timeout | undefined): void => this.remove(handle);

  /** How many timers are still armed. A component that was shut down cleanly leaves 0. */
  get pending(): number {
    return this.timers.size;
  }

  /** The armed timers' delays from now, soonest first (for failure messages). */
  describePending(): string {
    const left = [...this.timers.values()].map((timer) => `${timer.every ? 'an interval' : 'a timeout'} due in ${round(timer.due - this.now)} ms`);
    return left.length === 0 ? 'no timers' : left.join(', ');
  }

  // #region tick
  /**
   * Moves time forward by `ms`, running every timer that falls due, in order of due time (then of
   * creation), including timers those callbacks arm if they fall due within the same window.
   */
  tick(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`tick(ms) needs a finite ms >= 0, not ${ms}`);
    const target = this.now + ms;
    for (let fired = 0; ; fired += 1) {
      if (fired > 100_000) throw new Error('FakeClock: more than 100000 timers fired in one tick (a timer loop?)');
      const next = this.soonest(target);
      if (!next) break;
      const [handle, timer] = next;
      this.now = Math.max(this.now, timer.due);
      if (timer.every !== undefined) timer.due += timer.every;
      else this.timers.delete(handle);
      timer.callback();
    }
    this.now = target;
  }
  // #endregion

  private soonest(limit: number): [FakeHandle, FakeTimer] | undefined {
    let best: [FakeHandle, FakeTimer] | undefined;
    for (const entry of this.timers) {
      if (entry[1].due > limit) continue;
      if (!best || entry[1].due < best[1].due) best = entry; // Map order = creation order breaks ties
    }
    return best;
  }

  private add(callback: () => void, delay: number, every?: number): FakeHandle {
    if (typeof callback !== 'function') throw new TypeError('FakeClock: the callback must be a function');
    const handle = this.nextHandle;
    this.nextHandle += 1;
    this.timers.set(handle, { due: this.now + delay, every, callback });
    return handle;
  }

  private remove(handle: FakeHandle | NodeJS.Timeout | undefined): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
