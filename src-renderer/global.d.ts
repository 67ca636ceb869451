// The typed API object both transports install: Electron's preload, or the browser host's WebSocket.
import type { BaylineApi } from '../src-shared/api/contract.js';
import type { DesktopBridge } from '../src-shared/desktop-bridge.js';
import type { PrintingBridge } from '../src-shared/printing.js';

declare global {
  interface Window {
    bayline: BaylineApi;
    /** Present in the Electron window only: the PC's printers. */
    baylinePrinting?: PrintingBridge;
    /** Present in the installed desk only: pairing links it was opened with, and updates. */
    baylineDesktop?: DesktopBridge;
  }
}

export {};
