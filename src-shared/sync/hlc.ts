// Hybrid logical clock: stamps that sort by time, then counter, then node id, so every node
// orders the same two edits the same way without trusting any one clock.
//
// Bounded: a stamp is a promise about real time, and the highest stamp of a cell wins, so one
// PC whose clock is a day fast would win every edit for a day and drag every clock it met
// forward. Like the trusted systems (a maximum clock offset, as in Spanner or CockroachDB), the
// clock never moves past its own wall clock plus MAX_CLOCK_AHEAD_MS because of a stamp it saw:
// `observe` ignores such a stamp. The node that receives it decides what else to do: the relay
// refuses a push holding one (WorkspaceStore.applyRemote with `refuseAhead`), a desk applies it
// (the relay's log is the shop's, it cannot refuse it) but is not moved by it.
// `tick` stamps past `wall + bound` only after the wall clock was set back under stamps this
// clock made itself; such stamps are this desk's own and unsent, and the desk rewrites them
// before they leave (WorkspaceStore.restampAhead, src-main/sync/sync-client.ts).

export interface Timestamp {
  millis: number;
  counter: number;
  node: string;
}

/** How far ahead of a node's own wall clock a stamp may be: 5 minutes (ordinary PC clock drift fits). */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

const MAX_COUNTER = 0xffff;
export const NODE_ID_PATTERN = /^[0-9a-f]{16}$/;
// 15 digits of milliseconds, 4 hex digits of counter, 16 hex digits of node id.
export const STAMP_PATTERN = /^\d{15}-[0-9a-f]{4}-[0-9a-f]{16}$/;

export function formatStamp(t: Timestamp): string {
  return `${String(t.millis).padStart(15, '0')}-${t.counter.toString(16).padStart(4, '0')}-${t.node}`;
}

export function parseStamp(stamp: string): Timestamp {
  if (!STAMP_PATTERN.test(stamp)) throw new Error(`Not a clock stamp: ${stamp}`);
  const [millis, counter, node] = stamp.split('-') as [string, string, string];
  return { millis: Number(millis), counter: parseInt(counter, 16), node };
}

export function nodeOfStamp(stamp: string): string {
  return stamp.slice(-16);
}

/** The milliseconds of a stamp (the first 15 digits). */
export function millisOfStamp(stamp: string): number {
  return Number(stamp.slice(0, 15));
}

/** The highest stamp any node can make at `millis`: stamps compare as strings, so `stamp <= stampCeiling(x)` means "at or before x". */
export function stampCeiling(millis: number): string {
  return formatStamp({ millis, counter: MAX_COUNTER, node: 'ffffffffffffffff' });
}

export class HybridClock {
  private millis = 0;
  private counter = 0;

  constructor(
    readonly node: string,
    readonly now: () => number = Date.now,
    /** How far ahead of `now()` an observed stamp may move this clock. */
    readonly maxAheadMs: number = MAX_CLOCK_AHEAD_MS,
  ) {
    if (!NODE_ID_PATTERN.test(node)) throw new Error(`Node id must be 16 hex digits: ${node}`);
  }

  /** The latest time a stamp may carry, by this node's wall clock: now plus the bound. */
  limit(): number {
    return this.now() + this.maxAheadMs;
  }

  /** A stamp is beyond the bound: more than `maxAheadMs` ahead of this node's wall clock. */
  isAhead(stamp: string): boolean {
    return millisOfStamp(stamp) > this.limit();
  }

  /** The clock stands more than the bound ahead of the wall clock: the wall clock was set back under stamps made here. */
  runsAhead(): boolean {
    return this.millis > this.limit();
  }

  /** A stamp for a change made here, later than every stamp this clock has made or accepted. */
  tick(): string {
    const wall = this.now();
    if (wall > this.millis) {
      this.millis = wall;
      this.counter = 0;
    } else {
      this.bumpCounter();
    }
    return formatStamp({ millis: this.millis, counter: this.counter, node: this.node });
  }

  /**
   * Moves the clock past a stamp received from another node, unless the stamp is more than
   * `maxAheadMs` ahead of this node's wall clock: then it is ignored (false), so one fast
   * clock cannot drag every other forward.
   */
  observe(stamp: string): boolean {
    const remote = parseStamp(stamp);
    const wall = this.now();
    if (remote.millis > wall + this.maxAheadMs) return false;
    const top = Math.max(wall, this.millis, remote.millis);
    if (top === this.millis && top === remote.millis) {
      this.counter = Math.max(this.counter, remote.counter);
      this.bumpCounter();
    } else if (top === this.millis) {
      this.bumpCounter();
    } else if (top === remote.millis) {
      this.millis = top;
      this.counter = remote.counter;
      this.bumpCounter();
    } else {
      this.millis = top;
      this.counter = 0;
    }
    return true;
  }

  /**
   * Sets the clock back to just past `stamp` (or to nothing, when null). Only for the store,
   * after it rewrote this node's own stamps that ran ahead (`restampAhead`): `stamp` is then the
   * newest stamp in the log within the bound, so stamps made next still come after every one kept.
   */
  rewindTo(stamp: string | null): void {
    this.millis = 0;
    this.counter = 0;
    if (stamp) this.observe(stamp);
  }

  private bumpCounter(): void {
    if (this.counter >= MAX_COUNTER) {
      // More than 65,535 stamps in one millisecond: borrow the next millisecond.
      this.millis += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
  }
}
