// The relay's one workspace pool on real PostgreSQL: every workspace borrows connections from the
// same small pool, yet each sees only its own schema, and the relay's connection count stays at
// the pool size however many shops it opens.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { APPLICATION_NAME, LISTEN_APPLICATION_NAME, openPostgresStorage, workspacePoolMax } from './postgres.js';
import type { RelayStorage } from './types.js';

const databases: TestDatabase[] = [];
const opened: RelayStorage[] = [];
const savedPoolMax = process.env.BAYLINE_PG_POOL_MAX;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  if (savedPoolMax === undefined) delete process.env.BAYLINE_PG_POOL_MAX;
  else process.env.BAYLINE_PG_POOL_MAX = savedPoolMax;
});
afterAll(async () => {
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

async function relayWithPool(poolMax: number): Promise<{ storage: RelayStorage; database: TestDatabase }> {
  const database = await createTestDatabase();
  databases.push(database);
  process.env.BAYLINE_PG_POOL_MAX = String(poolMax);
  const storage = await openPostgresStorage(database.url);
  opened.push(storage);
  return { storage, database };
}

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const slug = (base: string) => `${base}-${randomBytes(3).toString('hex')}`;

describe('one workspace pool per relay process', () => {
  it('keeps two shops apart when their writes and reads interleave on a pool of two connections', async () => {
    const { storage } = await relayWithPool(2);
    const a = await storage.createWorkspace({ slug: slug('alder'), name: 'Alder Body' });
    const b = await storage.createWorkspace({ slug: slug('birch'), name: 'Birch Collision' });
    const [storeA, storeB] = [await storage.workspaceStore(a.id), await storage.workspaceStore(b.id)];

    // 30 writes per shop, alternating shops, all in flight at once, with reads between them.
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      work.push(storeA.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: `a-${i}`, first_name: `Alder ${i}` })));
      work.push(storeB.db.selectFrom('customers').select('id').execute());
      work.push(storeB.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: `b-${i}`, first_name: `Birch ${i}` })));
      work.push(storeA.changesSince(0));
    }
    await Promise.all(work);

    const idsA = (await storeA.db.selectFrom('customers').select('id').execute()).map((r) => r.id).sort();
    const idsB = (await storeB.db.selectFrom('customers').select('id').execute()).map((r) => r.id).sort();
    expect(idsA).toHaveLength(30);
    expect(idsB).toHaveLength(30);
    expect(idsA.every((id) => id.startsWith('a-'))).toBe(true);
    expect(idsB.every((id) => id.startsWith('b-'))).toBe(true);
    const logA = await storeA.changesSince(0, { limit: 1000 });
    const logB = await storeB.changesSince(0, { limit: 1000 });
    expect(logA.changes.filter((c) => c.table === 'customers').every((c) => c.row.startsWith('a-'))).toBe(true);
    expect(logB.changes.filter((c) => c.table === 'customers').every((c) => c.row.startsWith('b-'))).toBe(true);
    // Each shop's log numbers its own changes without gaps: no write landed in the other's log.
    expect(logA.changes.map((c) => c.seq)).toEqual(logA.changes.map((_, i) => i + 1));
    expect(logB.changes.map((c) => c.seq)).toEqual(logB.changes.map((_, i) => i + 1));
  });

  it('does not hand the next shop a connection left on the wrong schema after a failed, rolled back or cancelled statement', async () => {
    const { storage, database } = await relayWithPool(1);
    const a = await storage.createWorkspace({ slug: slug('cedar'), name: 'Cedar Auto' });
    const b = await storage.createWorkspace({ slug: slug('dogwood'), name: 'Dogwood Paint' });
    const [storeA, storeB] = [await storage.workspaceStore(a.id), await storage.workspaceStore(b.id)];
    await storeA.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: 'cedar-1', first_name: 'Cedar' }));
    await storeB.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: 'dogwood-1', first_name: 'Dogwood' }));
    const customersOf = async (store: typeof storeA) => (await store.db.selectFrom('customers').select('id').execute()).map((r) => r.id);

    // A statement that fails on shop A's connection; then shop B on the same (only) connection.
    await expect(sql`SELECT * FROM no_such_table`.execute(storeA.db)).rejects.toThrow(/no_such_table/);
    expect(await customersOf(storeB)).toEqual(['dogwood-1']);

    // A write that fails inside its transaction (rolled back after BEGIN set the path locally).
    await expect(
      storeA.write({ actor: 'relay', action: 't' }, async (tx) => {
        await tx.insert('customers', { id: 'cedar-2', first_name: 'Halfway' });
        throw new Error('Stopped halfway');
      }),
    ).rejects.toThrow(/Stopped halfway/);
    expect(await customersOf(storeB)).toEqual(['dogwood-1']);
    expect(await customersOf(storeA)).toEqual(['cedar-1']);

    // A statement of shop B cancelled by the server while it runs; then shop A, then B again.
    const sleeping = sql`SELECT pg_sleep(30)`.execute(storeB.db).then(
      () => null,
      (err: unknown) => err,
    );
    let cancelled = false;
    for (let i = 0; i < 200 && !cancelled; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const rows = await query<{ ok: boolean }>(
        database.url,
        `SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND query LIKE 'SELECT pg_sleep%'`,
        [APPLICATION_NAME],
      );
      cancelled = rows.some((r) => r.ok);
    }
    expect(cancelled).toBe(true);
    expect(String(await sleeping)).toMatch(/cancel/);
    expect(await customersOf(storeA)).toEqual(['cedar-1']);
    expect(await customersOf(storeB)).toEqual(['dogwood-1']);

    // The pool's connection cut by the server: the next one is new and still set per shop.
    await query(
      database.url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [APPLICATION_NAME],
    );
    const afterCut = async (store: typeof storeA) => {
      for (let i = 0; ; i++) {
        try {
          return await customersOf(store);
        } catch (err) {
          if (i >= 3) throw err; // the first use may meet the dead connection
        }
      }
    };
    expect(await afterCut(storeB)).toEqual(['dogwood-1']);
    expect(await afterCut(storeA)).toEqual(['cedar-1']);
  });

  it('a connection cut while a write holds it between statements fails that write, not the relay', async () => {
    const { storage, database } = await relayWithPool(1);
    const shop = await storage.createWorkspace({ slug: slug('elm'), name: 'Elm Body' });
    const store = await storage.workspaceStore(shop.id);
    await expect(
      store.write({ actor: 'relay', action: 't' }, async (tx) => {
        await tx.insert('customers', { id: 'elm-1', first_name: 'Held' });
        // The server cuts every relay connection while this transaction holds one and runs nothing.
        await query(database.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [
          APPLICATION_NAME,
        ]);
        await new Promise((r) => setTimeout(r, 300));
      }),
    ).rejects.toThrow();
    // Nothing of the cut write landed, and the shop takes writes again on a new connection.
    let written = false;
    for (let i = 0; i < 4 && !written; i++) {
      try {
        await store.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: 'elm-2', first_name: 'After' }));
        written = true;
      } catch {
        // the first use may meet another connection the server cut
      }
    }
    expect(written).toBe(true);
    expect((await store.db.selectFrom('customers').select('id').execute()).map((r) => r.id)).toEqual(['elm-2']);
  });

  it('holds its connections at the pool size with 50 shops opened and written at once', async () => {
    const poolMax = 3;
    const { storage, database } = await relayWithPool(poolMax);
    let peak = 0;
    let sampling = true;
    const sample = async () => {
      while (sampling) {
        const [row] = await query<{ n: number }>(
          database.url,
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ($1, $2)`,
          [APPLICATION_NAME, LISTEN_APPLICATION_NAME],
        );
        peak = Math.max(peak, row!.n);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const sampler = sample();
    try {
      const shops = await Promise.all(Array.from({ length: 50 }, (_, i) => storage.createWorkspace({ slug: slug(`shop${i}`), name: `Shop ${i}` })));
      await Promise.all(
        shops.map(async (shop, i) => {
          const store = await storage.workspaceStore(shop.id);
          await store.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: `c-${i}`, first_name: `Customer ${i}` }));
          await store.write({ actor: 'relay', action: 't' }, (tx) => tx.update('customers', `c-${i}`, { last_name: 'Edited' }));
        }),
      );
      // Every shop kept its own row.
      for (const [i, shop] of shops.entries()) {
        const rows = await (await storage.workspaceStore(shop.id)).db.selectFrom('customers').select(['id', 'last_name']).execute();
        expect(rows).toEqual([{ id: `c-${i}`, last_name: 'Edited' }]);
      }
    } finally {
      sampling = false;
      await sampler;
    }
    // The shared workspace pool, the operator records' pool (5) and the LISTEN connection.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(poolMax + 5 + 1);
  }, 120_000);

  it('says what is wrong with a pool size that is not a number', () => {
    expect(workspacePoolMax({})).toBe(10);
    expect(workspacePoolMax({ BAYLINE_PG_POOL_MAX: '25' })).toBe(25);
    expect(() => workspacePoolMax({ BAYLINE_PG_POOL_MAX: 'many' })).toThrow(/BAYLINE_PG_POOL_MAX must be a whole number/);
    expect(() => workspacePoolMax({ BAYLINE_PG_POOL_MAX: '0' })).toThrow(/"0"/);
  });
});
