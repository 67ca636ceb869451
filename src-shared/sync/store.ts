// The one mutation layer. Every write on any node (desk or relay) goes through WorkspaceStore:
// it turns the write into stamped cell changes, logs them and applies them in one transaction.
// Remote changes are applied by the same code, so order and duplicates never matter:
// per cell, the highest stamp wins; a change already in the log is skipped.
import { type Kysely, type Transaction, sql } from 'kysely';
import { auditHash, GENESIS_HASH, type AuditDetail, type AuditRowDiff } from './audit-chain.js';
import { type CellValue, type Change, changeSchema, type LoggedChange } from './change.js';
import { HybridClock, nodeOfStamp } from './hlc.js';
import type { RowOf, WorkspaceDatabase } from './rows.js';
import { SYNCED_TABLES, type SyncedTable } from './tables.js';

export type Tx = Transaction<WorkspaceDatabase>;

/** Rows touched by one transaction, as "table" → set of row ids. */
export type TouchedRows = Map<SyncedTable, Set<string>>;

export interface StoreHooks {
  /**
   * Runs first in every writing transaction. Where several connections share one database
   * (the relay on PostgreSQL) it takes a per-workspace lock, so log sequence numbers are
   * handed out in commit order and no cursor can skip a change committed late.
   */
  lock?: (trx: Tx) => Promise<void>;
  /** Runs inside the transaction after changes are applied (the desk keeps its search index here). */
  afterApply?: (trx: Tx, touched: TouchedRows) => Promise<void>;
}

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
  private readonly listeners = new Set<(touched: TouchedRows) => void>();

  private constructor(
    readonly db: Kysely<WorkspaceDatabase>,
    readonly clock: HybridClock,
    private readonly hooks: StoreHooks,
  ) {}

  /** Opens the store on a migrated database; the clock resumes past every stamp in the log. */
  static async open(db: Kysely<WorkspaceDatabase>, nodeId: string, hooks: StoreHooks = {}): Promise<WorkspaceStore> {
    const clock = new HybridClock(nodeId);
    const last = await db.selectFrom('changes').select('stamp').orderBy('stamp', 'desc').limit(1).executeTakeFirst();
    if (last) clock.observe(last.stamp);
    return new WorkspaceStore(db, clock, hooks);
  }

  get nodeId(): string {
    return this.clock.node;
  }

  /** Called after every committed transaction that changed something, local or remote. */
  onChange(listener: (touched: TouchedRows) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `fn` in one transaction; what it sets becomes logged changes and one audit event. */
  async write<T>(intent: WriteIntent, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    let touched: TouchedRows = new Map();
    const result = await this.db.transaction().execute(async (trx) => {
      await this.hooks.lock?.(trx);
      const tx = new WriteTx(trx, this, intent.roId ?? null);
      const value = await fn(tx);
      if (intent.audit !== false && tx.diffs.length > 0) {
        await this.appendAuditEvent(tx, intent);
      }
      touched = tx.touched;
      if (touched.size > 0) await this.hooks.afterApply?.(trx, touched);
      return value;
    });
    this.emit(touched);
    return result;
  }

  /** Applies changes from another node. Invalid changes are refused before anything is written. */
  async applyRemote(changes: unknown[]): Promise<ApplyResult> {
    const parsed: Change[] = changes.map((c, i) => {
      const r = changeSchema.safeParse(c);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new InvalidChangeError(i, `${issue.path.join('.') || 'change'}: ${issue.message}`);
      }
      return r.data;
    });
    let result: ApplyResult = { received: parsed.length, logged: 0, applied: 0 };
    let touched: TouchedRows = new Map();
    await this.db.transaction().execute(async (trx) => {
      await this.hooks.lock?.(trx);
      const outcome = await applyChanges(trx, parsed);
      result = { received: parsed.length, logged: outcome.logged, applied: outcome.applied };
      touched = outcome.touched;
      for (const c of parsed) this.clock.observe(c.stamp);
      if (touched.size > 0) await this.hooks.afterApply?.(trx, touched);
    });
    this.emit(touched);
    return result;
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
      at: new Date().toISOString(),
      actor: intent.actor,
      action: intent.action,
      ro_id: tx.roId,
      detail: JSON.stringify(detail),
      prev_hash: last?.hash ?? GENESIS_HASH,
    };
    const { id, ...columns } = event;
    await tx.setCells('audit_events', id, { ...columns, hash: auditHash(event) }, false);
    await tx.trx
      .insertInto('meta')
      .values({ key: `audit_head:${node}`, value: String(event.seq) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(event.seq) }))
      .execute();
  }

  private emit(touched: TouchedRows): void {
    if (touched.size === 0) return;
    for (const listener of this.listeners) listener(touched);
  }
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
    const outcome = await applyChanges(this.trx, changes);
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

/** Rows per multi-row statement; SQLite allows 32,766 parameters, PostgreSQL 65,535. */
const CHUNK = 400;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const cellKey = (table: string, row: string, column: string) => `${table}\u0000${row}\u0000${column}`;

/**
 * Logs and applies a batch in a handful of statements: log what is new (the unique key drops
 * duplicates), keep the newest stamp per cell, compare with the stamps the cells hold, and
 * write the winners one upsert per row.
 */
async function applyChanges(
  trx: Tx,
  changes: Change[],
): Promise<{ logged: number; applied: number; touched: TouchedRows }> {
  const touched: TouchedRows = new Map();
  // 1. The log: only changes it did not already hold come back.
  const fresh: Change[] = [];
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
      .returning(['stamp', 'tbl', 'row_id', 'col'])
      .execute();
    const keys = new Set(inserted.map((r) => `${r.stamp}\u0000${cellKey(r.tbl, r.row_id, r.col)}`));
    for (const c of part) {
      const key = `${c.stamp}\u0000${cellKey(c.table, c.row, c.column)}`;
      if (keys.delete(key)) fresh.push(c);
    }
  }
  if (fresh.length === 0) return { logged: 0, applied: 0, touched };

  // 2. Per cell, the newest of the fresh changes.
  const newest = new Map<string, Change>();
  for (const c of fresh) {
    const key = cellKey(c.table, c.row, c.column);
    const seen = newest.get(key);
    if (!seen || seen.stamp < c.stamp) newest.set(key, c);
  }

  // 3. What the cells hold now; a fresh change wins only over an older stamp.
  const byTable = new Map<string, Set<string>>();
  for (const c of newest.values()) {
    let rows = byTable.get(c.table);
    if (!rows) byTable.set(c.table, (rows = new Set()));
    rows.add(c.row);
  }
  const held = new Map<string, string>();
  for (const [table, rows] of byTable) {
    for (const part of chunks([...rows])) {
      const current = await trx
        .selectFrom('cell_stamps')
        .select(['row_id', 'col', 'stamp'])
        .where('tbl', '=', table)
        .where('row_id', 'in', part)
        .execute();
      for (const r of current) held.set(cellKey(table, r.row_id, r.col), r.stamp);
    }
  }
  const winners = [...newest.entries()].filter(([key, c]) => {
    const stamp = held.get(key);
    return stamp === undefined || stamp < c.stamp;
  });
  if (winners.length === 0) return { logged: fresh.length, applied: 0, touched };

  // 4. Record the new stamps, then write the values, one statement per row.
  for (const part of chunks(winners.map(([, c]) => c))) {
    await trx
      .insertInto('cell_stamps')
      .values(part.map((c) => ({ tbl: c.table, row_id: c.row, col: c.column, stamp: c.stamp })))
      .onConflict((oc) => oc.columns(['tbl', 'row_id', 'col']).doUpdateSet((eb) => ({ stamp: eb.ref('excluded.stamp') })))
      .execute();
  }
  const rowsToWrite = new Map<string, { table: SyncedTable; row: string; cells: Change[] }>();
  for (const [, c] of winners) {
    const key = `${c.table}\u0000${c.row}`;
    let entry = rowsToWrite.get(key);
    if (!entry) rowsToWrite.set(key, (entry = { table: c.table as SyncedTable, row: c.row, cells: [] }));
    entry.cells.push(c);
  }
  for (const { table, row, cells } of rowsToWrite.values()) {
    const columns = cells.map((c) => sql.ref(c.column));
    const values = cells.map((c) => sql`${c.value}`);
    const updates = cells.map((c) => sql`${sql.ref(c.column)} = ${sql.ref(`excluded.${c.column}`)}`);
    await sql`INSERT INTO ${sql.table(table)} (id, ${sql.join(columns)}) VALUES (${row}, ${sql.join(values)})
      ON CONFLICT (id) DO UPDATE SET ${sql.join(updates)}`.execute(trx);
    let set = touched.get(table);
    if (!set) touched.set(table, (set = new Set()));
    set.add(row);
  }
  return { logged: fresh.length, applied: winners.length, touched };
}

function mergeTouched(into: TouchedRows, from: TouchedRows): void {
  for (const [table, rows] of from) {
    let set = into.get(table);
    if (!set) into.set(table, (set = new Set()));
    for (const r of rows) set.add(r);
  }
}
