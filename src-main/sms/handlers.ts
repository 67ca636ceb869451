// Texts at the desk: templates and their preview, drafts, Send (the person pressing it approves
// the text; the relay sends it once), the answer to a text whose outcome is unknown, and the
// inbox of texts no single open repair matched. The desk never calls Telnyx: it writes rows,
// and they reach the relay with the next sync.
import { ApiError } from '../../src-shared/api/errors.js';
import type { SmsPreview, SmsSettings, SmsTemplate, SmsWarning, UnassignedText } from '../../src-shared/domain.js';
import { formatPhone, normalizePhone, shopCountry } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { isTimeZone, sendWindow } from '../../src-shared/sms/quiet-hours.js';
import { countryProfile, textingWindow } from '../../src-shared/locale/country.js';
import { countSegments } from '../../src-shared/sms/segments.js';
import { DEFAULT_TEMPLATES, renderTemplate } from '../../src-shared/sms/templates.js';
import { CATALOGUES, isCustomerLanguage, languageName } from '../../src-shared/i18n/index.js';
import { standardTemplateName } from '../../src-shared/i18n/staff.js';
import { mergeValues, type RoContext, roContext } from '../messages/merge-fields.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { actorOf, intent } from '../api/actor.js';
import type { HandlerContext, HandlerMap } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { loadDetail, toAttachment, vehicleLabel } from '../repair-orders/queries.js';
import { readSettings } from '../workspace/handlers.js';

// ---- settings --------------------------------------------------------------------------------

export async function loadSmsSettings(desk: Desk): Promise<SmsSettings> {
  const row = await desk.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
  const number = row?.sms_number ?? null;
  const tenDlc = row?.sms_10dlc_status ?? null;
  let warning: string | null = null;
  if (!number) warning = 'This shop has no texting number yet, so texts cannot be sent. Ask your Bayline operator to set one up.';
  else if (countryProfile(row?.country).sms.tenDlc && number.startsWith('+1') && tenDlc !== 'active') {
    warning =
      tenDlc === 'rejected'
        ? "The shop's 10DLC texting registration was rejected: US carriers will block these texts. Contact your Bayline operator."
        : "The shop's number is not on an active 10DLC campaign yet: US carriers may block or delay these texts until it is.";
  }
  return {
    number,
    tenDlcStatus: tenDlc,
    warning,
    window: sendWindow(row?.sms_window_start, row?.sms_window_end),
    helpText: row?.sms_help_text ?? '',
  };
}

// ---- templates -------------------------------------------------------------------------------

export async function loadTemplates(desk: Desk): Promise<SmsTemplate[]> {
  const rows = await desk.db.selectFrom('sms_templates').selectAll().execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  // A standard template the shop never saved reads in the shop's country's English: a UK shop's
  // is the en-GB catalogue's wording (registration, collect, work provider), as the relay sends it
  // (`pickTemplate`); American shops keep the code's wording.
  const settings = await desk.db.selectFrom('workspace_settings').select('country').where('id', '=', SETTINGS_ID).executeTakeFirst();
  const english = shopCountry(settings?.country) === 'GB' ? CATALOGUES['en-GB'].templates : null;
  const wordings = (id: string, milestone: string | null): SmsTemplate['wordings'] =>
    (['es'] as const).map((language) => {
      const own = byId.get(`${id}:${language}`);
      if (own?.body && own.language === language) return { language, body: own.body, own: true };
      const standard = DEFAULT_TEMPLATES.find((d) => d.id === id && d.milestone === milestone);
      return { language, body: standard ? CATALOGUES[language].templates[standard.milestone] : '', own: false };
    });
  const standard = DEFAULT_TEMPLATES.map((t): SmsTemplate => {
    const saved = byId.get(t.id);
    return {
      id: t.id,
      name: standardTemplateName(t.id, t.name, saved?.name, settings?.country),
      milestone: t.milestone,
      body: saved ? (saved.body ?? t.body) : (english?.[t.milestone] ?? t.body),
      active: (saved?.active ?? 1) === 1,
      standard: true,
      wordings: wordings(t.id, t.milestone),
    };
  });
  const own = rows
    // A row with a language is another template's wording in that language, not a template of its own.
    .filter((r) => !DEFAULT_TEMPLATES.some((t) => t.id === r.id) && !r.language)
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || (a.name ?? '').localeCompare(b.name ?? ''))
    .map((r): SmsTemplate => ({ id: r.id, name: r.name ?? '', milestone: r.milestone, body: r.body ?? '', active: r.active === 1, standard: false, wordings: wordings(r.id, r.milestone) }));
  return [...standard, ...own];
}

async function templateById(desk: Desk, id: string): Promise<SmsTemplate> {
  const t = (await loadTemplates(desk)).find((x) => x.id === id);
  if (!t) throw new ApiError('not-found', 'That text template is not in this workspace.', 'templateId');
  if (!t.active) throw new ApiError('not-allowed', `The template "${t.name}" is switched off. Switch it on in Settings, or write the text yourself.`, 'templateId');
  return t;
}

/**
 * The template's wording in the customer's language (issue 22): the shop's own row for that
 * language (sms_templates.language, id "<template>:<language>") when it has written one, else
 * the standard template's default wording in that language from the customer catalogue; the
 * template's own wording for the shop's language or a template with no wording in that language.
 */
export async function wordingFor(desk: Desk, t: SmsTemplate, language: string | null): Promise<string> {
  return (await wordingIn(desk, t, language)).body;
}

/** `wordingFor` with the language the wording is written in (null: the shop's own). */
async function wordingIn(desk: Desk, t: SmsTemplate, language: string | null): Promise<{ body: string; language: string | null }> {
  if (!language || language === 'en' || !isCustomerLanguage(language)) return { body: t.body, language: null };
  const saved = await desk.db.selectFrom('sms_templates').select(['body', 'active']).where('id', '=', `${t.id}:${language}`).where('language', '=', language).executeTakeFirst();
  if (saved?.body && saved.active !== 0) return { body: saved.body, language };
  const standard = DEFAULT_TEMPLATES.find((d) => d.id === t.id);
  const fallback = standard ? CATALOGUES[language === 'es' ? 'es' : 'en-US'].templates[standard.milestone] : undefined;
  return fallback ? { body: fallback, language } : { body: t.body, language: null };
}

// ---- the text for one repair -----------------------------------------------------------------

async function composeText(ctx: HandlerContext, c: RoContext, input: { templateId?: string; body?: string }): Promise<{ text: string; missing: string[]; templateId: string | null }> {
  if (input.templateId) {
    const t = await templateById(ctx.desk, input.templateId);
    const wording = await wordingIn(ctx.desk, t, c.customer?.language ?? null);
    // The date is written in the wording's language: a shop's own English-only template stays all English.
    const values = await mergeValues(ctx, c, wording.body.includes('{portal_link}'), 'sms', wording.language);
    const r = renderTemplate(wording.body, values);
    return { text: r.text, missing: r.missing, templateId: t.id };
  }
  const body = (input.body ?? '').trim();
  if (body === '') throw new ApiError('invalid-args', 'Write the text or pick a template first.', 'body');
  if (/\{[a-z_]+\}/.test(body)) {
    const r = renderTemplate(body, await mergeValues(ctx, c, body.includes('{portal_link}')));
    return { text: r.text, missing: r.missing, templateId: null };
  }
  return { text: body, missing: [], templateId: null };
}

async function checks(desk: Desk, c: RoContext, text: string, missing: string[], now = new Date()): Promise<{ warnings: SmsWarning[]; to: string | null }> {
  const sms = await loadSmsSettings(desk);
  const settings = await readSettings(desk);
  const warnings: SmsWarning[] = [];
  const to = normalizePhone(c.customer?.mobile ?? '', shopCountry(settings.country));
  if (!sms.number) warnings.push({ code: 'no-number', blocking: true, message: sms.warning! });
  else if (sms.warning) warnings.push({ code: 'tendlc-not-active', blocking: false, message: sms.warning });
  if (!to) warnings.push({ code: 'no-mobile', blocking: true, message: 'The customer has no mobile number on file. Add one to their details first.' });
  else if (c.customer?.mobile_kind === 'landline') {
    warnings.push({ code: 'landline', blocking: true, message: `${formatPhone(to, shopCountry(settings.country))} is a landline: it cannot receive texts. Add the customer's mobile number to text them.` });
  }
  if (c.customer?.sms_opt_out === 1) {
    warnings.push({ code: 'opted-out', blocking: true, message: `${c.customer.first_name ?? 'The customer'} replied STOP and gets no texts. They can text START to the shop's number to get texts again.` });
  }
  const profile = countryProfile(settings.country);
  const row = await desk.db.selectFrom('workspace_settings').select(['sms_window_start', 'sms_window_end']).where('id', '=', SETTINGS_ID).executeTakeFirst();
  const window = textingWindow(
    profile,
    { timeZone: settings.timeZone, smsWindowStart: row?.sms_window_start, smsWindowEnd: row?.sms_window_end, hours: settings.hours },
    isTimeZone(c.customer?.time_zone) ? c.customer!.time_zone! : null,
    now,
  );
  if (window.opens) {
    const local = new Intl.DateTimeFormat(profile.locale, { timeZone: window.zone, hour: 'numeric', minute: '2-digit' }).format(now);
    warnings.push({
      code: 'outside-hours',
      blocking: false,
      message:
        profile.sms.window === 'shop-hours'
          ? `It is ${local} at the shop, outside ${window.describe}. Send only if the customer expects a text now.`
          : `It is ${local} for the customer, outside texting hours (${sms.window.start}–${sms.window.end}). Send only if they expect a text now.`,
    });
  }
  if (missing.length > 0) {
    warnings.push({ code: 'missing-fields', blocking: false, message: `This repair has nothing for ${missing.map((m) => `{${m}}`).join(', ')}; the text leaves it out.` });
  }
  if (countSegments(text).segments > 3) warnings.push({ code: 'long', blocking: false, message: 'This text is long: it goes out in more than 3 parts.' });
  return { warnings, to };
}

// ---- writing texts ---------------------------------------------------------------------------

async function staffName(ctx: HandlerContext): Promise<string | null> {
  if (!ctx.session.staffId) return null;
  const row = await ctx.desk.db.selectFrom('staff').select('name').where('id', '=', ctx.session.staffId).executeTakeFirst();
  return row?.name ?? null;
}

async function requireDraft(desk: Desk, id: string, roId?: string): Promise<RowOf<'messages'>> {
  const row = await desk.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.channel !== 'sms' || row.direction !== 'out' || (roId && row.ro_id !== roId)) {
    throw new ApiError('not-found', 'That text draft is not on this repair.', 'draftId');
  }
  if (row.status !== 'draft') throw new ApiError('not-allowed', 'That text was already sent or discarded.', 'draftId');
  return row;
}

/**
 * For the shop's automations (F15): an approved, automated text from a template. The relay holds
 * it until the customer's texting hours. Exported for the automation engine; no person presses Send.
 */
export async function queueAutomatedText(desk: Desk, roId: string, templateId: string, rule: string): Promise<string> {
  const ctx: HandlerContext = { desk, session: { id: 'automation', staffId: null } };
  const c = await roContext(desk, roId);
  const { text, templateId: tid } = await composeText(ctx, c, { templateId });
  const now = new Date().toISOString();
  return desk.store.write({ actor: `automation:${rule}`, action: 'sms-automated', summary: 'Automated text queued', roId }, (tx) =>
    tx.insert('messages', {
      ro_id: roId,
      customer_id: c.ro.customer_id,
      channel: 'sms',
      direction: 'out',
      body: text,
      at: now,
      author: 'Automatic text',
      read_at: now,
      status: 'approved',
      approved_by: `automation:${rule}`,
      approved_at: now,
      template_id: tid,
      automated: 1,
      peer_number: normalizePhone(c.customer?.mobile ?? ''),
    }),
  );
}

/**
 * Saves (or updates) a text draft on a repair and answers its id. A draft is a `messages` row with
 * status 'draft': it syncs, can be discarded, and nothing sends it until a person presses Send
 * (`sms-send`). The drafting assistant (src-main/drafting) saves its drafts here too.
 */
export async function saveTextDraft(
  ctx: HandlerContext,
  args: { roId: string; id?: string; templateId?: string; body: string },
  summary = 'Text draft saved',
): Promise<string> {
  const c = await roContext(ctx.desk, args.roId);
  if (args.id) await requireDraft(ctx.desk, args.id, args.roId);
  const name = await staffName(ctx);
  return ctx.desk.store.write(intent(ctx, 'sms-draft-save', summary, args.roId), async (tx) => {
    const values = { body: args.body, template_id: args.templateId ?? null, at: ctx.desk.now().toISOString() };
    if (args.id) {
      await tx.update('messages', args.id, values);
      return args.id;
    }
    return tx.insert('messages', {
      ...values,
      ro_id: args.roId,
      customer_id: c.ro.customer_id,
      channel: 'sms',
      direction: 'out',
      staff_id: ctx.session.staffId,
      author: name,
      read_at: values.at,
      status: 'draft',
      automated: 0,
    });
  });
}

async function loadInbox(desk: Desk): Promise<UnassignedText[]> {
  const rows = await desk.db
    .selectFrom('messages')
    .selectAll()
    .where('channel', '=', 'sms')
    .where('direction', '=', 'in')
    .where('ro_id', 'is', null)
    .orderBy('at', 'desc')
    .limit(200)
    .execute();
  const out: UnassignedText[] = [];
  for (const m of rows) {
    const customers = m.peer_number ? await desk.db.selectFrom('customers').selectAll().where('mobile', '=', m.peer_number).execute() : [];
    const open = customers.length
      ? await desk.db
          .selectFrom('repair_orders as r')
          .leftJoin('vehicles as v', 'v.id', 'r.vehicle_id')
          .select(['r.id', 'r.ro_number', 'v.year', 'v.make', 'v.model', 'v.color'])
          .where('r.customer_id', 'in', customers.map((c) => c.id))
          .where('r.closed_at', 'is', null)
          .orderBy('r.ro_number')
          .execute()
      : [];
    const files = await desk.db.selectFrom('attachments').selectAll().where('message_id', '=', m.id).execute();
    const only = m.customer_id ? customers.find((c) => c.id === m.customer_id) : customers.length === 1 ? customers[0] : undefined;
    out.push({
      id: m.id,
      from: m.peer_number ?? '',
      body: m.body ?? '',
      at: m.at ?? '',
      customerId: only?.id ?? null,
      customerName: only ? [only.first_name, only.last_name].filter(Boolean).join(' ') : null,
      candidates: open.map((r) => ({ roId: r.id, roNumber: r.ro_number ?? 0, vehicle: vehicleLabel({ year: r.year, make: r.make, model: r.model, color: r.color }) })),
      attachments: files.map(toAttachment),
    });
  }
  return out;
}

export const smsHandlers: Partial<HandlerMap> = {
  'sms-settings-get': async (_args, { desk }) => loadSmsSettings(desk),

  'sms-settings-update': async (args, ctx) => {
    await ctx.desk.store.write(intent(ctx, 'sms-settings-update', 'Texting settings changed'), async (tx) => {
      const patch = { sms_help_text: args.helpText, sms_window_start: args.windowStart, sms_window_end: args.windowEnd };
      if (await tx.get('workspace_settings', SETTINGS_ID)) await tx.update('workspace_settings', SETTINGS_ID, patch);
      else await tx.insert('workspace_settings', { id: SETTINGS_ID, ...patch });
    });
    return loadSmsSettings(ctx.desk);
  },

  'sms-template-list': async (_args, { desk }) => loadTemplates(desk),

  'sms-template-save': async (args, ctx) => {
    if (args.language) {
      // One wording of an existing template in a customer language: its own row, "<id>:<language>".
      const template = args.id ? (await loadTemplates(ctx.desk)).find((t) => t.id === args.id) : undefined;
      if (!template) throw new ApiError('not-found', 'Save the template in English first, then its other languages.', 'id');
      const rowId = `${template.id}:${args.language}`;
      await ctx.desk.store.write(intent(ctx, 'sms-template-save', `Text template "${template.name}" saved in ${languageName(args.language)}`), async (tx) => {
        const values = { name: template.name, body: args.body, active: 1, milestone: template.milestone, language: args.language };
        if (await tx.get('sms_templates', rowId)) await tx.update('sms_templates', rowId, values);
        else await tx.insert('sms_templates', { id: rowId, ...values });
      });
      return (await loadTemplates(ctx.desk)).find((t) => t.id === template.id)!;
    }
    const id = args.id ?? `tpl:${crypto.randomUUID()}`;
    const standard = DEFAULT_TEMPLATES.find((t) => t.id === id);
    if (args.id && !standard) {
      const existing = await ctx.desk.db.selectFrom('sms_templates').select('id').where('id', '=', args.id).executeTakeFirst();
      if (!existing) throw new ApiError('not-found', 'That text template is not in this workspace.', 'id');
    }
    await ctx.desk.store.write(intent(ctx, 'sms-template-save', `Text template "${args.name}" saved`), async (tx) => {
      const values = { name: args.name, body: args.body, active: args.active ? 1 : 0, milestone: standard?.milestone ?? null };
      if (await tx.get('sms_templates', id)) await tx.update('sms_templates', id, values);
      else await tx.insert('sms_templates', { id, ...values });
    });
    return (await loadTemplates(ctx.desk)).find((t) => t.id === id)!;
  },

  'sms-preview': async (args, ctx): Promise<SmsPreview> => {
    const c = await roContext(ctx.desk, args.roId);
    const { text, missing } = await composeText(ctx, c, args);
    const { warnings, to } = await checks(ctx.desk, c, text, missing, ctx.desk.now());
    const count = countSegments(text);
    return {
      text,
      characters: count.characters,
      encoding: count.encoding,
      segments: count.segments,
      to,
      missingFields: missing,
      warnings,
      canSend: !warnings.some((w) => w.blocking),
    };
  },

  'sms-draft-save': async (args, ctx) => {
    await saveTextDraft(ctx, args);
    return loadDetail(ctx.desk, args.roId);
  },

  'sms-draft-discard': async (args, ctx) => {
    const draft = await requireDraft(ctx.desk, args.id);
    await ctx.desk.store.write(intent(ctx, 'sms-draft-discard', 'Text draft discarded', draft.ro_id), (tx) =>
      tx.update('messages', args.id, { status: 'refused', status_detail: 'Discarded before sending.' }),
    );
    return loadDetail(ctx.desk, draft.ro_id!);
  },

  'sms-send': async (args, ctx) => {
    const c = await roContext(ctx.desk, args.roId);
    const draft = args.draftId ? await requireDraft(ctx.desk, args.draftId, args.roId) : null;
    const chosen = [args.draftId, args.templateId, args.body].filter((x) => x !== undefined).length;
    if (chosen !== 1) throw new ApiError('invalid-args', 'Send one thing: a draft, a template or a typed text.', 'body');
    // A draft's merge fields are filled in now, with the repair as it stands when Send is pressed.
    const composed = await composeText(ctx, c, draft ? { body: draft.body ?? '' } : args);
    const { text, missing } = composed;
    const templateId = draft ? draft.template_id : composed.templateId;
    if (text.trim() === '') throw new ApiError('invalid-args', 'The text is empty.', 'body');
    const { warnings, to } = await checks(ctx.desk, c, text, missing, ctx.desk.now());
    const optedOut = warnings.find((w) => w.code === 'opted-out');
    if (optedOut) throw new ApiError('sms-opted-out', optedOut.message, 'roId');
    const blocking = warnings.find((w) => w.blocking);
    if (blocking) throw new ApiError('sms-not-possible', blocking.message, 'roId');
    const outside = warnings.find((w) => w.code === 'outside-hours');
    if (outside && !args.confirmOutsideHours) throw new ApiError('sms-confirm-needed', outside.message, 'confirmOutsideHours');
    const name = await staffName(ctx);
    const now = ctx.desk.now().toISOString();
    const approval = {
      body: text,
      status: 'approved',
      status_detail: null,
      approved_by: actorOf(ctx),
      approved_at: now,
      staff_id: ctx.session.staffId,
      author: name,
      peer_number: to,
      template_id: templateId,
      automated: 0,
      at: now,
    };
    await ctx.desk.store.write(intent(ctx, 'sms-send', 'Text to the customer approved and sent', args.roId), async (tx) => {
      if (draft) await tx.update('messages', draft.id, approval);
      else await tx.insert('messages', { ...approval, ro_id: args.roId, customer_id: c.ro.customer_id, channel: 'sms', direction: 'out', read_at: now });
    });
    return loadDetail(ctx.desk, args.roId);
  },

  'sms-check-resolve': async (args, ctx) => {
    const row = await ctx.desk.db.selectFrom('messages').selectAll().where('id', '=', args.id).executeTakeFirst();
    if (!row || row.channel !== 'sms' || !row.ro_id) throw new ApiError('not-found', 'That text is not in this workspace.', 'id');
    if (row.status !== 'check-needed') throw new ApiError('not-allowed', 'That text does not need checking.', 'id');
    const who = (await staffName(ctx)) ?? 'the shop';
    await ctx.desk.store.write(intent(ctx, 'sms-check-resolve', args.outcome === 'sent' ? 'Text confirmed as received' : 'Text confirmed as not sent', row.ro_id), (tx) =>
      tx.update('messages', args.id, {
        status: args.outcome === 'sent' ? 'sent' : 'failed',
        status_detail: args.outcome === 'sent' ? `Confirmed as received by ${who}.` : `Confirmed as not received by ${who}; write it again to send it.`,
      }),
    );
    return loadDetail(ctx.desk, row.ro_id);
  },

  'sms-inbox-list': async (_args, { desk }) => loadInbox(desk),

  'sms-inbox-attach': async (args, ctx) => {
    const row = await ctx.desk.db.selectFrom('messages').selectAll().where('id', '=', args.id).executeTakeFirst();
    if (!row || row.channel !== 'sms' || row.direction !== 'in') throw new ApiError('not-found', 'That text is not in the inbox.', 'id');
    const c = await roContext(ctx.desk, args.roId);
    await ctx.desk.store.write(intent(ctx, 'sms-inbox-attach', `Text attached to RO ${c.ro.ro_number ?? ''}`, args.roId), async (tx) => {
      await tx.update('messages', args.id, { ro_id: args.roId, customer_id: c.ro.customer_id, author: c.customer?.first_name ?? row.author });
      const files = await tx.trx.selectFrom('attachments').select('id').where('message_id', '=', args.id).execute();
      for (const f of files) await tx.update('attachments', f.id, { ro_id: args.roId });
    });
    return loadInbox(ctx.desk);
  },
};
