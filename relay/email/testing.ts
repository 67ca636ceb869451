// Test support for mail scenarios: a relay on either engine with the operator's Google app
// pointed at the fake Google, a paired desk whose owner is switched in, and a repair with a
// claim number and an adjuster's address.
import { randomBytes } from 'node:crypto';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { Desk } from '../../src-main/desk.js';
import { readDevice } from '../../src-main/sync/device.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { checkIn } from '../sms/testing.js';
import { hideMailSecrets } from './config.js';
import { FakeGoogle } from './fake-google/fake-google.js';
import { TokenVault } from './token-vault.js';

export const SHOP_MAILBOX = 'shop@example.com';
export const ADJUSTER = 'pat.adjuster@statefarm.example';
export const CLAIM = 'SF-2291-7734';

export interface MailShop {
  f: RelayFixture;
  google: FakeGoogle;
  desk: Desk;
  dataDir: string;
  ro: RepairOrderDetail;
  ownerId: string;
  /** POST to the relay as the paired desk. */
  post(path: string, body: unknown): Promise<Response>;
  cleanup(): Promise<void>;
}

export async function startMailShop(engine: Engine, options: { pollMs?: number; blobs?: boolean } = {}): Promise<MailShop> {
  const google = new FakeGoogle({ clientId: 'bayline-test.apps.googleusercontent.com', clientSecret: `GOCSPX-${randomBytes(8).toString('hex')}`, account: SHOP_MAILBOX });
  await google.start();
  const f = await startRelayFixture(engine, {
    mailConfig: hideMailSecrets({
      google: { clientId: google.options.clientId, clientSecret: google.options.clientSecret, oauthUrl: google.endpoints.oauthUrl, apiUrl: google.endpoints.apiUrl },
      vault: new TokenVault(randomBytes(32)),
      pollMs: options.pollMs ?? 100,
    }),
    blobs: options.blobs,
  });
  const { desk, dataDir } = await f.pairNewDesk('Front desk');
  await call(desk, 'staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' });
  const ownerId = (await call<Array<{ id: string; name: string }>>(desk, 'staff-list', {})).find((s) => s.name === 'Dana Whitfield')!.id;
  const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ claimNumber: CLAIM, adjusterName: 'Pat Adjuster', adjusterEmail: ADJUSTER }));
  // The relay decides who may connect from the shop's data: wait until the owner has reached it.
  const relayStore = await f.storage.workspaceStore(f.workspace.id);
  await eventually('the owner and the repair at the relay', async () =>
    Boolean(await relayStore.db.selectFrom('staff').select('id').where('id', '=', ownerId).executeTakeFirst()) &&
    Boolean(await relayStore.db.selectFrom('repair_orders').select('id').where('id', '=', ro.id).executeTakeFirst()),
  );
  const device = readDevice(dataDir)!;
  return {
    f,
    google,
    desk,
    dataDir,
    ro,
    ownerId,
    post: (path, body) =>
      fetch(new URL(path, f.relay.url), {
        method: 'POST',
        headers: { authorization: bearer(device.deviceId, device.secret), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    async cleanup() {
      await f.cleanup();
      await google.close();
    },
  };
}
