// Printing from the Electron window: the PC's printers, and a PDF printed through a hidden
// window that shows it in Chromium's PDF viewer (Electron prints PDFs this way since the fix in
// electron/electron#43309). The bytes printed are the bytes the person previewed.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { app, BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { PrinterChoice } from '../../src-shared/printing.js';

const MAX_PDF_BYTES = 20 * 1024 * 1024;

export function installPrinting(isOwnPage: (event: IpcMainInvokeEvent) => boolean): void {
  ipcMain.handle('bayline:printers', async (event): Promise<PrinterChoice[]> => {
    if (!isOwnPage(event)) return [];
    const printers = await event.sender.getPrintersAsync();
    return printers.map((p) => ({
      name: p.name,
      displayName: p.displayName || p.name,
      isDefault: String((p.options as Record<string, unknown>)['printer-is-default'] ?? (p as { isDefault?: boolean }).isDefault ?? '') === 'true',
    }));
  });

  ipcMain.handle('bayline:print', async (event, pdfBase64: unknown, options: unknown) => {
    if (!isOwnPage(event)) return { ok: false, problem: 'This page may not print.' };
    const request = readRequest(pdfBase64, options);
    if (!request) return { ok: false, problem: 'Bayline was asked to print something that is not one of its documents.' };
    return printPdf(request.pdf, request.printer, request.pageSize);
  });
}

function readRequest(pdfBase64: unknown, options: unknown) {
  if (typeof pdfBase64 !== 'string' || pdfBase64.length > (MAX_PDF_BYTES * 4) / 3 + 4) return null;
  const pdf = Buffer.from(pdfBase64, 'base64');
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') return null;
  const o = (options ?? {}) as { printer?: unknown; pageSizeMicrons?: { width?: unknown; height?: unknown } };
  const printer = typeof o.printer === 'string' && o.printer.length <= 300 ? o.printer : null;
  const width = Number(o.pageSizeMicrons?.width);
  const height = Number(o.pageSizeMicrons?.height);
  // Electron refuses page sizes under 352 microns; anything near a metre is not ours either.
  const valid = (n: number) => Number.isInteger(n) && n >= 352 && n <= 1_000_000;
  if (!valid(width) || !valid(height)) return null;
  return { pdf, printer, pageSize: { width, height } };
}

async function printPdf(pdf: Buffer, printer: string | null, pageSize: { width: number; height: number }) {
  const file = path.join(app.getPath('temp'), `bayline-print-${randomUUID()}.pdf`);
  await fs.writeFile(file, pdf);
  const window = new BrowserWindow({
    show: false,
    webPreferences: { plugins: true, sandbox: true, contextIsolation: true, nodeIntegration: false },
  });
  try {
    await window.loadFile(file);
    return await new Promise<{ ok: boolean; problem: string | null }>((resolve) => {
      window.webContents.print(
        // A named printer prints at once; without one the system dialog lets the person choose.
        { silent: printer !== null, deviceName: printer ?? undefined, pageSize, margins: { marginType: 'none' }, printBackground: true },
        (success, failureReason) =>
          resolve(
            success
              ? { ok: true, problem: null }
              : { ok: false, problem: failureReason === 'Print job canceled' ? null : `The printer did not take the document (${failureReason}).` },
          ),
      );
    });
  } finally {
    window.destroy();
    await fs.rm(file, { force: true });
  }
}
