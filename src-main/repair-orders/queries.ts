// Reading repair orders back as the API hands them out: board cards and the full RO view.
import { ApiError } from '../../src-shared/api/errors.js';
import type { Attachment, BoardRows, EmailDetails, MailPerson, Message, MessageChannel, RepairOrderDetail, RepairOrderSummary } from '../../src-shared/domain.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { DELAY_REASONS, type DelayReason } from '../../src-shared/exceptions.js';
import type { Stage } from '../../src-shared/stages.js';
import { toCustomer } from '../customers/handlers.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { loadPortalLink } from '../portal/portal-links.js';
import { readSettings } from '../workspace/handlers.js';
import { shopToday as shopDay } from '../../src-shared/shop-day.js';

/** Today's date (YYYY-MM-DD) where the shop is, which is what "overdue" means to the shop. */
export function shopToday(timeZone: string, now = new Date()): string {
  return shopDay(timeZone, now);
}

export function vehicleLabel(v: { year: number | null; make: string | null; model: string | null; color: string | null }): string {
  return [v.year, v.color, v.make, v.model].filter((x) => x !== null && x !== '').join(' ');
}

function summaryQuery(desk: Desk) {
  return desk.db
    .selectFrom('repair_orders as r')
    .leftJoin('customers as c', 'c.id', 'r.customer_id')
    .leftJoin('vehicles as v', 'v.id', 'r.vehicle_id')
    .leftJoin('sub_statuses as s', 's.id', 'r.sub_status_id')
    .select([
      'r.id',
      'r.ro_number',
      'r.stage',
      'r.insurer',
      'r.claim_number',
      'r.promised_date',
      'r.assigned_staff_id',
      'r.closed_at',
      'c.first_name',
      'c.last_name',
      'c.mobile',
      'v.year',
      'v.make',
      'v.model',
      'v.color',
      'v.plate',
      'v.vin',
      's.name as sub_status',
    ]);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['execute']>>[number];

async function toSummaries(desk: Desk, rows: SummaryRow[]): Promise<RepairOrderSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const { timeZone } = await readSettings(desk);
  const today = shopToday(timeZone);
  const exceptions = await desk.db
    .selectFrom('ro_exceptions')
    .select(['ro_id', 'tag'])
    .where('ro_id', 'in', ids)
    .where('resolved_at', 'is', null)
    .execute();
  const photos = await desk.db
    .selectFrom('attachments')
    .select(['ro_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ro_id', 'in', ids)
    .where('kind', '=', 'photo')
    .where('removed_at', 'is', null)
    .groupBy('ro_id')
    .execute();
  const unread = await desk.db
    .selectFrom('messages')
    .select(['ro_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ro_id', 'in', ids)
    .where('direction', '=', 'in')
    .where('read_at', 'is', null)
    .groupBy('ro_id')
    .execute();
  const unreadByRo = new Map(unread.map((u) => [u.ro_id, Number(u.n)]));
  const tagsByRo = new Map<string, string[]>();
  for (const e of exceptions) tagsByRo.set(e.ro_id!, [...(tagsByRo.get(e.ro_id!) ?? []), e.tag ?? '']);
  const photosByRo = new Map(photos.map((p) => [p.ro_id, Number(p.n)]));
  return rows.map((r) => {
    const stage = (r.stage ?? 'pictures') as Stage;
    const done = stage === 'completed' || stage === 'delivered';
    return {
      id: r.id,
      roNumber: r.ro_number ?? 0,
      stage,
      subStatus: r.sub_status ?? null,
      customerName: [r.first_name, r.last_name].filter(Boolean).join(' '),
      customerMobile: r.mobile ?? null,
      vehicle: vehicleLabel({ year: r.year ?? null, make: r.make ?? null, model: r.model ?? null, color: r.color ?? null }),
      plate: r.plate ?? null,
      vin: r.vin ?? null,
      insurer: r.insurer,
      claimNumber: r.claim_number,
      promisedDate: r.promised_date,
      overdue: !done && r.promised_date !== null && r.promised_date < today,
      openExceptions: tagsByRo.get(r.id) ?? [],
      photoCount: photosByRo.get(r.id) ?? 0,
      unreadMessages: unreadByRo.get(r.id) ?? 0,
      assignedStaffId: r.assigned_staff_id,
      closed: r.closed_at !== null,
    };
  });
}

export async function loadSummaries(desk: Desk, filter: { ids?: string[]; openOnly?: boolean }): Promise<RepairOrderSummary[]> {
  let q = summaryQuery(desk);
  if (filter.ids) {
    if (filter.ids.length === 0) return [];
    q = q.where('r.id', 'in', filter.ids);
  }
  if (filter.openOnly) q = q.where('r.closed_at', 'is', null);
  const rows = await q.orderBy('r.ro_number').execute();
  return toSummaries(desk, rows);
}

/** Rows of these tables belong to one repair through their `ro_id`. */
const BY_RO_ID = ['ro_exceptions', 'attachments', 'messages'] as const;

/**
 * The board cards that changed rows touch: the repairs themselves, the repairs of changed
 * customers and cars, and the repairs whose delays, photos or messages changed. Rows of other
 * tables touch no card. Open repairs come back as cards; the rest only in `checked`.
 */
export async function loadBoardRows(desk: Desk, rows: Readonly<Record<string, readonly string[]>>): Promise<BoardRows> {
  const ids = new Set<string>(rows.repair_orders ?? []);
  const add = (found: Array<{ id: string | null }>) => {
    for (const f of found) if (f.id) ids.add(f.id);
  };
  if (rows.customers?.length) add(await desk.db.selectFrom('repair_orders').select('id').where('customer_id', 'in', [...rows.customers]).execute());
  if (rows.vehicles?.length) add(await desk.db.selectFrom('repair_orders').select('id').where('vehicle_id', 'in', [...rows.vehicles]).execute());
  for (const table of BY_RO_ID) {
    const changed = rows[table];
    if (changed?.length) add(await desk.db.selectFrom(table).select('ro_id as id').where('id', 'in', [...changed]).execute());
  }
  const checked = [...ids];
  return { checked, ros: await loadSummaries(desk, { ids: checked, openOnly: true }) };
}

export async function loadDetail(desk: Desk, id: string): Promise<RepairOrderDetail> {
  const [summary] = await loadSummaries(desk, { ids: [id] });
  const ro = await desk.db.selectFrom('repair_orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!summary || !ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'id');
  const staffNames = new Map(
    (await desk.db.selectFrom('staff').select(['id', 'name']).execute()).map((s) => [s.id, s.name ?? '']),
  );
  const nameOf = (staffId: string | null) => (staffId ? (staffNames.get(staffId) ?? null) : null);
  const customer = ro.customer_id
    ? await desk.db.selectFrom('customers').selectAll().where('id', '=', ro.customer_id).executeTakeFirst()
    : undefined;
  const vehicle = ro.vehicle_id
    ? await desk.db.selectFrom('vehicles').selectAll().where('id', '=', ro.vehicle_id).executeTakeFirst()
    : undefined;
  const subStatusNames = new Map(
    (await desk.db.selectFrom('sub_statuses').select(['id', 'name']).execute()).map((s) => [s.id, s.name ?? '']),
  );
  const [events, dates, exceptions, notes, attachments, messages] = await Promise.all([
    desk.db.selectFrom('stage_events').selectAll().where('ro_id', '=', id).orderBy('at').orderBy('id').execute(),
    desk.db.selectFrom('promised_date_changes').selectAll().where('ro_id', '=', id).orderBy('at').orderBy('id').execute(),
    desk.db.selectFrom('ro_exceptions').selectAll().where('ro_id', '=', id).orderBy('opened_at').execute(),
    desk.db.selectFrom('notes').selectAll().where('ro_id', '=', id).orderBy('at').orderBy('id').execute(),
    desk.db
      .selectFrom('attachments')
      .selectAll()
      .where('ro_id', '=', id)
      .where('removed_at', 'is', null)
      .orderBy('added_at')
      .execute(),
    desk.db.selectFrom('messages').selectAll().where('ro_id', '=', id).orderBy('at').orderBy('id').execute(),
  ]);
  const files = attachments.map(toAttachment);
  const customerName = customer ? [customer.first_name, customer.last_name].filter(Boolean).join(' ') : 'Customer';
  return {
    ...summary,
    customer: customer
      ? toCustomer(customer)
      : { id: '', firstName: '', lastName: '', mobile: null, email: null, preferredChannel: 'sms', smsOptedOut: false, timeZone: null, mobileKind: null, language: null },
    vehicleDetail: {
      id: vehicle?.id ?? '',
      customerId: vehicle?.customer_id ?? null,
      vin: vehicle?.vin ?? null,
      plate: vehicle?.plate ?? null,
      year: vehicle?.year ?? null,
      make: vehicle?.make ?? null,
      model: vehicle?.model ?? null,
      color: vehicle?.color ?? null,
    },
    adjusterName: ro.adjuster_name,
    adjusterEmail: ro.adjuster_email,
    adjusterPhone: ro.adjuster_phone,
    deductibleCents: ro.deductible_cents,
    estimateTotalCents: ro.estimate_total_cents,
    courtesyCar: ro.courtesy_car,
    checkedInAt: ro.checked_in_at ?? '',
    closedAt: ro.closed_at,
    timeline: events.map((e) => ({
      id: e.id,
      stage: (e.stage ?? 'pictures') as Stage,
      subStatus: e.sub_status_id ? (subStatusNames.get(e.sub_status_id) ?? null) : null,
      at: e.at ?? '',
      staffName: nameOf(e.staff_id),
    })),
    promisedDateHistory: dates.map((d) => ({
      id: d.id,
      fromDate: d.from_date,
      toDate: d.to_date ?? '',
      reason: d.reason ?? '',
      at: d.at ?? '',
      staffName: nameOf(d.staff_id),
    })),
    exceptions: exceptions.map((e) => {
      const reason = (e.reason ?? 'other') as DelayReason;
      return {
        id: e.id,
        tag: e.tag ?? '',
        reason,
        reasonLabel: DELAY_REASONS[reason] ?? DELAY_REASONS.other,
        note: e.note,
        openedAt: e.opened_at ?? '',
        resolvedAt: e.resolved_at,
      };
    }),
    notes: notes.map((n) => ({ id: n.id, body: n.body ?? '', at: n.at ?? '', staffName: nameOf(n.staff_id) })),
    // Files that came with a message are shown with it, not among the repair's photos; a mail's
    // files (an estimate, a supplement) are the repair's documents too, but not the pictures its
    // HTML shows in place (caption "cid:…").
    attachments: files.filter((a) => a.messageId === null || (a.source === 'email' && !(a.caption ?? '').startsWith('cid:'))),
    messages: messages.map(
      (m): Message => ({
        id: m.id,
        channel: (m.channel ?? 'portal') as MessageChannel,
        direction: m.direction === 'out' ? 'out' : 'in',
        body: m.body ?? '',
        at: m.at ?? '',
        author: m.author ?? (m.direction === 'out' ? (nameOf(m.staff_id) ?? 'The shop') : customerName),
        read: m.read_at !== null,
        status: m.status,
        statusDetail: m.status_detail,
        // A mail the shop sends carries some of the repair's documents (`email_attachments`): shown with it.
        attachments: [...files.filter((a) => a.messageId === m.id), ...sentFiles(m, files)],
        email: m.channel === 'email' ? emailDetails(m) : null,
        sharedWithInsurer: m.shared_with_insurer === 1,
      }),
    ),
    portal: await loadPortalLink(desk, id),
  };
}

function sentFiles(m: RowOf<'messages'>, files: Attachment[]): Attachment[] {
  if (!m.email_attachments || m.direction !== 'out') return [];
  try {
    const ids: unknown = JSON.parse(m.email_attachments);
    return Array.isArray(ids) ? files.filter((f) => ids.includes(f.id)) : [];
  } catch {
    return [];
  }
}

function parsePeople(json: string | null): MailPerson[] {
  try {
    const v: unknown = JSON.parse(json ?? '[]');
    return (Array.isArray(v) ? v : [v]).filter((p): p is MailPerson => typeof p?.address === 'string').map((p) => ({ name: String(p.name ?? ''), address: p.address }));
  } catch {
    return [];
  }
}

/** A mail's subject, people and HTML part from its row (the relay wrote them as JSON). */
export function emailDetails(m: RowOf<'messages'>): EmailDetails {
  return {
    subject: m.subject ?? '',
    from: parsePeople(m.email_from)[0] ?? null,
    to: parsePeople(m.email_to),
    cc: parsePeople(m.email_cc),
    html: m.body_html,
    mailboxId: m.mailbox_id,
  };
}

export function toAttachment(a: RowOf<'attachments'>): Attachment {
  return {
    id: a.id,
    kind: (a.kind ?? 'photo') as 'photo' | 'document',
    blobHash: a.blob_hash ?? '',
    fileName: a.file_name ?? '',
    mimeType: a.mime_type ?? '',
    sizeBytes: a.size_bytes ?? 0,
    published: a.published === 1,
    caption: a.caption,
    source: (a.source ?? 'desk') as Attachment['source'],
    addedAt: a.added_at ?? '',
    messageId: a.message_id,
    sharedWithInsurer: a.shared_with_insurer === 1,
  };
}
