// POST /webhooks/telnyx/voice: Telnyx Call Control webhooks for the shop's Bayline number (the
// Call Control application's webhook URL). Checked like the texts' webhooks (raw body, the SDK's
// Ed25519 check); anything unsigned, forged or stale gets 401 and changes nothing. The call is
// forwarded and logged before the answer, so a failure answers 500 and Telnyx sends it again.
import type { FastifyPluginAsync } from 'fastify';
import type { CallService } from './call-service.js';

export interface CallsPluginOptions {
  service: CallService | null;
}

export const callsPlugin: FastifyPluginAsync<CallsPluginOptions> = async (app, options) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));

  app.post('/webhooks/telnyx/voice', async (req, reply) => {
    const service = options.service;
    if (!service) return reply.code(503).send({ error: 'calls-off', message: 'Calls are not configured on this relay (no Telnyx settings).' });
    const raw = typeof req.body === 'string' ? req.body : '';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    try {
      const outcome = await service.receiveWebhook(raw, headers);
      if (outcome === 'rejected') return reply.code(401).send({ error: 'bad-signature', message: 'The signature is missing, wrong or too old.' });
      return reply.code(200).send({ ok: true, outcome });
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'calls: a voice webhook failed; Telnyx will send it again');
      return reply.code(500).send({ error: 'try-again', message: 'The call could not be logged just now.' });
    }
  });
};
