// The audit trail as a shop owner or an insurer relies on it: who did what, before and after,
// and proof that nobody edited or deleted an entry afterwards.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deskPaths } from '../desk.js';
import { openTestDesk } from '../testing/temp-desk.js';

const CLI = path.resolve('src-main/cli.ts');

function verifyAuditCli(dataDir: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', CLI, 'verify-audit', '--data', dataDir], { encoding: 'utf8' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

async function shopWithHistory() {
  const d = await openTestDesk();
  const dana = await d.call('staff-create', { name: 'Dana Reyes', role: 'advisor', pin: '2468' });
  await d.call('staff-switch', { staffId: dana.id, pin: '2468' });
  const ro = await d.call('ro-check-in', {
    customer: { firstName: 'Siobhán', lastName: "O'Brien", mobile: '(512) 555-0199' },
    vehicle: { vin: '1HGCM82633A004352', plate: 'BAY 001', year: 2019, make: 'Honda', model: 'Accord' },
    promisedDate: '2026-12-01',
  });
  await d.call('ro-move-stage', { id: ro.id, stage: 'estimate' });
  await d.call('ro-change-promised-date', { id: ro.id, date: '2026-12-04', reason: 'Bumper on backorder' });
  return { d, ro, dana };
}

describe('audit trail', () => {
  it('records who changed what, with the value before and after', async () => {
    const { d, ro } = await shopWithHistory();
    const entries = await d.call('audit-list', { roId: ro.id });
    expect(entries.map((e) => e.action)).toEqual(['ro-change-promised-date', 'ro-move-stage', 'ro-check-in']);
    const dateChange = entries[0]!;
    expect(dateChange.actorName).toBe('Dana Reyes');
    expect(dateChange.summary).toContain('Bumper on backorder');
    const roDiff = dateChange.changes.find((c) => c.table === 'repair_orders')!;
    expect(roDiff.before).toEqual({ promised_date: '2026-12-01' });
    expect(roDiff.after).toEqual({ promised_date: '2026-12-04' });
    // PINs never appear in the trail, even hashed.
    const all = JSON.stringify(await d.call('audit-list', {}));
    expect(all).not.toContain('scrypt$');
    await d.close();
  });

  it("names the shop's own services as Bayline, never 'relay'", async () => {
    const { d, ro } = await shopWithHistory();
    await d.desk.store.write({ actor: 'relay', action: 'sms-sent', summary: 'Text handed to the texting service', roId: ro.id }, (tx) =>
      tx.update('repair_orders', ro.id, { claim_number: 'CLM-1' }),
    );
    const entry = (await d.call('audit-list', { roId: ro.id })).find((e) => e.action === 'sms-sent')!;
    expect(entry.actorName).toBe('Bayline');
    await d.close();
  });

  it('verify-audit passes on an untouched file', async () => {
    const { d } = await shopWithHistory();
    await d.close();
    const r = verifyAuditCli(d.dataDir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Audit trail intact: \d+ events checked/);
  });

  it('verify-audit names the one event that was edited in the file', async () => {
    const { d } = await shopWithHistory();
    await d.close();
    const sqlite = new Database(deskPaths(d.dataDir, d.desk.slug).database);
    const target = sqlite.prepare("SELECT id FROM audit_events WHERE action = 'ro-move-stage'").get() as { id: string };
    // Someone rewrites history: the car "was" already at repair-started.
    sqlite
      .prepare("UPDATE audit_events SET detail = replace(detail, 'Moved to Estimate', 'Moved to Repair started') WHERE id = ?")
      .run(target.id);
    sqlite.close();
    const r = verifyAuditCli(d.dataDir);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Audit event ${target.id}`);
    expect(r.out).toContain('ro-move-stage');
    expect(r.out).toContain('was altered');
  });

  it('verify-audit notices a deleted event, even the newest one', async () => {
    const { d } = await shopWithHistory();
    await d.close();
    const sqlite = new Database(deskPaths(d.dataDir, d.desk.slug).database);
    const newest = sqlite.prepare('SELECT id, seq FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { id: string; seq: number };
    sqlite.prepare('DELETE FROM audit_events WHERE id = ?').run(newest.id);
    sqlite.close();
    const r = verifyAuditCli(d.dataDir);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Audit event number ${newest.seq}`);
    expect(r.out).toContain('is missing');
  });
});
