// Customers: the car owner's name and how to reach them. Mobile numbers are kept as E.164.
import type { z } from 'zod';
import type { newCustomerArgs } from '../../src-shared/api/contract.js';
import { ApiError } from '../../src-shared/api/errors.js';
import type { Customer, PreferredChannel } from '../../src-shared/domain.js';
import { type MobileKind, parsePhone, type ShopCountry, shopCountry } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { WriteTx } from '../../src-shared/sync/store.js';
import { intent } from '../api/actor.js';
import { renormalisePhones } from './renormalise.js';
import type { HandlerMap } from '../api/dispatch.js';
import { searchIds } from '../search/search-index.js';

export function toCustomer(row: RowOf<'customers'>): Customer {
  return {
    id: row.id,
    firstName: row.first_name ?? '',
    lastName: row.last_name ?? '',
    mobile: row.mobile,
    email: row.email,
    preferredChannel: (row.preferred_channel ?? 'sms') as PreferredChannel,
    smsOptedOut: row.sms_opt_out === 1,
    timeZone: row.time_zone,
    mobileKind: (row.mobile_kind as MobileKind | null) ?? null,
    language: row.language,
  };
}

/** The shop's country, which decides how a typed number without "+" is read. */
export async function countryOf(tx: WriteTx): Promise<ShopCountry> {
  return shopCountry((await tx.get('workspace_settings', SETTINGS_ID))?.country);
}

/**
 * A typed mobile read in the shop's country: its E.164 form and what the metadata says it is
 * (a landline is kept, and marked, so check-in can say it cannot receive texts). An impossible
 * number is refused with a sentence naming the problem; undefined leaves the field as it is.
 */
export function normalizeMobile(mobile: string | null | undefined, field: string, country: ShopCountry): { mobile: string | null; mobile_kind: MobileKind | null } | undefined {
  if (mobile === undefined) return undefined;
  if (mobile === null || mobile.trim() === '') return { mobile: null, mobile_kind: null };
  const read = parsePhone(mobile, country);
  if (!read.ok) throw new ApiError('invalid-args', read.problem, field);
  return { mobile: read.e164, mobile_kind: read.kind };
}

type NewCustomer = z.output<typeof newCustomerArgs>;

export async function insertCustomer(tx: WriteTx, args: NewCustomer, field = 'mobile', now = new Date()): Promise<string> {
  const phone = normalizeMobile(args.mobile, field, await countryOf(tx));
  return tx.insert('customers', {
    first_name: args.firstName,
    last_name: args.lastName,
    mobile: phone?.mobile ?? null,
    mobile_kind: phone?.mobile_kind ?? null,
    email: args.email?.toLowerCase() ?? null,
    preferred_channel: args.preferredChannel,
    time_zone: args.timeZone ?? null,
    language: args.language ?? null,
    created_at: now.toISOString(),
  });
}

export const customerHandlers: Partial<HandlerMap> = {
  'customer-create': async (args, ctx) => {
    const id = await ctx.desk.store.write(intent(ctx, 'customer-create', `Customer ${args.firstName} ${args.lastName} added`), (tx) =>
      insertCustomer(tx, args, 'mobile', ctx.desk.now()),
    );
    const row = await ctx.desk.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toCustomer(row);
  },

  'customer-update': async (args, ctx) => {
    const { desk } = ctx;
    await desk.store.write(intent(ctx, 'customer-update', 'Customer details changed'), async (tx) => {
      const current = await tx.get('customers', args.id);
      if (!current) throw new ApiError('not-found', 'That customer is not in this workspace.', 'id');
      const phone = normalizeMobile(args.mobile, 'mobile', await countryOf(tx));
      await tx.update('customers', args.id, {
        first_name: args.firstName,
        last_name: args.lastName,
        mobile: phone?.mobile,
        mobile_kind: phone?.mobile_kind,
        email: args.email === undefined ? undefined : (args.email?.toLowerCase() ?? null),
        preferred_channel: args.preferredChannel,
        time_zone: args.timeZone,
        language: args.language,
      });
    });
    const row = await desk.db.selectFrom('customers').selectAll().where('id', '=', args.id).executeTakeFirstOrThrow();
    return toCustomer(row);
  },

  'phone-check': async (_args, ctx) => renormalisePhones(ctx.desk, ctx.session.staffId ? `staff:${ctx.session.staffId}` : 'system'),

  'customer-search': async (args, { desk }) => {
    const ids = searchIds(desk.sqlite, 'customer', args.q, args.limit);
    if (ids.length === 0) return [];
    const rows = await desk.db.selectFrom('customers').selectAll().where('id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => (byId.has(id) ? [toCustomer(byId.get(id)!)] : []));
  },
};
