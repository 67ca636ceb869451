// GET /healthz: the relay answers and its storage answers.
import type { FastifyPluginAsync } from 'fastify';

export const healthPlugin: FastifyPluginAsync = async (app) => {
  app.get('/healthz', async (_req, reply) => {
    try {
      await app.storage.listWorkspaces();
      return { ok: true, engine: app.storage.engine, desksConnected: app.syncHub.connectedCount };
    } catch (err) {
      app.log.error({ err: (err as Error).message }, 'storage unreachable');
      return reply.code(503).send({ ok: false, error: 'storage-unreachable' });
    }
  });
};
