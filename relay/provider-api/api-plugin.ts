// The read-only REST API for a work provider's own systems (issue 19), under /api/provider/v1.
// Every answer goes through ProviderAccess, like the provider's web pages: only shops that grant
// the provider now, only repairs whose insurer maps to it, amounts only when shared. The API key
// is read from `Authorization: Bearer` only; a key in the query string is refused before anything
// else (and the relay's request log never holds a query string: server.ts redactUrl).
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from '../rate-limit.js';
import type { ProviderAccess } from '../providers/access.js';
import type { WorkProvider } from '../providers/records.js';
import type { RelayStorage } from '../storage/types.js';
import { API_BASE, openApiDocument } from './openapi.js';
import type { ApiKey, DeliveryStatus } from './records.js';
import { API_KEY_PREFIX, hashApiKey, newApiKey, SCOPES, type Scope } from './secrets.js';

export interface ProviderApiOptions {
  access: ProviderAccess;
  /** Requests per key per minute (600 unless set). */
  requestsPerMinute?: number;
}

/** Query parameters that look like someone put a credential in the address. */
const KEY_PARAMS = new Set(['api_key', 'apikey', 'api-key', 'key', 'access_token', 'token', 'bearer', 'authorization', 'auth']);

export class ProviderApiKeyError extends Error {}

/** Makes a key for a provider; the key itself is in the answer this once and nowhere after. */
export async function createApiKey(storage: RelayStorage, input: { providerId: string; name: string; scopes: string[]; createdBy: string }): Promise<{ key: string; record: ApiKey }> {
  const name = input.name.trim();
  if (!name || name.length > 80) throw new ProviderApiKeyError('Give the key a name of 1 to 80 characters (what uses it, e.g. "Claims system").');
  const unknown = input.scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new ProviderApiKeyError(`Unknown scope ${unknown.join(', ')}; the scopes are ${SCOPES.join(', ')}.`);
  if (input.scopes.length === 0) throw new ProviderApiKeyError(`A key needs at least one scope: ${SCOPES.join(', ')}.`);
  const made = newApiKey();
  const record = await storage.providerApi.createKey({ id: randomUUID(), providerId: input.providerId, name, prefix: made.prefix, keyHash: made.hash, scopes: [...new Set(input.scopes)], createdBy: input.createdBy, now: new Date().toISOString() });
  return { key: made.key, record };
}

interface Caller {
  key: ApiKey;
  provider: WorkProvider;
}

export const providerApiPlugin: FastifyPluginAsync<ProviderApiOptions> = async (app, options) => {
  const storage = app.storage;
  const access = options.access;
  const limiter = new RateLimiter(options.requestsPerMinute ?? 600, 60_000);
  const callers = new WeakMap<FastifyRequest, Caller>();

  const refuse = (reply: FastifyReply, status: number, error: string, message: string) => reply.code(status).header('cache-control', 'no-store').send({ error, message });

  /** Checks the key and its scope; answers and returns null when the request may not go on. */
  async function authorise(request: FastifyRequest, reply: FastifyReply, scope: Scope): Promise<Caller | null> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const inQuery = Object.entries(query).some(([k, v]) => KEY_PARAMS.has(k.toLowerCase()) || (typeof v === 'string' && v.startsWith(API_KEY_PREFIX)));
    if (inQuery) {
      refuse(reply, 400, 'key-in-query', 'Send the API key in the Authorization header (Authorization: Bearer bkp_…), never in the address: addresses end up in logs and browser history. Nothing was served; if the key was real, revoke it and make a new one.');
      return null;
    }
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="bayline-provider-api"');
      refuse(reply, 401, 'missing-key', 'This API needs an API key in the header: Authorization: Bearer bkp_…');
      return null;
    }
    const key = await storage.providerApi.findKeyByHash(hashApiKey(match[1]!));
    if (!key || key.revokedAt) {
      reply.header('www-authenticate', 'Bearer realm="bayline-provider-api", error="invalid_token"');
      refuse(reply, 401, key ? 'revoked-key' : 'invalid-key', key ? 'This API key was revoked; ask your administrator for a new one.' : 'This API key is not known.');
      return null;
    }
    if (!limiter.take(key.id)) {
      reply.header('retry-after', '60');
      refuse(reply, 429, 'rate-limited', 'Too many requests with this key this minute; try again in a minute.');
      return null;
    }
    const provider = await storage.providers.findProvider(key.providerId);
    if (!provider) {
      refuse(reply, 401, 'invalid-key', 'This API key is not known.');
      return null;
    }
    if (!key.scopes.includes(scope)) {
      refuse(reply, 403, 'missing-scope', `This key may not use this route: it needs the scope ${scope} (the key has ${key.scopes.join(', ') || 'none'}).`);
      return null;
    }
    void storage.providerApi.touchKey(key.id, new Date().toISOString()).catch(() => {});
    const caller = { key, provider };
    callers.set(request, caller);
    return caller;
  }

  app.get(`${API_BASE}/openapi.json`, async (_request, reply) => reply.header('cache-control', 'no-cache').send(openApiDocument(app.publicUrl)));

  app.get(`${API_BASE}/repairs`, async (request, reply) => {
    const caller = await authorise(request, reply, 'repairs:read');
    if (!caller) return reply;
    const q = request.query as Record<string, unknown>;
    const typed = [q.claim, q.plate, q.q].find((v): v is string => typeof v === 'string' && v.trim().length > 0);
    if (!typed) return refuse(reply, 400, 'missing-query', 'Say what to look for: ?claim=…, ?plate=… or ?q=… (case, spaces and dashes do not matter).');
    const repairs = await access.lookup(caller.provider, typed);
    return reply.header('cache-control', 'no-store').send({ repairs });
  });

  app.get<{ Params: { shopId: string; roId: string } }>(`${API_BASE}/repairs/:shopId/:roId`, async (request, reply) => {
    const caller = await authorise(request, reply, 'repairs:read');
    if (!caller) return reply;
    const detail = await access.repairDetail(caller.provider, request.params.shopId, request.params.roId);
    if (!detail) return refuse(reply, 404, 'not-found', 'No repair with this id that you may see.');
    await access.recordView(caller.provider, { id: `api-key:${caller.key.id}`, name: `API key "${caller.key.name}"` }, detail.workspaceId, detail.roId, detail.roNumber);
    return reply.header('cache-control', 'no-store').send(detail);
  });

  app.get(`${API_BASE}/exceptions`, async (request, reply) => {
    const caller = await authorise(request, reply, 'exceptions:read');
    if (!caller) return reply;
    return reply.header('cache-control', 'no-store').send({ exceptions: await access.openExceptions(caller.provider) });
  });

  app.get(`${API_BASE}/sla`, async (request, reply) => {
    const caller = await authorise(request, reply, 'sla:read');
    if (!caller) return reply;
    return reply.header('cache-control', 'no-store').send({ shops: await access.sla(caller.provider) });
  });

  app.get(`${API_BASE}/webhooks/deliveries`, async (request, reply) => {
    const caller = await authorise(request, reply, 'webhooks:read');
    if (!caller) return reply;
    const q = request.query as Record<string, unknown>;
    const statuses = ['pending', 'delivered', 'failed', 'withheld'];
    if (q.status !== undefined && !statuses.includes(String(q.status))) return refuse(reply, 400, 'bad-status', `status is one of ${statuses.join(', ')}.`);
    const limit = q.limit === undefined ? 200 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return refuse(reply, 400, 'bad-limit', 'limit is a whole number from 1 to 1000.');
    const deliveries = await storage.providerApi.deliveryLog(caller.provider.id, { limit, status: q.status as DeliveryStatus | undefined });
    return reply.header('cache-control', 'no-store').send({ deliveries });
  });
};
