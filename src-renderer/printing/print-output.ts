// Where a rendered document goes: to a printer of this PC in the Electron window, or, in the
// browser host, to a new tab showing the PDF (the browser's own print button takes it from there).
import type { PrintPreference, RenderedPrint } from '../../src-shared/printing.js';
import { base64Bytes } from './PdfPreview.js';

export type PrintOutcome = { ok: true; how: 'printed' | 'opened' } | { ok: false; problem: string };

export async function sendToPrinter(doc: RenderedPrint, preference: PrintPreference): Promise<PrintOutcome> {
  const bridge = window.baylinePrinting;
  if (bridge) {
    const result = await bridge.print(doc.pdfBase64, { printer: preference.printer, pageSizeMicrons: doc.pageSizeMicrons });
    return result.ok ? { ok: true, how: 'printed' } : { ok: false, problem: result.problem ?? 'Printing was cancelled.' };
  }
  const url = URL.createObjectURL(new Blob([base64Bytes(doc.pdfBase64) as BlobPart], { type: 'application/pdf' }));
  const opened = window.open(url, '_blank');
  // The tab keeps its own copy of the bytes once loaded.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return opened ? { ok: true, how: 'opened' } : { ok: false, problem: 'The browser blocked the new tab. Allow pop-ups for the Bayline desk, then try again.' };
}

/** Whether this window can print straight to a printer (Electron) or opens PDFs instead (browser). */
export function canPrintDirectly(): boolean {
  return window.baylinePrinting !== undefined;
}
