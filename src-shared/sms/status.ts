// Where a text stands, from the draft a person writes to what the carrier reported. Delivery
// reports can arrive in any order; a status only ever moves to a higher rank, so a late
// "sent" never undoes "delivered" or "failed".

export const SMS_STATUSES = [
  'draft', // written, not approved: nobody pressed Send yet
  'approved', // a person pressed Send (or the shop's automation queued it): the relay sends it
  'held', // an automated text waiting for the customer's morning
  'sending', // claimed by the relay; the call to Telnyx is under way
  'queued', // Telnyx took it (its id is recorded)
  'sent', // Telnyx handed it to the carrier
  'delivered',
  'failed',
  'refused', // never sent: the customer opted out, or the shop has no number
  'check-needed', // the relay cannot know whether it went out: a person decides
  'received', // a text from the customer
] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

const RANK: Record<SmsStatus, number> = {
  draft: 0,
  approved: 1,
  held: 1,
  sending: 2,
  queued: 3,
  sent: 4,
  delivered: 5,
  failed: 5,
  refused: 5,
  'check-needed': 5,
  received: 5,
};

export function isSmsStatus(value: unknown): value is SmsStatus {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** Whether a text at `current` may move to `next` (only forward). */
export function movesForward(current: string | null, next: SmsStatus): boolean {
  const from = isSmsStatus(current) ? RANK[current] : -1;
  return RANK[next] > from;
}
