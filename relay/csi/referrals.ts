// Referrals (issue 18): a customer who answered the survey has a code of their own
// (customers.referral_code); a booking made from the shop page reached through `/p/<slug>?ref=<code>`
// is credited to them as a `referrals` row, written in the same transaction as the booking. When the
// desk later checks that booking in, the relay's CSI service links the repair to the referral. No
// reward is tied to anything here: what the shop gives a referrer is the shop's own choice.
import type { WriteTx } from '../../src-shared/sync/store.js';

export function isReferralCode(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z2-9]{6,16}$/.test(value);
}

/** Credits a new booking to the customer whose code it came with; nothing when the code is unknown or their own. */
export async function creditReferral(tx: WriteTx, input: { code: string; appointmentId: string; customerId: string | null; name: string; now: Date }): Promise<string | null> {
  if (!isReferralCode(input.code)) return null;
  const referrer = await tx.trx.selectFrom('customers').select(['id']).where('referral_code', '=', input.code).executeTakeFirst();
  if (!referrer || referrer.id === input.customerId) return null;
  const answered = await tx.trx
    .selectFrom('csi_responses')
    .select(['ro_id'])
    .where('customer_id', '=', referrer.id)
    .where('submitted_at', 'is not', null)
    .orderBy('submitted_at', 'desc')
    .executeTakeFirst();
  return tx.insert('referrals', {
    referrer_customer_id: referrer.id,
    referrer_ro_id: answered?.ro_id ?? null,
    code: input.code,
    appointment_id: input.appointmentId,
    ro_id: null,
    name: input.name,
    credited_at: input.now.toISOString(),
  });
}
