// The row of a text the relay writes and approves itself; kept apart from the texting service so the
// portal can write one without loading the Telnyx SDK.

/**
 * A text the relay approves by itself (the HELP answer, the link asked for on the shop page):
 * a `messages` row that the send loop then sends once, like any text a person approved.
 */
export function automaticReply(input: { roId: string | null; customerId: string | null; to: string | null; body: string; templateId: string; now: string }) {
  return {
    ro_id: input.roId,
    customer_id: input.customerId,
    channel: 'sms',
    direction: 'out',
    body: input.body,
    at: input.now,
    author: 'Automatic reply',
    read_at: input.now,
    status: 'approved',
    approved_by: 'relay',
    approved_at: input.now,
    template_id: input.templateId,
    automated: 0,
    peer_number: input.to,
  };
}
