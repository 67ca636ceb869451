// Texts at the front desk, before anything reaches the relay: templates the shop can change,
// a preview that says exactly what goes out, drafts nobody has approved, and Send refused while
// the shop has no number or the customer said STOP.
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { nextSendTime, sendWindow } from '../../src-shared/sms/quiet-hours.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function shop(): Promise<{ t: TestDesk; ro: RepairOrderDetail }> {
  t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
  // Wherever the test runs, it is daytime for the customer: texting hours are not the subject here.
  const zone = ['America/Chicago', 'Europe/London', 'Asia/Kolkata', 'Asia/Tokyo', 'Pacific/Honolulu'].find(
    (z) => nextSendTime(new Date(), z, sendWindow(null, null)) === null && nextSendTime(new Date(Date.now() + 600_000), z, sendWindow(null, null)) === null,
  )!;
  await t.call('workspace-update', { phone: '(512) 555-0100', timeZone: zone });
  const ro = await t.call('ro-check-in', {
    customer: { firstName: 'Zoë', lastName: 'Nguyen', mobile: '(512) 555-0147' },
    vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
    promisedDate: '2037-12-04',
  });
  return { t, ro };
}

async function errorOf(t: TestDesk, method: string, args: unknown) {
  const o = await t.desk.call(method, args, t.session);
  if (o.ok) throw new Error(`${method} should have failed`);
  return o.error;
}

/** What the relay writes when the operator gives the shop a number. */
async function relayAssignsNumber(t: TestDesk, status = 'active') {
  await t.desk.store.write({ actor: 'operator', action: 'sms-number' }, (tx) =>
    tx.update('workspace_settings', SETTINGS_ID, { sms_number: '+15125550100', sms_10dlc_status: status }),
  );
}

describe('texts at the desk', () => {
  it('starts with the four milestone templates; the shop rewords one and adds its own', async () => {
    const { t } = await shop();
    const start = await t.call('sms-template-list', {});
    expect(start.map((x) => x.milestone)).toEqual(['received', 'supplement-approved', 'ready-for-pickup', 'paid']);
    await t.call('sms-template-save', { id: 'tpl:paid', name: 'Paid', body: 'Thanks {first_name}, RO {ro_number} is paid.' });
    const own = await t.call('sms-template-save', { name: 'Rental reminder', body: 'Hi {first_name}, please return the rental by 5pm.' });
    const list = await t.call('sms-template-list', {});
    expect(list.find((x) => x.id === 'tpl:paid')).toMatchObject({ body: 'Thanks {first_name}, RO {ro_number} is paid.', standard: true });
    expect(list.at(-1)).toMatchObject({ id: own.id, name: 'Rental reminder', standard: false, milestone: null });
  });

  it('previews the final text with its length and segments, and says the shop has no number yet', async () => {
    const { t, ro } = await shop();
    await t.call('sms-template-save', { id: 'tpl:paid', name: 'Paid', body: 'Thanks {first_name}, RO {ro_number} is paid.' });
    const p = await t.call('sms-preview', { roId: ro.id, templateId: 'tpl:paid' });
    expect(p.text).toBe(`Thanks Zoë, RO ${ro.roNumber} is paid.`);
    // "ë" is not in the GSM alphabet: the whole text goes as UCS-2.
    expect(p).toMatchObject({ encoding: 'UCS-2', segments: 1, characters: p.text.length, to: '+15125550147', canSend: false });
    expect(p.warnings.map((w) => [w.code, w.blocking])).toEqual([['no-number', true]]);
    expect(await t.call('sms-preview', { roId: ro.id, body: 'x'.repeat(161) })).toMatchObject({ encoding: 'GSM-7', segments: 2, characters: 161 });
    // An emoji makes it UCS-2: 70 characters a segment.
    const long = await t.call('sms-preview', { roId: ro.id, body: `🚗 ${'x'.repeat(80)}` });
    expect(long).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    // A field the repair has nothing for is reported and left out.
    const missing = await t.call('sms-preview', { roId: ro.id, body: 'Hi {first_name}, your plate {portal_link}' });
    expect(missing.missingFields).toEqual(['portal_link']);
    expect(missing.warnings.some((w) => w.code === 'missing-fields')).toBe(true);
  });

  it('a draft waits for a person; Send by the person switched in approves it; discard keeps it from ever going', async () => {
    const { t, ro } = await shop();
    const staff = await t.call('staff-create', { name: 'Dana Park', role: 'advisor', pin: '4321' });
    await t.call('staff-switch', { staffId: staff.id, pin: '4321' });
    const drafted = await t.call('sms-draft-save', { roId: ro.id, body: 'Your car is ready' });
    const draft = drafted.messages.find((m) => m.channel === 'sms')!;
    expect(draft).toMatchObject({ status: 'draft', direction: 'out', author: 'Dana Park' });
    expect((await errorOf(t, 'sms-send', { roId: ro.id, draftId: draft.id })).code).toBe('sms-not-possible');

    await relayAssignsNumber(t, 'pending');
    expect((await t.call('sms-settings-get', {})).warning).toContain('10DLC');
    const sent = await t.call('sms-send', { roId: ro.id, draftId: draft.id });
    const row = await t.desk.db.selectFrom('messages').selectAll().where('id', '=', draft.id).executeTakeFirstOrThrow();
    expect(sent.messages.find((m) => m.id === draft.id)?.status).toBe('approved');
    expect(row).toMatchObject({ approved_by: `staff:${staff.id}`, peer_number: '+15125550147', automated: 0, body: 'Your car is ready' });
    expect((await errorOf(t, 'sms-send', { roId: ro.id, draftId: draft.id })).message).toContain('already sent');

    const other = (await t.call('sms-draft-save', { roId: ro.id, body: 'Never mind' })).messages.find((m) => m.body === 'Never mind')!;
    await t.call('sms-draft-discard', { id: other.id });
    expect((await errorOf(t, 'sms-send', { roId: ro.id, draftId: other.id })).code).toBe('not-allowed');
  });

  it('a draft kept with merge fields goes out with them filled in, never with the braces', async () => {
    const { t, ro } = await shop();
    await relayAssignsNumber(t);
    const drafted = await t.call('sms-draft-save', { roId: ro.id, body: 'Hi {first_name}, RO {ro_number} is ready for pickup.' });
    const draft = drafted.messages.find((m) => m.status === 'draft')!;
    const sent = await t.call('sms-send', { roId: ro.id, draftId: draft.id });
    expect(sent.messages.find((m) => m.id === draft.id)).toMatchObject({ status: 'approved', body: `Hi Zoë, RO ${ro.roNumber} is ready for pickup.` });
  });

  it('a customer living in another time zone is texted by their clock; editing her mobile keeps how she likes to be reached', async () => {
    const { t, ro } = await shop();
    await relayAssignsNumber(t);
    const asleep = ['Pacific/Honolulu', 'America/Los_Angeles', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney'].find(
      (z) => nextSendTime(new Date(), z, sendWindow(null, null)) !== null && nextSendTime(new Date(Date.now() + 600_000), z, sendWindow(null, null)) !== null,
    )!;
    const before = await t.call('sms-preview', { roId: ro.id, body: 'Your car is ready' });
    expect(before.warnings.map((w) => w.code)).not.toContain('outside-hours');
    const moved = await t.call('customer-update', { id: ro.customer.id, timeZone: asleep });
    expect(moved.timeZone).toBe(asleep);
    const after = await t.call('sms-preview', { roId: ro.id, body: 'Your car is ready' });
    expect(after.warnings.map((w) => w.code)).toContain('outside-hours');
    expect((await errorOf(t, 'customer-update', { id: ro.customer.id, timeZone: 'Mars/Olympus' })).message).toContain('time zone');

    await t.call('customer-update', { id: ro.customer.id, preferredChannel: 'email', email: 'zoe@example.com' });
    const edited = await t.call('customer-update', { id: ro.customer.id, mobile: '(512) 555-0199' });
    expect(edited).toMatchObject({ mobile: '+15125550199', preferredChannel: 'email', email: 'zoe@example.com', timeZone: asleep });
  });

  it('a customer who said STOP is shown as opted out and Send is refused with the reason', async () => {
    const { t, ro } = await shop();
    await relayAssignsNumber(t);
    await t.desk.store.write({ actor: 'customer', action: 'sms-received' }, (tx) => tx.update('customers', ro.customer.id, { sms_opt_out: 1 }));
    const detail = await t.call('ro-get', { id: ro.id });
    expect(detail.customer.smsOptedOut).toBe(true);
    const refused = await errorOf(t, 'sms-send', { roId: ro.id, body: 'Hello' });
    expect(refused.code).toBe('sms-opted-out');
    expect(refused.message).toContain('START');
    expect((await t.desk.db.selectFrom('messages').select('id').execute()).length).toBe(0);
  });

  it('the shop narrows its texting hours, never past 08:00–21:00, and writes its own HELP answer', async () => {
    const { t } = await shop();
    expect((await t.call('sms-settings-update', { windowStart: '09:00', windowEnd: '18:00', helpText: 'Lakeside: call 512-555-0100. STOP to end.' })).window).toEqual({ start: '09:00', end: '18:00' });
    const wide = await t.call('sms-settings-update', { windowStart: '06:00', windowEnd: '23:00' });
    expect(wide).toMatchObject({ window: { start: '08:00', end: '21:00' }, helpText: 'Lakeside: call 512-555-0100. STOP to end.' });
  });
});
