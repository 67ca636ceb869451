// E-signature as API methods: the repair's signature requests and the customer's consent, making
// a document to sign (or to print for a wet signature), withdrawing one, and the shop's terms.
import { esignTermsSchema } from '../../src-shared/esign/desk-args.js';
import { intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import { SETTINGS_ID } from '../workspace/handlers.js';
import { createSignatureRequest, listSignatures, makeSignatureDocument, readEsignTerms, voidSignatureRequest } from './requests.js';

export const esignHandlers: Partial<HandlerMap> = {
  'esign-list': async (args, { desk }) => listSignatures(desk, args.roId),

  'esign-create': async (args, ctx) => {
    await createSignatureRequest(ctx, args);
    return listSignatures(ctx.desk, args.roId);
  },

  'esign-render': async (args, ctx) => {
    const made = await makeSignatureDocument(ctx, args);
    return { title: made.title, fileName: made.fileName, pdfBase64: made.pdf.toString('base64'), pages: made.pages, detail: made.detail };
  },

  'esign-void': async (args, ctx) => {
    const roId = await voidSignatureRequest(ctx, args.id, args.reason ?? null);
    return listSignatures(ctx.desk, roId);
  },

  'esign-terms-get': async (_args, { desk }) => readEsignTerms(desk),

  'esign-terms-save': async (args, ctx) => {
    const terms = esignTermsSchema.parse(args);
    await ctx.desk.store.write(intent(ctx, 'esign-terms-save', 'E-signature terms changed'), async (tx) => {
      const current = await tx.get('workspace_settings', SETTINGS_ID);
      if (current) await tx.update('workspace_settings', SETTINGS_ID, { esign_terms: JSON.stringify(terms) });
      else await tx.insert('workspace_settings', { id: SETTINGS_ID, esign_terms: JSON.stringify(terms) });
    });
    return readEsignTerms(ctx.desk);
  },
};
