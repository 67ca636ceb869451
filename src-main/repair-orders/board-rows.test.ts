// The desk says which rows changed, and reads back only the board cards those rows touch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../src-shared/api/contract.js';
import { CHANGED_ROWS_LIMIT, type ChangedEvent } from '../../src-shared/domain.js';
import { changedEvent } from '../desk.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let d: TestDesk;
let ids: string[] = [];
const events: ChangedEvent[] = [];

beforeAll(async () => {
  d = await openTestDesk();
  for (const [first, plate] of [['Ana', 'ROW 1'], ['Bo', 'ROW 2'], ['Cy', 'ROW 3']] as const) {
    ids.push((await d.call('ro-check-in', { customer: { firstName: first, lastName: 'Lind' }, vehicle: { plate } })).id);
  }
  d.desk.onEvent((e: PushEvent) => {
    if (e.type === 'changed') events.push(e);
  });
});
afterAll(async () => {
  await d.close();
});

describe('changed rows', () => {
  it('a stage move names the repair that moved', async () => {
    events.length = 0;
    await d.call('ro-move-stage', { id: ids[1]!, stage: 'teardown' });
    expect(events).toHaveLength(1);
    expect(events[0]!.rows?.repair_orders).toEqual([ids[1]]);
  });

  it('the board reads back only the moved card', async () => {
    const out = await d.call('ro-board-rows', { rows: { repair_orders: [ids[1]!] } });
    expect(out.checked).toEqual([ids[1]]);
    expect(out.ros.map((r) => [r.id, r.stage])).toEqual([[ids[1], 'teardown']]);
  });

  it('a customer, a car or a delay leads to its repair', async () => {
    const ro = await d.call('ro-get', { id: ids[2]! });
    expect((await d.call('ro-board-rows', { rows: { customers: [ro.customer.id] } })).checked).toEqual([ids[2]]);
    expect((await d.call('ro-board-rows', { rows: { vehicles: [ro.vehicleDetail.id] } })).checked).toEqual([ids[2]]);
    events.length = 0;
    const [tag] = await d.call('exception-tag-list', {});
    await d.call('exception-add', { roId: ids[0]!, tag: tag!.tag });
    const delay = events.find((e) => e.rows?.ro_exceptions)!;
    const out = await d.call('ro-board-rows', { rows: { ro_exceptions: delay.rows!.ro_exceptions! } });
    expect(out.checked).toEqual([ids[0]]);
    expect(out.ros[0]!.openExceptions).toEqual([tag!.tag]);
  });

  it('a delivered repair is checked but has no card', async () => {
    await d.call('ro-move-stage', { id: ids[0]!, stage: 'delivered' });
    const out = await d.call('ro-board-rows', { rows: { repair_orders: [ids[0]!], notes: ['not-a-card'] } });
    expect(out).toEqual({ checked: [ids[0]], ros: [] });
  });

  it('a large change names only its tables', () => {
    const many = new Map([['repair_orders', new Set(Array.from({ length: CHANGED_ROWS_LIMIT + 1 }, (_, i) => `ro-${i}`))]]);
    expect(changedEvent(many)).toEqual({ type: 'changed', tables: ['repair_orders'] });
    const few = new Map([['repair_orders', new Set(['ro-1'])], ['notes', new Set(['n-1'])]]);
    expect(changedEvent(few)).toEqual({ type: 'changed', tables: ['repair_orders', 'notes'], rows: { repair_orders: ['ro-1'], notes: ['n-1'] } });
  });

  it('refuses rows that are not a list of ids', async () => {
    await expect(d.call('ro-board-rows', { rows: { repair_orders: 'everything' } } as never)).rejects.toThrow(/rows\.repair_orders/);
  });
});
