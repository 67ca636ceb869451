// Time-based rules end to end: "customer unreachable for 2 business days → email the insurer"
// with the relay's clock held by the test, a desk paired over WebSockets, the shop's Gmail at the
// fake Google. It fires once, at the right moment of the shop's business days (not on the weekend,
// not on the holiday the shop configured), and not for a customer who called back meanwhile.
import { afterEach, describe, expect, it } from 'vitest';
import type { AutomationsView, DryRunHit } from '../../src-shared/automations/desk-api.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { Desk } from '../../src-main/desk.js';
import { checkIn } from '../sms/testing.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { ADJUSTER, connectGmail, type MailShop, startMailShop } from '../email/testing.js';
import { TIMER_QUEUE } from './automation-service.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function switchOn(desk: Desk, preset: string, mode: 'draft' | 'automatic'): Promise<string> {
  const added = await call<AutomationsView>(desk, 'automation-preset-add', { preset });
  const rule = added.rules.find((r) => r.preset === preset)!;
  const { id, trigger, conditions, action, name } = rule;
  await call(desk, 'automation-save', { id, name, preset, trigger, conditions, action, mode, active: true });
  return id;
}

describe.each<Engine>(['sqlite', 'postgres'])('time-based rules (%s)', (engine) => {
  let s: MailShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  it('"unreachable for 2 days → email the insurer": once, two business days later, skipping the weekend and the shop’s holiday; never for a customer who called back', async () => {
    // Thursday 10 December 2026, 15:00 in Chicago.
    let relayNow = new Date('2026-12-10T21:00:00Z');
    // No round of every shop during the test: changes are looked at as this relay takes them, and
    // due timers are found by the one query across shops (pollMs).
    s = await startMailShop(engine, { automations: { clock: () => relayNow, pollMs: 100, roundMs: 3_600_000 } });
    const desk = s.desk;
    let deskNow = new Date('2026-12-10T21:00:00Z');
    desk.useClock(() => deskNow);
    await call(desk, 'workspace-update', { phone: '(512) 555-0100', timeZone: 'America/Chicago' });
    await connectGmail(s);
    // Monday 14 December: the shop is closed (staff training).
    await call(desk, 'schedule-exception-save', { date: '2026-12-14', kind: null, closed: true, reason: 'Staff training' });
    const ruleId = await switchOn(desk, 'unreachable-email-insurer', 'automatic');
    deskNow = new Date('2026-12-10T21:01:00Z');
    const quiet = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ claimNumber: 'SF-1001', adjusterName: 'Pat Adjuster', adjusterEmail: ADJUSTER, customer: { firstName: 'Ana', lastName: 'Ruiz', mobile: '(512) 555-0191', email: 'ana@example.com' }, vehicle: { plate: 'ANA 101', year: 2018, make: 'Toyota', model: 'Corolla', color: 'White' } }));
    const replied = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ claimNumber: 'SF-1002', adjusterName: 'Pat Adjuster', adjusterEmail: ADJUSTER, customer: { firstName: 'Ben', lastName: 'Okafor', mobile: '(512) 555-0192', email: 'ben@example.com' }, vehicle: { plate: 'BEN 202', year: 2017, make: 'Ford', model: 'Fusion', color: 'Grey' } }));
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    const timers = () => s!.f.storage.automationTimers.list(s!.f.workspace.id, ruleId);
    await eventually('both timers armed', async () => (await timers()).filter((t) => !t.cancelledAt).length === 2, 20_000);
    // Armed for Tuesday 15 December, 15:01 Chicago: Friday is the first business day, the weekend and the holiday do not count.
    expect((await timers()).find((t) => t.roId === quiet.id)?.dueAt).toBe('2026-12-15T21:01:00.000Z');

    // Friday 10:00: Ben calls back. His silence starts again (due Wednesday); the first timer is cancelled.
    deskNow = new Date('2026-12-11T16:00:00Z');
    await call(desk, 'call-log', { roId: replied.id, direction: 'in', party: 'customer', reason: 'status', outcome: 'Asked how it is going' });
    await eventually('Ben’s timer re-armed', async () => {
      const mine = (await timers()).filter((t) => t.roId === replied.id);
      return mine.some((t) => t.cancelledAt) && mine.some((t) => !t.cancelledAt && t.dueAt === '2026-12-16T16:00:00.000Z');
    }, 20_000);

    const mailsToAdjuster = () => s!.google.sent.filter((m) => m.raw.includes(ADJUSTER));
    // Friday afternoon, Saturday, the holiday Monday at 15:30, Tuesday a minute early: nothing goes.
    for (const at of ['2026-12-11T21:30:00Z', '2026-12-12T21:30:00Z', '2026-12-14T21:30:00Z', '2026-12-15T20:59:00Z']) {
      relayNow = new Date(at);
      await pause(600);
      expect(mailsToAdjuster(), at).toEqual([]);
    }
    // Tuesday 15:01:30: one email to the adjuster about Ana.
    relayNow = new Date('2026-12-15T21:01:30Z');
    const sent = await eventually('the email to the adjuster', async () => (mailsToAdjuster().length > 0 ? mailsToAdjuster() : undefined), 20_000);
    const raw = Buffer.from(sent[0]!.raw, 'base64url').toString('utf8') + sent[0]!.raw;
    expect(raw).toContain('SF-1001');
    // Later looks, Tuesday evening: still one; Ben's repair (he called) got nothing.
    relayNow = new Date('2026-12-15T23:00:00Z');
    await pause(1500);
    expect(mailsToAdjuster()).toHaveLength(1);
    const runs = await store.db.selectFrom('automation_runs').selectAll().where('rule_id', '=', ruleId).execute();
    expect(runs.map((r) => [r.ro_id, r.outcome])).toEqual([[quiet.id, 'sent']]);
    const mail = await eventually('the email on the desk, sent', async () => {
      const m = await desk.db.selectFrom('messages').selectAll().where('automation_rule_id', '=', ruleId).executeTakeFirst();
      return m?.status === 'sent' && m;
    }, 20_000);
    expect(mail.subject).toBe(`Claim SF-1001: we cannot reach the customer (RO ${quiet.roNumber})`);
    expect(mail.automated).toBe(1);
    expect(mail.body).toContain('We have not been able to reach Ana');
    expect(mail.author).toBe('Automation: Customer unreachable for 2 days → email the insurer');
    expect((await timers()).filter((t) => t.firedAt).map((t) => t.roId)).toEqual([quiet.id]);
    if (engine === 'postgres') {
      // Fired by a job of the shared queue (pg-boss), which any relay process on this database works.
      expect((await s.f.storage.jobs.counts(TIMER_QUEUE)).completed ?? 0).toBeGreaterThan(0);
    }

    // The dry run at the desk (its clock on Wednesday) shows the email it sent over the last 30 days.
    deskNow = new Date('2026-12-16T15:00:00Z');
    const hits = await call<DryRunHit[]>(desk, 'automation-dry-run', { id: ruleId });
    const ana = hits.filter((h) => h.roId === quiet.id);
    expect(ana).toHaveLength(1);
    expect(ana[0]).toMatchObject({ at: '2026-12-15T21:01:00.000Z', what: 'Email to the adjuster' });
    expect(hits.some((h) => h.roId === replied.id && h.at < '2026-12-16T15:00:00.000Z' && h.at > '2026-12-11T00:00:00.000Z')).toBe(false);
  }, 120_000);
});

describe('timer leases on one PostgreSQL shared by two relay processes', () => {
  it('a due timer goes to one process; when that process dies mid-fire the other takes it once the lease ran out', async () => {
    const { createTestDatabase } = await import('../testing/postgres.js');
    const { openPostgresStorage } = await import('../storage/postgres.js');
    const database = await createTestDatabase();
    const a = await openPostgresStorage(database.url);
    const b = await openPostgresStorage(database.url);
    try {
      const shop = await a.createWorkspace({ slug: 'twin-bays', name: 'Twin Bays Auto Body' });
      const wanted = [{ roId: 'ro1', occurrence: 'quiet:ro1:2026-12-10T21:00:00.000Z', dueAt: '2026-12-15T21:00:00.000Z' }];
      // Both processes arm the same timer: one row.
      await Promise.all([a, b].map((s) => s.automationTimers.arm({ workspaceId: shop.id, ruleId: 'r1', wanted, roIds: null, now: '2026-12-10T21:00:00.000Z', why: 'changed' })));
      expect(await a.automationTimers.list(shop.id)).toHaveLength(1);
      // The relay's look across shops sees every shop's due timer at once, none before its moment.
      const second = await a.createWorkspace({ slug: 'twin-bays-north', name: 'Twin Bays North' });
      await b.automationTimers.arm({ workspaceId: second.id, ruleId: 'r9', wanted, roIds: null, now: '2026-12-10T21:00:00.000Z', why: 'changed' });
      expect(await a.automationTimers.dueInAnyShop({ now: '2026-12-15T20:59:59.000Z' })).toEqual([]);
      expect((await b.automationTimers.dueInAnyShop({ now: '2026-12-15T21:00:01.000Z' })).map((d) => d.workspaceId).sort()).toEqual([shop.id, second.id].sort());
      const take = (s: typeof a, now: string, owner: string) =>
        s.automationTimers.takeDue({ workspaceId: shop.id, now, leaseUntil: new Date(Date.parse(now) + 60_000).toISOString(), owner });
      // Before it is due: nobody gets it. At its moment, both ask at once: exactly one gets it.
      expect(await take(a, '2026-12-15T20:59:59.000Z', 'a')).toEqual([]);
      const [gotA, gotB] = await Promise.all([take(a, '2026-12-15T21:00:01.000Z', 'a'), take(b, '2026-12-15T21:00:01.000Z', 'b')]);
      expect(gotA.length + gotB.length).toBe(1);
      const [winner, other] = gotA.length === 1 ? [a, b] : [b, a];
      // The winner dies without finishing. Within its lease the other gets nothing; after it, the other takes it.
      expect(await take(other, '2026-12-15T21:00:30.000Z', 'other')).toEqual([]);
      // A timer under a lease is not listed as due; the other shop's still is.
      expect((await other.automationTimers.dueInAnyShop({ now: '2026-12-15T21:00:30.000Z' })).map((d) => d.workspaceId)).toEqual([second.id]);
      const retaken = await take(other, '2026-12-15T21:01:02.000Z', 'other');
      expect(retaken.map((t) => [t.occurrence, t.attempts])).toEqual([[wanted[0]!.occurrence, 2]]);
      await other.automationTimers.finish(retaken[0]!, 'sent', '2026-12-15T21:01:03.000Z', true);
      // Done: nobody takes it again, and arming the same occurrence again does not revive it.
      expect(await take(winner, '2026-12-16T00:00:00.000Z', 'winner')).toEqual([]);
      await winner.automationTimers.arm({ workspaceId: shop.id, ruleId: 'r1', wanted, roIds: null, now: '2026-12-16T00:00:00.000Z', why: 'changed' });
      expect((await winner.automationTimers.list(shop.id)).map((t) => [t.firedAt, t.cancelledAt])).toEqual([['2026-12-15T21:01:03.000Z', null]]);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  }, 60_000);
});
