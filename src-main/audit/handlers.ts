// The activity list (audit trail in plain words) and its tamper check, over the typed API.
import type { HandlerMap } from '../api/dispatch.js';
import { listAudit, verifyAudit } from './audit-trail.js';

export const auditHandlers: Partial<HandlerMap> = {
  'audit-list': async (args, { desk }) => listAudit(desk.sqlite, { roId: args.roId, limit: args.limit }),
  'audit-verify': async (_args, { desk }) => verifyAudit(desk.sqlite),
};
