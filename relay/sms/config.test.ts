// The relay's Telnyx settings: from the environment or a file (the environment wins), off without
// a key, and never printable with their secrets.
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { readTelnyxConfig } from './config.js';

describe('Telnyx settings', () => {
  it('are off without an API key', () => {
    expect(readTelnyxConfig({})).toBeNull();
  });

  it('come from a file, with the environment winning key by key, and print without the key', () => {
    const file = path.join(tempDir(), 'telnyx.json');
    fs.writeFileSync(file, JSON.stringify({ TELNYX_API_KEY: 'KEYfromfile123', TELNYX_PUBLIC_KEY: 'cHVibGlj', TELNYX_MESSAGING_PROFILE_ID: 'profile-file' }));
    const config = readTelnyxConfig({ TELNYX_MESSAGING_PROFILE_ID: 'profile-env', BAYLINE_SMS_TIMEOUT_MS: '2500' }, file)!;
    expect(config).toMatchObject({ apiKey: 'KEYfromfile123', publicKey: 'cHVibGlj', messagingProfileId: 'profile-env', baseURL: null, timeoutMs: 2500 });
    const printed = [JSON.stringify(config), inspect(config), JSON.stringify({ nested: config }), String(inspect({ config }))].join('\n');
    expect(printed).not.toContain('KEYfromfile123');
    expect(printed).not.toContain('cHVibGlj');
    expect(printed).toContain('[redacted]');
  });

  it('say what is wrong with an unreadable file without repeating a key', () => {
    const file = path.join(tempDir(), 'telnyx.json');
    fs.writeFileSync(file, '{"TELNYX_API_KEY": "KEY0123456789abcdefghijklmnop"');
    expect(() => readTelnyxConfig({}, file)).toThrow(/Cannot read the Telnyx settings/);
    try {
      readTelnyxConfig({}, file);
    } catch (err) {
      expect((err as Error).message).not.toContain('KEY0123456789abcdefghijklmnop');
    }
  });
});
