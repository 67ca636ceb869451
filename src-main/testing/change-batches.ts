// Test support: random batches of remote changes that collide often (few cells, few rows, few
// milliseconds, several nodes), for comparing a store's applier with the portable one.
import fc from 'fast-check';
import type { Change, LoggedChange } from '../../src-shared/sync/change.js';
import { formatStamp } from '../../src-shared/sync/hlc.js';
import type { ApplyResult, WorkspaceStore } from '../../src-shared/sync/store.js';

const CELLS: Array<{ table: string; column: string; value: fc.Arbitrary<string | number | null> }> = [
  { table: 'customers', column: 'first_name', value: fc.oneof(fc.constantFrom('Ana', 'Zoë', 'Øyvind', "O'Neil"), fc.constant(null)) },
  { table: 'customers', column: 'mobile', value: fc.constantFrom('+15125550101', '+15125550199') },
  { table: 'repair_orders', column: 'stage', value: fc.constantFrom('teardown', 'repair-started', 'delivered') },
  { table: 'repair_orders', column: 'ro_number', value: fc.integer({ min: 1000, max: 1010 }) },
  { table: 'repair_orders', column: 'deductible_cents', value: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constant(null)) },
  { table: 'notes', column: 'body', value: fc.string({ maxLength: 12 }).map((s) => s.replace(/\u0000/g, '')) },
  { table: 'attachments', column: 'size_bytes', value: fc.integer({ min: 0, max: 1e9 }) },
];

/** The tables the batches touch. */
export const BATCH_TABLES = [...new Set(CELLS.map((c) => c.table))];

/** Node ids the batches' stamps carry. */
export const BATCH_NODES = ['00000000000000a0', '00000000000000a1', '00000000000000a2'];

export const changeArb: fc.Arbitrary<Change> = fc
  .record({
    cell: fc.nat({ max: CELLS.length - 1 }),
    row: fc.constantFrom('r1', 'r2', 'r3'),
    millis: fc.nat({ max: 6 }),
    node: fc.constantFrom(...BATCH_NODES),
  })
  .chain(({ cell, row, millis, node }) =>
    CELLS[cell]!.value.map((value) => ({
      table: CELLS[cell]!.table,
      row,
      column: CELLS[cell]!.column,
      value,
      stamp: formatStamp({ millis: 1_700_000_000_000 + millis, counter: 0, node }),
    })),
  );

/**
 * Applies a batch and checks what `onLogged` reports against the log itself: exactly the
 * changes the log gained, in its order, with their sequence numbers.
 */
export async function applyChecked(store: WorkspaceStore, batch: Change[]): Promise<{ result: ApplyResult; fresh: LoggedChange[] }> {
  const before = (await store.changesSince(0, { limit: 1_000_000 })).cursor;
  let fresh: LoggedChange[] = [];
  const result = await store.applyRemote(batch, { onLogged: (logged) => (fresh = [...logged]) });
  const gained = (await store.changesSince(before, { limit: 1_000_000 })).changes;
  const text = (list: LoggedChange[]) => JSON.stringify(list.map((c) => [c.seq, c.stamp, c.table, c.row, c.column, c.value]));
  if (text(fresh) !== text(gained)) {
    throw new Error(`onLogged reported ${text(fresh).slice(0, 300)}…, the log gained ${text(gained).slice(0, 300)}…`);
  }
  return { result, fresh };
}

/** A few batches of up to 25 changes each. */
export const batchesArb = fc.array(fc.array(changeArb, { maxLength: 25 }), { minLength: 1, maxLength: 6 });
