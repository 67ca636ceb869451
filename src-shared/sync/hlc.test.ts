import { describe, expect, it } from 'vitest';
import { formatStamp, HybridClock, MAX_CLOCK_AHEAD_MS, parseStamp, stampCeiling } from './hlc.js';
import { clockSentence, describeDuration, measureOffset } from './clock-offset.js';

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

  it('moves past a stamp from a desk whose clock is ahead, within the bound', () => {
    const clock = new HybridClock('00000000000000aa', () => 1_000);
    const remote = new HybridClock('00000000000000bb', () => 5_000).tick();
    expect(clock.observe(remote)).toBe(true);
    const next = clock.tick();
    expect(next > remote).toBe(true);
    expect(parseStamp(next).millis).toBe(5_000);
  });

  it('is not dragged forward by a stamp more than the bound ahead of its wall clock', () => {
    const wall = 1_000_000_000_000;
    const clock = new HybridClock('00000000000000aa', () => wall);
    const twoDaysAhead = new HybridClock('00000000000000bb', () => wall + 2 * 86_400_000).tick();
    expect(clock.observe(twoDaysAhead)).toBe(false);
    expect(clock.isAhead(twoDaysAhead)).toBe(true);
    expect(parseStamp(clock.tick()).millis).toBe(wall);
    // Exactly at the bound still counts; a millisecond past it does not.
    const atBound = formatStamp({ millis: wall + MAX_CLOCK_AHEAD_MS, counter: 3, node: '00000000000000bb' });
    const pastBound = formatStamp({ millis: wall + MAX_CLOCK_AHEAD_MS + 1, counter: 0, node: '00000000000000bb' });
    expect(clock.observe(pastBound)).toBe(false);
    expect(clock.observe(atBound)).toBe(true);
    expect(parseStamp(clock.tick())).toMatchObject({ millis: wall + MAX_CLOCK_AHEAD_MS, counter: 5 });
  });

  it('never stamps past its wall clock plus the bound, whatever it observes', () => {
    let wall = 1_000_000_000_000;
    const clock = new HybridClock('00000000000000aa', () => wall);
    for (let i = 0; i < 500; i++) {
      wall += (i * 7919) % 1000;
      const remoteMillis = wall + ((i * 104_729) % (3 * MAX_CLOCK_AHEAD_MS)) - MAX_CLOCK_AHEAD_MS;
      clock.observe(formatStamp({ millis: remoteMillis, counter: i % 7, node: '00000000000000bb' }));
      expect(parseStamp(clock.tick()).millis).toBeLessThanOrEqual(wall + MAX_CLOCK_AHEAD_MS + 1);
    }
  });

  it('rewinds to a stamp and stamps after it again', () => {
    let wall = 5_000_000;
    const clock = new HybridClock('00000000000000aa', () => wall);
    clock.tick();
    wall = 1_000; // the wrong date was fixed: the PC's clock went back
    const kept = formatStamp({ millis: 900, counter: 2, node: '00000000000000bb' });
    clock.rewindTo(kept);
    const next = clock.tick();
    expect(parseStamp(next).millis).toBe(1_000);
    expect(next > kept).toBe(true);
    expect(stampCeiling(1_000) > next).toBe(true);
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

describe('clock offset', () => {
  it('allows for half the round trip', () => {
    expect(measureOffset({ localAtReceipt: 10_000, relayTime: 9_000, roundTripMs: 400 })).toBe(800);
  });

  it('says how far off the clock is in words a person uses', () => {
    expect(describeDuration(2 * 86_400_000 + 3 * 60_000)).toBe('2 days');
    expect(describeDuration(-3 * 3_600_000)).toBe('3 hours');
    expect(describeDuration(12 * 60_000)).toBe('12 minutes');
    expect(describeDuration(60_000)).toBe('1 minute');
    expect(clockSentence(2 * 86_400_000)).toBe(
      "This PC's clock is 2 days ahead; fix the date and time in Windows. Changes made here wait on this PC until then.",
    );
    expect(clockSentence(-MAX_CLOCK_AHEAD_MS - 60_000)).toMatch(/^This PC's clock is 6 minutes behind;/);
    expect(clockSentence(MAX_CLOCK_AHEAD_MS)).toBeNull();
  });
});
