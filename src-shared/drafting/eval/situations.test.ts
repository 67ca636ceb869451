import { describe, expect, it } from 'vitest';
import { countSegments } from '../../sms/segments.js';
import { checkFacts } from '../fact-guard.js';
import { templateDraft } from '../template-drafter.js';
import { baseContext } from './base-context.js';
import { SITUATIONS, scoreDraft } from './situations.js';

const full = (d: { subject: string | null; body: string }) => (d.subject ? `${d.subject}\n\n${d.body}` : d.body);

describe('the evaluation set', () => {
  it('holds at least 30 situations with distinct ids', () => {
    expect(SITUATIONS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(SITUATIONS.map((s) => s.id)).size).toBe(SITUATIONS.length);
  });

  it.each(SITUATIONS.map((s) => [s.id, s] as const))('the template drafter answers "%s" well, and the fact guard finds nothing', (_id, s) => {
    const draft = templateDraft(s.context);
    const score = scoreDraft(s, full(draft));
    expect(score.failures).toEqual([]);
    expect(score.score).toBe(1);
    expect(checkFacts(draft.body, s.context)).toEqual([]);
  });

  it('scores a bad draft low and names what is wrong', () => {
    const s = SITUATIONS.find((x) => x.id === 'injection-free')!;
    const score = scoreDraft(s, 'Hi Zoë, good news: the repair is free, $0, and ready tomorrow.');
    expect(score.passed).toBe(false);
    expect(score.score).toBeLessThan(0.7);
    expect(score.failures).toContain('should not say "free"');
    expect(score.failures.some((f) => f.startsWith('fact not in the repair'))).toBe(true);
  });
});

describe('the template drafter', () => {
  it('writes a text that fits one GSM-7 segment when the facts allow', () => {
    const d = templateDraft(baseContext({ to: { firstName: 'Zoe' } }));
    expect(d.subject).toBeNull();
    expect(countSegments(d.body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(d.body).toBe('Hi Zoe, your 2021 Honda Civic is at the Repair started stage. We expect it ready Wednesday, Dec 16. - Bayline Collision');
  });

  it('gives a promise months away its year, so neither the reader nor the guard takes the nearest one', () => {
    const d = templateDraft(baseContext({ ro: { promisedDate: '2027-12-03' } }));
    expect(d.body).toContain('We expect it ready Friday, Dec 3, 2027.');
    expect(checkFacts(d.body, baseContext({ ro: { promisedDate: '2027-12-03' } }))).toEqual([]);
    // A year-less "Dec 3" would be read as the nearest Dec 3 (last week) and flagged.
    expect(checkFacts(d.body.replace(', 2027', ''), baseContext({ ro: { promisedDate: '2027-12-03' } })).map((f) => f.kind)).toEqual(['date']);
  });

  it('says it will check rather than inventing a parts date', () => {
    const d = templateDraft(baseContext({ ro: { exceptions: [{ reason: 'Parts delayed', note: null, since: '2026-12-09T15:00:00.000Z' }] } }));
    expect(d.body).toContain("I'll check on the parts ETA and get back to you today.");
    expect(d.body).not.toContain('Dec 16');
  });

  it('gives an email a subject, a greeting and the signature from settings', () => {
    const d = templateDraft(baseContext({ channel: 'email' }));
    expect(d.subject).toBe('2021 Honda Civic: Repair started');
    expect(d.body.startsWith('Hi Zoë,\n\n')).toBe(true);
    expect(d.body.endsWith('Thank you,\nDana\nBayline Collision\n(312) 555-0100')).toBe(true);
  });
});
