// The shop's own phone (issue 22): read in the shop's country and kept in its own format, so the
// portal, texts and paper show it one way; an impossible number is refused and nothing is saved.
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("the shop's phone", () => {
  it('a US shop types it any way and reads it one way; another country keeps its + code', async () => {
    t = await openTestDesk();
    expect((await t.call('workspace-update', { phone: '512.555.0100' })).phone).toBe('(512) 555-0100');
    expect((await t.call('workspace-update', { phone: '+1 512 555 0101' })).phone).toBe('(512) 555-0101');
    expect((await t.call('workspace-update', { phone: '+44 20 7946 0018' })).phone).toBe('+44 20 7946 0018');
  });

  it('a UK bodyshop (set in the same save) gets the national form of +44 (0)…', async () => {
    t = await openTestDesk();
    const saved = await t.call('workspace-update', { country: 'GB', phone: '+44 (0)20 7946 0000', name: 'Kingsway Bodyshop' });
    expect(saved.phone).toBe('020 7946 0000');
    expect(saved.name).toBe('Kingsway Bodyshop');
  });

  it('an impossible number is refused naming the problem, and nothing of that save is kept', async () => {
    t = await openTestDesk();
    await t.call('workspace-update', { phone: '(512) 555-0100', name: 'Lakeside Collision' });
    await expect(t.call('workspace-update', { phone: '555-01', name: 'Renamed' })).rejects.toThrow(/The shop's phone: "555-01" is too short/);
    await expect(t.call('workspace-update', { phone: 'ring the bell' })).rejects.toThrow(/The shop's phone: "ring the bell" is not a phone number/);
    const kept = await t.call('workspace-get', {});
    expect([kept.phone, kept.name]).toEqual(['(512) 555-0100', 'Lakeside Collision']);
  });

  it('an older shop whose stored phone is free text can still save its other settings', async () => {
    t = await openTestDesk();
    await t.desk.store.write({ actor: 'test', action: 'legacy' }, (tx) => tx.update('workspace_settings', SETTINGS_ID, { phone: 'ask for Bob: 555 0100' }));
    const saved = await t.call('workspace-update', { phone: 'ask for Bob: 555 0100', name: 'Lakeside Collision' });
    expect([saved.phone, saved.name]).toEqual(['ask for Bob: 555 0100', 'Lakeside Collision']);
    expect((await t.call('workspace-update', { phone: '' })).phone).toBe('');
  });
});
