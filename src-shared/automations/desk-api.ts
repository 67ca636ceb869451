// The desk's automation methods (Settings › Automations): the rules with their on/off and
// Draft/Automatic switch, the ready-made ones, the daily cap, and the dry run.
import { z } from 'zod';
import { type AutomationSettings, automationSettingsSchema, PRESETS, type Rule, ruleInputSchema } from './rules.js';

function method<A extends z.ZodType>(args: A) {
  return { returns: <R>() => ({ args, result: undefined as unknown as R }) };
}

const id = z.string().min(1, 'is required').max(64);

export interface RuleView extends Rule {
  /** The rule in one sentence. */
  description: string;
  /** The last time it fired: when, what it did, the words of why. */
  lastRun: { firedAt: string; outcome: string; detail: string | null } | null;
  runs: number;
}

export interface AutomationsView {
  rules: RuleView[];
  /** Ready-made rules the shop has not added yet. */
  presets: Array<{ preset: string; name: string; description: string }>;
  settings: AutomationSettings;
}

/** One thing the dry run found: the rule would have fired for this repair at this time. */
export interface DryRunHit {
  at: string;
  roId: string;
  roNumber: number | null;
  customer: string;
  what: string;
  /** The text it would have written (merge fields filled as the relay would). */
  text: string | null;
}

/** A notice for the staff (staff_notifications): what a rule wants a person to see. */
export interface StaffNotice {
  id: string;
  roId: string | null;
  roNumber: number | null;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

export const AUTOMATION_API = {
  /** The newest notices for the staff (read ones too, the last 50) and how many are unread. */
  'notice-list': method(z.object({}).strict()).returns<{ unread: number; notices: StaffNotice[] }>(),
  /** Marks one notice (or, without an id, every unread one) read by the person switched in. */
  'notice-read': method(z.object({ id: z.string().min(1).max(300).optional() }).strict()).returns<{ unread: number; notices: StaffNotice[] }>(),
  'automation-list': method(z.object({}).strict()).returns<AutomationsView>(),
  /** Adds or changes a rule; switching it on starts it from now (it never fires for what happened before). */
  'automation-save': method(ruleInputSchema.extend({ id: id.optional() }).strict()).returns<AutomationsView>(),
  'automation-preset-add': method(z.object({ preset: z.enum(PRESETS.map((p) => p.preset) as [string, ...string[]]) }).strict()).returns<AutomationsView>(),
  'automation-remove': method(z.object({ id }).strict()).returns<AutomationsView>(),
  'automation-settings-save': method(automationSettingsSchema.strict()).returns<AutomationsView>(),
  /** What a rule (saved or being edited) would have done over the last `days` days, worked out here with the relay's `matches`. */
  'automation-dry-run': method(
    z.object({ id: id.optional(), rule: ruleInputSchema.optional(), days: z.number().int().min(1).max(90).default(30) }).strict(),
  ).returns<DryRunHit[]>(),
} as const;
