// Signed webhooks to a work provider's own systems (issue 19): stage changed, promised date
// revised, exception opened or closed, delivered.
//
// Events come from the work-provider index (relay/providers/provider-index.ts), which reads each
// shop's change log and names every change with an id that is the same in every relay process and
// after a restart. They land in the outbox (provider_events) under that id: a second relay process
// on the same PostgreSQL, or the same round read again after a crash, inserts nothing, so an event
// is created once and its deliveries (one per live endpoint) once. The index moves its cursor only
// after the outbox holds the events: nothing is lost between the shop's change and the outbox.
//
// Delivery: "work this endpoint" is a job in the relay's job queue (relay/jobs; on PostgreSQL any
// relay process may take it, keyed by endpoint so one waits at a time; on SQLite it runs at once).
// The outbox stays the schedule and the record: each look (pollMs, or woken by new events) queues
// a job for every endpoint with a due delivery, so a job lost with its process is queued again.
// The job takes the endpoint's lease (renewed while it works, taken over when it runs out): one
// relay process at a time delivers to an endpoint, and a killed relay's endpoint is picked up by
// the next. Within an endpoint, each repair's events go in the order of the shop's log: the next
// event of a repair waits until the one before it was answered 2xx. A failed attempt is retried
// with exponential backoff and jitter (an hour apart at most), up to maxAttempts (about three days
// by default); a delivery given up on holds the rest of its repair's events back, so they never
// arrive out of order, until the provider's admin retries it; a delivery that was
// cut mid-way is sent again with the same event id and body (the receiver de-duplicates by id).
// Before each attempt the repair is checked against the shop's live grant: after a revocation,
// what was still queued is withheld, not sent.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { TokenVault } from '../email/token-vault.js';
import type { ProviderAccess } from '../providers/access.js';
import type { ProviderIndex, RepairEvent } from '../providers/provider-index.js';
import type { JobOptions } from '../jobs/queue.js';
import type { RelayStorage } from '../storage/types.js';
import type { PendingDelivery, WebhookEndpoint } from './records.js';
import { newWebhookSecret, signatureHeader, SIGNATURE_HEADER } from './secrets.js';

export interface WebhookOptions {
  /** Seals endpoint secrets; without one, endpoints cannot be added (and none are delivered). */
  vault: TokenVault | null;
  /** How often each process looks for due deliveries (besides being woken by new events). */
  pollMs?: number;
  /** How long an endpoint's lease lasts without renewal (a killed relay's endpoint waits this long). */
  leaseMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Repairs sent to at the same time per endpoint. */
  concurrency?: number;
}

export interface WebhookBody {
  id: string;
  type: string;
  occurredAt: string;
  sequence: number;
  repair: { shopId: string; roId: string; roNumber: number | null; claimNumber: string | null };
  data: Record<string, string | null>;
}

export class WebhookError extends Error {
  constructor(
    readonly code: 'no-key' | 'bad-url' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

/** The job queue of webhook deliveries: one job is "deliver what is due to this endpoint". */
export const DELIVER_QUEUE = 'webhook-endpoint';

interface DeliverJob {
  endpointId: string;
}

const DEFAULTS = { pollMs: 5_000, leaseMs: 60_000, retryBaseMs: 5_000, retryMaxMs: 3_600_000, maxAttempts: 80, timeoutMs: 10_000, concurrency: 4 };

export class ProviderWebhooks {
  private readonly owner = randomUUID();
  private readonly options: typeof DEFAULTS & { vault: TokenVault | null };
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private passing: Promise<void> | null = null;
  private passAgain = false;
  private defining: Promise<void> | null = null;

  constructor(
    private readonly storage: RelayStorage,
    private readonly access: ProviderAccess,
    private readonly index: ProviderIndex,
    private readonly log: { error(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void },
    options: WebhookOptions,
  ) {
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)), vault: options.vault } as typeof this.options;
  }

  /** Listens to the index (call before the index starts) and looks for due deliveries now and every pollMs. */
  start(): void {
    if (this.unsubscribe) return;
    this.defining = this.defineQueue();
    this.defining.catch((err: unknown) => this.log.error({ err }, 'Webhooks: the delivery queue could not be set up (the next look retries)'));
    this.unsubscribe = this.index.onRepairEvents((events) => this.enqueue(events));
    const tick = () => {
      if (this.stopped) return;
      this.wake();
      this.timer = setTimeout(tick, this.options.pollMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.passing;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Puts the index's events in the outbox (once each) and wakes delivery. */
  async enqueue(events: readonly RepairEvent[]): Promise<void> {
    const claims = new Map<string, string | null>();
    for (const e of events) {
      const key = `${e.workspaceId}/${e.roId}`;
      if (claims.has(key)) continue;
      const store = await this.storage.workspaceStore(e.workspaceId);
      const ro = await store.db.selectFrom('repair_orders').select('claim_number').where('id', '=', e.roId).executeTakeFirst();
      claims.set(key, ro?.claim_number ?? null);
    }
    const rows = events.map((e) => {
      const body: WebhookBody = {
        id: e.id,
        type: `repair.${e.kind}`,
        occurredAt: e.at,
        sequence: e.seq,
        repair: { shopId: e.workspaceId, roId: e.roId, roNumber: e.roNumber, claimNumber: claims.get(`${e.workspaceId}/${e.roId}`) ?? null },
        data: Object.fromEntries(Object.entries(e.data).filter(([k]) => k !== 'at' && k !== 'change')),
      };
      return { id: e.id, providerId: e.providerId, workspaceId: e.workspaceId, roId: e.roId, kind: e.kind, seq: e.seq, payload: JSON.stringify(body), occurredAt: e.at };
    });
    const added = await this.storage.providerApi.addEvents(rows, new Date().toISOString());
    if (added > 0) this.wake();
  }

  /** Adds an endpoint; the secret is returned this once and kept only sealed. */
  async addEndpoint(input: { providerId: string; url: string; description?: string | null; createdBy: string }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const vault = this.options.vault;
    if (!vault) throw new WebhookError('no-key', 'Webhooks need a key to seal their secrets: set BAYLINE_WEBHOOK_KEY (64 hex characters: openssl rand -hex 32), or BAYLINE_MAIL_TOKEN_KEY.');
    const url = checkEndpointUrl(input.url);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const endpoint = await this.storage.providerApi.addEndpoint({
      id,
      providerId: input.providerId,
      url,
      sealedSecret: vault.seal(secret, id),
      description: input.description ?? null,
      createdBy: input.createdBy,
      now: new Date().toISOString(),
    });
    return { endpoint, secret };
  }

  /** Looks for due deliveries now (this process). */
  wake(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.passAgain = true;
      return;
    }
    this.passing = (async () => {
      try {
        do {
          this.passAgain = false;
          const due = await this.storage.providerApi.endpointsWithDueDeliveries(new Date().toISOString());
          if (due.length > 0) await this.queueReady();
          for (const id of due) {
            if (this.running.has(id)) continue; // this process is at it (and looks again before it lets go)
            const queued = this.storage.jobs.enqueue<DeliverJob>(DELIVER_QUEUE, id, { endpointId: id });
            // Inline (SQLite) runs the job inside enqueue: endpoints are worked side by side, not
            // one after the other, so that is not waited for here (runJob tracks it in `running`).
            if (this.storage.jobs.kind === 'pg-boss') await queued;
            else queued.catch((err: unknown) => this.log.error({ err, endpointId: id }, 'Webhooks: delivering to an endpoint failed (the next look retries)'));
          }
        } while (this.passAgain && !this.stopped);
      } catch (err) {
        this.log.error({ err }, 'Webhooks: looking for due deliveries failed (the next look retries)');
      } finally {
        this.passing = null;
      }
    })();
  }

  /** Resolves when this process has nothing under way (and, on PostgreSQL, no delivery job waits or runs anywhere). */
  async idle(): Promise<void> {
    for (;;) {
      while (this.passing || this.running.size > 0) {
        await this.passing;
        await Promise.allSettled([...this.running.values()]);
      }
      if (this.storage.jobs.kind !== 'pg-boss') return;
      const c = await this.storage.jobs.counts(DELIVER_QUEUE);
      if (!c.created && !c.retry && !c.active && !this.passing && this.running.size === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async queueReady(): Promise<void> {
    if (!this.defining) throw new Error('Webhooks are not started in this process');
    try {
      await this.defining;
    } catch {
      // Set up again (pg-boss not reachable a moment ago); a failure here fails this look.
      this.defining = this.defineQueue();
      await this.defining;
    }
  }

  private defineQueue(): Promise<void> {
    // A job's run ends when nothing is due at its endpoint. A dead process's job is handed back
    // after its expiry (then finds the work done or the lease free); a live one's long run may pass
    // it too, and the job tried again elsewhere finds the lease held and does nothing. Errors are
    // kept inside the run (the outbox records each try), so a retry is for a process that died.
    const options: JobOptions = {
      expireInSeconds: Math.max(30, Math.ceil((2 * (this.options.leaseMs + this.options.timeoutMs)) / 1000)),
      retryLimit: 2,
      retryDelay: 1,
      // The process that queues a job takes it at once; a busy one's are taken by the others' polls.
      pollingIntervalSeconds: 1,
      wakeOnEnqueue: true,
      // Endpoints worked side by side in one process (each its own lease).
      workers: 4,
    };
    return this.storage.jobs.define<DeliverJob>(DELIVER_QUEUE, options, (job) => this.runJob(job.endpointId));
  }

  /** The job: delivers what is due to one endpoint under its lease (at most once at a time per process). */
  private runJob(endpointId: string): Promise<void> {
    const under = this.running.get(endpointId);
    if (under) return under;
    if (this.stopped) return Promise.resolve();
    const work = this.deliverEndpoint(endpointId).finally(() => this.running.delete(endpointId));
    this.running.set(endpointId, work);
    return work;
  }

  private async deliverEndpoint(endpointId: string): Promise<void> {
    const records = this.storage.providerApi;
    const vault = this.options.vault;
    const endpoint = await records.findEndpoint(endpointId);
    if (!endpoint || endpoint.removedAt || !vault) return;
    const leaseUntil = () => new Date(Date.now() + this.options.leaseMs).toISOString();
    if (!(await records.takeLease(endpointId, this.owner, new Date().toISOString(), leaseUntil()))) return;
    try {
      const secret = vault.open(endpoint.sealedSecret, endpoint.id);
      while (!this.stopped) {
        const pending = await records.pendingOf(endpointId);
        const held = await records.heldRepairs(endpointId);
        const heads = new Map<string, PendingDelivery>();
        for (const d of pending) if (!heads.has(`${d.workspaceId}/${d.roId}`)) heads.set(`${d.workspaceId}/${d.roId}`, d);
        const now = Date.now();
        const due = [...heads.values()].filter((d) => Date.parse(d.nextAttemptAt) <= now && !((held.get(`${d.workspaceId}/${d.roId}`) ?? Infinity) < d.seq));
        if (due.length === 0) break;
        if (!(await records.takeLease(endpointId, this.owner, new Date().toISOString(), leaseUntil()))) break;
        let next = 0;
        const worker = async () => {
          while (next < due.length && !this.stopped) await this.attempt(endpoint, secret, due[next++]!);
        };
        await Promise.all(Array.from({ length: Math.min(this.options.concurrency, due.length) }, worker));
      }
    } catch (err) {
      this.log.error({ err, endpointId }, 'Webhooks: delivering to an endpoint failed (the next look retries)');
    } finally {
      await records.releaseLease(endpointId, this.owner).catch(() => {});
    }
  }

  private async attempt(endpoint: WebhookEndpoint, secret: string, d: PendingDelivery): Promise<void> {
    const records = this.storage.providerApi;
    const attempt = d.attempts + 1;
    const startedAt = new Date();
    const base = { id: randomUUID(), endpointId: endpoint.id, eventId: d.eventId, attempt, at: startedAt.toISOString() };
    const provider = await this.storage.providers.findProvider(d.providerId);
    if (!provider || !(await this.access.visibleRepair(provider, d.workspaceId, d.roId))) {
      await records.recordAttempt({ ...base, durationMs: 0, statusCode: null, error: 'The shop no longer shares this repair with the provider.', outcome: { status: 'withheld' } });
      return;
    }
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const t = Math.floor(Date.now() / 1000);
      const res = await fetch(endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Bayline-Webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(secret, t, d.payload),
          'bayline-event-id': d.eventId,
          'bayline-event-type': `repair.${d.kind}`,
        },
        body: d.payload,
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status > 299) error = `The endpoint answered ${res.status}.`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      error = e.name === 'TimeoutError' ? `No answer within ${this.options.timeoutMs} ms.` : `Could not reach the endpoint (${e.cause?.code ?? e.message}).`;
    }
    const durationMs = Date.now() - startedAt.getTime();
    if (!error) {
      await records.recordAttempt({ ...base, durationMs, statusCode, error: null, outcome: { status: 'delivered' } });
    } else if (attempt >= this.options.maxAttempts) {
      await records.recordAttempt({ ...base, durationMs, statusCode, error, outcome: { status: 'failed' } });
    } else {
      await records.recordAttempt({ ...base, durationMs, statusCode, error, outcome: { status: 'pending', nextAttemptAt: new Date(Date.now() + this.backoff(attempt)).toISOString() } });
    }
  }

  /** base × 2^(attempt−1), capped, then between half and all of it (jitter keeps retries of many repairs apart). */
  private backoff(attempt: number): number {
    const full = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(30, attempt - 1));
    return Math.round(full / 2 + Math.random() * (full / 2));
  }
}

/** https anywhere; plain http only to this machine (a receiver under test, a local tunnel). */
export function checkEndpointUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new WebhookError('bad-url', `"${text}" is not a web address (https://…).`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new WebhookError('bad-url', `A webhook address must start with https:// (plain http only to this machine): ${url.protocol}//${url.host}`);
  }
  if (url.username || url.password) throw new WebhookError('bad-url', 'A webhook address must not carry a user name or password; the signature proves the sender.');
  if (isIP(url.hostname) === 0 && !url.hostname.includes('.') && !loopback) throw new WebhookError('bad-url', `"${url.hostname}" is not a public host name.`);
  return url.toString();
}
