// Test support for texting scenarios: a relay on either engine talking to a fake Telnyx, the
// shop's number assigned, a paired desk with a customer's car checked in, and time zones where
// it is now inside or outside texting hours (tests run at any time of day).
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { nextSendTime, sendWindow } from '../../src-shared/sms/quiet-hours.js';
import type { Desk } from '../../src-main/desk.js';
import { type FakeTelnyx, startFakeTelnyx } from '../testing/fake-telnyx.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import type { RelayOptions } from '../server.js';
import { assignNumber } from './numbers.js';

export const SHOP_NUMBER = '+15125550100';
export const ZOE = '+15125550147';

export const checkIn = (over: Record<string, unknown> = {}) => ({
  customer: { firstName: 'Zoë', lastName: 'Nguyen', mobile: '(512) 555-0147', email: 'zoe@example.com' },
  vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
  insurer: 'State Farm',
  promisedDate: '2037-12-04',
  ...over,
});

const ZONES = [
  'Pacific/Honolulu',
  'America/Los_Angeles',
  'America/Chicago',
  'America/New_York',
  'Atlantic/Azores',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Bangkok',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
];

/**
 * A time zone where, right now and for the next `marginMinutes`, texting hours are (or are not)
 * open, whichever window a test gives the shop: open means open even in a shop that stops at
 * 20:00 (tests narrow it), closed means closed even under the full 08:00–21:00.
 */
export function zoneWhere(open: boolean, marginMinutes = 20): string {
  const window = open ? sendWindow('08:00', '20:00') : sendWindow(null, null);
  const now = new Date();
  const later = new Date(now.getTime() + marginMinutes * 60_000);
  const zone = ZONES.find((z) => (nextSendTime(now, z, window) === null) === open && (nextSendTime(later, z, window) === null) === open);
  if (!zone) throw new Error('no time zone fits');
  return zone;
}

export interface TextingShop {
  f: RelayFixture;
  fake: FakeTelnyx;
  desk: Desk;
  dataDir: string;
  ro: RepairOrderDetail;
  cleanup(): Promise<void>;
}

export async function startTextingShop(
  engine: Engine,
  options: {
    /** A shop in another country (issue 22): its number, its phone and the customer's mobile as typed there. */
    country?: { code: 'GB' | 'CA'; shopNumber: string; shopPhone: string; customerMobile: string };
    sms?: RelayOptions['sms'];
    timeZone?: string; timeoutMs?: number; logger?: RelayOptions['logger']; draftingConfig?: RelayOptions['draftingConfig']; accounts?: RelayOptions['accounts']; csi?: RelayOptions['csi'] } = {},
): Promise<TextingShop> {
  const fake = await startFakeTelnyx();
  let f: RelayFixture | undefined;
  try {
    f = await startRelayFixture(engine, {
      blobs: true,
      logger: options.logger,
      telnyx: { apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: 'profile-lakeside', timeoutMs: options.timeoutMs ?? 5000 },
      sms: { pollMs: 100, ...options.sms },
      draftingConfig: options.draftingConfig,
      accounts: options.accounts,
      csi: options.csi,
    });
    const shopNumber = options.country?.shopNumber ?? SHOP_NUMBER;
    await assignNumber(f.storage, { workspaceId: f.workspace.id, phoneNumber: shopNumber, orderId: null, messagingProfileId: 'profile-lakeside' });
    const { desk, dataDir } = await f.pairNewDesk('Front desk');
    await call(desk, 'workspace-update', { phone: options.country?.shopPhone ?? '(512) 555-0100', timeZone: options.timeZone ?? zoneWhere(true), ...(options.country ? { country: options.country.code } : {}) });
    const base = checkIn();
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', options.country ? { ...base, customer: { ...base.customer, mobile: options.country.customerMobile } } : base);
    await settle(desk);
    await eventually('the desk to hear of the texting number', async () => (await call<{ number: string | null }>(desk, 'sms-settings-get', {})).number === shopNumber);
    const fixture = f;
    return {
      f: fixture,
      fake,
      desk,
      dataDir,
      ro,
      async cleanup() {
        await fixture.cleanup();
        await fake.close();
      },
    };
  } catch (err) {
    await f?.cleanup();
    await fake.close();
    throw err;
  }
}

export async function settle(desk: Desk): Promise<void> {
  await eventually('the desk to push everything', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
}
