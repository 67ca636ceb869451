// The one mutation layer. Every write on any node (desk or relay) goes through WorkspaceStore:
// it turns the write into stamped cell changes, logs them and applies them in one transaction.
// Remote changes are applied by the same code, so order and duplicates never matter:
// per cell, the highest stamp wins; a change already in the log is skipped.
// Clocks are bounded (src-shared/sync/hlc.ts): the relay refuses a push holding a stamp more
// than MAX_CLOCK_AHEAD_MS ahead of its clock (`refuseAhead`), and a desk whose clock ran ahead
// rewrites its own unsent stamps once the clock is right again (`restampAhead`).
import { type Kysely, type Transaction, sql } from 'kysely';
import { describeDuration } from './clock-offset.js';
import { auditHash, GENESIS_HASH, type AuditDetail, type AuditRowDiff } from './audit-chain.js';
import { type CellValue, type Change, changeSchema, isPlainValidChange, type LoggedChange } from './change.js';
import { formatStamp, HybridClock, millisOfStamp, nodeOfStamp, parseStamp, stampCeiling, type Timestamp } from './hlc.js';
import type { RowOf, WorkspaceDatabase } from './rows.js';
import { isSyncedColumn, isSyncedTable, SYNCED_TABLES, type SyncedTable } from './tables.js';

export type Tx = Transaction<WorkspaceDatabase>;

/** Rows touched by one transaction, as "table" → set of row ids. */
export type TouchedRows = Map<SyncedTable, Set<string>>;

export interface StoreHooks {
  /**
   * Runs first in every writing transaction. Where several connections share one database
   * (the relay on PostgreSQL) writers take a per-workspace lock as the transaction begins, so
   * log sequence numbers are handed out in commit order and no cursor can skip a change
   * committed late; this hook then moves the clock past the newest stamp in the log. `stamping`
   * is false for `applyRemote`, which makes no stamps of its own (the hook may skip clock work).
   */
  lock?: (trx: Tx, stamping: boolean) => Promise<void>;
  /** Runs inside the transaction after changes are applied (the desk keeps its search index here). */
  afterApply?: (trx: Tx, touched: TouchedRows) => Promise<void>;
  /**
   * Logs and applies a batch inside the transaction. The default is portable Kysely SQL
   * (`applyChangesPortably`); SQLite nodes pass prepared statements on the transaction's own
   * connection (src-main/db/sqlite-changes.ts), which must keep exactly the same rules.
   */
  applyChanges?: ChangeApplier;
  /**
   * Runs `transaction` (an `applyRemote` with `durable: false`) so that its commit need not wait
   * for the disk. The store holds the connection throughout, so nothing else commits meanwhile.
   * The desk sets SQLite's synchronous=NORMAL around it: in WAL mode such a commit is atomic and
   * may only be lost whole in a power cut, and the next durable commit makes it durable too.
   */
  commitWithoutSync?: <T>(transaction: () => Promise<T>, options: { morePages: boolean }) => Promise<T>;
  /**
   * Called after each of the store's transactions commits (its writes, remote batches, meta
   * entries, restamps), before listeners hear of it: SQLite nodes count commits here for their
   * checkpoints (src-shared/db/wal-checkpoint.ts).
   */
  afterCommit?: () => void;
}

/** Where a committed change came from: written here, or applied from another node. */
export type ChangeOrigin = 'local' | 'remote';

/** What logging and applying one batch did. */
export interface ApplyOutcome {
  /** The changes new to this node's log (the rest were duplicates), in log order, with their sequence numbers. */
  fresh: LoggedChange[];
  /** Cells that took the new value (the rest held a newer stamp already). */
  applied: number;
  touched: TouchedRows;
}

/**
 * Logs a batch of validated changes and applies the winners, inside an open transaction:
 * a change already in the log is skipped; per cell, only a stamp newer than the one the cell
 * holds (`cell_stamps`) writes the value.
 */
export type ChangeApplier = (trx: Tx, changes: readonly Change[]) => ApplyOutcome | Promise<ApplyOutcome>;

export interface WriteIntent {
  /** Who did it: "staff:<id>", "system", "customer", "relay". */
  actor: string;
  /** What was done, as an API name such as "ro-move-stage". */
  action: string;
  /** A short sentence in the shop's words, for the activity list. */
  summary?: string;
  roId?: string | null;
  /** Writes that must not appear in the audit trail (the trail itself, bookkeeping). */
  audit?: boolean;
  /** Record the audit event even when the write changed no row (a mail draft handed to the composer). */
  auditAlways?: boolean;
}

export interface ApplyResult {
  received: number;
  /** New to this node's log. */
  logged: number;
  /** Changed a cell (the rest were duplicates or older than what the cell holds). */
  applied: number;
}

type Patch<T extends SyncedTable> = Partial<Omit<RowOf<T>, 'id'>>;

/** Columns whose values never appear in the audit trail, only the fact they changed. */
const SECRET_COLUMNS = new Set(['staff.pin_hash']);

export class WorkspaceStore {
  private readonly listeners = new Set<(touched: TouchedRows, origin: ChangeOrigin) => void>();
  /** When audit events say a write happened: the wall clock, except while a desk seeds the demo shop's past (Desk.useClock). Stamps never use it. */
  auditClock: () => Date = () => new Date();

  private constructor(
    readonly db: Kysely<WorkspaceDatabase>,
    readonly clock: HybridClock,
    private readonly hooks: StoreHooks,
    /**
     * Stamps in the log more than the bound ahead of this node's clock when it opened: written
     * before clocks were bounded (or by a node whose clock was then far ahead). They keep their
     * cells until real time passes them; they no longer move any clock.
     */
    readonly aheadAtOpen: number,
  ) {}

  /**
   * Opens the store on a migrated database; the clock resumes past every stamp in the log that
   * is within the bound of this node's wall clock (`now`, injectable for tests).
   */
  static async open(
    db: Kysely<WorkspaceDatabase>,
    nodeId: string,
    hooks: StoreHooks = {},
    options: { now?: () => number } = {},
  ): Promise<WorkspaceStore> {
    const clock = new HybridClock(nodeId, options.now);
    const ceiling = stampCeiling(clock.limit());
    const last = await newestStampWithin(db, ceiling);
    if (last) clock.observe(last);
    const ahead = await db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('stamp', '>', ceiling)
      .executeTakeFirst();
    return new WorkspaceStore(db, clock, hooks, Number(ahead?.n ?? 0));
  }

  get nodeId(): string {
    return this.clock.node;
  }

  /**
   * Runs before a write stamps anything while the clock stands more than the bound ahead of the
   * wall clock (the PC's date was set back under stamps made here). The desk's sync client sets
   * it: when the relay had found this clock ahead and it is right now, it rewrites the unsent
   * stamps first (`restampAhead`), so the new edit comes after them at real time.
   */
  beforeStampingAhead: (() => Promise<void>) | null = null;

  /** Called after every committed transaction that changed something, local or remote. */
  onChange(listener: (touched: TouchedRows, origin: ChangeOrigin) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `fn` in one transaction; what it sets becomes logged changes and one audit event. */
  async write<T>(intent: WriteIntent, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.beforeStampingAhead && this.clock.runsAhead()) await this.beforeStampingAhead();
    let touched: TouchedRows = new Map();
    const result = await this.db.transaction().execute(async (trx) => {
      await this.hooks.lock?.(trx, true);
      const tx = new WriteTx(trx, this, intent.roId ?? null);
      const value = await fn(tx);
      if (intent.audit !== false && (tx.diffs.length > 0 || intent.auditAlways === true)) {
        await this.appendAuditEvent(tx, intent);
      }
      touched = tx.touched;
      if (touched.size > 0) await this.hooks.afterApply?.(trx, touched);
      return value;
    });
    this.hooks.afterCommit?.();
    this.emit(touched, 'local');
    return result;
  }

  /**
   * Applies changes from another node. Invalid changes are refused before anything is written.
   * `meta` entries (a sync cursor) are written in the same transaction, so they move exactly
   * when the changes land. `durable: false` is for changes the caller can fetch again should a
   * power cut undo them, because its cursor in `meta` would be undone with them (a desk's pull
   * from the relay): the commit may then skip waiting for the disk (`commitWithoutSync`).
   */
  async applyRemote(
    changes: unknown[],
    options: {
      meta?: Readonly<Record<string, string>>;
      durable?: boolean;
      /** Called once committed, with the changes new to the log, in log order (the relay forwards them). */
      onLogged?: (fresh: readonly LoggedChange[]) => void;
      /**
       * Refuse the whole batch (ClockAheadError, nothing written) when a stamp in it is more than
       * the bound ahead of this node's clock. The relay sets it for pushes; a desk applying the
       * relay's log does not (it cannot refuse the shop's log; such stamps just move no clock).
       */
      refuseAhead?: boolean;
      /**
       * More pages follow at once (a desk catching up, with `durable: false`): the database file's
       * upkeep (SQLite's checkpoint, two waits for the disk) may be left to the last page's commit.
       */
      morePages?: boolean;
    } = {},
  ): Promise<ApplyResult> {
    const parsed: Change[] = changes.map((c, i) => {
      if (isPlainValidChange(c)) return c;
      const r = changeSchema.safeParse(c);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new InvalidChangeError(i, `${issue.path.join('.') || 'change'}: ${issue.message}`);
      }
      return r.data;
    });
    if (options.refuseAhead) {
      const now = this.clock.now();
      const limit = now + this.clock.maxAheadMs;
      let furthest = -Infinity;
      for (const c of parsed) furthest = Math.max(furthest, millisOfStamp(c.stamp));
      if (furthest > limit) throw new ClockAheadError(furthest - now, now);
    }
    let result: ApplyResult = { received: parsed.length, logged: 0, applied: 0 };
    let touched: TouchedRows = new Map();
    let fresh: LoggedChange[] = [];
    const apply = async (trx: Tx) => {
      await this.hooks.lock?.(trx, false);
      const outcome = parsed.length > 0 ? await this.applyBatch(trx, parsed) : { fresh, applied: 0, touched };
      result = { received: parsed.length, logged: outcome.fresh.length, applied: outcome.applied };
      fresh = outcome.fresh;
      touched = outcome.touched;
      // The clock need only pass the newest stamp within its bound (stamps are fixed-width text,
      // so they compare as strings): one observe per page instead of one per change.
      const ceiling = stampCeiling(this.clock.limit());
      let newest = '';
      for (const c of parsed) if (c.stamp <= ceiling && c.stamp > newest) newest = c.stamp;
      if (newest) this.clock.observe(newest);
      if (touched.size > 0) await this.hooks.afterApply?.(trx, touched);
      for (const [key, value] of Object.entries(options.meta ?? {})) await setMeta(trx, key, value);
    };
    await this.transaction(options.durable ?? true, apply, options.morePages ?? false);
    if (fresh.length > 0) options.onLogged?.(fresh);
    this.emit(touched, 'remote');
    return result;
  }

  /**
   * Writes bookkeeping entries of the `meta` table in one transaction. `durable: false` is for
   * entries whose loss in a power cut costs only repeated work (a sync cursor that may lag).
   */
  async writeMeta(entries: Readonly<Record<string, string>>, options: { durable?: boolean } = {}): Promise<void> {
    await this.transaction(options.durable ?? true, async (trx) => {
      for (const [key, value] of Object.entries(entries)) await setMeta(trx, key, value);
    });
  }

  private async transaction(durable: boolean, fn: (trx: Tx) => Promise<void>, morePages = false): Promise<void> {
    const withoutSync = durable ? undefined : this.hooks.commitWithoutSync;
    if (withoutSync) {
      await this.db.connection().execute((conn) => withoutSync(() => conn.transaction().execute(fn), { morePages }));
    } else {
      await this.db.transaction().execute(fn);
    }
    this.hooks.afterCommit?.();
  }

  /** @internal Logs and applies validated changes inside `trx` (used by `applyRemote` and `WriteTx`). */
  applyBatch(trx: Tx, changes: readonly Change[]): ApplyOutcome | Promise<ApplyOutcome> {
    return (this.hooks.applyChanges ?? applyChangesPortably)(trx, changes);
  }

  /**
   * Rewrites this node's own unsent stamps that run more than the bound ahead of its clock, once
   * its clock is right again (a desk whose PC clock was fast; the sync client calls this when the
   * relay's time says the clock is back within the bound). Only changes after `afterSeq` (the push
   * cursor: the relay never saw them) and made under `nodes` (this database's node ids) are
   * touched; anything pushed is never rewritten, so no other node can hold the old stamps.
   *
   * Each stamp moves back by `offsetMs` (how far ahead the relay measured this clock), or by more
   * if needed so that none stays in the future: the newest then lands on "now". The same shift
   * for all keeps their order; node id and counter stay; a stamp this node already used is
   * stepped past, so stamps stay unique. In one transaction the log rows get their new stamps
   * (same sequence numbers, so the push cursor still points before them) and every affected cell
   * takes the winner the log now gives (`cell_stamps` and the row), so another desk's later edit
   * of the same field wins here too. Then the clock resumes from the newest stamp within the
   * bound. Returns how many changes were rewritten.
   */
  async restampAhead(options: { afterSeq: number; nodes: readonly string[]; offsetMs: number }): Promise<number> {
    if (options.nodes.length === 0) return 0;
    let touched: TouchedRows = new Map();
    let rewritten = 0;
    await this.db.transaction().execute(async (trx) => {
      await this.hooks.lock?.(trx, true);
      const now = this.clock.now();
      const ceiling = stampCeiling(now + this.clock.maxAheadMs);
      const rows = await trx
        .selectFrom('changes')
        .select(['seq', 'stamp', 'tbl', 'row_id', 'col'])
        .where('seq', '>', options.afterSeq)
        .where('node', 'in', [...options.nodes])
        .where('stamp', '>', ceiling)
        .orderBy('stamp')
        .execute();
      if (rows.length === 0) return;
      const shift = Math.max(options.offsetMs, millisOfStamp(rows[rows.length - 1]!.stamp) - now);
      const lastByNode = new Map<string, Timestamp>();
      const taken = new Set<string>();
      const cells = new Map<string, { table: string; row: string; column: string }>();
      for (const r of rows) {
        const old = parseStamp(r.stamp);
        let next: Timestamp = { millis: old.millis - shift, counter: old.counter, node: old.node };
        const prev = lastByNode.get(old.node);
        if (prev && (next.millis < prev.millis || (next.millis === prev.millis && next.counter <= prev.counter))) next = successor(prev);
        for (;;) {
          const stamp = formatStamp(next);
          const used = taken.has(stamp) || (await trx.selectFrom('changes').select('seq').where('stamp', '=', stamp).limit(1).executeTakeFirst());
          if (!used) break;
          next = successor(next);
        }
        const stamp = formatStamp(next);
        taken.add(stamp);
        lastByNode.set(old.node, next);
        await trx.updateTable('changes').set({ stamp }).where('seq', '=', r.seq).execute();
        cells.set(cellKey(r.tbl, r.row_id, r.col), { table: r.tbl, row: r.row_id, column: r.col });
      }
      rewritten = rows.length;
      // Every affected cell takes the winner of its log again. The log has no index by cell, so
      // the winners come from one read per few hundred affected rows, not one per cell.
      touched = new Map();
      const winners = new Map<string, { stamp: string; value: string }>();
      for (const part of chunks([...new Set([...cells.values()].map((c) => c.row))])) {
        const logged = await trx.selectFrom('changes').select(['tbl', 'row_id', 'col', 'stamp', 'value']).where('row_id', 'in', part).execute();
        for (const r of logged) {
          const key = cellKey(r.tbl, r.row_id, r.col);
          if (!cells.has(key)) continue;
          const best = winners.get(key);
          if (!best || best.stamp < r.stamp) winners.set(key, { stamp: r.stamp, value: r.value });
        }
      }
      for (const [key, { table, row, column }] of cells) {
        const winner = winners.get(key);
        if (!winner || !isSyncedTable(table) || !isSyncedColumn(table, column)) continue;
        await trx
          .insertInto('cell_stamps')
          .values({ tbl: table, row_id: row, col: column, stamp: winner.stamp })
          .onConflict((oc) => oc.columns(['tbl', 'row_id', 'col']).doUpdateSet({ stamp: winner.stamp }))
          .execute();
        const value = JSON.parse(winner.value) as CellValue;
        await sql`INSERT INTO ${sql.table(table)} (id, ${sql.ref(column)}) VALUES (${row}, ${value})
          ON CONFLICT (id) DO UPDATE SET ${sql.ref(column)} = ${sql.ref(`excluded.${column}`)}`.execute(trx);
        touch(touched, table, row);
      }
      if (touched.size > 0) await this.hooks.afterApply?.(trx, touched);
      this.clock.rewindTo((await newestStampWithin(trx, ceiling)) ?? null);
    });
    this.hooks.afterCommit?.();
    this.emit(touched, 'local');
    return rewritten;
  }

  /**
   * The log after `cursor` in the order this node received it; `cursor` of the result resumes.
   * `onlyNodes` keeps changes made by those nodes (what a desk must push); `excludeNode` drops
   * one node's own changes (no echo back to the desk that made them). Filters apply to a page
   * of `limit` log rows, so a page may come back short or empty while the cursor still moves on.
   */
  async changesSince(
    cursor: number,
    options: { limit?: number; onlyNodes?: readonly string[]; excludeNode?: string } = {},
  ): Promise<{ changes: LoggedChange[]; cursor: number; more: boolean }> {
    const limit = options.limit ?? 1000;
    let q = this.db
      .selectFrom('changes')
      .select(['seq', 'stamp', 'tbl', 'row_id', 'col', 'value', 'node'])
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(limit);
    if (options.onlyNodes) {
      if (options.onlyNodes.length === 0) return { changes: [], cursor, more: false };
      q = q.where('node', 'in', [...options.onlyNodes]);
    }
    const rows = await q.execute();
    const kept = options.excludeNode ? rows.filter((r) => r.node !== options.excludeNode) : rows;
    return {
      changes: kept.map((r) => ({
        seq: Number(r.seq),
        stamp: r.stamp,
        table: r.tbl,
        row: r.row_id,
        column: r.col,
        value: JSON.parse(r.value) as CellValue,
      })),
      cursor: rows.length > 0 ? Number(rows[rows.length - 1]!.seq) : cursor,
      more: rows.length === limit,
    };
  }

  /** How many of the given nodes' changes lie after `cursor` (a desk's "changes waiting"). */
  async countSince(cursor: number, onlyNodes: readonly string[]): Promise<number> {
    if (onlyNodes.length === 0) return 0;
    const row = await this.db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('seq', '>', cursor)
      .where('node', 'in', [...onlyNodes])
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * How many saved actions those changes make: one per audit event among them (one event per
   * write), and at least one when there are changes at all (a write may skip the trail).
   */
  async actionsSince(cursor: number, onlyNodes: readonly string[]): Promise<number> {
    if (onlyNodes.length === 0) return 0;
    const row = await this.db
      .selectFrom('changes')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('row_id').distinct().filterWhere('tbl', '=', 'audit_events').as('actions')])
      .where('seq', '>', cursor)
      .where('node', 'in', [...onlyNodes])
      .executeTakeFirst();
    const changes = Number(row?.n ?? 0);
    return changes === 0 ? 0 : Math.max(1, Number(row?.actions ?? 0));
  }

  private async appendAuditEvent(tx: WriteTx, intent: WriteIntent): Promise<void> {
    const node = this.nodeId;
    const last = await tx.trx
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .where('node', '=', node)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const detail: AuditDetail = { summary: intent.summary ?? intent.action, diffs: tx.diffs };
    const event = {
      id: crypto.randomUUID(),
      node,
      seq: (last?.seq ?? 0) + 1,
      at: this.auditClock().toISOString(),
      actor: intent.actor,
      action: intent.action,
      ro_id: tx.roId,
      detail: JSON.stringify(detail),
      prev_hash: last?.hash ?? GENESIS_HASH,
    };
    const { id, ...columns } = event;
    await tx.setCells('audit_events', id, { ...columns, hash: auditHash(event) }, false);
    await setMeta(tx.trx, `audit_head:${node}`, String(event.seq));
  }

  private emit(touched: TouchedRows, origin: ChangeOrigin): void {
    if (touched.size === 0) return;
    for (const listener of this.listeners) listener(touched, origin);
  }
}

/** The newest stamp in the log at or before `ceiling` (a stampCeiling), if any. */
async function newestStampWithin(db: Kysely<WorkspaceDatabase> | Tx, ceiling: string): Promise<string | undefined> {
  const row = await db.selectFrom('changes').select('stamp').where('stamp', '<=', ceiling).orderBy('stamp', 'desc').limit(1).executeTakeFirst();
  return row?.stamp;
}

/** The next stamp of the same node after `t`. */
function successor(t: Timestamp): Timestamp {
  return t.counter >= 0xffff ? { millis: t.millis + 1, counter: 0, node: t.node } : { millis: t.millis, counter: t.counter + 1, node: t.node };
}

async function setMeta(trx: Tx, key: string, value: string): Promise<void> {
  await trx
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** The handle a write gets: reads see the transaction, sets become changes. */
export class WriteTx {
  readonly diffs: AuditRowDiff[] = [];
  readonly touched: TouchedRows = new Map();

  constructor(
    readonly trx: Tx,
    private readonly store: WorkspaceStore,
    public roId: string | null,
  ) {}

  get nodeId(): string {
    return this.store.nodeId;
  }

  async get<T extends SyncedTable>(table: T, id: string): Promise<RowOf<T> | undefined> {
    return (await sql<RowOf<T>>`SELECT * FROM ${sql.table(table)} WHERE id = ${id}`.execute(this.trx)).rows[0];
  }

  /** Creates a row and returns its id (a fresh UUID unless given). */
  async insert<T extends SyncedTable>(table: T, values: Patch<T> & { id?: string }): Promise<string> {
    const { id = crypto.randomUUID(), ...rest } = values;
    await this.setCells(table, id, rest as Record<string, CellValue>, true);
    return id;
  }

  /** Sets columns of an existing row; only values that differ become changes. */
  async update<T extends SyncedTable>(table: T, id: string, patch: Patch<T>): Promise<void> {
    if (SYNCED_TABLES[table].appendOnly) throw new Error(`${table} is append-only`);
    await this.setCells(table, id, patch as Record<string, CellValue>, true);
  }

  /** @internal */
  async setCells(table: SyncedTable, id: string, values: Record<string, CellValue>, audited: boolean): Promise<void> {
    const current = (await this.get(table, id)) as Record<string, CellValue> | undefined;
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const changes: Change[] = [];
    for (const [column, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (!Object.hasOwn(SYNCED_TABLES[table].columns, column)) throw new Error(`unknown column ${table}.${column}`);
      if (current && current[column] === value) continue;
      changes.push({ table, row: id, column, value, stamp: this.store.clock.tick() });
      const secret = SECRET_COLUMNS.has(`${table}.${column}`);
      if (current) before[column] = secret ? '(hidden)' : current[column];
      after[column] = secret ? '(hidden)' : value;
    }
    if (changes.length === 0) return;
    const outcome = await this.store.applyBatch(this.trx, changes);
    mergeTouched(this.touched, outcome.touched);
    if (audited) this.diffs.push({ table, id, before: current ? before : null, after });
  }
}

export class InvalidChangeError extends Error {
  readonly code = 'invalid-change';
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super(`Change ${index} was refused (${detail}); nothing from this batch was applied.`);
  }
}

/**
 * A pushed batch holds a stamp more than the bound ahead of the relay's clock: the PC that made
 * it has a clock running ahead. Nothing of the batch was written.
 */
export class ClockAheadError extends Error {
  readonly code = 'clock-ahead';
  constructor(
    /** How far the furthest stamp of the batch is ahead of this node's clock. */
    readonly aheadMs: number,
    /** This node's clock when it refused (milliseconds since 1970). */
    readonly time: number,
  ) {
    super(
      `This PC's clock is ${describeDuration(aheadMs)} ahead of the shop's relay; nothing from this batch was saved. ` +
        'Fix the date and time on this PC; its changes wait there until then.',
    );
  }
}

/** Rows per multi-row statement; SQLite allows 32,766 parameters, PostgreSQL 65,535. */
const CHUNK = 400;
/** Parameters per multi-row upsert of synced rows (id plus the columns set, per row). */
const UPSERT_PARAMS = 3200;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const cellKey = (table: string, row: string, column: string) => `${table}\u0000${row}\u0000${column}`;

/** Adds `row` of `table` to `touched`. */
export function touch(touched: TouchedRows, table: SyncedTable, row: string): void {
  let set = touched.get(table);
  if (!set) touched.set(table, (set = new Set()));
  set.add(row);
}

/**
 * The portable applier (any Kysely engine; the relay on PostgreSQL uses it): log what is new
 * (the unique key drops duplicates), keep the newest stamp per cell, compare with the stamps
 * the cells hold (one query for all tables), and write the winners with one multi-row upsert
 * per table and set of columns. Each step is a statement per few hundred rows, so a batch
 * costs a handful of round trips whatever its size.
 */
export async function applyChangesPortably(trx: Tx, changes: readonly Change[]): Promise<ApplyOutcome> {
  const touched: TouchedRows = new Map();
  // 1. The log: only changes it did not already hold come back.
  const fresh: LoggedChange[] = [];
  for (const part of chunks(changes)) {
    const inserted = await trx
      .insertInto('changes')
      .values(
        part.map((c) => ({
          stamp: c.stamp,
          tbl: c.table,
          row_id: c.row,
          col: c.column,
          value: JSON.stringify(c.value),
          node: nodeOfStamp(c.stamp),
        })),
      )
      .onConflict((oc) => oc.columns(['stamp', 'tbl', 'row_id', 'col']).doNothing())
      .returning(['seq', 'stamp', 'tbl', 'row_id', 'col'])
      .execute();
    const seqs = new Map(inserted.map((r) => [`${r.stamp}\u0000${cellKey(r.tbl, r.row_id, r.col)}`, Number(r.seq)]));
    for (const c of part) {
      const key = `${c.stamp}\u0000${cellKey(c.table, c.row, c.column)}`;
      const seq = seqs.get(key);
      if (seq === undefined) continue;
      seqs.delete(key);
      fresh.push({ ...c, seq });
    }
  }
  fresh.sort((x, y) => x.seq - y.seq);
  if (fresh.length === 0) return { fresh, applied: 0, touched };

  // 2. Per cell, the newest of the fresh changes.
  const newest = new Map<string, Change>();
  for (const c of fresh) {
    const key = cellKey(c.table, c.row, c.column);
    const seen = newest.get(key);
    if (!seen || seen.stamp < c.stamp) newest.set(key, c);
  }

  // 3. What the cells hold now, for every table at once; a fresh change wins only over an older stamp.
  const rowKeys = new Map<string, { table: string; row: string }>();
  for (const c of newest.values()) rowKeys.set(`${c.table}\u0000${c.row}`, { table: c.table, row: c.row });
  const held = new Map<string, string>();
  for (const part of chunks([...rowKeys.values()])) {
    const byTable = new Map<string, string[]>();
    for (const { table, row } of part) {
      const rows = byTable.get(table);
      if (rows) rows.push(row);
      else byTable.set(table, [row]);
    }
    const current = await trx
      .selectFrom('cell_stamps')
      .select(['tbl', 'row_id', 'col', 'stamp'])
      .where((eb) => eb.or([...byTable].map(([table, rows]) => eb.and([eb('tbl', '=', table), eb('row_id', 'in', rows)]))))
      .execute();
    for (const r of current) held.set(cellKey(r.tbl, r.row_id, r.col), r.stamp);
  }
  const winners = [...newest.entries()]
    .filter(([key, c]) => {
      const stamp = held.get(key);
      return stamp === undefined || stamp < c.stamp;
    })
    .map(([, c]) => c);
  if (winners.length === 0) return { fresh, applied: 0, touched };

  // 4. Record the new stamps, then write the values: rows with the same columns share a statement.
  for (const part of chunks(winners)) {
    await trx
      .insertInto('cell_stamps')
      .values(part.map((c) => ({ tbl: c.table, row_id: c.row, col: c.column, stamp: c.stamp })))
      .onConflict((oc) => oc.columns(['tbl', 'row_id', 'col']).doUpdateSet((eb) => ({ stamp: eb.ref('excluded.stamp') })))
      .execute();
  }
  const groups = groupRows(winners, touched);
  for (const { table, columns, rows } of groups) {
    const updates = columns.map((col) => sql`${sql.ref(col)} = ${sql.ref(`excluded.${col}`)}`);
    for (const part of chunks(rows, Math.floor(UPSERT_PARAMS / (columns.length + 1)))) {
      const tuples = part.map(({ row, values }) => sql`(${sql.join([row, ...values])})`);
      await sql`INSERT INTO ${sql.table(table)} (id, ${sql.join(columns.map((col) => sql.ref(col)))}) VALUES ${sql.join(tuples)}
        ON CONFLICT (id) DO UPDATE SET ${sql.join(updates)}`.execute(trx);
    }
  }
  return { fresh, applied: winners.length, touched };
}

/** The winning cells grouped by row, each row once (in first-seen order). */
export interface RowGroup {
  table: SyncedTable;
  columns: string[];
  rows: Array<{ row: string; values: CellValue[] }>;
}

/** Winning cells as rows, grouped by table and column set (one multi-row upsert each); marks them touched. */
export function groupRows(winners: readonly Change[], touched: TouchedRows): RowGroup[] {
  const groups = new Map<string, RowGroup>();
  for (const { table, row, cells } of rowsOf(winners)) {
    const columns = cells.map((c) => c.column).sort();
    const key = `${table}\u0000${columns.join(',')}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { table, columns, rows: [] }));
    const byColumn = new Map(cells.map((c) => [c.column, c.value]));
    group.rows.push({ row, values: columns.map((col) => byColumn.get(col) ?? null) });
    touch(touched, table, row);
  }
  return [...groups.values()];
}

export function rowsOf(winners: readonly Change[]): Array<{ table: SyncedTable; row: string; cells: Change[] }> {
  const rows = new Map<string, { table: SyncedTable; row: string; cells: Change[] }>();
  for (const c of winners) {
    const key = `${c.table}\u0000${c.row}`;
    let entry = rows.get(key);
    if (!entry) rows.set(key, (entry = { table: c.table as SyncedTable, row: c.row, cells: [] }));
    entry.cells.push(c);
  }
  return [...rows.values()];
}

function mergeTouched(into: TouchedRows, from: TouchedRows): void {
  for (const [table, rows] of from) {
    let set = into.get(table);
    if (!set) into.set(table, (set = new Set()));
    for (const r of rows) set.add(r);
  }
}
