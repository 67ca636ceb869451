// The customer's account on a real relay (SQLite and PostgreSQL) with a paired desk and the fake
// Telnyx: a texted code signs in, the list holds every repair under the number and nothing of
// anyone else's, ten wrong codes lock the number, signing out everywhere ends the other sessions,
// and the token links keep working with no account and no cookies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalLink, RepairOrderDetail } from '../../src-shared/domain.js';
import { checkIn, settle, ZOE } from '../sms/testing.js';
import { startSigningShop, type SigningShop } from '../esign/testing.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { readSettings } from '../portal/portal-view.js';
import { estimateHours, offeredSlots, openBooking } from '../scheduling/testing.js';
import { accountCodesTo, csrfIn, lastAccountCode, signAuthorization, textOf, Visitor } from './testing.js';

const LOOKALIKE = '+15125550148';
const SAME_LAST_SEVEN = '+17375550147';
const UNKNOWN = '+15125550177';

describe.each(['sqlite', 'postgres'] as Engine[])('the customer account (%s)', (engine) => {
  let s: SigningShop;
  let second: RepairOrderDetail;
  let lookalike: RepairOrderDetail;
  let sameName: RepairOrderDetail;
  let signedId: string;
  const account = () => `/p/${s.f.workspace.slug}/account`;

  async function roOnRelay(id: string) {
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    return store.db.selectFrom('repair_orders').select('id').where('id', '=', id).executeTakeFirst();
  }

  beforeAll(async () => {
    s = await startSigningShop(engine, { accounts: { codeGapMs: 0, codesPerNumberPerHour: 50, codesPerAddress: 200 } });
    // Zoë's second repair (another car, delivered), a customer one digit off, and one with her
    // name and the same last seven digits in another area code.
    second = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({ vehicle: { vin: '2T1BURHE0JC074253', plate: 'QRS 789', year: 2016, make: 'Toyota', model: 'Corolla', color: 'Silver' } }));
    await call(s.desk, 'ro-move-stage', { id: second.id, stage: 'delivered' });
    lookalike = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({
      customer: { firstName: 'Zoe', lastName: 'Nguyen', mobile: '(512) 555-0148', email: 'other@example.com' },
      vehicle: { vin: '3FA6P0H78HR123456', plate: 'XYZ 111', year: 2017, make: 'Ford', model: 'Fusion', color: 'Red' },
    }));
    sameName = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({
      customer: { firstName: 'Zoë', lastName: 'Nguyen', mobile: '(737) 555-0147', email: 'zoe2@example.com' },
      vehicle: { vin: '5YJ3E1EA6KF123456', plate: 'EV 0147', year: 2019, make: 'Tesla', model: 'Model 3', color: 'White' },
    }));
    signedId = await signAuthorization(s);
    await settle(s.desk);
    await eventually('the repairs on the relay', async () => (await Promise.all([second, lookalike, sameName].map((r) => roOnRelay(r.id)))).every(Boolean));
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    await eventually('the sealed copy', async () => (await store.db.selectFrom('signature_requests').select('sealed_blob_hash').where('id', '=', signedId).executeTakeFirst())?.sealed_blob_hash ?? undefined);
    await eventually('the delivered repair on the relay', async () => (await store.db.selectFrom('repair_orders').select('closed_at').where('id', '=', second.id).executeTakeFirst())?.closed_at ?? undefined);
  }, 90_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  /** Number, texted code, code: answers the account page. */
  async function signIn(v: Visitor, mobile: string, typed = mobile): Promise<string> {
    const start = await v.get(account());
    expect(start.status).toBe(200);
    const before = accountCodesTo(s.fake, mobile);
    const asked = await v.post(`${account()}/code`, { csrf: csrfIn(start.body), mobile: typed });
    expect(asked.status).toBe(200);
    await eventually('the code text', async () => accountCodesTo(s.fake, mobile) > before);
    const done = await v.post(`${account()}/verify`, { csrf: csrfIn(asked.body), mobile: typed, code: lastAccountCode(s.fake, mobile)! });
    expect(done.status).toBe(303);
    expect(done.location).toBe(account());
    const page = await v.get(account());
    expect(page.status).toBe(200);
    return page.body;
  }

  it('a code texted to the number signs in: every repair under it, past and present, with the signed document', async () => {
    const v = new Visitor(s.f.relay.url);
    const page = textOf(await signIn(v, ZOE, '(512) 555-0147'));
    expect(page).toContain('you are signed in with (512) 555-0147');
    expect(page).toContain(`RO ${s.ro.roNumber}`);
    expect(page).toContain(`RO ${second.roNumber}`);
    expect(page).toMatch(new RegExp(`RO ${second.roNumber} · 2016 Silver Toyota Corolla \\(QRS 789\\) Delivered`));
    expect(page).toContain('Repair authorization signed');
    expect(page).not.toContain(`RO ${lookalike.roNumber}`);
    expect(page).not.toContain(`RO ${sameName.roNumber}`);
    const text = s.fake.sends().filter((t) => t.to === ZOE && t.text.includes('sign-in code')).at(-1)!.text;
    expect(text).toMatch(/^Harbor Collision: your sign-in code is \d{6}\. It works for 10 minutes\./);
    expect(v.cookies.get('bayline_account')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A used code does not work twice.
    const again = new Visitor(s.f.relay.url);
    const start = await again.get(account());
    const reused = await again.post(`${account()}/verify`, { csrf: csrfIn(start.body), mobile: ZOE, code: lastAccountCode(s.fake, ZOE)! });
    expect(reused.status).toBe(400);
    expect(textOf(reused.body)).toContain('That code is not right, or it has expired.');
  });

  it('the session cookie is HttpOnly and SameSite=Lax, and only a hash of it is stored', async () => {
    const v = new Visitor(s.f.relay.url);
    const start = await v.get(account());
    const before = accountCodesTo(s.fake, ZOE);
    const asked = await v.post(`${account()}/code`, { csrf: csrfIn(start.body), mobile: ZOE });
    await eventually('the code text', async () => accountCodesTo(s.fake, ZOE) > before);
    const res = await fetch(new URL(`${account()}/verify`, s.f.relay.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `bayline_account_visit=${v.cookies.get('bayline_account_visit')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrfIn(asked.body), mobile: ZOE, code: lastAccountCode(s.fake, ZOE)! }).toString(),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('bayline_account='))!;
    expect(set).toMatch(/; Path=\/p\/lakeside\/account; Max-Age=2592000; HttpOnly; SameSite=Lax$/);
    const id = /^bayline_account=([^;]+)/.exec(set)![1]!;
    const session = await s.f.storage.accounts.session(s.f.workspace.id, id, new Date().toISOString());
    expect(session?.mobile).toBe(ZOE);
    expect(session?.idHash).not.toContain(id);
  });

  it("another customer's repairs never appear, and cannot be opened by id", async () => {
    const other = new Visitor(s.f.relay.url);
    const page = await signIn(other, LOOKALIKE);
    const text = textOf(page);
    expect(text).toContain(`RO ${lookalike.roNumber}`);
    for (const ro of [s.ro, second, sameName]) expect(text).not.toContain(`RO ${ro.roNumber}`);
    expect(text).not.toContain('Repair authorization');
    const tokensBefore = await s.desk.store.db.selectFrom('portal_tokens').select('id').where('ro_id', '=', s.ro.id).execute();
    const sneaky = await other.post(`${account()}/open`, { csrf: csrfIn(page), ro: s.ro.id });
    expect(sneaky.status).toBe(404);
    expect(textOf(sneaky.body)).toContain('That is not one of the repairs under your number.');
    const sneakyDoc = await other.post(`${account()}/open`, { csrf: csrfIn(page), ro: lookalike.id, to: `signed:${signedId}` });
    expect(sneakyDoc.status).toBe(404);
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    expect(await store.db.selectFrom('portal_tokens').select('id').where('ro_id', '=', s.ro.id).execute()).toHaveLength(tokensBefore.length);
    // The same-name customer in another area code sees only their own.
    const third = textOf(await signIn(new Visitor(s.f.relay.url), SAME_LAST_SEVEN));
    expect(third).toContain(`RO ${sameName.roNumber}`);
    for (const ro of [s.ro, second, lookalike]) expect(third).not.toContain(`RO ${ro.roNumber}`);
  });

  it('an unknown number gets the same answer, and no text', async () => {
    const v = new Visitor(s.f.relay.url);
    const start = await v.get(account());
    const known = await v.post(`${account()}/code`, { csrf: csrfIn(start.body), mobile: LOOKALIKE });
    const unknown = await v.post(`${account()}/code`, { csrf: csrfIn(start.body), mobile: UNKNOWN });
    expect(unknown.status).toBe(known.status);
    const strip = (body: string, n: string) => textOf(body).replace(n, 'NUMBER').replace(/value="[^"]*"/g, '');
    expect(strip(unknown.body, '(512) 555-0177')).toBe(strip(known.body, '(512) 555-0148'));
    // A code typed for it is refused like any wrong code.
    const typed = await v.post(`${account()}/verify`, { csrf: csrfIn(start.body), mobile: UNKNOWN, code: '123456' });
    expect(typed.status).toBe(400);
    expect(textOf(typed.body)).toContain('That code is not right, or it has expired. 9 more wrong codes');
    await new Promise((r) => setTimeout(r, 300));
    expect(accountCodesTo(s.fake, UNKNOWN)).toBe(0);
  });

  it('opening a repair and its signed copy go through a fresh portal link of its own', async () => {
    const v = new Visitor(s.f.relay.url);
    const page = await signIn(v, ZOE);
    const opened = await v.post(`${account()}/open`, { csrf: csrfIn(page), ro: s.ro.id });
    expect(opened.status).toBe(303);
    expect(opened.location).toMatch(/^\/t\/[A-Za-z0-9_-]{46}$/);
    // The link is a plain portal link: it opens with no cookie at all.
    const plain = await fetch(new URL(opened.location!, s.f.relay.url));
    expect(plain.status).toBe(200);
    expect(await plain.text()).toContain(`Repair order ${s.ro.roNumber}`);
    const doc = await v.post(`${account()}/open`, { csrf: csrfIn(page), ro: s.ro.id, to: `signed:${signedId}` });
    expect(doc.location).toMatch(new RegExp(`^/t/[A-Za-z0-9_-]{46}/sign/${signedId}/signed\\.pdf$`));
    const pdf = await fetch(new URL(doc.location!, s.f.relay.url));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    // Opening again replaced the session's earlier link to the repair.
    expect((await fetch(new URL(opened.location!, s.f.relay.url))).status).toBe(404);
    // The desk sees the link as issued from the account, hash only.
    const rows = await eventually('the links on the desk', async () => {
      const r = await s.desk.store.db.selectFrom('portal_tokens').selectAll().where('ro_id', '=', s.ro.id).where('issued_by', 'like', 'account:%').execute();
      return r.length >= 2 ? r : undefined;
    });
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash ?? ''))).toBe(true);
  });

  it('a form from elsewhere is refused: no form token, or one from another session', async () => {
    const v = new Visitor(s.f.relay.url);
    const page = await signIn(v, ZOE);
    const noToken = await v.post(`${account()}/sign-out-everywhere`, {});
    expect(noToken.status).toBe(403);
    expect(textOf(noToken.body)).toContain('This form has expired, or it was not sent from this page. Nothing was changed.');
    const w = new Visitor(s.f.relay.url);
    const otherPage = await signIn(w, ZOE);
    expect((await v.post(`${account()}/open`, { csrf: csrfIn(otherPage), ro: s.ro.id })).status).toBe(403);
    // Still signed in.
    expect(textOf((await v.get(account())).body)).toContain('you are signed in with');
    expect((await v.post(`${account()}/open`, { csrf: csrfIn(page), ro: s.ro.id })).status).toBe(303);
  });

  it('ten wrong codes lock the number: the eleventh, even the right one, is refused with when to try again', async () => {
    const v = new Visitor(s.f.relay.url);
    const start = await v.get(account());
    const csrf = csrfIn(start.body);
    const before = accountCodesTo(s.fake, SAME_LAST_SEVEN);
    await v.post(`${account()}/code`, { csrf, mobile: SAME_LAST_SEVEN });
    await eventually('the code text', async () => accountCodesTo(s.fake, SAME_LAST_SEVEN) > before);
    const right = lastAccountCode(s.fake, SAME_LAST_SEVEN)!;
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 1; i <= 9; i += 1) {
      const r = await v.post(`${account()}/verify`, { csrf, mobile: SAME_LAST_SEVEN, code: wrong });
      expect(r.status).toBe(400);
      expect(textOf(r.body)).toContain(`${10 - i === 1 ? '1 more wrong code' : `${10 - i} more wrong codes`} and this number is locked for 30 minutes`);
    }
    const tenth = await v.post(`${account()}/verify`, { csrf, mobile: SAME_LAST_SEVEN, code: wrong });
    expect(tenth.status).toBe(429);
    const eleventh = await v.post(`${account()}/verify`, { csrf, mobile: SAME_LAST_SEVEN, code: right });
    expect(eleventh.status).toBe(429);
    const words = textOf(eleventh.body);
    expect(words).toMatch(/Too many wrong codes for this number\. Please try again after \w{3}, \w{3} \d{1,2}, \d{1,2}:\d{2}\s[AP]M \(in about (30|29) minutes\), or call us\./);
    expect(v.cookies.has('bayline_account')).toBe(false);
    // A new code is refused too while locked, and nothing is texted.
    const count = accountCodesTo(s.fake, SAME_LAST_SEVEN);
    const ask = await v.post(`${account()}/code`, { csrf, mobile: SAME_LAST_SEVEN });
    expect(ask.status).toBe(429);
    expect(textOf(ask.body)).toContain('Too many wrong codes for this number');
    expect(accountCodesTo(s.fake, SAME_LAST_SEVEN)).toBe(count);
    // Another number is not affected.
    expect(textOf(await signIn(new Visitor(s.f.relay.url), LOOKALIKE))).toContain(`RO ${lookalike.roNumber}`);
  });

  it('appointments under the number are listed, each with a way to choose or change its time; none of them for another number', async () => {
    const url = s.f.relay.url;
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    const timeZone = (await readSettings(store.db)).timeZone;
    await openBooking(s.f.storage, s.f.workspace.id, { timeZone, availability: [estimateHours(), estimateHours({ kind: 'pickup' })] });
    // The desk asks Zoë to choose a pickup time once it has the hours; she books an estimate on the shop page.
    await eventually('the desk to ask for a pickup time', async () => {
      const made = await s.desk.call('appointment-invite', { roId: s.ro.id, kind: 'pickup' }, s.desk.newSession());
      return made.ok ? true : undefined;
    });
    const slot = offeredSlots(await (await fetch(`${url}/p/lakeside/book`)).text())[0]!;
    const body = new FormData();
    for (const [k, v] of Object.entries({ name: 'Zoë Nguyen', mobile: '(512) 555-0147', vehicle: '2019 Honda Accord', description: 'A scrape on the rear bumper', slot })) body.append(k, v);
    expect((await fetch(`${url}/p/lakeside/book`, { method: 'POST', body })).status).toBe(200);
    await settle(s.desk);
    const invited = await eventually('the invitation on the relay', async () => store.db.selectFrom('appointments').selectAll().where('ro_id', '=', s.ro.id).where('state', '=', 'invited').executeTakeFirst());
    const booked = await store.db.selectFrom('appointments').selectAll().where('kind', '=', 'estimate').where('mobile', '=', ZOE).executeTakeFirstOrThrow();

    const v = new Visitor(url);
    const page = await signIn(v, ZOE);
    const text = textOf(page);
    expect(text).toContain(`Pickup the shop asks you to choose a time · RO ${s.ro.roNumber} Choose a time`);
    expect(text).toMatch(/Estimate · \w{3}, \w{3} \d{1,2}, \d{1,2}:\d{2}\s[AP]M asked for, waiting for the shop Change or cancel/);
    expect(textOf(await signIn(new Visitor(url), LOOKALIKE))).toContain('No appointments.');

    const choose = await v.post(`${account()}/appointments/${invited.id}`, { csrf: csrfIn(page) });
    expect(choose.location).toMatch(new RegExp(`^/t/[A-Za-z0-9_-]{46}/appointments/${invited.id}$`));
    expect(textOf((await v.get(choose.location!)).body)).toContain('Choose the time that suits you');
    const manage = await v.post(`${account()}/appointments/${booked.id}`, { csrf: csrfIn(page) });
    expect(manage.location).toMatch(/^\/a\/[A-Za-z0-9_-]{46}$/);
    const managed = await v.get(manage.location!);
    expect(managed.status).toBe(200);
    expect(textOf(managed.body)).toContain('Cancel this estimate');

    // Another number cannot reach Zoë's appointment by its id.
    const other = new Visitor(url);
    const otherPage = await signIn(other, LOOKALIKE);
    expect((await other.post(`${account()}/appointments/${booked.id}`, { csrf: csrfIn(otherPage) })).status).toBe(404);
    // Sign out (this browser only): the other session carries on.
    expect((await v.post(`${account()}/sign-out`, { csrf: csrfIn(page) })).location).toBe(`${account()}?out=1`);
    expect(textOf((await v.get(`${account()}?out=1`)).body)).toContain('You are signed out.');
    expect(v.cookies.has('bayline_account')).toBe(false);
    expect(textOf((await other.get(account())).body)).toContain('you are signed in with');
  });

  it('a new person who has only booked an estimate (no repair) gets a code and sees the appointment', async () => {
    const url = s.f.relay.url;
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    const hasHours = await store.db.selectFrom('appointment_availability').select('id').where('id', '=', 'availability-estimate').executeTakeFirst();
    if (!hasHours) await openBooking(s.f.storage, s.f.workspace.id, { timeZone: (await readSettings(store.db)).timeZone, availability: [estimateHours()] });
    const slot = offeredSlots(await (await fetch(`${url}/p/lakeside/book`)).text()).at(-1)!;
    const body = new FormData();
    for (const [k, v] of Object.entries({ name: 'Priya Shah', mobile: '(512) 555-0166', vehicle: '2022 Kia Soul', description: 'Dented front wing', slot })) body.append(k, v);
    expect((await fetch(`${url}/p/lakeside/book`, { method: 'POST', body })).status).toBe(200);
    // The booking made her a customer, and the appointment is hers (linked, not only by number).
    const booked = await store.db.selectFrom('appointments').selectAll().where('mobile', '=', '+15125550166').executeTakeFirstOrThrow();
    expect(booked.customer_id).not.toBeNull();

    const page = textOf(await signIn(new Visitor(url), '+15125550166', '(512) 555-0166'));
    expect(page).toContain('you are signed in with (512) 555-0166');
    expect(page).toMatch(/Estimate · \w{3}, \w{3} \d{1,2}, \d{1,2}:\d{2}\s[AP]M asked for, waiting for the shop Change or cancel/);
  });

  it('signing out everywhere ends the other sessions and closes the pages they opened; the desk link keeps working', async () => {
    const phone = new Visitor(s.f.relay.url);
    const laptop = new Visitor(s.f.relay.url, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36');
    const phonePage = await signIn(phone, ZOE);
    const laptopPage = await signIn(laptop, ZOE);
    expect(textOf(laptopPage)).toContain('Chrome on Windows (this one)');
    expect(textOf(laptopPage)).toContain('Safari on iPhone');
    const opened = await laptop.post(`${account()}/open`, { csrf: csrfIn(laptopPage), ro: s.ro.id });
    const deskLink = await call<PortalLink>(s.desk, 'portal-link-issue', { roId: s.ro.id, rotate: false });
    await eventually('the desk link on the relay', async () => (await fetch(deskLink.url!)).status === 200);

    const out = await phone.post(`${account()}/sign-out-everywhere`, { csrf: csrfIn(phonePage) });
    expect(out.status).toBe(303);
    expect(textOf((await phone.get(out.location!)).body)).toContain('You are signed out on every device.');
    // The laptop's next request: signed out, told so, its cookie dropped.
    const next = await laptop.get(account());
    expect(textOf(next.body)).toContain('You were signed out. Sign in again to see your repairs.');
    expect(laptop.cookies.has('bayline_account')).toBe(false);
    const action = await laptop.post(`${account()}/open`, { csrf: csrfIn(laptopPage), ro: s.ro.id });
    expect(action.status).toBe(401);
    // The page the laptop opened from the account is closed; the shop's own link still opens, without cookies.
    await eventually('the account link closed', async () => (await fetch(new URL(opened.location!, s.f.relay.url))).status === 404);
    expect((await fetch(deskLink.url!)).status).toBe(200);
    expect(await s.f.storage.accounts.sessions((await s.f.storage.accounts.session(s.f.workspace.id, 'x'.repeat(43), new Date().toISOString()))?.accountId ?? 'none', new Date().toISOString())).toEqual([]);
  });
});

describe('the customer account: limits per number and per address', () => {
  let s: SigningShop;
  beforeAll(async () => {
    s = await startSigningShop('sqlite', { accounts: { codesPerAddress: 4 } });
  }, 60_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  it('a second code within 30 s is refused alike for a known and an unknown number; the fifth request from one address waits', async () => {
    const v = new Visitor(s.f.relay.url);
    const start = await v.get(`/p/${s.f.workspace.slug}/account`);
    const ask = (mobile: string) => v.post(`/p/${s.f.workspace.slug}/account/code`, { csrf: csrfIn(start.body), mobile });
    expect((await ask(ZOE)).status).toBe(200);
    expect((await ask(UNKNOWN)).status).toBe(200);
    const knownAgain = await ask(ZOE);
    const unknownAgain = await ask(UNKNOWN);
    expect([knownAgain.status, unknownAgain.status]).toEqual([429, 429]);
    for (const r of [knownAgain, unknownAgain]) expect(textOf(r.body)).toContain('A code was sent moments ago. Please wait half a minute');
    const fifth = await ask(LOOKALIKE);
    expect(fifth.status).toBe(429);
    expect(textOf(fifth.body)).toContain('Too many codes asked for from this connection. Please wait 15 minutes, or call us.');
    await eventually('the one code text', async () => accountCodesTo(s.fake, ZOE) === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(accountCodesTo(s.fake, ZOE)).toBe(1);
    expect(accountCodesTo(s.fake, UNKNOWN)).toBe(0);
  });
});
