// The rules a text follows before it is sent: how long it is to a carrier, which replies are
// keywords, and when an automated text may go in the customer's own time.
import { describe, expect, it } from 'vitest';
import { customerWords } from '../i18n/index.js';
import { countryProfile } from '../locale/country.js';
import { helpText, keywordLanguage, keywordOf } from './keywords.js';
import { nextSendTime, sendWindow } from './quiet-hours.js';
import { countSegments } from './segments.js';
import { renderTemplate } from './templates.js';

describe('segments', () => {
  it('counts plain text as GSM-7: 160 in one, then 153 per part; extension characters twice', () => {
    expect(countSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(countSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(countSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(countSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
    expect(countSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSegments('€'.repeat(81))).toMatchObject({ segments: 2 });
  });

  it('switches to UCS-2 for an emoji or a character outside GSM: 70 in one, then 67 per part', () => {
    expect(countSegments('Ready 🚗')).toMatchObject({ encoding: 'UCS-2', segments: 1, characters: 7, units: 8 });
    expect(countSegments('ő'.repeat(70))).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(countSegments('ő'.repeat(71))).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(countSegments('ő'.repeat(135))).toMatchObject({ segments: 3 });
  });
});

describe('keywords', () => {
  it('knows every stop word in any case with spaces around, and START, UNSTOP, HELP', () => {
    for (const w of ['STOP', 'stop', '  Stop ', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'REVOKE', 'opt out', ' Opt  Out ']) {
      expect(keywordOf(w), w).toBe('stop');
    }
    expect(keywordOf('start')).toBe('start');
    expect(keywordOf('UNSTOP')).toBe('start');
    expect(keywordOf('help ')).toBe('help');
    expect(keywordOf('Please stop by at 5')).toBeNull();
    expect(keywordOf('stop it')).toBeNull();
  });

  it('answers HELP with the shop name, contact and how to stop, in the reader\'s language', () => {
    const shop = { name: 'Lakeside Collision', phone: '(512) 555-0100' };
    expect(helpText(shop, customerWords('US', 'en'))).toBe(
      'Lakeside Collision: texts about your repair. Call us at (512) 555-0100. Reply STOP to stop texts, START to get them again. Msg & data rates may apply.',
    );
    const es = helpText(shop, customerWords('US', 'es'));
    expect(es).toContain('Llámenos al (512) 555-0100');
    expect(es).toContain('Responda STOP (o PARAR)');
    // A UK reader is told how to stop without the US carrier line.
    expect(helpText({ name: 'Fenwick Bodyshop', phone: '' }, customerWords('GB', 'en'))).toBe('Fenwick Bodyshop: texts about your repair. Reply STOP to stop texts, START to receive them again.');
    // The shop's own sentence wins, whatever the language.
    expect(helpText({ ...shop, helpText: ' Lakeside: call us. ' }, customerWords('US', 'es'))).toBe('Lakeside: call us.');
  });

  it('stops a Spanish reader who texts PARAR, ALTO, DETENER, CANCELAR or BAJA, and answers AYUDA in Spanish', () => {
    for (const w of ['parar', 'Alto', 'DETENER', ' cancelar ', 'baja']) expect(keywordOf(w), w).toBe('stop');
    expect(keywordOf('ayuda')).toBe('help');
    expect(keywordLanguage('Ayuda')).toBe('es');
    expect(keywordLanguage('HELP')).toBeNull();
    expect(keywordOf('Alto ahí, ¿cuándo está listo?')).toBeNull();
    // UK rules: STOP and START only; no Spanish set.
    expect(keywordOf('PARAR', countryProfile('GB').sms.keywords)).toBeNull();
  });
});

describe('quiet hours', () => {
  const window = sendWindow(null, null);
  it('holds a text at 22:30 Chicago time until 08:00 the next morning there', () => {
    // 22:30 CST on 1 Dec 2026 is 04:30 UTC on 2 Dec.
    const at = new Date('2026-12-02T04:30:00Z');
    expect(nextSendTime(at, 'America/Chicago', window)?.toISOString()).toBe('2026-12-02T14:00:00.000Z');
  });
  it('holds a text at 06:00 until 08:00 the same day, lets 08:00 and 20:59 through', () => {
    expect(nextSendTime(new Date('2026-12-01T12:00:00Z'), 'America/Chicago', window)?.toISOString()).toBe('2026-12-01T14:00:00.000Z');
    expect(nextSendTime(new Date('2026-12-01T14:00:00Z'), 'America/Chicago', window)).toBeNull();
    expect(nextSendTime(new Date('2026-12-02T02:59:00Z'), 'America/Chicago', window)).toBeNull();
    expect(nextSendTime(new Date('2026-12-02T03:00:00Z'), 'America/Chicago', window)).not.toBeNull();
  });
  it('gets the day after a daylight-saving change right', () => {
    // 23:00 PDT on Sat 7 Mar 2026 (06:00 UTC Sun 8 Mar); clocks spring forward that night; 08:00 PDT = 15:00 UTC.
    expect(nextSendTime(new Date('2026-03-08T06:00:00Z'), 'America/Los_Angeles', window)?.toISOString()).toBe('2026-03-08T15:00:00.000Z');
  });
  it('lets a shop narrow the window but never widen it', () => {
    expect(sendWindow('09:00', '18:00')).toEqual({ start: '09:00', end: '18:00' });
    expect(sendWindow('06:00', '23:00')).toEqual({ start: '08:00', end: '21:00' });
  });
});

describe('templates', () => {
  it('fills merge fields and reports the ones without a value', () => {
    const r = renderTemplate('Hi {first_name}, your {vehicle} is ready. {portal_link}', { first_name: 'Zoë', vehicle: '2019 Honda Accord' });
    expect(r.text).toBe('Hi Zoë, your 2019 Honda Accord is ready.');
    expect(r.missing).toEqual(['portal_link']);
  });
});
