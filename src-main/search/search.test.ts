// Search as the front desk types it: any phone formatting, plates with or without spaces,
// the last six of a VIN, names without their accents, RO and claim numbers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';
import { reindexTouched, searchIds } from './search-index.js';

let d: TestDesk;
let zoeRo: string;
let nguyenRo: string;

beforeAll(async () => {
  d = await openTestDesk();
  zoeRo = (
    await d.call('ro-check-in', {
      customer: { firstName: 'Zoë', lastName: 'Hart', mobile: '(512) 555-0147', email: 'zoe.hart@example.com' },
      vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', make: 'Honda', model: 'Accord' },
      insurer: 'GEICO',
      claimNumber: 'GE-2026-88131',
    })
  ).id;
  nguyenRo = (
    await d.call('ro-check-in', {
      customer: { firstName: 'Nguyễn Thị', lastName: 'Hương', mobile: '+1 512 555 0188' },
      vehicle: { plate: 'TX-9087', make: 'Toyota', model: 'Camry' },
      claimNumber: '0412 7781',
    })
  ).id;
});
afterAll(async () => {
  await d.close();
});

const find = async (q: string) => (await d.call('search-query', { q })).map((r) => r.id);

describe('search as you type', () => {
  it.each([
    ['surname prefix', 'har'],
    ['name without accents', 'zoe'],
    ['name with accents', 'Zoë H'],
    ['phone as printed', '(512) 555-0147'],
    ['phone digits only', '5125550147'],
    ['phone last seven with a dash', '555-0147'],
    ['phone in E.164', '+15125550147'],
    ['plate with space', 'KLM 456'],
    ['plate without space', 'klm456'],
    ['VIN in full', '1HGCM82633A004352'],
    ['VIN last six', '004352'],
    ['claim number with dashes', 'GE-2026-88131'],
    ['claim number without dashes', 'ge202688'],
  ])('%s finds the repair order (%s)', async (_what, q) => {
    expect(await find(q)).toEqual([zoeRo]);
  });

  it('finds by RO number', async () => {
    const ro = await d.call('ro-get', { id: nguyenRo });
    expect(await find(String(ro.roNumber))).toContain(nguyenRo);
  });

  it('finds Vietnamese names typed on a US keyboard', async () => {
    expect(await find('nguyen huong')).toEqual([nguyenRo]);
  });

  it('a plate typed with another separator', async () => {
    expect(await find('tx 9087')).toEqual([nguyenRo]);
  });

  it('answers nothing for nothing typed, and nothing for a stranger', async () => {
    expect(await find('')).toEqual([]);
    expect(await find('   ')).toEqual([]);
    expect(await find('Przybylski')).toEqual([]);
  });

  it('follows a change to the customer at once', async () => {
    const ro = await d.call('ro-get', { id: zoeRo });
    await d.call('customer-update', { id: ro.customer.id, lastName: 'Hart-Lindqvist' });
    expect(await find('lindq')).toEqual([zoeRo]);
    expect(await find('hartlind')).toEqual([zoeRo]);
  });

  it('ignores FTS syntax typed by accident', async () => {
    expect(await find('"hart"')).toEqual([zoeRo]);
    expect(await find('hart*')).toEqual([zoeRo]);
    expect(await find('(hart) AND')).toEqual([]);
    expect(await find('NEAR(')).toEqual([]);
  });

  it('finds customers for check-in', async () => {
    const found = await d.call('customer-search', { q: '555 0188' });
    expect(found.map((c) => c.lastName)).toEqual(['Hương']);
  });
});

describe('letters without a plain-ASCII accent', () => {
  it('Øyvind is found as oyvind and Đặng as dang', async () => {
    const oyvind = await d.call('ro-check-in', { customer: { firstName: 'Øyvind', lastName: 'Berg' }, vehicle: { plate: 'OSL 100' } });
    const dang = await d.call('ro-check-in', { customer: { firstName: 'Minh', lastName: 'Đặng' }, vehicle: { plate: 'HAN 200' } });
    expect(await find('oyvind')).toEqual([oyvind.id]);
    expect(await find('Øyv')).toEqual([oyvind.id]);
    expect(await find('dang')).toEqual([dang.id]);
  });

  it('a phone number typed in groups finds the number begun', async () => {
    expect(await find('(512) 555-01')).toEqual(expect.arrayContaining([zoeRo, nguyenRo]));
  });
});

describe('documents whose words did not change are not written again', () => {
  it('a stage move keeps the repair findable, and a later rename is found', async () => {
    await d.call('ro-move-stage', { id: nguyenRo, stage: 'teardown' });
    await d.call('ro-move-stage', { id: nguyenRo, stage: 'repair-started' });
    expect(await find('tx 9087')).toEqual([nguyenRo]);
    const ro = await d.call('ro-get', { id: nguyenRo });
    await d.call('customer-update', { id: ro.customer.id, lastName: 'Hương-Whitaker' });
    expect(await find('whitak')).toEqual([nguyenRo]);
  });

  it('a rename undone by a rolled-back transaction is not taken for indexed: the same rename committed later is found', async () => {
    const ro = await d.call('ro-get', { id: zoeRo });
    const { sqlite } = d.desk;
    const batch = new Map();
    expect(() =>
      sqlite.transaction(() => {
        sqlite.prepare('UPDATE customers SET last_name = ? WHERE id = ?').run('Quennell', ro.customer.id);
        reindexTouched(sqlite, { customers: [ro.customer.id] }, batch);
        expect(searchIds(sqlite, 'ro', 'quennell', 20)).toEqual([zoeRo]);
        throw new Error('the disk said no');
      })(),
    ).toThrow('the disk said no');
    expect(await find('quennell')).toEqual([]);
    await d.call('customer-update', { id: ro.customer.id, lastName: 'Quennell' });
    expect(await find('quennell')).toEqual([zoeRo]);
    await d.call('ro-move-stage', { id: zoeRo, stage: 'teardown' });
    expect(await find('quennell')).toEqual([zoeRo]);
  });
});
