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
