// The desk's side of the shop's mailboxes. Mailboxes are connected on the relay (it holds the
// Google app and the sealed tokens); the desk lists them from sync (`mailboxes`), asks the relay
// for a single-use Google sign-in address over its paired credential, and asks it to disconnect.
// Only an owner or manager switched in at the window may do either (the relay checks again).
import { ApiError } from '../../src-shared/api/errors.js';
import type { Mailbox } from '../../src-shared/domain.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { HandlerContext } from '../api/desk-context.js';
import { readDevice } from '../sync/device.js';

const ADMIN_ROLES = ['owner', 'manager'];

export async function loadMailboxes(ctx: Pick<HandlerContext, 'desk'>): Promise<Mailbox[]> {
  const rows = await ctx.desk.db.selectFrom('mailboxes').selectAll().orderBy('address').execute();
  return rows.map((r) => ({
    id: r.id,
    provider: 'gmail',
    address: r.address ?? '',
    state: (r.state ?? 'disconnected') as Mailbox['state'],
    connectedAt: r.connected_at,
    lastError: r.last_error,
  }));
}

async function requireAdmin(ctx: HandlerContext): Promise<string> {
  const staffId = ctx.session.staffId;
  const staff = staffId ? await ctx.desk.db.selectFrom('staff').select(['role', 'active']).where('id', '=', staffId).executeTakeFirst() : undefined;
  if (!staffId || !staff || staff.active === 0 || !ADMIN_ROLES.includes(staff.role ?? '')) {
    throw new ApiError('not-allowed', 'Only the owner or a manager can connect or disconnect the shop\'s mailbox. Switch to one of them first.');
  }
  return staffId;
}

async function askRelay<T>(ctx: HandlerContext, path: string, body: unknown): Promise<T> {
  const device = readDevice(ctx.desk.dataDir);
  if (!device) throw new ApiError('not-paired', 'This desk is not connected to the shop\'s relay yet. Pair it in Settings first; the mailbox is connected through the relay.');
  let res: Response;
  try {
    res = await fetch(new URL(path, `${device.relayUrl.replace(/\/+$/, '')}/`), {
      method: 'POST',
      headers: { authorization: bearer(device.deviceId, device.secret), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new ApiError('unreachable', 'The shop\'s relay cannot be reached right now. Check the internet connection and try again.');
  }
  const answer = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) {
    const message = answer.message ?? 'The relay refused. Try again in a moment.';
    throw new ApiError(res.status === 403 ? 'not-allowed' : res.status === 404 ? 'not-found' : 'unreachable', message);
  }
  return answer as T;
}

export const mailHandlers: Partial<HandlerMap> = {
  'mail-mailbox-list': async (_args, ctx) => loadMailboxes(ctx),

  'mail-connect-start': async (_args, ctx) => {
    const staffId = await requireAdmin(ctx);
    const { url } = await askRelay<{ url: string }>(ctx, 'mail/gmail/start', { staffId });
    return { url };
  },

  'mail-disconnect': async (args, ctx) => {
    const staffId = await requireAdmin(ctx);
    const known = await ctx.desk.db.selectFrom('mailboxes').select('id').where('id', '=', args.id).executeTakeFirst();
    if (!known) throw new ApiError('not-found', 'That mailbox is not connected to this shop.', 'id');
    await askRelay(ctx, `mail/mailboxes/${encodeURIComponent(args.id)}/disconnect`, { staffId });
    // The relay's "disconnected" arrives by sync; show it at once here too.
    const now = await loadMailboxes(ctx);
    return now.map((m) => (m.id === args.id ? { ...m, state: 'disconnected' as const } : m));
  },
};
