// The desk's dates and money read the shop's country's way, and keep doing so when the country or
// time zone changes after a formatter was made for the old one (formatters are kept per locale).
// (Intl puts narrow or thin spaces before AM/PM and around a range's dash; read as plain spaces.)
import { afterEach, describe, expect, it } from 'vitest';
import { formatClock, formatDay, formatDayRange, formatMoment, formatMoney, formatTime, setDeskCountry } from './format.js';

describe('desk formats', () => {
  afterEach(() => setDeskCountry(null));

  it('follow the shop as its country and zone change', () => {
    setDeskCountry('US', 'America/Chicago');
    expect(formatDay('2025-10-14')).toBe('Tue, Oct 14');
    expect(formatDay('2025-10-14', true)).toBe('Tue, Oct 14, 2025');
    expect(formatMoney(123456)).toBe('$1,234.56');
    expect(formatClock('14:30').replace(/\s/g, ' ')).toBe('2:30 PM');
    expect(formatMoment('2025-10-14T19:05:00Z').replace(/\s/g, ' ')).toBe('Oct 14, 2:05 PM');
    expect(formatTime('2025-10-14T19:05:00Z').replace(/\s/g, ' ')).toBe('2:05 PM');
    expect(formatDayRange('2026-11-30', '2026-12-06').replace(/\s/g, ' ')).toBe('Nov 30 – Dec 6, 2026');

    setDeskCountry('GB', 'Europe/London');
    expect(formatDay('2025-10-14')).toBe('Tue 14 Oct');
    expect(formatMoney(123456)).toBe('£1,234.56');
    expect(formatClock('14:30')).toBe('14:30');
    expect(formatMoment('2025-10-14T19:05:00Z')).toBe('14 Oct, 20:05');
    expect(formatDayRange('2026-11-30', '2026-12-06').replace(/\s/g, ' ')).toBe('30 Nov – 6 Dec 2026');

    // Same country, another zone: a moment moves with it.
    setDeskCountry('US', 'America/New_York');
    expect(formatTime('2025-10-14T19:05:00Z').replace(/\s/g, ' ')).toBe('3:05 PM');
  });

  it('give back what they cannot read instead of throwing', () => {
    expect(formatDay('not a day')).toBe('not a day');
    expect(formatTime('sometime')).toBe('sometime');
    expect(formatMoment('sometime')).toBe('sometime');
  });
});
