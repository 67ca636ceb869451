// Drafts at the desk (issue 15): "Draft" in the text and mail composers. The shop's model writes
// through the relay when one is set up and reachable; otherwise (or when it fails) the template
// drafter writes from the same facts and the answer says why. Every draft is checked by the fact
// guard. Nothing here sends: a text draft is saved as a draft (status 'draft') through the same
// code as `sms-draft-save`; a mail draft is only returned to the composer. Only a person's Send
// (`sms-send`, `mail-compose`) approves a message.
import { ApiError } from '../../src-shared/api/errors.js';
import type { DraftMoment, DraftResult } from '../../src-shared/drafting/context.js';
import { checkFacts } from '../../src-shared/drafting/fact-guard.js';
import { templateDraft } from '../../src-shared/drafting/template-drafter.js';
import { intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import { saveTextDraft } from '../sms/handlers.js';
import { buildDraftContext } from './context.js';
import { draftThroughRelay, NOTICES, relayDraftingStatus } from './relay-drafter.js';
import { readDraftingSettings, writeDraftingSettings } from './settings.js';

/** A model's mail may open with "Subject: …": that line becomes the subject. */
function splitSubject(text: string): { subject: string | null; body: string } {
  const m = /^\s*subject:\s*(.+)\r?\n+/i.exec(text);
  return m ? { subject: m[1]!.trim(), body: text.slice(m[0].length).trim() } : { subject: null, body: text.trim() };
}

export const draftingHandlers: Partial<HandlerMap> = {
  'draft-create': async (args, ctx) => {
    const moment: DraftMoment = args.replyToId ? { kind: 'reply', messageId: args.replyToId } : args.milestone ? { kind: 'milestone', stage: args.milestone } : { kind: 'free' };
    if (args.channel === 'sms' && args.recipient !== 'customer') {
      throw new ApiError('invalid-args', 'Texts go to the customer only; write to the adjuster by email.', 'recipient');
    }
    const context = await buildDraftContext(ctx.desk, args.roId, args.channel, args.recipient, moment);
    const fallback = templateDraft(context);
    const settings = await readDraftingSettings(ctx.desk);

    let result: Omit<DraftResult, 'draftId' | 'flags'>;
    const fromTemplate = (notice: string | null) => ({ ...fallback, source: 'template' as const, provider: null, model: null, notice });
    if (!settings.enabled) {
      // Switched off: nothing goes to a provider.
      result = fromTemplate(NOTICES['switched-off']);
    } else {
      const answer = await draftThroughRelay(ctx.desk, { channel: args.channel, recipient: args.recipient, context }, (text) => {
        if (args.requestId) ctx.desk.publish({ type: 'draft-progress', requestId: args.requestId, text }, ctx.session);
      });
      if (answer.ok) {
        const split = args.channel === 'email' ? splitSubject(answer.text) : { subject: null, body: answer.text.trim() };
        result = { subject: args.channel === 'email' ? (split.subject ?? fallback.subject) : null, body: split.body, source: 'model', provider: answer.provider, model: answer.model, notice: null, ...(answer.unsure !== undefined ? { unsure: answer.unsure } : {}), ...(answer.factsUsed ? { factsUsed: answer.factsUsed } : {}) };
      } else {
        result = fromTemplate(answer.notice);
      }
    }
    if (args.requestId) ctx.desk.publish({ type: 'draft-progress', requestId: args.requestId, text: result.body }, ctx.session);

    const by = result.source === 'model' ? `${result.provider}/${result.model}` : 'the templates';
    let draftId: string | null = null;
    if (args.channel === 'sms') {
      draftId = await saveTextDraft(ctx, { roId: args.roId, body: result.body.slice(0, 1600), ...(args.draftId ? { id: args.draftId } : {}) }, `Draft made by ${by}`);
    } else {
      // A mail draft makes no row (the composer holds it until a person sends it); the trail still
      // says a draft was made, by what, and for whom — never its words. The actor is who asked.
      const forWhom = args.recipient === 'adjuster' ? 'the adjuster' : 'the customer';
      await ctx.desk.store.write({ ...intent(ctx, 'draft-create', `Mail draft for ${forWhom} made by ${by}`, args.roId), auditAlways: true }, async () => undefined);
    }
    return { ...result, draftId, flags: checkFacts(result.body, context) };
  },

  'draft-check': async (args, ctx) => {
    const context = await buildDraftContext(ctx.desk, args.roId, args.channel, args.recipient, { kind: 'free' });
    return checkFacts(args.body, context);
  },

  'drafting-settings-get': async (_args, ctx) => readDraftingSettings(ctx.desk),

  'drafting-settings-save': async (args, ctx) => {
    await readDraftingSettings(ctx.desk); // an old drafting.json is taken over first, so this save is the last word
    await writeDraftingSettings(ctx.desk, args, intent(ctx, 'drafting-settings-save', 'Drafting settings changed'));
    return readDraftingSettings(ctx.desk);
  },

  'drafting-status': async (_args, ctx) => {
    const answer = (await relayDraftingStatus(ctx.desk)) as Partial<{ enabled: boolean; provider: string | null; model: string | null; usage: { month: string; tokens: number; budgetTokens: number | null } }> | null;
    const month = ctx.desk.now().toISOString().slice(0, 7);
    if (!answer || typeof answer !== 'object') return { reachable: false, enabled: false, provider: null, model: null, usage: { month, tokens: 0, budgetTokens: null } };
    return {
      reachable: true,
      enabled: answer.enabled === true,
      provider: answer.provider ?? null,
      model: answer.model ?? null,
      usage: { month: answer.usage?.month ?? month, tokens: Number(answer.usage?.tokens ?? 0), budgetTokens: answer.usage?.budgetTokens ?? null },
    };
  },
};
