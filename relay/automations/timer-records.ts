// The automation engine's durable timers (operator migration 14), over the operator database of
// either engine with the same Kysely queries. Arming reconciles a rule's open timers with what it
// waits for now; taking a due timer is one conditional UPDATE (a lease), so two relay processes on
// one PostgreSQL never both hold it, and a lease that ran out (a process died mid-fire) is taken
// again by the next look.
import type { Kysely } from 'kysely';

export interface AutomationTimersDatabase {
  automation_timers: {
    workspace_id: string;
    rule_id: string;
    occurrence: string;
    ro_id: string;
    due_at: string;
    armed_at: string;
    attempts: number;
    lease_until: string | null;
    leased_by: string | null;
    fired_at: string | null;
    cancelled_at: string | null;
    outcome: string | null;
  };
}

export interface TimerRow {
  workspaceId: string;
  ruleId: string;
  occurrence: string;
  roId: string;
  dueAt: string;
  attempts: number;
  firedAt: string | null;
  cancelledAt: string | null;
  outcome: string | null;
}

export interface WantedTimer {
  roId: string;
  occurrence: string;
  dueAt: string;
}

type Row = AutomationTimersDatabase['automation_timers'];

const toRow = (r: Row): TimerRow => ({
  workspaceId: r.workspace_id,
  ruleId: r.rule_id,
  occurrence: r.occurrence,
  roId: r.ro_id,
  dueAt: r.due_at,
  attempts: Number(r.attempts),
  firedAt: r.fired_at,
  cancelledAt: r.cancelled_at,
  outcome: r.outcome,
});

export class AutomationTimerRecords {
  constructor(private readonly db: Kysely<AutomationTimersDatabase>) {}

  /**
   * Makes the rule's open timers (for these repairs, or all when `roIds` is null) what it waits
   * for now: new ones armed, moved ones re-armed at their new moment, the rest cancelled with why.
   * A row that already fired or was cancelled is never armed again for the same occurrence.
   */
  async arm(input: { workspaceId: string; ruleId: string; wanted: readonly WantedTimer[]; roIds: readonly string[] | null; now: string; why: string }): Promise<{ armed: number; cancelled: number }> {
    let q = this.db
      .selectFrom('automation_timers')
      .selectAll()
      .where('workspace_id', '=', input.workspaceId)
      .where('rule_id', '=', input.ruleId)
      .where('fired_at', 'is', null)
      .where('cancelled_at', 'is', null);
    if (input.roIds) q = q.where('ro_id', 'in', input.roIds.length > 0 ? [...input.roIds] : ['-']);
    const open = await q.execute();
    const wanted = new Map(input.wanted.map((w) => [w.occurrence, w]));
    let cancelled = 0;
    for (const t of open) {
      const w = wanted.get(t.occurrence);
      if (!w) {
        const done = await this.db
          .updateTable('automation_timers')
          .set({ cancelled_at: input.now, outcome: input.why, lease_until: null })
          .where('workspace_id', '=', t.workspace_id)
          .where('rule_id', '=', t.rule_id)
          .where('occurrence', '=', t.occurrence)
          .where('fired_at', 'is', null)
          .where('cancelled_at', 'is', null)
          .executeTakeFirst();
        cancelled += Number(done.numUpdatedRows ?? 0);
      } else if (w.dueAt !== t.due_at) {
        await this.db
          .updateTable('automation_timers')
          .set({ due_at: w.dueAt, armed_at: input.now })
          .where('workspace_id', '=', t.workspace_id)
          .where('rule_id', '=', t.rule_id)
          .where('occurrence', '=', t.occurrence)
          .where('fired_at', 'is', null)
          .execute();
      }
    }
    const known = new Set(open.map((t) => t.occurrence));
    let armed = 0;
    for (const w of input.wanted) {
      if (known.has(w.occurrence)) continue;
      const r = await this.db
        .insertInto('automation_timers')
        .values({
          workspace_id: input.workspaceId,
          rule_id: input.ruleId,
          occurrence: w.occurrence,
          ro_id: w.roId,
          due_at: w.dueAt,
          armed_at: input.now,
          attempts: 0,
          lease_until: null,
          leased_by: null,
          fired_at: null,
          cancelled_at: null,
          outcome: null,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'rule_id', 'occurrence']).doNothing())
        .returning('occurrence')
        .executeTakeFirst();
      if (r) armed += 1;
    }
    return { armed, cancelled };
  }

  /** Cancels every open timer of this shop whose rule is not among `keepRuleIds` (a rule switched off, or no longer time-based). */
  async cancelOthers(workspaceId: string, keepRuleIds: readonly string[], now: string): Promise<number> {
    let q = this.db
      .updateTable('automation_timers')
      .set({ cancelled_at: now, outcome: 'The rule was switched off or changed.', lease_until: null })
      .where('workspace_id', '=', workspaceId)
      .where('fired_at', 'is', null)
      .where('cancelled_at', 'is', null);
    if (keepRuleIds.length > 0) q = q.where('rule_id', 'not in', [...keepRuleIds]);
    return Number((await q.executeTakeFirst()).numUpdatedRows ?? 0);
  }

  /**
   * Leases the shop's due timers to `owner` until `leaseUntil`; a timer leased by a process that
   * went away is taken again once its lease ran out. Each is one conditional UPDATE: only one
   * process gets a given timer.
   */
  /** This shop's timers that are due now and held by nobody (oldest first); nothing is taken. */
  async due(input: { workspaceId: string; now: string; limit?: number }): Promise<Array<{ ruleId: string; occurrence: string }>> {
    return (await this.dueTimers({ ...input, limit: input.limit ?? 50 })).map(({ ruleId, occurrence }) => ({ ruleId, occurrence }));
  }

  /** Due timers nobody holds, in every shop, oldest first (the relay's one look for all shops). */
  dueInAnyShop(input: { now: string; limit?: number }): Promise<Array<{ workspaceId: string; ruleId: string; occurrence: string }>> {
    return this.dueTimers({ ...input, limit: input.limit ?? 200 });
  }

  private async dueTimers(input: { workspaceId?: string; now: string; limit: number }): Promise<Array<{ workspaceId: string; ruleId: string; occurrence: string }>> {
    let q = this.db
      .selectFrom('automation_timers')
      .select(['workspace_id', 'rule_id', 'occurrence'])
      .where('fired_at', 'is', null)
      .where('cancelled_at', 'is', null)
      .where('due_at', '<=', input.now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', input.now)]));
    if (input.workspaceId !== undefined) q = q.where('workspace_id', '=', input.workspaceId);
    const rows = await q.orderBy('due_at').limit(input.limit).execute();
    return rows.map((r) => ({ workspaceId: r.workspace_id, ruleId: r.rule_id, occurrence: r.occurrence }));
  }

  /** Takes one due timer with a lease; null when it fired, was cancelled, or another process holds it. */
  async take(input: { workspaceId: string; ruleId: string; occurrence: string; now: string; leaseUntil: string; owner: string }): Promise<TimerRow | null> {
    const row = await this.db
      .updateTable('automation_timers')
      .set((eb) => ({ lease_until: input.leaseUntil, leased_by: input.owner, attempts: eb('attempts', '+', 1) }))
      .where('workspace_id', '=', input.workspaceId)
      .where('rule_id', '=', input.ruleId)
      .where('occurrence', '=', input.occurrence)
      .where('fired_at', 'is', null)
      .where('cancelled_at', 'is', null)
      .where('due_at', '<=', input.now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', input.now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toRow(row) : null;
  }

  /** Takes every due timer of a shop that nobody holds (a lease each). */
  async takeDue(input: { workspaceId: string; now: string; leaseUntil: string; owner: string; limit?: number }): Promise<TimerRow[]> {
    const taken: TimerRow[] = [];
    for (const d of await this.due(input)) {
      const row = await this.take({ ...input, ...d });
      if (row) taken.push(row);
    }
    return taken;
  }

  /** The timer is done: fired (with what it did) or, when what it waited on changed meanwhile, cancelled. */
  async finish(t: { workspaceId: string; ruleId: string; occurrence: string }, outcome: string, now: string, fired: boolean): Promise<void> {
    await this.db
      .updateTable('automation_timers')
      .set(fired ? { fired_at: now, outcome, lease_until: null } : { cancelled_at: now, outcome, lease_until: null })
      .where('workspace_id', '=', t.workspaceId)
      .where('rule_id', '=', t.ruleId)
      .where('occurrence', '=', t.occurrence)
      .execute();
  }

  /** Gives a timer back after a failed firing: the next look tries again. */
  async release(t: { workspaceId: string; ruleId: string; occurrence: string }, outcome: string): Promise<void> {
    await this.db
      .updateTable('automation_timers')
      .set({ lease_until: null, leased_by: null, outcome })
      .where('workspace_id', '=', t.workspaceId)
      .where('rule_id', '=', t.ruleId)
      .where('occurrence', '=', t.occurrence)
      .where('fired_at', 'is', null)
      .execute();
  }

  /** The shop's timers, newest due first (tests and the operator). */
  async list(workspaceId: string, ruleId?: string): Promise<TimerRow[]> {
    let q = this.db.selectFrom('automation_timers').selectAll().where('workspace_id', '=', workspaceId);
    if (ruleId) q = q.where('rule_id', '=', ruleId);
    return (await q.orderBy('due_at').orderBy('occurrence').execute()).map(toRow);
  }
}
