// The provider administrator's own management of the machine interface, behind the provider web
// app's session (relay/providers/): JSON routes under /provider/integrations for the pages (or a
// script in the admin's browser session) to call. Changes need the session's CSRF token in
// X-CSRF-Token; only a provider's admin may use them; a provider only ever sees its own keys,
// endpoints and deliveries. Keys and secrets are in the answer of their creation only.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sameText } from '../providers/auth.js';
import { readCookies, SESSION_COOKIE } from '../providers/web-plugin.js';
import { createApiKey, ProviderApiKeyError } from './api-plugin.js';
import type { DeliveryStatus } from './records.js';
import { type ProviderWebhooks, WebhookError } from './webhooks.js';

export interface ProviderAdminOptions {
  webhooks: ProviderWebhooks;
}

export const providerApiAdminPlugin: FastifyPluginAsync<ProviderAdminOptions> = async (app, options) => {
  const records = app.storage.providerApi;
  const base = '/provider/integrations';

  async function admin(req: FastifyRequest, reply: FastifyReply, change: boolean) {
    const found = await app.providers.auth.session(readCookies(req.headers.cookie).get(SESSION_COOKIE));
    if (!found || found.session.step !== 'signed-in') {
      await reply.code(401).send({ error: 'signed-out', message: 'Sign in again.' });
      return null;
    }
    const token = req.headers['x-csrf-token'];
    if (change && !(typeof token === 'string' && token.length > 0 && sameText(token, found.session.csrfToken))) {
      await reply.code(403).send({ error: 'csrf', message: 'This change did not carry the page\'s token (X-CSRF-Token); nothing was changed. Reload the page and try again.' });
      return null;
    }
    if (found.user.role !== 'admin') {
      await reply.code(403).send({ error: 'not-admin', message: 'Only an administrator of your company manages API keys and webhooks.' });
      return null;
    }
    return found;
  }
  const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.get(`${base}/keys`, async (req, reply) => {
    const who = await admin(req, reply, false);
    if (!who) return reply;
    return noStore(reply).send({ keys: await records.listKeys(who.provider.id) });
  });

  app.post(`${base}/keys`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    const scopes = body(req).scopes;
    try {
      const made = await createApiKey(app.storage, {
        providerId: who.provider.id,
        name: typeof body(req).name === 'string' ? (body(req).name as string) : '',
        scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
        createdBy: who.user.name,
      });
      return noStore(reply).code(201).send({ key: made.key, record: made.record, notice: 'Copy the key now: it is not shown again.' });
    } catch (err) {
      if (err instanceof ProviderApiKeyError) return reply.code(400).send({ error: 'bad-key-request', message: err.message });
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>(`${base}/keys/:id/revoke`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    const done = await records.revokeKey(who.provider.id, req.params.id, new Date().toISOString());
    return done ? reply.send({ revoked: true }) : reply.code(404).send({ error: 'not-found', message: 'No live key with this id.' });
  });

  app.get(`${base}/webhooks`, async (req, reply) => {
    const who = await admin(req, reply, false);
    if (!who) return reply;
    const endpoints = (await records.listEndpoints(who.provider.id)).map(({ sealedSecret: _s, ...e }) => e);
    return noStore(reply).send({ endpoints });
  });

  app.post(`${base}/webhooks`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    try {
      const { endpoint, secret } = await options.webhooks.addEndpoint({
        providerId: who.provider.id,
        url: typeof body(req).url === 'string' ? (body(req).url as string) : '',
        description: typeof body(req).description === 'string' ? (body(req).description as string).slice(0, 200) : null,
        createdBy: who.user.name,
      });
      const { sealedSecret: _s, ...shown } = endpoint;
      return noStore(reply).code(201).send({ endpoint: shown, secret, notice: 'Copy the signing secret now: it is not shown again.' });
    } catch (err) {
      if (err instanceof WebhookError) return reply.code(err.code === 'no-key' ? 503 : 400).send({ error: err.code, message: err.message });
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>(`${base}/webhooks/:id/remove`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    const done = await records.removeEndpoint(who.provider.id, req.params.id, new Date().toISOString());
    return done ? reply.send({ removed: true }) : reply.code(404).send({ error: 'not-found', message: 'No live endpoint with this id.' });
  });

  app.get(`${base}/deliveries`, async (req, reply) => {
    const who = await admin(req, reply, false);
    if (!who) return reply;
    const status = (req.query as { status?: string }).status;
    const allowed = ['pending', 'delivered', 'failed', 'withheld'];
    if (status !== undefined && !allowed.includes(status)) return reply.code(400).send({ error: 'bad-status', message: `status is one of ${allowed.join(', ')}.` });
    return noStore(reply).send({ deliveries: await records.deliveryLog(who.provider.id, { status: status as DeliveryStatus | undefined }) });
  });

  app.post<{ Params: { endpointId: string; eventId: string } }>(`${base}/deliveries/:endpointId/:eventId/retry`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    const done = await records.retryDelivery(who.provider.id, req.params.endpointId, decodeURIComponent(req.params.eventId), new Date().toISOString());
    if (done) options.webhooks.wake();
    return done ? reply.send({ queued: true }) : reply.code(404).send({ error: 'not-found', message: 'No failed delivery with these ids.' });
  });
};
