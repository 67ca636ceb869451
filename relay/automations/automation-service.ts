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
import { type ChangeContext, type ChangeEvent, matches, occurrenceOf, readAutomationSettings, type Rule, ruleInputSchema, runIds } from '../../src-shared/automations/rules.js';
import { DELAY_REASONS, isDelayReason } from '../../src-shared/exceptions.js';
import { formatPhone, normalizePhone } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { isTimeZone } from '../../src-shared/sms/quiet-hours.js';
import { renderTemplate } from '../../src-shared/sms/templates.js';
import { DEFAULT_STAGE_WORDING, isStage } from '../../src-shared/stages.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
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
const WATCHED = ['stage_events', 'promised_date_changes', 'ro_exceptions'] as const;
type Watched = (typeof WATCHED)[number];

interface Occurrence {
  table: Watched;
  rowId: string;
  roId: string;
  at: string;
  event: ChangeEvent;
}

/** A rule row read into its parts; a row that no longer parses (a newer desk's shape) is skipped. */
export function parseRule(row: RowOf<'automation_rules'>): Rule | null {
  try {
    const parsed = ruleInputSchema.safeParse({
      name: row.name,
      preset: row.preset ?? null,
      trigger: JSON.parse(row.trigger ?? 'null'),
      conditions: JSON.parse(row.conditions ?? '{}'),
      action: JSON.parse(row.action ?? 'null'),
      mode: row.mode === 'automatic' ? 'automatic' : 'draft',
      active: row.active === 1,
    });
    return parsed.success ? { ...parsed.data, id: row.id, activeSince: row.active_since ?? null } : null;
  } catch {
    return null;
  }
}

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
    const occurrences = await this.occurrences(store, since, only);
    let failed = false;
    for (const o of occurrences) {
      const ctx = await this.context(store, o);
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

  private async occurrences(store: WorkspaceStore, since: string, only: Map<Watched, string[]> | null): Promise<Occurrence[]> {
    const out: Occurrence[] = [];
    const ids = (t: Watched) => only?.get(t) ?? null;
    const stageIds = ids('stage_events');
    if (stageIds === null || stageIds.length > 0) {
      let q = store.db
        .selectFrom('stage_events as e')
        .leftJoin('sub_statuses as s', 's.id', 'e.sub_status_id')
        .select(['e.id', 'e.ro_id', 'e.stage', 'e.at', 's.name as sub'])
        .where('e.at', '>=', since);
      if (stageIds) q = q.where('e.id', 'in', stageIds);
      for (const r of await q.execute()) {
        if (r.ro_id && r.at && r.stage) out.push({ table: 'stage_events', rowId: r.id, roId: r.ro_id, at: r.at, event: { kind: 'stage-entered', stage: r.stage, subStatus: r.sub ?? null } });
      }
    }
    const promisedIds = ids('promised_date_changes');
    if (promisedIds === null || promisedIds.length > 0) {
      let q = store.db.selectFrom('promised_date_changes').selectAll().where('at', '>=', since);
      if (promisedIds) q = q.where('id', 'in', promisedIds);
      for (const r of await q.execute()) {
        if (r.ro_id && r.at) out.push({ table: 'promised_date_changes', rowId: r.id, roId: r.ro_id, at: r.at, event: { kind: 'promised-date-moved', from: r.from_date, to: r.to_date, reason: r.reason } });
      }
    }
    const exceptionIds = ids('ro_exceptions');
    if (exceptionIds === null || exceptionIds.length > 0) {
      let q = store.db.selectFrom('ro_exceptions').selectAll().where('opened_at', '>=', since);
      if (exceptionIds) q = q.where('id', 'in', exceptionIds);
      for (const r of await q.execute()) {
        if (r.ro_id && r.opened_at) out.push({ table: 'ro_exceptions', rowId: r.id, roId: r.ro_id, at: r.opened_at, event: { kind: 'exception-opened', tag: r.tag, reason: r.reason } });
      }
    }
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.rowId < b.rowId ? -1 : 1));
  }

  private async context(store: WorkspaceStore, o: Occurrence): Promise<ChangeContext | null> {
    const ro = await store.db.selectFrom('repair_orders').select(['insurer', 'stage', 'customer_id']).where('id', '=', o.roId).executeTakeFirst();
    if (!ro) return null;
    const customer = ro.customer_id ? await store.db.selectFrom('customers').select(['mobile', 'email']).where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
    return { event: o.event, ro: { insurer: ro.insurer, stage: ro.stage }, customer: customer ?? null };
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
    let body = action.body;
    let templateId: string | null = null;
    if (action.kind !== 'notify-staff' && action.templateId) {
      const t = await store.db.selectFrom('sms_templates').select(['id', 'body']).where('id', '=', action.templateId).executeTakeFirst();
      if (t?.body) {
        body = t.body;
        templateId = t.id;
      }
    }
    const text = renderTemplate(body, await this.values(store, ro, customer, settings, o)).text;
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

  private async values(
    store: WorkspaceStore,
    ro: RowOf<'repair_orders'> | undefined,
    customer: RowOf<'customers'> | undefined,
    settings: RowOf<'workspace_settings'> | undefined,
    o: Occurrence,
  ): Promise<Record<string, string>> {
    const vehicle = ro?.vehicle_id ? await store.db.selectFrom('vehicles').selectAll().where('id', '=', ro.vehicle_id).executeTakeFirst() : undefined;
    const promised = ro?.promised_date
      ? new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${ro.promised_date}T12:00:00Z`))
      : '';
    const e = o.event;
    const reason =
      e.kind === 'promised-date-moved' ? (e.reason ?? '') : e.kind === 'exception-opened' && e.reason && isDelayReason(e.reason) ? DELAY_REASONS[e.reason].toLowerCase() : '';
    const phone = settings?.phone ?? '';
    return {
      first_name: customer?.first_name ?? '',
      vehicle: vehicle ? [vehicle.year, vehicle.make, vehicle.model].filter((v) => v !== null && v !== '').join(' ') : '',
      ro_number: ro?.ro_number ? String(ro.ro_number) : '',
      claim_number: ro?.claim_number ?? '',
      adjuster_name: ro?.adjuster_name ?? '',
      stage: ro?.stage && isStage(ro.stage) ? DEFAULT_STAGE_WORDING[ro.stage] : '',
      promised_date: promised,
      shop_name: settings?.name ?? '',
      shop_phone: formatPhone(normalizePhone(phone) ?? phone) || phone,
      reason,
    };
  }
}
