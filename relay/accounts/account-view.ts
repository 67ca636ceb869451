// What a signed-in customer sees: every repair of this shop whose customer has the proven mobile
// number (matched exactly on the stored E.164 `customers.mobile`, never on a name or a part of
// the number), with the signed documents and the appointments of those customers. Read from the
// relay's copy of the shop's synced data; nothing here writes.
import { customerLinkExpired } from '../../src-shared/portal/token.js';
import { STAGE_LABELS, type Stage } from '../../src-shared/stages.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { readSettings } from '../portal/portal-view.js';
import { vehicleLine } from '../portal/vehicle.js';

type Db = WorkspaceStore['db'];

export interface AccountDocument {
  id: string;
  /** The desk's kind and version: the page names the document in the reader's words. */
  kind: string | null;
  version: number | null;
  /** The stored title (the shop's own for its own PDF). */
  title: string;
  signedAt: string | null;
}

export interface AccountRepair {
  id: string;
  roNumber: number;
  vehicle: string;
  plate: string | null;
  stageLabel: string;
  /** The stage's key (its words come from the customer catalogue), or null for none known. */
  stage: Stage | null;
  checkedInAt: string | null;
  closedAt: string | null;
  /** The repair's page still opens (its link closes some days after delivery, a shop setting). */
  pageOpen: boolean;
  documents: AccountDocument[];
}

export interface AccountAppointment {
  id: string;
  kind: string;
  state: string;
  startsAt: string | null;
  roId: string | null;
  roNumber: number | null;
}

export interface AccountView {
  firstName: string | null;
  repairs: AccountRepair[];
  appointments: AccountAppointment[];
}

/** The ids of this shop's customers whose stored mobile is exactly `mobile` (E.164). */
export async function customersWithNumber(db: Db, mobile: string): Promise<Array<{ id: string; first_name: string | null }>> {
  return db.selectFrom('customers').select(['id', 'first_name']).where('mobile', '=', mobile).execute();
}

/** Whether anything of this shop belongs to the number: a customer with a repair or an appointment, or an appointment not yet linked to a customer. */
export async function numberIsKnown(db: Db, mobile: string): Promise<boolean> {
  const customers = await customersWithNumber(db, mobile);
  if (customers.length > 0) {
    const ids = customers.map((c) => c.id);
    const ro = await db.selectFrom('repair_orders').select('id').where('customer_id', 'in', ids).executeTakeFirst();
    if (ro) return true;
    // A person who has only booked (no repair yet): the booking made them a customer and the
    // appointment is linked to that record; the account lists it, so they may sign in.
    const booked = await db.selectFrom('appointments').select('id').where('customer_id', 'in', ids).executeTakeFirst();
    if (booked) return true;
  }
  const appt = await db.selectFrom('appointments').select('id').where('mobile', '=', mobile).where('customer_id', 'is', null).executeTakeFirst();
  return !!appt;
}

export async function loadAccountView(db: Db, mobile: string, now = Date.now()): Promise<AccountView> {
  const customers = await customersWithNumber(db, mobile);
  const ids = customers.map((c) => c.id);
  const settings = await readSettings(db);
  const ros = ids.length
    ? await db
        .selectFrom('repair_orders as r')
        .leftJoin('vehicles as v', 'v.id', 'r.vehicle_id')
        .select(['r.id', 'r.ro_number', 'r.stage', 'r.checked_in_at', 'r.closed_at', 'v.year', 'v.color', 'v.make', 'v.model', 'v.plate'])
        .where('r.customer_id', 'in', ids)
        .execute()
    : [];
  const roIds = ros.map((r) => r.id);
  const signed = roIds.length
    ? await db
        .selectFrom('signature_requests')
        .select(['id', 'ro_id', 'kind', 'version', 'title', 'signed_at', 'state', 'sealed_blob_hash'])
        .where('ro_id', 'in', roIds)
        .where('state', '=', 'signed')
        .where('sealed_blob_hash', 'is not', null)
        .orderBy('signed_at', 'desc')
        .execute()
    : [];
  const repairs: AccountRepair[] = ros
    .map((r) => ({
      id: r.id,
      roNumber: Number(r.ro_number ?? 0),
      vehicle: vehicleLine({ year: r.year ?? null, color: r.color ?? null, make: r.make ?? null, model: r.model ?? null }),
      plate: r.plate ?? null,
      stageLabel: STAGE_LABELS[r.stage as Stage] ?? '',
      stage: r.stage && r.stage in STAGE_LABELS ? (r.stage as Stage) : null,
      checkedInAt: r.checked_in_at,
      closedAt: r.closed_at,
      pageOpen: !customerLinkExpired(r.closed_at, settings.portalDaysAfterDelivery, now),
      documents: signed.filter((s) => s.ro_id === r.id).map((s) => ({ id: s.id, kind: s.kind, version: s.version, title: s.title ?? 'Signed document', signedAt: s.signed_at })),
    }))
    // Repairs in the shop first, then the finished ones, newest first within each.
    .sort((a, b) => (a.closedAt === null) !== (b.closedAt === null) ? (a.closedAt === null ? -1 : 1) : (b.checkedInAt ?? '').localeCompare(a.checkedInAt ?? ''));
  const byRo = new Map(repairs.map((r) => [r.id, r.roNumber]));
  let appointmentsQuery = db.selectFrom('appointments').select(['id', 'kind', 'state', 'starts_at', 'ro_id']);
  appointmentsQuery = ids.length
    ? appointmentsQuery.where((eb) => eb.or([eb('customer_id', 'in', ids), eb.and([eb('customer_id', 'is', null), eb('mobile', '=', mobile)])]))
    : appointmentsQuery.where('customer_id', 'is', null).where('mobile', '=', mobile);
  const appts = await appointmentsQuery.orderBy('starts_at', 'desc').execute();
  return {
    firstName: customers.find((c) => c.first_name)?.first_name ?? null,
    repairs,
    appointments: appts
      .filter((a) => a.state !== 'expired')
      .map((a) => ({ id: a.id, kind: a.kind ?? 'estimate', state: a.state ?? '', startsAt: a.starts_at, roId: a.ro_id, roNumber: a.ro_id ? (byRo.get(a.ro_id) ?? null) : null })),
  };
}

/** One repair of the account (null when the repair's customer does not have this number). */
export async function accountRepair(db: Db, mobile: string, roId: string) {
  return db
    .selectFrom('repair_orders as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .select(['r.id', 'r.closed_at', 'r.customer_id'])
    .where('r.id', '=', roId)
    .where('c.mobile', '=', mobile)
    .executeTakeFirst();
}

/** One appointment of the account (by its customer's number, or a lead's own number). */
export async function accountAppointment(db: Db, mobile: string, id: string) {
  const row = await db.selectFrom('appointments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  if (row.customer_id) {
    const c = await db.selectFrom('customers').select('mobile').where('id', '=', row.customer_id).executeTakeFirst();
    return c?.mobile === mobile ? row : null;
  }
  return row.mobile === mobile ? row : null;
}
