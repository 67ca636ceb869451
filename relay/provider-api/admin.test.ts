// The provider administrator managing API keys and webhook endpoints from a signed-in session
// (password + TOTP through the provider pages), over real HTTP: CSRF token required, admins only,
// a key shown once and usable at once, revocation on the next request, secrets never listed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import { addProvider, CodeClock, csrfOf, FormClient } from '../providers/testing.js';
import type { WorkProvider } from '../providers/records.js';
import { startRelay, type RunningRelay } from '../server.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage } from '../storage/types.js';

describe('provider admin: API keys and webhooks from the provider session', () => {
  const clock = new CodeClock();
  let dir: string;
  let storage: RelayStorage;
  let relay: RunningRelay;
  let harbor: WorkProvider;
  let admin: FormClient;
  let member: FormClient;
  let csrf: string;

  const json = async (client: FormClient, method: 'GET' | 'POST', url: string, body?: unknown, token: string | null = csrf) => {
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${relay.url}${url}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { 'x-csrf-token': token } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-provider-admin-'));
    storage = await openSqliteStorage(dir);
    relay = await startRelay({ storage, port: 0, logger: false, providerClock: clock.now, providerApi: { webhooks: { vault: new TokenVault(parseTokenKey(randomBytes(32).toString('hex'))) } } });
    harbor = await addProvider(storage, 'harbor-mutual', 'Harbor Mutual');
    const people = [] as FormClient[];
    for (const [email, role] of [['ana@harbor.example', 'admin'], ['sam@harbor.example', 'member']] as const) {
      const sent = await relay.providers.auth.invite({ provider: harbor, email, name: email.split('@')[0]!, role, invitedBy: 'the operator', publicUrl: relay.url });
      const client = new FormClient(relay.url, clock);
      const secret = await client.acceptInvitation(sent.link!);
      expect((await client.signIn(email, secret)).location).toBe('/provider');
      people.push(client);
    }
    [admin, member] = people as [FormClient, FormClient];
    csrf = csrfOf((await admin.get('/provider/find')).text);
  }, 60_000);
  afterAll(async () => {
    await relay?.close();
    await storage?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('makes a key shown once, refuses changes without the CSRF token or by a member, and revokes on the next request', async () => {
    expect((await json(admin, 'POST', '/provider/integrations/keys', { name: 'Claims system', scopes: ['repairs:read'] }, null)).status).toBe(403);
    expect((await json(member, 'GET', '/provider/integrations/keys')).body.error).toBe('not-admin');
    expect((await json(admin, 'POST', '/provider/integrations/keys', { name: 'x', scopes: ['repairs:write'] })).body.message).toMatch(/Unknown scope repairs:write/);

    const made = await json(admin, 'POST', '/provider/integrations/keys', { name: 'Claims system', scopes: ['repairs:read', 'exceptions:read'] });
    expect(made.status).toBe(201);
    const key = made.body.key as string;
    expect(key).toMatch(/^bkp_[A-Za-z0-9_-]{43}$/);
    const list = await json(admin, 'GET', '/provider/integrations/keys');
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.keys).toMatchObject([{ name: 'Claims system', prefix: key.slice(0, 12), scopes: ['repairs:read', 'exceptions:read'], createdBy: 'ana', revokedAt: null }]);

    const use = () => fetch(`${relay.url}/api/provider/v1/exceptions`, { headers: { authorization: `Bearer ${key}` } });
    expect((await use()).status).toBe(200);
    const id = (made.body.record as { id: string }).id;
    expect((await json(admin, 'POST', `/provider/integrations/keys/${id}/revoke`, {})).body).toEqual({ revoked: true });
    expect((await use()).status).toBe(401);
  });

  it('adds an endpoint whose secret is shown once and never listed, and shows the delivery log', async () => {
    expect((await json(admin, 'POST', '/provider/integrations/webhooks', { url: 'http://claims.harbor.example/hook' })).body.error).toBe('bad-url');
    const added = await json(admin, 'POST', '/provider/integrations/webhooks', { url: 'https://claims.harbor.example/hook', description: 'Claims' });
    expect(added.status).toBe(201);
    expect(added.body.secret).toMatch(/^whsec_/);
    const listed = await json(admin, 'GET', '/provider/integrations/webhooks');
    expect(JSON.stringify(listed.body)).not.toContain(added.body.secret as string);
    expect(JSON.stringify(listed.body)).not.toContain('sealed');
    expect(listed.body.endpoints).toMatchObject([{ url: 'https://claims.harbor.example/hook', description: 'Claims', removedAt: null }]);
    expect((await json(admin, 'GET', '/provider/integrations/deliveries')).body).toEqual({ deliveries: [] });
    const id = (added.body.endpoint as { id: string }).id;
    expect((await json(admin, 'POST', `/provider/integrations/webhooks/${id}/remove`, {})).body).toEqual({ removed: true });
    expect((await storage.providerApi.listEndpoints(harbor.id))[0]!.removedAt).not.toBeNull();
  });
});
