// Sync state over the typed API: online or offline since when, and changes waiting to go out.
import type { HandlerMap } from '../api/dispatch.js';

export const syncHandlers: Partial<HandlerMap> = {
  'sync-status': async (_args, { desk }) =>
    desk.syncClient
      ? desk.syncClient.status()
      : {
          paired: false,
          relayUrl: null,
          workspace: null,
          online: false,
          offlineSince: null,
          changesWaiting: 0,
          lastSyncedAt: null,
          problem: null,
        },
};
