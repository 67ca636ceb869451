// What a rule matches, in shop words: stage and sub-status, exception tag or reason, the promised
// date, and the ifs (insurer, stage, mobile, email).
import { describe, expect, it } from 'vitest';
import { type ChangeContext, matches, PRESETS, ruleInputSchema } from './rules.js';

const ctx = (event: ChangeContext['event'], over: Partial<Omit<ChangeContext, 'event'>> = {}): ChangeContext => ({
  event,
  ro: { insurer: 'State Farm', stage: 'completed' },
  customer: { mobile: '+15125550147', email: null },
  ...over,
});
const preset = (name: string) => ruleInputSchema.parse(PRESETS.find((p) => p.preset === name)!);

describe('automation rules', () => {
  it('"QC passed" fires on that sub-status of Completed only, whatever its case', () => {
    const qc = preset('qc-passed-text');
    expect(matches(qc, ctx({ kind: 'stage-entered', stage: 'completed', subStatus: 'qc Passed' }))).toBe(true);
    expect(matches(qc, ctx({ kind: 'stage-entered', stage: 'completed', subStatus: null }))).toBe(false);
    expect(matches(qc, ctx({ kind: 'stage-entered', stage: 'delivered', subStatus: 'QC passed' }))).toBe(false);
    expect(matches(qc, ctx({ kind: 'promised-date-moved', from: null, to: '2037-01-01', reason: 'x' }))).toBe(false);
    // Its "if": the customer has a mobile.
    expect(matches(qc, ctx({ kind: 'stage-entered', stage: 'completed', subStatus: 'QC passed' }, { customer: { mobile: null, email: 'a@b.c' } }))).toBe(false);
  });

  it('an exception rule matches by tag (with or without #) or by delay reason', () => {
    const parts = preset('parts-delayed-text');
    expect(matches(parts, ctx({ kind: 'exception-opened', tag: '#partsdelay', reason: 'parts-delay' }))).toBe(true);
    expect(matches(parts, ctx({ kind: 'exception-opened', tag: '#sublet', reason: 'sublet' }))).toBe(false);
    const byTag = ruleInputSchema.parse({ name: 't', trigger: { kind: 'exception-opened', tag: 'PartsDelay' }, action: { kind: 'notify-staff', body: 'x' } });
    expect(matches(byTag, ctx({ kind: 'exception-opened', tag: '#partsdelay', reason: null }))).toBe(true);
  });

  it('conditions narrow by insurer (any case), stage, and email', () => {
    const rule = ruleInputSchema.parse({
      name: 'r',
      trigger: { kind: 'promised-date-moved' },
      conditions: { insurers: ['state farm', 'Geico'], stages: ['repair-started'], hasEmail: true },
      action: { kind: 'create-draft', body: 'x' },
    });
    const moved = { kind: 'promised-date-moved', from: null, to: null, reason: null } as const;
    const fits = { ro: { insurer: 'State Farm', stage: 'repair-started' }, customer: { mobile: null, email: 'z@example.com' } };
    expect(matches(rule, ctx(moved, fits))).toBe(true);
    expect(matches(rule, ctx(moved, { ...fits, ro: { insurer: 'Allstate', stage: 'repair-started' } }))).toBe(false);
    expect(matches(rule, ctx(moved, { ...fits, ro: { insurer: 'State Farm', stage: 'teardown' } }))).toBe(false);
    expect(matches(rule, ctx(moved, { ...fits, customer: null }))).toBe(false);
  });

  it('a rule with a bad part is refused with words that say what is wrong', () => {
    const bad = ruleInputSchema.safeParse({ name: 'x', trigger: { kind: 'stage-entered', stage: 'painting' }, action: { kind: 'text-customer', body: '' } });
    expect(bad.success).toBe(false);
    const problems = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(problems).toContain('trigger.stage');
    expect(problems).toContain('action.body: The message has no words.');
  });
});
