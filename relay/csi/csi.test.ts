// After the repair, on a real relay (SQLite and PostgreSQL) with a paired desk and the fake
// Telnyx: the survey goes once after the delay, inside the customer's texting hours, never after
// STOP; the customer answers with plain form posts (no script); a low score opens exactly one
// follow-up; every respondent gets the same review invitation; clicks are counted; a booking
// through a referral link is credited.
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { FollowUpList, ReferralEntry } from '../../src-shared/csi/desk-api.js';
import { nextSendTime, sendWindow } from '../../src-shared/sms/quiet-hours.js';
import { inboundEvent, postWebhook } from '../testing/fake-telnyx.js';
import { call, type Engine, eventually, openStorage } from '../testing/sync-fixture.js';
import { CsiService } from './csi-service.js';
import { checkIn, SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE, zoneWhere } from '../sms/testing.js';
import { estimateHours, openBooking } from '../scheduling/testing.js';
import { DEFAULT_QUESTIONS } from '../../src-shared/csi/settings.js';

const HOUR = 3_600_000;
const ZONES = ['Pacific/Honolulu', 'America/Los_Angeles', 'America/Chicago', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Asia/Dubai', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'Pacific/Auckland'];
const REVIEW = { sites: { google: 'https://g.page/r/lakeside-collision/review', yelp: 'https://www.yelp.com/writeareview/biz/lakeside-collision', facebook: '' }, invitation: 'Would you tell others how your repair went? It helps people near you choose a body shop.' };

/** A zone where `at` falls outside texting hours (and stays so for 20 minutes). */
function zoneClosedAt(at: Date): string {
  const window = sendWindow(null, null);
  const zone = ZONES.find((z) => nextSendTime(at, z, window) !== null && nextSendTime(new Date(at.getTime() + 20 * 60_000), z, window) !== null);
  if (!zone) throw new Error('no zone is closed then');
  return zone;
}

async function relayDb(s: TextingShop) {
  return (await s.f.storage.workspaceStore(s.f.workspace.id)).db;
}

async function surveyTexts(s: TextingShop) {
  return (await relayDb(s)).selectFrom('messages').selectAll().where('template_id', '=', 'csi-survey').execute();
}

async function deliver(s: TextingShop, roId: string): Promise<void> {
  await call<RepairOrderDetail>(s.desk, 'ro-move-stage', { id: roId, stage: 'delivered' });
  await settle(s.desk);
}

function tokenOf(body: string): string {
  const m = /\/t\/([A-Za-z0-9_-]{46})\/survey/.exec(body);
  if (!m) throw new Error(`no survey link in: ${body}`);
  return m[1]!;
}

function form(fields: Record<string, string | number>): URLSearchParams {
  return new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)]));
}

const ALL = (overall: number, recommend: number, comment: string) => ({ overall, quality: overall, communication: overall, on_time: overall, recommend, comment, q: 5, go: 'send' });

/** The review invitation as the page has it. */
function invitation(page: string): string {
  const m = /<section class="card review" id="review-invitation">[\s\S]*?<\/section>/.exec(page);
  if (!m) throw new Error('no review invitation on the page');
  return m[0];
}

describe.each<Engine>(['sqlite', 'postgres'])('after the repair (%s)', (engine) => {
  let s: TextingShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  it('the survey goes once, after the delay, inside the customer\'s texting hours, and not again after a restart', async () => {
    let ahead = 0;
    const clock = () => new Date(Date.now() + ahead);
    const zone = zoneClosedAt(new Date(Date.now() + 25 * HOUR));
    s = await startTextingShop(engine, { timeZone: zone, sms: { clock }, csi: { clock, pollMs: 100 } });
    await deliver(s, s.ro.id);
    // Delivered, but the shop's 24 hours have not passed: several looks, nothing.
    await new Promise((r) => setTimeout(r, 600));
    expect(await surveyTexts(s)).toEqual([]);
    ahead = 25 * HOUR;
    const held = await eventually('the survey text to wait for the customer\'s morning', async () => {
      const [t] = await surveyTexts(s!);
      return t?.status === 'held' && t;
    });
    expect(held.body).toContain('Lakeside Collision: Hi Zoë, thank you for choosing us');
    // The number of questions is the survey's own (the standard one has six), not a fixed "four".
    expect(held.body).toContain(`How did we do? ${DEFAULT_QUESTIONS.length} quick questions: `);
    expect(DEFAULT_QUESTIONS.length).toBe(6);
    expect(s.fake.sends()).toEqual([]);
    const opens = nextSendTime(clock(), zone, sendWindow(null, null))!;
    ahead = opens.getTime() - Date.now() + 60_000;
    await eventually('the survey to go when texting hours open', async () => s!.fake.sends().length === 1);
    expect(s.fake.sends()[0]).toMatchObject({ to: ZOE, from: SHOP_NUMBER });
    expect(s.fake.sends()[0]!.text).toMatch(/\/t\/[A-Za-z0-9_-]{46}\/survey/);
    // A restarted relay looks again (and again): the repair already had its survey.
    await s.f.restart();
    await s.f.relay.csi.sweepAll();
    await s.f.relay.csi.idle();
    await new Promise((r) => setTimeout(r, 600));
    expect(await surveyTexts(s)).toHaveLength(1);
    expect(s.fake.sends()).toHaveLength(1);
    const row = await (await relayDb(s)).selectFrom('csi_responses').selectAll().where('ro_id', '=', s.ro.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: `csi:${s.ro.id}`, survey_channel: 'sms', submitted_at: null });
  });

  it('never texts the survey to a customer who replied STOP', async () => {
    s = await startTextingShop(engine, { csi: { pollMs: 100 } });
    await call(s.desk, 'csi-settings-save', { csi: { delayHours: 0 } });
    expect(await postWebhook(s.f.relay.url, s.fake.sign(inboundEvent({ from: ZOE, to: SHOP_NUMBER, text: 'STOP' })))).toBe(200);
    await eventually('the desk to hear of the STOP', async () => (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).customer.smsOptedOut);
    await deliver(s, s.ro.id);
    const row = await eventually('the relay to decide about the survey', async () =>
      (await relayDb(s!)).selectFrom('csi_responses').selectAll().where('ro_id', '=', s!.ro.id).executeTakeFirst(),
    );
    expect(row).toMatchObject({ survey_channel: 'none-opted-out', survey_sent_at: null });
    await new Promise((r) => setTimeout(r, 500));
    expect(await surveyTexts(s)).toEqual([]);
    expect(s.fake.sends().filter((t) => t.text.includes('/survey'))).toEqual([]);
  });

  it('answered with plain form posts: a low score opens one follow-up (posted twice, amended), the invitation is the same for 1/5 and 5/5, clicks are counted, a referral is credited', async () => {
    let ahead = 0;
    const clock = () => new Date(Date.now() + ahead);
    s = await startTextingShop(engine, { timeZone: zoneWhere(true), csi: { clock, pollMs: 100 } });
    const refused = await s.desk.call('csi-settings-save', { review: { ...REVIEW, invitation: 'Leave us a review and get a $10 discount!' } }, s.desk.newSession());
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/discount.*FTC/s);
    await call(s.desk, 'csi-settings-save', { csi: { delayHours: 0 }, review: REVIEW });
    const second = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({ customer: { firstName: 'Ana', lastName: 'Ruiz', mobile: '(512) 555-0166' }, vehicle: { plate: 'ANA 1', make: 'Mazda', model: 'CX-5', year: 2021 } }));
    await deliver(s, s.ro.id);
    await deliver(s, second.id);
    const texts = await eventually('both surveys', async () => {
      const t = await surveyTexts(s!);
      return t.length === 2 && t;
    });
    const zoe = tokenOf(texts.find((t) => t.ro_id === s!.ro.id)!.body!);
    const ana = tokenOf(texts.find((t) => t.ro_id === second.id)!.body!);
    const base = s.f.relay.url;
    const post = (token: string, fields: Record<string, string | number>) => fetch(`${base}/t/${token}/survey`, { method: 'POST', body: form(fields), redirect: 'manual' });

    // One question per screen, no script anywhere.
    const first = await (await fetch(`${base}/t/${zoe}/survey`)).text();
    expect(first).toContain('Question 1 of 6');
    expect(first).toContain('Overall, how satisfied are you with your repair?');
    expect(first).not.toContain('<script');
    const next = await post(zoe, { overall: 1, q: 0, go: 'next' });
    expect(next.status).toBe(200);
    const screen2 = await next.text();
    expect(screen2).toContain('Question 2 of 6');
    expect(screen2).toContain('<input type="hidden" name="overall" value="1">');
    const skipped = await post(zoe, { q: 1, overall: 1, go: 'next' });
    expect(skipped.status).toBe(400);
    expect(await skipped.text()).toContain('Please choose a number from 1 to 5.');
    // A phone that chose Spanish is told what is wrong in Spanish, numbers as US Spanish writes them (2,000).
    const spanish = (fields: Record<string, string | number>) => fetch(`${base}/t/${zoe}/survey`, { method: 'POST', body: form(fields), redirect: 'manual', headers: { cookie: 'bayline_lang=es' } });
    const long = await spanish(ALL(1, 2, 'x'.repeat(2001)));
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('Escriba un comentario de menos de 2,000 caracteres, por favor.');
    expect(await (await spanish({ ...ALL(1, 2, ''), overall: 9 })).text()).toContain('Elija un número del 1 al 5');

    // Sent: the thank-you page; the same post again changes nothing.
    const sent = await post(zoe, ALL(1, 2, 'The door rattles'));
    expect(sent.status).toBe(303);
    expect((await post(zoe, ALL(1, 2, 'The door rattles'))).status).toBe(409);
    const twiceSpanish = await fetch(`${base}/t/${zoe}/survey`, { method: 'POST', body: form(ALL(1, 2, 'The door rattles')), redirect: 'manual', headers: { cookie: 'bayline_lang=es' } });
    expect(twiceSpanish.status).toBe(409);
    expect(await twiceSpanish.text()).toContain('Ya respondió; sus respuestas están abajo.');
    const db = await relayDb(s);
    const zoeRow = await db.selectFrom('csi_responses').selectAll().where('id', '=', `csi:${s.ro.id}`).executeTakeFirstOrThrow();
    expect(zoeRow).toMatchObject({ overall: 1, recommend: 2, comment: 'The door rattles', low_score: 1 });
    expect(JSON.parse(zoeRow.questions!)[0]).toEqual({ id: 'overall', kind: 'scale5', text: 'Overall, how satisfied are you with your repair?' });
    const list = await eventually('the desk to list the follow-up', async () => {
      const l = await call<FollowUpList>(s!.desk, 'csi-follow-ups-list', {});
      return l.open === 1 && l;
    });
    expect(list.followUps[0]).toMatchObject({ roId: s.ro.id, customerName: 'Zoë Nguyen', overall: 1, recommend: 2, comment: 'The door rattles', firstContactAt: null });

    // Amended (still low), then the wording changes: her answers keep the words she answered.
    await call(s.desk, 'csi-settings-save', { csi: { delayHours: 0, questions: [{ id: 'overall', kind: 'scale5', text: 'How did we do overall?' }, { id: 'recommend', kind: 'scale10', text: 'Would you recommend us?' }] } });
    expect((await post(zoe, { ...ALL(2, 3, 'Still rattles'), amend: 1 })).status).toBe(303);
    const amended = await db.selectFrom('csi_responses').selectAll().where('id', '=', `csi:${s.ro.id}`).executeTakeFirstOrThrow();
    expect(amended).toMatchObject({ overall: 2, recommend: 3, submitted_at: zoeRow.submitted_at });
    expect(amended.amended_at).not.toBeNull();
    expect(JSON.parse(amended.questions!)[0].text).toBe('Overall, how satisfied are you with your repair?');
    expect(await db.selectFrom('csi_follow_ups').selectAll().execute()).toHaveLength(1);

    // Ana: 5 of 5, answered under the new wording; no follow-up; the same invitation.
    expect((await post(ana, { overall: 5, recommend: 10, q: 1, go: 'send' })).status).toBe(303);
    expect(await db.selectFrom('csi_follow_ups').selectAll().execute()).toHaveLength(1);
    const zoePage = await (await fetch(`${base}/t/${zoe}/survey`)).text();
    const anaPage = await (await fetch(`${base}/t/${ana}/survey`)).text();
    expect(zoePage).toContain('2 of 5');
    expect(anaPage).toContain('How did we do overall?');
    expect(invitation(zoePage)).toBe(invitation(anaPage));
    expect(invitation(anaPage)).toContain('Review us on Google');
    expect(invitation(anaPage)).not.toContain('Facebook');

    // Clicks go through the relay, counted, and only to the sites the shop set.
    const click = await fetch(`${base}/t/${zoe}/review/google`, { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe(REVIEW.sites.google);
    await fetch(`${base}/t/${zoe}/review/google`, { redirect: 'manual' });
    expect((await fetch(`${base}/t/${zoe}/review/facebook`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${base}/t/${zoe}/review/https%3A%2F%2Fevil.example`, { redirect: 'manual' })).status).toBe(404);
    const clicks = await db.selectFrom('review_clicks').selectAll().execute();
    expect(clicks.map((c) => [c.ro_id, c.site, c.clicks])).toEqual([[s.ro.id, 'google', 2]]);

    // 24 hours on, her answers are kept as sent.
    ahead = 25 * HOUR;
    const late = await post(zoe, { ...ALL(5, 10, 'All good'), amend: 1 });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('kept as you sent them');
    expect((await db.selectFrom('csi_responses').select('overall').where('id', '=', `csi:${s.ro.id}`).executeTakeFirstOrThrow()).overall).toBe(2);

    // The desk records the call and closes the follow-up; the close is in the audit trail.
    const contacted = await call<FollowUpList>(s.desk, 'csi-follow-up-contact', { id: list.followUps[0]!.id, contact: 'Called Zoë', agreed: 'Bring the car Monday, we adjust the door' });
    expect(contacted.followUps[0]!.minutesToFirstContact).not.toBeNull();
    await call(s.desk, 'csi-follow-up-close', { id: list.followUps[0]!.id, resolution: 'Door adjusted, Zoë happy' });
    const audit = await s.desk.db.selectFrom('audit_events').selectAll().where('action', '=', 'csi-follow-up-close').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.ro_id).toBe(s.ro.id);
    expect((await call<FollowUpList>(s.desk, 'csi-follow-ups-list', {})).open).toBe(0);

    // Referral: Zoë's link → the shop page → booking; credited to her, then to the repair at check-in.
    const code = await eventually('Zoë\'s referral code', async () => (await db.selectFrom('customers').select('referral_code').where('id', '=', s!.ro.customer.id).executeTakeFirst())?.referral_code);
    expect(zoePage).toContain(`/p/lakeside?ref=${code}`);
    await openBooking(s.f.storage, s.f.workspace.id, { timeZone: 'America/Chicago', availability: [estimateHours({ leadMinutes: 0, horizonDays: 21 })] });
    const shopPage = await (await fetch(`${base}/p/lakeside?ref=${code}`)).text();
    expect(shopPage).toContain(`/p/lakeside/book?ref=${code}`);
    const bookPage = await (await fetch(`${base}/p/lakeside/book?ref=${code}`)).text();
    expect(bookPage).toContain(`<input type="hidden" name="ref" value="${code}">`);
    const slot = /name="slot" value="([^"]+)"/.exec(bookPage)![1]!;
    const booking = new FormData();
    for (const [k, v] of Object.entries({ ref: code!, name: 'Sam Lee', mobile: '(512) 555-0188', vehicle: '2018 Ford Focus', description: 'Rear bumper', slot })) booking.append(k, v);
    const booked = await fetch(`${base}/p/lakeside/book`, { method: 'POST', body: booking });
    expect(booked.status).toBe(200);
    const referrals = await eventually('the desk to list the referral', async () => {
      const r = await call<ReferralEntry[]>(s!.desk, 'csi-referrals-list', {});
      return r.length === 1 && r;
    });
    expect(referrals[0]).toMatchObject({ referrerName: 'Zoë Nguyen', name: 'Sam Lee', roId: null, thankedAt: null });
    const sam = await eventually('Sam on the desk', async () => s!.desk.db.selectFrom('customers').select('id').where('first_name', '=', 'Sam').executeTakeFirst());
    const samRo = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({ customer: { id: sam.id }, vehicle: { plate: 'SAM 1', make: 'Ford', model: 'Focus', year: 2018 } }));
    await settle(s.desk);
    const credited = await eventually('the check-in credited to Zoë', async () => {
      const r = (await call<ReferralEntry[]>(s!.desk, 'csi-referrals-list', {}))[0];
      return r?.roId === samRo.id && r;
    });
    expect(credited.roNumber).toBe(samRo.roNumber);
    expect((await s.desk.db.selectFrom('repair_orders').select('referral_id').where('id', '=', samRo.id).executeTakeFirstOrThrow()).referral_id).toBe(credited.id);
    const thanked = await call<ReferralEntry[]>(s.desk, 'csi-referral-thank', { id: credited.id, note: 'Card and a call' });
    expect(thanked[0]).toMatchObject({ thankNote: 'Card and a call' });
    expect(thanked[0]!.thankedAt).not.toBeNull();
  });
});

describe('after the repair, several relays (postgres)', () => {
  let s: TextingShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  it('two relays (each its own storage and clock) on one PostgreSQL database, two desks: one survey', async () => {
    let ahead = 0;
    const clock = () => new Date(Date.now() + ahead);
    s = await startTextingShop('postgres', { csi: { clock, pollMs: 60_000 } });
    const second = await s.f.pairNewDesk('Back office');
    await deliver(s, s.ro.id);
    const otherStorage = await openStorage('postgres', s.f.location);
    const other = new CsiService(otherStorage, s.f.relay.app.log, { publicUrl: () => s!.f.relay.url, clock });
    try {
      ahead = 25 * HOUR;
      // Both processes decide at the same moment, several times over.
      await Promise.all([s.f.relay.csi.sweep(s.f.workspace.id), other.sweep(s.f.workspace.id), s.f.relay.csi.sweep(s.f.workspace.id), other.sweep(s.f.workspace.id)]);
    } finally {
      await other.close();
      await otherStorage.close();
    }
    expect(await surveyTexts(s)).toHaveLength(1);
    await eventually('the survey to go', async () => s!.fake.sends().filter((t) => t.text.includes('/survey')).length === 1);
    await eventually('both desks to see one survey text', async () => {
      for (const desk of [s!.desk, second.desk]) {
        const rows = await desk.db.selectFrom('messages').select('id').where('template_id', '=', 'csi-survey').execute();
        if (rows.length !== 1) return false;
      }
      return true;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(s.fake.sends().filter((t) => t.text.includes('/survey'))).toHaveLength(1);
  });
});
