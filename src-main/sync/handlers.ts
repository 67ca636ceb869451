// Sync state over the typed API: online or offline since when, and changes waiting to go out.
import { ApiError } from '../../src-shared/api/errors.js';
import type { HandlerMap } from '../api/dispatch.js';
import { PairingError } from './pair.js';

export const syncHandlers: Partial<HandlerMap> = {
  'sync-status': async (_args, { desk }) => desk.syncStatus(),
  'sync-pair': async (args, { desk }) => {
    try {
      return await desk.pair({ relayUrl: args.relayUrl, code: args.code.toUpperCase(), deviceName: args.deviceName ?? undefined });
    } catch (err) {
      if (err instanceof PairingError) throw new ApiError('pairing-failed', err.message, 'code');
      throw err;
    }
  },
};
