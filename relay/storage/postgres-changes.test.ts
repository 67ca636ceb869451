// The PostgreSQL applier (two statements per batch) against the portable Kysely applier on the
// same database: the same random batches — duplicates, stale stamps, several cells of a row —
// must leave the same log, cell stamps and rows, and report the same counts.
import fc from 'fast-check';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStamp } from '../../src-shared/sync/hlc.js';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { WorkspaceStore } from '../../src-shared/sync/store.js';
import { applyChecked, BATCH_NODES, BATCH_TABLES, batchesArb } from '../../src-main/testing/change-batches.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { openPostgresStorage, workspaceSchema } from './postgres.js';
import type { RelayStorage } from './types.js';

let database: TestDatabase;
let storage: RelayStorage;
let client: pg.Client;
const pools: pg.Pool[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  storage = await openPostgresStorage(database.url);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await Promise.all(pools.map((p) => p.end()));
  await storage?.close();
  await database?.drop();
});

let made = 0;
/** A fresh workspace twice over: as the relay opens it (PostgreSQL applier), and a store on the same kind of schema with the portable one. */
async function pair(): Promise<{ fast: WorkspaceStore; portable: WorkspaceStore; schemas: [string, string] }> {
  const one = await storage.createWorkspace({ slug: `fast-${++made}`, name: 'Fast' });
  const two = await storage.createWorkspace({ slug: `portable-${made}`, name: 'Portable' });
  await storage.workspaceStore(two.id); // migrated
  const pool = new pg.Pool({ connectionString: database.url, options: `-c search_path=${workspaceSchema(two.id)}`, max: 1 });
  pool.on('error', () => {}); // a connection closed by the final DROP DATABASE
  pools.push(pool);
  const db = new Kysely<WorkspaceDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    fast: await storage.workspaceStore(one.id),
    portable: await WorkspaceStore.open(db, '00000000000000ff'),
    schemas: [workspaceSchema(one.id), workspaceSchema(two.id)],
  };
}

async function dump(schema: string): Promise<Record<string, unknown[]>> {
  const q = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows;
  const out: Record<string, unknown[]> = {
    changes: await q(`SELECT stamp, tbl, row_id, col, value, node FROM ${schema}.changes WHERE node = ANY($1) ORDER BY seq`, [BATCH_NODES]),
    cells: await q(`SELECT * FROM ${schema}.cell_stamps WHERE tbl = ANY($1) ORDER BY tbl, row_id, col`, [BATCH_TABLES]),
  };
  for (const t of BATCH_TABLES) out[t] = await q(`SELECT * FROM ${schema}.${t} ORDER BY id`);
  return out;
}

describe('applyChangesOnPostgres', () => {
  it('leaves the same log, stamps and rows as the portable applier, batch after batch', async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, async (batches) => {
        const { fast, portable, schemas } = await pair();
        for (const batch of batches) {
          // Applied twice: the second time must change nothing.
          for (let i = 0; i < 2; i++) {
            const [one, two] = [await applyChecked(fast, batch), await applyChecked(portable, batch)];
            // Both logs started alike but are two tables: compare the changes, not their numbers.
            expect(one.result).toEqual(two.result);
            expect(one.fresh.map(({ seq: _seq, ...c }) => c)).toEqual(two.fresh.map(({ seq: _seq, ...c }) => c));
          }
          expect(await dump(schemas[0])).toEqual(await dump(schemas[1]));
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a batch longer than one statement takes: the newest stamp per cell wins across its parts', async () => {
    const { fast, portable, schemas } = await pair();
    const base = { table: 'customers', column: 'first_name' };
    const batch = Array.from({ length: 12_000 }, (_, i) => ({
      ...base,
      row: `c${i % 7}`,
      value: `Name ${i}`,
      stamp: formatStamp({ millis: 1_700_000_000_000 + (i % 5_003), counter: 0, node: BATCH_NODES[i % 3]! }),
    }));
    // Past the wire's 10,000 per batch, so through the stores directly.
    const [one, two] = [await applyChecked(fast, batch), await applyChecked(portable, batch)];
    expect(one.result).toEqual(two.result);
    expect(one.fresh.map(({ seq: _seq, ...c }) => c)).toEqual(two.fresh.map(({ seq: _seq, ...c }) => c));
    expect(await dump(schemas[0])).toEqual(await dump(schemas[1]));
  }, 60_000);
});
