// The merge fields of texts and mail, filled from one repair: the customer's first name, the
// vehicle, RO and claim numbers, the adjuster's name, the stage in the shop's words, the promised
// date, the portal link (issued on this desk if it holds none; `?s=sms` or `?s=email` counts where
// the visit came from) and the shop's name and phone. Texts (src-main/sms) and mail (src-main/mail)
// both fill their templates here.
import { ApiError } from '../../src-shared/api/errors.js';
import { customerWords } from '../../src-shared/i18n/index.js';
import { formatPhone, normalizePhone } from '../../src-shared/phone.js';
import { portalUrl } from '../../src-shared/portal/token.js';
import type { MergeValues } from '../../src-shared/sms/templates.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { intent } from '../api/actor.js';
import type { HandlerContext } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { issueToken, portalBase } from '../portal/portal-links.js';
import { vehicleLabel } from '../repair-orders/queries.js';
import { readSettings } from '../workspace/handlers.js';

export interface RoContext {
  ro: RowOf<'repair_orders'>;
  customer: RowOf<'customers'> | undefined;
}

export async function roContext(desk: Desk, roId: string): Promise<RoContext> {
  const ro = await desk.db.selectFrom('repair_orders').selectAll().where('id', '=', roId).executeTakeFirst();
  if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
  const customer = ro.customer_id ? await desk.db.selectFrom('customers').selectAll().where('id', '=', ro.customer_id).executeTakeFirst() : undefined;
  return { ro, customer };
}

/** The repair's portal link as a full URL for a text or a mail (`?s=sms`, `?s=email` count the visit), issued here if this desk holds none. */
async function portalLinkFor(ctx: HandlerContext, roId: string, source: 'sms' | 'email'): Promise<string | null> {
  const where = portalBase(ctx.desk);
  if (!where) return null;
  const held = ctx.desk.sqlite
    .prepare(
      `SELECT s.token FROM token_secrets s JOIN portal_tokens t ON t.id = s.token_id
       WHERE t.ro_id = ? AND t.kind = 'customer' AND t.revoked_at IS NULL ORDER BY t.issued_at DESC LIMIT 1`,
    )
    .get(roId) as { token: string } | undefined;
  let token = held?.token;
  if (!token) {
    token = await ctx.desk.store.write(intent(ctx, 'portal-link-issue', source === 'sms' ? 'Portal link issued for a text' : 'Portal link issued for an email', roId), (tx) =>
      issueToken(tx, { roId, kind: 'customer', workspaceId: where.workspaceId, staffId: ctx.session.staffId, expiresAt: null }),
    );
  }
  return portalUrl(where.base, token, source);
}

/**
 * The values for one repair. Dates are written in `language` (the language of the wording being
 * filled; by default the customer's) with the shop's country's formats: "Thursday, December 3",
 * "Thursday 3 December" in a UK shop, "jueves, 3 de diciembre" for a Spanish reader.
 */
export async function mergeValues(
  ctx: HandlerContext,
  c: RoContext,
  needsLink: boolean,
  source: 'sms' | 'email' = 'sms',
  language: string | null = c.customer?.language ?? null,
): Promise<Partial<MergeValues>> {
  const settings = await readSettings(ctx.desk);
  const vehicle = c.ro.vehicle_id ? await ctx.desk.db.selectFrom('vehicles').selectAll().where('id', '=', c.ro.vehicle_id).executeTakeFirst() : undefined;
  const stage = (c.ro.stage ?? 'pictures') as keyof typeof settings.stageWording;
  const promised = c.ro.promised_date ? customerWords(settings.country, language, { pseudo: false }).date(c.ro.promised_date) : '';
  return {
    first_name: c.customer?.first_name ?? '',
    vehicle: vehicle ? vehicleLabel({ year: vehicle.year, make: vehicle.make, model: vehicle.model, color: null }) : '',
    ro_number: c.ro.ro_number ? String(c.ro.ro_number) : '',
    stage: settings.stageWording[stage] ?? '',
    promised_date: promised,
    portal_link: needsLink ? ((await portalLinkFor(ctx, c.ro.id, source)) ?? '') : '',
    claim_number: c.ro.claim_number ?? '',
    adjuster_name: c.ro.adjuster_name ?? '',
    shop_name: settings.name,
    shop_phone: formatPhone(normalizePhone(settings.phone, settings.country) ?? settings.phone, settings.country) || settings.phone,
  };
}

