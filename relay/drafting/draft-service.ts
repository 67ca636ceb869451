// Writing a draft with the operator's model: the `openai` SDK against the configured
// OpenAI-compatible endpoint, streamed, each piece of text passed on as it comes. The service
// holds the timings: the first word must come within `firstTokenMs` and the whole draft within
// `timeoutMs`; a 429 or a 5xx is tried again with a growing pause, but only before any text was
// passed on (a draft is never stitched from two answers). Each draft's tokens are added to the
// shop's month (relay/storage/ai-usage-records.ts), and a shop over its budget is refused before
// anything is sent. Prompts and drafts are never logged: only counts and durations.
import type { FastifyBaseLogger } from 'fastify';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { DraftContext, DraftingStatus, DraftStreamLine } from '../../src-shared/drafting/context.js';
import { type AiReservation, monthOf } from '../storage/ai-usage-records.js';
import type { RelayStorage } from '../storage/types.js';
import type { DraftingConfig } from './config.js';
import { buildDraftMessages, type ChatMessage } from './prompt.js';
import { BodyStreamer, DRAFT_JSON_SCHEMA, parseStructuredDraft, type StructuredDraft } from './structured.js';

type ErrorLine = Extract<DraftStreamLine, { type: 'error' }>;

export interface DraftServiceOptions {
  config: DraftingConfig;
  /** The clock (the month a draft counts in); tests move it. */
  now?: () => Date;
  /** First pause before trying again after a 429 or a 5xx (doubles each time). */
  retryBaseMs?: number;
}

const seconds = (ms: number) => `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;

/** An HTTP error from either SDK (both are Stainless clients with the same error shape). */
const isApiError = (err: unknown): err is { status: number | undefined; headers: Headers | undefined } => err instanceof OpenAI.APIError || err instanceof Anthropic.APIError;
const isTimeout = (err: unknown) => err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError;

/** A 429's or 503's "retry-after-ms" / "retry-after" (seconds), when the provider sent one. */
function retryAfterMs(err: unknown): number | null {
  const headers = isApiError(err) ? err.headers : undefined;
  const precise = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(precise) && precise > 0) return precise;
  const seconds = Number(headers?.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

/** Rough tokens of a text, when a server does not report usage (about four characters a token). */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** What a draft reserves for its answer before it is asked for (a text or a short mail is well under). */
export const RESERVED_OUTPUT_TOKENS = 500;

export class DraftService {
  private readonly openai: OpenAI | null = null;
  private readonly anthropic: Anthropic | null = null;
  private readonly now: () => Date;
  /** The answer is JSON held to DRAFT_JSON_SCHEMA (OpenAI-compatible endpoints, unless switched off). */
  readonly structured: boolean;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: DraftServiceOptions,
  ) {
    const { config } = options;
    // Our own retries (before the first word only) and timers: the SDK's are off.
    if (config.api === 'anthropic') {
      this.anthropic = new Anthropic({ baseURL: config.baseUrl, apiKey: config.apiKey, timeout: config.timeoutMs, maxRetries: 0, logLevel: 'off' });
    } else {
      this.openai = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey, timeout: config.timeoutMs, maxRetries: 0, logLevel: 'off' });
    }
    this.structured = config.api !== 'anthropic' && config.structuredOutput !== false;
    this.now = options.now ?? (() => new Date());
  }

  get config(): DraftingConfig {
    return this.options.config;
  }

  async status(workspaceId: string): Promise<DraftingStatus> {
    const month = monthOf(this.now());
    const used = await this.storage.aiUsage.get(workspaceId, month);
    return {
      enabled: true,
      provider: this.config.provider,
      model: this.config.model,
      usage: { month, tokens: used.inputTokens + used.outputTokens, budgetTokens: this.config.monthlyTokens },
    };
  }

  private budgetLine(month: string, budget: number): ErrorLine {
    return {
      type: 'error',
      code: 'budget',
      message: `This shop has used its drafting allowance for ${month} (${budget.toLocaleString('en-US')} tokens). Drafts come from the templates until next month, or ask the relay's operator for more.`,
    };
  }

  /** Null when the shop may draft; else why not, in the shop's words (a look, not a reservation). */
  async overBudget(workspaceId: string): Promise<ErrorLine | null> {
    const budget = this.config.monthlyTokens;
    if (budget === null) return null;
    const month = monthOf(this.now());
    const used = await this.storage.aiUsage.get(workspaceId, month);
    return used.inputTokens + used.outputTokens < budget ? null : this.budgetLine(month, budget);
  }

  /**
   * Reserves this draft's likely tokens (its prompt and RESERVED_OUTPUT_TOKENS) from the shop's
   * month in one conditional update, or says the budget is used up. Two drafts at the same moment
   * cannot both pass the last of a budget; the draft that passes may cross the line and completes.
   */
  async reserve(workspaceId: string, ctx: DraftContext): Promise<{ ok: true; reservation: AiReservation } | { ok: false; line: ErrorLine }> {
    const month = monthOf(this.now());
    const prompt = buildDraftMessages(ctx, { structured: this.structured }).reduce((n, m) => n + m.content.length, 0);
    const reservation = await this.storage.aiUsage.reserve({ workspaceId, month, tokens: Math.ceil(prompt / 4) + RESERVED_OUTPUT_TOKENS, budget: this.config.monthlyTokens });
    if (reservation) return { ok: true, reservation };
    return { ok: false, line: this.budgetLine(month, this.config.monthlyTokens ?? 0) };
  }

  /** Gives a reservation back whole (a draft that was never asked of the model). */
  release(reservation: AiReservation): Promise<void> {
    return this.storage.aiUsage.settle(reservation, { inputTokens: 0, outputTokens: 0 });
  }

  /**
   * The draft as NDJSON lines: deltas, then `done` with the usage, or an `error` line. Never
   * throws; `signal` ends it early (the desk went away), and nothing more is asked of the model.
   */
  async *draft(workspaceId: string, ctx: DraftContext, signal?: AbortSignal, reservation?: AiReservation): AsyncGenerator<DraftStreamLine> {
    const started = performance.now();
    const { config } = this;
    const messages = buildDraftMessages(ctx, { structured: this.structured });
    const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal?.addEventListener('abort', stop, { once: true });
    let why: 'first-token' | 'overall' | null = null;
    const overall = setTimeout(() => {
      why = 'overall';
      controller.abort();
    }, config.timeoutMs);
    let firstToken: NodeJS.Timeout | undefined;
    let text = '';
    let raw = '';
    const streamer = this.structured ? new BodyStreamer() : null;
    let usage: { inputTokens: number; outputTokens: number } | null = null;
    let attempts = 0;
    let firstTokenMs: number | null = null;
    let outcome: string = 'done';
    try {
      for (;;) {
        attempts += 1;
        firstToken = setTimeout(() => {
          why = 'first-token';
          controller.abort();
        }, config.firstTokenMs);
        try {
          for await (const piece of this.ask(messages, controller.signal)) {
            if (piece.usage) usage = piece.usage;
            if (!piece.text) continue;
            if (raw === '') {
              clearTimeout(firstToken);
              firstTokenMs = performance.now() - started;
            }
            raw += piece.text;
            // A structured answer is JSON: only the words of its "body" go to the composer.
            const visible = streamer ? streamer.push(piece.text) : piece.text;
            if (visible) {
              text += visible;
              yield { type: 'delta', text: visible };
            }
          }
          clearTimeout(firstToken);
          // The SDK ends the stream quietly when it is aborted: a timer or the desk stopped it.
          if (controller.signal.aborted) throw new OpenAI.APIUserAbortError();
          let checked: StructuredDraft | null = null;
          if (streamer) {
            const parsed = parseStructuredDraft(raw);
            if (!parsed.ok) {
              outcome = 'invalid-answer';
              yield { type: 'error', code: 'invalid-answer', message: `The model's answer was not a usable draft (${parsed.why}). Nothing was sent: use the template draft, or try again.` };
              return;
            }
            checked = parsed.draft;
          }
          if (text.trim() === '') {
            outcome = 'empty';
            yield { type: 'error', code: 'provider-error', message: 'The model answered with an empty draft. Try again, or use the template draft.' };
            return;
          }
          const used = usage ?? { inputTokens: estimateTokens(messages.map((m) => m.content).join('')), outputTokens: estimateTokens(raw) };
          yield { type: 'done', provider: config.provider, model: config.model, usage: used, ...(checked ? { unsure: checked.unsure, factsUsed: checked.factsUsed } : {}) };
          return;
        } catch (err) {
          clearTimeout(firstToken);
          const line = this.failure(err, why, signal);
          const status = isApiError(err) ? err.status : undefined;
          const retryable = raw === '' && why === null && !signal?.aborted && (status === 429 || (status !== undefined && status >= 500));
          if (retryable && attempts <= config.maxRetries) {
            // The provider's own "try again in…" wins when it is longer; past the timeout, stop now.
            const pause = Math.max((this.options.retryBaseMs ?? 250) * 2 ** (attempts - 1), retryAfterMs(err) ?? 0);
            const left = config.timeoutMs - (performance.now() - started);
            if (pause < left - 100) {
              await new Promise((r) => setTimeout(r, pause));
              continue;
            }
          }
          outcome = line.code;
          yield line;
          return;
        }
      }
    } finally {
      clearTimeout(overall);
      clearTimeout(firstToken);
      signal?.removeEventListener('abort', stop);
      if (signal?.aborted) outcome = 'desk-left';
      const counted = usage ?? { inputTokens: attempts > 0 && (raw !== '' || outcome === 'done') ? Math.ceil(promptChars / 4) : 0, outputTokens: estimateTokens(raw) };
      // A reserved draft settles its reservation to what it used; otherwise its usage is added.
      await (reservation
        ? this.storage.aiUsage.settle(reservation, counted)
        : this.storage.aiUsage.add({ workspaceId, month: monthOf(this.now()), inputTokens: counted.inputTokens, outputTokens: counted.outputTokens }))
        .catch((err: unknown) => this.log.error({ err: { message: (err as Error).message } }, 'drafting usage not recorded'));
      // Counts and durations only: never the prompt, never the draft.
      this.log.info(
        { workspaceId, outcome, attempts, ms: Math.round(performance.now() - started), firstTokenMs: firstTokenMs === null ? null : Math.round(firstTokenMs), inputTokens: counted.inputTokens, outputTokens: counted.outputTokens, chars: raw.length },
        'draft written',
      );
    }
  }

  /** The model's answer as it streams, whichever SDK: pieces of text, and the usage when told. */
  private async *ask(messages: ChatMessage[], signal: AbortSignal): AsyncGenerator<{ text?: string; usage?: { inputTokens: number; outputTokens: number } }> {
    const { config } = this;
    if (this.anthropic) {
      // The Messages API takes the rules as `system` and the facts, thread and task as the user's turn.
      const stream = await this.anthropic.messages.create(
        {
          model: config.model,
          max_tokens: 1024,
          system: messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n'),
          messages: messages.filter((m) => m.role !== 'system').map((m) => ({ role: 'user' as const, content: m.content })),
          stream: true,
        },
        { signal, timeout: config.timeoutMs },
      );
      let inputTokens = 0;
      for await (const event of stream) {
        if (event.type === 'message_start') inputTokens = event.message.usage.input_tokens;
        else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') yield { text: event.delta.text };
        else if (event.type === 'message_delta') yield { usage: { inputTokens: event.usage.input_tokens ?? inputTokens, outputTokens: event.usage.output_tokens } };
      }
      return;
    }
    const stream = await this.openai!.chat.completions.create(
      {
        model: config.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0.3,
        ...(this.structured ? { response_format: { type: 'json_schema' as const, json_schema: DRAFT_JSON_SCHEMA } } : {}),
      },
      { signal, timeout: config.timeoutMs },
    );
    for await (const chunk of stream) {
      if (chunk.usage) yield { usage: { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 } };
      const piece = chunk.choices[0]?.delta?.content;
      if (piece) yield { text: piece };
    }
  }

  private failure(err: unknown, why: 'first-token' | 'overall' | null, signal?: AbortSignal): ErrorLine {
    const { config } = this;
    if (why === 'first-token') return { type: 'error', code: 'timeout', message: `The model did not start writing within ${seconds(config.firstTokenMs)}. Use the template draft, or try again in a moment.` };
    if (why === 'overall' || isTimeout(err)) return { type: 'error', code: 'timeout', message: `The model did not finish the draft within ${seconds(config.timeoutMs)}. Use the template draft, or try again in a moment.` };
    if (signal?.aborted) return { type: 'error', code: 'provider-error', message: 'The draft was stopped.' };
    if (isApiError(err) && err.status === 429) return { type: 'error', code: 'rate-limited', message: 'The model\'s provider is busy (too many requests). Use the template draft, or try again in a minute.' };
    if (isApiError(err) && err.status !== undefined) return { type: 'error', code: 'provider-error', message: `The model's provider answered with an error (${err.status}). Use the template draft, or try again later.` };
    return { type: 'error', code: 'provider-error', message: 'The relay could not reach the model\'s provider. Use the template draft, or try again later.' };
  }
}
