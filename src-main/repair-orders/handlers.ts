// Repair orders: check-in (with the duplicate warning), stage moves on the eight-stage timeline,
// promised-date changes with a reason every time, notes, photos and documents.
import { ApiError } from '../../src-shared/api/errors.js';
import { STAGE_LABELS, type Stage } from '../../src-shared/stages.js';
import type { WriteTx } from '../../src-shared/sync/store.js';
import { checkVin } from '../../src-shared/vin.js';
import { intent } from '../api/actor.js';
import type { HandlerContext, HandlerMap } from '../api/dispatch.js';
import { insertCustomer } from '../customers/handlers.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { issueToken, portalBase } from '../portal/portal-links.js';
import { loadBoardRows, loadDetail, loadSummaries } from './queries.js';
import { takeRoNumber } from './ro-numbers.js';

/** Plates as printed: upper case, single spaces. */
export function normalizePlate(plate: string | null | undefined): string | null {
  if (!plate) return null;
  const p = plate.trim().toUpperCase().replace(/\s+/g, ' ');
  return p === '' ? null : p;
}

function validVinOrThrow(vin: string | null | undefined, field: string): string | null {
  if (!vin || vin.trim() === '') return null;
  const check = checkVin(vin);
  if (!check.ok) throw new ApiError('invalid-args', `The VIN ${check.vin} is not valid: ${check.problem}`, field);
  return check.vin;
}

/** Open repair orders for the same car, by VIN or by plate. */
export async function findOpenDuplicates(desk: Desk, vin: string | null, plate: string | null) {
  if (!vin && !plate) return [];
  let q = desk.db
    .selectFrom('repair_orders as r')
    .innerJoin('vehicles as v', 'v.id', 'r.vehicle_id')
    .select('r.id')
    .where('r.closed_at', 'is', null);
  q = q.where((eb) => {
    const ors = [];
    if (vin) ors.push(eb('v.vin', '=', vin));
    if (plate) ors.push(eb('v.plate', '=', plate));
    return eb.or(ors);
  });
  const ids = (await q.execute()).map((r) => r.id);
  return loadSummaries(desk, { ids });
}

function staffOf(ctx: HandlerContext): string | null {
  return ctx.session.staffId;
}

async function requireRo(tx: WriteTx, id: string) {
  const ro = await tx.get('repair_orders', id);
  if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'id');
  return ro;
}

export const repairOrderHandlers: Partial<HandlerMap> = {
  'vehicle-check-vin': async (args) => checkVin(args.vin),

  'ro-find-duplicates': async (args, { desk }) =>
    findOpenDuplicates(desk, validVinOrThrow(args.vin, 'vin'), normalizePlate(args.plate)),

  'ro-check-in': async (args, ctx) => {
    const { desk } = ctx;
    const vin = validVinOrThrow(args.vehicle.vin, 'vehicle.vin');
    const plate = normalizePlate(args.vehicle.plate);
    if (!args.allowDuplicate) {
      const duplicates = await findOpenDuplicates(desk, vin, plate);
      if (duplicates.length > 0) {
        const d = duplicates[0]!;
        const same = vin && d.vin === vin ? `VIN ${vin}` : `plate ${plate}`;
        throw new ApiError(
          'duplicate-open-ro',
          `RO ${d.roNumber} (${d.customerName}) is already open for ${same}. Open that RO, or check in anyway if this is a new repair.`,
          vin && d.vin === vin ? 'vehicle.vin' : 'vehicle.plate',
          undefined,
          duplicates,
        );
      }
    }
    const now = desk.now().toISOString();
    const staffId = staffOf(ctx);
    const portal = portalBase(desk);
    await desk.roNumbers?.ready();
    const id = await desk.store.write(intent(ctx, 'ro-check-in', 'Car checked in'), async (tx) => {
      let customerId: string;
      if ('id' in args.customer) {
        if (!(await tx.get('customers', args.customer.id))) {
          throw new ApiError('not-found', 'That customer is not in this workspace.', 'customer.id');
        }
        customerId = args.customer.id;
      } else {
        customerId = await insertCustomer(tx, args.customer, 'customer.mobile', new Date(now));
      }
      const vehicleFields = {
        customer_id: customerId,
        vin,
        plate,
        year: args.vehicle.year ?? null,
        make: args.vehicle.make ?? null,
        model: args.vehicle.model ?? null,
        color: args.vehicle.color ?? null,
      };
      // A car that was here before keeps its vehicle record.
      const known = vin
        ? await tx.trx.selectFrom('vehicles').select('id').where('vin', '=', vin).executeTakeFirst()
        : undefined;
      let vehicleId: string;
      if (known) {
        vehicleId = known.id;
        await tx.update('vehicles', vehicleId, vehicleFields);
      } else {
        vehicleId = await tx.insert('vehicles', { ...vehicleFields, created_at: now });
      }
      const roNumber = await takeRoNumber(tx);
      const roId = await tx.insert('repair_orders', {
        ro_number: roNumber,
        customer_id: customerId,
        vehicle_id: vehicleId,
        insurer: args.insurer ?? null,
        claim_number: args.claimNumber ?? null,
        adjuster_name: args.adjusterName ?? null,
        adjuster_email: args.adjusterEmail ?? null,
        adjuster_phone: args.adjusterPhone ?? null,
        deductible_cents: args.deductibleCents ?? null,
        estimate_total_cents: args.estimateTotalCents ?? null,
        promised_date: args.promisedDate ?? null,
        courtesy_car: args.courtesyCar ?? null,
        assigned_staff_id: args.assignedStaffId ?? null,
        stage: 'pictures',
        checked_in_at: now,
        checked_in_by: staffId,
      });
      tx.roId = roId;
      await tx.insert('stage_events', { ro_id: roId, stage: 'pictures', at: now, staff_id: staffId });
      if (args.promisedDate) {
        await tx.insert('promised_date_changes', {
          ro_id: roId,
          from_date: null,
          to_date: args.promisedDate,
          reason: 'Promised at check-in',
          at: now,
          staff_id: staffId,
        });
      }
      // The customer's portal link is ready by the time the work order prints (paired desks only).
      if (portal) await issueToken(tx, { roId, kind: 'customer', workspaceId: portal.workspaceId, staffId, expiresAt: null, issuedAt: now });
      return roId;
    });
    return loadDetail(desk, id);
  },

  'ro-get': async (args, { desk }) => loadDetail(desk, args.id),

  'ro-board': async (args, { desk }) => loadSummaries(desk, { openOnly: !args.includeClosed }),

  'ro-board-rows': async (args, { desk }) => loadBoardRows(desk, args.rows),

  'ro-update': async (args, ctx) => {
    const { id, ...fields } = args;
    await ctx.desk.store.write(intent(ctx, 'ro-update', 'Repair order details changed', id), async (tx) => {
      await requireRo(tx, id);
      await tx.update('repair_orders', id, {
        insurer: fields.insurer,
        claim_number: fields.claimNumber,
        adjuster_name: fields.adjusterName,
        adjuster_email: fields.adjusterEmail,
        adjuster_phone: fields.adjusterPhone,
        deductible_cents: fields.deductibleCents,
        estimate_total_cents: fields.estimateTotalCents,
        courtesy_car: fields.courtesyCar,
        assigned_staff_id: fields.assignedStaffId,
      });
    });
    return loadDetail(ctx.desk, id);
  },

  'ro-move-stage': async (args, ctx) => {
    const { desk } = ctx;
    let stage: Stage = args.stage;
    let subStatusName: string | null = null;
    if (args.subStatusId) {
      const sub = await desk.db.selectFrom('sub_statuses').selectAll().where('id', '=', args.subStatusId).executeTakeFirst();
      if (!sub) throw new ApiError('not-found', 'That sub-status does not exist.', 'subStatusId');
      if (sub.stage !== args.stage) {
        throw new ApiError(
          'invalid-args',
          `The sub-status "${sub.name}" belongs to ${STAGE_LABELS[sub.stage as Stage]}, not ${STAGE_LABELS[args.stage]}.`,
          'subStatusId',
        );
      }
      stage = sub.stage as Stage;
      subStatusName = sub.name;
    }
    const label = subStatusName ? `${STAGE_LABELS[stage]} (${subStatusName})` : STAGE_LABELS[stage];
    await desk.store.write(intent(ctx, 'ro-move-stage', `Moved to ${label}`, args.id), async (tx) => {
      const ro = await requireRo(tx, args.id);
      const subStatusId = args.subStatusId ?? null;
      if (ro.stage === stage && ro.sub_status_id === subStatusId) return;
      const now = desk.now().toISOString();
      await tx.update('repair_orders', args.id, {
        stage,
        sub_status_id: subStatusId,
        closed_at: stage === 'delivered' ? (ro.closed_at ?? now) : null,
      });
      await tx.insert('stage_events', { ro_id: args.id, stage, sub_status_id: subStatusId, at: now, staff_id: ctx.session.staffId });
    });
    return loadDetail(desk, args.id);
  },

  'ro-change-promised-date': async (args, ctx) => {
    await ctx.desk.store.write(
      intent(ctx, 'ro-change-promised-date', `Promised date set to ${args.date}: ${args.reason}`, args.id),
      async (tx) => {
        const ro = await requireRo(tx, args.id);
        if (ro.promised_date === args.date) return;
        await tx.update('repair_orders', args.id, { promised_date: args.date });
        await tx.insert('promised_date_changes', {
          ro_id: args.id,
          from_date: ro.promised_date,
          to_date: args.date,
          reason: args.reason,
          at: ctx.desk.now().toISOString(),
          staff_id: ctx.session.staffId,
        });
      },
    );
    return loadDetail(ctx.desk, args.id);
  },

  'note-add': async (args, ctx) => {
    await ctx.desk.store.write(intent(ctx, 'note-add', 'Internal note added', args.roId), async (tx) => {
      await requireRo(tx, args.roId);
      await tx.insert('notes', { ro_id: args.roId, body: args.body, at: ctx.desk.now().toISOString(), staff_id: ctx.session.staffId });
    });
    return loadDetail(ctx.desk, args.roId);
  },

  'attachment-add': async (args, ctx) => {
    const what = args.kind === 'photo' ? 'Photo' : 'Document';
    await ctx.desk.store.write(intent(ctx, 'attachment-add', `${what} ${args.fileName} added`, args.roId), async (tx) => {
      await requireRo(tx, args.roId);
      await tx.insert('attachments', {
        ro_id: args.roId,
        kind: args.kind,
        blob_hash: args.blobHash,
        file_name: args.fileName,
        mime_type: args.mimeType,
        size_bytes: args.sizeBytes,
        published: args.published ? 1 : 0,
        caption: args.caption ?? null,
        source: args.source,
        added_at: ctx.desk.now().toISOString(),
        added_by: ctx.session.staffId,
      });
    });
    return loadDetail(ctx.desk, args.roId);
  },

  'attachment-set-published': async (args, ctx) => {
    const roId = await ctx.desk.store.write(
      intent(ctx, 'attachment-set-published', args.published ? 'Photo published to the portal' : 'Photo made internal'),
      async (tx) => {
        const a = await tx.get('attachments', args.id);
        if (!a) throw new ApiError('not-found', 'That photo or document is not in this workspace.', 'id');
        tx.roId = a.ro_id;
        await tx.update('attachments', args.id, { published: args.published ? 1 : 0 });
        return a.ro_id!;
      },
    );
    return loadDetail(ctx.desk, roId);
  },
};
