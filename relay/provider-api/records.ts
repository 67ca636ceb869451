// The work providers' machine interface in the operator database (either engine, the same Kysely
// queries): API keys (hashes only), webhook endpoints (secrets sealed), the event outbox and the
// delivery log. Written by relay/provider-api/; schema in storage/migrations/010-provider-api.ts.
import type { Kysely } from 'kysely';

export interface ProviderApiDatabase {
  provider_api_keys: {
    id: string;
    provider_id: string;
    name: string;
    prefix: string;
    key_hash: string;
    scopes: string;
    created_by: string;
    created_at: string;
    last_used_at: string | null;
    revoked_at: string | null;
  };
  provider_webhook_endpoints: {
    id: string;
    provider_id: string;
    url: string;
    sealed_secret: string;
    description: string | null;
    created_by: string;
    created_at: string;
    removed_at: string | null;
    lease_owner: string | null;
    lease_until: string | null;
  };
  provider_events: {
    provider_id: string;
    id: string;
    workspace_id: string;
    ro_id: string;
    kind: string;
    seq: number | string;
    payload: string;
    occurred_at: string;
    created_at: string;
  };
  provider_deliveries: {
    endpoint_id: string;
    event_id: string;
    provider_id: string;
    workspace_id: string;
    ro_id: string;
    seq: number | string;
    status: DeliveryStatus;
    attempts: number | string;
    next_attempt_at: string;
    last_attempt_at: string | null;
    last_status_code: number | string | null;
    last_error: string | null;
    delivered_at: string | null;
    created_at: string;
  };
  provider_delivery_attempts: {
    id: string;
    endpoint_id: string;
    event_id: string;
    attempt: number | string;
    at: string;
    status_code: number | string | null;
    error: string | null;
    duration_ms: number | string;
  };
}

/** pending: waiting for (another) attempt; delivered: answered 2xx; failed: gave up; withheld: the repair is no longer visible to the provider. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'withheld';

export interface ApiKey {
  id: string;
  providerId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface WebhookEndpoint {
  id: string;
  providerId: string;
  url: string;
  sealedSecret: string;
  description: string | null;
  createdBy: string;
  createdAt: string;
  removedAt: string | null;
}

export interface OutboxEvent {
  id: string;
  providerId: string;
  workspaceId: string;
  roId: string;
  kind: string;
  seq: number;
  payload: string;
  occurredAt: string;
}

export interface PendingDelivery {
  endpointId: string;
  eventId: string;
  providerId: string;
  workspaceId: string;
  roId: string;
  seq: number;
  attempts: number;
  nextAttemptAt: string;
  kind: string;
  payload: string;
}

export interface DeliveryLogEntry {
  endpointId: string;
  url: string;
  eventId: string;
  kind: string;
  workspaceId: string;
  roId: string;
  /** The repair's claim number as the event carried it (null when the RO had none). */
  claimNumber: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

function claimOf(payload: string): string | null {
  try {
    const claim = (JSON.parse(payload) as { repair?: { claimNumber?: unknown } }).repair?.claimNumber;
    return typeof claim === 'string' ? claim : null;
  } catch {
    return null;
  }
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export class ProviderApiRecords {
  constructor(private readonly db: Kysely<ProviderApiDatabase>) {}

  // ---- API keys

  async createKey(input: { id: string; providerId: string; name: string; prefix: string; keyHash: string; scopes: string[]; createdBy: string; now: string }): Promise<ApiKey> {
    await this.db
      .insertInto('provider_api_keys')
      .values({
        id: input.id,
        provider_id: input.providerId,
        name: input.name,
        prefix: input.prefix,
        key_hash: input.keyHash,
        scopes: JSON.stringify(input.scopes),
        created_by: input.createdBy,
        created_at: input.now,
      })
      .execute();
    return { id: input.id, providerId: input.providerId, name: input.name, prefix: input.prefix, scopes: input.scopes, createdBy: input.createdBy, createdAt: input.now, lastUsedAt: null, revokedAt: null };
  }

  async findKeyByHash(keyHash: string): Promise<ApiKey | null> {
    const row = await this.db.selectFrom('provider_api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    return row ? toKey(row) : null;
  }

  async listKeys(providerId: string): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('provider_api_keys').selectAll().where('provider_id', '=', providerId).orderBy('created_at').execute();
    return rows.map(toKey);
  }

  /** Notes a use, at most once a minute per key (a busy integration does not write on every call). */
  async touchKey(id: string, now: string): Promise<void> {
    const minuteAgo = new Date(Date.parse(now) - 60_000).toISOString();
    await this.db
      .updateTable('provider_api_keys')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', minuteAgo)]))
      .execute();
  }

  /** True when this call revoked it (false: not the provider's, or revoked already). */
  async revokeKey(providerId: string, id: string, now: string): Promise<boolean> {
    const r = await this.db.updateTable('provider_api_keys').set({ revoked_at: now }).where('id', '=', id).where('provider_id', '=', providerId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- webhook endpoints

  async addEndpoint(input: { id: string; providerId: string; url: string; sealedSecret: string; description: string | null; createdBy: string; now: string }): Promise<WebhookEndpoint> {
    await this.db
      .insertInto('provider_webhook_endpoints')
      .values({ id: input.id, provider_id: input.providerId, url: input.url, sealed_secret: input.sealedSecret, description: input.description, created_by: input.createdBy, created_at: input.now })
      .execute();
    return { id: input.id, providerId: input.providerId, url: input.url, sealedSecret: input.sealedSecret, description: input.description, createdBy: input.createdBy, createdAt: input.now, removedAt: null };
  }

  async findEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const row = await this.db.selectFrom('provider_webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEndpoint(row) : null;
  }

  async listEndpoints(providerId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db.selectFrom('provider_webhook_endpoints').selectAll().where('provider_id', '=', providerId).orderBy('created_at').execute();
    return rows.map(toEndpoint);
  }

  /** Stops deliveries to it: what is still pending is marked withheld. */
  async removeEndpoint(providerId: string, id: string, now: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('provider_webhook_endpoints').set({ removed_at: now }).where('id', '=', id).where('provider_id', '=', providerId).where('removed_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await trx.updateTable('provider_deliveries').set({ status: 'withheld', last_error: 'The endpoint was removed.' }).where('endpoint_id', '=', id).where('status', '=', 'pending').execute();
      return true;
    });
  }

  /** Live endpoints with a pending delivery due by `now`. */
  async endpointsWithDueDeliveries(now: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('provider_deliveries as d')
      .innerJoin('provider_webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select('d.endpoint_id')
      .distinct()
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where('e.removed_at', 'is', null)
      .execute();
    return rows.map((r) => r.endpoint_id);
  }

  /** Takes (or extends) the endpoint's delivery lease; false while another process holds a live one. */
  async takeLease(endpointId: string, owner: string, now: string, until: string): Promise<boolean> {
    const r = await this.db
      .updateTable('provider_webhook_endpoints')
      .set({ lease_owner: owner, lease_until: until })
      .where('id', '=', endpointId)
      .where('removed_at', 'is', null)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseLease(endpointId: string, owner: string): Promise<void> {
    await this.db.updateTable('provider_webhook_endpoints').set({ lease_owner: null, lease_until: null }).where('id', '=', endpointId).where('lease_owner', '=', owner).execute();
  }

  // ---- the outbox

  /**
   * Adds events not yet in the outbox and, for each one added here, a pending delivery to every
   * live endpoint of its provider, in one transaction. An event already there (another relay
   * process, or a round repeated after a restart) adds nothing. Returns how many were new.
   */
  async addEvents(events: readonly OutboxEvent[], now: string): Promise<number> {
    if (events.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      const endpoints = new Map<string, string[]>();
      let added = 0;
      for (const e of events) {
        const r = await trx
          .insertInto('provider_events')
          .values({ provider_id: e.providerId, id: e.id, workspace_id: e.workspaceId, ro_id: e.roId, kind: e.kind, seq: e.seq, payload: e.payload, occurred_at: e.occurredAt, created_at: now })
          .onConflict((oc) => oc.columns(['provider_id', 'id']).doNothing())
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) continue;
        added += 1;
        let ids = endpoints.get(e.providerId);
        if (!ids) {
          ids = (await trx.selectFrom('provider_webhook_endpoints').select('id').where('provider_id', '=', e.providerId).where('removed_at', 'is', null).execute()).map((x) => x.id);
          endpoints.set(e.providerId, ids);
        }
        for (const endpointId of ids) {
          await trx
            .insertInto('provider_deliveries')
            .values({ endpoint_id: endpointId, event_id: e.id, provider_id: e.providerId, workspace_id: e.workspaceId, ro_id: e.roId, seq: e.seq, status: 'pending', attempts: 0, next_attempt_at: now, created_at: now })
            .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
            .execute();
        }
      }
      return added;
    });
  }

  async countEvents(providerId: string): Promise<number> {
    const row = await this.db.selectFrom('provider_events').select((eb) => eb.fn.countAll().as('n')).where('provider_id', '=', providerId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The endpoint's pending deliveries, a repair's together and in its order. */
  async pendingOf(endpointId: string, limit = 2000): Promise<PendingDelivery[]> {
    const rows = await this.db
      .selectFrom('provider_deliveries as d')
      .innerJoin('provider_events as e', (j) => j.onRef('e.provider_id', '=', 'd.provider_id').onRef('e.id', '=', 'd.event_id'))
      .select(['d.endpoint_id', 'd.event_id', 'd.provider_id', 'd.workspace_id', 'd.ro_id', 'd.seq', 'd.attempts', 'd.next_attempt_at', 'e.kind', 'e.payload'])
      .where('d.endpoint_id', '=', endpointId)
      .where('d.status', '=', 'pending')
      .orderBy('d.workspace_id')
      .orderBy('d.ro_id')
      .orderBy('d.seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      endpointId: r.endpoint_id,
      eventId: r.event_id,
      providerId: r.provider_id,
      workspaceId: r.workspace_id,
      roId: r.ro_id,
      seq: Number(r.seq),
      attempts: Number(r.attempts),
      nextAttemptAt: r.next_attempt_at,
      kind: r.kind,
      payload: r.payload,
    }));
  }

  /**
   * The repairs whose webhooks wait behind a delivery that was given up on ('failed'), each with
   * the sequence of its earliest failed event: what comes after it is held, not sent out of order,
   * until the provider's admin retries it.
   */
  async heldRepairs(endpointId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('provider_deliveries')
      .select(['workspace_id', 'ro_id', (eb) => eb.fn.min('seq').as('seq')])
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'failed')
      .groupBy(['workspace_id', 'ro_id'])
      .execute();
    return new Map(rows.map((r) => [`${r.workspace_id}/${r.ro_id}`, Number(r.seq)]));
  }

  /** Records one attempt and what it did to the delivery (only while it is still pending). */
  async recordAttempt(input: {
    id: string;
    endpointId: string;
    eventId: string;
    attempt: number;
    at: string;
    durationMs: number;
    statusCode: number | null;
    error: string | null;
    outcome: { status: 'delivered' } | { status: 'pending'; nextAttemptAt: string } | { status: 'failed' } | { status: 'withheld' };
  }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (input.outcome.status !== 'withheld') {
        await trx
          .insertInto('provider_delivery_attempts')
          .values({ id: input.id, endpoint_id: input.endpointId, event_id: input.eventId, attempt: input.attempt, at: input.at, status_code: input.statusCode, error: input.error, duration_ms: input.durationMs })
          .execute();
      }
      await trx
        .updateTable('provider_deliveries')
        .set({
          status: input.outcome.status,
          attempts: input.attempt,
          last_attempt_at: input.outcome.status === 'withheld' ? undefined : input.at,
          last_status_code: input.statusCode,
          last_error: input.error,
          next_attempt_at: input.outcome.status === 'pending' ? input.outcome.nextAttemptAt : input.at,
          delivered_at: input.outcome.status === 'delivered' ? input.at : null,
        })
        .where('endpoint_id', '=', input.endpointId)
        .where('event_id', '=', input.eventId)
        .where('status', '=', 'pending')
        .execute();
    });
  }

  /** Puts a failed delivery back in the queue (the admin's "send again"). */
  async retryDelivery(providerId: string, endpointId: string, eventId: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable('provider_deliveries')
      .set({ status: 'pending', next_attempt_at: now })
      .where('provider_id', '=', providerId)
      .where('endpoint_id', '=', endpointId)
      .where('event_id', '=', eventId)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The provider's deliveries, newest first (the admin's delivery log). */
  async deliveryLog(providerId: string, options: { limit?: number; status?: DeliveryStatus } = {}): Promise<DeliveryLogEntry[]> {
    let q = this.db
      .selectFrom('provider_deliveries as d')
      .innerJoin('provider_events as e', (j) => j.onRef('e.provider_id', '=', 'd.provider_id').onRef('e.id', '=', 'd.event_id'))
      .innerJoin('provider_webhook_endpoints as w', 'w.id', 'd.endpoint_id')
      .select(['d.endpoint_id', 'w.url', 'd.event_id', 'e.kind', 'd.workspace_id', 'd.ro_id', 'd.status', 'd.attempts', 'd.last_attempt_at', 'd.last_status_code', 'd.last_error', 'd.next_attempt_at', 'd.delivered_at', 'd.created_at', 'd.seq', 'e.payload'])
      .where('d.provider_id', '=', providerId);
    if (options.status) q = q.where('d.status', '=', options.status);
    const rows = await q.orderBy('d.created_at', 'desc').orderBy('d.seq', 'desc').limit(options.limit ?? 200).execute();
    return rows.map((r) => ({
      endpointId: r.endpoint_id,
      url: r.url,
      eventId: r.event_id,
      kind: r.kind,
      workspaceId: r.workspace_id,
      roId: r.ro_id,
      claimNumber: claimOf(r.payload),
      status: r.status,
      attempts: Number(r.attempts),
      lastAttemptAt: r.last_attempt_at,
      lastStatusCode: num(r.last_status_code),
      lastError: r.last_error,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
      deliveredAt: r.delivered_at,
      createdAt: r.created_at,
    }));
  }

  /** Every attempt at one delivery, oldest first. */
  async attemptsOf(endpointId: string, eventId: string): Promise<Array<{ attempt: number; at: string; statusCode: number | null; error: string | null; durationMs: number }>> {
    const rows = await this.db.selectFrom('provider_delivery_attempts').selectAll().where('endpoint_id', '=', endpointId).where('event_id', '=', eventId).orderBy('attempt').execute();
    return rows.map((r) => ({ attempt: Number(r.attempt), at: r.at, statusCode: num(r.status_code), error: r.error, durationMs: Number(r.duration_ms) }));
  }
}

function toKey(row: ProviderApiDatabase['provider_api_keys']): ApiKey {
  return {
    id: row.id,
    providerId: row.provider_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as string[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function toEndpoint(row: ProviderApiDatabase['provider_webhook_endpoints']): WebhookEndpoint {
  return {
    id: row.id,
    providerId: row.provider_id,
    url: row.url,
    sealedSecret: row.sealed_secret,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at,
    removedAt: row.removed_at,
  };
}
