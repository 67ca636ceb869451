// What a draft is written from: the repair's own facts, the shop's tone, and the last messages of
// the thread. The desk builds it (src-main/drafting/), the template drafter and the fact guard read
// it at the desk, and the relay turns it into a model's prompt (relay/drafting/). Messages from the
// customer or the adjuster are untrusted data: they travel as quoted text, never as instructions.
// Internal notes are never part of a customer's draft context.
import type { CustomerLanguage, ShopCountry } from '../i18n/customer-locale.js';

export type DraftChannel = 'sms' | 'email';
export type DraftRecipient = 'customer' | 'adjuster';

/** Why the person asked for a draft. */
export type DraftMoment =
  | { kind: 'free' }
  /** Answering this message of the thread (its id). */
  | { kind: 'reply'; messageId: string }
  /** The repair just reached a stage (Supp Appr, Completed…): tell the person it concerns. */
  | { kind: 'milestone'; stage: string };

export interface DraftThreadMessage {
  id: string;
  direction: 'in' | 'out';
  channel: 'sms' | 'portal' | 'email';
  at: string;
  /** Who wrote it, as the desk shows it ("Zoë Nguyen", "Pat Adjuster", "Dana (shop)"). */
  author: string;
  subject: string | null;
  /** The text as written (untrusted when `direction` is 'in'). */
  body: string;
}

export interface DraftContext {
  channel: DraftChannel;
  recipient: DraftRecipient;
  moment: DraftMoment;
  /** ISO time the context was built, and the shop's IANA zone, for "today", "tomorrow". */
  now: string;
  timeZone: string;
  shop: {
    name: string;
    phone: string | null;
    /** The shop's tone in its own words ("friendly, short, no exclamation marks"). */
    tone: string | null;
    /** Messages the shop wrote that show its tone (settings, else the last approved ones sent). */
    examples: string[];
    /** Closing lines of an email (name, shop, phone). */
    signature: string | null;
    /** The shop's own email address (the guard lets it through). */
    email?: string | null;
  };
  /** The person the draft is for. */
  to: { name: string; firstName: string; email: string | null; mobile: string | null };
  ro: {
    roNumber: string;
    claimNumber: string | null;
    insurer: string | null;
    adjusterName: string | null;
    /** The adjuster's contact details (for an adjuster draft; the guard lets them through). */
    adjusterEmail?: string | null;
    adjusterPhone?: string | null;
    vehicle: string | null;
    plate: string | null;
    /** The stage as the shop names it, and when the repair reached it. */
    stage: string;
    stageReachedAt: string | null;
    subStatus: string | null;
    /** Every stage the repair reached, oldest first, as the shop names it. */
    stageHistory?: Array<{ stage: string; at: string }>;
    /** YYYY-MM-DD. */
    promisedDate: string | null;
    promisedHistory: Array<{ from: string | null; to: string | null; reason: string | null; at: string }>;
    /** Open exceptions with their standard reasons ("Parts delayed: bumper back-ordered"). */
    exceptions: Array<{ reason: string; note: string | null; since: string }>;
    /** Only when the shop shares amounts with this recipient (cents). */
    amounts: { estimateTotalCents: number | null; deductibleCents: number | null } | null;
    courtesyCar: string | null;
    /** The customer's portal link (for a customer draft only). */
    portalUrl: string | null;
  };
  /** The last messages of the repair's conversation, oldest first (at most 20). */
  thread: DraftThreadMessage[];
  /**
   * Who reads it: the shop's country (dates, money, "registration") and the reader's language (a
   * customer's own; an adjuster reads the shop's English). Absent (older desks): a US shop in English.
   */
  locale?: DraftLocale;
}

export interface DraftLocale {
  country: ShopCountry;
  language: CustomerLanguage;
}

/** The context's reader locale, with an older desk's missing one read as a US shop in English. */
export function draftLocale(ctx: Pick<DraftContext, 'locale'>): DraftLocale {
  return ctx.locale ?? { country: 'US', language: 'en' };
}

/** A fact in a draft that the context does not hold: the composer highlights it, Send asks first. */
export interface FactFlag {
  kind: 'date' | 'time' | 'amount' | 'phone' | 'ro-number' | 'claim-number' | 'url' | 'stage' | 'email';
  /** The text as it stands in the draft, and where (UTF-16 offsets into the body). */
  text: string;
  start: number;
  end: number;
  /** In the shop's words: "The repair's facts have no date 14 December." */
  why: string;
}

/** What the desk answers for "Draft". */
export interface DraftResult {
  /** The saved text draft's id (sms); null for an email draft (it stays in the composer). */
  draftId: string | null;
  subject: string | null;
  body: string;
  /** 'model' when the shop's configured model wrote it, 'template' for the template drafter. */
  source: 'model' | 'template';
  provider: string | null;
  model: string | null;
  flags: FactFlag[];
  /** Why a template draft was given instead of the model's, in the shop's words; null otherwise. */
  notice: string | null;
  /** The model's own word on its draft, when it gave a structured answer: it says the shop will check. */
  unsure?: boolean;
  /** The facts from the repair the model says its draft states (structured answers only). */
  factsUsed?: string[];
}

/** Pushed while a model writes a draft: the text so far, for the composer to show as it comes. */
export interface DraftProgressEvent {
  type: 'draft-progress';
  requestId: string;
  text: string;
}

/** The relay's drafting protocol (relay/drafting/): one line of the NDJSON answer to POST /drafting/draft. */
export type DraftStreamLine =
  | { type: 'delta'; text: string }
  /** `unsure` and `factsUsed` come with a structured answer (the model's own word on its draft). */
  | { type: 'done'; provider: string; model: string; usage: { inputTokens: number; outputTokens: number }; unsure?: boolean; factsUsed?: string[] }
  /** `invalid-answer`: the model's structured answer was not the draft's JSON (nothing usable, nothing sent). */
  | { type: 'error'; code: 'timeout' | 'rate-limited' | 'provider-error' | 'invalid-answer' | 'budget' | 'not-configured' | 'switched-off'; message: string };

/** GET /drafting at the relay. */
export interface DraftingStatus {
  enabled: boolean;
  provider: string | null;
  model: string | null;
  usage: { month: string; tokens: number; budgetTokens: number | null };
}
