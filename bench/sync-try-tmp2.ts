import pg from 'pg';
import { startRelayFixture, call } from '../relay/testing/sync-fixture.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
const qlog: { sql: string; s: number; e: number }[] = [];
let on = false;
const origQuery = (pg.Client.prototype as any).query;
(pg.Client.prototype as any).query = function (this: any, ...args: any[]) {
  const text = typeof args[0] === 'string' ? args[0] : args[0]?.text ?? '?';
  const s = performance.now();
  const r = origQuery.apply(this, args);
  if (on && r && typeof r.then === 'function') r.then(() => qlog.push({ sql: String(text).slice(0, 70).replace(/\s+/g, ' '), s, e: performance.now() }), () => undefined);
  return r;
};
const f = await startRelayFixture('postgres');
const a = (await f.pairNewDesk('A')).desk;
const b = (await f.pairNewDesk('B')).desk;
const ro = await call<RepairOrderDetail>(a, 'ro-check-in', { customer: { firstName: 'X', lastName: 'Y', mobile: '(512) 555-0199' }, vehicle: { plate: 'ABC 1', make: 'Honda', model: 'Civic', year: 2020 }, insurer: 'GEICO', claimNumber: 'GE-1' });
await new Promise((r) => setTimeout(r, 500));
const readStage = b.sqlite.prepare('SELECT stage FROM repair_orders WHERE id = ?').pluck();
const session = a.newSession();
const agg = new Map<string, number[]>();
for (let i = 0; i < 60; i++) {
  const stage = i % 2 ? 'teardown' : 'repair-started';
  const seen = new Promise<number>((res) => { const off = b.onEvent((e) => { if (e.type === 'changed' && readStage.get(ro.id) === stage) { off(); res(performance.now()); } }); });
  qlog.length = 0; on = i >= 20;
  const t0 = performance.now();
  await a.call('ro-move-stage', { id: ro.id, stage }, session);
  await seen;
  await new Promise((r) => setTimeout(r, 50));
  if (!on) continue;
  for (const q of qlog) { const k = q.sql; if (!agg.has(k)) agg.set(k, []); agg.get(k)!.push(q.e - q.s); }
  if (i === 40) for (const q of qlog) console.log((q.s - t0).toFixed(2).padStart(7), (q.e - q.s).toFixed(2).padStart(6), q.sql);
}
console.log('---- per query medians (40 edits)');
for (const [k, v] of agg) { v.sort((x, y) => x - y); console.log(String(v.length).padStart(4), v[Math.floor(v.length / 2)]!.toFixed(2).padStart(6), k); }
await b.close(); await f.cleanup(); process.exit(0);
