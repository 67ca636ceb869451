// The signing page of one request (/t/<token>/sign/<id>), server-rendered: consent first (the
// disclosure and an explicit "I agree"), then every page of the document, the intent box (never
// pre-ticked), the one-time code, the signature (drawn, or typed without JavaScript) and decline.
// The pages open at the width of the screen, so a phone shows each whole page with no sideways
// scrolling; "Larger text" (a toggle) draws them wider, scrolled sideways inside each page's frame.
import { html, raw, type Html } from '../portal/html.js';
import { page, type RenderedPage } from '../portal/render.js';
import type { PortalShop } from '../portal/portal-view.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import { disclosure, disclosureVersion } from './disclosure.js';
import { PDFJS, PDFJS_WORKER, SIGN_CSS, SIGN_JS, SIGNATURE_PAD_JS } from './sign-assets.js';

export interface SignPageInput {
  token: string;
  shop: PortalShop;
  roNumber: number;
  request: {
    id: string;
    /** The document's name as a heading, in the reader's words ("Autorización de reparación"). */
    title: string;
    /** The document named in a sentence, in the reader's words ("la autorización de reparación"). */
    name: string;
    state: string;
    version: number;
    needsCode: boolean;
    pages: number | null;
    sha256: string;
    signedAt: string | null;
    signerName: string | null;
    sealed: boolean;
    declineReason: string | null;
    codeSentTo: string | null;
  };
  consented: boolean;
  /** The language the document's words are in, named in the reader's, when it is not the reader's ("Spanish"); else null. */
  documentLanguage?: string | null;
  intent: string;
  /** The customer's name on file, offered in the name box. */
  name: string;
  error?: string | null;
  notice?: string | null;
  /** The reader's words (the portal's rule: this phone's choice, the customer's language, the shop's country). */
  words: CustomerWords;
}

function withSigningCsp(rendered: RenderedPage): RenderedPage {
  // pdf.js runs its parser in a worker from this origin and draws into canvases.
  return { ...rendered, csp: `${rendered.csp.replace("img-src 'self'", "img-src 'self' data: blob:")}; worker-src 'self'; font-src 'self' data:` };
}

function shell(input: SignPageInput, main: Html, scripts: boolean): RenderedPage {
  const body = html`<link rel="stylesheet" href="${SIGN_CSS.path}"><p><a href="/t/${input.token}">${input.words.t('esign.back')}</a></p>${main}${
    scripts ? html`<script src="${SIGNATURE_PAD_JS.path}" defer></script><script src="${SIGN_JS.path}" defer></script>` : ''
  }`;
  return withSigningCsp(
    page({ title: `${input.shop.name}: ${input.request.title}`, shop: input.shop, main: body, logoUrl: input.shop.logoHash ? `/t/${input.token}/logo` : null, script: false, words: input.words }),
  );
}

function message(input: SignPageInput): Html | string {
  if (input.error) return html`<p class="error" role="alert">${input.error}</p>`;
  if (input.notice) return html`<p class="note" role="status">${input.notice}</p>`;
  return '';
}

/** The sentences the page's script says (JSON for data-words; "{n}" and "{total}" filled in by the script). */
function scriptWords(w: CustomerWords): string {
  return JSON.stringify({
    pageOf: w.t('esign.pageOf', { n: '{n}', total: '{total}' }),
    pagesFailed: w.t('esign.pagesFailed'),
    noConnection: w.t('esign.noConnection'),
    drawFirst: w.t('esign.drawFirst'),
    signing: w.t('esign.signing'),
    noConnectionKept: w.t('esign.noConnectionKept'),
  });
}

export function renderConsentPage(input: SignPageInput): RenderedPage {
  const base = `/t/${input.token}/sign/${input.request.id}`;
  const w = input.words;
  const phone = input.shop.phone || w.t('esign.theShop');
  const main = html`<section class="card disclosure" aria-labelledby="consent-h"><h2 id="consent-h">${w.t('esign.consentHeading')}</h2>
<p>${raw(w.markup('esign.consentIntro', { shop: input.shop.name, title: input.request.name, number: String(input.roNumber) }))}</p>
${disclosure(input.shop, w).map((s) => html`<h3>${s.heading}</h3><p>${s.text}</p>`)}
<p class="muted">${w.t('esign.disclosureVersion', { version: disclosureVersion(w) })}</p>
${message(input)}
<form method="post" action="${base}/consent"><div class="row"><button type="submit">${w.t('esign.agree')}</button></div></form>
<p class="muted">${w.t('esign.disagree', { phone })}</p>
</section>`;
  return shell(input, main, false);
}

export function renderSignPage(input: SignPageInput): RenderedPage {
  const r = input.request;
  const w = input.words;
  const base = `/t/${input.token}/sign/${r.id}`;
  const open = r.state === 'sent' || r.state === 'opened';
  if (!open) {
    const what =
      r.state === 'signed' || r.signedAt
        ? html`<p class="state">${w.t('esign.stateSigned')}</p><p>${w.t('esign.signedBy', { name: r.signerName ?? w.t('common.you') })}</p><p>${
            r.sealed ? html`<a class="button" href="${base}/signed.pdf">${w.t('esign.downloadSigned')}</a>` : w.t('esign.preparing')
          }</p>`
        : r.state === 'declined'
          ? html`<p class="state">${w.t('esign.stateDeclined')}</p><p>${w.t('esign.declinedText', { reason: r.declineReason ?? '' })}</p>`
          : r.state === 'voided'
            ? html`<p class="state">${w.t('esign.stateVoided')}</p><p>${w.t('esign.voidedText')}</p>`
            : r.state === 'locked'
              ? html`<p class="state">${w.t('esign.stateLocked')}</p><p>${w.t('esign.lockedText', { phone: input.shop.phone || w.t('esign.theShop') })}</p>`
              : html`<p class="state">${w.t('esign.stateExpired')}</p><p>${w.t('esign.expiredText')}</p>`;
    return shell(input, html`<section class="card" aria-labelledby="doc-h"><h2 id="doc-h">${r.title}</h2>${message(input)}${what}</section>`, false);
  }
  const facts = [w.t('portal.roNumber', { number: input.roNumber }), r.version > 1 ? w.t('esign.version', { version: r.version }) : '', r.pages ? w.t('esign.pageCount', { count: r.pages }) : '']
    .filter(Boolean)
    .join(' · ');
  const main = html`<section class="card" aria-labelledby="doc-h"><h2 id="doc-h">${r.title}</h2>
<p>${facts}. ${w.t('esign.readEvery')}</p>
${input.documentLanguage ? html`<p class="note">${w.t('esign.documentIn', { language: input.documentLanguage })}</p>` : ''}
<p><a href="${base}/document.pdf">${w.t('esign.download')}</a></p>
<button type="button" id="zoom" class="secondary" aria-pressed="false" hidden>${w.t('esign.zoom')}</button>
<p id="pages-loading" class="muted">${w.t('esign.loading')}</p>
<div id="pages" class="doc-pages" data-words="${scriptWords(w)}" data-pdf="${base}/document.pdf" data-pdfjs="${PDFJS.path}" data-worker="${PDFJS_WORKER.path}"></div>
<p class="muted">${w.t('esign.fingerprint')} <span class="hash">${r.sha256}</span></p>
</section>
<section class="card" aria-labelledby="sign-h"><h2 id="sign-h">${w.t('esign.sign')}</h2>
<form method="post" action="${base}/sign" data-sign>
<div class="row check"><input type="checkbox" id="intent" name="intent" value="${input.intent}" required><label for="intent">${input.intent}</label></div>
${
  r.needsCode
    ? html`<label class="block" for="code">${w.t('esign.codeLabel')}</label>
<p class="muted">${w.t('esign.codeWhy')}</p>
<div class="row"><button type="submit" id="sendcode" class="secondary" formaction="${base}/code" formnovalidate>${w.t('esign.sendCode')}</button></div>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>`
    : ''
}
<label class="block" for="signerName">${w.t('esign.fullName')}</label>
<input type="text" id="signerName" name="signerName" autocomplete="name" required maxlength="120" value="${input.name}">
<div class="tabs" role="radiogroup" aria-label="${w.t('esign.howToSign')}"><label hidden><input type="radio" name="method" value="drawn"><span>${w.t('esign.draw')}</span></label><label><input type="radio" name="method" value="typed" checked><span>${w.t('esign.type')}</span></label></div>
<div id="drawn" hidden><p class="muted">${w.t('esign.drawHelp')}</p><div class="sigbox"><canvas id="sigpad" aria-label="${w.t('esign.signatureBox')}"></canvas></div><div class="row"><button type="button" id="clear" class="secondary">${w.t('esign.clear')}</button></div></div>
<p id="typedpreview" class="typed" aria-hidden="true">${input.name}</p>
<div class="row"><button type="submit">${w.t('esign.sign')}</button></div>
<div data-status role="status" aria-live="polite">${message(input)}</div>
</form></section>
<section class="card" aria-labelledby="decline-h"><h2 id="decline-h">${w.t('esign.notSigning')}</h2>
<form class="decline" method="post" action="${base}/decline"><label class="block" for="reason">${w.t('esign.tellWhy')}</label><textarea id="reason" name="reason" maxlength="1000" required></textarea>
<div class="row"><button type="submit" class="secondary">${w.t('esign.decline')}</button></div></form>
<form method="post" action="/t/${input.token}/esign/withdraw"><p class="muted">${w.t('esign.withdrawHelp')}</p><div class="row"><button type="submit" class="secondary">${w.t('esign.withdraw')}</button></div></form>
</section>`;
  return shell(input, main, true);
}

export function renderWithdrawnPage(input: { token: string; shop: PortalShop; words: CustomerWords }): RenderedPage {
  const w = input.words;
  return withSigningCsp(
    page({
      title: `${input.shop.name}: ${w.t('esign.withdrawnTitle')}`,
      shop: input.shop,
      script: false,
      words: w,
      main: html`<section class="card"><h2>${w.t('esign.withdrawnTitle')}</h2><p>${w.t('esign.withdrawnText', { shop: input.shop.name })}</p><p><a href="/t/${input.token}">${w.t('esign.backPlain')}</a></p></section>`,
    }),
  );
}

