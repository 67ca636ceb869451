// The typed API object both transports install: Electron's preload, or the browser host's WebSocket.
import type { BaylineApi } from '../src-shared/api/contract.js';

declare global {
  interface Window {
    bayline: BaylineApi;
  }
}

export {};
