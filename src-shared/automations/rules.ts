// Automation rules (issue 20) in the shop's words: *when* something happens to a repair, *if* the
// repair and customer fit, *then* text the customer, write a draft for a person, or tell the staff.
// The relay's engine and the desk's dry run both decide with `matches`, so what the dry run shows
// is what the engine would do.
import { z } from 'zod';
import { DELAY_REASONS, type DelayReason } from '../exceptions.js';
import { STAGE_LABELS, STAGES, type Stage } from '../stages.js';
import type { RowOf } from '../sync/rows.js';

const stage = z.enum(STAGES);
const reason = z.enum(Object.keys(DELAY_REASONS) as [DelayReason, ...DelayReason[]]);

export const triggerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('stage-entered'),
    stage,
    /** A sub-status of that stage by its name ("QC passed"), matched without regard to case; none: entering the stage at all. */
    subStatus: z.string().trim().min(1).max(80).optional(),
  }),
  z.object({
    kind: z.literal('exception-opened'),
    /** The tag ("#partsdelay") or the delay reason; neither: any exception. */
    tag: z.string().trim().min(1).max(40).optional(),
    reason: reason.optional(),
  }),
  z.object({ kind: z.literal('promised-date-moved') }),
  /** Time-based (a timer on the relay): nobody and the customer were in touch for this many of the shop's business days. */
  z.object({ kind: z.literal('no-contact'), businessDays: z.number().int().min(1, 'At least 1 business day.').max(30, 'At most 30 business days.') }),
  /** Time-based: a confirmed appointment starts tomorrow (fires the day before, at 10:00 the shop's time). */
  z.object({ kind: z.literal('appointment-tomorrow') }),
  /** Time-based: this many days after the car was delivered (the repair closed), at the same time of day. */
  z.object({ kind: z.literal('after-delivery'), days: z.number().int().min(1, 'At least 1 day.').max(365, 'At most 365 days.') }),
]);
/** The triggers the relay's timer table fires (the others fire from the synced changes). */
export const TIMED_TRIGGERS = ['no-contact', 'appointment-tomorrow', 'after-delivery'] as const;
export type TimedTriggerKind = (typeof TIMED_TRIGGERS)[number];
export function isTimed(t: { kind: string }): t is Extract<Trigger, { kind: TimedTriggerKind }> {
  return (TIMED_TRIGGERS as readonly string[]).includes(t.kind);
}
export type Trigger = z.infer<typeof triggerSchema>;

export const conditionsSchema = z
  .object({
    /** Only repairs paid by one of these insurers (as written on the repair, any case). */
    insurers: z.array(z.string().trim().min(1).max(120)).max(50).optional(),
    /** Only while the repair is in one of these stages. */
    stages: z.array(stage).max(STAGES.length).optional(),
    hasMobile: z.boolean().optional(),
    hasEmail: z.boolean().optional(),
  })
  .strict();
export type Conditions = z.infer<typeof conditionsSchema>;

const words = z.string().trim().min(1, 'The message has no words.').max(1000, 'The message is longer than 1,000 characters.');
const subjectWords = z.string().trim().min(1, 'The email has no subject.').max(200, 'The subject is longer than 200 characters.');
const mailWords = z.string().trim().min(1, 'The email has no words.').max(5000, 'The email is longer than 5,000 characters.');

export const actionSchema = z.discriminatedUnion('kind', [
  /** Text the customer: the shop's template (sms_templates id), or these words when it has none. */
  z.object({ kind: z.literal('text-customer'), templateId: z.string().max(120).nullable().default(null), body: words }),
  /** A text draft on the repair for a person to read, edit and send. */
  z.object({ kind: z.literal('create-draft'), templateId: z.string().max(120).nullable().default(null), body: words }),
  /** A notice for the staff at the desk (staff_notifications), with the repair. */
  z.object({ kind: z.literal('notify-staff'), body: words }),
  /** Email the customer from the shop's mailbox: the shop's email template (email_templates id), or this subject and text. */
  z.object({ kind: z.literal('email-customer'), templateId: z.string().max(120).nullable().default(null), subject: subjectWords, body: mailWords }),
  /** Email the repair's adjuster (the insurer) from the shop's mailbox, the same way. */
  z.object({ kind: z.literal('email-insurer'), templateId: z.string().max(120).nullable().default(null), subject: subjectWords, body: mailWords }),
]);
export const EMAIL_ACTIONS = ['email-customer', 'email-insurer'] as const;
export function isEmailAction(a: { kind: string }): a is Extract<Action, { kind: 'email-customer' | 'email-insurer' }> {
  return (EMAIL_ACTIONS as readonly string[]).includes(a.kind);
}
export type Action = z.infer<typeof actionSchema>;
export type ActionKind = Action['kind'];

export const MODES = ['draft', 'automatic'] as const;
export type Mode = (typeof MODES)[number];

export const ruleInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the rule a name.').max(120),
  preset: z.string().max(60).nullable().default(null),
  trigger: triggerSchema,
  conditions: conditionsSchema.default({}),
  action: actionSchema,
  mode: z.enum(MODES).default('draft'),
  active: z.boolean().default(false),
});
export type RuleInput = z.input<typeof ruleInputSchema>;

export interface Rule extends z.infer<typeof ruleInputSchema> {
  id: string;
  /** When it was last switched on: it fires only for what happens from then on. */
  activeSince: string | null;
}

export const automationSettingsSchema = z.object({
  /** Automated messages one customer may get in a day (the shop's day); more become drafts. */
  dailyCap: z.number().int().min(1).max(20).default(3),
});
export type AutomationSettings = z.infer<typeof automationSettingsSchema>;

export function readAutomationSettings(json: string | null | undefined): AutomationSettings {
  try {
    const parsed = automationSettingsSchema.safeParse(json ? JSON.parse(json) : {});
    if (parsed.success) return parsed.data;
  } catch {
    // a broken value falls back to the defaults
  }
  return automationSettingsSchema.parse({});
}

/** What happened to a repair, as the engine and the dry run see it. */
export type ChangeEvent =
  | { kind: 'stage-entered'; stage: string; subStatus: string | null }
  | { kind: 'exception-opened'; tag: string | null; reason: string | null }
  | { kind: 'promised-date-moved'; from: string | null; to: string | null; reason: string | null }
  /** Time-based: the moment the timer waited for; `since` is the last contact (or the check-in). */
  | { kind: 'no-contact'; since: string }
  | { kind: 'appointment-tomorrow'; appointmentId: string; startsAt: string }
  | { kind: 'after-delivery'; deliveredAt: string };

export interface ChangeContext {
  event: ChangeEvent;
  ro: { insurer: string | null; stage: string | null };
  customer: { mobile: string | null; email: string | null } | null;
}

const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

/** Whether the rule's *when* and *if* fit this change. Whether it is active is the caller's business. */
export function matches(rule: Pick<Rule, 'trigger' | 'conditions'>, ctx: ChangeContext): boolean {
  const t = rule.trigger;
  const e = ctx.event;
  if (t.kind !== e.kind) return false;
  if (t.kind === 'stage-entered' && e.kind === 'stage-entered') {
    if (t.stage !== e.stage) return false;
    if (t.subStatus !== undefined && !same(t.subStatus, e.subStatus)) return false;
  }
  if (t.kind === 'exception-opened' && e.kind === 'exception-opened') {
    if (t.tag !== undefined && !same(t.tag.replace(/^#?/, '#'), (e.tag ?? '').replace(/^#?/, '#'))) return false;
    if (t.reason !== undefined && t.reason !== e.reason) return false;
  }
  const c = rule.conditions;
  if (c.insurers && c.insurers.length > 0 && !c.insurers.some((i) => same(i, ctx.ro.insurer))) return false;
  if (c.stages && c.stages.length > 0 && !c.stages.includes(ctx.ro.stage as Stage)) return false;
  const hasMobile = Boolean(ctx.customer?.mobile);
  const hasEmail = Boolean(ctx.customer?.email);
  if (c.hasMobile !== undefined && c.hasMobile !== hasMobile) return false;
  if (c.hasEmail !== undefined && c.hasEmail !== hasEmail) return false;
  return true;
}

/** The occurrence key of a change: one rule fires once per key, ever. */
export function occurrenceOf(table: 'stage_events' | 'ro_exceptions' | 'promised_date_changes', rowId: string): string {
  return `${table === 'stage_events' ? 'stage' : table === 'ro_exceptions' ? 'exception' : 'promised'}:${rowId}`;
}

/** The ids of what one firing writes: the same on every relay, so a second relay's write is the same row. */
export function runIds(ruleId: string, occurrence: string): { runId: string; messageId: string; noteId: string; noticeId: string } {
  return {
    runId: `run:${ruleId}:${occurrence}`,
    messageId: `auto:${ruleId}:${occurrence}`,
    noteId: `autonote:${ruleId}:${occurrence}`,
    noticeId: `notice:${ruleId}:${occurrence}`,
  };
}

/** The ready-made rules a shop can switch on (off and in draft mode until it does). */
export const PRESETS: ReadonlyArray<{ preset: string } & z.input<typeof ruleInputSchema>> = [
  {
    preset: 'qc-passed-text',
    name: 'QC passed → text the customer to book pickup',
    trigger: { kind: 'stage-entered', stage: 'completed', subStatus: 'QC passed' },
    conditions: { hasMobile: true },
    action: {
      kind: 'text-customer',
      templateId: null,
      body: 'Hi {first_name}, your {vehicle} passed our final quality check at {shop_name}. Reply with a time that suits you to pick it up, or call {shop_phone}.',
    },
  },
  {
    preset: 'promised-date-moved-text',
    name: 'Promised date moved → tell the customer the new date and reason',
    trigger: { kind: 'promised-date-moved' },
    conditions: { hasMobile: true },
    action: {
      kind: 'text-customer',
      templateId: null,
      body: 'Hi {first_name}, an update on your {vehicle}: we now expect it ready {promised_date}. The reason: {reason}. Questions? Call {shop_phone}.',
    },
  },
  {
    preset: 'parts-delayed-text',
    name: 'Parts delayed → tell the customer',
    trigger: { kind: 'exception-opened', reason: 'parts-delay' },
    conditions: { hasMobile: true },
    action: {
      kind: 'text-customer',
      templateId: null,
      body: 'Hi {first_name}, a part for your {vehicle} is delayed. We are on it and will tell you the new date as soon as we have it. - {shop_name}',
    },
  },
  {
    preset: 'unreachable-email-insurer',
    name: 'Customer unreachable for 2 days → email the insurer',
    trigger: { kind: 'no-contact', businessDays: 2 },
    conditions: {},
    action: {
      kind: 'email-insurer',
      templateId: null,
      subject: 'Claim {claim_number}: we cannot reach the customer (RO {ro_number})',
      body:
        'Hi {adjuster_name},\n\n' +
        'We have not been able to reach {first_name}, the owner of the {vehicle} (claim {claim_number}, our RO {ro_number}), for two business days. ' +
        'The repair is at this stage: {stage}. If you have another way to reach them, please let us know or ask them to call us at {shop_phone}.\n\n' +
        'Thank you,\n{shop_name}',
    },
  },
];

/** The rule in one sentence, for lists and the audit trail. */
export function describeRule(rule: Pick<Rule, 'trigger' | 'action' | 'mode'>): string {
  const t = rule.trigger;
  const when =
    t.kind === 'stage-entered'
      ? `a repair enters ${STAGE_LABELS[t.stage]}${t.subStatus ? ` (${t.subStatus})` : ''}`
      : t.kind === 'exception-opened'
        ? `an exception is opened${t.tag ? ` tagged ${t.tag}` : ''}${t.reason ? ` (${DELAY_REASONS[t.reason]})` : ''}`
        : t.kind === 'promised-date-moved'
          ? 'the promised date moves'
          : t.kind === 'no-contact'
            ? `nobody has been in touch with the customer for ${t.businessDays} business day${t.businessDays === 1 ? '' : 's'}`
            : t.kind === 'appointment-tomorrow'
              ? 'the customer has an appointment tomorrow'
              : `${t.days} day${t.days === 1 ? '' : 's'} have passed since delivery`;
  const a = rule.action.kind;
  const draft = rule.mode !== 'automatic';
  const then =
    a === 'notify-staff'
      ? draft
        ? 'propose a notice for the staff'
        : 'tell the staff at the desk'
      : a === 'email-customer'
        ? draft
          ? 'write an email draft to the customer'
          : 'email the customer'
        : a === 'email-insurer'
          ? draft
            ? 'write an email draft to the adjuster'
            : 'email the adjuster'
          : a === 'create-draft' || draft
            ? 'write a text draft'
            : 'text the customer';
  return `When ${when}, ${then}.`;
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

