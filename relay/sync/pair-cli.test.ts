// Pairing a new PC from the command line, as the operator's instructions tell a shop to:
// `npm run desk -- pair --data DIR --relay URL --code CODE` brings the whole shop down.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import type { SyncStatus } from '../../src-shared/domain.js';

const run = promisify(execFile);
const deskCli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', path.resolve('src-main/cli.ts'), ...args]);

let f: RelayFixture;
afterEach(async () => {
  await f?.cleanup();
});

describe('desk pair command', () => {
  it('pairs a new PC and restores the shop; a used code is refused with a sentence', async () => {
    f = await startRelayFixture('sqlite');
    const first = await f.pairNewDesk();
    for (let i = 0; i < 3; i++) {
      await call(first.desk, 'ro-check-in', { customer: { firstName: 'Ana', lastName: `Silva ${i}` }, vehicle: { plate: `CLI ${i}` } });
    }
    await eventually('the first desk to push', async () => (await call<SyncStatus>(first.desk, 'sync-status', {})).changesWaiting === 0);

    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    const dataDir = tempDir();
    const { stdout } = await deskCli('pair', '--data', dataDir, '--relay', f.relay.url, '--code', code.toLowerCase(), '--name', 'Bay office');
    expect(stdout).toContain('Paired with Lakeside Collision (lakeside)');
    expect(stdout).toContain('This desk is up to date: 3 repair orders');

    const again = await deskCli('pair', '--data', tempDir(), '--relay', f.relay.url, '--code', code).catch((e: { stderr: string; code: number }) => e);
    expect((again as { code: number }).code).toBe(1);
    expect((again as { stderr: string }).stderr).toMatch(/pairing code is not valid/);
  }, 60_000);
});
