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

  it('a new PC paired from settings takes the shop’s settings; its own defaults never reach the other desks', async () => {
    const first = (await f.pairNewDesk('Front desk 3')).desk;
    await call(first, 'workspace-update', { name: 'Lakeside Collision & Paint', phone: '(512) 555-0100', colorPrimary: '#7a1f1f' });
    await eventually('the shop settings on the relay', async () => (await call<{ changesWaiting: number }>(first, 'sync-status', {})).changesWaiting === 0);

    // Opened before pairing, it wrote default settings for itself (newer than the shop's).
    const newPc = await openTestDesk();
    try {
      expect((await newPc.call('workspace-get', {})).name).toBe('My Body Shop');
      const { code } = await issuePairingCode(f.storage, f.workspace.id);
      await newPc.call('sync-pair', { relayUrl: f.relay.url, code, deviceName: 'Estimator PC' });
      const settings = await eventually('the shop settings on the new PC', async () => {
        const s = await newPc.call('workspace-get', {});
        return s.name === 'Lakeside Collision & Paint' ? s : undefined;
      });
      expect(settings.phone).toBe('(512) 555-0100');
      expect(settings.colorPrimary).toBe('#7a1f1f');
      await eventually('the new PC pushed', async () => (await newPc.call('sync-status', {})).changesWaiting === 0);
      // Another round trip through the relay: the first desk still has the shop's name.
      await call(first, 'note-add', { roId: (await call<Array<{ id: string }>>(first, 'ro-board', {}))[0]!.id, body: 'Checked the paint code.' });
      await eventually('the first desk caught up', async () => (await call<{ changesWaiting: number }>(first, 'sync-status', {})).changesWaiting === 0);
      expect((await call<{ name: string; colorPrimary: string }>(first, 'workspace-get', {})).name).toBe('Lakeside Collision & Paint');
      expect((await call<{ name: string; colorPrimary: string }>(first, 'workspace-get', {})).colorPrimary).toBe('#7a1f1f');
    } finally {
      await newPc.close();
    }
  });
});
