// The template drafter: a useful draft from the repair's facts alone, with no model. It is what
// "Draft" gives when no model is set up, the desk is offline or the model fails. It states only
// facts the context holds (so the fact guard passes it), and where it cannot know something (a
// parts ETA, photos asked for) it says the shop will check and answer today instead of inventing.
// A customer's draft is in the customer's language and the shop country's words (the `draft`
// group of src-shared/i18n's catalogues, dates through Intl); an adjuster's is in the shop's
// English. A text aims at one segment by leaving out the least needed sentences; an email has a
// greeting and the shop's signature.
import { customerWords, type CustomerWords } from '../i18n/index.js';
import { DELAY_REASONS, type DelayReason } from '../exceptions.js';
import { countSegments } from '../sms/segments.js';
import { type Stage, STAGE_LABELS } from '../stages.js';
import { type DraftContext, type DraftThreadMessage, draftLocale } from './context.js';

/**
 * "Wednesday, Dec 16" (en-US), "Wednesday 16 Dec" (en-GB), "miércoles, 16 de diciembre" (Spanish,
 * month written out): forms the fact guard reads back. A date more than about five months from
 * `now` carries its year ("Friday, Dec 4, 2037"): without one, a reader (and the guard) takes the
 * nearest Dec 4.
 */
export function draftDate(iso: string, now: string, intl = 'en-US'): string {
  const at = new Date(`${iso}T12:00:00Z`);
  const far = Math.abs(at.getTime() - Date.parse(now)) > 150 * 86_400_000;
  const month = intl.startsWith('es') ? 'long' : 'short';
  return new Intl.DateTimeFormat(intl, { weekday: 'long', month, day: 'numeric', ...(far ? { year: 'numeric' } : {}), timeZone: 'UTC' }).format(at);
}

/** The words a draft to this reader is written in. */
function wordsFor(ctx: DraftContext): CustomerWords {
  const { country, language } = draftLocale(ctx);
  return customerWords(country, ctx.recipient === 'customer' ? language : 'en', { pseudo: false });
}

const STAGE_BY_LABEL = new Map(Object.entries(STAGE_LABELS).map(([key, label]) => [label.toLowerCase(), key as Stage]));
const DELAY_BY_LABEL = new Map(Object.entries(DELAY_REASONS).map(([key, label]) => [label.toLowerCase(), key as DelayReason]));

/** The stage's name in the reader's words ("Terminado"), or the shop's own name for a stage of its own. */
function stageName(stage: string, w: CustomerWords): string {
  const key = STAGE_BY_LABEL.get(stage.toLowerCase());
  return key ? w.t(`stages.${key}.label`) : stage;
}

/** A standard delay reason in the reader's words; the shop's own reasons stay as written. */
function reasonName(reason: string, w: CustomerWords): string {
  const key = DELAY_BY_LABEL.get(reason.toLowerCase());
  return key && key !== 'other' ? w.t(`delays.${key}`) : reason;
}

function lastInbound(ctx: DraftContext): DraftThreadMessage | null {
  if (ctx.moment.kind === 'reply') {
    const id = ctx.moment.messageId;
    const m = ctx.thread.find((t) => t.id === id);
    if (m) return m;
  }
  const last = ctx.thread[ctx.thread.length - 1];
  return ctx.moment.kind !== 'milestone' && last?.direction === 'in' ? last : null;
}

const asks = {
  photos: /\b(photo|picture|pic|image)s?\b/i,
  eta: /\b(when|ready|eta|how long|done|finish|pick ?up|status|update)\b/i,
  money: /\b(cost|price|pay|owe|deductible|bill|invoice|charge|free|\$)/i,
  rental: /\b(rental|loaner|courtesy car)\b/i,
  angry: /\b(ridiculous|unacceptable|angry|upset|frustrat|terrible|worst|again\?|still waiting|no one|nobody)\b|!{2,}/i,
};

interface Sentence {
  text: string;
  /** Lower goes first to be dropped when a text is too long. */
  keep: number;
}

function stageSentence(ctx: DraftContext, w: CustomerWords): string {
  const car = ctx.ro.vehicle ? w.t('draft.yourVehicle', { vehicle: ctx.ro.vehicle }) : w.t('common.yourCar');
  const stage = ctx.ro.stage;
  const key = STAGE_BY_LABEL.get(stage.toLowerCase());
  switch (key) {
    case 'completed':
      return cap(w.t('draft.finished', { car }), w);
    case 'delivered':
      return w.t('draft.thanks', { car });
    case 'supplement-approved':
      return w.t('draft.supplementApproved', { car });
    case 'supplement-sent':
      return w.t('draft.supplementSent', { car });
    default:
      return cap(w.t('draft.atStage', { car, stage: stageName(stage, w) }), w);
  }
}

function cap(s: string, w: CustomerWords): string {
  return s.charAt(0).toLocaleUpperCase(w.locale.intl) + s.slice(1);
}

function customerSentences(ctx: DraftContext, w: CustomerWords): Sentence[] {
  const ro = ctx.ro;
  const inbound = lastInbound(ctx);
  const out: Sentence[] = [];
  const done = ['completed', 'delivered'].includes(STAGE_BY_LABEL.get(ro.stage.toLowerCase()) ?? '');
  if (inbound && asks.angry.test(inbound.body)) out.push({ text: w.t('draft.sorry'), keep: 8 });
  const milestone = ctx.moment.kind === 'milestone';
  out.push({ text: stageSentence(ctx, w), keep: 9 });
  const exceptions = ro.exceptions;
  if (exceptions.length > 0 && !done) {
    const e = exceptions[0]!;
    const reason = reasonName(e.reason, w);
    out.push({ text: e.note ? w.t('draft.holdUpNote', { reason, note: e.note }) : w.t('draft.holdUp', { reason }), keep: 7 });
    out.push({ text: /part/i.test(e.reason) ? w.t('draft.checkParts') : w.t('draft.checkThis'), keep: 9 });
  } else if (ro.promisedDate && !done) {
    out.push({ text: w.t('draft.expectReady', { date: draftDate(ro.promisedDate, ctx.now, w.locale.intl) }), keep: 8 });
  } else if (!ro.promisedDate && !done && inbound && asks.eta.test(inbound.body)) {
    out.push({ text: w.t('draft.checkTiming'), keep: 9 });
  }
  if (inbound && asks.money.test(inbound.body)) out.push({ text: w.t('draft.checkNumbers'), keep: 8 });
  if (inbound && asks.rental.test(inbound.body)) {
    out.push({ text: ro.courtesyCar ? w.t('draft.courtesyCar', { car: ro.courtesyCar }) : w.t('draft.checkRental'), keep: 7 });
  }
  if (inbound && asks.photos.test(inbound.body) && !asks.eta.test(inbound.body)) out.push({ text: w.t('draft.sendPhotos'), keep: 7 });
  if (STAGE_BY_LABEL.get(ro.stage.toLowerCase()) === 'completed' && ctx.shop.phone) out.push({ text: w.t('draft.callForPickup', { phone: ctx.shop.phone }), keep: 6 });
  if (ro.portalUrl && !milestone) out.push({ text: w.t('draft.followAlong', { link: ro.portalUrl }), keep: 3 });
  else if (ro.portalUrl) out.push({ text: w.t('draft.details', { link: ro.portalUrl }), keep: 4 });
  return out;
}

function adjusterSentences(ctx: DraftContext, w: CustomerWords): Sentence[] {
  const ro = ctx.ro;
  const inbound = lastInbound(ctx);
  const out: Sentence[] = [];
  const ids = [`RO ${ro.roNumber}`, ro.claimNumber ? `claim ${ro.claimNumber}` : null, ro.vehicle].filter(Boolean).join(', ');
  out.push({ text: `About ${ids}: the repair is at the ${ro.stage} stage.`, keep: 9 });
  for (const e of ro.exceptions) out.push({ text: `Open: ${e.reason}${e.note ? ` (${e.note})` : ''}.`, keep: 7 });
  if (ro.promisedDate) out.push({ text: `Our target date for the customer is ${draftDate(ro.promisedDate, ctx.now, w.locale.intl)}.`, keep: 8 });
  if (inbound && asks.photos.test(inbound.body)) out.push({ text: "I'll send the photos you asked for today.", keep: 9 });
  else if (inbound) out.push({ text: "I'll check on your question and get back to you today.", keep: 8 });
  if (ctx.moment.kind === 'milestone' && /supplement sent/i.test(ctx.moment.stage)) {
    out.push({ text: 'We sent a supplement for your review; please let us know if you need anything more.', keep: 8 });
  }
  return out;
}

function emailSubject(ctx: DraftContext, w: CustomerWords): string {
  const inbound = lastInbound(ctx);
  if (inbound?.subject) return /^\s*re\s*:/i.test(inbound.subject) ? inbound.subject : `Re: ${inbound.subject}`;
  const what = ctx.recipient === 'adjuster' ? [`RO ${ctx.ro.roNumber}`, ctx.ro.claimNumber ? `claim ${ctx.ro.claimNumber}` : null].filter(Boolean).join(', ') : ctx.ro.vehicle ?? `RO ${ctx.ro.roNumber}`;
  return w.t('draft.subject', { what, stage: ctx.recipient === 'adjuster' ? ctx.ro.stage : stageName(ctx.ro.stage, w) });
}

export function templateDraft(ctx: DraftContext): { subject: string | null; body: string } {
  const w = wordsFor(ctx);
  const first = ctx.recipient === 'adjuster' ? (ctx.ro.adjusterName?.split(/\s+/)[0] ?? ctx.to.firstName) : ctx.to.firstName;
  const sentences = ctx.recipient === 'adjuster' ? adjusterSentences(ctx, w) : customerSentences(ctx, w);
  if (ctx.channel === 'email') {
    const greeting = first ? w.t('draft.mailHi', { name: first }) : w.t('draft.mailHello');
    const signature = ctx.shop.signature?.trim() || [ctx.shop.name, ctx.shop.phone].filter(Boolean).join('\n');
    const body = `${greeting}\n\n${sentences.map((s) => s.text).join(' ')}\n\n${w.t('draft.mailThanks')}\n${signature}`;
    return { subject: emailSubject(ctx, w), body };
  }
  // A text: drop the least needed sentences until it fits (or nothing is left to drop): one
  // GSM-7 segment, 160 characters. Spanish letters outside GSM-7 (á, í, ó, ú, or a name's ë) make
  // a text UCS-2, 70 characters a segment: such a text keeps the same 160 characters over three
  // segments, so a Spanish reader is told as much as an English one instead of a 70-character stub.
  const sign = ctx.shop.name ? ` - ${ctx.shop.name}` : '';
  // After "Hi Ana," a sentence opening with "Your" / "Su" reads on in lower case.
  const your = `${w.t('draft.your')} `;
  const compose = (list: Sentence[]) => {
    const words = list.map((s) => s.text).join(' ');
    const after = words.startsWith(your) ? `${your.toLocaleLowerCase(w.locale.intl)}${words.slice(your.length)}` : words;
    return `${first ? w.t('draft.textHi', { name: first, words: after }) : words}${sign}`;
  };
  let list = [...sentences];
  let text = compose(list);
  const fits = (t: string) => {
    const count = countSegments(t);
    return count.encoding === 'UCS-2' ? count.characters <= 160 : count.segments <= 1;
  };
  while (!fits(text)) {
    const lowest = list.reduce((min, s) => (s.keep < min.keep ? s : min), list[0]!);
    if (!lowest || lowest.keep >= 7) break;
    list = list.filter((s) => s !== lowest);
    text = compose(list);
  }
  return { subject: null, body: text };
}
