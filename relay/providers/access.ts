// What a work provider may see, decided in one place for the web pages and the REST API (issue 19).
//
// A shop grants a provider access with a synced `provider_grants` row written at the desk: which
// insurer names on its ROs map to the provider and what is shared. A repair is visible to a provider
// when its shop holds a live (not revoked) grant for that provider whose insurer names include the
// RO's insurer (compared without case or extra spaces). Every answer is checked against the shop's
// live rows at the moment of the request, so a revocation pushed by the desk cuts access on the very
// next request. The cross-shop index (`provider_shops`, `provider_repairs`, kept by `ProviderIndex`)
// only finds candidates fast (a plate across 200 shops); it is never trusted on its own.
import type { Kysely } from 'kysely';
import { DELAY_REASONS, isDelayReason } from '../../src-shared/exceptions.js';
import { grantInsurerNames, insurerKey, lookupKey } from '../../src-shared/providers/keys.js';
import { shopToday } from '../../src-shared/shop-day.js';
import { STAGE_LABELS, STAGES, type Stage } from '../../src-shared/stages.js';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { SETTINGS_ID } from '../storage/common.js';
import type { RelayStorage } from '../storage/types.js';
import type { WorkProvider } from './records.js';

export interface LiveGrant {
  id: string;
  insurerKeys: Set<string>;
  insurerNames: string[];
  sharePhotos: boolean;
  shareDocuments: boolean;
  shareMessages: boolean;
  shareAmounts: boolean;
  grantedAt: string | null;
}

export interface ShopContact {
  workspaceId: string;
  name: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  timeZone: string;
}

export interface GrantedShop extends ShopContact {
  grants: LiveGrant[];
}

export interface RepairSummary {
  workspaceId: string;
  shopName: string;
  roId: string;
  roNumber: number | null;
  claimNumber: string | null;
  insurer: string | null;
  plate: string | null;
  vehicle: string;
  stage: Stage | null;
  stageLabel: string;
  promisedDate: string | null;
  checkedInAt: string | null;
  closedAt: string | null;
}

export interface ProviderException {
  id: string;
  tag: string | null;
  reason: string;
  reasonLabel: string;
  openedAt: string | null;
  resolvedAt: string | null;
}

export interface RepairDetail extends RepairSummary {
  shop: ShopContact;
  customerName: string | null;
  vin: string | null;
  courtesyCar: string | null;
  firstNoticeAt: string | null;
  /** Each stage reached, oldest first, with when. */
  stages: Array<{ stage: string; label: string; at: string }>;
  /** Every revision of the promised date, oldest first. */
  promisedDateChanges: Array<{ from: string | null; to: string | null; reason: string | null; at: string | null }>;
  exceptions: ProviderException[];
  photos: SharedFile[];
  documents: SharedFile[];
  messages: Array<{ id: string; at: string | null; direction: string | null; author: string | null; body: string }>;
  /** Only when the grant shares amounts. */
  amounts: { estimateTotalCents: number | null; deductibleCents: number | null } | null;
  shares: { photos: boolean; documents: boolean; messages: boolean; amounts: boolean };
}

export interface SharedFile {
  id: string;
  fileName: string | null;
  mimeType: string | null;
  caption: string | null;
  blobHash: string;
  addedAt: string | null;
}

export interface OpenException extends ProviderException {
  workspaceId: string;
  shopName: string;
  roId: string;
  roNumber: number | null;
  claimNumber: string | null;
  plate: string | null;
  /** Whole days since it was opened. */
  ageDays: number;
}

export interface ShopSla {
  workspaceId: string;
  shopName: string;
  openRepairs: number;
  pastPromised: Array<{ roId: string; roNumber: number | null; claimNumber: string | null; promisedDate: string }>;
  /** Average days from first notice (or check-in) to the repair starting, over repairs that started. */
  firstNoticeToStartDays: number | null;
  startedCount: number;
  /** Average days from check-in to delivery, over delivered repairs. */
  cycleDays: number | null;
  deliveredCount: number;
}

type Db = Kysely<WorkspaceDatabase>;
type RoRow = {
  id: string;
  ro_number: number | null;
  insurer: string | null;
  claim_number: string | null;
  vehicle_id: string | null;
  customer_id: string | null;
  stage: string | null;
  promised_date: string | null;
  checked_in_at: string | null;
  closed_at: string | null;
};

const DAY_MS = 86_400_000;

export class ProviderAccess {
  constructor(private readonly storage: RelayStorage) {}

  /** The grants this shop holds for the provider right now (its id or slug on the grant), revoked ones left out. */
  async liveGrants(provider: Pick<WorkProvider, 'id' | 'slug'>, workspaceId: string): Promise<LiveGrant[]> {
    const db = await this.db(workspaceId);
    if (!db) return [];
    const rows = await db
      .selectFrom('provider_grants')
      .selectAll()
      .where('provider_id', 'in', [provider.id, provider.slug])
      .where('revoked_at', 'is', null)
      .execute();
    return rows.map((g) => {
      const names = grantInsurerNames(g.insurer_names);
      return {
        id: g.id,
        insurerNames: names,
        insurerKeys: new Set(names.map((n) => insurerKey(n)).filter((k): k is string => k !== null)),
        sharePhotos: g.share_photos === 1,
        shareDocuments: g.share_documents === 1,
        shareMessages: g.share_messages === 1,
        shareAmounts: g.share_amounts === 1,
        grantedAt: g.granted_at,
      };
    });
  }

  /** Every shop that grants the provider access now (from the index, each checked live). */
  async grantedShops(provider: Pick<WorkProvider, 'id' | 'slug'>): Promise<GrantedShop[]> {
    const indexed = await this.storage.providers.shopsOf(provider.id);
    const shops: GrantedShop[] = [];
    for (const workspaceId of new Set(indexed.map((g) => g.workspaceId))) {
      const grants = await this.liveGrants(provider, workspaceId);
      if (grants.length === 0) continue;
      shops.push({ ...(await this.shopContact(workspaceId)), grants });
    }
    return shops.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The grant under which the provider sees this repair now, with the repair; null when it may not. */
  async visibleRepair(provider: Pick<WorkProvider, 'id' | 'slug'>, workspaceId: string, roId: string): Promise<{ grant: LiveGrant; ro: RoRow } | null> {
    const grants = await this.liveGrants(provider, workspaceId);
    if (grants.length === 0) return null;
    const db = (await this.db(workspaceId))!;
    const ro = await db
      .selectFrom('repair_orders')
      .select(['id', 'ro_number', 'insurer', 'claim_number', 'vehicle_id', 'customer_id', 'stage', 'promised_date', 'checked_in_at', 'closed_at'])
      .where('id', '=', roId)
      .executeTakeFirst();
    if (!ro) return null;
    const grant = grantFor(grants, ro.insurer);
    return grant ? { grant, ro } : null;
  }

  /**
   * Repairs whose claim reference or plate matches what was typed, ignoring case, spaces, dashes
   * and dots, across every shop that granted the provider.
   */
  async lookup(provider: Pick<WorkProvider, 'id' | 'slug'>, typed: string): Promise<RepairSummary[]> {
    const key = lookupKey(typed);
    if (!key) return [];
    const candidates = await this.storage.providers.findRepairs(provider.id, key);
    const hits: RepairSummary[] = [];
    for (const c of candidates) {
      const seen = await this.visibleRepair(provider, c.workspaceId, c.roId);
      if (!seen) continue;
      const summary = await this.summary(c.workspaceId, seen.ro);
      // The index may lag an edit by a moment: the live row must still match.
      if (lookupKey(summary.claimNumber) !== key && lookupKey(summary.plate) !== key) continue;
      hits.push(summary);
    }
    return hits;
  }

  /** The repair as the provider may see it; null when it may not (same answer as for a repair that does not exist). */
  async repairDetail(provider: Pick<WorkProvider, 'id' | 'slug'>, workspaceId: string, roId: string): Promise<RepairDetail | null> {
    const seen = await this.visibleRepair(provider, workspaceId, roId);
    if (!seen) return null;
    const { grant, ro } = seen;
    const db = (await this.db(workspaceId))!;
    const summary = await this.summary(workspaceId, ro);
    const shop = await this.shopContact(workspaceId);
    const [full, vehicle, customer, stages, dates, exceptions, files, messages] = await Promise.all([
      db.selectFrom('repair_orders').select(['courtesy_car', 'first_notice_at', 'estimate_total_cents', 'deductible_cents']).where('id', '=', roId).executeTakeFirstOrThrow(),
      ro.vehicle_id ? db.selectFrom('vehicles').select(['vin']).where('id', '=', ro.vehicle_id).executeTakeFirst() : undefined,
      ro.customer_id ? db.selectFrom('customers').select(['first_name', 'last_name']).where('id', '=', ro.customer_id).executeTakeFirst() : undefined,
      db.selectFrom('stage_events').select(['stage', 'at']).where('ro_id', '=', roId).orderBy('at').orderBy('id').execute(),
      db.selectFrom('promised_date_changes').select(['from_date', 'to_date', 'reason', 'at']).where('ro_id', '=', roId).orderBy('at').orderBy('id').execute(),
      db.selectFrom('ro_exceptions').select(['id', 'tag', 'reason', 'opened_at', 'resolved_at']).where('ro_id', '=', roId).orderBy('opened_at').orderBy('id').execute(),
      grant.sharePhotos || grant.shareDocuments
        ? db
            .selectFrom('attachments')
            .select(['id', 'kind', 'file_name', 'mime_type', 'caption', 'blob_hash', 'added_at'])
            .where('ro_id', '=', roId)
            .where('shared_with_insurer', '=', 1)
            .where('removed_at', 'is', null)
            .orderBy('added_at')
            .execute()
        : Promise.resolve([]),
      grant.shareMessages
        ? db
            .selectFrom('messages')
            .select(['id', 'at', 'direction', 'author', 'body'])
            .where('ro_id', '=', roId)
            .where('shared_with_insurer', '=', 1)
            .orderBy('at')
            .execute()
        : Promise.resolve([]),
    ]);
    const held = new Set<string>();
    const shared = files.filter((f) => f.blob_hash);
    for (const f of shared) if (await this.storage.findBlob(workspaceId, f.blob_hash!)) held.add(f.id);
    const toFile = (f: (typeof files)[number]): SharedFile => ({ id: f.id, fileName: f.file_name, mimeType: f.mime_type, caption: f.caption, blobHash: f.blob_hash!, addedAt: f.added_at });
    return {
      ...summary,
      shop,
      customerName: [customer?.first_name, customer?.last_name].filter(Boolean).join(' ') || null,
      vin: vehicle?.vin ?? null,
      courtesyCar: full.courtesy_car,
      firstNoticeAt: full.first_notice_at,
      stages: stages.filter((s) => s.stage && s.at).map((s) => ({ stage: s.stage!, label: stageLabel(s.stage), at: s.at! })),
      promisedDateChanges: dates.map((d) => ({ from: d.from_date, to: d.to_date, reason: d.reason, at: d.at })),
      exceptions: exceptions.map(toException),
      photos: grant.sharePhotos ? shared.filter((f) => f.kind === 'photo' && held.has(f.id)).map(toFile) : [],
      documents: grant.shareDocuments ? shared.filter((f) => f.kind !== 'photo' && held.has(f.id)).map(toFile) : [],
      messages: messages.filter((m) => m.body).map((m) => ({ id: m.id, at: m.at, direction: m.direction, author: m.author, body: m.body! })),
      amounts: grant.shareAmounts ? { estimateTotalCents: full.estimate_total_cents, deductibleCents: full.deductible_cents } : null,
      shares: { photos: grant.sharePhotos, documents: grant.shareDocuments, messages: grant.shareMessages, amounts: grant.shareAmounts },
    };
  }

  /** A shared file of a visible repair (photo or document), or null. */
  async sharedFile(provider: Pick<WorkProvider, 'id' | 'slug'>, workspaceId: string, roId: string, attachmentId: string): Promise<SharedFile | null> {
    const detail = await this.repairDetail(provider, workspaceId, roId);
    return [...(detail?.photos ?? []), ...(detail?.documents ?? [])].find((f) => f.id === attachmentId) ?? null;
  }

  /** Every open exception on the provider's repairs, across its shops, oldest first. */
  async openExceptions(provider: Pick<WorkProvider, 'id' | 'slug'>, now = new Date()): Promise<OpenException[]> {
    const out: OpenException[] = [];
    for (const shop of await this.grantedShops(provider)) {
      const db = (await this.db(shop.workspaceId))!;
      const rows = await db
        .selectFrom('ro_exceptions as x')
        .innerJoin('repair_orders as r', 'r.id', 'x.ro_id')
        .leftJoin('vehicles as v', 'v.id', 'r.vehicle_id')
        .select(['x.id', 'x.tag', 'x.reason', 'x.opened_at', 'x.resolved_at', 'r.id as ro_id', 'r.ro_number', 'r.claim_number', 'r.insurer', 'v.plate'])
        .where('x.resolved_at', 'is', null)
        .where('r.closed_at', 'is', null)
        .execute();
      for (const row of rows) {
        if (!grantFor(shop.grants, row.insurer)) continue;
        const opened = row.opened_at ? Date.parse(row.opened_at) : NaN;
        out.push({
          ...toException(row),
          workspaceId: shop.workspaceId,
          shopName: shop.name,
          roId: row.ro_id,
          roNumber: row.ro_number,
          claimNumber: row.claim_number,
          plate: row.plate,
          ageDays: Number.isNaN(opened) ? 0 : Math.max(0, Math.floor((now.getTime() - opened) / DAY_MS)),
        });
      }
    }
    return out.sort((a, b) => b.ageDays - a.ageDays || (a.openedAt ?? '').localeCompare(b.openedAt ?? ''));
  }

  /** Per shop: open repairs past their promised date, first notice → repair start, cycle time. */
  async sla(provider: Pick<WorkProvider, 'id' | 'slug'>, now = new Date()): Promise<ShopSla[]> {
    const out: ShopSla[] = [];
    for (const shop of await this.grantedShops(provider)) {
      const db = (await this.db(shop.workspaceId))!;
      const ros = (
        await db.selectFrom('repair_orders').select(['id', 'ro_number', 'insurer', 'claim_number', 'promised_date', 'stage', 'checked_in_at', 'first_notice_at', 'closed_at']).execute()
      ).filter((r) => grantFor(shop.grants, r.insurer));
      const ids = ros.map((r) => r.id);
      const started = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db
          .selectFrom('stage_events')
          .select(['ro_id', (eb) => eb.fn.min('at').as('at')])
          .where('stage', '=', 'repair-started')
          .where('ro_id', 'in', ids.slice(i, i + 500))
          .groupBy('ro_id')
          .execute();
        for (const r of rows) if (r.ro_id && r.at) started.set(r.ro_id, String(r.at));
      }
      const today = shopToday(shop.timeZone, now);
      const open = ros.filter((r) => !r.closed_at);
      const pastPromised = open
        .filter((r) => r.promised_date && r.promised_date < today && r.stage !== 'completed' && r.stage !== 'delivered')
        .map((r) => ({ roId: r.id, roNumber: r.ro_number, claimNumber: r.claim_number, promisedDate: r.promised_date! }));
      const toStart: number[] = [];
      for (const r of ros) {
        const from = r.first_notice_at ?? r.checked_in_at;
        const at = started.get(r.id);
        if (from && at) toStart.push((Date.parse(at) - Date.parse(from)) / DAY_MS);
      }
      const cycles = ros.filter((r) => r.closed_at && r.checked_in_at).map((r) => (Date.parse(r.closed_at!) - Date.parse(r.checked_in_at!)) / DAY_MS);
      out.push({
        workspaceId: shop.workspaceId,
        shopName: shop.name,
        openRepairs: open.length,
        pastPromised,
        firstNoticeToStartDays: average(toStart),
        startedCount: toStart.length,
        cycleDays: average(cycles),
        deliveredCount: cycles.length,
      });
    }
    return out;
  }

  /**
   * Writes "viewed by <user> of <provider>" to the repair's audit trail through the mutation
   * layer (a relay-origin write, synced to every desk of the shop), and announces it.
   */
  async recordView(provider: Pick<WorkProvider, 'id' | 'name'>, user: { id: string; name: string }, workspaceId: string, roId: string, roNumber: number | null): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    await store.write(
      {
        actor: `provider:${provider.id}:${user.id}`,
        action: 'provider-view',
        summary: `RO ${roNumber ?? ''} viewed by ${user.name} of ${provider.name}`.replace('RO  ', 'Repair '),
        roId,
        auditAlways: true,
      },
      async () => undefined,
    );
    await this.storage.announceChanges(workspaceId);
  }

  async shopContact(workspaceId: string): Promise<ShopContact> {
    const db = (await this.db(workspaceId))!;
    const s = await db.selectFrom('workspace_settings').select(['name', 'phone', 'email', 'address', 'time_zone']).where('id', '=', SETTINGS_ID).executeTakeFirst();
    return { workspaceId, name: s?.name ?? 'Shop', phone: s?.phone ?? null, email: s?.email ?? null, address: s?.address ?? null, timeZone: s?.time_zone ?? 'America/Chicago' };
  }

  private async summary(workspaceId: string, ro: RoRow): Promise<RepairSummary> {
    const db = (await this.db(workspaceId))!;
    const vehicle = ro.vehicle_id ? await db.selectFrom('vehicles').select(['plate', 'year', 'make', 'model', 'color']).where('id', '=', ro.vehicle_id).executeTakeFirst() : undefined;
    const shop = await this.shopContact(workspaceId);
    const stage = ro.stage && (STAGES as readonly string[]).includes(ro.stage) ? (ro.stage as Stage) : null;
    return {
      workspaceId,
      shopName: shop.name,
      roId: ro.id,
      roNumber: ro.ro_number,
      claimNumber: ro.claim_number,
      insurer: ro.insurer,
      plate: vehicle?.plate ?? null,
      vehicle: [vehicle?.year, vehicle?.make, vehicle?.model, vehicle?.color ? `(${vehicle.color})` : null].filter(Boolean).join(' ') || 'Vehicle',
      stage,
      stageLabel: stage ? STAGE_LABELS[stage] : 'Checked in',
      promisedDate: ro.promised_date,
      checkedInAt: ro.checked_in_at,
      closedAt: ro.closed_at,
    };
  }

  /** The workspace's database, or null when the relay does not know it. */
  private async db(workspaceId: string): Promise<Db | null> {
    try {
      return (await this.storage.workspaceStore(workspaceId)).db;
    } catch {
      return null;
    }
  }
}

/** The live grant whose insurer names include this insurer, if any. */
export function grantFor(grants: readonly LiveGrant[], insurer: string | null): LiveGrant | null {
  const key = insurerKey(insurer);
  if (!key) return null;
  return grants.find((g) => g.insurerKeys.has(key)) ?? null;
}

function stageLabel(stage: string | null): string {
  return stage && Object.hasOwn(STAGE_LABELS, stage) ? STAGE_LABELS[stage as Stage] : (stage ?? '');
}

function toException(row: { id: string; tag: string | null; reason: string | null; opened_at: string | null; resolved_at: string | null }): ProviderException {
  const reason = row.reason && isDelayReason(row.reason) ? row.reason : 'other';
  return { id: row.id, tag: row.tag, reason, reasonLabel: DELAY_REASONS[reason], openedAt: row.opened_at, resolvedAt: row.resolved_at };
}

function average(values: number[]): number | null {
  if (values.length === 0) return null;
  return Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;
}
