// Desk apply alone, for profiling (`npx tsx bench/sync-apply-local.ts`, or with node --cpu-prof):
// desk A (no sync) writes notes as the catch-up bench does; its log is then applied on a fresh
// desk B in pages of SYNC_PAGE with durable: false and morePages, as the sync client does.
// BENCH_APPLY_CHANGES (default 100,000), BENCH_APPLY_ROUNDS (default 3), BENCH_APPLY_PAGE (changes
// per applyRemote, default SYNC_PAGE), BENCH_APPLY_PAGES=1 prints each page's time. Not part of
// `npm run bench`: a quick loop for trying changes to the applier, run before and after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Change } from '../src-shared/sync/change.js';
import { SYNC_PAGE } from '../src-shared/sync/protocol.js';
import { Desk } from '../src-main/desk.js';

async function main(): Promise<void> {
  const target = Number(process.env.BENCH_APPLY_CHANGES ?? 100_000);
  const rounds = Number(process.env.BENCH_APPLY_ROUNDS ?? 3);
  const pageSize = Number(process.env.BENCH_APPLY_PAGE ?? SYNC_PAGE);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-apply-local-'));
  try {
    const a = await Desk.open({ dataDir: path.join(root, 'a'), sync: false });
    const roId = (a.sqlite.prepare('SELECT id FROM repair_orders LIMIT 1').pluck().get() as string | undefined) ?? 'bench-ro';
    const notesPerWrite = 20;
    const writes = Math.ceil(target / (notesPerWrite * 4 + 9));
    for (let w = 0; w < writes; w++) {
      await a.store.write({ actor: 'system', action: 'bench-notes', summary: 'Benchmark notes', roId }, async (tx) => {
        for (let n = 0; n < notesPerWrite; n++) {
          await tx.insert('notes', { ro_id: roId, body: `Catch-up note ${w}.${n}: customer called about the rental car, told them Thursday.`, at: new Date().toISOString(), staff_id: null });
        }
      });
    }
    const changes: Change[] = (await a.store.changesSince(0, { limit: 10_000_000 })).changes.map(({ seq: _s, ...c }) => c);
    await a.close();
    console.log(`${changes.length} changes`);
    for (let r = 0; r < rounds; r++) {
      const b = await Desk.open({ dataDir: path.join(root, `b${r}`), sync: false });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < changes.length; i += pageSize) {
        const p0 = performance.now();
        await b.store.applyRemote(changes.slice(i, i + pageSize), { meta: { 'sync:pull_cursor': String(i) }, durable: false, morePages: i + pageSize < changes.length });
        if (process.env.BENCH_APPLY_PAGES) process.stdout.write(`${(performance.now() - p0).toFixed(0)} ms `);
      }
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const settle0 = performance.now();
      await b.workspace.wal.settled();
      const settled = performance.now() - settle0;
      console.log(`round ${r}: ${s.toFixed(2)} s, ${Math.round(changes.length / s).toLocaleString('en-US')}/s, user ${((cpu.user / changes.length)).toFixed(2)} µs/change, sys ${(cpu.system / changes.length).toFixed(2)} µs/change; the WAL's checkpoint done ${settled.toFixed(0)} ms later`);
      await b.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
