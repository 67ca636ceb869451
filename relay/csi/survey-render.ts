// The survey's pages in the portal (issue 18): one question per screen, plain forms that need no
// script (each screen carries the answers so far as hidden fields; nothing is stored until the
// customer sends), the thank-you page with their answers, the review invitation and their
// referral link. The invitation is one fragment that depends on the shop's settings alone — never
// on the score — so every respondent sees the same words in the same place.
import { configuredSites, type Answers, type ReviewSettings, type SurveyQuestion } from '../../src-shared/csi/settings.js';
import { asset } from '../portal/assets.js';
import { html, type Html } from '../portal/html.js';
import { contactCard, page, type RenderedPage } from '../portal/render.js';
import type { PortalShop } from '../portal/portal-view.js';

const CSS = `
.survey fieldset{border:0;margin:0;padding:0}
.survey legend{font-size:1.3rem;font-weight:700;line-height:1.3;margin:0 0 14px;padding:0}
.survey .step{color:#5d6875;font-size:.9rem;margin:0 0 6px}
.scale{display:grid;gap:8px;margin:0 0 8px}
.scale.s5{grid-template-columns:repeat(5,1fr)}
.scale.s10{grid-template-columns:repeat(6,1fr)}
.scale label{display:block;margin:0}
.scale input{position:absolute;opacity:0;width:1px;height:1px}
.scale span{display:flex;align-items:center;justify-content:center;min-height:52px;border:2px solid #c9d0d6;border-radius:10px;font-size:1.2rem;font-weight:700;background:#fff}
.scale input:checked+span{background:var(--primary);border-color:var(--primary);color:#fff}
.scale input:focus-visible+span{outline:3px solid var(--accent);outline-offset:2px}
.ends{display:flex;justify-content:space-between;color:#5d6875;font-size:.85rem;margin-bottom:8px}
.survey textarea{width:100%;min-height:140px;font:inherit;padding:10px;border:2px solid #c9d0d6;border-radius:10px}
.survey .nav{display:flex;justify-content:space-between;gap:8px;margin-top:18px}
.survey .nav button{flex:1;min-height:48px}
.survey .nav button.back{background:#fff;color:var(--primary);border:2px solid var(--primary);flex:0 0 auto}
.answers{list-style:none;margin:0;padding:0}
.answers li{border-top:1px solid #e4e7ea;padding:8px 0}
.answers .q{color:#5d6875;font-size:.9rem;display:block}
.answers .a{font-weight:700}
.review .sites{display:grid;gap:8px;margin-top:10px}
.review .sites a{display:block;text-align:center;min-height:48px;line-height:28px}
.share .ref-link{overflow-wrap:anywhere;background:#f8f9fa;border:2px solid #c9d0d6;border-radius:10px;padding:10px}
`;

export const SURVEY_CSS = asset('survey', 'css', 'text/css; charset=utf-8', CSS);

export interface SurveyScreenInput {
  token: string;
  shop: PortalShop;
  roNumber: number;
  questions: readonly SurveyQuestion[];
  /** The screen shown (0-based). */
  index: number;
  answers: Answers;
  amending: boolean;
  error?: string | null;
}

const ENDS: Record<'scale5' | 'scale10', [string, string]> = {
  scale5: ['1 = very unhappy', '5 = very happy'],
  scale10: ['0 = not at all likely', '10 = extremely likely'],
};

/** Hidden fields carrying every answer except the one on this screen. */
function carried(questions: readonly SurveyQuestion[], answers: Answers, except: string): Html[] {
  return questions.filter((q) => q.id !== except && answers[q.id] !== undefined).map((q) => html`<input type="hidden" name="${q.id}" value="${String(answers[q.id])}">`);
}

function questionInput(q: SurveyQuestion, value: number | string | undefined): Html {
  if (q.kind === 'text') return html`<textarea id="answer" name="${q.id}" maxlength="2000" aria-labelledby="question">${typeof value === 'string' ? value : ''}</textarea>`;
  const [low, high] = q.kind === 'scale5' ? [1, 5] : [0, 10];
  const [lowWords, highWords] = ENDS[q.kind];
  const choices: Html[] = [];
  for (let n = low; n <= high; n += 1) {
    choices.push(html`<label><input type="radio" name="${q.id}" value="${n}"${value === n ? html` checked` : ''}><span>${n}</span></label>`);
  }
  return html`<div class="scale ${q.kind === 'scale5' ? 's5' : 's10'}">${choices}</div><div class="ends"><span>${lowWords}</span><span>${highWords}</span></div>`;
}

export function renderSurveyScreen(input: SurveyScreenInput): RenderedPage {
  const q = input.questions[input.index]!;
  const last = input.index === input.questions.length - 1;
  const main = html`<section class="card survey">
<form method="post" action="/t/${input.token}/survey">
<p class="step">Question ${input.index + 1} of ${input.questions.length}${input.amending ? ' · changing your answers' : ''}</p>
<fieldset><legend id="question">${q.text}</legend>
${questionInput(q, input.answers[q.id])}
</fieldset>
${carried(input.questions, input.answers, q.id)}
<input type="hidden" name="q" value="${input.index}">
${input.amending ? html`<input type="hidden" name="amend" value="1">` : ''}
${input.error ? html`<p role="alert" class="error">${input.error}</p>` : ''}
<div class="nav">${input.index > 0 ? html`<button class="back" type="submit" name="go" value="back">Back</button>` : ''}<button type="submit" name="go" value="${last ? 'send' : 'next'}">${last ? 'Send my answers' : 'Next'}</button></div>
</form></section>`;
  return page({ title: `RO ${input.roNumber}: how did we do?`, shop: input.shop, main, script: false, styles: [SURVEY_CSS.path] });
}

/**
 * The review invitation, the same for every respondent: only the shop's wording and sites go in.
 * Its links are relative to the survey page (`/t/<token>/survey` → `/t/<token>/review/<site>`), so
 * not even the customer's link differs between two customers' fragments.
 */
export function renderReviewInvitation(review: ReviewSettings): Html {
  const sites = configuredSites(review);
  if (sites.length === 0) return html``;
  return html`<section class="card review" id="review-invitation"><h2>Reviews</h2><p>${review.invitation}</p><div class="sites">${sites.map(
    (s) => html`<a class="button" href="review/${s.site}" rel="noopener">Review us on ${s.label}</a>`,
  )}</div></section>`;
}

export interface SurveyThanksInput {
  token: string;
  shop: PortalShop;
  roNumber: number;
  questions: readonly SurveyQuestion[];
  answers: Answers;
  review: ReviewSettings;
  /** The customer's own referral link, when they have a code and the shop a public page. */
  referralUrl: string | null;
  /** Until when the answers may still be changed (ISO), or null once that has passed. */
  amendUntil: string | null;
  amendUntilWords: string | null;
  notice?: string | null;
}

function answerWords(q: SurveyQuestion, value: number | string | undefined): string {
  if (value === undefined || value === '') return 'No answer';
  if (q.kind === 'scale5') return `${value} of 5`;
  if (q.kind === 'scale10') return `${value} of 10`;
  return String(value);
}

export function renderSurveyThanks(input: SurveyThanksInput): RenderedPage {
  const main = html`<section class="card survey"><h2>Thank you</h2>
${input.notice ? html`<p role="status" class="note">${input.notice}</p>` : ''}
<p>Your answers for RO ${input.roNumber} reached ${input.shop.name}.</p></section>
${renderReviewInvitation(input.review)}
<section class="card"><h2>Your answers</h2><ul class="answers">${input.questions.map(
    (q) => html`<li><span class="q">${q.text}</span><span class="a">${answerWords(q, input.answers[q.id])}</span></li>`,
  )}</ul>${
    input.amendUntil
      ? html`<form method="get" action="/t/${input.token}/survey"><input type="hidden" name="amend" value="1"><div class="row"><button type="submit">Change my answers</button></div><p class="muted">You can change them until ${input.amendUntilWords}.</p></form>`
      : html`<p class="muted">Your answers are kept as you sent them.</p>`
  }</section>
${
    input.referralUrl
      ? html`<section class="card share"><h2>Know someone who needs a body shop?</h2><p>Share your own link to us:</p><p class="ref-link"><a href="${input.referralUrl}">${input.referralUrl}</a></p><div class="row"><a class="button" href="sms:?&body=${encodeURIComponent(input.referralUrl)}">Share by text</a></div></section>`
      : ''
  }
${contactCard(input.shop)}`;
  return page({ title: `RO ${input.roNumber}: thank you`, shop: input.shop, main, script: false, styles: [SURVEY_CSS.path] });
}

export function renderSurveyClosed(shop: PortalShop, heading: string, line: string, status: 'info' | 'error' = 'info'): RenderedPage {
  const main = html`<section class="card"><h2>${heading}</h2><p${status === 'error' ? html` class="error"` : ''}>${line}</p></section>${contactCard(shop)}`;
  return page({ title: heading, shop, main, script: false, styles: [SURVEY_CSS.path] });
}
