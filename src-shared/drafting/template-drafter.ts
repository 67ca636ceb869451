// The template drafter: a useful draft from the repair's facts alone, with no model. It is what
// "Draft" gives when no model is set up, the desk is offline or the model fails. It states only
// facts the context holds (so the fact guard passes it), and where it cannot know something (a
// parts ETA, photos asked for) it says the shop will check and answer today instead of inventing.
// A text aims at one GSM-7 segment (160 characters) by leaving out the least needed sentences; an
// email has a greeting and the shop's signature.
import { countSegments } from '../sms/segments.js';
import type { DraftContext, DraftThreadMessage } from './context.js';

/**
 * "Wednesday, Dec 16" — a form the fact guard reads back. A date more than about five months from
 * `now` carries its year ("Friday, Dec 4, 2037"): without one, a reader (and the guard) takes the
 * nearest Dec 4.
 */
export function draftDate(iso: string, now: string): string {
  const at = new Date(`${iso}T12:00:00Z`);
  const far = Math.abs(at.getTime() - Date.parse(now)) > 150 * 86_400_000;
  return new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'short', day: 'numeric', ...(far ? { year: 'numeric' } : {}), timeZone: 'UTC' }).format(at);
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

function stageSentence(ctx: DraftContext): string {
  const v = ctx.ro.vehicle ? `your ${ctx.ro.vehicle}` : 'your car';
  const stage = ctx.ro.stage;
  switch (stage.toLowerCase()) {
    case 'completed':
      return `${cap(v)} is finished and ready for pickup.`;
    case 'delivered':
      return `Thank you for trusting us with ${v}.`;
    case 'supplement approved':
      return `Your insurer approved the extra repairs on ${v}.`;
    case 'supplement sent':
      return `We found more damage on ${v} and asked your insurer to approve it.`;
    default:
      return `${cap(v)} is at the ${stage} stage.`;
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function customerSentences(ctx: DraftContext): Sentence[] {
  const ro = ctx.ro;
  const inbound = lastInbound(ctx);
  const out: Sentence[] = [];
  const done = ['completed', 'delivered'].includes(ro.stage.toLowerCase());
  if (inbound && asks.angry.test(inbound.body)) out.push({ text: "I'm sorry for the wait and the worry.", keep: 8 });
  const milestone = ctx.moment.kind === 'milestone';
  out.push({ text: stageSentence(ctx), keep: 9 });
  const exceptions = ro.exceptions;
  if (exceptions.length > 0 && !done) {
    const e = exceptions[0]!;
    out.push({ text: `${e.reason}${e.note ? ` (${e.note})` : ''}.`, keep: 7 });
    const parts = /part/i.test(e.reason) ? 'the parts ETA' : 'this';
    out.push({ text: `I'll check on ${parts} and get back to you today.`, keep: 9 });
  } else if (ro.promisedDate && !done) {
    out.push({ text: `We expect it ready ${draftDate(ro.promisedDate, ctx.now)}.`, keep: 8 });
  } else if (!ro.promisedDate && !done && inbound && asks.eta.test(inbound.body)) {
    out.push({ text: "I'll check on the timing and get back to you today.", keep: 9 });
  }
  if (inbound && asks.money.test(inbound.body)) {
    out.push({ text: "I'll look at the numbers with your claim and get back to you today.", keep: 8 });
  }
  if (inbound && asks.rental.test(inbound.body)) {
    out.push({ text: ro.courtesyCar ? `Your courtesy car: ${ro.courtesyCar}.` : "I'll check on a rental for you and get back to you today.", keep: 7 });
  }
  if (inbound && asks.photos.test(inbound.body) && !asks.eta.test(inbound.body)) {
    out.push({ text: "I'll send the photos today.", keep: 7 });
  }
  if (done && ro.stage.toLowerCase() === 'completed' && ctx.shop.phone) out.push({ text: `Call us at ${ctx.shop.phone} to set a pickup time.`, keep: 6 });
  if (ro.portalUrl && !milestone) out.push({ text: `Follow along: ${ro.portalUrl}`, keep: 3 });
  else if (ro.portalUrl) out.push({ text: `Details: ${ro.portalUrl}`, keep: 4 });
  return out;
}

function adjusterSentences(ctx: DraftContext): Sentence[] {
  const ro = ctx.ro;
  const inbound = lastInbound(ctx);
  const out: Sentence[] = [];
  const ids = [`RO ${ro.roNumber}`, ro.claimNumber ? `claim ${ro.claimNumber}` : null, ro.vehicle].filter(Boolean).join(', ');
  out.push({ text: `About ${ids}: the repair is at the ${ro.stage} stage.`, keep: 9 });
  for (const e of ro.exceptions) out.push({ text: `Open: ${e.reason}${e.note ? ` (${e.note})` : ''}.`, keep: 7 });
  if (ro.promisedDate) out.push({ text: `Our target date for the customer is ${draftDate(ro.promisedDate, ctx.now)}.`, keep: 8 });
  if (inbound && asks.photos.test(inbound.body)) out.push({ text: "I'll send the photos you asked for today.", keep: 9 });
  else if (inbound) out.push({ text: "I'll check on your question and get back to you today.", keep: 8 });
  if (ctx.moment.kind === 'milestone' && /supplement sent/i.test(ctx.moment.stage)) {
    out.push({ text: 'We sent a supplement for your review; please let us know if you need anything more.', keep: 8 });
  }
  return out;
}

function emailSubject(ctx: DraftContext): string {
  const inbound = lastInbound(ctx);
  if (inbound?.subject) return /^\s*re\s*:/i.test(inbound.subject) ? inbound.subject : `Re: ${inbound.subject}`;
  const what = ctx.recipient === 'adjuster' ? [`RO ${ctx.ro.roNumber}`, ctx.ro.claimNumber ? `claim ${ctx.ro.claimNumber}` : null].filter(Boolean).join(', ') : ctx.ro.vehicle ?? `RO ${ctx.ro.roNumber}`;
  return `${what}: ${ctx.ro.stage}`;
}

export function templateDraft(ctx: DraftContext): { subject: string | null; body: string } {
  const first = ctx.recipient === 'adjuster' ? (ctx.ro.adjusterName?.split(/\s+/)[0] ?? ctx.to.firstName) : ctx.to.firstName;
  const sentences = ctx.recipient === 'adjuster' ? adjusterSentences(ctx) : customerSentences(ctx);
  if (ctx.channel === 'email') {
    const greeting = first ? `Hi ${first},` : 'Hello,';
    const signature = ctx.shop.signature?.trim() || [ctx.shop.name, ctx.shop.phone].filter(Boolean).join('\n');
    const body = `${greeting}\n\n${sentences.map((s) => s.text).join(' ')}\n\nThank you,\n${signature}`;
    return { subject: emailSubject(ctx), body };
  }
  // A text: drop the least needed sentences until it fits one GSM-7 segment (or nothing is left to drop).
  const sign = ctx.shop.name ? ` - ${ctx.shop.name}` : '';
  const compose = (list: Sentence[]) => {
    const words = list.map((s) => s.text).join(' ');
    return `${first ? `Hi ${first}, ${words.replace(/^Your /, 'your ')}` : words}${sign}`;
  };
  let list = [...sentences];
  let text = compose(list);
  while (countSegments(text).segments > 1) {
    const lowest = list.reduce((min, s) => (s.keep < min.keep ? s : min), list[0]!);
    if (!lowest || lowest.keep >= 7) break;
    list = list.filter((s) => s !== lowest);
    text = compose(list);
  }
  return { subject: null, body: text };
}
