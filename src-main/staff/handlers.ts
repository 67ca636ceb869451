// Staff at the desk: who they are, and the quick PIN switch that attributes every action.
import { ApiError } from '../../src-shared/api/errors.js';
import type { StaffMember, StaffRole } from '../../src-shared/domain.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import { hashPin, pinMatches } from './pin.js';

const MAX_WRONG_PINS = 5;
const LOCK_MS = 30_000;
/** Wrong PIN attempts per staff member on this desk; a shared PC is the threat model, not a network. */
const wrongAttempts = new Map<string, { count: number; lockedUntil: number }>();

export function toStaff(row: RowOf<'staff'>): StaffMember {
  return { id: row.id, name: row.name ?? '', role: (row.role ?? 'advisor') as StaffRole, active: row.active !== 0 };
}

export const staffHandlers: Partial<HandlerMap> = {
  'staff-list': async (_args, { desk }) => {
    const rows = await desk.db.selectFrom('staff').selectAll().orderBy('name').execute();
    return rows.map(toStaff);
  },

  'staff-create': async (args, ctx) => {
    const id = await ctx.desk.store.write(intent(ctx, 'staff-create', `Staff member ${args.name} added`), (tx) =>
      tx.insert('staff', {
        name: args.name,
        role: args.role,
        pin_hash: hashPin(args.pin),
        active: 1,
        created_at: new Date().toISOString(),
      }),
    );
    return { id, name: args.name, role: args.role, active: true };
  },

  'staff-switch': async (args, { desk, session }) => {
    const row = await desk.db.selectFrom('staff').selectAll().where('id', '=', args.staffId).executeTakeFirst();
    if (!row || row.active === 0) throw new ApiError('not-found', 'That staff member is not on this desk.', 'staffId');
    const attempts = wrongAttempts.get(row.id);
    if (attempts && attempts.lockedUntil > Date.now()) {
      throw new ApiError('pin-locked', `Too many wrong PINs for ${row.name}. Wait 30 seconds and try again.`, 'pin');
    }
    if (!pinMatches(args.pin, row.pin_hash)) {
      const count = (attempts?.count ?? 0) + 1;
      wrongAttempts.set(row.id, { count, lockedUntil: count >= MAX_WRONG_PINS ? Date.now() + LOCK_MS : 0 });
      throw new ApiError('wrong-pin', `That PIN is not right for ${row.name}.`, 'pin');
    }
    wrongAttempts.delete(row.id);
    session.staffId = row.id;
    return toStaff(row);
  },

  'staff-current': async (_args, { desk, session }) => {
    if (!session.staffId) return null;
    const row = await desk.db.selectFrom('staff').selectAll().where('id', '=', session.staffId).executeTakeFirst();
    return row ? toStaff(row) : null;
  },
};
