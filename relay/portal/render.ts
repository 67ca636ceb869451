// The portal's pages, rendered on the server as plain HTML that reads fully without JavaScript.
// Dates and times are shown in the shop's time zone; stage sentences are the shop's own words.
import { createHash } from 'node:crypto';
import type { OpeningHours } from '../../src-shared/domain.js';
import { PORTAL_CSS, PORTAL_JS } from './assets.js';
import { html, type Html, type HtmlValue, raw } from './html.js';
import type { PortalFile, PortalShop, PortalView } from './portal-view.js';
import { renderToSign } from '../esign/portal-section.js';

export interface RenderedPage {
  body: string;
  /** The Content-Security-Policy for this page (its one inline style is allowed by hash). */
  csp: string;
}

const HEX = /^#[0-9a-fA-F]{6}$/;

function cspFor(styleHash: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' '${styleHash}'`,
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function page(input: { title: string; shop: PortalShop | null; main: Html; bodyAttrs?: Html; logoUrl?: string | null; script?: boolean; styles?: readonly string[] }): RenderedPage {
  const primary = input.shop && HEX.test(input.shop.colorPrimary) ? input.shop.colorPrimary : '#1f4e79';
  const accent = input.shop && HEX.test(input.shop.colorAccent) ? input.shop.colorAccent : '#f2a900';
  const style = `:root{--primary:${primary};--accent:${accent}}`;
  const styleHash = `sha256-${createHash('sha256').update(style).digest('base64')}`;
  const shop = input.shop;
  const header = shop
    ? html`<header class="shop"><div class="wrap">${input.logoUrl ? html`<img src="${input.logoUrl}" alt="">` : ''}<h1>${shop.name}</h1>${
        shop.phone ? html`<a class="call" href="tel:${telHref(shop.phone)}">Call us</a>` : ''
      }</div></header>`
    : '';
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>${input.title}</title><link rel="stylesheet" href="${PORTAL_CSS.path}">${(input.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}<style>${raw(style)}</style></head>
<body${input.bodyAttrs ?? ''}>${header}<main class="wrap">${input.main}</main>${
    input.script === false ? '' : html`<script src="${PORTAL_JS.path}" defer></script>`
  }</body></html>`;
  return { body: body.value, csp: cspFor(styleHash) };
}

function telHref(phone: string): string {
  return phone.replace(/[^\d+]/g, '');
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(timeZone: string, kind: 'when' | 'day'): Intl.DateTimeFormat {
  const key = `${timeZone}|${kind}`;
  let f = formats.get(key);
  if (!f) {
    f =
      kind === 'when'
        ? new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })
        : new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
    formats.set(key, f);
  }
  return f;
}

/** An instant, in the shop's time zone: "Tue, Dec 1, 2:15 PM". */
export function formatWhen(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : format(timeZone, 'when').format(t);
}

/** A calendar date (YYYY-MM-DD), as written: "Friday, December 4, 2026". */
export function formatDay(date: string): string {
  const t = Date.parse(`${date}T12:00:00Z`);
  return Number.isNaN(t) ? date : format('UTC', 'day').format(t);
}

function vehicleText(v: PortalView['vehicle']): string {
  return [v.year, v.color, v.make, v.model].filter((x) => x !== null && x !== '').join(' ') || 'your car';
}

function mapUrl(address: string): string {
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address)}`;
}

const DAYS: Array<[string, string]> = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];

/** "17:30" → "5:30 PM", as customers read opening hours. */
export function clock(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  if (!Number.isInteger(h) || !Number.isInteger(m)) return hhmm;
  const suffix = h < 12 || h === 24 ? 'AM' : 'PM';
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}:${String(m).padStart(2, '0')} ${suffix}`;
}

function hoursList(hours: OpeningHours): Html {
  return html`<dl class="hours">${DAYS.map(([key, label]) => {
    const h = hours[key];
    return html`<dt>${label}</dt><dd>${h ? `${clock(h.open)} – ${clock(h.close)}` : 'Closed'}</dd>`;
  })}</dl>`;
}

export function contactCard(shop: PortalShop): Html {
  return html`<section class="card" aria-labelledby="contact-h"><h2 id="contact-h">Contact</h2>
<p><strong>${shop.name}</strong></p>
${shop.phone ? html`<p><a href="tel:${telHref(shop.phone)}">${shop.phone}</a></p>` : ''}
${shop.email ? html`<p><a href="mailto:${shop.email}">${shop.email}</a></p>` : ''}
${shop.address ? html`<p>${shop.address}<br><a href="${mapUrl(shop.address)}" rel="noreferrer noopener" target="_blank">Open in maps</a></p>` : ''}
<h3 class="sub">Opening hours</h3>${hoursList(shop.hours)}</section>`;
}

function fileLinks(token: string, files: PortalFile[]): HtmlValue {
  if (files.length === 0) return '';
  return html`<span class="files">${files.map((f) =>
    f.kind === 'photo'
      ? html`<a href="/t/${token}/files/${f.id}/full"><img src="/t/${token}/files/${f.id}/thumb" alt="${f.fileName || 'Photo'}" loading="lazy" width="72" height="72"></a>`
      : html`<a href="/t/${token}/files/${f.id}/file">${f.fileName || 'Document'}</a>`,
  )}</span>`;
}

/**
 * The date card. "Expected ready" is only ever said of a day still to come (or today): once the
 * promised day is over in the shop's zone and the car is not finished, the page says the date
 * passed and that the shop will confirm a new one; the moves of the date stay listed.
 */
function dateCard(view: PortalView): Html {
  const tz = view.shop.timeZone;
  if (view.deliveredAt) return html`<h2 id="date-h">Delivered</h2><p class="date">${formatWhen(view.deliveredAt, tz)}</p>`;
  const history =
    view.promisedHistory.length > 0
      ? html`<ul class="moved">${[...view.promisedHistory].reverse().map(
          (m) => html`<li><span class="muted">${formatWhen(m.at, tz)}: moved from ${m.from ? formatDay(m.from) : 'no date'} to ${formatDay(m.to)}</span><br>${m.reason}</li>`,
        )}</ul>`
      : '';
  if (view.stage === 'completed') return html`<h2 id="date-h">Ready</h2><p>Your repair is finished.</p>${history}`;
  if (!view.promisedDate) return html`<h2 id="date-h">Expected ready</h2><p>We will set a date once the estimate is approved.</p>`;
  if (view.promisedPassed) {
    return html`<h2 id="date-h">Ready date</h2><p class="passed">The date we gave you, <strong>${formatDay(view.promisedDate)}</strong>, has passed.</p><p>We will confirm a new date with you.</p>${history}`;
  }
  return html`<h2 id="date-h">Expected ready</h2><p class="date">${formatDay(view.promisedDate)}</p>${history}`;
}

export interface StatusPageOptions {
  token: string;
  version: string;
  notice?: string | null;
  error?: string | null;
  draft?: string;
}

export function renderStatusPage(view: PortalView, options: StatusPageOptions): RenderedPage {
  const { token } = options;
  const tz = view.shop.timeZone;
  const current = view.timeline.find((s) => s.current)!;
  const currentIndex = view.timeline.indexOf(current);
  const main = html`
<section class="hello"><p>Hi ${view.customerFirstName || 'there'}, here is where your ${vehicleText(view.vehicle)}${
    view.vehicle.plate ? html` (${view.vehicle.plate})` : ''
  } stands.</p><p class="muted">Repair order ${view.roNumber}</p></section>
${renderToSign(token, view.toSign)}
<section class="card now" id="now" data-live aria-labelledby="now-h"><h2 id="now-h">Right now</h2>
<p class="stage">${current.label}</p><p>${current.sentence}</p>${
    current.reachedAt ? html`<p class="muted">Since ${formatWhen(current.reachedAt, tz)}</p>` : ''
  }${view.delays.length > 0 ? html`<p class="delay">Holding things up: ${view.delays.join(', ')}</p>` : ''}</section>
${(view.invitations ?? []).map(
    (a) =>
      html`<section class="card now" aria-labelledby="appt-${a.id}"><h2 id="appt-${a.id}">${a.kind === 'pickup' ? 'Pickup' : 'Drop-off'}</h2><p>${view.shop.name} asks you to choose a time.</p><div class="row"><a class="button" href="/t/${token}/appointments/${a.id}">${a.kind === 'pickup' ? 'Choose a pickup time' : 'Choose a drop-off time'}</a></div></section>`,
  )}
<section class="card" id="date" data-live aria-labelledby="date-h">${dateCard(view)}</section>
<section class="card" id="steps" data-live aria-labelledby="steps-h"><h2 id="steps-h">Your repair, step by step</h2><ol class="steps">${view.timeline.map(
    (s, i) => {
      const state = s.current ? 'current' : i < currentIndex ? (s.reachedAt ? 'done' : 'skipped') : 'todo';
      return html`<li class="${state}"${s.current ? raw(' aria-current="step"') : ''}><span class="line"></span><span class="name">${s.label}</span>${
        s.reachedAt ? html`<span class="when">${formatWhen(s.reachedAt, tz)}</span>` : ''
      }${state === 'skipped' ? html`<span class="what">Not needed for your repair</span>` : ''}${
        state === 'current' || state === 'todo' ? html`<span class="what">${s.sentence}</span>` : ''
      }</li>`;
    },
  )}</ol></section>
<section class="card" id="photos" data-live aria-labelledby="photos-h"><h2 id="photos-h">Photos</h2>${
    view.photos.length === 0
      ? html`<p class="muted">Photos of your car will appear here as the work goes on.</p>`
      : html`<div class="photos">${view.photos.map(
          (p) =>
            html`<a href="/t/${token}/files/${p.id}/full"><img src="/t/${token}/files/${p.id}/thumb" alt="${p.caption ?? `Photo from ${formatWhen(p.addedAt, tz)}`}" loading="lazy" width="160" height="160"></a>`,
        )}</div>`
  }${
    view.documents.length > 0
      ? html`<h3 class="sub">Documents</h3><ul>${view.documents.map((d) => html`<li><a href="/t/${token}/files/${d.id}/file">${d.fileName}</a></li>`)}</ul>`
      : ''
  }</section>
<section class="card" aria-labelledby="talk-h"><h2 id="talk-h">Messages</h2>
<div id="conversation" data-live>${
    view.messages.length === 0
      ? html`<p class="muted">Questions? Write to us here; we answer during opening hours.</p>`
      : html`<ul class="msgs">${view.messages.map(
          (m) =>
            html`<li class="${m.direction}"><span class="who">${m.direction === 'in' ? 'You' : m.author} · ${formatWhen(m.at, tz)}</span>${m.body}${fileLinks(token, m.files)}</li>`,
        )}</ul>`
  }</div>
<form class="say" method="post" action="/t/${token}/messages" enctype="multipart/form-data" data-upload>
<label for="body">Write to ${view.shop.name}</label>
<textarea id="body" name="body" maxlength="2000">${options.draft ?? ''}</textarea>
<label for="files">Add photos or a PDF (optional)</label>
<input id="files" type="file" name="files" accept="image/*,application/pdf" multiple>
<progress class="hidden" max="1" value="0"></progress>
<div class="row"><button type="submit">Send</button></div>
<p data-status role="status" class="${options.error ? 'error' : options.notice ? 'note' : ''}">${options.error ?? options.notice ?? ''}</p>
</form></section>
${contactCard(view.shop)}
<footer class="muted"><p>This page is private to you. Please don't share the link.</p>${
    view.shop.slug ? html`<p><a href="/p/${view.shop.slug}/account">See all your repairs with ${view.shop.name}</a></p>` : ''
  }</footer>`;
  return page({
    title: `${view.shop.name}: your repair`,
    shop: view.shop,
    main,
    logoUrl: view.shop.logoHash ? `/t/${token}/logo` : null,
    bodyAttrs: html` data-events="/t/${token}/events" data-version="${options.version}"`,
  });
}

export interface BayPageInput {
  token: string;
  shop: PortalShop;
  roNumber: number;
  vehicle: string;
  plate: string | null;
  photoCount: number;
  publishedByDefault: boolean;
  notice?: string | null;
  error?: string | null;
}

export function renderBayPage(input: BayPageInput): RenderedPage {
  const main = html`
<section class="card now"><h2>Bay camera</h2><p class="stage">RO ${input.roNumber}</p><p>${input.vehicle}${input.plate ? html` · ${input.plate}` : ''}</p>
<p class="muted" id="count" data-live>${input.photoCount === 1 ? '1 photo' : `${input.photoCount} photos`} on this repair so far.</p></section>
<section class="card"><form class="bay" method="post" action="/b/${input.token}/photos" enctype="multipart/form-data" data-upload>
<label for="photos">Take or choose photos</label>
<input id="photos" type="file" name="photos" accept="image/*" capture="environment" multiple required>
<div class="row check"><input id="internal" type="checkbox" name="internal" value="1"${input.publishedByDefault ? '' : raw(' checked')}>
<label for="internal">Internal only: keep these off the customer's page</label></div>
<progress class="hidden" max="1" value="0"></progress>
<div class="row"><button type="submit">Upload</button></div>
<p data-status role="status" class="${input.error ? 'error' : input.notice ? 'note' : ''}">${input.error ?? input.notice ?? ''}</p>
</form></section>`;
  return page({ title: `RO ${input.roNumber}: bay camera`, shop: input.shop, main });
}

export interface ShopPageInput {
  slug: string;
  shop: PortalShop;
  /** The shop takes estimate bookings online (issue 17). */
  booking?: boolean;
  /** A referral code the visitor came with (issue 18), carried on to the booking form. */
  referral?: string | null;
  notice?: string | null;
  error?: string | null;
}

export function renderShopPage(input: ShopPageInput): RenderedPage {
  const main = html`${
    input.booking ? html`<section class="card"><h2>New damage?</h2><p>Choose a time for a free estimate.</p><div class="row"><a class="button" href="/p/${input.slug}/book${input.referral ? `?ref=${encodeURIComponent(input.referral)}` : ''}">Book an estimate</a></div></section>` : ''
  }
<section class="card"><h2>Track my repair</h2>
<p>Enter your repair order number and the last four digits of the phone number we have for you. We will send the link to your repair's page to that phone or email.</p>
<form method="post" action="/p/${input.slug}/track">
<label for="ro">Repair order number</label><input id="ro" type="text" name="ro" inputmode="numeric" autocomplete="off" maxlength="12" required>
<label for="last4">Last four digits of your phone</label><input id="last4" type="tel" name="last4" inputmode="numeric" maxlength="4" autocomplete="off" required>
<div class="row"><button type="submit">Send me the link</button></div>
<p role="status" class="${input.error ? 'error' : input.notice ? 'note' : ''}">${input.error ?? input.notice ?? ''}</p>
</form></section>
<section class="card"><h2>All your repairs</h2><p>Sign in with your mobile number to see every repair you have had with us, your signed documents and your appointments.</p>
<div class="row"><a class="button" href="/p/${input.slug}/account">See all your repairs with ${input.shop.name}</a></div></section>
${contactCard(input.shop)}`;
  return page({
    title: input.shop.name,
    shop: input.shop,
    main,
    logoUrl: input.shop.logoHash ? `/p/${input.slug}/logo` : null,
    script: false,
  });
}

export function renderNotFound(): RenderedPage {
  const main = html`<section class="card"><h2>Link not available</h2>
<p>This link does not work any more. It may have been replaced by a newer one, or the repair was finished some time ago.</p>
<p>Please contact the shop for a new link.</p></section>`;
  return page({ title: 'Link not available', shop: null, main, script: false });
}

export function renderTooMany(): RenderedPage {
  const main = html`<section class="card"><h2>Please wait a moment</h2><p>Too many tries from this connection. Please try again in a few minutes.</p></section>`;
  return page({ title: 'Please wait', shop: null, main, script: false });
}
