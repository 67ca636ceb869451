// Hybrid logical clock: stamps that sort by time, then counter, then node id, so every node
// orders the same two edits the same way without trusting any one clock.

export interface Timestamp {
  millis: number;
  counter: number;
  node: string;
}

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

export class HybridClock {
  private millis = 0;
  private counter = 0;

  constructor(
    readonly node: string,
    private readonly now: () => number = Date.now,
  ) {
    if (!NODE_ID_PATTERN.test(node)) throw new Error(`Node id must be 16 hex digits: ${node}`);
  }

  /** A stamp for a change made here, later than every stamp this clock has made or seen. */
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

  /** Moves the clock past a stamp received from another node. */
  observe(stamp: string): void {
    const remote = parseStamp(stamp);
    const wall = this.now();
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
