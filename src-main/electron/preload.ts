// Preload for the Bayline window: exposes exactly the typed API (call + onEvent) as
// `window.bayline`, the PC's printers as `window.baylinePrinting`, pairing links and updates as
// `window.baylineDesktop`, and nothing else of Electron or Node.
import { contextBridge, type IpcRendererEvent, ipcRenderer, webUtils } from 'electron';
import type { BaylineApi, PushEvent, ResultOf } from '../../src-shared/api/contract.js';
import type { ApiErrorBody } from '../../src-shared/api/errors.js';
import type { DesktopBridge, UpdateState } from '../../src-shared/desktop-bridge.js';
import type { PairingLink } from '../../src-shared/pairing-link.js';
import type { PrinterChoice, PrintingBridge } from '../../src-shared/printing.js';
import type { CallOutcome } from '../api/dispatch.js';

const bayline: BaylineApi = {
  async call(method, args) {
    const outcome = (await ipcRenderer.invoke('bayline:call', method, args)) as CallOutcome;
    if (outcome.ok) return outcome.result as ResultOf<typeof method>;
    // The context bridge keeps only the message of an Error; a plain object keeps code, field and
    // issues. The page turns it back into an ApiError (src-renderer/api/desk-api.ts).
    throw { ...outcome.error } satisfies ApiErrorBody;
  },

  files: {
    async upload(file, mimeType) {
      // A file the person chose or dropped has a path on this PC: the main process streams it from
      // disk. The page never learns the path, and script on the page cannot make a File with one.
      // Anything else (a pasted image, a Blob made in the page) is small and sent as bytes.
      const onDisk = file instanceof File ? webUtils.getPathForFile(file) : '';
      const outcome = (
        onDisk
          ? await ipcRenderer.invoke('bayline:file-upload-path', onDisk)
          : await ipcRenderer.invoke('bayline:file-upload', await file.arrayBuffer(), mimeType)
      ) as CallOutcome;
      if (outcome.ok) return outcome.result as { hash: string; sizeBytes: number };
      throw { ...outcome.error } satisfies ApiErrorBody;
    },
    async read(hash) {
      return (await ipcRenderer.invoke('bayline:file-read', hash)) as ArrayBuffer | null;
    },
  },

  onEvent(listener) {
    // The page gets the event only, never Electron's IpcRendererEvent (it carries `sender`).
    const forward = (_event: IpcRendererEvent, event: PushEvent) => listener(event);
    ipcRenderer.on('bayline:event', forward);
    return () => {
      ipcRenderer.removeListener('bayline:event', forward);
    };
  },
};

const printing: PrintingBridge = {
  printers: () => ipcRenderer.invoke('bayline:printers') as Promise<PrinterChoice[]>,
  print: (pdfBase64, options) => ipcRenderer.invoke('bayline:print', pdfBase64, options) as Promise<{ ok: boolean; problem: string | null }>,
};

/** Subscribes to a main-process message, handing the page only the payload. */
function listen<T>(channel: string, listener: (payload: T) => void): () => void {
  const forward = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

const desktop: DesktopBridge = {
  takePairingLink: () => ipcRenderer.invoke('bayline:pairing-link-take') as Promise<PairingLink | null>,
  onPairingLink: (listener) => listen('bayline:pairing-link', () => listener()),
  updates: {
    state: () => ipcRenderer.invoke('bayline:update-state') as Promise<UpdateState>,
    onState: (listener) => listen<UpdateState>('bayline:update-state', listener),
    restartNow: () => ipcRenderer.invoke('bayline:update-restart') as Promise<boolean>,
  },
};

contextBridge.exposeInMainWorld('bayline', bayline);
contextBridge.exposeInMainWorld('baylinePrinting', printing);
contextBridge.exposeInMainWorld('baylineDesktop', desktop);
