// POST /webhooks/telnyx: Telnyx's messaging webhooks. The body is kept exactly as it came (the
// Ed25519 signature covers those bytes), checked by the SDK (`webhooks.unwrap`, 300 s
// tolerance), recorded in the durable queue and answered at once; the work happens after.
// Anything unsigned, forged or stale gets 401 and leaves no trace.
import type { FastifyPluginAsync } from 'fastify';
import type { SmsService } from './sms-service.js';

export interface SmsPluginOptions {
  service: SmsService | null;
}

export const smsPlugin: FastifyPluginAsync<SmsPluginOptions> = async (app, options) => {
  // This plugin's own JSON parser: the raw text, not an object (fastify scopes it to this plugin).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));

  app.post('/webhooks/telnyx', async (req, reply) => {
    const service = options.service;
    if (!service) return reply.code(503).send({ error: 'sms-off', message: 'Texting is not configured on this relay.' });
    const raw = typeof req.body === 'string' ? req.body : '';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const outcome = await service.receiveWebhook(raw, headers);
    if (outcome === 'rejected') return reply.code(401).send({ error: 'bad-signature', message: 'The signature is missing, wrong or too old.' });
    return reply.code(200).send({ ok: true });
  });
};
