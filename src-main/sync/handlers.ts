// Sync state over the typed API: online or offline since when, and changes waiting to go out.
import type { HandlerMap } from '../api/dispatch.js';

export const syncHandlers: Partial<HandlerMap> = {
  'sync-status': async (_args, { desk }) => desk.syncStatus(),
};
