// Portal links, the bay camera link, the conversation with the customer, and "track my repair"
// requests from the public shop page, as API methods.
import { ApiError } from '../../src-shared/api/errors.js';
import type { TrackRequest } from '../../src-shared/domain.js';
import { intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { loadDetail } from '../repair-orders/queries.js';
import { issueBayLink, issueToken, loadPortalLink, NOT_PAIRED, portalBase, revokeTokens } from './portal-links.js';

async function requireRo(desk: Desk, roId: string) {
  const ro = await desk.db.selectFrom('repair_orders').select(['id', 'customer_id']).where('id', '=', roId).executeTakeFirst();
  if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
  return ro;
}

async function loadTrackRequests(desk: Desk): Promise<TrackRequest[]> {
  const rows = await desk.db
    .selectFrom('track_requests as t')
    .leftJoin('repair_orders as r', 'r.id', 't.ro_id')
    .leftJoin('customers as c', 'c.id', 'r.customer_id')
    .select(['t.id', 't.ro_id', 't.at', 't.channel', 't.destination', 't.handled_at', 'r.ro_number', 'c.first_name', 'c.last_name'])
    .orderBy('t.at', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    roId: r.ro_id ?? '',
    roNumber: r.ro_number ?? 0,
    customerName: [r.first_name, r.last_name].filter(Boolean).join(' '),
    at: r.at ?? '',
    channel: r.channel === 'email' ? 'email' : 'sms',
    destination: r.destination ?? '',
    handled: r.handled_at !== null,
  }));
}

export const portalHandlers: Partial<HandlerMap> = {
  'portal-link-get': async (args, { desk }) => loadPortalLink(desk, args.roId),

  'portal-totals': async (_args, { desk }) => {
    const rows = await desk.db.selectFrom('portal_counts').select(['ro_id', 'source', 'views']).execute();
    const viewsBySource: Record<string, number> = {};
    const repairs = new Set<string>();
    for (const r of rows) {
      const source = r.source ?? 'link';
      viewsBySource[source] = (viewsBySource[source] ?? 0) + (r.views ?? 0);
      if (r.ro_id && (r.views ?? 0) > 0) repairs.add(r.ro_id);
    }
    const views = Object.values(viewsBySource).reduce((a, b) => a + b, 0);
    const qrScans = Object.entries(viewsBySource)
      .filter(([source]) => source.startsWith('qr-'))
      .reduce((a, [, n]) => a + n, 0);
    return { views, qrScans, viewsBySource, repairsViewed: repairs.size };
  },

  'portal-link-issue': async (args, ctx) => {
    const where = portalBase(ctx.desk);
    if (!where) throw new ApiError('not-paired', NOT_PAIRED);
    await requireRo(ctx.desk, args.roId);
    const summary = args.rotate ? 'Portal link replaced; the earlier links stopped working' : 'Portal link issued';
    await ctx.desk.store.write(intent(ctx, 'portal-link-issue', summary, args.roId), async (tx) => {
      if (args.rotate) await revokeTokens(tx, args.roId, 'customer');
      await issueToken(tx, {
        roId: args.roId,
        kind: 'customer',
        workspaceId: where.workspaceId,
        staffId: ctx.session.staffId,
        expiresAt: null,
      });
    });
    return loadPortalLink(ctx.desk, args.roId);
  },

  'portal-link-revoke': async (args, ctx) => {
    await requireRo(ctx.desk, args.roId);
    await ctx.desk.store.write(intent(ctx, 'portal-link-revoke', 'Portal link revoked', args.roId), async (tx) => {
      await revokeTokens(tx, args.roId, 'customer');
    });
    return loadPortalLink(ctx.desk, args.roId);
  },

  'bay-link-issue': async (args, ctx) => {
    await requireRo(ctx.desk, args.roId);
    return ctx.desk.store.write(intent(ctx, 'bay-link-issue', 'Bay camera link issued', args.roId), (tx) =>
      issueBayLink(ctx.desk, args.roId, tx, ctx.session.staffId),
    );
  },

  'message-send': async (args, ctx) => {
    const ro = await requireRo(ctx.desk, args.roId);
    const staff = ctx.session.staffId
      ? await ctx.desk.db.selectFrom('staff').select('name').where('id', '=', ctx.session.staffId).executeTakeFirst()
      : undefined;
    await ctx.desk.store.write(intent(ctx, 'message-send', 'Message to the customer on the portal', args.roId), async (tx) => {
      const now = ctx.desk.now().toISOString();
      await tx.insert('messages', {
        ro_id: args.roId,
        customer_id: ro.customer_id,
        channel: 'portal',
        direction: 'out',
        body: args.body,
        at: now,
        staff_id: ctx.session.staffId,
        author: staff?.name ?? null,
        read_at: now,
      });
    });
    return loadDetail(ctx.desk, args.roId);
  },

  'message-mark-read': async (args, ctx) => {
    await requireRo(ctx.desk, args.roId);
    const unread = await ctx.desk.db
      .selectFrom('messages')
      .select('id')
      .where('ro_id', '=', args.roId)
      .where('direction', '=', 'in')
      .where('read_at', 'is', null)
      .execute();
    if (unread.length > 0) {
      await ctx.desk.store.write(
        { ...intent(ctx, 'message-mark-read', 'Customer messages read', args.roId), audit: false },
        async (tx) => {
          const now = ctx.desk.now().toISOString();
          for (const m of unread) await tx.update('messages', m.id, { read_at: now });
        },
      );
    }
    return loadDetail(ctx.desk, args.roId);
  },

  'track-request-list': async (_args, { desk }) => loadTrackRequests(desk),

  'track-request-handle': async (args, ctx) => {
    await ctx.desk.store.write(intent(ctx, 'track-request-handle', 'Track request handled'), async (tx) => {
      const row = await tx.get('track_requests', args.id);
      if (!row) throw new ApiError('not-found', 'That request is not in this workspace.', 'id');
      tx.roId = row.ro_id;
      if (!row.handled_at) await tx.update('track_requests', args.id, { handled_at: ctx.desk.now().toISOString() });
    });
    return loadTrackRequests(ctx.desk);
  },
};
