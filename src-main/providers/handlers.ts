// The desk's side of work providers (issue 19). The shop grants a provider (an insurer, a fleet)
// access from Settings › Work providers: the provider is picked from the relay's directory (asked
// over the desk's paired credential), the grant is a synced `provider_grants` row written through
// the mutation layer (so every desk and the relay see it, and revoking reaches the relay with the
// next push), and the "share with insurer" toggles mark photos, documents and messages.
// Granting and revoking is for the owner or a manager.
import { ApiError } from '../../src-shared/api/errors.js';
import { grantInsurerNames, insurerKey } from '../../src-shared/providers/keys.js';
import type { DirectoryProvider, ProviderGrant } from '../../src-shared/providers/desk-api.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import { intent } from '../api/actor.js';
import type { HandlerContext } from '../api/desk-context.js';
import type { HandlerMap } from '../api/dispatch.js';
import { loadDetail } from '../repair-orders/queries.js';
import { readDevice } from '../sync/device.js';

const ADMIN_ROLES = ['owner', 'manager'];

async function requireAdmin(ctx: HandlerContext): Promise<string> {
  const staffId = ctx.session.staffId;
  const staff = staffId ? await ctx.desk.db.selectFrom('staff').select(['role', 'active']).where('id', '=', staffId).executeTakeFirst() : undefined;
  if (!staffId || !staff || staff.active === 0 || !ADMIN_ROLES.includes(staff.role ?? '')) {
    throw new ApiError('not-allowed', 'Only the owner or a manager can share repairs with a work provider or stop it. Switch to one of them first.');
  }
  return staffId;
}

export async function loadGrants(ctx: Pick<HandlerContext, 'desk'>): Promise<ProviderGrant[]> {
  const rows = await ctx.desk.db.selectFrom('provider_grants').selectAll().execute();
  const insurers = await ctx.desk.db.selectFrom('repair_orders').select('insurer').where('insurer', 'is not', null).execute();
  return rows
    .map((g) => {
      const names = grantInsurerNames(g.insurer_names);
      const keys = new Set(names.map((n) => insurerKey(n)));
      return {
        id: g.id,
        providerId: g.provider_id ?? '',
        providerName: g.provider_name ?? g.provider_id ?? '',
        insurerNames: names,
        sharePhotos: g.share_photos === 1,
        shareDocuments: g.share_documents === 1,
        shareMessages: g.share_messages === 1,
        shareAmounts: g.share_amounts === 1,
        grantedAt: g.granted_at,
        revokedAt: g.revoked_at,
        repairCount: insurers.filter((r) => keys.has(insurerKey(r.insurer))).length,
      };
    })
    .sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || a.providerName.localeCompare(b.providerName));
}

async function directory(ctx: HandlerContext): Promise<DirectoryProvider[]> {
  const device = readDevice(ctx.desk.dataDir);
  if (!device) throw new ApiError('not-paired', 'This desk is not connected to the shop\'s relay yet. Pair it in Settings first: work providers live on the relay.');
  let res: Response;
  try {
    res = await fetch(new URL('providers/directory', `${device.relayUrl.replace(/\/+$/, '')}/`), {
      headers: { authorization: bearer(device.deviceId, device.secret) },
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new ApiError('unreachable', 'The shop\'s relay cannot be reached right now. Check the internet connection and try again.');
  }
  const answer = (await res.json().catch(() => ({}))) as { providers?: DirectoryProvider[]; message?: string };
  if (!res.ok) throw new ApiError(res.status === 403 ? 'not-allowed' : 'unreachable', answer.message ?? 'The relay refused. Try again in a moment.');
  return answer.providers ?? [];
}

export const providerHandlers: Partial<HandlerMap> = {
  'provider-directory': async (_args, ctx) => directory(ctx),

  'provider-grant-list': async (_args, ctx) => loadGrants(ctx),

  'provider-grant-save': async (args, ctx) => {
    const staffId = await requireAdmin(ctx);
    const names = [...new Map(args.insurerNames.map((n) => [insurerKey(n), n.trim().replace(/\s+/g, ' ')])).values()];
    const shared = [args.sharePhotos && 'photos', args.shareDocuments && 'documents', args.shareMessages && 'messages', args.shareAmounts && 'amounts'].filter(Boolean).join(', ') || 'progress only';
    await ctx.desk.store.write(intent(ctx, 'provider-grant-save', `Repairs of ${names.join(', ')} shared with ${args.providerName} (${shared})`), async (tx) => {
      const values = {
        provider_id: args.providerId,
        provider_name: args.providerName,
        insurer_names: JSON.stringify(names),
        share_photos: args.sharePhotos ? 1 : 0,
        share_documents: args.shareDocuments ? 1 : 0,
        share_messages: args.shareMessages ? 1 : 0,
        share_amounts: args.shareAmounts ? 1 : 0,
      };
      if (args.id) {
        const existing = await tx.get('provider_grants', args.id);
        if (!existing) throw new ApiError('not-found', 'That grant is not in this workspace.', 'id');
        if (existing.revoked_at) throw new ApiError('invalid-args', 'That grant was revoked; grant the provider again instead.', 'id');
        await tx.update('provider_grants', args.id, values);
      } else {
        await tx.insert('provider_grants', { ...values, granted_at: new Date().toISOString(), granted_by: staffId });
      }
    });
    return loadGrants(ctx);
  },

  'provider-grant-revoke': async (args, ctx) => {
    const staffId = await requireAdmin(ctx);
    const grant = await ctx.desk.db.selectFrom('provider_grants').select(['provider_name', 'revoked_at']).where('id', '=', args.id).executeTakeFirst();
    if (!grant) throw new ApiError('not-found', 'That grant is not in this workspace.', 'id');
    if (!grant.revoked_at) {
      await ctx.desk.store.write(intent(ctx, 'provider-grant-revoke', `${grant.provider_name ?? 'Work provider'} no longer sees the shop's repairs`), (tx) =>
        tx.update('provider_grants', args.id, { revoked_at: new Date().toISOString(), revoked_by: staffId }),
      );
    }
    return loadGrants(ctx);
  },

  'attachment-set-shared': async (args, ctx) => {
    const roId = await ctx.desk.store.write(intent(ctx, 'attachment-set-shared', args.shared ? 'File shared with the insurer' : 'File no longer shared with the insurer'), async (tx) => {
      const a = await tx.get('attachments', args.id);
      if (!a || !a.ro_id) throw new ApiError('not-found', 'That photo or document is not in this workspace.', 'id');
      tx.roId = a.ro_id;
      await tx.update('attachments', args.id, { shared_with_insurer: args.shared ? 1 : 0 });
      return a.ro_id;
    });
    return loadDetail(ctx.desk, roId);
  },

  'message-set-shared': async (args, ctx) => {
    const roId = await ctx.desk.store.write(intent(ctx, 'message-set-shared', args.shared ? 'Message shared with the insurer' : 'Message no longer shared with the insurer'), async (tx) => {
      const m = await tx.get('messages', args.id);
      if (!m || !m.ro_id) throw new ApiError('not-found', 'That message is not on a repair of this workspace.', 'id');
      tx.roId = m.ro_id;
      await tx.update('messages', args.id, { shared_with_insurer: args.shared ? 1 : 0 });
      return m.ro_id;
    });
    return loadDetail(ctx.desk, roId);
  },
};
