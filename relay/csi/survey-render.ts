// The survey's pages in the portal (issue 18): one question per screen, plain forms that need no
// script (each screen carries the answers so far as hidden fields; nothing is stored until the
// customer sends), the thank-you page with their answers, the review invitation and their
// referral link. The invitation is one fragment that depends on the shop's settings alone — never
// on the score — so every respondent sees the same words in the same place.
import { configuredSites, DEFAULT_INVITATION, DEFAULT_QUESTIONS, type Answers, type ReviewSettings, type SurveyQuestion } from '../../src-shared/csi/settings.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
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
  words: CustomerWords;
}

/** The standard questions' words in every language, by question id. */
const QUESTION_KEYS: Record<string, string> = {
  overall: 'survey.qOverall',
  quality: 'survey.qQuality',
  communication: 'survey.qCommunication',
  on_time: 'survey.qOnTime',
  recommend: 'survey.qRecommend',
  comment: 'survey.qComment',
};

/**
 * A question as the customer reads it: a standard question the shop left in its English words is
 * asked in the customer's language; a question the shop wrote or rewrote is asked as written.
 */
export function questionText(q: SurveyQuestion, words: CustomerWords): string {
  const standard = DEFAULT_QUESTIONS.find((d) => d.id === q.id);
  const key = QUESTION_KEYS[q.id];
  return standard && key && standard.text === q.text ? words.t(key) : q.text;
}

/** Hidden fields carrying every answer except the one on this screen. */
function carried(questions: readonly SurveyQuestion[], answers: Answers, except: string): Html[] {
  return questions.filter((q) => q.id !== except && answers[q.id] !== undefined).map((q) => html`<input type="hidden" name="${q.id}" value="${String(answers[q.id])}">`);
}

function questionInput(q: SurveyQuestion, value: number | string | undefined, words: CustomerWords): Html {
  if (q.kind === 'text') return html`<textarea id="answer" name="${q.id}" maxlength="2000" aria-labelledby="question">${typeof value === 'string' ? value : ''}</textarea>`;
  const [low, high] = q.kind === 'scale5' ? [1, 5] : [0, 10];
  const [lowWords, highWords] = q.kind === 'scale5' ? [words.t('survey.scale5Low'), words.t('survey.scale5High')] : [words.t('survey.scale10Low'), words.t('survey.scale10High')];
  const choices: Html[] = [];
  for (let n = low; n <= high; n += 1) {
    choices.push(html`<label><input type="radio" name="${q.id}" value="${n}"${value === n ? html` checked` : ''}><span>${n}</span></label>`);
  }
  return html`<div class="scale ${q.kind === 'scale5' ? 's5' : 's10'}">${choices}</div><div class="ends"><span>${lowWords}</span><span>${highWords}</span></div>`;
}

export function renderSurveyScreen(input: SurveyScreenInput): RenderedPage {
  const q = input.questions[input.index]!;
  const last = input.index === input.questions.length - 1;
  const w = input.words;
  const step = w.t('survey.step', { number: input.index + 1, total: input.questions.length });
  const main = html`<section class="card survey">
<form method="post" action="/t/${input.token}/survey">
<p class="step">${input.amending ? `${step} · ${w.t('survey.changing')}` : step}</p>
<fieldset><legend id="question">${questionText(q, w)}</legend>
${questionInput(q, input.answers[q.id], w)}
</fieldset>
${carried(input.questions, input.answers, q.id)}
<input type="hidden" name="q" value="${input.index}">
${input.amending ? html`<input type="hidden" name="amend" value="1">` : ''}
${input.error ? html`<p role="alert" class="error">${input.error}</p>` : ''}
<div class="nav">${input.index > 0 ? html`<button class="back" type="submit" name="go" value="back">${w.t('survey.back')}</button>` : ''}<button type="submit" name="go" value="${last ? 'send' : 'next'}">${last ? w.t('survey.send') : w.t('survey.next')}</button></div>
</form></section>`;
  return page({ title: w.t('survey.title', { number: input.roNumber }), shop: input.shop, main, script: false, styles: [SURVEY_CSS.path], words: w });
}

/**
 * The review invitation, the same for every respondent: only the shop's wording and sites go in.
 * Its links are relative to the survey page (`/t/<token>/survey` → `/t/<token>/review/<site>`), so
 * not even the customer's link differs between two customers' fragments.
 */
export function renderReviewInvitation(review: ReviewSettings, words: CustomerWords): Html {
  const sites = configuredSites(review);
  if (sites.length === 0) return html``;
  // The standard invitation in the reader's language; a shop's own wording as the shop wrote it.
  const invitation = review.invitation === DEFAULT_INVITATION ? words.t('survey.invitation') : review.invitation;
  return html`<section class="card review" id="review-invitation"><h2>${words.t('survey.reviews')}</h2><p>${invitation}</p><div class="sites">${sites.map(
    (s) => html`<a class="button" href="review/${s.site}" rel="noopener">${words.t('survey.reviewOn', { site: s.label })}</a>`,
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
  words: CustomerWords;
}

function answerWords(q: SurveyQuestion, value: number | string | undefined, words: CustomerWords): string {
  if (value === undefined || value === '') return words.t('survey.noAnswer');
  if (q.kind === 'scale5') return words.t('survey.outOf', { value, max: 5 });
  if (q.kind === 'scale10') return words.t('survey.outOf', { value, max: 10 });
  return String(value);
}

export function renderSurveyThanks(input: SurveyThanksInput): RenderedPage {
  const w = input.words;
  const main = html`<section class="card survey"><h2>${w.t('survey.thanks')}</h2>
${input.notice ? html`<p role="status" class="note">${input.notice}</p>` : ''}
<p>${w.t('survey.reached', { number: input.roNumber, shop: input.shop.name })}</p></section>
${renderReviewInvitation(input.review, w)}
<section class="card"><h2>${w.t('survey.yourAnswers')}</h2><ul class="answers">${input.questions.map(
    (q) => html`<li><span class="q">${questionText(q, w)}</span><span class="a">${answerWords(q, input.answers[q.id], w)}</span></li>`,
  )}</ul>${
    input.amendUntil
      ? html`<form method="get" action="/t/${input.token}/survey"><input type="hidden" name="amend" value="1"><div class="row"><button type="submit">${w.t('survey.change')}</button></div><p class="muted">${w.t('survey.changeUntil', { when: input.amendUntilWords ?? '' })}</p></form>`
      : html`<p class="muted">${w.t('survey.kept')}</p>`
  }</section>
${
    input.referralUrl
      ? html`<section class="card share"><h2>${w.t('survey.shareHeading')}</h2><p>${w.t('survey.shareText')}</p><p class="ref-link"><a href="${input.referralUrl}">${input.referralUrl}</a></p><div class="row"><a class="button" href="sms:?&body=${encodeURIComponent(input.referralUrl)}">${w.t('survey.shareByText')}</a></div></section>`
      : ''
  }
${contactCard(input.shop, w)}`;
  return page({ title: w.t('survey.thanksTitle', { number: input.roNumber }), shop: input.shop, main, script: false, styles: [SURVEY_CSS.path], words: w });
}

export function renderSurveyClosed(shop: PortalShop, heading: string, line: string, words: CustomerWords, status: 'info' | 'error' = 'info'): RenderedPage {
  const main = html`<section class="card"><h2>${heading}</h2><p${status === 'error' ? html` class="error"` : ''}>${line}</p></section>${contactCard(shop, words)}`;
  return page({ title: heading, shop, main, script: false, styles: [SURVEY_CSS.path], words });
}
