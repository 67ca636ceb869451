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
      const outcome = await applyChanges(trx, parsed);
      result = { received: parsed.length, logged: outcome.logged, applied: outcome.applied };
      touched = outcome.touched;
      for (const c of parsed) this.clock.observe(c.stamp);
      if (touched.size > 0) await this.hooks.afterApply?.(trx, touched);
    });
    this.emit(touched);
    return result;
  }

  /** The log after `cursor` in the order this node received it; `cursor` of the result resumes. */
  async changesSince(
    cursor: number,
    options: { limit?: number; onlyNode?: string } = {},
  ): Promise<{ changes: LoggedChange[]; cursor: number }> {
    let q = this.db
      .selectFrom('changes')
      .select(['seq', 'stamp', 'tbl', 'row_id', 'col', 'value'])
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(options.limit ?? 1000);
    if (options.onlyNode) q = q.where('node', '=', options.onlyNode);
    const rows = await q.execute();
    return {
      changes: rows.map((r) => ({
        seq: r.seq,
        stamp: r.stamp,
        table: r.tbl,
        row: r.row_id,
        column: r.col,
        value: JSON.parse(r.value) as CellValue,
      })),
      cursor: rows.length > 0 ? rows[rows.length - 1]!.seq : cursor,
    };
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

async function applyChanges(
  trx: Tx,
  changes: Change[],
): Promise<{ logged: number; applied: number; touched: TouchedRows }> {
  const touched: TouchedRows = new Map();
  let logged = 0;
  let applied = 0;
  for (const c of changes) {
    const inserted = await trx
      .insertInto('changes')
      .values({
        stamp: c.stamp,
        tbl: c.table,
        row_id: c.row,
        col: c.column,
        value: JSON.stringify(c.value),
        node: nodeOfStamp(c.stamp),
      })
      .onConflict((oc) => oc.columns(['stamp', 'tbl', 'row_id', 'col']).doNothing())
      .returning('seq')
      .executeTakeFirst();
    if (!inserted) continue;
    logged += 1;
    const current = await trx
      .selectFrom('cell_stamps')
      .select('stamp')
      .where('tbl', '=', c.table)
      .where('row_id', '=', c.row)
      .where('col', '=', c.column)
      .executeTakeFirst();
    if (current && current.stamp >= c.stamp) continue;
    await trx
      .insertInto('cell_stamps')
      .values({ tbl: c.table, row_id: c.row, col: c.column, stamp: c.stamp })
      .onConflict((oc) => oc.columns(['tbl', 'row_id', 'col']).doUpdateSet({ stamp: c.stamp }))
      .execute();
    const column = sql.ref(c.column);
    await sql`INSERT INTO ${sql.table(c.table)} (id, ${column}) VALUES (${c.row}, ${c.value})
      ON CONFLICT (id) DO UPDATE SET ${column} = ${sql.ref(`excluded.${c.column}`)}`.execute(trx);
    applied += 1;
    const table = c.table as SyncedTable;
    let rows = touched.get(table);
    if (!rows) touched.set(table, (rows = new Set()));
    rows.add(c.row);
  }
  return { logged, applied, touched };
}

function mergeTouched(into: TouchedRows, from: TouchedRows): void {
  for (const [table, rows] of from) {
    let set = into.get(table);
    if (!set) into.set(table, (set = new Set()));
    for (const r of rows) set.add(r);
  }
}
