// The operator gives a shop its texting number from the command line, run as a child process
// against a fake Telnyx: search by area code, provision (order, wait, map), list, 10DLC state.
// The API key never appears in what the commands print.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import { type FakeTelnyx, startFakeTelnyx } from '../testing/fake-telnyx.js';

const CLI = path.resolve('relay/cli.ts');

describe('relay number commands', () => {
  let fake: FakeTelnyx;
  let dataDir: string;
  const outputs: string[] = [];

  function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    return relayWithKey(fake.apiKey, ...args);
  }

  function relayWithKey(key: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TELNYX_API_KEY: key,
      TELNYX_BASE_URL: fake.baseURL,
      TELNYX_MESSAGING_PROFILE_ID: 'profile-harbor',
    };
    delete env.BAYLINE_RELAY_DB;
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env, timeout: 60_000 }, (error, out, err) => {
        outputs.push(out, err);
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err });
      });
    });
  }

  beforeAll(async () => {
    fake = await startFakeTelnyx();
    dataDir = tempDir('bayline-relay-numbers-');
  });
  afterAll(async () => {
    await fake.close();
  });

  it('searches, provisions on the messaging profile, lists, and follows the 10DLC state', { timeout: 120_000 }, async () => {
    expect((await relay('workspace', 'create', '--data', dataDir, '--slug', 'harbor-auto', '--name', 'Harbor Auto Body')).code).toBe(0);

    fake.available.set('512', ['+15125550111', '+15125550122']);
    const search = await relay('number', 'search', '--area-code', '512');
    expect(search.code).toBe(0);
    expect(search.out).toMatch(/^\+15125550111\s+sms,mms,voice\s+AUSTIN$/m);
    const query = fake.requests.find((r) => r.path === '/v2/available_phone_numbers')!.query;
    const asked = Object.fromEntries([...query.entries()]);
    expect(Object.entries(asked).some(([k, v]) => k.includes('national_destination_code') && v === '512')).toBe(true);
    expect(Object.entries(asked).filter(([k]) => k.includes('features')).map(([, v]) => v).join(',')).toContain('sms');

    fake.orderPolls = 2;
    const provision = await relay('number', 'provision', '--data', dataDir, '--workspace', 'harbor-auto', '--number', '+15125550111');
    expect(provision.err).toBe('');
    expect(provision.code).toBe(0);
    expect(provision.out).toContain('+15125550111 now texts for harbor-auto');
    expect(provision.out).toContain('10DLC: not-registered');
    const order = fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/number_orders')!;
    expect(order.body).toEqual({ phone_numbers: [{ phone_number: '+15125550111' }], messaging_profile_id: 'profile-harbor' });
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v2/number_orders/')).length).toBe(3);

    let list = await relay('number', 'list', '--data', dataDir);
    expect(list.out).toMatch(/^\+15125550111\s+harbor-auto\s+not-registered\s+-\s+/m);

    fake.campaigns.set('+15125550111', 'C-HARBOR');
    fake.campaignStatus.set('C-HARBOR', 'MNO_PROVISIONED');
    const tenDlc = await relay('number', '10dlc', '--data', dataDir, '--workspace', 'harbor-auto');
    expect(tenDlc.out).toContain('10DLC for harbor-auto: active');
    list = await relay('number', 'list', '--data', dataDir);
    expect(list.out).toMatch(/^\+15125550111\s+harbor-auto\s+active\s+C-HARBOR\s+/m);

    // The desks learn the number and the state through the shop's synced settings.
    const storage = await openSqliteStorage(dataDir);
    try {
      const ws = (await storage.findWorkspace('harbor-auto'))!;
      const store = await storage.workspaceStore(ws.id);
      const settings = await store.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirstOrThrow();
      expect(settings).toMatchObject({ sms_number: '+15125550111', sms_10dlc_status: 'active' });
    } finally {
      await storage.close();
    }

    // A number another shop has is refused; a bad area code is refused with a sentence.
    expect((await relay('workspace', 'create', '--data', dataDir, '--slug', 'other-shop', '--name', 'Other')).code).toBe(0);
    const taken = await relay('number', 'provision', '--data', dataDir, '--workspace', 'other-shop', '--number', '+15125550111');
    expect(taken.code).toBe(1);
    expect(taken.err).toContain('already belongs to another workspace');
    const bad = await relay('number', 'search', '--area-code', '51');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('three digits');

    // A wrong key: Telnyx's refusal in a sentence, and the key nowhere.
    const wrong = await relayWithKey('KEYwrong0123456789abcdef', 'number', 'search', '--area-code', '512');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('Telnyx refused the request (401): Authentication failed');
    expect(wrong.err + wrong.out).not.toContain('KEYwrong0123456789abcdef');

    for (const o of outputs) expect(o).not.toContain(fake.apiKey);
  });
});
