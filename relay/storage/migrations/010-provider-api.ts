// Operator records, version 10: the machine interface of work providers (issue 19), never synced.
//   provider_api_keys: per-provider keys for the REST API; only the SHA-256 of the key is kept
//     (a key has 256 random bits, so a plain hash is enough), its first characters (the prefix a
//     person recognises it by), its scopes, when it was last used and when it was revoked.
//   provider_webhook_endpoints: where a provider wants its events; the signing secret sealed with
//     the relay's key (AES-256-GCM, bound to the endpoint id), and a lease so one relay process at a
//     time delivers to one endpoint.
//   provider_events: the outbox, one row per event and provider; the event id is the same in every
//     relay process (made from the shop's change), so a second relay inserting it finds it there.
//     seq is the change's position in the shop's log: a repair's events are delivered in its order.
//   provider_deliveries: one row per event and endpoint (pending, delivered, failed, withheld),
//     with the attempts, the last answer and the next attempt; provider_delivery_attempts is the
//     log the provider's admin reads, one row per attempt.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string, collate: string) => `
  CREATE TABLE provider_api_keys (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES work_providers (id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT${collate} NOT NULL,
    last_used_at TEXT${collate},
    revoked_at TEXT${collate}
  );
  CREATE INDEX provider_api_keys_provider ON provider_api_keys (provider_id);
  CREATE TABLE provider_webhook_endpoints (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES work_providers (id),
    url TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    description TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT${collate} NOT NULL,
    removed_at TEXT${collate},
    lease_owner TEXT,
    lease_until TEXT${collate}
  );
  CREATE INDEX provider_webhook_endpoints_provider ON provider_webhook_endpoints (provider_id);
  CREATE TABLE provider_events (
    provider_id TEXT NOT NULL REFERENCES work_providers (id),
    id TEXT${collate} NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    ro_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq ${int} NOT NULL,
    payload TEXT NOT NULL,
    occurred_at TEXT${collate} NOT NULL,
    created_at TEXT${collate} NOT NULL,
    PRIMARY KEY (provider_id, id)
  );
  CREATE TABLE provider_deliveries (
    endpoint_id TEXT NOT NULL REFERENCES provider_webhook_endpoints (id),
    event_id TEXT${collate} NOT NULL,
    provider_id TEXT NOT NULL,
    workspace_id TEXT${collate} NOT NULL,
    ro_id TEXT${collate} NOT NULL,
    seq ${int} NOT NULL,
    status TEXT NOT NULL,
    attempts ${int} NOT NULL DEFAULT 0,
    next_attempt_at TEXT${collate} NOT NULL,
    last_attempt_at TEXT${collate},
    last_status_code ${int},
    last_error TEXT,
    delivered_at TEXT${collate},
    created_at TEXT${collate} NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
  );
  CREATE INDEX provider_deliveries_queue ON provider_deliveries (endpoint_id, status, workspace_id, ro_id, seq);
  CREATE TABLE provider_delivery_attempts (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES provider_webhook_endpoints (id),
    event_id TEXT NOT NULL,
    attempt ${int} NOT NULL,
    at TEXT${collate} NOT NULL,
    status_code ${int},
    error TEXT,
    duration_ms ${int} NOT NULL
  );
  CREATE INDEX provider_delivery_attempts_endpoint ON provider_delivery_attempts (endpoint_id, at);
`;

export const sqliteOperator010: SqliteMigration = {
  version: 10,
  name: 'provider-api',
  up(db) {
    db.exec(statements('INTEGER', ''));
  },
};

export const postgresOperator010: PostgresMigration = {
  version: 10,
  name: 'provider-api',
  sql: statements('BIGINT', ' COLLATE "C"'),
};
