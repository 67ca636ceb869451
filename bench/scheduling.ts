// Free-slot computation (src-shared/scheduling/slots.ts) for a shop with 3 appointment kinds over
// 90 days with 500 existing appointments, beside reading those same appointments (and the hours
// and closures) from the relay's SQLite database in the same run: the ratio says whether working
// out the slots costs more than fetching what they are worked out from. Each round reads, then
// computes, for all 3 kinds; BENCH_SCHEDULING_ROUNDS (200).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeSlots } from '../src-shared/scheduling/slots.js';
import { APPOINTMENT_KINDS, type Availability } from '../src-shared/scheduling/types.js';
import { loadSchedule } from '../relay/scheduling/booking.js';
import { estimateHours, openBooking } from '../relay/scheduling/testing.js';
import { openSqliteStorage } from '../relay/storage/sqlite.js';
import { ms, type Summary, summarize } from './stats.js';

export interface SchedulingBenchResult {
  appointments: number;
  days: number;
  kinds: number;
  slotsOffered: number;
  compute: Summary;
  read: Summary;
  /** compute / read at p99. */
  ratioP99: number;
  seconds: number;
}

const ZONE = 'America/New_York';

export async function runSchedulingBench(): Promise<SchedulingBenchResult> {
  const started = performance.now();
  const rounds = Number(process.env.BENCH_SCHEDULING_ROUNDS ?? 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-scheduling-'));
  const storage = await openSqliteStorage(dir);
  try {
    const ws = await storage.createWorkspace({ slug: 'bench-bays', name: 'Bench Bays' });
    const week = (ranges: Availability['weeklyHours']['mon']) => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges, sat: [['09:00', '12:00']] as const, sun: [] });
    const availability: Availability[] = [
      estimateHours({ weeklyHours: week([['08:00', '12:00'], ['13:00', '17:00']]), slotMinutes: 30, capacity: 2, leadMinutes: 0, horizonDays: 90 }),
      estimateHours({ kind: 'drop-off', weeklyHours: week([['07:30', '10:00']]), slotMinutes: 15, capacity: 3, leadMinutes: 0, horizonDays: 90 }),
      estimateHours({ kind: 'pickup', weeklyHours: week([['14:00', '18:00']]), slotMinutes: 15, capacity: 3, leadMinutes: 0, horizonDays: 90 }),
    ];
    const now = new Date('2026-03-02T14:00:00Z');
    const exceptions = Array.from({ length: 6 }, (_, i) => ({ date: `2026-0${3 + (i % 3)}-${String(10 + i).padStart(2, '0')}`, kind: null, closed: true, hours: null, reason: 'Holiday' }));
    await openBooking(storage, ws.id, { timeZone: ZONE, availability, exceptions });
    // 500 appointments over the 90 days, on the slots' own starts, most confirmed.
    const store = await storage.workspaceStore(ws.id);
    const seeds = availability.flatMap((a) => freeSlots({ availability: a, exceptions, taken: [], timeZone: ZONE, now }));
    await store.write({ actor: 'relay', action: 'bench-setup', audit: false }, async (tx) => {
      for (let i = 0; i < 500; i++) {
        const s = seeds[(i * 7919) % seeds.length]!;
        await tx.insert('appointments', { kind: s.kind, state: i % 5 === 0 ? 'requested' : 'confirmed', starts_at: s.startsAt, ends_at: s.endsAt, hold_until: new Date(now.getTime() + 3_600_000 * 4).toISOString(), time_zone: ZONE, source: 'shop-page', name: `Customer ${i}` });
      }
    });
    const read: number[] = [];
    const compute: number[] = [];
    let offered = 0;
    for (let round = 0; round < rounds + 10; round++) {
      const t0 = performance.now();
      const schedules = [];
      for (const kind of APPOINTMENT_KINDS) schedules.push(await loadSchedule(store.db, kind, ZONE, now));
      const t1 = performance.now();
      offered = 0;
      for (const s of schedules) offered += freeSlots({ ...s, now }).length;
      const t2 = performance.now();
      if (round >= 10) {
        read.push(t1 - t0);
        compute.push(t2 - t1);
      }
    }
    const takenCount = (await Promise.all(APPOINTMENT_KINDS.map((k) => loadSchedule(store.db, k, ZONE, now)))).reduce((n, s) => n + s.taken.length, 0);
    if (takenCount !== 500) throw new Error(`expected 500 appointments read, got ${takenCount}`);
    const c = summarize(compute);
    const r = summarize(read);
    return { appointments: 500, days: 90, kinds: 3, slotsOffered: offered, compute: c, read: r, ratioP99: c.p99 / r.p99, seconds: (performance.now() - started) / 1000 };
  } finally {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function schedulingSummaryLines(r: SchedulingBenchResult): string[] {
  return [
    `scheduling: free slots for ${r.kinds} kinds × ${r.days} days with ${r.appointments} appointments (${r.slotsOffered} offered): p50 ${ms(r.compute.p50)}, p99 ${ms(r.compute.p99)}`,
    `scheduling: reading the same appointments, hours and closures (SQLite): p50 ${ms(r.read.p50)}, p99 ${ms(r.read.p99)} — compute/read at p99 ${r.ratioP99.toFixed(2)}×`,
  ];
}
