// A work provider looking up a repair by plate (typed in lower case with a space) across 200 shops ×
// 2,000 ROs each that granted it (relay/providers/access.ts: the cross-shop index, then the live
// check of the grant and the row in the shop's own database), beside a primary-key read of one
// repair order from one shop's database in the same run. The shops' ROs and vehicles are written
// straight into their tables (as a desk's sync leaves them, without the change log, which would
// take minutes to build); each shop's grant goes through the mutation layer, so the relay's
// index builds itself from the grants as it does in service. BENCH_PROVIDER_SHOPS (200),
// BENCH_PROVIDER_ROS (2000), BENCH_PROVIDER_ROUNDS (500).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProviderAccess } from '../relay/providers/access.js';
import { ProviderIndex } from '../relay/providers/provider-index.js';
import { openSqliteStorage } from '../relay/storage/sqlite.js';
import { type Summary, summarize } from './stats.js';

export interface ProviderLookupBenchResult {
  shops: number;
  repairOrdersPerShop: number;
  indexedRepairs: number;
  lookup: Summary;
  primaryKeyRead: Summary;
  /** lookup / primary-key read at p99. */
  ratioP99: number;
  setupSeconds: number;
  seconds: number;
}

const plateOf = (shop: number, ro: number) => `${String.fromCharCode(65 + (shop % 26))}${String(shop).padStart(3, '0')}-${String(ro).padStart(4, '0')}`;

export async function runProviderLookupBench(): Promise<ProviderLookupBenchResult> {
  const started = performance.now();
  const shops = Number(process.env.BENCH_PROVIDER_SHOPS ?? 200);
  const perShop = Number(process.env.BENCH_PROVIDER_ROS ?? 2000);
  const rounds = Number(process.env.BENCH_PROVIDER_ROUNDS ?? 500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-providers-'));
  const storage = await openSqliteStorage(dir);
  try {
    const provider = await storage.providers.createProvider({ id: randomUUID(), slug: 'bench-mutual', name: 'Bench Mutual', now: new Date().toISOString() });
    const ids: Array<{ workspaceId: string; roIds: string[] }> = [];
    for (let s = 0; s < shops; s++) {
      const ws = await storage.createWorkspace({ slug: `bench-shop-${s}`, name: `Bench Shop ${s}` });
      const store = await storage.workspaceStore(ws.id);
      const roIds: string[] = [];
      for (let i = 0; i < perShop; i += 400) {
        const n = Math.min(400, perShop - i);
        const vehicles = Array.from({ length: n }, (_, k) => ({ id: randomUUID(), plate: plateOf(s, i + k), make: 'Honda', model: 'Civic', year: 2019 }));
        const ros = vehicles.map((v, k) => ({
          id: randomUUID(),
          ro_number: 1001 + i + k,
          vehicle_id: v.id,
          insurer: (i + k) % 3 === 0 ? 'Other Insurance' : 'Bench Mutual',
          claim_number: `BM-${s}-${i + k}`,
          stage: 'repair-started',
          checked_in_at: '2026-11-20T15:00:00.000Z',
        }));
        await store.db.insertInto('vehicles').values(vehicles).execute();
        await store.db.insertInto('repair_orders').values(ros).execute();
        roIds.push(...ros.filter((r) => r.insurer === 'Bench Mutual').map((r) => r.id));
      }
      await store.write({ actor: 'staff:bench', action: 'provider-grant-save' }, (tx) =>
        tx.insert('provider_grants', { provider_id: provider.id, insurer_names: JSON.stringify(['Bench Mutual']), granted_at: new Date().toISOString() }),
      );
      ids.push({ workspaceId: ws.id, roIds });
    }
    const index = new ProviderIndex(storage);
    await index.catchUpAll();
    const setupSeconds = (performance.now() - started) / 1000;
    const indexedRepairs = (await storage.providers.repairsOf(provider.id)).length;

    const access = new ProviderAccess(storage);
    const lookups: number[] = [];
    const reads: number[] = [];
    let seed = 12345;
    const pick = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < rounds + 20; round++) {
      const shop = pick(shops);
      const target = ids[shop]!;
      const roId = target.roIds[pick(target.roIds.length)]!;
      const store = await storage.workspaceStore(target.workspaceId);
      const t0 = performance.now();
      const row = await store.db.selectFrom('repair_orders').selectAll().where('id', '=', roId).executeTakeFirst();
      const t1 = performance.now();
      const n = (row!.ro_number ?? 1001) - 1001;
      // Typed the way people do: lower case, a space for the dash.
      const typed = plateOf(shop, n).toLowerCase().replace('-', ' ');
      const hits = await access.lookup(provider, typed);
      const t2 = performance.now();
      if (hits.length !== 1 || hits[0]!.roId !== roId) throw new Error(`provider lookup of ${typed} found ${hits.length} repairs`);
      if (round >= 20) {
        reads.push(t1 - t0);
        lookups.push(t2 - t1);
      }
    }
    const lookup = summarize(lookups);
    const primaryKeyRead = summarize(reads);
    return {
      shops,
      repairOrdersPerShop: perShop,
      indexedRepairs,
      lookup,
      primaryKeyRead,
      ratioP99: lookup.p99 / primaryKeyRead.p99,
      setupSeconds: Number(setupSeconds.toFixed(1)),
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
  } finally {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function providerLookupSummaryLines(r: ProviderLookupBenchResult): string[] {
  return [
    `  provider lookup by plate p99 ${r.lookup.p99.toFixed(2)} ms across ${r.shops} shops × ${r.repairOrdersPerShop.toLocaleString('en-US')} ROs (${r.indexedRepairs.toLocaleString('en-US')} granted); primary-key read p99 ${r.primaryKeyRead.p99.toFixed(3)} ms; ratio ${r.ratioP99.toFixed(0)}×`,
  ];
}
