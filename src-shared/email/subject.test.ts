import { describe, expect, it } from 'vitest';
import { NO_SUBJECT, normalizeSubject, subjectForDisplay, subjectKey } from './subject.js';

describe('mail subjects', () => {
  it('strips reply and forward prefixes in the languages shops meet, however many', () => {
    expect(normalizeSubject('Re: Claim CLM-88231 supplement')).toBe('Claim CLM-88231 supplement');
    expect(normalizeSubject('RE: RE: Fwd: FW: Claim CLM-88231 supplement')).toBe('Claim CLM-88231 supplement');
    expect(normalizeSubject('Re[2]: RO 1042')).toBe('RO 1042');
    expect(normalizeSubject('RE (3): RO 1042')).toBe('RO 1042');
    expect(normalizeSubject('AW: WG: Schadennummer 4411')).toBe('Schadennummer 4411');
    expect(normalizeSubject('SV: VS: Bilskade')).toBe('Bilskade');
    expect(normalizeSubject('TR : RE : Sinistre')).toBe('Sinistre');
    expect(normalizeSubject('Re：全角コロン')).toBe('全角コロン');
    expect(normalizeSubject('[EXTERNAL] RE: Estimate for 7XKL221')).toBe('Estimate for 7XKL221');
    expect(normalizeSubject('RE: [External Sender] Fwd: Photos')).toBe('Photos');
  });

  it('leaves words that only begin like a prefix alone', () => {
    expect(normalizeSubject('Rear bumper photos')).toBe('Rear bumper photos');
    expect(normalizeSubject('Reply needed: rental')).toBe('Reply needed: rental');
    expect(normalizeSubject('Invoice: 2291')).toBe('Invoice: 2291');
    expect(normalizeSubject('Re-inspection on Friday')).toBe('Re-inspection on Friday');
  });

  it('keeps emoji-only subjects and other scripts whole, tidied', () => {
    expect(normalizeSubject('🚗💥')).toBe('🚗💥');
    expect(normalizeSubject('Re: 👍')).toBe('👍');
    expect(normalizeSubject('Re:   👨‍👩‍👧  \t 🔧 ')).toBe('👨‍👩‍👧 🔧');
    expect(normalizeSubject('Fwd: Повреждение бампера')).toBe('Повреждение бампера');
    expect(normalizeSubject('回复: 保险理赔')).toBe('回复: 保险理赔');
    // Decomposed "é" (as some mail programs send it) compares equal to the composed one.
    expect(subjectKey('Re: Carrosserie abîme\u0301e')).toBe(subjectKey('carrosserie abîmée'));
  });

  it('gives threading one key per conversation and a person "(no subject)" for nothing', () => {
    expect(subjectKey('RE: Claim CLM-88231')).toBe(subjectKey('claim clm-88231'));
    expect(subjectKey(null)).toBe('');
    expect(subjectKey('Re: ')).toBe('');
    expect(subjectForDisplay('  ')).toBe(NO_SUBJECT);
    expect(subjectForDisplay(undefined)).toBe('(no subject)');
    expect(subjectForDisplay('Re:  Claim\n CLM-1')).toBe('Re: Claim CLM-1');
  });
});
