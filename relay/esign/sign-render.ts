// The signing page of one request (/t/<token>/sign/<id>), server-rendered: consent first (the
// disclosure and an explicit "I agree"), then every page of the document, the intent box (never
// pre-ticked), the one-time code, the signature (drawn, or typed without JavaScript) and decline.
import { html, type Html } from '../portal/html.js';
import { page, type RenderedPage } from '../portal/render.js';
import type { PortalShop } from '../portal/portal-view.js';
import { DISCLOSURE_VERSION, disclosure } from './disclosure.js';
import { PDFJS, PDFJS_WORKER, SIGN_CSS, SIGN_JS, SIGNATURE_PAD_JS } from './sign-assets.js';

export interface SignPageInput {
  token: string;
  shop: PortalShop;
  roNumber: number;
  request: {
    id: string;
    title: string;
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
  intent: string;
  /** The customer's name on file, offered in the name box. */
  name: string;
  error?: string | null;
  notice?: string | null;
}

function withSigningCsp(rendered: RenderedPage): RenderedPage {
  // pdf.js runs its parser in a worker from this origin and draws into canvases.
  return { ...rendered, csp: `${rendered.csp.replace("img-src 'self'", "img-src 'self' data: blob:")}; worker-src 'self'; font-src 'self' data:` };
}

function shell(input: SignPageInput, main: Html, scripts: boolean): RenderedPage {
  const body = html`<link rel="stylesheet" href="${SIGN_CSS.path}"><p><a href="/t/${input.token}">← Back to your repair</a></p>${main}${
    scripts ? html`<script src="${SIGNATURE_PAD_JS.path}" defer></script><script src="${SIGN_JS.path}" defer></script>` : ''
  }`;
  return withSigningCsp(
    page({ title: `${input.shop.name}: ${input.request.title}`, shop: input.shop, main: body, logoUrl: input.shop.logoHash ? `/t/${input.token}/logo` : null, script: false }),
  );
}

function message(input: SignPageInput): Html | string {
  if (input.error) return html`<p class="error" role="alert">${input.error}</p>`;
  if (input.notice) return html`<p class="note" role="status">${input.notice}</p>`;
  return '';
}

export function renderConsentPage(input: SignPageInput): RenderedPage {
  const base = `/t/${input.token}/sign/${input.request.id}`;
  const main = html`<section class="card disclosure" aria-labelledby="consent-h"><h2 id="consent-h">Before you sign electronically</h2>
<p>${input.shop.name} asks you to sign <strong>${input.request.title}</strong> (repair order ${input.roNumber}) on this phone. First, please read how signing electronically works. Your electronic signature has the same effect as signing on paper.</p>
${disclosure(input.shop).map((s) => html`<h3>${s.heading}</h3><p>${s.text}</p>`)}
<p class="muted">Disclosure version ${DISCLOSURE_VERSION}</p>
${message(input)}
<form method="post" action="${base}/consent"><div class="row"><button type="submit">I agree to sign electronically</button></div></form>
<p class="muted">Don't agree? You don't have to: call ${input.shop.phone || 'the shop'} and sign on paper instead.</p>
</section>`;
  return shell(input, main, false);
}

export function renderSignPage(input: SignPageInput): RenderedPage {
  const r = input.request;
  const base = `/t/${input.token}/sign/${r.id}`;
  const open = r.state === 'sent' || r.state === 'opened';
  if (!open) {
    const what =
      r.state === 'signed' || r.signedAt
        ? html`<p class="state">Signed</p><p>Signed by ${r.signerName ?? 'you'}.</p><p>${
            r.sealed ? html`<a class="button" href="${base}/signed.pdf">Download your signed copy (PDF)</a>` : 'Your signed copy is being prepared; it will be here in a moment.'
          }</p>`
        : r.state === 'declined'
          ? html`<p class="state">Declined</p><p>You told the shop: “${r.declineReason ?? ''}”. Call the shop if you changed your mind.</p>`
          : r.state === 'voided'
            ? html`<p class="state">Replaced by a newer version</p><p>This version can no longer be signed. Open the newest one from your repair page.</p>`
            : r.state === 'locked'
              ? html`<p class="state">Locked</p><p>Too many wrong codes were entered. Please call ${input.shop.phone || 'the shop'}.</p>`
              : html`<p class="state">Expired</p><p>Ask the shop to send it again.</p>`;
    return shell(input, html`<section class="card" aria-labelledby="doc-h"><h2 id="doc-h">${r.title}</h2>${message(input)}${what}</section>`, false);
  }
  const main = html`<section class="card" aria-labelledby="doc-h"><h2 id="doc-h">${r.title}</h2>
<p>Repair order ${input.roNumber}${r.version > 1 ? ` · version ${r.version}` : ''}${r.pages ? ` · ${r.pages === 1 ? '1 page' : `${r.pages} pages`}` : ''}. Please read every page before you sign.</p>
<p><a href="${base}/document.pdf">Download the document (PDF)</a></p>
<button type="button" id="zoom" class="secondary" aria-pressed="true" hidden>Larger text</button>
<p id="pages-loading" class="muted">The pages are loading…</p>
<div id="pages" class="doc-pages zoom" data-pdf="${base}/document.pdf" data-pdfjs="${PDFJS.path}" data-worker="${PDFJS_WORKER.path}"></div>
<p class="muted">Document fingerprint (SHA-256): <span class="hash">${r.sha256}</span></p>
</section>
<section class="card" aria-labelledby="sign-h"><h2 id="sign-h">Sign</h2>
<form method="post" action="${base}/sign" data-sign>
<div class="row check"><input type="checkbox" id="intent" name="intent" value="${input.intent}" required><label for="intent">${input.intent}</label></div>
${
  r.needsCode
    ? html`<label class="block" for="code">Code we text you</label>
<p class="muted">This document changes what you pay, so we text a 6-digit code to the mobile number the shop has on file.</p>
<div class="row"><button type="submit" id="sendcode" class="secondary" formaction="${base}/code" formnovalidate>Text me a code</button></div>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>`
    : ''
}
<label class="block" for="signerName">Your full name</label>
<input type="text" id="signerName" name="signerName" autocomplete="name" required maxlength="120" value="${input.name}">
<div class="tabs" role="radiogroup" aria-label="How to sign"><label hidden><input type="radio" name="method" value="drawn"><span>Draw</span></label><label><input type="radio" name="method" value="typed" checked><span>Type</span></label></div>
<div id="drawn" hidden><p class="muted">Sign with your finger in the box.</p><div class="sigbox"><canvas id="sigpad" aria-label="Signature box"></canvas></div><div class="row"><button type="button" id="clear" class="secondary">Clear</button></div></div>
<p id="typedpreview" class="typed" aria-hidden="true">${input.name}</p>
<div class="row"><button type="submit">Sign</button></div>
<div data-status role="status" aria-live="polite">${message(input)}</div>
</form></section>
<section class="card" aria-labelledby="decline-h"><h2 id="decline-h">Not signing?</h2>
<form class="decline" method="post" action="${base}/decline"><label class="block" for="reason">Tell the shop why</label><textarea id="reason" name="reason" maxlength="1000" required></textarea>
<div class="row"><button type="submit" class="secondary">Decline</button></div></form>
<form method="post" action="/t/${input.token}/esign/withdraw"><p class="muted">You agreed to sign electronically. You can stop at any time; the shop will then use paper.</p><div class="row"><button type="submit" class="secondary">Stop signing electronically</button></div></form>
</section>`;
  return shell(input, main, true);
}

export function renderWithdrawnPage(input: { token: string; shop: PortalShop }): RenderedPage {
  return withSigningCsp(
    page({
      title: `${input.shop.name}: signing electronically stopped`,
      shop: input.shop,
      script: false,
      main: html`<section class="card"><h2>Signing electronically stopped</h2><p>${input.shop.name} has been told. Documents you already signed stay signed; for anything new the shop will ask you to sign on paper.</p><p><a href="/t/${input.token}">Back to your repair</a></p></section>`,
    }),
  );
}

