// The desk's side of the shop's mailboxes. Mailboxes are connected on the relay (it holds the
// Google app and the sealed tokens); the desk lists them from sync (`mailboxes`), asks the relay
// for a single-use Google sign-in address over its paired credential, and asks it to disconnect.
// Only an owner or manager switched in at the window may do either (the relay checks again).
import { ApiError } from '../../src-shared/api/errors.js';
import type { Mailbox, UnassignedMail } from '../../src-shared/domain.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import { MAIL_PROVIDERS, type MailProviderId } from '../../src-shared/email/providers.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { HandlerContext } from '../api/desk-context.js';
import { actorOf, intent } from '../api/actor.js';
import { loadDetail } from '../repair-orders/queries.js';
import { roContext } from '../messages/merge-fields.js';
import { checkDocuments, fillForSending, newMailIds } from './compose.js';
import { readDevice } from '../sync/device.js';

const ADMIN_ROLES = ['owner', 'manager'];

export async function loadMailboxes(ctx: Pick<HandlerContext, 'desk'>): Promise<Mailbox[]> {
  const rows = await ctx.desk.db.selectFrom('mailboxes').selectAll().orderBy('address').execute();
  return rows.map((r) => ({
    id: r.id,
    provider: (MAIL_PROVIDERS as readonly string[]).includes(r.provider ?? '') ? (r.provider as Mailbox['provider']) : 'gmail',
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

async function askRelay<T>(ctx: HandlerContext, path: string, body: unknown, method: 'GET' | 'POST' = 'POST'): Promise<T> {
  const device = readDevice(ctx.desk.dataDir);
  if (!device) throw new ApiError('not-paired', 'This desk is not connected to the shop\'s relay yet. Pair it in Settings first; the mailbox is connected through the relay.');
  let res: Response;
  try {
    res = await fetch(new URL(path, `${device.relayUrl.replace(/\/+$/, '')}/`), {
      method,
      headers: { authorization: bearer(device.deviceId, device.secret), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new ApiError('unreachable', 'The shop\'s relay cannot be reached right now. Check the internet connection and try again.');
  }
  const answer = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) {
    const message = answer.message ?? 'The relay refused. Try again in a moment.';
    throw new ApiError(res.status === 403 ? 'not-allowed' : res.status === 404 ? 'not-found' : res.status === 400 ? 'invalid-args' : 'unreachable', message);
  }
  return answer as T;
}

export async function loadMailInbox(ctx: Pick<HandlerContext, 'desk'>): Promise<UnassignedMail[]> {
  const rows = await ctx.desk.db
    .selectFrom('messages')
    .selectAll()
    .where('channel', '=', 'email')
    .where('ro_id', 'is', null)
    .where('direction', '=', 'in')
    .where((eb) => eb.or([eb('status', 'is', null), eb('status', '!=', 'ignored')]))
    .orderBy('at', 'desc')
    .limit(500)
    .execute();
  const boxes = new Map((await ctx.desk.db.selectFrom('mailboxes').select(['id', 'address']).execute()).map((b) => [b.id, b.address]));
  return rows.map((r) => {
    let from: UnassignedMail['from'] = null;
    try {
      const v = JSON.parse(r.email_from ?? 'null') as { name?: string; address?: string } | null;
      if (v?.address) from = { name: v.name ?? '', address: v.address };
    } catch {
      from = null;
    }
    return { id: r.id, from, subject: r.subject ?? '', body: (r.body ?? '').slice(0, 2000), at: r.at ?? '', mailboxAddress: (r.mailbox_id && boxes.get(r.mailbox_id)) || null };
  });
}

async function unassignedMail(ctx: HandlerContext, id: string) {
  const row = await ctx.desk.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.channel !== 'email' || row.ro_id !== null || row.status === 'ignored') throw new ApiError('not-found', 'That email is not in the inbox any more.', 'id');
  return row;
}

function parsePeople(json: string | null): Array<{ name: string; address: string }> {
  try {
    const v: unknown = JSON.parse(json ?? '[]');
    return (Array.isArray(v) ? v : [v])
      .filter((p): p is { name?: unknown; address: string } => typeof p?.address === 'string')
      .map((p) => ({ name: typeof p.name === 'string' ? p.name : '', address: p.address }));
  } catch {
    return [];
  }
}

/** "Re: " once, whatever the original subject already says. */
export function replySubject(subject: string): string {
  return /^\s*re\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

export const mailHandlers: Partial<HandlerMap> = {
  'mail-inbox-list': async (_args, ctx) => loadMailInbox(ctx),

  'mail-inbox-attach': async (args, ctx) => {
    const row = await unassignedMail(ctx, args.id);
    const ro = await ctx.desk.db.selectFrom('repair_orders').select(['id', 'ro_number', 'customer_id']).where('id', '=', args.roId).executeTakeFirst();
    if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
    await ctx.desk.store.write(intent(ctx, 'mail-inbox-attach', `Email attached to RO ${ro.ro_number ?? ''}`, ro.id), async (tx) => {
      const thread =
        row.email_thread_id && row.mailbox_id
          ? await tx.trx
              .selectFrom('messages')
              .select('id')
              .where('mailbox_id', '=', row.mailbox_id)
              .where('email_thread_id', '=', row.email_thread_id)
              .where('ro_id', 'is', null)
              .execute()
          : [];
      const ids = [...new Set([row.id, ...thread.map((t) => t.id)])];
      for (const id of ids) await tx.update('messages', id, { ro_id: ro.id, customer_id: ro.customer_id });
      // The files that came with them become the repair's too.
      const files = await tx.trx.selectFrom('attachments').select('id').where('message_id', 'in', ids).where('ro_id', 'is', null).execute();
      for (const f of files) await tx.update('attachments', f.id, { ro_id: ro.id });
    });
    return loadMailInbox(ctx);
  },

  'mail-inbox-ignore': async (args, ctx) => {
    await unassignedMail(ctx, args.id);
    await ctx.desk.store.write(intent(ctx, 'mail-inbox-ignore', 'Email set aside'), (tx) => tx.update('messages', args.id, { status: 'ignored' }));
    return loadMailInbox(ctx);
  },

  'mail-reply': async (args, ctx) => {
    const original = await ctx.desk.db.selectFrom('messages').selectAll().where('id', '=', args.replyToId).executeTakeFirst();
    if (!original || original.channel !== 'email' || original.ro_id !== args.roId) {
      throw new ApiError('not-found', 'That email is not on this repair.', 'replyToId');
    }
    if (!ctx.session.staffId) throw new ApiError('not-allowed', 'Switch in at the desk first: every email says who sent it.');
    const mailbox = original.mailbox_id ? await ctx.desk.db.selectFrom('mailboxes').selectAll().where('id', '=', original.mailbox_id).executeTakeFirst() : undefined;
    if (!mailbox || mailbox.state !== 'connected') {
      throw new ApiError('not-allowed', 'The mailbox this email came to is not connected. Connect it again in Settings › Email, then reply.', 'replyToId');
    }
    const staff = await ctx.desk.db.selectFrom('staff').select('name').where('id', '=', ctx.session.staffId).executeTakeFirst();
    const from = JSON.parse(original.email_from ?? 'null') as { name: string; address: string } | null;
    if (!from?.address) throw new ApiError('invalid-args', 'This email has no sender address to answer.', 'replyToId');
    // Reply all: everyone else the mail was to or copied to, as Cc; never the shop's own mailboxes.
    const own = new Set((await ctx.desk.db.selectFrom('mailboxes').select('address').execute()).map((b) => (b.address ?? '').toLowerCase()));
    const cc: Array<{ name: string; address: string }> = [];
    if (args.replyAll) {
      for (const p of [...parsePeople(original.email_to), ...parsePeople(original.email_cc)]) {
        const a = p.address.toLowerCase();
        if (own.has(a) || a === from.address.toLowerCase() || cc.some((x) => x.address.toLowerCase() === a)) continue;
        cc.push(p);
      }
    }
    const files = await checkDocuments(ctx.desk, args.roId, args.attachmentIds);
    const body = await fillForSending(ctx, await roContext(ctx.desk, args.roId), args.body, 'text');
    const { id, messageId } = newMailIds(mailbox.address);
    const now = ctx.desk.now().toISOString();
    const references = [original.email_references, original.email_message_id].filter(Boolean).join(' ') || null;
    await ctx.desk.store.write(intent(ctx, 'mail-reply', 'Email reply sent', args.roId), async (tx) => {
      await tx.insert('messages', {
        id,
        ro_id: args.roId,
        customer_id: original.customer_id,
        channel: 'email',
        direction: 'out',
        body,
        at: now,
        staff_id: ctx.session.staffId,
        author: staff?.name ?? null,
        read_at: now,
        status: 'approved',
        approved_by: actorOf(ctx),
        approved_at: now,
        automated: 0,
        mailbox_id: mailbox.id,
        subject: replySubject(original.subject ?? ''),
        email_from: JSON.stringify({ name: '', address: mailbox.address }),
        email_to: JSON.stringify([from]),
        email_cc: JSON.stringify(cc),
        email_thread_id: original.email_thread_id,
        email_message_id: messageId,
        email_in_reply_to: original.email_message_id,
        email_references: references,
        email_attachments: files,
        template_id: args.templateId ?? null,
      });
    });
    return loadDetail(ctx.desk, args.roId);
  },

  'mail-mailbox-list': async (_args, ctx) => loadMailboxes(ctx),

  'mail-providers': async (_args, ctx) => {
    const { providers } = await askRelay<{ providers?: Array<{ id: string; name: string }> }>(ctx, 'mail/providers', undefined, 'GET');
    return (providers ?? []).filter((p): p is { id: MailProviderId; name: string } => (MAIL_PROVIDERS as readonly string[]).includes(p.id));
  },

  'mail-connect-start': async (args, ctx) => {
    const staffId = await requireAdmin(ctx);
    const { url } = await askRelay<{ url: string }>(ctx, `mail/${args.provider}/start`, { staffId });
    return { url };
  },

  'mail-connect-imap': async (args, ctx) => {
    const staffId = await requireAdmin(ctx);
    const { address } = await askRelay<{ address: string }>(ctx, 'mail/imap/connect', {
      staffId,
      address: args.address,
      user: args.user || args.address,
      password: args.password,
      imap: { host: args.imapHost, port: args.imapPort, security: args.imapSecurity },
      smtp: { host: args.smtpHost, port: args.smtpPort, security: args.smtpSecurity },
    });
    return { address };
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
