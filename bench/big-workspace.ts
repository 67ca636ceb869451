// Builds a desk data folder holding a large shop (50,000 repair orders by default) for the
// search benchmark. Rows are bulk-inserted straight into the tables in one transaction: through
// the API that many check-ins would take most of an hour. The search index is then rebuilt.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DemoFactory, Rng, type DemoVehicle } from '../src-main/demo/demo-shop.js';
import { deskPaths } from '../src-main/desk.js';
import { openWorkspaceDb } from '../src-main/db/workspace-db.js';
import { normalizePlate } from '../src-main/repair-orders/handlers.js';
import { rebuildSearchIndex } from '../src-main/search/search-index.js';
import { normalizePhone } from '../src-shared/phone.js';
import { STAGES, type Stage } from '../src-shared/stages.js';

/** Texas area codes: 28 × 100 fictional 555-01xx numbers, so a number is shared by ~15 customers at 50k. */
const TEXAS_AREA_CODES = [
  '512', '737', '210', '726', '254', '830', '361', '979', '936', '409', '281', '346', '713', '832',
  '214', '469', '972', '945', '817', '682', '940', '903', '430', '325', '432', '915', '806', '956',
];

export const BIG_SLUG = 'bench-shop';

/** What the search benchmark needs to know about a repair to type it back. */
export interface BigRo {
  roNumber: number;
  lastName: string;
  mobile: string | null;
  plate: string | null;
  vin: string;
  claimNumber: string | null;
}

export interface BigWorkspace {
  dataDir: string;
  slug: string;
  ros: BigRo[];
  counts: { repairOrders: number; customers: number; vehicles: number };
  insertMs: number;
  indexMs: number;
  fileBytes: number;
}

function isoDaysAgo(days: number, minutes: number): string {
  return new Date(Date.now() - days * 86_400_000 - minutes * 60_000).toISOString();
}

export async function buildBigWorkspace(dataDir: string, options: { repairOrders?: number; seed?: number } = {}): Promise<BigWorkspace> {
  const total = options.repairOrders ?? 50_000;
  const rng = new Rng(options.seed ?? 50_000);
  const factory = new DemoFactory(rng, TEXAS_AREA_CODES);
  const paths = deskPaths(dataDir, BIG_SLUG);
  fs.mkdirSync(path.dirname(paths.database), { recursive: true });
  const ws = await openWorkspaceDb(paths.database);
  const sqlite = ws.sqlite;

  const insertCustomer = sqlite.prepare(
    'INSERT INTO customers (id, first_name, last_name, mobile, email, preferred_channel, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertVehicle = sqlite.prepare(
    'INSERT INTO vehicles (id, customer_id, vin, plate, year, make, model, color, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertRo = sqlite.prepare(`INSERT INTO repair_orders (
      id, ro_number, customer_id, vehicle_id, insurer, claim_number, adjuster_name, adjuster_email, adjuster_phone,
      deductible_cents, estimate_total_cents, promised_date, courtesy_car, stage, sub_status_id, assigned_staff_id,
      checked_in_at, checked_in_by, closed_at
    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);

  const ros: BigRo[] = [];
  const customers: Array<{ id: string; lastName: string; mobile: string | null; vehicles: Array<{ id: string; v: DemoVehicle }> }> = [];
  let vehicleCount = 0;
  const openStages: Stage[] = STAGES.filter((s) => s !== 'delivered');
  const t0 = performance.now();
  sqlite.transaction(() => {
    for (let i = 0; i < total; i++) {
      // Ten years of work, oldest first; the last ~60 are still in the shop.
      const daysAgo = Math.max(0, Math.round(((total - i) / total) * 3650) - rng.int(0, 3));
      const checkedIn = isoDaysAgo(daysAgo, rng.int(0, 600));
      const open = i >= total - 60;
      // About one repair in five is a returning customer, half of them with the same car.
      let customer = customers.length > 100 && rng.chance(0.2) ? rng.pick(customers) : null;
      if (!customer) {
        const p = factory.person();
        const mobile = p.mobile ? normalizePhone(p.mobile) : null;
        customer = { id: randomUUID(), lastName: p.lastName, mobile, vehicles: [] };
        insertCustomer.run(customer.id, p.firstName, p.lastName, mobile, p.email, p.preferredChannel, checkedIn);
        customers.push(customer);
      }
      let vehicle = customer.vehicles.length > 0 && rng.chance(0.5) ? rng.pick(customer.vehicles) : null;
      if (!vehicle) {
        const v = factory.vehicle();
        vehicle = { id: randomUUID(), v };
        insertVehicle.run(vehicle.id, customer.id, v.vin, normalizePlate(v.plate), v.year, v.make, v.model, v.color, checkedIn);
        customer.vehicles.push(vehicle);
        vehicleCount += 1;
      }
      const ins = factory.insurance(Number(checkedIn.slice(0, 4)));
      const roNumber = 100_001 + i;
      const stage: Stage = open ? rng.pick(openStages) : 'delivered';
      const promised = new Date(Date.parse(checkedIn) + rng.int(5, 20) * 86_400_000).toISOString().slice(0, 10);
      insertRo.run(
        randomUUID(), roNumber, customer.id, vehicle.id, ins.insurer, ins.claimNumber, ins.adjusterName, ins.adjusterEmail,
        ins.adjusterPhone, ins.deductibleCents, ins.estimateTotalCents, promised, ins.courtesyCar, stage, null, null,
        checkedIn, null, open ? null : isoDaysAgo(Math.max(0, daysAgo - rng.int(5, 20)), 0),
      );
      ros.push({
        roNumber,
        lastName: customer.lastName,
        mobile: customer.mobile,
        plate: vehicle.v.plate,
        vin: vehicle.v.vin,
        claimNumber: ins.claimNumber,
      });
    }
  })();
  const insertMs = performance.now() - t0;

  const t1 = performance.now();
  // No ANALYZE/optimize afterwards: a shop's desk never runs one, so the planner works without statistics here too.
  sqlite.transaction(() => rebuildSearchIndex(sqlite))();
  const indexMs = performance.now() - t1;
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  await ws.close();

  return {
    dataDir,
    slug: BIG_SLUG,
    ros,
    counts: { repairOrders: total, customers: customers.length, vehicles: vehicleCount },
    insertMs,
    indexMs,
    fileBytes: fs.statSync(paths.database).size,
  };
}
