// Drafts at the desk with no relay paired: the template drafter answers at once, the text draft is
// saved as a draft like any other, a mail draft is only handed back, and nothing is ever approved
// or queued for sending until a person presses Send.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function shop() {
  t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
  await t.call('workspace-update', { phone: '(512) 555-0100', timeZone: 'America/Chicago' });
  const ro = await t.call('ro-check-in', {
    customer: { firstName: 'Zoe', lastName: 'Nguyen', mobile: '(512) 555-0147', email: 'zoe@example.com' },
    vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
    promisedDate: '2037-12-04',
    claimNumber: 'CLM-4410',
    adjusterName: 'Pat Adjuster',
    adjusterEmail: 'pat@lakeside-mutual.example',
    deductibleCents: 50_000,
    estimateTotalCents: 125_000,
  });
  return { t, ro };
}

/** Every outgoing message and its state: a draft must never be anything but 'draft' until Send. */
function outgoing(t: TestDesk) {
  return t.desk.sqlite.prepare(`SELECT channel, status, approved_by, body FROM messages WHERE direction = 'out' ORDER BY at`).all() as Array<{ channel: string; status: string; approved_by: string | null; body: string }>;
}

describe('drafts at a desk with no relay', () => {
  it('gives a text draft from the templates, saved as a draft and not sent', async () => {
    const { t, ro } = await shop();
    const d = await t.call('draft-create', { roId: ro.id, channel: 'sms' });
    expect(d).toMatchObject({ source: 'template', provider: null, model: null, flags: [], notice: expect.stringContaining('this one is from your templates') });
    expect(d.body).toBe('Hi Zoe, your 2019 Honda Accord is at the Pictures stage. We expect it ready Friday, Dec 4, 2037. - Lakeside Collision');
    expect(d.draftId).toBeTruthy();
    // The draft is on the repair as a draft, nobody approved it, nothing waits to be sent.
    const detail = await t.call('ro-get', { id: ro.id });
    expect(JSON.stringify(detail)).toContain(d.body);
    expect(outgoing(t)).toEqual([{ channel: 'sms', status: 'draft', approved_by: null, body: d.body }]);
    // The activity list says how it was made, without the text.
    const audit = await t.call('audit-list', { roId: ro.id });
    const made = audit.find((a) => a.summary.startsWith('Draft made by'));
    expect(made?.summary).toBe('Draft made by the templates');
    // Draft again in the same composer: the same draft is rewritten, not a second one added.
    const again = await t.call('draft-create', { roId: ro.id, channel: 'sms', draftId: d.draftId! });
    expect(again.draftId).toBe(d.draftId);
    expect(outgoing(t)).toHaveLength(1);
    // It can be discarded like any draft.
    await t.call('sms-draft-discard', { id: d.draftId! });
    expect(outgoing(t).map((m) => m.status)).toEqual(['refused']);
  });

  it('gives a mail draft to the customer and to the adjuster without saving or sending anything', async () => {
    const { t, ro } = await shop();
    const toCustomer = await t.call('draft-create', { roId: ro.id, channel: 'email' });
    expect(toCustomer.draftId).toBeNull();
    expect(toCustomer.subject).toBe('2019 Honda Accord: Pictures');
    expect(toCustomer.body).toMatch(/^Hi Zoe,\n\n/);
    expect(toCustomer.body).toContain('Lakeside Collision');
    // Amounts are not shared with the customer unless the shop says so; the adjuster's draft may hold them.
    const toAdjuster = await t.call('draft-create', { roId: ro.id, channel: 'email', recipient: 'adjuster' });
    expect(toAdjuster.body).toMatch(/^Hi Pat,\n\n/);
    expect(toAdjuster.body).toContain('claim CLM-4410');
    expect(toAdjuster.flags).toEqual([]);
    expect(outgoing(t)).toEqual([]);
  });

  it('the only way a draft leaves is a person pressing Send', async () => {
    const { t, ro } = await shop();
    const d = await t.call('draft-create', { roId: ro.id, channel: 'sms' });
    await t.call('draft-create', { roId: ro.id, channel: 'sms', milestone: 'Completed' });
    await t.call('draft-create', { roId: ro.id, channel: 'email', recipient: 'adjuster' });
    expect(outgoing(t).every((m) => m.status === 'draft' && m.approved_by === null)).toBe(true);
    // No number yet: Send itself is refused, and the draft stays a draft.
    const refused = await t.desk.call('sms-send', { roId: ro.id, draftId: d.draftId! }, t.session);
    expect(refused.ok).toBe(false);
    expect(outgoing(t).filter((m) => m.status !== 'draft')).toEqual([]);
  });

  it('checks facts after an edit: a wrong date and an unshared amount are flagged, the promised date is not', async () => {
    const { t, ro } = await shop();
    const flags = await t.call('draft-check', { roId: ro.id, channel: 'sms', body: 'Hi Zoe, ready Dec 14, 2037, your deductible is $500. Promised Friday, Dec 4, 2037.' });
    expect(flags.map((f) => [f.kind, f.text])).toEqual([
      ['date', 'Dec 14, 2037'],
      ['amount', '$500'],
    ]);
    await t.call('drafting-settings-save', { enabled: true, tone: 'short and warm', examples: [], signature: '', shareAmountsWithCustomer: true });
    const shared = await t.call('draft-check', { roId: ro.id, channel: 'sms', body: 'Your deductible is $500.' });
    expect(shared).toEqual([]);
  });

  it('keeps the drafting settings, refuses bad ones with a clear message, and says the relay is not reachable', async () => {
    const { t } = await shop();
    expect(await t.call('drafting-settings-get', {})).toEqual({ enabled: true, tone: '', examples: [], signature: '', shareAmountsWithCustomer: false });
    const saved = await t.call('drafting-settings-save', { enabled: false, tone: 'Friendly, no exclamation marks', examples: ['Hi Sam, your car is ready.'], signature: 'Dana\nLakeside Collision', shareAmountsWithCustomer: false });
    expect(await t.call('drafting-settings-get', {})).toEqual(saved);
    const bad = await t.desk.call('drafting-settings-save', { enabled: true, tone: 'x'.repeat(600), examples: [], signature: '', shareAmountsWithCustomer: false }, t.session);
    expect(bad.ok ? null : bad.error.message).toMatch(/tone.*500 characters/);
    expect(await t.call('drafting-settings-get', {})).toEqual(saved);
    expect(await t.call('drafting-status', {})).toMatchObject({ reachable: false, enabled: false, provider: null });
  });

  it('with drafting switched off, gives the template draft and says so', async () => {
    const { t, ro } = await shop();
    await t.call('drafting-settings-save', { enabled: false, tone: '', examples: [], signature: 'Dana at Lakeside', shareAmountsWithCustomer: false });
    const d = await t.call('draft-create', { roId: ro.id, channel: 'email' });
    expect(d.notice).toMatch(/switched off/);
    expect(d.body.endsWith('Thank you,\nDana at Lakeside')).toBe(true);
  });

  it("a draft's progress goes only to the window that asked for it", async () => {
    const { t, ro } = await shop();
    const other = t.desk.newSession();
    const seen: Array<{ type: string; sessionId: string | null }> = [];
    const stop = t.desk.onEvent((e, sessionId) => {
      if (e.type === 'draft-progress') seen.push({ type: e.type, sessionId });
    });
    await t.call('draft-create', { roId: ro.id, channel: 'sms', requestId: 'req-1' });
    stop();
    expect(seen.length).toBeGreaterThan(0);
    // Every piece is addressed to the asking window's session, none to the other window or to all.
    expect(seen.every((e) => e.sessionId === t.session.id)).toBe(true);
    expect(seen.some((e) => e.sessionId === other.id || e.sessionId === null)).toBe(false);
  });
});
