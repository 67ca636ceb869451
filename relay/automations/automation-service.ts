// The automation engine on the relay (issue 20). Whenever a workspace's data changes (and on a
// timer, for what other relay processes wrote), it reads the new stage moves, promised-date
// changes and opened exceptions, asks each active rule whether it `matches`, and for a match
// writes one `automation_runs` row whose id comes from the rule and the occurrence. The write
// runs under the workspace's writers' lock (PostgreSQL: across processes) and first looks for
// that row, so a rule fires once per occurrence however many desks and relays see the change.
//
// What it writes is what a person would: an approved automated text (the texting service then
// applies opt-out and quiet hours and claims the send once), a text draft, or a staff note. A
// rule that is not 'automatic' only ever writes drafts.
import type { FastifyBaseLogger } from 'fastify';
import { DateTime } from 'luxon';
import { type ChangeContext, matches, occurrenceOf, parseRule, readAutomationSettings, type Rule, runIds } from '../../src-shared/automations/rules.js';
import { type Occurrence, readContext, readOccurrences, ruleMergeValues, ruleText, WATCHED, type Watched } from '../../src-shared/automations/evaluate.js';
import { normalizePhone } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { isTimeZone } from '../../src-shared/sms/quiet-hours.js';
import { renderTemplate } from '../../src-shared/sms/templates.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { RelayStorage } from '../storage/types.js';
import { DirtyWorkspaces } from './dirty-workspaces.js';

export interface AutomationServiceOptions {
  /** The clock runs are stamped and the daily cap counted by (tests hold it). */
  clock?: () => Date;
  /** How often every workspace is looked at, for changes other processes wrote (default 5 s). */
  pollMs?: number;
}

/** Changes older than this never fire a rule (a relay down for days does not text about last week). */
const LOOKBACK_MS = 3 * 24 * 3600_000;

export class AutomationService {
  private readonly clock: () => Date;
  private readonly loop: DirtyWorkspaces;
  /** Per workspace, how far the changes log was read. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    options: AutomationServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.loop = new DirtyWorkspaces(storage, log, 'automations', (id) => this.scan(id), options.pollMs ?? 5000);
  }

  start(): void {
    this.loop.start();
  }

  close(): Promise<void> {
    return this.loop.close();
  }

  /** Looks at one workspace now (tests and the bench). */
  scanNow(workspaceId: string): Promise<void> {
    return this.scan(workspaceId);
  }

  /** Evaluates the active rules against what changed in one workspace since the last look. */
  async scan(workspaceId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const top = Number((await store.db.selectFrom('changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst())?.seq ?? 0);
    const seen = this.seen.get(workspaceId);
    if (seen !== undefined && top <= seen) return;
    const rules = (await store.db.selectFrom('automation_rules').selectAll().where('active', '=', 1).orderBy('position').orderBy('id').execute())
      .map(parseRule)
      .filter((r): r is Rule => r !== null && r.active && r.activeSince !== null);
    if (rules.length === 0) {
      this.seen.set(workspaceId, top);
      return;
    }
    // Only the rows the log names since the last look; everything in reach on the first look or when rules changed.
    let only: Map<Watched, string[]> | null = null;
    if (seen !== undefined) {
      const rows = await store.db
        .selectFrom('changes')
        .select(['tbl', 'row_id'])
        .distinct()
        .where('seq', '>', seen)
        .where('seq', '<=', top)
        .where('tbl', 'in', [...WATCHED, 'automation_rules'])
        .execute();
      if (!rows.some((r) => r.tbl === 'automation_rules') && rows.length <= 500) {
        only = new Map(WATCHED.map((t) => [t, rows.filter((r) => r.tbl === t).map((r) => r.row_id)]));
      }
    }
    const earliest = rules.reduce((min, r) => (r.activeSince! < min ? r.activeSince! : min), rules[0]!.activeSince!);
    const floor = new Date(Date.now() - LOOKBACK_MS).toISOString();
    const since = earliest > floor ? earliest : floor;
    const occurrences = await readOccurrences(store.db, since, only);
    let failed = false;
    for (const o of occurrences) {
      const ctx = await readContext(store.db, o);
      if (!ctx) continue;
      for (const rule of rules) {
        if (o.at < rule.activeSince!) continue;
        if (!matches(rule, ctx)) continue;
        await this.fire(workspaceId, store, rule, o, ctx).catch((err: unknown) => {
          failed = true;
          this.log.warn({ err: (err as Error).message, rule: rule.id }, 'automations: a rule could not fire; trying again at the next look');
        });
      }
    }
    // A failure is tried again: the next look reads everything in reach (runs already written are skipped).
    if (failed) this.seen.delete(workspaceId);
    else this.seen.set(workspaceId, top);
  }

  /** Writes the run (once) and what the rule does. */
  private async fire(workspaceId: string, store: WorkspaceStore, rule: Rule, o: Occurrence, ctx: ChangeContext): Promise<void> {
    const occurrence = occurrenceOf(o.table, o.rowId);
    const ids = runIds(rule.id, occurrence);
    if (await store.db.selectFrom('automation_runs').select('id').where('id', '=', ids.runId).executeTakeFirst()) return;
    const now = this.clock();
    const plan = await this.plan(store, rule, o, now);
    const wrote = await store.write({ actor: 'relay', action: 'automation-fired', summary: `Rule “${rule.name}”: ${plan.summary}`, roId: o.roId }, async (tx) => {
      // Under the writers' lock: another relay may have fired it a moment ago.
      if (await tx.get('automation_runs', ids.runId)) return false;
      const at = now.toISOString();
      const author = `Automation: ${rule.name}`.slice(0, 200);
      if (plan.outcome === 'sent') {
        await tx.insert('messages', {
          id: ids.messageId,
          ro_id: o.roId,
          customer_id: plan.customerId,
          channel: 'sms',
          direction: 'out',
          body: plan.text,
          at,
          author,
          read_at: at,
          status: 'approved',
          approved_by: 'relay',
          approved_at: at,
          template_id: plan.templateId,
          automated: 1,
          automation_rule_id: rule.id,
          peer_number: plan.mobile,
        });
      } else if (plan.outcome === 'drafted' && plan.text !== null && rule.action.kind !== 'notify-staff') {
        await tx.insert('messages', {
          id: ids.messageId,
          ro_id: o.roId,
          customer_id: plan.customerId,
          channel: 'sms',
          direction: 'out',
          body: plan.text,
          at,
          author,
          status: 'draft',
          template_id: plan.templateId,
          automated: 0,
          automation_rule_id: rule.id,
          peer_number: plan.mobile,
        });
      } else if (plan.outcome === 'notified') {
        await tx.insert('notes', { id: ids.noteId, ro_id: o.roId, body: `${author}: ${plan.text ?? ''}`.slice(0, 1200), at, staff_id: null });
      }
      await tx.insert('automation_runs', {
        id: ids.runId,
        rule_id: rule.id,
        ro_id: o.roId,
        occurrence,
        fired_at: at,
        outcome: plan.outcome,
        detail: plan.detail,
        message_id: plan.outcome === 'sent' || (plan.outcome === 'drafted' && rule.action.kind !== 'notify-staff') ? ids.messageId : plan.outcome === 'notified' ? ids.noteId : null,
      });
      return true;
    });
    if (wrote) {
      this.log.info({ rule: rule.id, outcome: plan.outcome }, 'automations: a rule fired');
      await this.storage.announceChanges(workspaceId);
    }
  }

  private async plan(
    store: WorkspaceStore,
    rule: Rule,
    o: Occurrence,
    now: Date,
  ): Promise<{ outcome: 'sent' | 'drafted' | 'notified' | 'skipped'; detail: string; summary: string; text: string | null; templateId: string | null; customerId: string | null; mobile: string | null }> {
    const ro = await store.db.selectFrom('repair_orders').selectAll().where('id', '=', o.roId).executeTakeFirst();
    const customer = ro?.customer_id ? await store.db.selectFrom('customers').selectAll().where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
    const settings = await store.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
    const action = rule.action;
    const { text, templateId } = await ruleText(store.db, action, await ruleMergeValues(store.db, o.roId, o), (body, values) => renderTemplate(body, values).text);
    const mobile = normalizePhone(customer?.mobile ?? '') ?? null;
    const base = { text, templateId, customerId: customer?.id ?? null, mobile };
    if (action.kind === 'notify-staff') {
      return rule.mode === 'automatic'
        ? { ...base, outcome: 'notified', detail: 'A note for the staff on the repair.', summary: 'note for the staff' }
        : { ...base, outcome: 'drafted', detail: `Draft mode: a person may add this note: ${text}`.slice(0, 1200), summary: 'note drafted (the rule is in draft mode)' };
    }
    if (!mobile) return { ...base, outcome: 'skipped', detail: 'The customer has no mobile number on file.', summary: 'not texted (no mobile number)' };
    if (action.kind === 'create-draft' || rule.mode !== 'automatic') {
      return { ...base, outcome: 'drafted', detail: 'A text draft for a person to read and send.', summary: 'text draft written' };
    }
    // The per-customer daily cap, in the shop's day: over it, a draft instead.
    const cap = readAutomationSettings(settings?.automation_settings).dailyCap;
    const zone = isTimeZone(settings?.time_zone) ? settings!.time_zone! : 'America/Chicago';
    const dayStart = DateTime.fromJSDate(now).setZone(zone).startOf('day').toUTC().toISO()!;
    const today = await store.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customer_id', '=', customer!.id)
      .where('automated', '=', 1)
      .where('automation_rule_id', 'is not', null)
      .where('at', '>=', dayStart)
      .executeTakeFirst();
    if (Number(today?.n ?? 0) >= cap) {
      return { ...base, outcome: 'drafted', detail: `This customer already had ${cap} automated messages today (the shop's daily cap): a draft instead.`, summary: 'text draft written (daily cap reached)' };
    }
    return { ...base, outcome: 'sent', detail: 'Handed to the texting service (opt-out and quiet hours apply).', summary: 'text to the customer' };
  }
}
