// Test support for IMAP/SMTP mail scenarios: a relay on either engine with only the sealing key
// (no provider app), a real Dovecot and an SMTP server on 127.0.0.1 holding the shop's mailbox, a
// paired desk with the owner switched in, and a repair with a claim number and an adjuster.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { RepairOrderDetail } from '../../../src-shared/domain.js';
import type { Desk } from '../../../src-main/desk.js';
import { readDevice } from '../../../src-main/sync/device.js';
import { bearer } from '../../../src-shared/sync/protocol.js';
import { checkIn } from '../../sms/testing.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../../testing/sync-fixture.js';
import { hideMailSecrets } from '../config.js';
import { TokenVault } from '../token-vault.js';
import { LocalDovecot, LocalSmtp } from './local-servers.js';

export const SHOP = 'office@lakeside.example';
export const PASSWORD = 'Tr1cky-pass';
export const ADJUSTER = 'pat.adjuster@statefarm.example';
export const CLAIM = 'SF-2291-7734';

export interface ImapShop {
  f: RelayFixture;
  dovecot: LocalDovecot;
  smtp: LocalSmtp;
  desk: Desk;
  ro: RepairOrderDetail;
  ownerId: string;
  session: ReturnType<Desk['newSession']>;
  post(path: string, body: unknown): Promise<Response>;
  cleanup(): Promise<void>;
}

export async function startImapShop(engine: Engine, pollMs = 100, options: { switchIn?: boolean } = {}): Promise<ImapShop> {
  const dovecot = await LocalDovecot.start({ [SHOP]: PASSWORD });
  const smtp = await LocalSmtp.start({ [SHOP]: PASSWORD });
  // Only the sealing key: no Google or Microsoft app, IMAP/SMTP needs none.
  const f = await startRelayFixture(engine, { mailConfig: hideMailSecrets({ google: null, microsoft: null, vault: new TokenVault(randomBytes(32)), pollMs }) });
  const { desk, dataDir } = await f.pairNewDesk('Front desk');
  await call(desk, 'staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' });
  const ownerId = (await call<Array<{ id: string; name: string }>>(desk, 'staff-list', {})).find((s) => s.name === 'Dana Whitfield')!.id;
  const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ claimNumber: CLAIM, adjusterName: 'Pat Adjuster', adjusterEmail: ADJUSTER }));
  const relayStore = await f.storage.workspaceStore(f.workspace.id);
  await eventually('the owner and the repair at the relay', async () =>
    Boolean(await relayStore.db.selectFrom('staff').select('id').where('id', '=', ownerId).executeTakeFirst()) &&
    Boolean(await relayStore.db.selectFrom('repair_orders').select('id').where('id', '=', ro.id).executeTakeFirst()),
  );
  const session = desk.newSession();
  if (options.switchIn !== false) expect(await desk.call('staff-switch', { staffId: ownerId, pin: '2468' }, session)).toMatchObject({ ok: true });
  const device = readDevice(dataDir)!;
  return {
    f,
    dovecot,
    smtp,
    desk,
    ro,
    ownerId,
    session,
    post: (path, body) =>
      fetch(new URL(path, f.relay.url), {
        method: 'POST',
        headers: { authorization: bearer(device.deviceId, device.secret), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    async cleanup() {
      await f.cleanup();
      await smtp.close();
      await dovecot.close();
    },
  };
}
