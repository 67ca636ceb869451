// The structured answer a model gives for a draft (issue 15): `{ body, factsUsed, unsure }`,
// asked for with a JSON schema (`response_format: { type: 'json_schema', … }` on an
// OpenAI-compatible endpoint) so the draft text comes with the facts the model says it used and
// whether it was unsure. The answer still streams: `BodyStreamer` reads the `body` string out of
// the JSON as it arrives (escapes decoded, a half-written escape held back), so the composer fills
// word by word. At the end the whole answer is parsed and checked with zod; anything else (not
// JSON, a missing field, an empty body) is an invalid answer the desk replaces by its template.
import { z } from 'zod';

/** The schema the model is held to (strict: every field required, nothing else). */
export const DRAFT_JSON_SCHEMA = {
  name: 'bayline_draft',
  strict: true,
  schema: {
    type: 'object',
    properties: {
      body: { type: 'string', description: 'The message text, exactly as it would be sent.' },
      factsUsed: { type: 'array', items: { type: 'string' }, description: 'Each fact from the FACTS block the message states, as written there.' },
      unsure: { type: 'boolean', description: 'True when the message says the shop will check rather than answer.' },
    },
    required: ['body', 'factsUsed', 'unsure'],
    additionalProperties: false,
  },
} as const;

export const structuredDraftSchema = z.object({
  body: z.string().trim().min(1, 'the draft text is empty').max(10_000, 'the draft text is longer than 10,000 characters'),
  factsUsed: z.array(z.string().max(500)).max(50),
  unsure: z.boolean(),
});

export type StructuredDraft = z.infer<typeof structuredDraftSchema>;

/** The rule added to the system message when the answer is structured. */
export const STRUCTURED_ANSWER_RULE =
  'Answer with JSON only: "body" is the message text exactly as it would be sent; "factsUsed" lists each fact from the FACTS block the message states; "unsure" is true when the message says the shop will check instead of answering.';

/** The answer checked, or what is wrong with it in plain words. */
export function parseStructuredDraft(raw: string): { ok: true; draft: StructuredDraft } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, why: 'the answer is not JSON' };
  }
  const parsed = structuredDraftSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, why: `"${issue.path.join('.') || 'answer'}": ${issue.message}` };
  }
  return { ok: true, draft: parsed.data };
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * The `body` string of a JSON answer that is still arriving: feed it the raw pieces, it gives
 * back the new text of `body` each time (empty until `"body": "` has come, and after its end).
 */
export class BodyStreamer {
  private raw = '';
  private shown = 0;

  /** Adds a raw piece; returns the body text that piece completed. */
  push(piece: string): string {
    this.raw += piece;
    const text = this.bodySoFar();
    const fresh = text.slice(this.shown);
    this.shown = text.length;
    return fresh;
  }

  get answer(): string {
    return this.raw;
  }

  /** The decoded body as far as it can be read. A draft is short: reading again each time is cheap. */
  private bodySoFar(): string {
    const start = /"body"\s*:\s*"/.exec(this.raw);
    if (!start) return '';
    let out = '';
    for (let i = start.index + start[0].length; i < this.raw.length; i += 1) {
      const c = this.raw[i]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = this.raw[i + 1];
      if (next === undefined) return out;
      if (next === 'u') {
        const hex = this.raw.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return out;
        const code = parseInt(hex, 16);
        // A high surrogate waits for its low half.
        if (code >= 0xd800 && code <= 0xdbff) {
          const low = /^\\u([0-9a-fA-F]{4})/.exec(this.raw.slice(i + 6, i + 12));
          if (!low) return out;
          out += String.fromCharCode(code, parseInt(low[1]!, 16));
          i += 11;
          continue;
        }
        out += String.fromCharCode(code);
        i += 5;
        continue;
      }
      out += ESCAPES[next] ?? next;
      i += 1;
    }
    return out;
  }
}
