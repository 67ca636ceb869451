// The customers' side of the demo shop's past month, and what the texting service reported: a
// customer's portal message or text, and a text from the shop that was delivered weeks ago.
// In a running shop the relay writes these rows (portal-plugin.ts, sms-service.ts), but there is
// no relay when the demo is seeded (and no desk API for "a customer wrote", rightly), so the demo
// writes the same rows through the desk's mutation layer: stamped, logged, audited and synced
// like any other change, attributed to the customer (or to the staff member who sent the text).
import { randomUUID } from 'node:crypto';
import type { Desk } from '../desk.js';

export interface CustomerSide {
  roId: string;
  customerId: string;
  firstName: string;
  /** E.164 mobile, for texts. */
  mobile: string | null;
}

/** A message from the customer, on the portal or by text, at `at`; unread until someone reads it. */
export async function customerWrote(desk: Desk, who: CustomerSide, channel: 'portal' | 'sms', body: string, at: Date): Promise<void> {
  const when = at.toISOString();
  const intent =
    channel === 'sms'
      ? { actor: 'customer', action: 'sms-received', summary: 'Text from the customer', roId: who.roId }
      : { actor: 'customer', action: 'portal-message', summary: 'The customer wrote on the portal', roId: who.roId };
  await desk.store.write(intent, async (tx) => {
    if (channel === 'sms') {
      const telnyxId = `demo-${randomUUID()}`;
      await tx.insert('messages', {
        id: `sms:${telnyxId}`,
        ro_id: who.roId,
        customer_id: who.customerId,
        channel: 'sms',
        direction: 'in',
        body,
        at: when,
        author: who.firstName,
        status: 'received',
        external_id: telnyxId,
        peer_number: who.mobile,
      });
    } else {
      await tx.insert('messages', { ro_id: who.roId, customer_id: who.customerId, channel: 'portal', direction: 'in', body, at: when, author: who.firstName });
    }
  });
}

/**
 * A text a staff member sent at `at` that Telnyx reported delivered. Written whole, so no relay
 * that later receives it takes it for a text still to send.
 */
export async function textDelivered(desk: Desk, who: CustomerSide, staff: { id: string; name: string }, body: string, at: Date): Promise<void> {
  const when = at.toISOString();
  await desk.store.write({ actor: `staff:${staff.id}`, action: 'sms-send', summary: 'Text to the customer approved and sent', roId: who.roId }, (tx) =>
    tx.insert('messages', {
      ro_id: who.roId,
      customer_id: who.customerId,
      channel: 'sms',
      direction: 'out',
      body,
      at: when,
      staff_id: staff.id,
      author: staff.name,
      read_at: when,
      status: 'delivered',
      external_id: `demo-${randomUUID()}`,
      peer_number: who.mobile,
      approved_by: `staff:${staff.id}`,
      approved_at: when,
      automated: 0,
    }),
  );
}
