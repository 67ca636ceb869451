import { describe, expect, it } from 'vitest';
import { HybridClock, parseStamp } from './hlc.js';

describe('hybrid logical clock', () => {
  it('keeps stamps increasing when the wall clock stands still or goes back', () => {
    let wall = 1_000;
    const clock = new HybridClock('00000000000000aa', () => wall);
    const a = clock.tick();
    wall = 900; // the PC's clock was set back
    const b = clock.tick();
    const c = clock.tick();
    expect(a < b && b < c).toBe(true);
  });

  it('moves past a stamp from a desk whose clock is ahead', () => {
    const clock = new HybridClock('00000000000000aa', () => 1_000);
    const remote = new HybridClock('00000000000000bb', () => 5_000).tick();
    clock.observe(remote);
    const next = clock.tick();
    expect(next > remote).toBe(true);
    expect(parseStamp(next).millis).toBe(5_000);
  });

  it('orders two edits in the same millisecond by node id, the same way everywhere', () => {
    const a = new HybridClock('00000000000000aa', () => 1_000).tick();
    const b = new HybridClock('00000000000000bb', () => 1_000).tick();
    expect(a < b).toBe(true);
  });

  it('refuses a node id that is not 16 hex digits', () => {
    expect(() => new HybridClock('desk-1')).toThrow(/16 hex digits/);
  });
});
