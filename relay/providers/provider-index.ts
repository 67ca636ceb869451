// The cross-shop index of what each work provider was granted, kept from each shop's change log
// (issue 19). On every "workspace changed" announcement this process made (a desk's push it took,
// its own write; with several relay processes each indexes the changes it took, and a round every
// minute catches up shops whose change a dead process left) it reads the shop's log after its
// cursor and rebuilds what moved:
// the whole shop when a grant changed, else the repairs whose insurer, claim, plate, stage, dates
// or exceptions changed. It also tells listeners what happened to visible repairs (stage changed,
// promised date revised, exception opened or closed, delivered) with an id that is the same in
// every process and after a restart, and it moves its cursor only after every listener finished:
// an event can come twice (same id), never be lost.
import { randomUUID } from 'node:crypto';
import { grantInsurerNames, insurerKey, lookupKey } from '../../src-shared/providers/keys.js';
import { backgroundHeard } from '../storage/common.js';
import type { RelayStorage } from '../storage/types.js';
import type { IndexedGrant, IndexedRepair } from './records.js';

export type RepairEventKind = 'stage-changed' | 'promised-date-revised' | 'exception-opened' | 'exception-closed' | 'delivered';

export interface RepairEvent {
  /** Stable: `<workspace>/<table>/<row>/<kind>`; the same change always gives the same id. */
  id: string;
  kind: RepairEventKind;
  providerId: string;
  workspaceId: string;
  roId: string;
  roNumber: number | null;
  /** When it happened, as the shop recorded it. */
  at: string;
  /** Kind-specific facts: { stage } | { from, to, reason } | { exceptionId, reason, tag } | { closedAt }. */
  data: Record<string, string | null>;
  /** Position in the shop's change log (events of one repair come in this order). */
  seq: number;
}

type Listener = (events: RepairEvent[]) => void | Promise<void>;

const PAGE = 5000;

export class ProviderIndex {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly owner = `relay-${randomUUID()}`;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: { error(obj: unknown, msg?: string): void } = console,
    /** How often every shop is caught up without an announcement. */
    private readonly roundMs = 60_000,
  ) {}

  /** Follows this process's announcements; catches up every shop at start and every round, unless another process just did. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.storage.onChangesAnnounced((workspaceId) => void this.refresh(workspaceId).catch(() => {}), { background: true, ownOnly: true });
    const round = (taken: () => Promise<boolean>) =>
      void taken()
        .then((mine) => (mine ? this.catchUpAll() : undefined))
        .catch((err: unknown) => this.log.error({ err }, 'Work-provider index: catching up failed'));
    // At start and every minute, by one process of all (the first that finds the last round a period old).
    const take = () => this.storage.rounds.take('provider-index', this.roundMs, this.owner);
    this.timer = setInterval(() => round(take), this.roundMs);
    this.timer.unref();
    round(take);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.idle();
  }

  /** `listener` hears events of visible repairs after each round; the cursor waits for it to finish. */
  onRepairEvents(listener: Listener): () => void {
    const entry: Listener = (events) => listener(events);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  async catchUpAll(): Promise<void> {
    for (const w of await this.storage.listWorkspaces()) {
      if (this.stopped) return;
      await this.refresh(w.id);
    }
  }

  /** Resolves when every round under way (and any asked for meanwhile) has finished. */
  async idle(): Promise<void> {
    await backgroundHeard();
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Brings the index of one shop up to its log. Rounds of one shop never overlap; a call during one runs another after it. */
  refresh(workspaceId: string): Promise<void> {
    const current = this.running.get(workspaceId);
    if (this.stopped) return Promise.resolve();
    if (current) {
      this.again.add(workspaceId);
      return current;
    }
    const round = (async () => {
      try {
        do {
          this.again.delete(workspaceId);
          await this.round(workspaceId);
        } while (this.again.has(workspaceId));
      } catch (err) {
        this.log.error({ err, workspaceId }, 'Work-provider index: a round failed (the next change retries it)');
        throw err;
      } finally {
        this.running.delete(workspaceId);
      }
    })();
    this.running.set(workspaceId, round);
    return round;
  }

  private async round(workspaceId: string): Promise<void> {
    const records = this.storage.providers;
    const store = await this.storage.workspaceStore(workspaceId);
    const db = store.db;
    const from = await records.indexCursor(workspaceId);
    let cursor = from;
    let whole = from === 0;
    const roIds = new Set<string>();
    const vehicleIds = new Set<string>();
    const eventRows = new Map<string, { table: string; row: string; column: string; value: unknown; seq: number }>();
    for (;;) {
      const page = await store.changesSince(cursor, { limit: PAGE });
      for (const c of page.changes) {
        switch (c.table) {
          case 'provider_grants':
          case 'workspace_settings':
            whole = true;
            break;
          case 'repair_orders':
            roIds.add(c.row);
            if (c.column === 'closed_at' && c.value) eventRows.set(`repair_orders/${c.row}/closed_at`, { table: c.table, row: c.row, column: c.column, value: c.value, seq: c.seq });
            break;
          case 'vehicles':
            if (c.column === 'plate') vehicleIds.add(c.row);
            break;
          case 'stage_events':
            if (c.column === 'stage') eventRows.set(`stage_events/${c.row}/stage`, { table: c.table, row: c.row, column: c.column, value: c.value, seq: c.seq });
            break;
          case 'promised_date_changes':
            if (c.column === 'to_date') eventRows.set(`promised_date_changes/${c.row}/to_date`, { table: c.table, row: c.row, column: c.column, value: c.value, seq: c.seq });
            break;
          case 'ro_exceptions':
            if ((c.column === 'opened_at' || c.column === 'resolved_at') && c.value) {
              eventRows.set(`ro_exceptions/${c.row}/${c.column}`, { table: c.table, row: c.row, column: c.column, value: c.value, seq: c.seq });
            }
            break;
        }
      }
      cursor = page.cursor;
      if (!page.more) break;
    }
    if (cursor === from) return;
    const now = new Date().toISOString();

    // The shop's live grants, each resolved to a provider the relay knows.
    const grants: Array<IndexedGrant & { keys: Set<string> }> = [];
    for (const g of await db.selectFrom('provider_grants').selectAll().where('revoked_at', 'is', null).execute()) {
      if (!g.provider_id) continue;
      const provider = await records.findProvider(g.provider_id);
      if (!provider) continue;
      const names = grantInsurerNames(g.insurer_names);
      grants.push({
        providerId: provider.id,
        workspaceId,
        grantId: g.id,
        insurerNames: names,
        grantedAt: g.granted_at,
        keys: new Set(names.map((n) => insurerKey(n)).filter((k): k is string => k !== null)),
      });
    }

    // Repairs an event row belongs to are rebuilt too (their updated time moves).
    const eventRoIds = new Map<string, { roId: string | null; facts: Record<string, string | null> }>();
    for (const [key, e] of eventRows) {
      const facts = await this.eventFacts(db, e.table, e.row, e.column);
      eventRoIds.set(key, facts);
      if (facts.roId) roIds.add(facts.roId);
    }
    if (vehicleIds.size > 0) {
      const ids = [...vehicleIds];
      for (let i = 0; i < ids.length; i += 500) {
        for (const r of await db.selectFrom('repair_orders').select('id').where('vehicle_id', 'in', ids.slice(i, i + 500)).execute()) roIds.add(r.id);
      }
    }

    const q = db
      .selectFrom('repair_orders as r')
      .leftJoin('vehicles as v', 'v.id', 'r.vehicle_id')
      .select(['r.id', 'r.ro_number', 'r.insurer', 'r.claim_number', 'r.closed_at', 'v.plate']);
    const targetIds = [...roIds];
    const ros: Array<{ id: string; ro_number: number | null; insurer: string | null; claim_number: string | null; closed_at: string | null; plate: string | null }> = [];
    if (whole) ros.push(...(await q.execute()));
    else for (let i = 0; i < targetIds.length; i += 500) ros.push(...(await q.where('r.id', 'in', targetIds.slice(i, i + 500)).execute()));

    const rows: IndexedRepair[] = [];
    const visibleTo = new Map<string, string[]>();
    for (const ro of ros) {
      const key = insurerKey(ro.insurer);
      if (!key) continue;
      const providers = new Set(grants.filter((g) => g.keys.has(key)).map((g) => g.providerId));
      visibleTo.set(ro.id, [...providers]);
      for (const providerId of providers) {
        rows.push({
          providerId,
          workspaceId,
          roId: ro.id,
          roNumber: ro.ro_number,
          claimKey: lookupKey(ro.claim_number),
          plateKey: lookupKey(ro.plate),
          closedAt: ro.closed_at,
          updatedAt: now,
        });
      }
    }
    if (whole) await records.replaceShopGrants(workspaceId, grants.map(({ keys: _keys, ...g }) => g), now);
    await records.replaceRepairs(workspaceId, whole ? null : targetIds, rows);

    // Events of visible repairs, for each provider granted since before the event.
    if (this.listeners.size > 0 && eventRows.size > 0) {
      const roNumbers = new Map(ros.map((r) => [r.id, r.ro_number]));
      const events: RepairEvent[] = [];
      for (const [key, e] of [...eventRows].sort((a, b) => a[1].seq - b[1].seq)) {
        const facts = eventRoIds.get(key)!;
        if (!facts.roId) continue;
        const kind = eventKind(e.table, e.column, facts.facts);
        if (!kind) continue;
        const at = facts.facts.at ?? String(e.value);
        for (const providerId of visibleTo.get(facts.roId) ?? []) {
          const grantedAt = grants.filter((g) => g.providerId === providerId).map((g) => g.grantedAt ?? '').sort()[0] ?? '';
          if (grantedAt && at < grantedAt) continue;
          events.push({ id: `${workspaceId}/${e.table}/${e.row}/${kind}`, kind, providerId, workspaceId, roId: facts.roId, roNumber: roNumbers.get(facts.roId) ?? null, at, data: facts.facts, seq: e.seq });
        }
      }
      if (events.length > 0) {
        for (const listener of [...this.listeners]) await listener(events);
      }
    }
    await records.moveIndexCursor(workspaceId, cursor, now);
  }

  private async eventFacts(db: Awaited<ReturnType<RelayStorage['workspaceStore']>>['db'], table: string, row: string, column: string): Promise<{ roId: string | null; facts: Record<string, string | null> }> {
    switch (table) {
      case 'stage_events': {
        const r = await db.selectFrom('stage_events').select(['ro_id', 'stage', 'at']).where('id', '=', row).executeTakeFirst();
        return { roId: r?.ro_id ?? null, facts: { stage: r?.stage ?? null, at: r?.at ?? null } };
      }
      case 'promised_date_changes': {
        const r = await db.selectFrom('promised_date_changes').select(['ro_id', 'from_date', 'to_date', 'reason', 'at']).where('id', '=', row).executeTakeFirst();
        return { roId: r?.ro_id ?? null, facts: { from: r?.from_date ?? null, to: r?.to_date ?? null, reason: r?.reason ?? null, at: r?.at ?? null } };
      }
      case 'ro_exceptions': {
        const r = await db.selectFrom('ro_exceptions').select(['ro_id', 'tag', 'reason', 'opened_at', 'resolved_at']).where('id', '=', row).executeTakeFirst();
        const at = column === 'resolved_at' ? (r?.resolved_at ?? null) : (r?.opened_at ?? null);
        return { roId: r?.ro_id ?? null, facts: { exceptionId: row, tag: r?.tag ?? null, reason: r?.reason ?? null, at, change: column } };
      }
      case 'repair_orders': {
        const r = await db.selectFrom('repair_orders').select(['closed_at']).where('id', '=', row).executeTakeFirst();
        return { roId: r?.closed_at ? row : null, facts: { closedAt: r?.closed_at ?? null, at: r?.closed_at ?? null } };
      }
    }
    return { roId: null, facts: {} };
  }
}

function eventKind(table: string, column: string, facts: Record<string, string | null>): RepairEventKind | null {
  if (table === 'stage_events') return facts.stage ? 'stage-changed' : null;
  if (table === 'promised_date_changes') return 'promised-date-revised';
  if (table === 'ro_exceptions') return column === 'resolved_at' ? 'exception-closed' : 'exception-opened';
  if (table === 'repair_orders') return 'delivered';
  return null;
}
