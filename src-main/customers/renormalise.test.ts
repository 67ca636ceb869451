// Stored numbers read again when the shop's country is known (issue 22): what can be read becomes
// E.164 with its mobile/landline answer, through the mutation layer (in the change log that syncs);
// what cannot is left exactly as typed and reported; a second run changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';
import { readStoredPhonesOnce } from './renormalise.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

// What the old North-America-only normaliser left behind in a UK shop, and what was imported raw.
const STORED = [
  { id: 'c-plus-zero', first_name: 'Amy', last_name: 'Hart', mobile: '+4407400123456' }, // "+44 (0)7400 123456"
  { id: 'c-landline', first_name: 'Ben', last_name: 'Cole', mobile: '+442079460018' }, // already E.164, no kind yet
  { id: 'c-as-us', first_name: 'Cara', last_name: 'Dunn', mobile: '+107400123456' }, // "07400 123456" read as a US number
  { id: 'c-raw', first_name: 'Dev', last_name: 'Patel', mobile: '07400 654321' }, // typed into an import file
  { id: 'c-words', first_name: 'Eve', last_name: 'Moss', mobile: 'ask at desk' },
];

describe('re-reading stored phone numbers in the shop’s country', () => {
  it('rewrites what it can read, reports the rest untouched, fills mobile_kind, and is idempotent', async () => {
    t = await openTestDesk({ workspace: { name: 'Riverside Bodyshop', slug: 'riverside' } });
    await t.call('workspace-update', { country: 'GB', timeZone: 'Europe/London' });
    await t.desk.store.write({ actor: 'test', action: 'legacy-customers' }, async (tx) => {
      for (const c of STORED) await tx.insert('customers', { ...c, created_at: '2025-01-01T00:00:00.000Z' });
    });
    const logBefore = Number((t.desk.sqlite.prepare("SELECT count(*) AS n FROM changes WHERE tbl = 'customers'").get() as { n: number }).n);

    const first = await t.call('phone-check', {});
    expect(first.checked).toBe(5);
    expect(first.updated).toBe(3);
    expect(first.unreadable).toEqual([
      { customerId: 'c-as-us', name: 'Cara Dunn', mobile: '+107400123456', problem: expect.stringContaining('wrong number of digits') },
      { customerId: 'c-words', name: 'Eve Moss', mobile: 'ask at desk', problem: expect.stringContaining('is not a phone number') },
    ]);
    const rows = await t.desk.db.selectFrom('customers').select(['id', 'mobile', 'mobile_kind']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'c-as-us', mobile: '+107400123456', mobile_kind: null },
      { id: 'c-landline', mobile: '+442079460018', mobile_kind: 'landline' },
      { id: 'c-plus-zero', mobile: '+447400123456', mobile_kind: 'mobile' },
      { id: 'c-raw', mobile: '+447400654321', mobile_kind: 'mobile' },
      { id: 'c-words', mobile: 'ask at desk', mobile_kind: null },
    ]);
    // Written through the mutation layer: the cells are in the change log that goes to the relay.
    const logged = t.desk.sqlite.prepare("SELECT row_id, col FROM changes WHERE tbl = 'customers' AND col IN ('mobile', 'mobile_kind') ORDER BY seq DESC LIMIT 5").all() as Array<{ row_id: string; col: string }>;
    expect(logged).toEqual(expect.arrayContaining([{ row_id: 'c-plus-zero', col: 'mobile' }, { row_id: 'c-landline', col: 'mobile_kind' }, { row_id: 'c-raw', col: 'mobile' }]));
    expect(logged.some((l) => l.row_id === 'c-as-us' || l.row_id === 'c-words')).toBe(false);
    const logAfterFirst = Number((t.desk.sqlite.prepare("SELECT count(*) AS n FROM changes WHERE tbl = 'customers'").get() as { n: number }).n);
    expect(logAfterFirst).toBeGreaterThan(logBefore);

    // The second run finds nothing to do and writes nothing.
    const second = await t.call('phone-check', {});
    expect(second).toEqual({ checked: 5, updated: 0, unreadable: first.unreadable });
    expect(Number((t.desk.sqlite.prepare("SELECT count(*) AS n FROM changes WHERE tbl = 'customers'").get() as { n: number }).n)).toBe(logAfterFirst);
  });

  it('a number typed at check-in in a UK shop is read there, and an impossible one is refused naming the problem', async () => {
    t = await openTestDesk({ workspace: { name: 'Riverside Bodyshop', slug: 'riverside' } });
    await t.call('workspace-update', { country: 'GB' });
    const ro = await t.call('ro-check-in', { customer: { firstName: 'Amy', lastName: 'Hart', mobile: '+44 (0)20 7946 0018' }, vehicle: { plate: 'AB12 CDE' } });
    expect(ro.customer).toMatchObject({ mobile: '+442079460018', mobileKind: 'landline' });
    const outcome = await t.desk.call('ro-check-in', { customer: { firstName: 'Ben', lastName: 'Cole', mobile: '07400 12345' }, vehicle: { plate: 'CD34 EFG' } }, t.session);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? null : outcome.error).toMatchObject({ field: 'customer.mobile', message: expect.stringMatching(/^"07400 12345" is too short for a UK phone number/) });
    expect(await t.desk.db.selectFrom('customers').select('first_name').execute()).toEqual([{ first_name: 'Amy' }]);
  });
});

describe('stored numbers read again once, when the upgraded desk opens', () => {
  it('rewrites what it can, leaves the rest and tells the staff once; the next open does nothing', async () => {
    t = await openTestDesk({ workspace: { name: 'Riverside Bodyshop', slug: 'riverside' } });
    await t.call('workspace-update', { country: 'GB', timeZone: 'Europe/London' });
    await t.desk.store.write({ actor: 'test', action: 'legacy-customers' }, async (tx) => {
      for (const c of STORED) await tx.insert('customers', { ...c, created_at: '2025-01-01T00:00:00.000Z' });
    });
    const dataDir = t.dataDir;
    await t.close();

    // The upgrade: the desk opens again and reads them in the background.
    t = await openTestDesk({ dataDir });
    await t.desk.phonesReadAtOpen();
    const rows = await t.desk.db.selectFrom('customers').select(['id', 'mobile', 'mobile_kind']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'c-as-us', mobile: '+107400123456', mobile_kind: null },
      { id: 'c-landline', mobile: '+442079460018', mobile_kind: 'landline' },
      { id: 'c-plus-zero', mobile: '+447400123456', mobile_kind: 'mobile' },
      { id: 'c-raw', mobile: '+447400654321', mobile_kind: 'mobile' },
      { id: 'c-words', mobile: 'ask at desk', mobile_kind: null },
    ]);
    const { notices, unread } = await t.call('notice-list', {});
    expect(unread).toBe(1);
    expect(notices[0]!.title).toBe('2 customers’ mobile numbers could not be read');
    expect(notices[0]!.body).toContain('Cara Dunn (+107400123456)');
    expect(notices[0]!.body).toContain('Eve Moss (ask at desk)');
    const logAfter = Number((t.desk.sqlite.prepare('SELECT count(*) AS n FROM changes').get() as { n: number }).n);
    await t.close();

    // Opened again: already read for this country, nothing is written and no second notice.
    t = await openTestDesk({ dataDir });
    await t.desk.phonesReadAtOpen();
    expect(Number((t.desk.sqlite.prepare('SELECT count(*) AS n FROM changes').get() as { n: number }).n)).toBe(logAfter);
    expect((await t.call('notice-list', {})).notices).toHaveLength(1);
  });

  it('a desk whose shop settings have not arrived yet (paired a moment ago) reads nothing and waits for its next open', async () => {
    t = await openTestDesk();
    await t.desk.phonesReadAtOpen();
    // As right after pairing: the desk's own settings are gone and the shop's have not come down yet.
    t.desk.sqlite.prepare('DELETE FROM workspace_settings').run();
    t.desk.sqlite.prepare("DELETE FROM meta WHERE key = 'phones:read-for'").run();
    await t.desk.store.write({ actor: 'test', action: 'legacy-customers' }, async (tx) => {
      await tx.insert('customers', { id: 'c-raw', first_name: 'Dev', last_name: 'Patel', mobile: '07400 654321', created_at: '2025-01-01T00:00:00.000Z' });
    });
    expect(await readStoredPhonesOnce(t.desk)).toBeNull();
    expect((await t.desk.db.selectFrom('customers').select('mobile').where('id', '=', 'c-raw').executeTakeFirstOrThrow()).mobile).toBe('07400 654321');
    expect(t.desk.sqlite.prepare("SELECT value FROM meta WHERE key = 'phones:read-for'").get()).toBeUndefined();
  });
});
