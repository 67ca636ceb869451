// The facts a draft is written from, read from this desk's database: the repair (vehicle, stage and
// when it was reached, promised date and its history, open exceptions, insurer and claim), the
// shop's tone and examples, the recipient, and the last messages of the conversation. Internal
// notes are never read here. Amounts go into a customer's draft only when the shop chose to share
// them (Settings › Drafts); an adjuster's draft has them (the adjuster wrote the numbers).
import { ApiError } from '../../src-shared/api/errors.js';
import type { DraftChannel, DraftContext, DraftMoment, DraftRecipient, DraftThreadMessage } from '../../src-shared/drafting/context.js';
import { DELAY_REASONS, isDelayReason } from '../../src-shared/exceptions.js';
import { isCustomerLanguage } from '../../src-shared/i18n/customer-locale.js';
import { formatPhone, normalizePhone, shopCountry } from '../../src-shared/phone.js';
import { portalUrl } from '../../src-shared/portal/token.js';
import { isStage, STAGE_LABELS } from '../../src-shared/stages.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { portalBase } from '../portal/portal-links.js';
import { vehicleLabel } from '../repair-orders/queries.js';
import { readSettings } from '../workspace/handlers.js';
import { readDraftingSettings } from './settings.js';

const SENT = ['approved', 'queued', 'sending', 'sent', 'delivered'];

function stageName(stage: string | null): string {
  return stage && isStage(stage) ? STAGE_LABELS[stage] : (stage ?? 'Pictures');
}

/** The customer's portal link this desk already holds (a draft never issues one). */
function heldPortalLink(desk: Desk, roId: string, source: 'sms' | 'email'): string | null {
  const where = portalBase(desk);
  if (!where) return null;
  const held = desk.sqlite
    .prepare(
      `SELECT s.token FROM token_secrets s JOIN portal_tokens t ON t.id = s.token_id
       WHERE t.ro_id = ? AND t.kind = 'customer' AND t.revoked_at IS NULL ORDER BY t.issued_at DESC LIMIT 1`,
    )
    .get(roId) as { token: string } | undefined;
  return held ? portalUrl(where.base, held.token, source) : null;
}

export async function buildDraftContext(desk: Desk, roId: string, channel: DraftChannel, recipient: DraftRecipient, moment: DraftMoment): Promise<DraftContext> {
  const ro = await desk.db.selectFrom('repair_orders').selectAll().where('id', '=', roId).executeTakeFirst();
  if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
  const customer = ro.customer_id ? await desk.db.selectFrom('customers').selectAll().where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
  const vehicle = ro.vehicle_id ? await desk.db.selectFrom('vehicles').selectAll().where('id', '=', ro.vehicle_id).executeTakeFirst() : undefined;
  const shop = await readSettings(desk);
  const drafting = await readDraftingSettings(desk);
  const stages = await desk.db.selectFrom('stage_events').select(['stage', 'at']).where('ro_id', '=', roId).orderBy('at').execute();
  const promised = await desk.db.selectFrom('promised_date_changes').selectAll().where('ro_id', '=', roId).orderBy('at').execute();
  const exceptions = await desk.db.selectFrom('ro_exceptions').selectAll().where('ro_id', '=', roId).where('resolved_at', 'is', null).orderBy('opened_at').execute();
  const subStatus = ro.sub_status_id ? await desk.db.selectFrom('sub_statuses').select('name').where('id', '=', ro.sub_status_id).executeTakeFirst() : undefined;

  // The conversation: what was said to or by this recipient (a customer sees texts, portal and mail; an adjuster only mail).
  const rows = await desk.db
    .selectFrom('messages')
    .selectAll()
    .where('ro_id', '=', roId)
    .where((eb) => eb.or([eb('status', 'is', null), eb('status', 'not in', ['draft', 'refused', 'ignored'])]))
    .orderBy('at', 'desc')
    .limit(60)
    .execute();
  const adjusterEmail = (ro.adjuster_email ?? '').toLowerCase();
  const concerns = (r: (typeof rows)[number]) => {
    if (recipient === 'customer') return r.channel !== 'email' || !adjusterEmail || !`${r.email_from ?? ''}${r.email_to ?? ''}`.toLowerCase().includes(adjusterEmail);
    return r.channel === 'email' && (!adjusterEmail || `${r.email_from ?? ''}${r.email_to ?? ''}${r.email_cc ?? ''}`.toLowerCase().includes(adjusterEmail));
  };
  const thread: DraftThreadMessage[] = rows
    .filter(concerns)
    .slice(0, 20)
    .reverse()
    .map((r) => ({
      id: r.id,
      direction: r.direction === 'in' ? 'in' : 'out',
      channel: (r.channel === 'email' || r.channel === 'portal' ? r.channel : 'sms') as DraftThreadMessage['channel'],
      at: r.at ?? '',
      author: r.author ?? (r.direction === 'in' ? 'Customer' : shop.name),
      subject: r.subject,
      body: (r.body ?? '').slice(0, 4000),
    }));
  if (moment.kind === 'reply' && !thread.some((m) => m.id === moment.messageId)) {
    const m = await desk.db.selectFrom('messages').selectAll().where('id', '=', moment.messageId).where('ro_id', '=', roId).executeTakeFirst();
    if (!m) throw new ApiError('not-found', 'The message to answer is not on this repair.', 'replyToId');
    thread.push({ id: m.id, direction: m.direction === 'in' ? 'in' : 'out', channel: (m.channel ?? 'sms') as DraftThreadMessage['channel'], at: m.at ?? '', author: m.author ?? '', subject: m.subject, body: (m.body ?? '').slice(0, 4000) });
  }

  // The shop's tone: its own examples, else the last texts or mails a person approved and sent.
  let examples = drafting.examples;
  if (examples.length === 0) {
    const sent = await desk.db
      .selectFrom('messages')
      .select('body')
      .where('channel', '=', channel)
      .where('direction', '=', 'out')
      .where('automated', 'is not', 1)
      .where('status', 'in', SENT)
      .where('approved_by', 'is not', null)
      .orderBy('at', 'desc')
      .limit(3)
      .execute();
    examples = sent.map((s) => (s.body ?? '').slice(0, 1600)).filter((b) => b.trim() !== '');
  }

  const shopPhone = shop.phone ? formatPhone(normalizePhone(shop.phone, shop.country) ?? shop.phone, shop.country) || shop.phone : null;
  const shareAmounts = recipient === 'adjuster' || drafting.shareAmountsWithCustomer;
  const first = recipient === 'adjuster' ? (ro.adjuster_name ?? '').split(/\s+/)[0] ?? '' : (customer?.first_name ?? '');
  return {
    channel,
    recipient,
    moment,
    now: desk.now().toISOString(),
    timeZone: shop.timeZone,
    shop: {
      name: shop.name,
      phone: shopPhone,
      tone: drafting.tone.trim() || null,
      examples,
      signature: drafting.signature.trim() || [shop.name, shopPhone].filter(Boolean).join('\n') || null,
      email: shop.email || null,
    },
    to:
      recipient === 'adjuster'
        ? { name: ro.adjuster_name ?? '', firstName: first, email: ro.adjuster_email, mobile: null }
        : {
            name: [customer?.first_name, customer?.last_name].filter(Boolean).join(' '),
            firstName: first,
            email: customer?.email ?? null,
            mobile: customer?.mobile ?? null,
          },
    ro: {
      roNumber: String(ro.ro_number ?? ''),
      claimNumber: ro.claim_number,
      insurer: ro.insurer,
      adjusterName: ro.adjuster_name,
      adjusterEmail: ro.adjuster_email,
      adjusterPhone: ro.adjuster_phone,
      vehicle: vehicle ? vehicleLabel({ year: vehicle.year, make: vehicle.make, model: vehicle.model, color: null }) || null : null,
      plate: vehicle?.plate ?? null,
      stage: stageName(ro.stage),
      stageReachedAt: [...stages].reverse().find((s) => s.stage === ro.stage)?.at ?? null,
      subStatus: subStatus?.name ?? null,
      stageHistory: stages.map((s) => ({ stage: stageName(s.stage), at: s.at ?? '' })),
      promisedDate: ro.promised_date,
      promisedHistory: promised.map((p) => ({ from: p.from_date, to: p.to_date, reason: p.reason && isDelayReason(p.reason) ? DELAY_REASONS[p.reason] : p.reason, at: p.at ?? '' })),
      exceptions: exceptions.map((e) => ({ reason: e.reason && isDelayReason(e.reason) ? DELAY_REASONS[e.reason] : (e.reason ?? e.tag ?? 'Other'), note: e.note, since: e.opened_at ?? '' })),
      amounts: shareAmounts ? { estimateTotalCents: ro.estimate_total_cents, deductibleCents: ro.deductible_cents } : null,
      courtesyCar: ro.courtesy_car,
      portalUrl: recipient === 'customer' ? heldPortalLink(desk, roId, channel) : null,
    },
    thread,
    // A customer reads their own language; an adjuster the shop's (English, the country's spelling).
    locale: { country: shopCountry(shop.country), language: recipient === 'customer' && isCustomerLanguage(customer?.language) ? customer.language : 'en' },
  };
}
