// Guards the customer's words: every key of the American English catalogue is in British English
// and Spanish (with the same {{values}} and every plural form the language needs), no catalogue
// carries keys English lacks, every key is used by the code, and every key the code asks for
// exists. A missing translation fails here, not in front of a customer.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DELAY_REASONS } from '../exceptions.js';
import { DEFAULT_TEMPLATES } from '../sms/templates.js';
import { STAGES } from '../stages.js';
import { textDirection } from './customer-locale.js';
import { CATALOGUES, customerWords } from './index.js';
import { pseudoString } from './pseudo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLURAL = /_(zero|one|two|few|many|other)$/;

function leaves(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([a-zA-Z]+)[^}]*\}\}|\{([a-z_]+)\}|<(\/?[a-z]+)>/g)].map((m) => m[1] ?? m[2] ?? m[3]).sort();

const english = leaves(CATALOGUES['en-US']);
/** Plural keys by their base ("portal.photoCount"), and the plain keys. */
const pluralBases = new Set([...english.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')));
const plainKeys = [...english.keys()].filter((k) => !PLURAL.test(k));

describe.each([
  ['en-GB', 'en-GB'],
  ['es', 'es'],
] as const)('the %s catalogue', (name, intl) => {
  const theirs = leaves(CATALOGUES[name]);

  it('has every English key, written, with the same values and markup', () => {
    const problems: string[] = [];
    for (const key of plainKeys) {
      const text = theirs.get(key);
      if (text === undefined) problems.push(`${key}: missing`);
      else if (text.trim() === '') problems.push(`${key}: empty`);
      else if (placeholders(text).join() !== placeholders(english.get(key)!).join()) {
        problems.push(`${key}: values ${placeholders(text).join(' ')} where English has ${placeholders(english.get(key)!).join(' ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has every plural form the language needs', () => {
    const categories = new Intl.PluralRules(intl).resolvedOptions().pluralCategories;
    const problems: string[] = [];
    for (const base of pluralBases) {
      for (const c of categories) if (!theirs.get(`${base}_${c}`)?.includes('{{count}}')) problems.push(`${base}_${c}`);
    }
    expect(problems).toEqual([]);
  });

  it('carries no key English lacks', () => {
    const extra = [...theirs.keys()].filter((k) => !english.has(k) && !(PLURAL.test(k) && pluralBases.has(k.replace(PLURAL, ''))));
    expect(extra).toEqual([]);
  });
});

describe('the keys and the code', () => {
  // Every file that shows a customer something.
  const SURFACES = ['relay/portal', 'relay/esign', 'src-main/esign', 'relay/csi', 'relay/scheduling', 'relay/accounts', 'relay/groups', 'relay/uploads', 'src-main/printing', 'src-shared/sms', 'src-main/sms', 'src-shared/email', 'src-shared/automations', 'src-shared/drafting', 'src-shared/i18n'];
  const source = SURFACES.flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('catalogues'))
      .map((f) => fs.readFileSync(path.join(ROOT, dir, f), 'utf8')),
  ).join('\n');
  // Keys the code builds from a list rather than writing out.
  const BUILT: Record<string, readonly string[]> = {
    stages: STAGES,
    delays: Object.keys(DELAY_REASONS).filter((k) => k !== 'other'),
    templates: DEFAULT_TEMPLATES.map((t) => t.milestone),
  };

  it('the built families match their lists exactly', () => {
    for (const [family, members] of Object.entries(BUILT)) {
      expect(Object.keys((CATALOGUES['en-US'] as unknown as Record<string, object>)[family]!).sort(), family).toEqual([...members].sort());
    }
  });

  it('every key is used', () => {
    const unused = [...new Set([...english.keys()].map((k) => k.replace(PLURAL, '')))].filter(
      (k) => !(k.split('.')[0]! in BUILT) && !source.includes(`'${k}'`),
    );
    expect(unused).toEqual([]);
  });

  it('every key the code asks for exists', () => {
    const asked = [...source.matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z.-]+)'|\bkey: '([a-zA-Z]+\.[a-zA-Z.-]+)'|markup\('([a-zA-Z]+\.[a-zA-Z.-]+)'/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
    expect(asked.length).toBeGreaterThan(40);
    const unknown = asked.filter((k) => !english.has(k) && !pluralBases.has(k));
    expect(unknown).toEqual([]);
  });
});

describe('formats and the long-strings locale', () => {
  it('every page says which way its language runs: left to right today, right to left ready for Arabic or Hebrew', () => {
    expect(customerWords('US', 'es').locale.direction).toBe('ltr');
    expect(customerWords('GB', 'en').locale.direction).toBe('ltr');
    expect(['ar', 'he-IL', 'fa_IR', 'ur'].map(textDirection)).toEqual(['rtl', 'rtl', 'rtl', 'rtl']);
    expect(['en-US', 'es-419', 'fr-CA'].map(textDirection)).toEqual(['ltr', 'ltr', 'ltr']);
    // The customer pages' style sheets use logical sides only (start/end), so dir="rtl" mirrors them.
    const sheets = ['relay/portal/assets.ts', 'relay/esign/sign-assets.ts'].map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
    expect(sheets.match(/(?:margin|padding|border)-(?:left|right)|[;{](?:left|right):|text-align:(?:left|right)/g) ?? []).toEqual([]);
  });

  it('each customer locale writes dates, money and plurals its own way', () => {
    const us = customerWords('US', 'en');
    const gb = customerWords('GB', null);
    const sp = customerWords('US', 'es');
    expect(us.day('2026-12-04')).toBe('Friday, December 4, 2026');
    expect(gb.day('2026-12-04')).toBe('Friday, 4 December 2026');
    expect(sp.day('2026-12-04')).toBe('viernes, 4 de diciembre de 2026');
    expect(us.money(1234.5)).toBe('$1,234.50');
    expect(gb.money(1234.5)).toBe('£1,234.50');
    // The narrow sign for every reader: a Spanish reader of a UK shop reads £, not "GBP".
    expect(customerWords('GB', 'es').money(500)).toBe('500,00\u00a0£');
    expect(sp.money(1234.5)).toBe('$1,234.50');
    expect(customerWords('CA', 'es').money(20)).toBe('$20.00');
    expect(us.clock('17:30')).toBe('5:30 PM');
    expect(gb.clock('17:30')).toBe('17:30');
    expect(sp.t('portal.photoCount', { count: 1 })).toBe('1 foto');
    expect(sp.t('portal.photoCount', { count: 3 })).toBe('3 fotos');
    // The survey's invitation counts the shop's own questions.
    const said = { shop: 'Lakeside', first: ' Ana', number: 7, link: 'L' };
    expect(us.t('survey.smsText', { ...said, count: 6 })).toContain('How did we do? 6 quick questions: L');
    expect(us.t('survey.smsText', { ...said, count: 1 })).toContain('How did we do? Just 1 quick question: L');
    expect(sp.t('survey.smsText', { ...said, count: 6 })).toContain('¿Cómo lo hicimos? Son 6 preguntas rápidas: L');
    expect(sp.t('survey.mailBody', { ...said, count: 1 })).toContain('Es solo 1 pregunta rápida:');
    expect(gb.t('portal.helloPlate', { greeting: 'Hi Ann,', vehicle: 'Ford Focus', plate: 'AB12 CDE' })).toContain('registration AB12 CDE');
  });

  it('pseudo strings are at least 40% longer, accented, with values and markup intact', () => {
    const original = 'The date we gave you, <strong>{{date}}</strong>, has passed.';
    const long = pseudoString(original);
    const visible = (t: string) => t.replace(/<[^>]*>|\{\{[^}]*\}\}/g, '').length;
    expect(visible(long)).toBeGreaterThanOrEqual(Math.floor(visible(original) * 1.4));
    expect(long).toContain('<strong>{{date}}</strong>');
    expect(long).toMatch(/[áéíöü]/);
    const words = customerWords('US', 'en', { pseudo: true });
    expect(words.t('portal.writeTo', { shop: 'Lakeside' })).toMatch(/^Wríté tö Lakeside .{3,}/);
  });
});
