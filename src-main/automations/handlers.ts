// Settings › Automations at the desk (issue 20): the shop's rules, the ready-made ones, the daily
// cap and the dry run. Rules are synced rows written through the mutation layer; the relay fires
// them. A rule switched on gets `active_since` = now, so it never fires for what happened before.
import { ApiError } from '../../src-shared/api/errors.js';
import type { AutomationsView, DryRunHit, RuleView, StaffNotice } from '../../src-shared/automations/desk-api.js';
import { type Occurrence, readContext, readOccurrences, ruleMergeValues, ruleText } from '../../src-shared/automations/evaluate.js';
import { calendarAround, timedInWindow } from '../../src-shared/automations/timed.js';
import { describeRule, isEmailAction, isTimed, matches, parseRule, PRESETS, readAutomationSettings, type Rule, ruleInputSchema } from '../../src-shared/automations/rules.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { renderTemplate } from '../../src-shared/sms/templates.js';
import { intent } from '../api/actor.js';
import type { HandlerContext, HandlerMap } from '../api/dispatch.js';

async function view(ctx: HandlerContext): Promise<AutomationsView> {
  const db = ctx.desk.db;
  const rows = await db.selectFrom('automation_rules').selectAll().orderBy('position').orderBy('created_at').orderBy('id').execute();
  const rules: RuleView[] = [];
  for (const row of rows) {
    const rule = parseRule(row);
    if (!rule) continue;
    const runs = await db.selectFrom('automation_runs').select(['fired_at', 'outcome', 'detail']).where('rule_id', '=', row.id).orderBy('fired_at', 'desc').execute();
    const last = runs[0];
    rules.push({ ...rule, description: describeRule(rule), runs: runs.length, lastRun: last ? { firedAt: last.fired_at ?? '', outcome: last.outcome ?? '', detail: last.detail } : null });
  }
  const added = new Set(rules.map((r) => r.preset).filter(Boolean));
  const settings = await db.selectFrom('workspace_settings').select('automation_settings').where('id', '=', SETTINGS_ID).executeTakeFirst();
  return {
    rules,
    presets: PRESETS.filter((p) => !added.has(p.preset)).map((p) => {
      const r = ruleInputSchema.parse(p);
      return { preset: p.preset, name: r.name, description: describeRule(r) };
    }),
    settings: readAutomationSettings(settings?.automation_settings),
  };
}

function columns(rule: ReturnType<typeof ruleInputSchema.parse>) {
  return {
    name: rule.name,
    preset: rule.preset,
    trigger: JSON.stringify(rule.trigger),
    conditions: JSON.stringify(rule.conditions),
    action: JSON.stringify(rule.action),
    mode: rule.mode,
    active: rule.active ? 1 : 0,
  };
}

async function notices(ctx: HandlerContext): Promise<{ unread: number; notices: StaffNotice[] }> {
  const db = ctx.desk.db;
  const rows = await db.selectFrom('staff_notifications').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(50).execute();
  const unread = await db.selectFrom('staff_notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('read_at', 'is', null).executeTakeFirst();
  const roIds = [...new Set(rows.map((r) => r.ro_id).filter((r): r is string => Boolean(r)))];
  const ros = roIds.length > 0 ? await db.selectFrom('repair_orders').select(['id', 'ro_number']).where('id', 'in', roIds).execute() : [];
  return {
    unread: Number(unread?.n ?? 0),
    notices: rows.map((r) => ({
      id: r.id,
      roId: r.ro_id,
      roNumber: ros.find((x) => x.id === r.ro_id)?.ro_number ?? null,
      title: r.title ?? '',
      body: r.body ?? '',
      createdAt: r.created_at ?? '',
      readAt: r.read_at,
    })),
  };
}

export const automationHandlers: Partial<HandlerMap> = {
  'notice-list': async (_args, ctx) => notices(ctx),

  'notice-read': async (args, ctx) => {
    const unread = await ctx.desk.db.selectFrom('staff_notifications').select('id').where('read_at', 'is', null).execute();
    const ids = args.id ? unread.filter((r) => r.id === args.id).map((r) => r.id) : unread.map((r) => r.id);
    if (ids.length > 0) {
      const now = ctx.desk.now().toISOString();
      await ctx.desk.store.write(intent(ctx, 'notice-read', ids.length === 1 ? 'Staff notice marked read' : `${ids.length} staff notices marked read`), async (tx) => {
        for (const id of ids) await tx.update('staff_notifications', id, { read_at: now, read_by: ctx.session.staffId ?? null });
      });
    }
    return notices(ctx);
  },

  'automation-list': async (_args, ctx) => view(ctx),

  'automation-save': async (args, ctx) => {
    const { id, ...input } = args;
    const rule = ruleInputSchema.parse(input);
    const now = ctx.desk.now().toISOString();
    const what = rule.active ? (rule.mode === 'automatic' ? 'on, sends by itself' : 'on, drafts only') : 'off';
    await ctx.desk.store.write(intent(ctx, 'automation-save', `Automation “${rule.name}” saved (${what})`), async (tx) => {
      if (id) {
        const before = await tx.get('automation_rules', id);
        if (!before) throw new ApiError('not-found', 'That automation rule does not exist.', 'id');
        const switchedOn = rule.active && before.active !== 1;
        await tx.update('automation_rules', id, { ...columns(rule), updated_at: now, ...(switchedOn ? { active_since: now } : {}) });
      } else {
        const count = await tx.trx.selectFrom('automation_rules').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
        await tx.insert('automation_rules', {
          ...columns(rule),
          position: Number(count?.n ?? 0),
          created_at: now,
          created_by: ctx.session.staffId ?? null,
          updated_at: now,
          active_since: rule.active ? now : null,
        });
      }
    });
    return view(ctx);
  },

  'automation-preset-add': async (args, ctx) => {
    const preset = PRESETS.find((p) => p.preset === args.preset)!;
    const current = await view(ctx);
    if (current.rules.some((r) => r.preset === args.preset)) return current;
    const { preset: _p, ...input } = preset;
    return automationHandlers['automation-save']!({ ...ruleInputSchema.parse({ ...input, preset: preset.preset }), active: false, mode: 'draft' } as never, ctx) as Promise<AutomationsView>;
  },

  'automation-remove': async (args, ctx) => {
    await ctx.desk.store.write(intent(ctx, 'automation-remove', 'Automation rule switched off and removed from the list'), async (tx) => {
      const before = await tx.get('automation_rules', args.id);
      if (!before) throw new ApiError('not-found', 'That automation rule does not exist.', 'id');
      // Synced rows are never deleted: a removed rule is off and out of the list's order.
      await tx.update('automation_rules', args.id, { active: 0, position: -1, preset: null, name: `${before.name ?? ''} (removed)`, updated_at: ctx.desk.now().toISOString() });
    });
    return view(ctx);
  },

  'automation-settings-save': async (args, ctx) => {
    await ctx.desk.store.write(intent(ctx, 'automation-settings-save', `Automated messages per customer per day: at most ${args.dailyCap}`), (tx) =>
      tx.update('workspace_settings', SETTINGS_ID, { automation_settings: JSON.stringify({ dailyCap: args.dailyCap }) }),
    );
    return view(ctx);
  },

  'automation-dry-run': async (args, ctx) => {
    let rule: Pick<Rule, 'trigger' | 'conditions' | 'action' | 'mode'>;
    if (args.rule) rule = ruleInputSchema.parse(args.rule);
    else if (args.id) {
      const row = await ctx.desk.db.selectFrom('automation_rules').selectAll().where('id', '=', args.id).executeTakeFirst();
      const parsed = row ? parseRule(row) : null;
      if (!parsed) throw new ApiError('not-found', 'That automation rule does not exist.', 'id');
      rule = parsed;
    } else throw new ApiError('invalid-args', 'Name a saved rule or give one to try.', 'id');
    const now = ctx.desk.now();
    const since = new Date(now.getTime() - args.days * 24 * 3600_000);
    const hits: DryRunHit[] = [];
    const db = ctx.desk.db;
    // Change-based rules: the stage moves, date changes and exceptions; time-based ones: the moments their timers would have fallen due.
    const found: Occurrence[] = [];
    if (isTimed(rule.trigger)) {
      const calendar = await calendarAround(db, now);
      for (const o of await timedInWindow(db, rule.trigger, calendar, since, now)) found.push({ table: 'stage_events', rowId: o.occurrence, roId: o.roId, at: o.dueAt, event: o.event });
    } else found.push(...(await readOccurrences(db, since.toISOString(), null, now.toISOString())));
    for (const o of found) {
      const c = await readContext(db, o);
      if (!c || !matches(rule, c)) continue;
      const ro = await db.selectFrom('repair_orders').select(['ro_number', 'customer_id', 'adjuster_email']).where('id', '=', o.roId).executeTakeFirst();
      const customer = ro?.customer_id ? await db.selectFrom('customers').select(['first_name', 'last_name', 'language', 'email']).where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
      const email = isEmailAction(rule.action);
      const values = await ruleMergeValues(db, o.roId, o.event, '[the repair’s portal link]');
      const { text, subject } = await ruleText(db, rule.action, values, (body, v) => renderTemplate(body, v, email ? { keepLines: true } : {}).text, customer?.language ?? null);
      const auto = rule.mode === 'automatic';
      const k = rule.action.kind;
      const what =
        k === 'notify-staff'
          ? auto
            ? 'Notice for the staff'
            : 'Notice proposed (draft mode)'
          : k === 'email-customer'
            ? !customer?.email
              ? 'Nothing (no email address)'
              : auto
                ? 'Email to the customer'
                : 'Email draft to the customer'
            : k === 'email-insurer'
              ? !ro?.adjuster_email
                ? 'Nothing (no adjuster email)'
                : auto
                  ? 'Email to the adjuster'
                  : 'Email draft to the adjuster'
              : !c.customer?.mobile
                ? 'Nothing (no mobile number)'
                : k === 'text-customer' && auto
                  ? 'Text to the customer'
                  : 'Text draft';
      hits.push({ at: o.at, roId: o.roId, roNumber: ro?.ro_number ?? null, customer: [customer?.first_name, customer?.last_name].filter(Boolean).join(' '), what, text: email && subject ? `${subject} — ${text}` : text });
    }
    return hits;
  },
};
