// The relay's drafting routes, for a paired desk (its device credential):
//   GET  /drafting        → 200 DraftingStatus (enabled false and nulls when no model is set up)
//   POST /drafting/draft  { channel, recipient, context: DraftContext } (a `staffId` is ignored)
//        → 200 application/x-ndjson, one DraftStreamLine per line (delta…, then done or error)
//        → 400 { error: 'invalid', message } naming the field; 401/403 for an unknown or revoked desk
//        → 503 { error: 'not-configured' } without a model; 402 { error: 'budget' } over the month's budget
// The context is checked field by field and rebuilt from what the schema knows: anything else the
// desk sent (an internal note, say) is dropped before a prompt is made.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { DraftContext, DraftStreamLine } from '../../src-shared/drafting/context.js';
import { monthOf } from '../storage/ai-usage-records.js';
import { authenticateDevice } from '../pairing.js';
import type { DraftService } from './draft-service.js';

export interface DraftingPluginOptions {
  service: DraftService | null;
}

const text = (max: number) => z.string().max(max);
const maybe = (max: number) => text(max).nullable();

const contextSchema = z.object({
  channel: z.enum(['sms', 'email']),
  recipient: z.enum(['customer', 'adjuster']),
  moment: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('free') }),
    z.object({ kind: z.literal('reply'), messageId: text(200) }),
    z.object({ kind: z.literal('milestone'), stage: text(200) }),
  ]),
  now: text(40),
  timeZone: text(80),
  shop: z.object({
    name: text(200),
    phone: maybe(40),
    tone: maybe(1000),
    examples: z.array(text(2000)).max(10),
    signature: maybe(1000),
  }),
  to: z.object({ name: text(200), firstName: text(200), email: maybe(320), mobile: maybe(40) }),
  ro: z.object({
    roNumber: text(40),
    claimNumber: maybe(80),
    insurer: maybe(200),
    adjusterName: maybe(200),
    vehicle: maybe(200),
    plate: maybe(40),
    stage: text(80),
    stageReachedAt: maybe(40),
    subStatus: maybe(200),
    promisedDate: maybe(20),
    promisedHistory: z.array(z.object({ from: maybe(20), to: maybe(20), reason: maybe(500), at: text(40) })).max(50),
    exceptions: z.array(z.object({ reason: text(200), note: maybe(1000), since: text(40) })).max(20),
    amounts: z.object({ estimateTotalCents: z.number().int().nullable(), deductibleCents: z.number().int().nullable() }).nullable(),
    courtesyCar: maybe(200),
    portalUrl: maybe(500),
  }),
  thread: z
    .array(
      z.object({
        id: text(200),
        direction: z.enum(['in', 'out']),
        channel: z.enum(['sms', 'portal', 'email']),
        at: text(40),
        author: text(200),
        subject: maybe(500),
        body: text(20_000),
      }),
    )
    .max(20),
  locale: z.object({ country: z.enum(['US', 'GB', 'CA']), language: z.enum(['en', 'es']) }).optional(),
});

const bodySchema = z.object({
  channel: z.enum(['sms', 'email']),
  recipient: z.enum(['customer', 'adjuster']),
  context: contextSchema,
  // Accepted and ignored: desks before the synced drafting settings sent it. Who asked for a draft
  // and who approved the sent words are the desk's audit trail (its actor), not the relay's.
  staffId: text(200).nullable().optional(),
});

export const drafting = { contextSchema, bodySchema };

export const draftingPlugin: FastifyPluginAsync<DraftingPluginOptions> = async (app, { service }) => {
  const notConfigured = { error: 'not-configured', message: 'Drafting with a model is not set up on this relay: the operator must add BAYLINE_AI_BASE_URL and BAYLINE_AI_MODEL (see the README). Drafts come from the templates.' };

  async function desk(req: { headers: { authorization?: string } }, reply: FastifyReply) {
    const auth = await authenticateDevice(app.storage, req.headers.authorization);
    if ('error' in auth) {
      await reply.code(auth.error === 'revoked' ? 403 : 401).send({ error: auth.error, message: 'The relay does not know this desk. Pair it again.' });
      return null;
    }
    return auth;
  }

  app.get('/drafting', async (req, reply) => {
    const auth = await desk(req, reply);
    if (!auth) return reply;
    if (!service) return { enabled: false, provider: null, model: null, usage: { month: monthOf(new Date()), tokens: 0, budgetTokens: null } };
    return service.status(auth.workspace.id);
  });

  app.post('/drafting/draft', { bodyLimit: 1024 * 1024 }, async (req, reply) => {
    const auth = await desk(req, reply);
    if (!auth) return reply;
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || 'body';
      return reply.code(400).send({ error: 'invalid', field, message: `The draft request is not right at "${field}": ${issue.message}.` });
    }
    const body = parsed.data;
    if (body.context.channel !== body.channel || body.context.recipient !== body.recipient) {
      const field = body.context.channel !== body.channel ? 'context.channel' : 'context.recipient';
      return reply.code(400).send({ error: 'invalid', field, message: `The draft request is not right at "${field}": it must match "${field.slice(8)}" of the request.` });
    }
    if (!service) return reply.code(503).send(notConfigured);
    // The budget check takes this draft's tokens in the same step (a conditional update), so two
    // drafts at once cannot both pass the last of the month's budget.
    const reserved = await service.reserve(auth.workspace.id, body.context as DraftContext);
    if (!reserved.ok) return reply.code(402).send({ error: 'budget', message: reserved.line.message });

    const controller = new AbortController();
    let began = false;
    // The desk hung up: stop asking the model. A draft that never began (the desk left before the
    // answer was read) gives its whole reservation back; one that began settles it itself.
    reply.raw.on('close', () => {
      if (reply.raw.writableFinished) return;
      controller.abort();
      if (!began) void service.release(reserved.reservation).catch((err: unknown) => req.log.error({ err: { message: (err as Error).message } }, 'drafting reservation not released'));
    });
    const lines = service.draft(auth.workspace.id, body.context as DraftContext, controller.signal, reserved.reservation);
    async function* ndjson() {
      began = true;
      for await (const line of lines) yield `${JSON.stringify(line satisfies DraftStreamLine)}\n`;
    }
    return reply.code(200).type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(Readable.from(ndjson()));
  });
};
