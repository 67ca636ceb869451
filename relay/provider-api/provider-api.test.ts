// The work-provider REST API over real HTTP on both engines: only granted shops, only ROs mapped to
// the provider, amounts only when shared, revocation (grant and key) on the next request, the key
// only in the Authorization header, scopes, the per-key limit, and every route of the served
// OpenAPI document answering with the documented shape.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../server.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import type { WorkProvider } from '../providers/records.js';
import { createApiKey } from './api-plugin.js';
import { DOCUMENTED_ROUTES } from './openapi.js';
import { addRepair, grant, revokeGrant, shopWrite, TestEngines, until } from './testing.js';

const engines = new TestEngines();
afterAll(() => engines.cleanup());

// ---- a small JSON Schema checker (the subset the document uses), independent of zod

type Schema = Record<string, unknown>;
function check(doc: Schema, schema: Schema, value: unknown, at: string, problems: string[]): void {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace('#/', '').split('/').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], doc) as Schema;
    return check(doc, target, value, at, problems);
  }
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => {
      const p: string[] = [];
      check(doc, s, value, at, p);
      return p.length === 0;
    });
    if (!ok) problems.push(`${at}: matches none of anyOf (${JSON.stringify(value)})`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if ('const' in schema && schema.const !== value) problems.push(`${at}: not ${JSON.stringify(schema.const)}`);
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length === 0) return;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  const type = types.find((t) => t === actual || (t === 'number' && actual === 'integer'));
  if (!type) {
    problems.push(`${at}: expected ${types.join(' or ')}, got ${actual}`);
    return;
  }
  if (type === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) problems.push(`${at}.${r}: missing`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) check(doc, props[k], v, `${at}.${k}`, problems);
      else if (schema.additionalProperties === false) problems.push(`${at}.${k}: not documented`);
      else if (typeof schema.additionalProperties === 'object') check(doc, schema.additionalProperties as Schema, v, `${at}.${k}`, problems);
    }
  }
  if (type === 'array') (value as unknown[]).forEach((v, i) => check(doc, schema.items as Schema, v, `${at}[${i}]`, problems));
}

describe.each(['sqlite', 'postgres'] as const)('work-provider REST API on %s', (engine) => {
  let storage: RelayStorage;
  let relay: RunningRelay;
  let harbor: WorkProvider;
  let summit: WorkProvider;
  let granting: WorkspaceRecord;
  let other: WorkspaceRecord;
  let silent: WorkspaceRecord;
  let key: string;
  let grantId: string;
  let mine: string;
  const ids: Record<string, string> = {};

  const get = async (url: string, auth: string | null = key) => {
    const res = await fetch(`${relay.url}/api/provider/v1${url}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };

  beforeEach(async () => {
    storage = await engines.open(engine);
    relay = await startRelay({ storage, port: 0, logger: false, providerApi: { requestsPerMinute: 60, webhooks: { vault: null } } });
    const now = new Date().toISOString();
    harbor = await storage.providers.createProvider({ id: randomUUID(), slug: 'harbor-mutual', name: 'Harbor Mutual', now });
    summit = await storage.providers.createProvider({ id: randomUUID(), slug: 'summit-insurance', name: 'Summit Insurance', now });
    granting = await storage.createWorkspace({ slug: 'eastside', name: 'Eastside Collision' });
    other = await storage.createWorkspace({ slug: 'northgate', name: 'Northgate Body' });
    silent = await storage.createWorkspace({ slug: 'westend', name: 'Westend Auto Body' });
    grantId = await grant(storage, granting, harbor.id, ['Harbor Mutual'], { amounts: false });
    await grant(storage, other, summit.slug, ['Summit Insurance']);
    await grant(storage, other, harbor.id, ['Harbor Mutual'], { amounts: true });
    // The same plate in four places: only two are Harbor's to see.
    mine = await addRepair(storage, granting, { roNumber: 1001, insurer: 'harbor mutual', claim: 'HM-123-456', plate: '7ABC123' });
    ids.summitsRo = await addRepair(storage, granting, { roNumber: 1002, insurer: 'Summit Insurance', claim: 'SI-9', plate: '7ABC123' });
    ids.othersHarbor = await addRepair(storage, other, { roNumber: 2001, insurer: 'Harbor Mutual', claim: 'HM-777', plate: '7ABC123' });
    ids.silent = await addRepair(storage, silent, { roNumber: 3001, insurer: 'Harbor Mutual', claim: 'HM-555', plate: '7ABC123' });
    key = (await createApiKey(storage, { providerId: harbor.id, name: 'Claims system', scopes: ['repairs:read', 'exceptions:read', 'sla:read', 'webhooks:read'], createdBy: 'test' })).key;
    await until('the index holds the granted repairs', async () => (await storage.providers.findRepairs(harbor.id, '7ABC123')).length === 2);
  });
  afterEach(async () => {
    await relay.close();
    await storage.close();
  });

  it('finds a plate typed any which way only in shops that granted the provider and only on ROs mapped to it; amounts only where shared; the view lands in the audit trail', async () => {
    const found = await get(`/repairs?plate=${encodeURIComponent(' 7abc-123 ')}`);
    expect(found.status).toBe(200);
    const repairs = found.body.repairs as Array<{ roId: string; workspaceId: string; roNumber: number; shopName: string }>;
    expect(repairs.map((r) => r.roNumber).sort()).toEqual([1001, 2001]);
    expect(repairs.map((r) => r.workspaceId)).not.toContain(silent.id);

    const byClaim = await get('/repairs?claim=hm123456');
    expect((byClaim.body.repairs as Array<{ roNumber: number }>).map((r) => r.roNumber)).toEqual([1001]);

    const detail = await get(`/repairs/${granting.id}/${mine}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ roNumber: 1001, claimNumber: 'HM-123-456', stage: 'estimate', amounts: null });
    const shared = await get(`/repairs/${other.id}/${ids.othersHarbor}`);
    expect(shared.body.amounts).toEqual({ estimateTotalCents: 482_050, deductibleCents: 50_000 });

    // Another provider's RO in a granting shop, and a shop that granted nothing: the same 404 as a repair that does not exist.
    for (const [shop, ro] of [[granting.id, ids.summitsRo], [silent.id, ids.silent], [granting.id, randomUUID()]] as const) {
      const refused = await get(`/repairs/${shop}/${ro}`);
      expect(refused.status).toBe(404);
      expect(refused.body.error).toBe('not-found');
    }

    const store = await storage.workspaceStore(granting.id);
    const trail = await store.db.selectFrom('audit_events').select(['action', 'detail']).where('ro_id', '=', mine).where('action', '=', 'provider-view').execute();
    expect(trail).toHaveLength(1);
    expect(JSON.parse(trail[0]!.detail!).summary).toBe('RO 1001 viewed by API key "Claims system" of Harbor Mutual');
  });

  it('cuts access on the next request when the shop revokes its grant, and refuses a revoked key', async () => {
    expect((await get(`/repairs/${granting.id}/${mine}`)).status).toBe(200);
    await revokeGrant(storage, granting, grantId);
    const after = await get(`/repairs/${granting.id}/${mine}`);
    expect(after.status).toBe(404);
    const lookup = await get('/repairs?plate=7ABC123');
    expect((lookup.body.repairs as Array<{ roNumber: number }>).map((r) => r.roNumber)).toEqual([2001]);

    const [record] = await storage.providerApi.listKeys(harbor.id);
    expect(record!.lastUsedAt).not.toBeNull();
    expect(await storage.providerApi.revokeKey(harbor.id, record!.id, new Date().toISOString())).toBe(true);
    const refused = await get('/repairs?plate=7ABC123');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('revoked-key');
  });

  it('refuses a key in the query string (even beside a good header), asks for one when missing, checks scopes and limits each key', async () => {
    for (const query of [`?plate=7ABC123&api_key=${key}`, `?plate=7ABC123&access_token=${key}`, `?q=${key}`]) {
      const res = await get(`/repairs${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('key-in-query');
      expect(res.body.message).toMatch(/Authorization header/);
      expect(JSON.stringify(res.body)).not.toContain('7ABC123');
    }
    const bare = await get('/repairs?plate=7ABC123', null);
    expect(bare.status).toBe(401);
    expect(bare.body.error).toBe('missing-key');
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await get('/repairs?plate=7ABC123', 'bkp_not-a-real-key')).body.error).toBe('invalid-key');
    expect((await get('/repairs')).body.error).toBe('missing-query');

    const narrow = (await createApiKey(storage, { providerId: harbor.id, name: 'Exceptions board', scopes: ['exceptions:read'], createdBy: 'test' })).key;
    expect((await get('/exceptions', narrow)).status).toBe(200);
    const noScope = await get('/repairs?plate=7ABC123', narrow);
    expect(noScope.status).toBe(403);
    expect(noScope.body.message).toMatch(/repairs:read/);

    // 60 a minute per key (two used above): the 61st is refused, another key is not.
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await get('/exceptions', narrow)).status);
    const over = await get('/exceptions', narrow);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
    expect(statuses.filter((s) => s === 200).length).toBe(58);
    expect((await get('/exceptions')).status).toBe(200);
  });

  it('serves an OpenAPI 3.1 document whose every route exists and answers with the documented shape', async () => {
    await shopWrite(storage, granting, (tx) => tx.insert('ro_exceptions', { ro_id: mine, tag: '#partsdelay', reason: 'parts-delay', opened_at: '2026-11-25T15:00:00.000Z' }));
    await until('the exception is visible', async () => (await relay.providers.access.openExceptions(harbor)).length === 1);
    const res = await fetch(`${relay.url}/api/provider/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Schema & { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { schema: Schema } } }> }>>; servers: Array<{ url: string }> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers[0]!.url).toBe(`${relay.url}/api/provider/v1`);
    expect(JSON.stringify(doc)).toContain('HMAC-SHA256');
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(DOCUMENTED_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const params: Record<string, string> = { shopId: granting.id, roId: mine };
    const queries: Record<string, string> = { '/repairs': '?plate=7abc 123' };
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = p.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!) + (queries[p] ?? '');
        const answer = await fetch(`${doc.servers[0]!.url}${url}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${key}` } });
        expect(answer.status, `${method} ${p}`).toBe(200);
        const body: unknown = await answer.json();
        const problems: string[] = [];
        check(doc, op.responses['200']!.content!['application/json'].schema, body, `${method} ${p}`, problems);
        expect(problems).toEqual([]);
        const empty = Array.isArray(Object.values(body as object)[0]) && (Object.values(body as object)[0] as unknown[]).length === 0;
        expect(empty, `${method} ${p} answered an empty list; the shape check would prove nothing`).toBe(p === '/webhooks/deliveries');
        // The error answers follow the Error schema too.
        const unauth = await fetch(`${doc.servers[0]!.url}${url}`);
        const errProblems: string[] = [];
        check(doc, op.responses['401']!.content!['application/json'].schema, await unauth.json(), `${method} ${p} 401`, errProblems);
        expect(errProblems).toEqual([]);
      }
    }
  });
});
