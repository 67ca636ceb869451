// The automation engine on the relay (issue 20). Whenever a workspace's data changes (and on a
// timer, for what other relay processes wrote), it reads the new stage moves, promised-date
// changes and opened exceptions, asks each active rule whether it `matches`, and for a match
// writes one `automation_runs` row whose id comes from the rule and the occurrence. The write
// runs under the workspace's writers' lock (PostgreSQL: across processes) and first looks for
// that row, so a rule fires once per occurrence however many desks and relays see the change.
//
// Time-based rules ("no customer contact for 2 business days", "an appointment is tomorrow",
// "7 days after delivery") arm durable timers in the operator database (./timer-records.ts)
// whenever the shop's data changes. The timer table is the schedule, read by the relay's clock:
// every look queues one job per due timer (relay/jobs: pg-boss on PostgreSQL, so any relay process
// fires it; at once in this process on SQLite). The job takes the timer with a lease, checks that
// what it waited for still stands (the customer did not reply meanwhile), and fires it the same
// way. A job lost with a dead process is found again by a later look once the lease runs out.
//
// What it writes is what a person would: an approved automated text (the texting service then
// applies opt-out and quiet hours and claims the send once), an approved email to the customer or
// the adjuster (the mail service sends it once from the shop's mailbox), a draft of either, or a
// notice for the staff. A rule that is not 'automatic' only ever writes drafts.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { DateTime } from 'luxon';
import { type ChangeContext, type ChangeEvent, isEmailAction, isTimed, matches, occurrenceOf, parseRule, readAutomationSettings, type Rule, runIds } from '../../src-shared/automations/rules.js';
import { readContext, readOccurrences, ruleMergeValues, ruleText, WATCHED, type Watched } from '../../src-shared/automations/evaluate.js';
import { calendarAround, pendingTimed, stillStands } from '../../src-shared/automations/timed.js';
import { hashToken, newToken, portalUrl } from '../../src-shared/portal/token.js';
import { normalizePhone } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { isTimeZone } from '../../src-shared/sms/quiet-hours.js';
import { DEFAULT_TEMPLATES, renderTemplate } from '../../src-shared/sms/templates.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { DEFAULT_EMAIL_TEMPLATES } from '../../src-shared/email/templates.js';
import type { JobOptions } from '../jobs/queue.js';
import type { RelayStorage } from '../storage/types.js';
import { WorkspaceLooks } from '../workspace-looks.js';

export interface AutomationServiceOptions {
  /** The clock runs are stamped and the daily cap counted by (tests hold it). */
  clock?: () => Date;
  /** How often due timers are looked for, in every shop at once (one query; default 5 s). */
  pollMs?: number;
  /** How often every shop is looked at without a change this process took (what a process that died before its look left; default 60 s, or pollMs when only that is given). */
  roundMs?: number;
  /** The relay's public address, for the portal link a rule's words may carry. */
  publicUrl?: () => string;
  /** How long a process holds a due timer while firing it (default 60 s of the clock). */
  timerLeaseMs?: number;
}

/** What one firing is about: the repair, the occurrence key and what happened. */
interface Firing {
  roId: string;
  occurrence: string;
  event: ChangeEvent;
}

/** One due timer to fire (the job's data). */
interface TimerJob {
  workspaceId: string;
  ruleId: string;
  occurrence: string;
}

export const TIMER_QUEUE = 'automation-timer';

/** Changes older than this never fire a rule (a relay down for days does not text about last week). */
const LOOKBACK_MS = 3 * 24 * 3600_000;

export class AutomationService {
  private readonly clock: () => Date;
  private readonly loop: WorkspaceLooks;
  /** Per workspace, how far the changes log was read. */
  private readonly seen = new Map<string, number>();
  private readonly owner = `relay-${randomUUID()}`;
  private readonly publicUrl: () => string;
  private readonly leaseMs: number;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    options: AutomationServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.publicUrl = options.publicUrl ?? (() => '');
    this.leaseMs = options.timerLeaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 5000;
    const roundMs = options.roundMs ?? options.pollMs ?? 60_000;
    this.loop = new WorkspaceLooks(storage, log, { name: 'automations', look: (id) => this.scan(id), pollMs: roundMs, failure: 'a look at a shop failed' });
  }

  private readonly pollMs: number;
  private dueTimer: NodeJS.Timeout | null = null;
  private queueingDue: Promise<void> | null = null;

  /** Queues every shop's due timers (one query for all shops): delays run out without a look at each shop. */
  queueAllDue(): Promise<void> {
    this.queueingDue ??= (async () => {
      try {
        const due = await this.storage.automationTimers.dueInAnyShop({ now: this.clock().toISOString() });
        if (due.length === 0) return;
        await this.defineTimerQueue();
        for (const d of due) await this.storage.jobs.enqueue<TimerJob>(TIMER_QUEUE, `${d.workspaceId}:${d.ruleId}:${d.occurrence}`, d);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'automations: due timers could not be queued; trying again shortly');
      } finally {
        this.queueingDue = null;
      }
    })();
    return this.queueingDue;
  }

  /** The timers' job queue, set up once (again after a failure) before the first job is queued. */
  private defining: Promise<void> | null = null;

  private timerJobOptions(): JobOptions {
    // A job outliving twice its lease is handed to another process, which takes the timer once the lease ran out.
    return { expireInSeconds: Math.max(30, Math.ceil((2 * this.leaseMs) / 1000)), retryLimit: 3, retryDelay: 5, pollingIntervalSeconds: 2, wakeOnEnqueue: true, workers: 1 };
  }

  private defineTimerQueue(): Promise<void> {
    this.defining ??= this.storage.jobs.define<TimerJob>(TIMER_QUEUE, this.timerJobOptions(), (job) => this.runTimerJob(job)).catch((err: unknown) => {
      this.defining = null;
      throw err;
    });
    return this.defining;
  }

  start(): void {
    void this.defineTimerQueue().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'automations: the timer queue could not be set up; trying again at the next due timer'));
    this.loop.start();
    this.dueTimer = setInterval(() => void this.queueAllDue(), this.pollMs);
    this.dueTimer.unref();
  }

  async close(): Promise<void> {
    if (this.dueTimer) clearInterval(this.dueTimer);
    await this.queueingDue;
    await this.loop.close();
  }

  /** Looks at one workspace now (tests and the bench). */
  scanNow(workspaceId: string): Promise<void> {
    return this.scan(workspaceId);
  }

  /** Evaluates the active rules against what changed in one workspace since the last look, then fires the timers that fell due. */
  async scan(workspaceId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    await this.scanChanges(workspaceId, store);
    await this.fireDue(workspaceId);
  }

  private async activeRules(store: WorkspaceStore): Promise<Rule[]> {
    return (await store.db.selectFrom('automation_rules').selectAll().where('active', '=', 1).orderBy('position').orderBy('id').execute())
      .map(parseRule)
      .filter((r): r is Rule => r !== null && r.active && r.activeSince !== null);
  }

  private async scanChanges(workspaceId: string, store: WorkspaceStore): Promise<void> {
    const top = Number((await store.db.selectFrom('changes').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst())?.seq ?? 0);
    const seen = this.seen.get(workspaceId);
    if (seen !== undefined && top <= seen) return;
    const all = await this.activeRules(store);
    const rules = all.filter((r) => !isTimed(r.trigger));
    const timed = all.filter((r) => isTimed(r.trigger));
    let failed = false;
    // Timers: armed for what the time-based rules wait on now; the others (rule off, customer replied) cancelled.
    await this.armTimers(workspaceId, store, timed).catch((err: unknown) => {
      failed = true;
      this.log.warn({ err: (err as Error).message }, 'automations: timers could not be armed; trying again at the next look');
    });
    if (rules.length === 0) {
      if (failed) this.seen.delete(workspaceId);
      else this.seen.set(workspaceId, top);
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
    for (const o of occurrences) {
      const ctx = await readContext(store.db, o);
      if (!ctx) continue;
      for (const rule of rules) {
        if (o.at < rule.activeSince!) continue;
        if (!matches(rule, ctx)) continue;
        await this.fire(workspaceId, store, rule, { roId: o.roId, occurrence: occurrenceOf(o.table, o.rowId), event: o.event }, ctx).catch((err: unknown) => {
          failed = true;
          this.log.warn({ err: (err as Error).message, rule: rule.id }, 'automations: a rule could not fire; trying again at the next look');
        });
      }
    }
    // A failure is tried again: the next look reads everything in reach (runs already written are skipped).
    if (failed) this.seen.delete(workspaceId);
    else this.seen.set(workspaceId, top);
  }

  /** Arms each time-based rule's timers for what it waits on now; cancels those of rules switched off. */
  private async armTimers(workspaceId: string, store: WorkspaceStore, timed: readonly Rule[]): Promise<void> {
    const now = this.clock();
    const at = now.toISOString();
    await this.storage.automationTimers.cancelOthers(workspaceId, timed.map((r) => r.id), at);
    if (timed.length === 0) return;
    const calendar = await calendarAround(store.db, now);
    for (const rule of timed) {
      if (!isTimed(rule.trigger)) continue;
      // Only moments after the rule was switched on: switching one on never emails about last week.
      const wanted = (await pendingTimed(store.db, rule.trigger, calendar, now)).filter((o) => o.dueAt >= rule.activeSince!);
      await this.storage.automationTimers.arm({ workspaceId, ruleId: rule.id, wanted, roIds: null, now: at, why: 'What it waited for changed (a contact, a new date, a cancelled appointment).' });
    }
  }

  /** Queues a job for each of this shop's due timers that nobody holds (the job fires it). */
  private async fireDue(workspaceId: string): Promise<void> {
    const due = await this.storage.automationTimers.due({ workspaceId, now: this.clock().toISOString() });
    if (due.length === 0) return;
    await this.defineTimerQueue();
    for (const d of due) await this.storage.jobs.enqueue<TimerJob>(TIMER_QUEUE, `${workspaceId}:${d.ruleId}:${d.occurrence}`, { workspaceId, ...d });
  }

  /** One due timer: taken with a lease, fired if what it waited for still stands, else cancelled. */
  private async runTimerJob(job: TimerJob): Promise<void> {
    const now = this.clock();
    const timers = this.storage.automationTimers;
    const t = await timers.take({ ...job, now: now.toISOString(), leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString(), owner: this.owner });
    if (!t) return; // fired, cancelled, or held by another process
    const store = await this.storage.workspaceStore(job.workspaceId);
    try {
      const rule = (await this.activeRules(store)).find((r) => r.id === t.ruleId);
      if (!rule || !isTimed(rule.trigger)) {
        await timers.finish(t, 'The rule was switched off or changed.', now.toISOString(), false);
        return;
      }
      // What it waited on may have changed since it was armed (a reply just arrived): check now.
      const calendar = await calendarAround(store.db, now);
      const current = await stillStands(store.db, rule.trigger, calendar, now, t.roId, t.occurrence);
      if (!current) {
        await timers.finish(t, 'What it waited for changed before it was due.', now.toISOString(), false);
        return;
      }
      const ctx = await readContext(store.db, { table: 'stage_events', rowId: t.occurrence, roId: t.roId, at: current.dueAt, event: current.event });
      if (!ctx || !matches(rule, ctx)) {
        await timers.finish(t, 'The repair no longer fits the rule’s conditions.', now.toISOString(), false);
        return;
      }
      const outcome = await this.fire(job.workspaceId, store, rule, { roId: t.roId, occurrence: t.occurrence, event: current.event }, ctx);
      await timers.finish(t, outcome, this.clock().toISOString(), true);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, rule: t.ruleId }, 'automations: a timer could not fire; trying again at the next look');
      await timers.release(t, `Failed: ${(err as Error).message}`.slice(0, 300)).catch(() => undefined);
    }
  }

  /** Writes the run (once) and what the rule does; answers what happened, in words. */
  private async fire(workspaceId: string, store: WorkspaceStore, rule: Rule, o: Firing, _ctx: ChangeContext): Promise<string> {
    const occurrence = o.occurrence;
    const ids = runIds(rule.id, occurrence);
    const before = await store.db.selectFrom('automation_runs').select(['id', 'outcome']).where('id', '=', ids.runId).executeTakeFirst();
    if (before) return `Already fired (${before.outcome ?? ''}).`;
    const now = this.clock();
    const plan = await this.plan(workspaceId, store, rule, o, now);
    const wrote = await store.write({ actor: 'relay', action: 'automation-fired', summary: `Rule “${rule.name}”: ${plan.summary}`, roId: o.roId }, async (tx) => {
      // Under the writers' lock: another relay may have fired it a moment ago.
      if (await tx.get('automation_runs', ids.runId)) return false;
      const at = now.toISOString();
      const author = `Automation: ${rule.name}`.slice(0, 200);
      let messageId: string | null = null;
      if (plan.token) {
        // The portal link its words carry: the relay keeps only the hash, like a link the shop page texts.
        await tx.insert('portal_tokens', { ro_id: o.roId, kind: 'customer', token_hash: hashToken(plan.token), issued_at: at, issued_by: null, expires_at: null });
      }
      const base = { id: ids.messageId, ro_id: o.roId, customer_id: plan.customerId, direction: 'out', body: plan.text, at, author, template_id: plan.templateId, automation_rule_id: rule.id };
      const approved = { read_at: at, status: 'approved', approved_by: 'relay', approved_at: at, automated: 1 };
      const draft = { status: 'draft', automated: 0 };
      if (plan.channel === 'sms' && (plan.outcome === 'sent' || plan.outcome === 'drafted')) {
        await tx.insert('messages', { ...base, channel: 'sms', peer_number: plan.mobile, ...(plan.outcome === 'sent' ? approved : draft) });
        messageId = ids.messageId;
      } else if (plan.channel === 'email' && plan.mail && (plan.outcome === 'sent' || plan.outcome === 'drafted')) {
        await tx.insert('messages', {
          ...base,
          channel: 'email',
          ...(plan.outcome === 'sent' ? approved : draft),
          mailbox_id: plan.mail.mailboxId,
          subject: plan.subject,
          email_from: JSON.stringify(plan.mail.from),
          email_to: JSON.stringify([plan.mail.to]),
          email_cc: JSON.stringify([]),
          email_thread_id: null,
          email_message_id: `<${createHash('sha256').update(`${workspaceId}:${ids.messageId}`).digest('hex').slice(0, 32)}.bayline@${(plan.mail.from.address.split('@')[1] ?? '') || 'bayline.invalid'}>`,
        });
        messageId = ids.messageId;
      } else if (plan.channel === 'notice' && plan.outcome === 'notified') {
        await tx.insert('staff_notifications', {
          id: ids.noticeId,
          ro_id: o.roId,
          rule_id: rule.id,
          run_id: ids.runId,
          kind: 'automation',
          title: rule.name.slice(0, 200),
          body: (plan.text ?? '').slice(0, 1200),
          for_role: null,
          for_staff_id: null,
          created_at: at,
          read_at: null,
          read_by: null,
        });
        messageId = ids.noticeId;
      }
      await tx.insert('automation_runs', { id: ids.runId, rule_id: rule.id, ro_id: o.roId, occurrence, fired_at: at, outcome: plan.outcome, detail: plan.detail, message_id: messageId });
      return true;
    });
    if (wrote) {
      this.log.info({ rule: rule.id, outcome: plan.outcome }, 'automations: a rule fired');
      await this.storage.announceChanges(workspaceId);
    }
    return `${plan.outcome}: ${plan.detail}`.slice(0, 300);
  }

  private async plan(workspaceId: string, store: WorkspaceStore, rule: Rule, o: Firing, now: Date): Promise<Plan> {
    const ro = await store.db.selectFrom('repair_orders').selectAll().where('id', '=', o.roId).executeTakeFirst();
    const customer = ro?.customer_id ? await store.db.selectFrom('customers').selectAll().where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
    const settings = await store.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
    const action = rule.action;
    const email = isEmailAction(action);
    // A portal link only when the words ask for one (the template's, in the customer's language, or the rule's own).
    const words = `${action.body} ${'subject' in action ? action.subject : ''}`;
    const templateWords = action.kind !== 'notify-staff' && action.templateId ? await this.templateWords(store, action.templateId, email) : '';
    const token = (words + templateWords).includes('{portal_link}') && this.publicUrl() && ro ? newToken(workspaceId) : null;
    const link = token ? portalUrl(this.publicUrl(), token, email ? 'email' : 'sms') : '';
    const values = await ruleMergeValues(store.db, o.roId, o.event, link);
    const language = customer?.language ?? null;
    const { text, subject, templateId } = await ruleText(store.db, action, values, (body, v) => renderTemplate(body, v, email ? { keepLines: true } : {}).text, language);
    const mobile = normalizePhone(customer?.mobile ?? '') ?? null;
    const base = { text, subject, templateId, customerId: customer?.id ?? null, mobile, token: null as string | null, mail: null as Plan['mail'] };
    const withLink = { ...base, token };
    const draft = rule.mode !== 'automatic';
    if (action.kind === 'notify-staff') {
      return draft
        ? { ...base, channel: 'notice', outcome: 'drafted', detail: `Draft mode: a person may tell the staff: ${text}`.slice(0, 1200), summary: 'notice proposed (the rule is in draft mode)' }
        : { ...base, channel: 'notice', outcome: 'notified', detail: 'A notice for the staff at the desk.', summary: 'notice for the staff' };
    }
    if (email) {
      const toCustomer = action.kind === 'email-customer';
      const address = toCustomer ? customer?.email : ro?.adjuster_email;
      if (!address) {
        return { ...base, channel: 'email', outcome: 'skipped', detail: toCustomer ? 'The customer has no email address on file.' : 'The repair has no adjuster email on file.', summary: toCustomer ? 'not emailed (no address)' : 'not emailed (no adjuster email)' };
      }
      const box = await this.mailbox(store, o.roId);
      const to = { name: toCustomer ? [customer?.first_name, customer?.last_name].filter(Boolean).join(' ') : (ro?.adjuster_name ?? ''), address };
      const mail = { mailboxId: box?.id ?? null, from: { name: settings?.name ?? '', address: box?.address ?? '' }, to };
      const who = toCustomer ? 'the customer' : 'the adjuster';
      if (draft || !box) {
        const why = draft ? `An email draft to ${who} for a person to read and send.` : `No mailbox is connected, so an email draft to ${who} waits for a person.`;
        return { ...withLink, mail, channel: 'email', outcome: 'drafted', detail: why, summary: `email draft to ${who} written` };
      }
      if (toCustomer && customer && (await this.overCap(store, settings, customer, now))) {
        const cap = readAutomationSettings(settings?.automation_settings).dailyCap;
        return { ...withLink, mail, channel: 'email', outcome: 'drafted', detail: `This customer already had ${cap} automated messages today (the shop's daily cap): a draft instead.`, summary: 'email draft written (daily cap reached)' };
      }
      return { ...withLink, mail, channel: 'email', outcome: 'sent', detail: `Handed to the mail service: sent once from ${box.address} to ${who}.`, summary: `email to ${who}` };
    }
    if (!mobile) return { ...base, channel: 'sms', outcome: 'skipped', detail: 'The customer has no mobile number on file.', summary: 'not texted (no mobile number)' };
    if (action.kind === 'create-draft' || draft) {
      return { ...withLink, channel: 'sms', outcome: 'drafted', detail: 'A text draft for a person to read and send.', summary: 'text draft written' };
    }
    if (customer && (await this.overCap(store, settings, customer, now))) {
      const cap = readAutomationSettings(settings?.automation_settings).dailyCap;
      return { ...withLink, channel: 'sms', outcome: 'drafted', detail: `This customer already had ${cap} automated messages today (the shop's daily cap): a draft instead.`, summary: 'text draft written (daily cap reached)' };
    }
    return { ...withLink, channel: 'sms', outcome: 'sent', detail: 'Handed to the texting service (opt-out and quiet hours apply).', summary: 'text to the customer' };
  }

  /** The words of a template (any language), to know whether they ask for a portal link. */
  private async templateWords(store: WorkspaceStore, templateId: string, email: boolean): Promise<string> {
    const rows = email
      ? await store.db.selectFrom('email_templates').select(['body', 'subject']).where((eb) => eb.or([eb('id', '=', templateId), eb('id', 'like', `${templateId}:%`)])).execute()
      : await store.db.selectFrom('sms_templates').select(['body']).where((eb) => eb.or([eb('id', '=', templateId), eb('id', 'like', `${templateId}:%`)])).execute();
    const code = [...DEFAULT_TEMPLATES, ...DEFAULT_EMAIL_TEMPLATES].find((t) => t.id === templateId);
    return [code?.body ?? '', 'subject' in (code ?? {}) ? (code as { subject: string }).subject : '', ...rows.map((r) => `${r.body ?? ''} ${'subject' in r ? (r.subject ?? '') : ''}`)].join(' ');
  }

  /** The mailbox an automated email goes out of: the one the repair's last mail went through, else the first connected. */
  private async mailbox(store: WorkspaceStore, roId: string): Promise<{ id: string; address: string } | null> {
    const boxes = (await store.db.selectFrom('mailboxes').selectAll().where('state', '=', 'connected').execute()).sort(
      (a, b) => (a.connected_at ?? '').localeCompare(b.connected_at ?? '') || (a.address ?? '').localeCompare(b.address ?? ''),
    );
    if (boxes.length === 0) return null;
    const recent = await store.db.selectFrom('messages').select('mailbox_id').where('ro_id', '=', roId).where('channel', '=', 'email').where('mailbox_id', 'is not', null).orderBy('at', 'desc').limit(50).execute();
    const box = recent.map((r) => boxes.find((b) => b.id === r.mailbox_id)).find(Boolean) ?? boxes[0]!;
    return { id: box.id, address: box.address ?? '' };
  }

  /** The per-customer daily cap, in the shop's day: automated rule texts to them and rule emails to their address. */
  private async overCap(store: WorkspaceStore, settings: RowOf<'workspace_settings'> | undefined, customer: RowOf<'customers'>, now: Date): Promise<boolean> {
    const cap = readAutomationSettings(settings?.automation_settings).dailyCap;
    const zone = isTimeZone(settings?.time_zone) ? settings!.time_zone! : 'America/Chicago';
    const dayStart = DateTime.fromJSDate(now).setZone(zone).startOf('day').toUTC().toISO()!;
    const rows = await store.db
      .selectFrom('messages')
      .select(['channel', 'email_to'])
      .where('customer_id', '=', customer.id)
      .where('automated', '=', 1)
      .where('automation_rule_id', 'is not', null)
      .where('at', '>=', dayStart)
      .execute();
    const address = (customer.email ?? '').trim().toLowerCase();
    const count = rows.filter((r) => r.channel === 'sms' || (r.channel === 'email' && address !== '' && (r.email_to ?? '').toLowerCase().includes(address))).length;
    return count >= cap;
  }
}

interface Plan {
  channel: 'sms' | 'email' | 'notice';
  outcome: 'sent' | 'drafted' | 'notified' | 'skipped';
  detail: string;
  summary: string;
  text: string | null;
  subject: string | null;
  templateId: string | null;
  customerId: string | null;
  mobile: string | null;
  /** A new portal link's token, when the words carry `{portal_link}`. */
  token: string | null;
  mail: { mailboxId: string | null; from: { name: string; address: string }; to: { name: string; address: string } } | null;
}
