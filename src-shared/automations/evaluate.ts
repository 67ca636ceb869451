// Reading what happened in a workspace's database as rule occurrences, and the merge values a
// rule's text is filled with. The relay's engine fires with these; the desk's dry run shows
// with the same ones, so both see a change the same way.
import type { Kysely } from 'kysely';
import { DELAY_REASONS, isDelayReason } from '../exceptions.js';
import { formatPhone, normalizePhone, shopCountry } from '../phone.js';
import { DEFAULT_EMAIL_TEMPLATES, defaultEmailWording } from '../email/templates.js';
import { CATALOGUES, type CatalogueLocale, customerWords, isCustomerLanguage } from '../i18n/index.js';
import { SETTINGS_ID, toSettings } from '../settings.js';
import { DEFAULT_TEMPLATES } from '../sms/templates.js';
import { DEFAULT_STAGE_WORDING, isStage } from '../stages.js';
import type { RowOf, WorkspaceDatabase } from '../sync/rows.js';
import type { ChangeContext, ChangeEvent } from './rules.js';

export const WATCHED = ['stage_events', 'promised_date_changes', 'ro_exceptions'] as const;
export type Watched = (typeof WATCHED)[number];

export interface Occurrence {
  table: Watched;
  rowId: string;
  roId: string;
  at: string;
  event: ChangeEvent;
}

type Db = Kysely<WorkspaceDatabase>;

/** Stage moves, promised-date changes and opened exceptions from `since` (until `until`), oldest first; `only`: just these row ids per table. */
export async function readOccurrences(db: Db, since: string, only: Map<Watched, string[]> | null = null, until?: string): Promise<Occurrence[]> {
  const out: Occurrence[] = [];
  const ids = (t: Watched) => only?.get(t) ?? null;
  const stageIds = ids('stage_events');
  if (stageIds === null || stageIds.length > 0) {
    let q = db
      .selectFrom('stage_events as e')
      .leftJoin('sub_statuses as s', 's.id', 'e.sub_status_id')
      .select(['e.id', 'e.ro_id', 'e.stage', 'e.at', 's.name as sub'])
      .where('e.at', '>=', since);
    if (until) q = q.where('e.at', '<=', until);
    if (stageIds) q = q.where('e.id', 'in', stageIds);
    for (const r of await q.execute()) {
      if (r.ro_id && r.at && r.stage) out.push({ table: 'stage_events', rowId: r.id, roId: r.ro_id, at: r.at, event: { kind: 'stage-entered', stage: r.stage, subStatus: r.sub ?? null } });
    }
  }
  const promisedIds = ids('promised_date_changes');
  if (promisedIds === null || promisedIds.length > 0) {
    let q = db.selectFrom('promised_date_changes').selectAll().where('at', '>=', since);
    if (until) q = q.where('at', '<=', until);
    if (promisedIds) q = q.where('id', 'in', promisedIds);
    for (const r of await q.execute()) {
      if (r.ro_id && r.at) out.push({ table: 'promised_date_changes', rowId: r.id, roId: r.ro_id, at: r.at, event: { kind: 'promised-date-moved', from: r.from_date, to: r.to_date, reason: r.reason } });
    }
  }
  const exceptionIds = ids('ro_exceptions');
  if (exceptionIds === null || exceptionIds.length > 0) {
    let q = db.selectFrom('ro_exceptions').selectAll().where('opened_at', '>=', since);
    if (until) q = q.where('opened_at', '<=', until);
    if (exceptionIds) q = q.where('id', 'in', exceptionIds);
    for (const r of await q.execute()) {
      if (r.ro_id && r.opened_at) out.push({ table: 'ro_exceptions', rowId: r.id, roId: r.ro_id, at: r.opened_at, event: { kind: 'exception-opened', tag: r.tag, reason: r.reason } });
    }
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.rowId < b.rowId ? -1 : 1));
}

/** The repair and customer as `matches` judges them; null when the repair is not (yet) here. */
export async function readContext(db: Db, o: Occurrence): Promise<ChangeContext | null> {
  const ro = await db.selectFrom('repair_orders').select(['insurer', 'stage', 'customer_id']).where('id', '=', o.roId).executeTakeFirst();
  if (!ro) return null;
  const customer = ro.customer_id ? await db.selectFrom('customers').select(['mobile', 'email']).where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
  return { event: o.event, ro: { insurer: ro.insurer, stage: ro.stage }, customer: customer ?? null };
}

/**
 * The merge values of a rule's words: the manual composer's fields (src-shared/sms/templates.ts)
 * plus `{reason}`: the promised date's reason or the exception's delay reason. `{portal_link}` is
 * the caller's: the relay issues a link as it fires; the dry run shows where it would go.
 */
export async function ruleMergeValues(db: Db, roId: string, event: ChangeEvent, portalLink = ''): Promise<Record<string, string>> {
  const ro: RowOf<'repair_orders'> | undefined = await db.selectFrom('repair_orders').selectAll().where('id', '=', roId).executeTakeFirst();
  const customer = ro?.customer_id ? await db.selectFrom('customers').selectAll().where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
  const settings = toSettings(await db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst());
  const vehicle = ro?.vehicle_id ? await db.selectFrom('vehicles').selectAll().where('id', '=', ro.vehicle_id).executeTakeFirst() : undefined;
  // The date in the customer's language and the shop's country's formats ("jueves, 3 de diciembre", "Thursday 3 December").
  const promised = ro?.promised_date ? customerWords(settings.country, customer?.language ?? null, { pseudo: false }).date(ro.promised_date) : '';
  const e = event;
  const reason = e.kind === 'promised-date-moved' ? (e.reason ?? '') : e.kind === 'exception-opened' && e.reason && isDelayReason(e.reason) ? DELAY_REASONS[e.reason].toLowerCase() : '';
  const phone = settings.phone;
  return {
    first_name: customer?.first_name ?? '',
    vehicle: vehicle ? [vehicle.year, vehicle.make, vehicle.model].filter((v) => v !== null && v !== '').join(' ') : '',
    ro_number: ro?.ro_number ? String(ro.ro_number) : '',
    claim_number: ro?.claim_number ?? '',
    adjuster_name: ro?.adjuster_name ?? '',
    stage: ro?.stage && isStage(ro.stage) ? (settings.stageWording[ro.stage] ?? DEFAULT_STAGE_WORDING[ro.stage]) : '',
    promised_date: promised,
    portal_link: portalLink,
    shop_name: settings.name,
    shop_phone: formatPhone(normalizePhone(phone, shopCountry(settings.country)) ?? phone, shopCountry(settings.country)) || phone,
    reason,
  };
}

/**
 * A template in the customer's language: the row of that language for the same template (id
 * `<template id>:<language>`, or the same name — and milestone, for texts — with that
 * `language`), else the template itself (the shop's language). Templates the shop never changed
 * come from code (DEFAULT_TEMPLATES, DEFAULT_EMAIL_TEMPLATES) like at the desk.
 */
export async function pickTemplate(
  db: Db,
  kind: 'sms' | 'email',
  templateId: string,
  language: string | null,
): Promise<{ id: string; body: string; subject: string | null; language: string | null } | null> {
  const table = kind === 'sms' ? 'sms_templates' : 'email_templates';
  const row = await db.selectFrom(table).selectAll().where('id', '=', templateId).executeTakeFirst();
  const fromCode =
    kind === 'sms'
      ? DEFAULT_TEMPLATES.find((t) => t.id === templateId)
      : DEFAULT_EMAIL_TEMPLATES.find((t) => t.id === templateId);
  const base = row
    ? { id: row.id, name: row.name ?? '', body: row.body ?? '', subject: 'subject' in row ? (row.subject ?? null) : null, milestone: 'milestone' in row ? (row.milestone ?? null) : null, active: row.active }
    : fromCode
      ? { id: fromCode.id, name: fromCode.name, body: fromCode.body, subject: 'subject' in fromCode ? fromCode.subject : null, milestone: 'milestone' in fromCode ? fromCode.milestone : null, active: 1 }
      : null;
  if (!base || base.active === -1 || !base.body) return null;
  if (language) {
    const candidates = await db.selectFrom(table).selectAll().where('language', '=', language).execute();
    const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();
    const translated =
      candidates.find((c) => c.id === `${base.id}:${language}`) ??
      candidates.find((c) => same(c.name, base.name) && (kind === 'email' || same('milestone' in c ? c.milestone : null, base.milestone)));
    if (translated && translated.active !== -1 && translated.body) {
      return { id: translated.id, body: translated.body, subject: 'subject' in translated ? (translated.subject ?? base.subject) : null, language };
    }
  }
  // A standard template with no row of the shop's in the customer's language: the catalogue's
  // default in that language (as the desk does), not the English row. A UK shop's English reader
  // of a standard template the shop never changed gets the British wording.
  if (fromCode) {
    let locale: CatalogueLocale | null = null;
    if (language && language !== 'en' && isCustomerLanguage(language)) locale = language === 'es' ? 'es' : null;
    else if (!row) {
      const settings = await db.selectFrom('workspace_settings').select('country').where('id', '=', SETTINGS_ID).executeTakeFirst();
      if (shopCountry(settings?.country) === 'GB') locale = 'en-GB';
    }
    if (locale) {
      const catalogue = CATALOGUES[locale];
      const wording =
        kind === 'sms'
          ? (() => {
              const milestone = 'milestone' in fromCode ? fromCode.milestone : null;
              const body = milestone ? (catalogue.templates as Record<string, string>)[milestone] : undefined;
              return body ? { body, subject: null } : null;
            })()
          : defaultEmailWording(fromCode.id, catalogue);
      if (wording) return { id: base.id, body: wording.body, subject: wording.subject, language: locale === 'en-GB' ? null : language };
    }
  }
  return { id: base.id, body: base.body, subject: base.subject, language: null };
}

/**
 * The words a rule would write: the shop's template (in the customer's language when there is a
 * row for it) when the rule names one that exists, else the rule's own words. Emails have a subject.
 */
export async function ruleText(
  db: Db,
  action: { kind: string; body: string; subject?: string; templateId?: string | null },
  values: Record<string, string>,
  render: (body: string, values: Record<string, string>) => string,
  language: string | null = null,
): Promise<{ text: string; subject: string | null; templateId: string | null }> {
  const email = action.kind === 'email-customer' || action.kind === 'email-insurer';
  if (action.templateId) {
    const t = await pickTemplate(db, email ? 'email' : 'sms', action.templateId, language);
    if (t) return { text: render(t.body, values), subject: email ? render(t.subject ?? action.subject ?? '', values).replace(/[\r\n]+/g, ' ') : null, templateId: t.id };
  }
  return { text: render(action.body, values), subject: email ? render(action.subject ?? '', values).replace(/[\r\n]+/g, ' ') : null, templateId: null };
}
