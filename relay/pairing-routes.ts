// POST /pair: a desk trades a one-time pairing code for its device credential. Wrong, used and
// expired codes get the same answer, and each address gets only a few tries.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { redeem } from './pairing.js';
import { RateLimiter } from './rate-limit.js';
import { grantAtPairing } from './storage/ro-number-blocks.js';

const body = z.object({ code: z.string().min(1).max(32), deviceName: z.string().trim().min(1).max(80) }).strict();

export const pairingPlugin: FastifyPluginAsync = async (app) => {
  const limiter = new RateLimiter(10, 15 * 60 * 1000);
  app.post('/pair', async (req, reply) => {
    if (!limiter.take(req.ip)) {
      return reply.code(429).send({ error: 'too-many-attempts', message: 'Too many pairing attempts. Wait 15 minutes and try again.' });
    }
    const parsed = body.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply.code(400).send({ error: 'invalid-request', message: `${issue.path.join('.') || 'body'}: ${issue.message}` });
    }
    try {
      const paired = await redeem(app.storage, parsed.data);
      req.log.info({ device: paired.deviceId, workspace: paired.workspace.slug }, 'desk paired');
      // The desk's first RO numbers come with its credential, so it can check cars in even if it goes offline at once.
      const numbers = await app.storage
        .workspaceStore(paired.workspace.id)
        .then((store) => grantAtPairing(app.storage.roNumbers, store, { workspaceId: paired.workspace.id, deviceId: paired.deviceId }))
        .catch((err: unknown) => {
          req.log.warn({ err: (err as Error).message }, 'no RO numbers at pairing; the desk asks again when it connects');
          return undefined;
        });
      // Portal links the desk prints point at the configured public address, never at whatever Host the desk used.
      return { ...paired, portalUrl: app.publicUrl, ...(numbers ? { numbers } : {}) };
    } catch (err) {
      if ((err as { code?: string }).code === 'code-invalid') {
        return reply.code(403).send({
          error: 'code-invalid',
          message: 'That pairing code is not valid: it may be mistyped, used already, or older than 15 minutes. Ask for a new one.',
        });
      }
      throw err;
    }
  });
};
