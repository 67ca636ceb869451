// The drafting settings are the shop's, not a PC's: what one desk sets (tone, examples, signature)
// reaches the other desks through the real relay, and a desk that still has the old per-PC
// drafting.json takes it over once into the shop's settings and never reads the file again.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DraftingSettings } from '../../src-shared/drafting/settings.js';
import type { DraftResult } from '../../src-shared/drafting/context.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';

describe.each(['sqlite', 'postgres'] as const)('drafting settings shared by the shop, relay on %s', (engine) => {
  let f: RelayFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it("desk B drafts in the tone desk A set; A's old drafting.json is taken over once", async () => {
    f = await startRelayFixture(engine);
    // Desk A was set up before the settings were synced: its tone sits in drafting.json.
    const dirA = tempDir();
    const old: DraftingSettings = { enabled: true, tone: 'Warm and short, first names', examples: ['Hi Sam, your car is ready!'], signature: 'Dana at Lakeside Collision', shareAmountsWithCustomer: false };
    fs.writeFileSync(path.join(dirA, 'drafting.json'), JSON.stringify(old));
    const a = await f.pairNewDesk('Front desk', dirA);
    const b = await f.pairNewDesk('Estimator');

    // A reads its old settings, now from the shop's settings; the file is set aside.
    expect(await call<DraftingSettings>(a.desk, 'drafting-settings-get', {})).toEqual(old);
    expect(fs.existsSync(path.join(dirA, 'drafting.json'))).toBe(false);
    expect(fs.existsSync(path.join(dirA, 'drafting.json.imported'))).toBe(true);
    const trail = a.desk.sqlite.prepare(`SELECT action, detail FROM audit_events WHERE action = 'drafting-settings-import'`).all() as Array<{ action: string; detail: string }>;
    expect(trail).toHaveLength(1);

    // Desk B, which never had a file, gets the same tone through the relay.
    const seenOnB = await eventually('desk B to get the tone', async () => {
      const s = await call<DraftingSettings>(b.desk, 'drafting-settings-get', {});
      return s.tone === old.tone ? s : undefined;
    });
    expect(seenOnB).toEqual(old);

    // B changes the signature; A drafts a mail with it (and the old file is not read again).
    await call(b.desk, 'drafting-settings-save', { ...old, tone: 'Brisk and friendly', signature: 'The Lakeside team' });
    await eventually('desk A to get the new signature', async () => (await call<DraftingSettings>(a.desk, 'drafting-settings-get', {})).signature === 'The Lakeside team');
    const ro = await call<{ id: string }>(a.desk, 'ro-check-in', {
      customer: { firstName: 'Zoe', lastName: 'Nguyen', mobile: '(512) 555-0147', email: 'zoe@example.com' },
      vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
    });
    const mail = await call<DraftResult>(a.desk, 'draft-create', { roId: ro.id, channel: 'email', recipient: 'customer' });
    expect(mail.body.trim().endsWith('The Lakeside team')).toBe(true);
    expect((await call<DraftingSettings>(a.desk, 'drafting-settings-get', {})).tone).toBe('Brisk and friendly');

    // The mail draft left an audit line (no words of the draft), like a text draft does.
    const made = a.desk.sqlite.prepare(`SELECT actor, detail FROM audit_events WHERE action = 'draft-create'`).all() as Array<{ actor: string; detail: string }>;
    expect(made).toHaveLength(1);
    expect(JSON.parse(made[0]!.detail).summary).toBe('Mail draft for the customer made by the templates');
    expect(made[0]!.detail).not.toContain('Zoe');
  });
});
