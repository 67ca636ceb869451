// The search index behind search-as-you-type: one FTS5 document per repair order (RO number,
// claim number, customer name and phone, plate, VIN) and one per customer. Kept current inside
// the same transaction as the change that touched the rows.
import type BetterSqlite3 from 'better-sqlite3';
import { phoneSearchForms } from '../../src-shared/phone.js';
import { statement } from '../../src-shared/db/statement-cache.js';

type Db = BetterSqlite3.Database;
export type SearchKind = 'ro' | 'customer';

/** Letters FTS5 does not treat as accented, spelled the way people type them on a US keyboard. */
const PLAIN_LETTERS: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ß: 'ss', ı: 'i' };

/** Letters and digits of one word, lower case: "O'Brien" → "obrien", "555-0134" → "5550134", "Øyvind" → "oyvind". */
export function collapseWord(word: string): string {
  return word
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/[øæœłđðþßı]/g, (ch) => PLAIN_LETTERS[ch]!);
}

/**
 * The tokens a value is found by: each word with punctuation dropped, each part between
 * punctuation, and the whole value run together ("TX-9087 B" → tx9087, tx, 9087, b, tx9087b),
 * so a person finds it however they type the separators.
 */
function tokensOf(text: string | null | undefined): string[] {
  if (!text) return [];
  const words = text.split(/\s+/).map(collapseWord).filter(Boolean);
  const parts = text.split(/[^\p{L}\p{N}]+/u).map(collapseWord).filter(Boolean);
  const joined = words.join('');
  return [...words, ...parts, ...(words.length > 1 ? [joined] : [])];
}

interface RoSource {
  ro_number: number | null;
  claim_number: string | null;
  first_name: string | null;
  last_name: string | null;
  mobile: string | null;
  email: string | null;
  plate: string | null;
  vin: string | null;
}

export function roTokens(r: RoSource): string {
  const tokens = [
    ...(r.ro_number != null ? [String(r.ro_number)] : []),
    ...tokensOf(r.claim_number),
    ...tokensOf(r.first_name),
    ...tokensOf(r.last_name),
    ...(r.mobile ? phoneSearchForms(r.mobile) : []),
    ...(r.email ? [collapseWord(r.email.split('@')[0]!)] : []),
    ...tokensOf(r.plate),
    ...(r.vin ? [collapseWord(r.vin), collapseWord(r.vin).slice(-6), collapseWord(r.vin).slice(-8)] : []),
  ];
  return [...new Set(tokens)].join(' ');
}

function customerTokens(c: { first_name: string | null; last_name: string | null; mobile: string | null; email: string | null }): string {
  const tokens = [
    ...tokensOf(c.first_name),
    ...tokensOf(c.last_name),
    ...(c.mobile ? phoneSearchForms(c.mobile) : []),
    ...(c.email ? [collapseWord(c.email.split('@')[0]!), collapseWord(c.email)] : []),
  ];
  return [...new Set(tokens)].join(' ');
}

/**
 * Turns what a person typed into an FTS5 query: every word must match the start of a token.
 * Digits typed in groups ("(512) 555-01") may also be one number begun, so they match run together too.
 */
export function toMatchQuery(typed: string): string | null {
  const words = typed.split(/\s+/).map(collapseWord).filter(Boolean);
  if (words.length === 0) return null;
  const each = words.map((w) => `"${w}"*`).join(' AND ');
  if (words.length > 1 && words.every((w) => /^\d+$/.test(w))) return `(${each}) OR "${words.join('')}"*`;
  return each;
}

const RO_SOURCE_SQL = `
  SELECT r.id, r.ro_number, r.claim_number, c.first_name, c.last_name, c.mobile, c.email, v.plate, v.vin
  FROM repair_orders r
  LEFT JOIN customers c ON c.id = r.customer_id
  LEFT JOIN vehicles v ON v.id = r.vehicle_id`;

/**
 * What each recently indexed document holds, per database, as committed: a stage move or a note
 * touches the repair order's row but none of its indexed values, and writing the same FTS5
 * document again costs a delete and an insert in five prefix indexes plus the segment merges they
 * set off (most of a stage move's slow tail). Bounded: only the most recent documents are kept.
 */
const committed = new WeakMap<Db, Map<string, string>>();
/** Documents written by a transaction not known to be committed yet, by that transaction's key. */
const pending = new WeakMap<object, Array<{ db: Db; key: string; tokens: string }>>();
const REMEMBERED_DOCUMENTS = 4096;

function remembered(db: Db): Map<string, string> {
  let map = committed.get(db);
  if (!map) committed.set(db, (map = new Map()));
  return map;
}

/**
 * Writes the document unless the last committed write of it held the same tokens. With a
 * `batch` key the write is remembered once `searchIndexCommitted(batch)` says the transaction
 * committed; a transaction that rolled back is never remembered, so its documents are written again.
 */
function indexIfChanged(db: Db, kind: SearchKind, refId: string, tokens: string, batch: object | undefined): void {
  const key = `${kind}:${refId}`;
  const known = remembered(db);
  if (batch && known.get(key) === tokens) return;
  known.delete(key);
  indexDocument(db, kind, refId, tokens);
  if (!batch) return;
  const list = pending.get(batch);
  if (list) list.push({ db, key, tokens });
  else pending.set(batch, [{ db, key, tokens }]);
}

/** The transaction that called `reindexTouched` with this `batch` committed: its documents are as written. */
export function searchIndexCommitted(batch: object): void {
  const list = pending.get(batch);
  if (!list) return;
  pending.delete(batch);
  for (const { db, key, tokens } of list) {
    const known = remembered(db);
    known.delete(key);
    known.set(key, tokens);
    if (known.size > REMEMBERED_DOCUMENTS) known.delete(known.keys().next().value!);
  }
}

function indexDocument(db: Db, kind: SearchKind, refId: string, tokens: string): void {
  const table = kind === 'ro' ? 'ro_search' : 'customer_search';
  const existing = statement(db, 'SELECT rowid FROM search_rows WHERE kind = ? AND ref_id = ?').get(kind, refId) as
    | { rowid: number }
    | undefined;
  let rowid: number;
  if (existing) {
    rowid = existing.rowid;
    statement(db, `DELETE FROM ${table} WHERE rowid = ?`).run(rowid);
  } else {
    rowid = Number(statement(db, 'INSERT INTO search_rows (kind, ref_id) VALUES (?, ?)').run(kind, refId).lastInsertRowid);
  }
  statement(db, `INSERT INTO ${table} (rowid, tokens) VALUES (?, ?)`).run(rowid, tokens);
}

/** Re-indexes the repair orders and customers affected by changes to the given rows. */
export function reindexTouched(
  db: Db,
  touched: { customers?: Iterable<string>; vehicles?: Iterable<string>; repair_orders?: Iterable<string> },
  /** The transaction's key for `searchIndexCommitted`: documents whose tokens did not change are then skipped. */
  batch?: object,
): void {
  const roIds = new Set<string>(touched.repair_orders ?? []);
  const customerIds = new Set<string>(touched.customers ?? []);
  const byCustomer = statement(db, 'SELECT id FROM repair_orders WHERE customer_id = ?');
  const byVehicle = statement(db, 'SELECT id FROM repair_orders WHERE vehicle_id = ?');
  for (const id of customerIds) for (const r of byCustomer.all(id) as { id: string }[]) roIds.add(r.id);
  for (const id of touched.vehicles ?? []) for (const r of byVehicle.all(id) as { id: string }[]) roIds.add(r.id);

  const roSource = statement(db, `${RO_SOURCE_SQL} WHERE r.id = ?`);
  for (const id of roIds) {
    const row = roSource.get(id) as (RoSource & { id: string }) | undefined;
    if (row) indexIfChanged(db, 'ro', id, roTokens(row), batch);
  }
  const customerSource = statement(db, 'SELECT id, first_name, last_name, mobile, email FROM customers WHERE id = ?');
  for (const id of customerIds) {
    const row = customerSource.get(id) as Parameters<typeof customerTokens>[0] | undefined;
    if (row) indexIfChanged(db, 'customer', id, customerTokens(row), batch);
  }
}

/** Empties and refills the whole index, oldest repair orders first so the newest rank first. */
export function rebuildSearchIndex(db: Db): void {
  committed.delete(db);
  db.exec('DELETE FROM search_rows; DELETE FROM ro_search; DELETE FROM customer_search;');
  const insertRow = db.prepare('INSERT INTO search_rows (kind, ref_id) VALUES (?, ?)');
  const insertRo = db.prepare('INSERT INTO ro_search (rowid, tokens) VALUES (?, ?)');
  const insertCustomer = db.prepare('INSERT INTO customer_search (rowid, tokens) VALUES (?, ?)');
  for (const row of db.prepare(`${RO_SOURCE_SQL} ORDER BY r.ro_number, r.id`).all() as Array<RoSource & { id: string }>) {
    const rowid = insertRow.run('ro', row.id).lastInsertRowid;
    insertRo.run(rowid, roTokens(row));
  }
  const customers = db.prepare('SELECT id, first_name, last_name, mobile, email FROM customers ORDER BY created_at, id');
  for (const row of customers.all() as Array<Parameters<typeof customerTokens>[0] & { id: string }>) {
    const rowid = insertRow.run('customer', row.id).lastInsertRowid;
    insertCustomer.run(rowid, customerTokens(row));
  }
}

/** Ids of matching documents, newest first. */
export function searchIds(db: Db, kind: SearchKind, typed: string, limit: number): string[] {
  const match = toMatchQuery(typed);
  if (!match) return [];
  const words = typed.split(/\s+/).map(collapseWord).filter(Boolean);
  if (words.length > 1 && words.every((w) => /^\d+$/.test(w))) {
    // Digits typed in groups ("(469) 555-01"): when the number run together already fills the
    // list, those are the answer. Matching each group on its own as well would merge the postings
    // of every token that starts like a group (every phone has a 555 and an 01…), which in a big
    // shop costs more than the person waits between two keys.
    const together = matching(db, kind, `"${words.join('')}"*`, limit);
    if (together.length === limit) return together;
  }
  return matching(db, kind, match, limit);
}

function matching(db: Db, kind: SearchKind, match: string, limit: number): string[] {
  const table = kind === 'ro' ? 'ro_search' : 'customer_search';
  const rows = statement(
    db,
    `SELECT s.ref_id AS id FROM ${table} f JOIN search_rows s ON s.rowid = f.rowid
       WHERE ${table} MATCH ? ORDER BY f.rowid DESC LIMIT ?`,
  ).all(match, limit) as { id: string }[];
  return rows.map((r) => r.id);
}
