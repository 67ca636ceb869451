// Numbers stored before issue 22 were cleaned by a hand-written normaliser that knew only North
// America. This reads every customer's stored mobile again with libphonenumber-js in the shop's
// country: a number it can read is rewritten as E.164 with its mobile_kind, through the mutation
// layer (so it syncs and is audited); a number it cannot read is left exactly as it is and reported.
// It changes only rows it can improve, so it is idempotent: once any desk has run it, the synced
// rows leave every other desk (and every later run) nothing to do.
import type { PhoneCheckReport } from '../../src-shared/domain.js';
import { mobileKindOf, normalizePhone, parsePhone, shopCountry } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { DeskContext as Desk } from '../api/desk-context.js';

export async function renormalisePhones(desk: Desk, actor = 'system'): Promise<PhoneCheckReport> {
  const settings = await desk.db.selectFrom('workspace_settings').select('country').where('id', '=', SETTINGS_ID).executeTakeFirst();
  const country = shopCountry(settings?.country);
  const rows = await desk.db.selectFrom('customers').select(['id', 'first_name', 'last_name', 'mobile', 'mobile_kind']).where('mobile', 'is not', null).where('mobile', '!=', '').orderBy('id').execute();
  const changes: Array<{ id: string; mobile: string; mobile_kind: string }> = [];
  const unreadable: PhoneCheckReport['unreadable'] = [];
  for (const row of rows) {
    const stored = row.mobile!;
    const e164 = normalizePhone(stored, country);
    if (!e164) {
      const read = parsePhone(stored, country);
      unreadable.push({ customerId: row.id, name: `${row.first_name ?? ''} ${row.last_name ?? ''}`.trim(), mobile: stored, problem: read.ok ? 'It cannot be read.' : read.problem });
      continue;
    }
    const kind = mobileKindOf(e164) ?? 'unknown';
    if (e164 !== stored || kind !== row.mobile_kind) changes.push({ id: row.id, mobile: e164, mobile_kind: kind });
  }
  if (changes.length > 0) {
    await desk.store.write({ actor, action: 'phone-renormalise', summary: `Stored phone numbers read again: ${changes.length} updated` }, async (tx) => {
      for (const c of changes) await tx.update('customers', c.id, { mobile: c.mobile, mobile_kind: c.mobile_kind });
    });
  }
  return { checked: rows.length, updated: changes.length, unreadable };
}

/** Where a desk notes the country and reading it last read every stored number for (local, never synced). */
const READ_MARK = 'phones:read-for';
/** Raised when numbers are read differently (new rules, metadata with other answers): every desk reads them again once. */
export const PHONE_READING = 1;

/**
 * The upgrade step for stored numbers, run once per desk for each shop country and way of
 * reading: at open, in the background. A shop whose settings have not arrived yet (a desk paired
 * a moment ago) waits for its next open. Numbers that cannot be read become one staff notice
 * (the same notice from every desk), and Settings lists them.
 */
export async function readStoredPhonesOnce(desk: Desk): Promise<PhoneCheckReport | null> {
  const settings = await desk.db.selectFrom('workspace_settings').select('country').where('id', '=', SETTINGS_ID).executeTakeFirst();
  if (!settings) return null;
  const country = shopCountry(settings.country);
  const mark = `${country}:${PHONE_READING}`;
  const done = await desk.db.selectFrom('meta').select('value').where('key', '=', READ_MARK).executeTakeFirst();
  if (done?.value === mark) return null;
  const report = await renormalisePhones(desk, 'system');
  const noticeId = `phone-check-${country}-${PHONE_READING}`;
  if (report.unreadable.length > 0) {
    await desk.store.write({ actor: 'system', action: 'phone-check-notice', summary: `${report.unreadable.length} stored mobile numbers could not be read`, audit: false }, async (tx) => {
      if (await tx.get('staff_notifications', noticeId)) return;
      const named = report.unreadable.slice(0, 10).map((u) => `${u.name || 'A customer'} (${u.mobile})`);
      const more = report.unreadable.length - named.length;
      await tx.insert('staff_notifications', {
        id: noticeId,
        ro_id: null,
        rule_id: null,
        run_id: null,
        kind: 'phone-check',
        title: report.unreadable.length === 1 ? 'A customer’s mobile number could not be read' : `${report.unreadable.length} customers’ mobile numbers could not be read`,
        body: `Left as typed, so no texts go to them: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}. Settings › Customers’ phone numbers lists them; correct each on the customer.`,
        for_role: null,
        for_staff_id: null,
        created_at: new Date().toISOString(),
        read_at: null,
        read_by: null,
      });
    });
  }
  await desk.db
    .insertInto('meta')
    .values({ key: READ_MARK, value: mark })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: mark }))
    .execute();
  return report;
}
