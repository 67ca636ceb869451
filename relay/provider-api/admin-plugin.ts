// The provider administrator's own management of the machine interface, behind the provider web
// app's session (relay/providers/): JSON routes under /provider/integrations for the pages (or a
// script in the admin's browser session) to call. Changes need the session's CSRF token in
// X-CSRF-Token; only a provider's admin may use them; a provider only ever sees its own keys,
// endpoints and deliveries. Keys and secrets are in the answer of their creation only.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sameText } from '../providers/auth.js';
import { readCookies, SESSION_COOKIE } from '../providers/web-plugin.js';
import { IntegrationError, type ProviderIntegrations } from './integrations.js';

export interface ProviderAdminOptions {
  integrations: ProviderIntegrations;
}

export const providerApiAdminPlugin: FastifyPluginAsync<ProviderAdminOptions> = async (app, options) => {
  const { integrations } = options;
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
  /** Runs one action of ProviderIntegrations; its refusals become their status and message. */
  async function run(reply: FastifyReply, action: () => Promise<unknown>, status = 200) {
    try {
      return noStore(reply).code(status).send(await action());
    } catch (err) {
      if (err instanceof IntegrationError) return reply.code(err.status).send({ error: err.code, message: err.message });
      throw err;
    }
  }

  app.get(`${base}/keys`, async (req, reply) => {
    const who = await admin(req, reply, false);
    if (!who) return reply;
    return run(reply, async () => ({ keys: await integrations.listKeys(who.provider.id) }));
  });

  app.post(`${base}/keys`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    return run(reply, async () => {
      const made = await integrations.createKey(who.provider.id, who.user.name, body(req).name, Array.isArray(body(req).scopes) ? body(req).scopes : []);
      return { key: made.key, record: made.record, notice: 'Copy the key now: it is not shown again.' };
    }, 201);
  });

  app.post<{ Params: { id: string } }>(`${base}/keys/:id/revoke`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    return run(reply, async () => {
      await integrations.revokeKey(who.provider.id, req.params.id);
      return { revoked: true };
    });
  });

  app.get(`${base}/webhooks`, async (req, reply) => {
    const who = await admin(req, reply, false);
    if (!who) return reply;
    return run(reply, async () => ({ endpoints: await integrations.listEndpoints(who.provider.id) }));
  });

  app.post(`${base}/webhooks`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    return run(reply, async () => {
      const { endpoint, secret } = await integrations.addEndpoint(who.provider.id, who.user.name, body(req).url, body(req).description);
      return { endpoint, secret, notice: 'Copy the signing secret now: it is not shown again.' };
    }, 201);
  });

  app.post<{ Params: { id: string } }>(`${base}/webhooks/:id/remove`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    return run(reply, async () => {
      await integrations.removeEndpoint(who.provider.id, req.params.id);
      return { removed: true };
    });
  });

  app.get(`${base}/deliveries`, async (req, reply) => {
    const who = await admin(req, reply, false);
    if (!who) return reply;
    return run(reply, async () => ({ deliveries: await integrations.deliveries(who.provider.id, (req.query as { status?: unknown }).status) }));
  });

  app.post<{ Params: { endpointId: string; eventId: string } }>(`${base}/deliveries/:endpointId/:eventId/retry`, async (req, reply) => {
    const who = await admin(req, reply, true);
    if (!who) return reply;
    return run(reply, async () => {
      await integrations.retry(who.provider.id, req.params.endpointId, decodeURIComponent(req.params.eventId));
      return { queued: true };
    });
  });
};
