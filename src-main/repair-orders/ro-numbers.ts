// RO numbers at the desk. An unpaired desk (a shop with one PC) numbers each check-in one past
// the highest RO number it knows. A paired desk numbers from blocks the relay handed to it alone
// (kept in the desk-only `meta` table, never synced): its current block and a spare, asking for
// another as soon as it starts on the spare, so a day's check-ins go on offline. Should both run
// out offline, it numbers from its own reserve range (above RO_RESERVE_BASE, given with its first
// block), which no other desk ever uses, so a check-in never fails for want of a number and no
// number is given twice. No number below the shop's starting number is given (blocks held from
// before it was raised are dropped), and an online desk left without a block waits a moment for
// one rather than dip into its reserve. A number, once given, is never changed, except a duplicate
// made before blocks existed (two desks offline numbering one past the same highest). Every desk
// finds those the same way; the desk that numbered the later check-in renumbers it from its
// block, once, through the mutation layer, so the audit entry shows in the RO's activity.
import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { nodeOfStamp } from '../../src-shared/sync/hlc.js';
import { type NumbersFrame, RO_RESERVE_BASE, type RoNumberRange, MAX_RO_BLOCKS_PER_REQUEST } from '../../src-shared/sync/protocol.js';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore, WriteTx } from '../../src-shared/sync/store.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { DeviceCredential } from '../sync/device.js';
import type { SyncClient } from '../sync/sync-client.js';

/** Numbers the relay gave this desk and it has not used: `blocks[0].first` is the next to give. */
export interface HeldRoNumbers {
  blocks: RoNumberRange[];
  reserve: RoNumberRange | null;
  /**
   * The node id the desk wrote under when it last took or received numbers. Another one means
   * the database was restored from a backup since: numbers taken after that backup may be
   * missing from it, so what it holds is dropped and the relay gives new blocks and a new reserve.
   */
  node?: string;
}

const HELD = 'ro-numbers:held';
/** The device whose pairing grant is already in HELD (a grant is taken once). */
const ADOPTED = 'ro-numbers:adopted-device';
/** RO ids this desk has renumbered as duplicates: each is renumbered (and reported) once. */
const RENUMBERED = 'ro-numbers:renumbered';
/** Blocks a desk keeps: the one it numbers from and a spare. */
const BLOCKS_KEPT = 2;

type Db = Kysely<WorkspaceDatabase>;

async function readMeta<T>(db: Db, key: string): Promise<T | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row ? (JSON.parse(row.value) as T) : null;
}

async function writeMeta(db: Db, key: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value);
  await db
    .insertInto('meta')
    .values({ key, value: text })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: text }))
    .execute();
}

/** What the desk holds; with `node` (the desk's node id now), nothing if it was held before a restore. */
export async function readHeldRoNumbers(db: Db, node?: string): Promise<HeldRoNumbers | null> {
  return heldFor(await readMeta<HeldRoNumbers>(db, HELD), node);
}

function heldFor(held: HeldRoNumbers | null, node: string | undefined): HeldRoNumbers | null {
  if (!held || node === undefined) return held;
  return held.node === undefined || held.node === node ? { ...held, node } : { blocks: [], reserve: null, node };
}

/** The highest RO number of the shop's sequence this desk knows (reserve numbers are not in it). */
async function highestInSequence(db: Db): Promise<number> {
  const max = await db
    .selectFrom('repair_orders')
    .select((eb) => eb.fn.max('ro_number').as('n'))
    .where('ro_number', '<', RO_RESERVE_BASE)
    .executeTakeFirst();
  return Number(max?.n ?? 0);
}

async function inUse(db: Db, n: number): Promise<boolean> {
  return (await db.selectFrom('repair_orders').select('id').where('ro_number', '=', n).limit(1).executeTakeFirst()) !== undefined;
}

/** Takes the next unused number of a range in place; null when the range is spent. */
async function takeFromRange(db: Db, range: RoNumberRange): Promise<number | null> {
  while (range.first <= range.last) {
    const n = range.first;
    range.first += 1;
    if (!(await inUse(db, n))) return n;
  }
  return null;
}

/** The shop's starting number: no number below it is given, even from a block held before it was raised. */
async function startNumber(db: Db): Promise<number> {
  const row = await db.selectFrom('workspace_settings').select('ro_number_start').where('id', '=', SETTINGS_ID).executeTakeFirst();
  return row?.ro_number_start ?? 1001;
}

/** Blocks (or their parts) below the starting number are dropped: the shop's sequence starts there. */
function dropBelow(held: HeldRoNumbers, start: number): void {
  held.blocks = held.blocks.filter((b) => b.last >= start);
  if (held.blocks[0] && held.blocks[0].first < start) held.blocks[0].first = start;
}

/** Takes the next number of the desk's blocks, then of its reserve; null when it holds none. */
async function takeHeld(db: Db, held: HeldRoNumbers, start: number): Promise<number | null> {
  dropBelow(held, start);
  while (held.blocks.length > 0) {
    const n = await takeFromRange(db, held.blocks[0]!);
    if (held.blocks[0]!.first > held.blocks[0]!.last) held.blocks.shift();
    if (n !== null) return n;
  }
  return held.reserve ? takeFromRange(db, held.reserve) : null;
}

/**
 * The number for a new repair order, inside the write that creates it (the number taken and
 * the repair order commit together). `heldOnly`: null instead of one past the highest when the
 * desk holds no numbers from the relay.
 */
export async function takeRoNumber(tx: WriteTx, options: { heldOnly?: boolean } = {}): Promise<number | null> {
  const start = await startNumber(tx.trx);
  const held = await readHeldRoNumbers(tx.trx, tx.nodeId);
  if (held) {
    const n = await takeHeld(tx.trx, held, start);
    await writeMeta(tx.trx, HELD, held);
    if (n !== null) return n;
  }
  if (options.heldOnly) return null;
  // Unpaired (or paired and not yet given a block): one past the highest, at or above the start.
  return Math.max((await highestInSequence(tx.trx)) + 1, start);
}

/** Adds a grant's blocks after those held; a desk keeps its first reserve (a new one stays unused). */
function mergeGrant(held: HeldRoNumbers | null, grant: { blocks: RoNumberRange[]; reserve: RoNumberRange }, node: string | undefined): HeldRoNumbers {
  const merged: HeldRoNumbers = { ...(held ?? { blocks: [], reserve: null }), ...(node ? { node } : {}) };
  for (const block of grant.blocks) if (!merged.blocks.some((b) => b.last >= block.first)) merged.blocks.push({ ...block });
  merged.reserve ??= { ...grant.reserve };
  return merged;
}

/**
 * Moves the numbers handed out with the pairing (kept in device.json by `pairDesk`, which may
 * run with the desk closed) into `meta`, once per device, before the desk takes a number. The
 * relay chose them before it saw this desk's own repair orders: blocks at or below the highest
 * number this desk already gave would take the shop's sequence backwards, so they are left
 * unused (the desk asks for blocks above its numbers when it connects).
 */
export function adoptPairingNumbers(sqlite: BetterSqlite3.Database, device: DeviceCredential): void {
  const grant = device.numbers;
  if (!grant) return;
  const get = (key: string) => (sqlite.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const set = sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  sqlite.transaction(() => {
    if (get(ADOPTED) === device.deviceId) return;
    const held = get(HELD);
    const node = get('node_id');
    const highest = (sqlite.prepare('SELECT MAX(ro_number) AS n FROM repair_orders WHERE ro_number < ?').get(RO_RESERVE_BASE) as { n: number | null }).n ?? 0;
    const ahead = { blocks: grant.blocks.filter((b) => b.first > highest), reserve: grant.reserve };
    set.run(HELD, JSON.stringify(mergeGrant(heldFor(held ? (JSON.parse(held) as HeldRoNumbers) : null, node), ahead, node)));
    set.run(ADOPTED, device.deviceId);
  })();
}

/**
 * A paired desk's side of RO numbering: asks the relay for blocks when it holds fewer than two,
 * keeps what arrives, and renumbers duplicates this desk made before blocks existed.
 */
export class RoNumberKeeper {
  private asking = false;
  /** The relay refused `numbers-request` (a relay older than blocks): number as an unpaired desk does. */
  private relayHasNoBlocks = false;
  private checking: Promise<void> | null = null;
  /** Check-ins waiting for a block to arrive (see `ready`). */
  private waiting: Array<() => void> = [];
  private checkAgain = false;
  private closed = false;

  constructor(
    private readonly store: WorkspaceStore,
    private readonly sync: SyncClient,
    /** Every node id this database has written under: the repairs this desk numbered. */
    private readonly ownNodes: () => Promise<string[]>,
  ) {
    sync.onRelayFrame(async (frame) => {
      if (frame.t === 'numbers') await this.receive(frame);
      if (frame.t === 'error' && frame.code === 'invalid-frame' && this.asking) {
        this.relayHasNoBlocks = true;
        for (const resolve of this.waiting.splice(0)) resolve();
      }
    });
    sync.onStatus((status) => {
      if (!status.online) {
        this.asking = false;
        for (const resolve of this.waiting.splice(0)) resolve();
      } else {
        void this.topUp().catch(() => undefined);
      }
    });
    sync.onCaughtUp(() => this.checkDuplicates());
    store.onChange((touched, origin) => {
      if (!touched.has('repair_orders')) return;
      // A local check-in may have started on the spare block; a remote one may be a duplicate.
      if (origin === 'local') void this.topUp().catch(() => undefined);
      else this.checkDuplicates();
    });
  }

  close(): void {
    this.closed = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Asks for as many blocks as make two (and, on first contact, for the reserve range). */
  async topUp(): Promise<void> {
    if (this.asking || this.closed || this.relayHasNoBlocks) return;
    // Claimed before the first await, so two callers never both ask.
    this.asking = true;
    let sent = false;
    try {
      const start = await startNumber(this.store.db);
      const usable = await this.usableBlocks(start);
      const held = await readHeldRoNumbers(this.store.db, this.store.nodeId);
      const want = Math.min(MAX_RO_BLOCKS_PER_REQUEST, Math.max(BLOCKS_KEPT - usable, held?.reserve ? 0 : 1));
      if (want <= 0) return;
      // Above the starting number too: the relay may not have the shop's new start yet.
      const above = Math.max(await highestInSequence(this.store.db), start - 1);
      sent = this.sync.sendFrame({ t: 'numbers-request', want, above, ...(held?.reserve ? {} : { reserve: true as const }) });
    } finally {
      this.asking = sent;
      // Nothing is coming: check-ins waiting for a block go ahead.
      if (!sent) for (const resolve of this.waiting.splice(0)) resolve();
    }
  }

  /**
   * Before a check-in: a desk that is online and holds no block (its first contact, or the shop
   * just raised its starting number) waits a moment for one, rather than numbering from its
   * reserve, which is for check-ins while offline.
   */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.closed || (await this.usableBlocks(await startNumber(this.store.db))) > 0) return;
    await this.topUp();
    if (!this.asking) return; // offline, or the relay has no blocks: the check-in goes ahead
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async usableBlocks(start: number): Promise<number> {
    const held = await readHeldRoNumbers(this.store.db, this.store.nodeId);
    return held ? held.blocks.filter((b) => b.last >= start && b.first <= b.last).length : 0;
  }

  /** Settles once the duplicate check under way (if any) has finished. */
  async settled(): Promise<void> {
    while (this.checking) await this.checking;
  }

  private async receive(frame: NumbersFrame): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      await writeMeta(trx, HELD, mergeGrant(await readHeldRoNumbers(trx, this.store.nodeId), frame, this.store.nodeId));
    });
    this.asking = false;
    for (const resolve of this.waiting.splice(0)) resolve();
    await this.topUp();
    this.checkDuplicates();
  }

  /** Runs the duplicate check now, or once more after the one under way. */
  checkDuplicates(): void {
    if (this.closed) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await this.renumberDuplicates().catch((err: unknown) => {
          if (!this.closed) console.error('[ro-numbers] duplicate check failed:', err);
        });
      } while (this.checkAgain && !this.closed);
    })().finally(() => (this.checking = null));
  }

  /**
   * Every RO number held by more than one repair: the earliest check-in keeps it (then the lower
   * id); each later one is renumbered by the desk that numbered it, which alone acts on it.
   */
  private async renumberDuplicates(): Promise<void> {
    const { rows } = await sql<{ id: string; ro_number: number; checked_in_at: string | null; stamp: string | null }>`
      SELECT r.id, r.ro_number, r.checked_in_at, s.stamp
      FROM repair_orders r
      LEFT JOIN cell_stamps s ON s.tbl = 'repair_orders' AND s.row_id = r.id AND s.col = 'ro_number'
      WHERE r.ro_number IN (SELECT ro_number FROM repair_orders WHERE ro_number IS NOT NULL GROUP BY ro_number HAVING COUNT(*) > 1)
      ORDER BY r.ro_number, COALESCE(r.checked_in_at, ''), r.id`.execute(this.store.db);
    if (rows.length === 0) return;
    const own = new Set(await this.ownNodes());
    const done = new Set((await readMeta<string[]>(this.store.db, RENUMBERED)) ?? []);
    let previous: number | null = null;
    for (const r of rows) {
      const later = r.ro_number === previous;
      previous = r.ro_number;
      if (!later || done.has(r.id) || !r.stamp || !own.has(nodeOfStamp(r.stamp))) continue;
      if (this.closed) return;
      await this.renumber(r.id, r.ro_number);
    }
  }

  private async renumber(roId: string, was: number): Promise<void> {
    const intent = { actor: 'system', action: 'ro-renumber', summary: '', roId };
    await this.store.write(intent, async (tx) => {
      const ro = await tx.get('repair_orders', roId);
      if (!ro || ro.ro_number !== was) return;
      const n = await takeRoNumber(tx, { heldOnly: true });
      if (n === null) return; // No block yet: renumbered once the relay's numbers arrive.
      // The audit entry is written after this function returns, from the intent: it names the new number.
      intent.summary = `RO ${was} was also given to another repair; renumbered ${n}`;
      await tx.update('repair_orders', roId, { ro_number: n });
      const done = (await readMeta<string[]>(tx.trx, RENUMBERED)) ?? [];
      await writeMeta(tx.trx, RENUMBERED, [...done, roId]);
    });
  }
}
