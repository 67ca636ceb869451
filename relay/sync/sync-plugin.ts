// GET /sync (WebSocket): a paired desk's sync connection. The device credential is checked
// before the upgrade, so an unauthenticated client never gets a socket.
import type { DeviceRecord, WorkspaceRecord } from '../storage/types.js';
import type { FastifyPluginAsync } from 'fastify';
import { SYNC_PATH } from '../../src-shared/sync/protocol.js';
import { authenticateDevice } from '../pairing.js';

declare module 'fastify' {
  interface FastifyRequest {
    desk?: { device: DeviceRecord; workspace: WorkspaceRecord };
  }
}

export const syncPlugin: FastifyPluginAsync = async (app) => {
  app.get(
    SYNC_PATH,
    {
      websocket: true,
      preValidation: async (req, reply) => {
        const auth = await authenticateDevice(app.storage, req.headers.authorization);
        if ('error' in auth) {
          req.log.warn({ reason: auth.error }, 'sync connection refused');
          return reply.code(auth.error === 'revoked' ? 403 : 401).send({ error: auth.error });
        }
        req.desk = auth;
      },
    },
    (socket, req) => {
      const desk = req.desk!;
      app.syncHub.attach(socket, desk.device, desk.workspace);
    },
  );
};
