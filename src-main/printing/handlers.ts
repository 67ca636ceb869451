// Printing as API methods: render a document (the real PDF the screen previews and prints) and
// the paper and printer this PC uses for each kind.
import { pageSizeMicrons } from '../../src-shared/printing.js';
import { countryProfile } from '../../src-shared/locale/country.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { readSettings } from '../workspace/handlers.js';
import { printFileName, renderPrintDocument } from './documents.js';
import { gatherPrintData } from './print-data.js';
import { readPrintSettings, savePrintSettings } from './print-settings.js';

/** Letter or A4, by the shop's country: what a PC prints on until someone picks otherwise. */
async function shopPaper(desk: Desk): Promise<'letter' | 'a4'> {
  return countryProfile((await readSettings(desk)).country).paper;
}

export const printingHandlers: Partial<HandlerMap> = {
  'print-render': async (args, ctx) => {
    const paper = args.paper ?? readPrintSettings(ctx.desk.dataDir, await shopPaper(ctx.desk))[args.kind].paper;
    const data = await gatherPrintData(ctx, args.roId, args.kind);
    const printed = await renderPrintDocument(args.kind, paper, data);
    return {
      kind: args.kind,
      paper,
      fileName: printFileName(args.kind, data.ro.roNumber),
      pdfBase64: printed.pdf.toString('base64'),
      pageSizeMicrons: pageSizeMicrons(printed.page.width, printed.page.height),
      customerUrl: data.customerUrl,
      problem: data.customerUrlProblem,
    };
  },

  'print-settings-get': async (_args, { desk }) => readPrintSettings(desk.dataDir, await shopPaper(desk)),

  'print-settings-save': async (args, { desk }) => savePrintSettings(desk.dataDir, args.kind, args, await shopPaper(desk)),
};
