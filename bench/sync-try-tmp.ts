import { startRelayFixture, call, type Engine } from '../relay/testing/sync-fixture.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import type { Desk } from '../src-main/desk.js';

type Ev = { label: string; s: number; e: number };
const evs: Ev[] = [];
function tap(target: any, method: string, label: string) {
  const orig = target[method];
  target[method] = async function (...args: unknown[]) {
    const s = performance.now();
    try { return await orig.apply(target, args); } finally { evs.push({ label, s, e: performance.now() }); }
  };
}
const engine = (process.argv[2] ?? 'sqlite') as Engine;
const f = await startRelayFixture(engine);
const a = (await f.pairNewDesk('A')).desk;
const b = (await f.pairNewDesk('B')).desk;
const ro = await call<RepairOrderDetail>(a, 'ro-check-in', { customer: { firstName: 'X', lastName: 'Y', mobile: '(512) 555-0199' }, vehicle: { plate: 'ABC 1', make: 'Honda', model: 'Civic', year: 2020 }, insurer: 'GEICO', claimNumber: 'GE-1' });
await new Promise((r) => setTimeout(r, 500));
const rs = await f.storage.workspaceStore(f.workspace.id);
tap(a.store, 'write', 'A.write');
tap(a.store, 'changesSince', 'A.pushRead');
tap(rs, 'applyRemote', 'R.apply');
tap(rs, 'changesSince', 'R.read');
tap(f.storage, 'announceChanges', 'R.announce');
tap(b.store, 'applyRemote', 'B.apply');
const readStage = b.sqlite.prepare('SELECT stage FROM repair_orders WHERE id = ?').pluck();
const rows: Record<string, number>[] = [];
const session = a.newSession();
for (let i = 0; i < 130; i++) {
  const stage = i % 2 ? 'teardown' : 'repair-started';
  const seen = new Promise<number>((res) => { const off = b.onEvent((e) => { if (e.type === 'changed' && readStage.get(ro.id) === stage) { off(); res(performance.now()); } }); });
  evs.length = 0;
  const t0 = performance.now();
  await a.call('ro-move-stage', { id: ro.id, stage }, session);
  const tc = performance.now();
  const t2 = await seen;
  await new Promise((r) => setTimeout(r, 30));
  if (i < 30) continue;
  const row: Record<string, number> = { call: tc - t0, total: t2 - t0 };
  for (const ev of evs) {
    if (ev.s > t2) continue;
    const k = ev.label;
    if (row[k + '.s'] === undefined) { row[k + '.s'] = ev.s - t0; row[k + '.e'] = ev.e - t0; }
    else { row[k + '#'] = (row[k + '#'] ?? 1) + 1; row[k + '.lastS'] = ev.s - t0; row[k + '.lastE'] = ev.e - t0; }
  }
  rows.push(row);
}
const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
const med = (xs: number[]) => { const s = xs.filter((x) => x !== undefined).sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
for (const k of keys) console.log(k.padEnd(20), med(rows.map((r) => r[k]!))?.toFixed(2), 'n=', rows.filter((r) => r[k] !== undefined).length);
await b.close(); await f.cleanup(); process.exit(0);
