// Pairing from the settings screen: an open desk that has been working alone joins the shop's
// relay with a one-time code and starts syncing without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePairingCode } from '../../relay/pairing.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

describe('pairing an open desk from settings', () => {
  let f: RelayFixture;
  let alone: TestDesk;

  beforeAll(async () => {
    f = await startRelayFixture('sqlite');
    alone = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
  });

  afterAll(async () => {
    await alone?.close();
    await f?.cleanup();
  });

  it('refuses a wrong code with a sentence, then pairs with the right one and sends its repairs to the other desks', async () => {
    const ro = await alone.call('ro-check-in', { customer: { firstName: 'Ana', lastName: 'Silva' }, vehicle: { plate: 'PAIR 1' } });
    const wrong = await alone.desk.call('sync-pair', { relayUrl: f.relay.url, code: 'ABCDEFGH' }, alone.session);
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error.code).toBe('pairing-failed');
    expect((await alone.call('sync-status', {})).paired).toBe(false);

    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    const status = await alone.call('sync-pair', { relayUrl: f.relay.url, code: code.toLowerCase(), deviceName: 'Front desk 1' });
    expect(status.paired).toBe(true);
    await eventually('online and pushed', async () => {
      const s = await alone.call('sync-status', {});
      return s.online && s.changesWaiting === 0;
    });

    const other = (await f.pairNewDesk('Front desk 2')).desk;
    const seen = await eventually('the repair on the second desk', async () => call<RepairOrderDetail>(other, 'ro-get', { id: ro.id }));
    expect(seen.plate).toBe('PAIR 1');

    const again = await alone.desk.call('sync-pair', { relayUrl: f.relay.url, code: 'ABCDEFGH' }, alone.session);
    expect(again.ok).toBe(false);
  });
});
