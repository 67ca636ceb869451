// The relay's own texting records, over the operator database of either engine (the same
// Kysely queries run on SQLite and PostgreSQL): number → shop, 10DLC state, the webhook event
// queue, send claims and opt-outs. Every decision that must happen once (an event recorded, a
// send claimed, an event taken from the queue) is one conditional statement, so two relay
// processes sharing PostgreSQL cannot both win it.
import type { Generated, Kysely } from 'kysely';

export interface SmsOperatorDatabase {
  workspaces: { id: string; slug: string; name: string };
  sms_numbers: {
    phone_number: string;
    workspace_id: string;
    order_id: string | null;
    messaging_profile_id: string | null;
    created_at: string;
  };
  sms_10dlc: { workspace_id: string; brand_id: string | null; campaign_id: string | null; status: string; checked_at: string };
  sms_events: {
    seq: Generated<number>;
    event_id: string;
    event_type: string;
    body: string;
    received_at: string;
    attempts: number;
    next_try_at: string;
    lease_until: string | null;
    done_at: string | null;
    outcome: string | null;
  };
  sms_sends: {
    workspace_id: string;
    message_id: string;
    claimed_at: string;
    claimed_by: string;
    telnyx_id: string | null;
    finished_at: string | null;
    outcome: string | null;
  };
  sms_opt_outs: { workspace_id: string; phone_number: string; opted_out: number; changed_at: string };
}

export interface SmsNumberRecord {
  phoneNumber: string;
  workspaceId: string;
  workspaceSlug: string;
  orderId: string | null;
  messagingProfileId: string | null;
  createdAt: string;
  tenDlcStatus: string | null;
  campaignId: string | null;
}

export interface QueuedEvent {
  seq: number;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
}

export interface OpenClaim {
  workspaceId: string;
  messageId: string;
  claimedAt: string;
  claimedBy: string;
}

export class SmsRecords {
  constructor(private readonly db: Kysely<SmsOperatorDatabase>) {}

  // ---- numbers and 10DLC -----------------------------------------------------------------

  async mapNumber(input: { phoneNumber: string; workspaceId: string; orderId: string | null; messagingProfileId: string | null; now: string }): Promise<void> {
    await this.db
      .insertInto('sms_numbers')
      .values({
        phone_number: input.phoneNumber,
        workspace_id: input.workspaceId,
        order_id: input.orderId,
        messaging_profile_id: input.messagingProfileId,
        created_at: input.now,
      })
      .onConflict((oc) =>
        oc.column('phone_number').doUpdateSet({ workspace_id: input.workspaceId, order_id: input.orderId, messaging_profile_id: input.messagingProfileId }),
      )
      .execute();
  }

  async workspaceOfNumber(phoneNumber: string): Promise<string | null> {
    const row = await this.db.selectFrom('sms_numbers').select('workspace_id').where('phone_number', '=', phoneNumber).executeTakeFirst();
    return row?.workspace_id ?? null;
  }

  /** The shop's sending number (the first it got). */
  async numberOfWorkspace(workspaceId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('sms_numbers')
      .select('phone_number')
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at')
      .orderBy('phone_number')
      .executeTakeFirst();
    return row?.phone_number ?? null;
  }

  async workspacesWithNumbers(): Promise<string[]> {
    const rows = await this.db.selectFrom('sms_numbers').select('workspace_id').distinct().execute();
    return rows.map((r) => r.workspace_id);
  }

  async listNumbers(): Promise<SmsNumberRecord[]> {
    const rows = await this.db
      .selectFrom('sms_numbers as n')
      .innerJoin('workspaces as w', 'w.id', 'n.workspace_id')
      .leftJoin('sms_10dlc as d', 'd.workspace_id', 'n.workspace_id')
      .select(['n.phone_number', 'n.workspace_id', 'w.slug', 'n.order_id', 'n.messaging_profile_id', 'n.created_at', 'd.status', 'd.campaign_id'])
      .orderBy('w.slug')
      .orderBy('n.phone_number')
      .execute();
    return rows.map((r) => ({
      phoneNumber: r.phone_number,
      workspaceId: r.workspace_id,
      workspaceSlug: r.slug,
      orderId: r.order_id,
      messagingProfileId: r.messaging_profile_id,
      createdAt: r.created_at,
      tenDlcStatus: r.status ?? null,
      campaignId: r.campaign_id ?? null,
    }));
  }

  async set10dlc(input: { workspaceId: string; brandId: string | null; campaignId: string | null; status: string; now: string }): Promise<void> {
    const values = { brand_id: input.brandId, campaign_id: input.campaignId, status: input.status, checked_at: input.now };
    await this.db
      .insertInto('sms_10dlc')
      .values({ workspace_id: input.workspaceId, ...values })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
      .execute();
  }

  // ---- the inbound queue -----------------------------------------------------------------

  /** Records a webhook event once: false when its event id was already recorded. */
  async enqueueEvent(input: { eventId: string; eventType: string; body: string; now: string }): Promise<boolean> {
    const inserted = await this.db
      .insertInto('sms_events')
      .values({
        event_id: input.eventId,
        event_type: input.eventType,
        body: input.body,
        received_at: input.now,
        attempts: 0,
        next_try_at: input.now,
        lease_until: null,
        done_at: null,
        outcome: null,
      })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .returning('seq')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /** Takes the oldest event due, for `leaseMs`; null when none is due. A lease that ran out (a crashed process) is taken again. */
  async takeEvent(now: string, leaseUntil: string): Promise<QueuedEvent | null> {
    for (let tries = 0; tries < 5; tries++) {
      const next = await this.db
        .selectFrom('sms_events')
        .select(['seq'])
        .where('done_at', 'is', null)
        .where('next_try_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      if (!next) return null;
      const taken = await this.db
        .updateTable('sms_events')
        .set((eb) => ({ lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
        .where('seq', '=', next.seq)
        .where('done_at', 'is', null)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .returning(['seq', 'event_id', 'event_type', 'body', 'attempts'])
        .executeTakeFirst();
      if (taken) return { seq: Number(taken.seq), eventId: taken.event_id, eventType: taken.event_type, body: taken.body, attempts: Number(taken.attempts) };
    }
    return null;
  }

  async finishEvent(seq: number, outcome: string, now: string): Promise<void> {
    await this.db.updateTable('sms_events').set({ done_at: now, outcome, lease_until: null }).where('seq', '=', seq).execute();
  }

  async retryEvent(seq: number, nextTryAt: string, outcome: string): Promise<void> {
    await this.db.updateTable('sms_events').set({ next_try_at: nextTryAt, outcome, lease_until: null }).where('seq', '=', seq).execute();
  }

  async eventCounts(): Promise<{ total: number; pending: number }> {
    const rows = await this.db.selectFrom('sms_events').select(['done_at']).execute();
    return { total: rows.length, pending: rows.filter((r) => r.done_at === null).length };
  }

  // ---- send claims -----------------------------------------------------------------------

  /** Claims one message for sending; false when it was claimed before (by any process, ever). */
  async claimSend(input: { workspaceId: string; messageId: string; by: string; now: string }): Promise<boolean> {
    const inserted = await this.db
      .insertInto('sms_sends')
      .values({
        workspace_id: input.workspaceId,
        message_id: input.messageId,
        claimed_at: input.now,
        claimed_by: input.by,
        telnyx_id: null,
        finished_at: null,
        outcome: null,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'message_id']).doNothing())
      .returning('message_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async isClaimed(workspaceId: string, messageId: string): Promise<boolean> {
    const row = await this.db.selectFrom('sms_sends').select('message_id').where('workspace_id', '=', workspaceId).where('message_id', '=', messageId).executeTakeFirst();
    return row !== undefined;
  }

  async finishSend(input: { workspaceId: string; messageId: string; telnyxId: string | null; outcome: string; now: string }): Promise<void> {
    await this.db
      .updateTable('sms_sends')
      .set({ telnyx_id: input.telnyxId, outcome: input.outcome, finished_at: input.now })
      .where('workspace_id', '=', input.workspaceId)
      .where('message_id', '=', input.messageId)
      .execute();
  }

  /** A claim whose send finished (Telnyx answered or the outcome was settled), with what was recorded; null otherwise. */
  async finishedSend(workspaceId: string, messageId: string): Promise<{ telnyxId: string | null; outcome: string } | null> {
    const row = await this.db
      .selectFrom('sms_sends')
      .select(['telnyx_id', 'outcome'])
      .where('workspace_id', '=', workspaceId)
      .where('message_id', '=', messageId)
      .where('finished_at', 'is not', null)
      .executeTakeFirst();
    return row?.outcome ? { telnyxId: row.telnyx_id, outcome: row.outcome } : null;
  }

  async sendOfTelnyxId(telnyxId: string): Promise<{ workspaceId: string; messageId: string } | null> {
    const row = await this.db.selectFrom('sms_sends').select(['workspace_id', 'message_id']).where('telnyx_id', '=', telnyxId).executeTakeFirst();
    return row ? { workspaceId: row.workspace_id, messageId: row.message_id } : null;
  }

  /** Claims closed as uncertain (their process died mid-call) whose Telnyx id nobody learnt, in one workspace. */
  async uncertainClaims(workspaceId: string): Promise<Array<{ messageId: string }>> {
    const rows = await this.db
      .selectFrom('sms_sends')
      .select(['message_id'])
      .where('workspace_id', '=', workspaceId)
      .where('outcome', '=', 'uncertain')
      .where('telnyx_id', 'is', null)
      .execute();
    return rows.map((r) => ({ messageId: r.message_id }));
  }

  /** Records the Telnyx id of an uncertain claim, learnt later from Telnyx's report; false if another process did first. */
  async adoptTelnyxId(workspaceId: string, messageId: string, telnyxId: string): Promise<boolean> {
    const row = await this.db
      .updateTable('sms_sends')
      .set({ telnyx_id: telnyxId, outcome: 'reported' })
      .where('workspace_id', '=', workspaceId)
      .where('message_id', '=', messageId)
      .where('outcome', '=', 'uncertain')
      .where('telnyx_id', 'is', null)
      .returning('message_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Claims without an outcome made before `before` (their process died or gave up mid-call). */
  async openClaims(before: string): Promise<OpenClaim[]> {
    const rows = await this.db
      .selectFrom('sms_sends')
      .select(['workspace_id', 'message_id', 'claimed_at', 'claimed_by'])
      .where('finished_at', 'is', null)
      .where('claimed_at', '<', before)
      .execute();
    return rows.map((r) => ({ workspaceId: r.workspace_id, messageId: r.message_id, claimedAt: r.claimed_at, claimedBy: r.claimed_by }));
  }

  /** Closes an open claim as uncertain; false when its own process finished it meanwhile. */
  async closeOpenClaim(workspaceId: string, messageId: string, now: string): Promise<boolean> {
    const row = await this.db
      .updateTable('sms_sends')
      .set({ finished_at: now, outcome: 'uncertain' })
      .where('workspace_id', '=', workspaceId)
      .where('message_id', '=', messageId)
      .where('finished_at', 'is', null)
      .returning('message_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  // ---- opt-outs --------------------------------------------------------------------------

  async setOptOut(workspaceId: string, phoneNumber: string, optedOut: boolean, now: string): Promise<void> {
    const values = { opted_out: optedOut ? 1 : 0, changed_at: now };
    await this.db
      .insertInto('sms_opt_outs')
      .values({ workspace_id: workspaceId, phone_number: phoneNumber, ...values })
      .onConflict((oc) => oc.columns(['workspace_id', 'phone_number']).doUpdateSet(values))
      .execute();
  }

  /** Every number of the shop that texted STOP and not START since, with when it did. */
  async optedOutNumbers(workspaceId: string): Promise<Array<{ phoneNumber: string; changedAt: string }>> {
    const rows = await this.db
      .selectFrom('sms_opt_outs')
      .select(['phone_number', 'changed_at'])
      .where('workspace_id', '=', workspaceId)
      .where('opted_out', '=', 1)
      .execute();
    return rows.map((r) => ({ phoneNumber: r.phone_number, changedAt: r.changed_at }));
  }

  async isOptedOut(workspaceId: string, phoneNumber: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('sms_opt_outs')
      .select('opted_out')
      .where('workspace_id', '=', workspaceId)
      .where('phone_number', '=', phoneNumber)
      .executeTakeFirst();
    return Number(row?.opted_out ?? 0) === 1;
  }
}
