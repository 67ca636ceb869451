// Bad input at the API boundary: a typed error naming the field, and nothing written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';
import { mergeHandlers } from './dispatch.js';

let d: TestDesk;
beforeEach(async () => {
  d = await openTestDesk();
});
afterEach(async () => {
  await d.close();
});

const changeCount = () => (d.desk.sqlite.prepare('SELECT count(*) AS n FROM changes').get() as { n: number }).n;

async function refused(method: unknown, args: unknown) {
  const before = changeCount();
  const outcome = await d.desk.call(method, args, d.session);
  expect(changeCount(), 'nothing may be written').toBe(before);
  if (outcome.ok) throw new Error(`${String(method)} was accepted`);
  return outcome.error;
}

describe('bad API input', () => {
  it('an unknown method', async () => {
    const e = await refused('ro-delete-everything', {});
    expect(e.code).toBe('unknown-method');
    expect(e.message).toContain('ro-delete-everything');
  });

  it('a wrong type names the field', async () => {
    const e = await refused('ro-check-in', {
      customer: { firstName: 'Ana', lastName: 'Silva' },
      vehicle: { year: 'nineteen' },
    });
    expect(e.code).toBe('invalid-args');
    expect(e.field).toBe('vehicle.year');
  });

  it('a missing field names the field', async () => {
    const e = await refused('ro-change-promised-date', { id: 'x', date: '2026-12-01' });
    expect(e.code).toBe('invalid-args');
    expect(e.field).toBe('reason');
    expect(e.message).toBe('ro-change-promised-date: reason is missing');
  });

  it('an oversized string names the field and its limit', async () => {
    const e = await refused('customer-create', { firstName: 'A'.repeat(5000), lastName: 'Silva' });
    expect(e.field).toBe('firstName');
    expect(e.message).toContain('at most 100 characters');
  });

  it('an unknown field is refused rather than silently dropped', async () => {
    const e = await refused('customer-create', { firstName: 'Ana', lastName: 'Silva', shoeSize: 9 });
    expect(e.code).toBe('invalid-args');
    expect(e.message).toContain('shoeSize');
  });

  it('a bad VIN is refused with the reason, and no customer is half-created', async () => {
    const e = await refused('ro-check-in', {
      customer: { firstName: 'Ana', lastName: 'Silva' },
      vehicle: { vin: '1HGCM82633A004353' },
    });
    expect(e.field).toBe('vehicle.vin');
    expect(e.message).toContain('check digit');
    expect(await d.call('customer-search', { q: 'silva' })).toEqual([]);
  });

  it('a failure inside a write rolls the whole write back', async () => {
    const e = await refused('ro-check-in', {
      customer: { id: 'no-such-customer' },
      vehicle: { plate: 'ZZZ 999' },
    });
    expect(e.code).toBe('not-found');
    expect(e.field).toBe('customer.id');
  });

  it('arguments that are not an object', async () => {
    const e = await refused('ro-get', 'RO-1001');
    expect(e.code).toBe('invalid-args');
  });
});

describe('the handler map', () => {
  it('refuses a method handled twice at start-up', () => {
    const part = { 'ro-get': async () => ({}) as never };
    expect(() => mergeHandlers(part, part)).toThrow('API method ro-get is handled twice');
  });

  it('refuses a contract method left without a handler', () => {
    expect(() => mergeHandlers({})).toThrow(/API methods without a handler: workspace-get/);
  });
});
