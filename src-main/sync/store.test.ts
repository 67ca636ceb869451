// The mutation layer's promises to the sync that builds on it: idempotent, order-free,
// all-or-nothing on bad input, and a cursor that resumes where it stopped.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { InvalidChangeError } from '../../src-shared/sync/store.js';
import { SAFETY_PAGES } from '../../src-shared/db/wal-checkpoint.js';
import { openWorkspaceDb, type WorkspaceDb } from '../db/workspace-db.js';
import { tempDir } from '../testing/temp-desk.js';

const opened: WorkspaceDb[] = [];
async function node(): Promise<WorkspaceDb> {
  const w = await openWorkspaceDb(path.join(tempDir(), 'shop.sqlite'));
  opened.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.close()));
});

const dump = (w: WorkspaceDb) =>
  Object.fromEntries(Object.keys(SYNCED_TABLES).map((t) => [t, w.sqlite.prepare(`SELECT * FROM ${t} ORDER BY id`).all()]));
const wire = (changes: Array<{ seq: number }>) => changes.map(({ seq: _seq, ...c }) => c);

describe('WorkspaceStore', () => {
  it('applying the same changes twice changes nothing the second time', async () => {
    const a = await node();
    const b = await node();
    await a.store.write({ actor: 'system', action: 'customer-create' }, (tx) =>
      tx.insert('customers', { id: 'c1', first_name: 'Ana', last_name: 'Silva' }),
    );
    const { changes } = await a.store.changesSince(0);
    const first = await b.store.applyRemote(wire(changes));
    const tablesAfterFirst = dump(b);
    const second = await b.store.applyRemote(wire(changes));
    expect(first.applied).toBeGreaterThan(0);
    expect(second).toEqual({ received: changes.length, logged: 0, applied: 0 });
    expect(dump(b)).toEqual(tablesAfterFirst);
  });

  it('the later edit of a cell wins, whichever arrives first', async () => {
    const a = await node();
    const b = await node();
    const c = await node();
    await a.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { id: 'c1', first_name: 'Ana' }));
    await b.store.applyRemote(wire((await a.store.changesSince(0)).changes));
    await b.store.write({ actor: 'system', action: 't' }, (tx) => tx.update('customers', 'c1', { first_name: 'Anna' }));
    const fromA = wire((await a.store.changesSince(0)).changes);
    const fromB = wire((await b.store.changesSince(0, { onlyNodes: [b.nodeId] })).changes);
    await c.store.applyRemote(fromB); // the newer edit first
    await c.store.applyRemote(fromA); // the older one late
    const name = () => c.sqlite.prepare("SELECT first_name FROM customers WHERE id = 'c1'").get();
    expect(name()).toEqual({ first_name: 'Anna' });
  });

  it('refuses a whole batch when one change is bad, and says which', async () => {
    const a = await node();
    const good = { table: 'customers', row: 'c1', column: 'first_name', value: 'Ana', stamp: '001700000000000-0000-00000000000000aa' };
    const bad = { ...good, column: 'password', stamp: '001700000000001-0000-00000000000000aa' };
    await expect(a.store.applyRemote([good, bad])).rejects.toThrow(InvalidChangeError);
    await expect(a.store.applyRemote([good, bad])).rejects.toThrow(/Change 1 was refused \(column: unknown column customers.password\)/);
    expect(a.sqlite.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 0 });
    expect(a.sqlite.prepare('SELECT count(*) AS n FROM changes').get()).toEqual({ n: 0 });
  });

  it('refuses a value of the wrong type for its column', async () => {
    const a = await node();
    const change = { table: 'repair_orders', row: 'r1', column: 'ro_number', value: '1001; DROP TABLE', stamp: '001700000000000-0000-00000000000000aa' };
    await expect(a.store.applyRemote([change])).rejects.toThrow(/holds whole numbers/);
  });

  it('changesSince resumes from its cursor without skipping or repeating', async () => {
    const a = await node();
    for (let i = 0; i < 5; i++) {
      await a.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('notes', { ro_id: 'r1', body: `note ${i}` }));
    }
    const all = (await a.store.changesSince(0, { limit: 10_000 })).changes;
    const seen: number[] = [];
    let cursor = 0;
    for (;;) {
      const page = await a.store.changesSince(cursor, { limit: 3 });
      if (page.changes.length === 0) break;
      seen.push(...page.changes.map((c) => c.seq));
      cursor = page.cursor;
    }
    expect(seen).toEqual(all.map((c) => c.seq));
  });

  it('history tables cannot be edited, only appended to', async () => {
    const a = await node();
    await expect(
      a.store.write({ actor: 'system', action: 't' }, async (tx) => {
        const id = await tx.insert('stage_events', { ro_id: 'r1', stage: 'estimate' });
        await tx.update('stage_events' as never, id, { stage: 'delivered' } as never);
      }),
    ).rejects.toThrow('stage_events is append-only');
    expect(a.sqlite.prepare('SELECT count(*) AS n FROM stage_events').get()).toEqual({ n: 0 });
  });

  it('a pulled page and its cursor commit together, without waiting for the disk; writes around it stay FULL', async () => {
    const a = await node();
    const b = await node();
    await a.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { id: 'c1', first_name: 'Ana' }));
    const { changes, cursor } = await a.store.changesSince(0);
    const level = () => b.sqlite.pragma('synchronous', { simple: true });
    const levels: unknown[] = [];
    // A write already under way when the page comes, and one that starts while it is applied.
    const before = b.store.write({ actor: 'system', action: 't' }, async (tx) => {
      await tx.insert('notes', { ro_id: 'r1', body: 'before' });
      levels.push(level());
    });
    const pulled = b.store.applyRemote(wire(changes), { meta: { 'sync:pull_cursor': String(cursor) }, durable: false });
    const after = b.store.write({ actor: 'system', action: 't' }, async (tx) => {
      levels.push(level());
      await tx.insert('notes', { ro_id: 'r1', body: 'after' });
    });
    await Promise.all([before, pulled, after]);
    expect(levels).toEqual([2, 2]); // 2 = FULL
    expect(level()).toBe(2);
    expect(b.sqlite.prepare("SELECT value FROM meta WHERE key = 'sync:pull_cursor'").get()).toEqual({ value: String(cursor) });
    expect(b.sqlite.prepare("SELECT first_name FROM customers WHERE id = 'c1'").get()).toEqual({ first_name: 'Ana' });
  });

  it('a catch-up in pages lands whole, and between its pages the desk\'s own writes keep their checkpoints and disk waits', async () => {
    const a = await node();
    const b = await node();
    for (let w = 0; w < 30; w++) {
      await a.store.write({ actor: 'system', action: 't' }, async (tx) => {
        for (let n = 0; n < 20; n++) await tx.insert('notes', { ro_id: 'r1', body: `note ${w}.${n} ${'about the rental car '.repeat(20)}` });
      });
    }
    const { changes } = await a.store.changesSince(0, { limit: 100_000 });
    const autocheckpoint = () => b.sqlite.pragma('wal_autocheckpoint', { simple: true });
    const third = Math.ceil(changes.length / 3);
    const pages = [changes.slice(0, third), changes.slice(third, 2 * third), changes.slice(2 * third)];
    for (const [i, page] of pages.entries()) {
      const morePages = i < pages.length - 1;
      await b.store.applyRemote(wire(page), { meta: { 'sync:pull_cursor': String(page.at(-1)!.seq) }, durable: false, morePages });
      // Between pages the desk's own writes keep the usual checkpoints (on the worker thread, with
      // SQLite's inline one as the backstop) and disk waits.
      expect(autocheckpoint()).toBe(SAFETY_PAGES);
      expect(b.sqlite.pragma('synchronous', { simple: true })).toBe(2);
      // A write made between two pages is durable as ever (synchronous stays FULL inside it).
      await b.store.write({ actor: 'system', action: 't' }, async (tx) => {
        expect(b.sqlite.pragma('synchronous', { simple: true })).toBe(2);
        await tx.insert('customers', { first_name: `Between ${i}` });
      });
    }
    expect(b.sqlite.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 600 });
    expect(b.sqlite.prepare("SELECT value FROM meta WHERE key = 'sync:pull_cursor'").get()).toEqual({ value: String(changes.at(-1)!.seq) });
    expect(b.sqlite.prepare("SELECT count(*) AS n FROM customers WHERE first_name LIKE 'Between %'").get()).toEqual({ n: 3 });
  });

  it('resumes its clock past every stamp it logged, after a restart', async () => {
    const file = path.join(tempDir(), 'shop.sqlite');
    const first = await openWorkspaceDb(file);
    await first.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { first_name: 'Ana' }));
    const last = (await first.store.changesSince(0)).changes.at(-1)!.stamp;
    await first.close();
    const again = await openWorkspaceDb(file);
    opened.push(again);
    expect(again.store.clock.tick() > last).toBe(true);
  });
});
