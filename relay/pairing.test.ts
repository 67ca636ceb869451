// Pairing and device authentication on a real SQLite relay store: a code pairs one desk once,
// the relay keeps no usable secret, and a credential opens its own workspace and nothing else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../src-shared/sync/protocol.js';
import {
  authenticateDevice,
  hashSecret,
  issuePairingCode,
  newPairingCode,
  normalizePairingCode,
  PAIRING_CODE_PATTERN,
  redeem,
} from './pairing.js';
import { openSqliteStorage } from './storage/sqlite.js';
import { type RelayStorage, RelayStorageError, type WorkspaceRecord } from './storage/types.js';

let dataDir: string;
let storage: RelayStorage;
let harbor: WorkspaceRecord;
let lakeside: WorkspaceRecord;

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-pairing-'));
  storage = await openSqliteStorage(dataDir);
  harbor = await storage.createWorkspace({ slug: 'harbor-auto', name: 'Harbor Auto Body' });
  lakeside = await storage.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' });
});

afterEach(async () => {
  await storage.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelayStorageError);
  return (err as RelayStorageError).code;
}

describe('pairing codes', () => {
  it('look like XXXX-XXXX without letters that read like digits, and do not repeat', () => {
    const codes = Array.from({ length: 2000 }, () => newPairingCode());
    for (const code of codes) expect(code).toMatch(PAIRING_CODE_PATTERN);
    expect(codes.join('')).not.toMatch(/[ILO01]/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('are read the way a person types them', () => {
    expect(normalizePairingCode(' kv94-8j4w ')).toBe('KV948J4W');
    expect(normalizePairingCode('KV94 8J4W')).toBe('KV948J4W');
    expect(normalizePairingCode('kv948j4w')).toBe('KV948J4W');
  });
});

describe('redeem', () => {
  it('pairs a desk once, however the code is typed, and the relay keeps only hashes', async () => {
    const { code, expiresAt } = await issuePairingCode(storage, harbor.id);
    expect(code).toMatch(PAIRING_CODE_PATTERN);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    const typed = ` ${code.toLowerCase().replace('-', ' ')} `;
    const paired = await redeem(storage, { code: typed, deviceName: 'Front desk' });
    expect(paired.workspace).toEqual({ id: harbor.id, slug: 'harbor-auto', name: 'Harbor Auto Body' });
    expect(paired.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/); // 16 random bytes
    expect(paired.secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes

    const device = await storage.findDevice(paired.deviceId);
    expect(device).toMatchObject({ workspaceId: harbor.id, name: 'Front desk', revokedAt: null });
    expect(device?.secretHash).toBe(hashSecret(paired.secret));

    // Neither the code nor the secret is anywhere in the relay's files.
    await storage.close();
    const everything = fs
      .readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name)).toString('latin1'))
      .join('\n');
    expect(everything).toContain(hashSecret(paired.secret));
    expect(everything).not.toContain(paired.secret);
    expect(everything).not.toContain(normalizePairingCode(code));
    expect(everything).not.toContain(code);
    storage = await openSqliteStorage(dataDir);
  });

  it('refuses the same code a second time', async () => {
    const { code } = await issuePairingCode(storage, harbor.id);
    await redeem(storage, { code, deviceName: 'Front desk' });
    expect(await refusal(redeem(storage, { code, deviceName: 'Someone else' }))).toBe('code-invalid');
    expect(await storage.listDevices(harbor.id)).toHaveLength(1);
  });

  it('refuses an expired code, an unknown code and something that is not a code, alike', async () => {
    const { code } = await issuePairingCode(storage, harbor.id);
    const later = new Date(Date.now() + 16 * 60_000);
    expect(await refusal(redeem(storage, { code, deviceName: 'Late', now: later }))).toBe('code-invalid');
    expect(await refusal(redeem(storage, { code: 'ABCD-EFGH', deviceName: 'Guess' }))).toBe('code-invalid');
    expect(await refusal(redeem(storage, { code: 'hello', deviceName: 'Junk' }))).toBe('code-invalid');
    expect(await refusal(redeem(storage, { code: 'O0O0-I1I1', deviceName: 'Ambiguous' }))).toBe('code-invalid');
    expect(await storage.listDevices()).toEqual([]);
  });
});

describe('authenticateDevice', () => {
  async function pair(workspace: WorkspaceRecord, name: string) {
    const { code } = await issuePairingCode(storage, workspace.id);
    return redeem(storage, { code, deviceName: name });
  }

  it("recognises a paired desk and gives it its own workspace", async () => {
    const desk = await pair(harbor, 'Front desk');
    const auth = await authenticateDevice(storage, bearer(desk.deviceId, desk.secret));
    expect(auth).toEqual({
      device: expect.objectContaining({ id: desk.deviceId, workspaceId: harbor.id, name: 'Front desk' }),
      workspace: harbor,
    });
    expect(auth).not.toHaveProperty('device.secretHash');
  });

  it('refuses a wrong secret, an unknown device and a malformed header as unauthorized', async () => {
    const desk = await pair(harbor, 'Front desk');
    const wrong = desk.secret.slice(0, -1) + (desk.secret.endsWith('A') ? 'B' : 'A');
    expect(await authenticateDevice(storage, bearer(desk.deviceId, wrong))).toEqual({ error: 'unauthorized' });
    expect(await authenticateDevice(storage, bearer('UnknownDevice12345', desk.secret))).toEqual({ error: 'unauthorized' });
    expect(await authenticateDevice(storage, undefined)).toEqual({ error: 'unauthorized' });
    expect(await authenticateDevice(storage, `Bearer ${desk.deviceId}`)).toEqual({ error: 'unauthorized' });
    expect(await authenticateDevice(storage, `Basic ${desk.deviceId}.${desk.secret}`)).toEqual({ error: 'unauthorized' });
  });

  it('refuses a revoked desk as revoked, but only to the holder of its secret', async () => {
    const desk = await pair(harbor, 'Stolen laptop');
    await storage.revokeDevice(desk.deviceId, new Date().toISOString());
    expect(await authenticateDevice(storage, bearer(desk.deviceId, desk.secret))).toEqual({ error: 'revoked' });
    expect(await authenticateDevice(storage, bearer(desk.deviceId, 'x'.repeat(43)))).toEqual({ error: 'unauthorized' });
  });

  it("never turns a credential of one workspace into access to another", async () => {
    const harborDesk = await pair(harbor, 'Harbor front desk');
    const lakesideDesk = await pair(lakeside, 'Lakeside front desk');
    for (let i = 0; i < 3; i++) {
      const replayed = await authenticateDevice(storage, bearer(harborDesk.deviceId, harborDesk.secret));
      expect('workspace' in replayed && replayed.workspace.id).toBe(harbor.id);
    }
    const other = await authenticateDevice(storage, bearer(lakesideDesk.deviceId, lakesideDesk.secret));
    expect('workspace' in other && other.workspace.id).toBe(lakeside.id);
    // Mixing one desk's id with the other's secret gets neither.
    expect(await authenticateDevice(storage, bearer(harborDesk.deviceId, lakesideDesk.secret))).toEqual({ error: 'unauthorized' });
    expect(await authenticateDevice(storage, bearer(lakesideDesk.deviceId, harborDesk.secret))).toEqual({ error: 'unauthorized' });
  });
});
