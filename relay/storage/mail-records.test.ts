// The mail records on both engines: a stolen database dump holds no usable refresh token (it is
// sealed with the operator's key, bound to its mailbox), a sign-in state works once and not after
// it expired, and a mailbox is worked by one relay process at a time.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVault } from '../email/token-vault.js';
import { type Engine, newStorageLocation, openStorage } from '../testing/sync-fixture.js';
import type { RelayStorage } from './types.js';

const REFRESH_TOKEN = '1//0gLakesideRefreshTokenThatMustNeverBeReadable-abcdef';

describe.each<Engine>(['sqlite', 'postgres'])('mail records (%s)', (engine) => {
  let a: RelayStorage;
  let b: RelayStorage;
  let place: { location: string; drop(): Promise<void> };
  let workspaceId: string;
  const vault = new TokenVault(randomBytes(32));
  beforeAll(async () => {
    place = await newStorageLocation(engine);
    a = await openStorage(engine, place.location);
    b = engine === 'postgres' ? await openStorage(engine, place.location) : a;
    workspaceId = (await a.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' })).id;
  });
  afterAll(async () => {
    if (b !== a) await b.close();
    await a.close();
    await place.drop();
  });

  /** Everything an attacker with a copy of the database would read. */
  async function dump(): Promise<string> {
    if (engine === 'sqlite') {
      const file = path.join(place.location, 'relay.sqlite');
      return fs.readFileSync(file).toString('latin1') + (fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`).toString('latin1') : '');
    }
    const client = new pg.Client({ connectionString: place.location });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
      let out = '';
      for (const { table_name } of tables.rows) out += JSON.stringify((await client.query(`SELECT * FROM public.${table_name}`)).rows);
      return out;
    } finally {
      await client.end();
    }
  }

  it('a stolen dump holds no usable token: sealed, and it opens only with the key and on its own mailbox', async () => {
    const now = new Date().toISOString();
    const sealed = vault.seal(REFRESH_TOKEN, 'mb-estimates');
    await a.mail.saveConnected({ mailboxId: 'mb-estimates', workspaceId, provider: 'gmail', address: 'estimates@example.com', sealedToken: sealed, connectedBy: 'staff:s1', now });
    const stored = await b.mail.findAccount('mb-estimates');
    expect(stored).toMatchObject({ address: 'estimates@example.com', state: 'connected', connectedBy: 'staff:s1' });
    const text = await dump();
    expect(text).toContain('estimates@example.com');
    expect(text).not.toContain(REFRESH_TOKEN);
    expect(text).not.toContain(Buffer.from(REFRESH_TOKEN).toString('base64'));
    expect(text).not.toContain('LakesideRefreshToken');
    // The dump's sealed value: useless without the key, and bound to its row.
    expect(vault.open(stored!.sealedToken!, 'mb-estimates')).toBe(REFRESH_TOKEN);
    expect(() => new TokenVault(randomBytes(32)).open(stored!.sealedToken!, 'mb-estimates')).toThrow(/does not open/);
    expect(() => vault.open(stored!.sealedToken!, 'mb-office')).toThrow(/does not open/);
    const tampered = stored!.sealedToken!.slice(0, -2) + (stored!.sealedToken!.endsWith('A') ? 'BB' : 'AA');
    expect(() => vault.open(tampered, 'mb-estimates')).toThrow(/does not open/);
    // Disconnecting drops the sealed token too.
    await a.mail.setState('mb-estimates', 'disconnected', now);
    expect((await b.mail.findAccount('mb-estimates'))?.sealedToken).toBeNull();
    expect(await a.mail.connectedAccounts(workspaceId)).toEqual([]);
  });

  it('a sign-in state is taken once, and not once it has expired', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 600_000).toISOString();
    const base = { workspaceId, staffId: 's1', provider: 'gmail', sealedVerifier: vault.seal('verifier', 'h1'), now: now.toISOString() };
    await a.mail.addOAuthState({ ...base, stateHash: 'h1', expiresAt: later });
    await a.mail.addOAuthState({ ...base, stateHash: 'h2', expiresAt: new Date(now.getTime() - 1).toISOString() });
    const tries = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).mail.takeOAuthState('h1', now.toISOString())));
    expect(tries.filter(Boolean)).toMatchObject([{ workspaceId, staffId: 's1', provider: 'gmail' }]);
    expect(await a.mail.takeOAuthState('h2', now.toISOString())).toBeNull();
    expect(await a.mail.takeOAuthState('nope', now.toISOString())).toBeNull();
  });

  it('one relay process works a mailbox at a time; a lapsed lease is taken over', async () => {
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    await a.mail.saveConnected({ mailboxId: 'mb-office', workspaceId, provider: 'gmail', address: 'office@example.com', sealedToken: vault.seal('t', 'mb-office'), connectedBy: 'staff:s1', now: at(0) });
    const first = await Promise.all([a.mail.takeLease('mb-office', 'p1', at(0), at(60_000)), b.mail.takeLease('mb-office', 'p2', at(0), at(60_000))]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const winner = first[0] ? 'p1' : 'p2';
    expect(await a.mail.takeLease('mb-office', winner, at(1000), at(61_000))).toBe(true);
    expect(await b.mail.takeLease('mb-office', 'p3', at(2000), at(62_000))).toBe(false);
    expect(await b.mail.takeLease('mb-office', 'p3', at(70_000), at(130_000))).toBe(true);
    await a.mail.setCursor('mb-office', '4242', at(0));
    expect((await b.mail.findAccount('mb-office'))?.cursor).toBe('4242');
  });
});

