// Writing mail at the desk: a new mail from the repair (to the customer, the adjuster, or both,
// from one of the shop's mailboxes, with the repair's documents), the shop's mail templates with
// the same merge fields as texts, and a person's answer to a mail the relay could not be sure
// about. Send is the approval (`approved`, who, when), exactly as for texts; the relay sends once.
// A mail is never sent twice from one row: "send again" writes a new row with a new Message-ID.
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../src-shared/api/errors.js';
import type { EmailTemplate, MailMergePreview, MailPerson } from '../../src-shared/domain.js';
import {
  DEFAULT_EMAIL_TEMPLATES,
  defaultEmailWording,
  EMAIL_AUDIENCES,
  type EmailAudience,
  MAX_EMAIL_ATTACHMENT_BYTES,
  unknownFieldsProblem,
} from '../../src-shared/email/templates.js';
import { renderTemplate, unknownFields } from '../../src-shared/sms/templates.js';
import { CATALOGUES } from '../../src-shared/i18n/index.js';
import { standardTemplateName } from '../../src-shared/i18n/staff.js';
import { shopCountry } from '../../src-shared/phone.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { actorOf, intent } from '../api/actor.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import type { HandlerContext, HandlerMap } from '../api/dispatch.js';
import { mergeValues, type RoContext, roContext } from '../messages/merge-fields.js';
import { loadDetail } from '../repair-orders/queries.js';
import { readSettings } from '../workspace/handlers.js';

/** A removed template keeps its row (synced rows are never deleted) with this `active`. */
const REMOVED = -1;

// ---- templates -------------------------------------------------------------------------------

export async function loadEmailTemplates(desk: Desk): Promise<EmailTemplate[]> {
  const rows = await desk.db.selectFrom('email_templates').selectAll().execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  // A language the shop has not written a standard customer mail in starts from the catalogue's
  // wording (src-shared/i18n: mail.*), which is also what such a customer receives.
  const wordings = (id: string): EmailTemplate['wordings'] =>
    (['es'] as const).map((language) => {
      const own = byId.get(`${id}:${language}`);
      if (own?.language === language && own.body) return { language, subject: own.subject ?? '', body: own.body, own: true };
      const standard = defaultEmailWording(id, CATALOGUES[language]);
      return { language, subject: standard?.subject ?? '', body: standard?.body ?? '', own: false };
    });
  // A UK shop's standard mails it never changed read in British English ("ready to collect").
  const country = (await readSettings(desk)).country;
  const british = shopCountry(country) === 'GB';
  const audienceOf = (a: string | null): EmailAudience => ((EMAIL_AUDIENCES as readonly string[]).includes(a ?? '') ? (a as EmailAudience) : 'any');
  const all: Array<EmailTemplate & { position: number; removed: boolean }> = [
    ...DEFAULT_EMAIL_TEMPLATES.map((t, i) => {
      const saved = byId.get(t.id);
      const local = british && !saved ? defaultEmailWording(t.id, CATALOGUES['en-GB']) : null;
      return {
        id: t.id,
        name: standardTemplateName(t.id, t.name, saved?.name, country),
        audience: saved ? audienceOf(saved.audience) : t.audience,
        subject: saved?.subject ?? local?.subject ?? t.subject,
        body: saved?.body ?? local?.body ?? t.body,
        active: (saved?.active ?? 1) === 1,
        standard: true,
        wordings: wordings(t.id),
        position: saved?.position ?? i,
        removed: saved?.active === REMOVED,
      };
    }),
    ...rows
      // A row with a language is another template's wording in that language, not a template of its own.
      .filter((r) => !DEFAULT_EMAIL_TEMPLATES.some((t) => t.id === r.id) && !r.language)
      .map((r) => ({
        id: r.id,
        name: r.name ?? '',
        audience: audienceOf(r.audience),
        subject: r.subject ?? '',
        body: r.body ?? '',
        active: r.active === 1,
        standard: false,
        wordings: wordings(r.id),
        position: r.position ?? 1000,
        removed: r.active === REMOVED,
      })),
  ];
  return all
    .filter((t) => !t.removed)
    .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
    .map(({ position: _p, removed: _r, ...t }) => t);
}

async function emailTemplate(desk: Desk, id: string): Promise<EmailTemplate> {
  const t = (await loadEmailTemplates(desk)).find((x) => x.id === id);
  if (!t) throw new ApiError('not-found', 'That email template is not in this workspace (it may have been removed).', 'templateId');
  return t;
}

// ---- people, mailboxes, documents ------------------------------------------------------------

async function switchedIn(ctx: HandlerContext): Promise<{ id: string; name: string | null }> {
  if (!ctx.session.staffId) throw new ApiError('not-allowed', 'Switch in at the desk first: every email says who sent it.');
  const staff = await ctx.desk.db.selectFrom('staff').select('name').where('id', '=', ctx.session.staffId).executeTakeFirst();
  return { id: ctx.session.staffId, name: staff?.name ?? null };
}

/** The mailboxes mail can go out of now, oldest connection first. */
async function connectedMailboxes(desk: Desk): Promise<Array<RowOf<'mailboxes'>>> {
  const rows = await desk.db.selectFrom('mailboxes').selectAll().where('state', '=', 'connected').execute();
  return rows.sort((a, b) => (a.connected_at ?? '').localeCompare(b.connected_at ?? '') || (a.address ?? '').localeCompare(b.address ?? ''));
}

/** The chosen mailbox; else the one the repair's last mail went through; else the first connected. */
async function pickMailbox(desk: Desk, roId: string, mailboxId: string | undefined): Promise<RowOf<'mailboxes'>> {
  const boxes = await connectedMailboxes(desk);
  if (boxes.length === 0) {
    throw new ApiError('not-allowed', 'No mailbox is connected, so Bayline cannot send email yet. The owner or a manager can connect the shop’s mailbox in Settings › Email.', 'mailboxId');
  }
  if (mailboxId) {
    const chosen = boxes.find((b) => b.id === mailboxId);
    if (!chosen) throw new ApiError('not-allowed', 'That mailbox is not connected any more. Choose another, or reconnect it in Settings › Email.', 'mailboxId');
    return chosen;
  }
  const recent = await desk.db
    .selectFrom('messages')
    .select('mailbox_id')
    .where('ro_id', '=', roId)
    .where('channel', '=', 'email')
    .where('mailbox_id', 'is not', null)
    .orderBy('at', 'desc')
    .limit(50)
    .execute();
  for (const r of recent) {
    const box = boxes.find((b) => b.id === r.mailbox_id);
    if (box) return box;
  }
  return boxes[0]!;
}

const megabytes = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** The chosen documents of this repair as the JSON the relay reads, or null for none. */
async function chosenDocuments(desk: Desk, roId: string, ids: string[]): Promise<string | null> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return null;
  const rows = await desk.db.selectFrom('attachments').selectAll().where('id', 'in', unique).execute();
  let total = 0;
  for (const id of unique) {
    const row = rows.find((r) => r.id === id);
    if (!row || row.ro_id !== roId || row.removed_at || !row.blob_hash) {
      throw new ApiError('not-found', 'One of the chosen files is no longer on this repair. Choose the files again.', 'attachmentIds');
    }
    total += row.size_bytes ?? 0;
  }
  if (total > MAX_EMAIL_ATTACHMENT_BYTES) {
    throw new ApiError(
      'invalid-args',
      `The chosen files come to ${megabytes(total)}; one email can carry at most ${megabytes(MAX_EMAIL_ATTACHMENT_BYTES)}. Leave some out and send them in a second email, or share them on the customer’s portal.`,
      'attachmentIds',
    );
  }
  return JSON.stringify(unique);
}

function fullName(c: RoContext): string {
  return [c.customer?.first_name, c.customer?.last_name].filter(Boolean).join(' ');
}

/** "customer", "adjuster" or an address, as people; each address once. */
function recipients(c: RoContext, list: string[], field: 'to' | 'cc'): MailPerson[] {
  const out: MailPerson[] = [];
  for (const entry of list) {
    let person: MailPerson;
    if (entry === 'customer') {
      if (!c.customer?.email) {
        throw new ApiError('invalid-args', `${c.customer?.first_name || 'The customer'} has no email address on file. Add it to the customer, or write to another address.`, field);
      }
      person = { name: fullName(c), address: c.customer.email };
    } else if (entry === 'adjuster') {
      if (!c.ro.adjuster_email) throw new ApiError('invalid-args', 'This repair has no adjuster email. Add it with the insurance details, or type the address.', field);
      person = { name: c.ro.adjuster_name ?? '', address: c.ro.adjuster_email };
    } else {
      person = { name: '', address: entry };
    }
    if (!out.some((p) => p.address.toLowerCase() === person.address.toLowerCase())) out.push(person);
  }
  return out;
}

const domainOf = (address: string | null) => (address ?? '').split('@')[1] || 'bayline.invalid';

/** A new Message-ID in the mailbox's domain, from the row's own uuid. */
export function newMailIds(mailboxAddress: string | null): { id: string; messageId: string } {
  const uuid = randomUUID();
  return { id: `email:${uuid}`, messageId: `<${uuid}.bayline@${domainOf(mailboxAddress)}>` };
}

// ---- merge fields ----------------------------------------------------------------------------

interface Filled {
  text: string;
  missing: string[];
  unknown: string[];
}

/** Fills the repair's fields into a subject or text; `{names}` Bayline does not know stay as typed. */
async function fill(ctx: HandlerContext, c: RoContext, text: string, language: string | null = c.customer?.language ?? null): Promise<Filled> {
  if (!/\{[^{}\s]+\}/.test(text)) return { text, missing: [], unknown: [] };
  const unknown = unknownFields(text);
  const values = await mergeValues(ctx, c, text.includes('{portal_link}'), 'email', language);
  const keep = Object.fromEntries(unknown.map((u) => [u, `{${u}}`]));
  const r = renderTemplate(text, { ...values, ...keep }, { keepLines: true });
  return { text: r.text, missing: r.missing.filter((m) => !unknown.includes(m)), unknown };
}

/** Fills the fields in, refusing a `{name}` Bayline cannot fill (a typo would otherwise reach the adjuster). */
export async function fillForSending(ctx: HandlerContext, c: RoContext, text: string, part: 'subject' | 'text'): Promise<string> {
  const problem = unknownFieldsProblem(part, text);
  if (problem) throw new ApiError('invalid-args', `${problem} Correct it before sending.`, part === 'subject' ? 'subject' : 'body');
  return (await fill(ctx, c, text)).text;
}

export async function checkDocuments(desk: Desk, roId: string, ids: string[]): Promise<string | null> {
  return chosenDocuments(desk, roId, ids);
}

// ---- handlers --------------------------------------------------------------------------------

export const composeHandlers: Partial<HandlerMap> = {
  'email-template-list': async (_args, { desk }) => loadEmailTemplates(desk),

  'email-template-save': async (args, ctx) => {
    const subjectProblem = unknownFieldsProblem('subject', args.subject);
    if (subjectProblem) throw new ApiError('invalid-args', subjectProblem, 'subject');
    const bodyProblem = unknownFieldsProblem('text', args.body);
    if (bodyProblem) throw new ApiError('invalid-args', bodyProblem, 'body');
    if (args.language) {
      // One wording of an existing template in a customer language: its own row, "<id>:<language>".
      const template = args.id ? (await loadEmailTemplates(ctx.desk)).find((t) => t.id === args.id) : undefined;
      if (!template) throw new ApiError('not-found', 'Save the email template in English first, then its other languages.', 'id');
      const rowId = `${template.id}:${args.language}`;
      const values = { name: template.name, audience: template.audience, subject: args.subject.replace(/[\r\n]+/g, ' '), body: args.body, active: 1, position: 0, language: args.language };
      await ctx.desk.store.write(intent(ctx, 'email-template-save', `Email template "${template.name}" saved in Spanish`), async (tx) => {
        if (await tx.get('email_templates', rowId)) await tx.update('email_templates', rowId, values);
        else await tx.insert('email_templates', { id: rowId, ...values });
      });
      return (await loadEmailTemplates(ctx.desk)).find((t) => t.id === template.id)!;
    }
    const id = args.id ?? `etpl:${randomUUID()}`;
    const standard = DEFAULT_EMAIL_TEMPLATES.find((t) => t.id === id);
    const current = await loadEmailTemplates(ctx.desk);
    if (args.id && !standard && !current.some((t) => t.id === args.id)) throw new ApiError('not-found', 'That email template is not in this workspace.', 'id');
    const values = {
      name: args.name,
      audience: args.audience,
      subject: args.subject.replace(/[\r\n]+/g, ' '),
      body: args.body,
      active: args.active ? 1 : 0,
    };
    await ctx.desk.store.write(intent(ctx, 'email-template-save', `Email template "${args.name}" saved`), async (tx) => {
      if (await tx.get('email_templates', id)) await tx.update('email_templates', id, values);
      else {
        const index = DEFAULT_EMAIL_TEMPLATES.findIndex((t) => t.id === id);
        await tx.insert('email_templates', { id, ...values, position: index >= 0 ? index : current.length + 1000 });
      }
    });
    return (await loadEmailTemplates(ctx.desk)).find((t) => t.id === id)!;
  },

  'email-template-delete': async (args, ctx) => {
    const t = (await loadEmailTemplates(ctx.desk)).find((x) => x.id === args.id);
    if (!t) throw new ApiError('not-found', 'That email template is not in this workspace (it may already be removed).', 'id');
    await ctx.desk.store.write(intent(ctx, 'email-template-delete', `Email template "${t.name}" removed`), async (tx) => {
      if (await tx.get('email_templates', t.id)) await tx.update('email_templates', t.id, { active: REMOVED });
      else await tx.insert('email_templates', { id: t.id, name: t.name, audience: t.audience, subject: t.subject, body: t.body, active: REMOVED, position: 0 });
    });
    return loadEmailTemplates(ctx.desk);
  },

  'email-template-order': async (args, ctx) => {
    const list = await loadEmailTemplates(ctx.desk);
    const ids = [...new Set(args.ids)];
    if (ids.length !== list.length || !list.every((t) => ids.includes(t.id))) {
      throw new ApiError('invalid-args', 'The list of templates changed meanwhile (someone added or removed one). Look at the list again and reorder it.', 'ids');
    }
    await ctx.desk.store.write(intent(ctx, 'email-template-order', 'Email templates reordered'), async (tx) => {
      for (const [position, id] of ids.entries()) {
        const t = list.find((x) => x.id === id)!;
        if (await tx.get('email_templates', id)) await tx.update('email_templates', id, { position });
        else await tx.insert('email_templates', { id, name: t.name, audience: t.audience, subject: t.subject, body: t.body, active: t.active ? 1 : 0, position });
      }
    });
    return loadEmailTemplates(ctx.desk);
  },

  'mail-merge-preview': async (args, ctx): Promise<MailMergePreview> => {
    const c = await roContext(ctx.desk, args.roId);
    const t = args.templateId ? await emailTemplate(ctx.desk, args.templateId) : null;
    // A customer who reads another language gets the shop's wording in it when there is one; the
    // dates follow the wording's language (an English mail stays all English).
    // (its own wording, else the standard wording in that language).
    const own = t && t.audience !== 'adjuster' ? t.wordings.find((w) => w.body && w.language === c.customer?.language) : undefined;
    const language = own ? own.language : t ? null : undefined;
    const subject = await fill(ctx, c, own?.subject ?? t?.subject ?? args.subject ?? '', language);
    const body = await fill(ctx, c, own?.body ?? t?.body ?? args.body ?? '', language);
    return {
      subject: subject.text.replace(/[\r\n]+/g, ' '),
      body: body.text,
      missingFields: [...new Set([...subject.missing, ...body.missing])],
      unknownFields: [...new Set([...subject.unknown, ...body.unknown])],
      audience: t?.audience ?? null,
    };
  },

  'mail-compose': async (args, ctx) => {
    const c = await roContext(ctx.desk, args.roId);
    const staff = await switchedIn(ctx);
    const box = await pickMailbox(ctx.desk, args.roId, args.mailboxId);
    const to = recipients(c, args.to, 'to');
    const cc = recipients(c, args.cc, 'cc').filter((p) => !to.some((t) => t.address.toLowerCase() === p.address.toLowerCase()));
    if (args.templateId) await emailTemplate(ctx.desk, args.templateId);
    const subject = (await fillForSending(ctx, c, args.subject, 'subject')).replace(/[\r\n]+/g, ' ').trim();
    const body = await fillForSending(ctx, c, args.body, 'text');
    const files = await chosenDocuments(ctx.desk, args.roId, args.attachmentIds);
    const shop = await readSettings(ctx.desk);
    const { id, messageId } = newMailIds(box.address);
    const now = ctx.desk.now().toISOString();
    const summary = `Email "${subject}" to ${to.map((p) => p.address).join(', ')} approved and sent`;
    await ctx.desk.store.write(intent(ctx, 'mail-compose', summary, args.roId), (tx) =>
      tx.insert('messages', {
        id,
        ro_id: args.roId,
        customer_id: c.ro.customer_id,
        channel: 'email',
        direction: 'out',
        body,
        at: now,
        staff_id: staff.id,
        author: staff.name,
        read_at: now,
        status: 'approved',
        approved_by: actorOf(ctx),
        approved_at: now,
        automated: 0,
        template_id: args.templateId ?? null,
        mailbox_id: box.id,
        subject,
        email_from: JSON.stringify({ name: shop.name ?? '', address: box.address }),
        email_to: JSON.stringify(to),
        email_cc: JSON.stringify(cc),
        email_thread_id: null,
        email_message_id: messageId,
        email_in_reply_to: null,
        email_references: null,
        email_attachments: files,
      }),
    );
    return loadDetail(ctx.desk, args.roId);
  },

  'mail-check-resolve': async (args, ctx) => {
    const row = await ctx.desk.db.selectFrom('messages').selectAll().where('id', '=', args.id).executeTakeFirst();
    if (!row || row.channel !== 'email' || row.direction !== 'out' || !row.ro_id) throw new ApiError('not-found', 'That email is not in this workspace.', 'id');
    if (row.status !== 'check-needed') throw new ApiError('not-allowed', 'That email does not need checking any more.', 'id');
    const staff = await switchedIn(ctx);
    const who = staff.name ?? 'the shop';
    const roId = row.ro_id;
    if (args.outcome === 'sent') {
      await ctx.desk.store.write(intent(ctx, 'mail-check-resolve', `Email "${row.subject ?? ''}" found in Sent: marked as sent`, roId), (tx) =>
        tx.update('messages', row.id, { status: 'sent', status_detail: `Found in the Sent folder by ${who}.` }),
      );
      return loadDetail(ctx.desk, roId);
    }
    const box = row.mailbox_id ? await ctx.desk.db.selectFrom('mailboxes').selectAll().where('id', '=', row.mailbox_id).executeTakeFirst() : undefined;
    if (!box || box.state !== 'connected') {
      throw new ApiError('not-allowed', 'The mailbox this email was to go out of is not connected. Reconnect it in Settings › Email, then send it again.', 'id');
    }
    const { id, messageId } = newMailIds(box.address);
    const now = ctx.desk.now().toISOString();
    await ctx.desk.store.write(intent(ctx, 'mail-check-resolve', `Email "${row.subject ?? ''}" not in Sent: sent again as a new email`, roId), async (tx) => {
      await tx.insert('messages', {
        id,
        ro_id: roId,
        customer_id: row.customer_id,
        channel: 'email',
        direction: 'out',
        body: row.body,
        at: now,
        staff_id: staff.id,
        author: staff.name,
        read_at: now,
        status: 'approved',
        approved_by: actorOf(ctx),
        approved_at: now,
        automated: 0,
        template_id: row.template_id,
        mailbox_id: row.mailbox_id,
        subject: row.subject,
        email_from: row.email_from,
        email_to: row.email_to,
        email_cc: row.email_cc,
        email_thread_id: row.email_thread_id,
        email_message_id: messageId,
        email_in_reply_to: row.email_in_reply_to,
        email_references: row.email_references,
        email_attachments: row.email_attachments,
      });
      await tx.update('messages', row.id, { status: 'not-sent', status_detail: `Not in the Sent folder (checked by ${who}); sent again as a new email.` });
    });
    return loadDetail(ctx.desk, roId);
  },
};
