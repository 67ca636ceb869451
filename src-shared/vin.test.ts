import { describe, expect, it } from 'vitest';
import { checkVin, vinCheckDigit } from './vin.js';

describe('VIN check at the desk', () => {
  it('accepts a real VIN typed in lower case with spaces', () => {
    expect(checkVin('1hgcm8 2633a 004352')).toEqual({ ok: true, vin: '1HGCM82633A004352' });
  });

  it('names the check digit when one character was mistyped', () => {
    const r = checkVin('1HGCM82633A004353');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(/check digit \(9th character\) should be 5/);
  });

  it('says how many characters a short VIN has', () => {
    const r = checkVin('1HGCM8263');
    expect(!r.ok && r.problem).toContain('this one has 9');
  });

  it('points at the letter O, which VINs never use', () => {
    const r = checkVin('1HGCM82633AO04352');
    expect(!r.ok && r.problem).toContain('letter O');
  });

  it('computes X when the remainder is ten', () => {
    // 1M8GDM9A_KP042788 is the classic example whose check digit is X.
    expect(vinCheckDigit('1M8GDM9AXKP042788')).toBe('X');
  });
});
