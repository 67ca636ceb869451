// A work provider looking a repair up by plate across 200 shops × 2,000 repair orders (400,000
// rows of the cross-shop index, relay/providers/), beside a primary-key read of the same index
// table in the same run, on SQLite and PostgreSQL. The 200 shops' index rows are seeded straight
// into the operator tables in one transaction (what the index would hold, without building 200
// shops' databases); three real shops, granted and indexed by the real ProviderIndex, hold the
// plates that are looked up, so each lookup also runs the live grant check a provider's request
// runs (ProviderAccess.lookup: index, then each candidate against the shop's live rows).
// BENCH_PROVIDER_ENGINES (sqlite,postgres), BENCH_PROVIDER_ROUNDS (500).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { lookupKey } from '../src-shared/providers/keys.js';
import { addRepair, grant } from '../relay/provider-api/testing.js';
import { ProviderAccess } from '../relay/providers/access.js';
import { ProviderIndex } from '../relay/providers/provider-index.js';
import { openPostgresStorage } from '../relay/storage/postgres.js';
import { openSqliteStorage } from '../relay/storage/sqlite.js';
import type { RelayStorage } from '../relay/storage/types.js';
import { createTestDatabase } from '../relay/testing/postgres.js';
import { ms, type Summary, summarize } from './stats.js';

const SHOPS = 200;
const ROS_PER_SHOP = 2_000;

export interface ProviderLookupEngineResult {
  engine: 'sqlite' | 'postgres';
  indexRows: number;
  seedSeconds: number;
  /** ProviderAccess.lookup of a plate typed with other case and spaces (index + live check). */
  lookup: Summary;
  /** The index query alone, for a plate of one of the 200 seeded shops. */
  indexOnly: Summary;
  /** Baseline: one index row by its primary key. */
  primaryKey: Summary;
  ratioLookupP99: number;
  ratioIndexP99: number;
}

export interface ProviderLookupBenchResult {
  shops: number;
  rosPerShop: number;
  rounds: number;
  engines: ProviderLookupEngineResult[];
  seconds: number;
}

const plateOf = (shop: number, ro: number) => `${String.fromCharCode(65 + (shop % 26))}${String(shop).padStart(3, '0')}${String(ro).padStart(4, '0')}`;

async function timed(rounds: number, fn: (i: number) => Promise<unknown>): Promise<Summary> {
  for (let i = 0; i < 20; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

async function runEngine(engine: 'sqlite' | 'postgres', rounds: number): Promise<ProviderLookupEngineResult> {
  let dir: string | null = null;
  let drop: (() => Promise<void>) | null = null;
  let storage: RelayStorage;
  let url = '';
  if (engine === 'sqlite') {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-provider-'));
    storage = await openSqliteStorage(dir);
  } else {
    const db = await createTestDatabase();
    drop = () => db.drop();
    url = db.url;
    storage = await openPostgresStorage(url);
  }
  try {
    const now = new Date().toISOString();
    const provider = await storage.providers.createProvider({ id: randomUUID(), slug: 'harbor-mutual', name: 'Harbor Mutual', now });
    // Three real shops hold the plates looked up (and pass the live grant check).
    const real: Array<{ shopId: string; plate: string }> = [];
    const index = new ProviderIndex(storage);
    for (let s = 0; s < 3; s++) {
      const shop = await storage.createWorkspace({ slug: `real-${s}`, name: `Real Shop ${s}` });
      await grant(storage, shop, provider.id, ['Harbor Mutual']);
      for (let r = 0; r < 5; r++) {
        const plate = `9RL${s}${r}00`;
        await addRepair(storage, shop, { roNumber: 1000 + r, insurer: 'Harbor Mutual', claim: `RL-${s}-${r}`, plate });
        real.push({ shopId: shop.id, plate });
      }
      await index.refresh(shop.id);
    }
    // 200 shops × 2,000 ROs straight into the index, one transaction.
    const seedStarted = performance.now();
    const shopIds = Array.from({ length: SHOPS }, () => randomUUID());
    if (engine === 'sqlite') {
      const db = new Database(path.join(dir!, 'relay.sqlite'));
      db.pragma('busy_timeout = 10000');
      const ws = db.prepare('INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, ?, ?, ?)');
      const row = db.prepare('INSERT INTO provider_repairs (provider_id, workspace_id, ro_id, ro_number, claim_key, plate_key, closed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)');
      db.transaction(() => {
        shopIds.forEach((id, s) => {
          ws.run(id, `bench-${s}`, `Bench Shop ${s}`, now);
          for (let r = 0; r < ROS_PER_SHOP; r++) row.run(provider.id, id, `${id.slice(0, 8)}-${r}`, 1000 + r, `CL${s}X${r}`, plateOf(s, r), now);
        });
      })();
      db.close();
    } else {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO workspaces (id, slug, name, created_at) SELECT id, \'bench-\' || n, \'Bench Shop \' || n, $2 FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)', [shopIds, now]);
        // The same rows as plateOf() and the SQLite branch, made by the server in one statement.
        await client.query(
          `INSERT INTO provider_repairs (provider_id, workspace_id, ro_id, ro_number, claim_key, plate_key, closed_at, updated_at)
           SELECT $1, w.id, left(w.id, 8) || '-' || r, 1000 + r, 'CL' || (w.n - 1) || 'X' || r,
                  chr(65 + ((w.n - 1) % 26)::int) || lpad((w.n - 1)::text, 3, '0') || lpad(r::text, 4, '0'), NULL, $2
           FROM unnest($3::text[]) WITH ORDINALITY AS w(id, n), generate_series(0, $4::int - 1) AS r`,
          [provider.id, now, shopIds, ROS_PER_SHOP],
        );
        await client.query('COMMIT');
        await client.query('ANALYZE provider_repairs');
      } finally {
        await client.end();
      }
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const indexRows = (await storage.providers.repairsOf(provider.id, { workspaceId: shopIds[7] })).length * SHOPS + real.length;

    const access = new ProviderAccess(storage);
    const first = await access.lookup(provider, ` ${real[0]!.plate.toLowerCase().replace(/(\d{2})$/, '-$1')} `);
    if (first.length !== 1) throw new Error(`provider lookup bench: expected 1 repair for ${real[0]!.plate}, found ${first.length}`);
    const lookup = await timed(rounds, (i) => {
      const p = real[i % real.length]!.plate;
      return access.lookup(provider, `${p.slice(0, 3).toLowerCase()} ${p.slice(3)}`);
    });
    const indexOnly = await timed(rounds, (i) => storage.providers.findRepairs(provider.id, lookupKey(plateOf((i * 37) % SHOPS, (i * 7919) % ROS_PER_SHOP))!));
    const primaryKey = await timed(rounds, (i) => {
      const s = (i * 37) % SHOPS;
      return storage.providers.indexedRepair(provider.id, shopIds[s]!, `${shopIds[s]!.slice(0, 8)}-${(i * 7919) % ROS_PER_SHOP}`);
    });
    return { engine, indexRows, seedSeconds, lookup, indexOnly, primaryKey, ratioLookupP99: lookup.p99 / primaryKey.p99, ratioIndexP99: indexOnly.p99 / primaryKey.p99 };
  } finally {
    await storage.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    await drop?.();
  }
}

export async function runProviderLookupBench(): Promise<ProviderLookupBenchResult> {
  const started = performance.now();
  const rounds = Number(process.env.BENCH_PROVIDER_ROUNDS ?? 500);
  const engines = (process.env.BENCH_PROVIDER_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Array<'sqlite' | 'postgres'>;
  const results: ProviderLookupEngineResult[] = [];
  for (const engine of engines) {
    const r = await runEngine(engine, rounds);
    console.log(`  ${engine}: ${r.indexRows.toLocaleString('en-US')} index rows seeded in ${r.seedSeconds.toFixed(1)} s; lookup p99 ${ms(r.lookup.p99)}, index only p99 ${ms(r.indexOnly.p99)}, primary key p99 ${ms(r.primaryKey.p99)}`);
    results.push(r);
  }
  return { shops: SHOPS, rosPerShop: ROS_PER_SHOP, rounds, engines: results, seconds: (performance.now() - started) / 1000 };
}

export function providerLookupSummaryLines(r: ProviderLookupBenchResult): string[] {
  return r.engines.map(
    (e) =>
      `  provider plate lookup (${e.engine}, ${r.shops} shops × ${r.rosPerShop.toLocaleString('en-US')} ROs) p99 ${ms(e.lookup.p99)} (index alone ${ms(e.indexOnly.p99)}) beside a primary-key read p99 ${ms(e.primaryKey.p99)}: ratio ${e.ratioLookupP99.toFixed(1)}× (index ${e.ratioIndexP99.toFixed(1)}×)`,
  );
}
