// The portal's pages, rendered on the server as plain HTML that reads fully without JavaScript.
// Dates and times are shown in the shop's time zone; stage sentences are the shop's own words.
import { createHash } from 'node:crypto';
import type { OpeningHours } from '../../src-shared/domain.js';
import { DELAY_REASONS } from '../../src-shared/exceptions.js';
import { PORTAL_CSS, PORTAL_JS } from './assets.js';
import { html, type Html, type HtmlValue, raw } from './html.js';
import type { PortalFile, PortalShop, PortalView } from './portal-view.js';
import { renderToSign } from '../esign/portal-section.js';
import { CUSTOMER_LANGUAGES, type CustomerWords, customerWords, ENGLISH, languageName, type WeekdayKey } from '../../src-shared/i18n/index.js';

/** American English: pages drawn before anything says who reads them (a link that does not work). */
const US = customerWords('US', 'en');

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

export function page(input: { title: string; shop: PortalShop | null; main: Html; bodyAttrs?: Html; logoUrl?: string | null; script?: boolean; styles?: readonly string[]; words?: CustomerWords; headerExtra?: Html }): RenderedPage {
  const words = input.words ?? US;
  const primary = input.shop && HEX.test(input.shop.colorPrimary) ? input.shop.colorPrimary : '#1f4e79';
  const accent = input.shop && HEX.test(input.shop.colorAccent) ? input.shop.colorAccent : '#f2a900';
  const style = `:root{--primary:${primary};--accent:${accent}}`;
  const styleHash = `sha256-${createHash('sha256').update(style).digest('base64')}`;
  const shop = input.shop;
  const header = shop
    ? html`<header class="shop"><div class="wrap">${input.logoUrl ? html`<img src="${input.logoUrl}" alt="">` : ''}<h1>${shop.name}</h1>${
        shop.phone ? html`<a class="call" href="tel:${telHref(shop.phone)}">${words.t('common.callUs')}</a>` : ''
      }${input.headerExtra ?? ''}</div></header>`
    : '';
  const body = html`<!doctype html>
<html lang="${words.locale.intl}" dir="${words.locale.direction}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
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

/** An instant, in the shop's time zone: "Tue, Dec 1, 2:15 PM" (in the reader's locale). */
export function formatWhen(iso: string, timeZone: string, words: CustomerWords = US): string {
  return words.when(iso, timeZone);
}

/** A calendar date (YYYY-MM-DD), as written: "Friday, December 4, 2026" (in the reader's locale). */
export function formatDay(date: string, words: CustomerWords = US): string {
  return words.day(date);
}

function vehicleText(v: PortalView['vehicle'], words: CustomerWords): string {
  return [v.year, v.color, v.make, v.model].filter((x) => x !== null && x !== '').join(' ') || words.t('common.yourCar');
}

function mapUrl(address: string): string {
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address)}`;
}

const DAYS: WeekdayKey[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** "17:30" → "5:30 PM" (or "17:30" in the UK), as customers read opening hours. */
export function clock(hhmm: string, words: CustomerWords = US): string {
  return words.clock(hhmm);
}

function hoursList(hours: OpeningHours, words: CustomerWords): Html {
  return html`<dl class="hours">${DAYS.map((key) => {
    const h = hours[key];
    return html`<dt>${words.weekday(key)}</dt><dd>${h ? words.t('common.hoursRange', { open: words.clock(h.open), close: words.clock(h.close) }) : words.t('common.closed')}</dd>`;
  })}</dl>`;
}

export function contactCard(shop: PortalShop, words: CustomerWords = US): Html {
  return html`<section class="card" aria-labelledby="contact-h"><h2 id="contact-h">${words.t('portal.contact')}</h2>
<p><strong>${shop.name}</strong></p>
${shop.phone ? html`<p><a href="tel:${telHref(shop.phone)}">${shop.phone}</a></p>` : ''}
${shop.email ? html`<p><a href="mailto:${shop.email}">${shop.email}</a></p>` : ''}
${shop.address ? html`<p>${shop.address}<br><a href="${mapUrl(shop.address)}" rel="noreferrer noopener" target="_blank">${words.t('portal.openInMaps')}</a></p>` : ''}
<h3 class="sub">${words.t('portal.openingHours')}</h3>${hoursList(shop.hours, words)}</section>`;
}

function fileLinks(token: string, files: PortalFile[], words: CustomerWords): HtmlValue {
  if (files.length === 0) return '';
  return html`<span class="files">${files.map((f) =>
    f.kind === 'photo'
      ? html`<a href="/t/${token}/files/${f.id}/full"><img src="/t/${token}/files/${f.id}/thumb" alt="${f.fileName || words.t('common.photo')}" loading="lazy" width="72" height="72"></a>`
      : html`<a href="/t/${token}/files/${f.id}/file">${f.fileName || words.t('common.document')}</a>`,
  )}</span>`;
}

/**
 * The date card. "Expected ready" is only ever said of a day still to come (or today): once the
 * promised day is over in the shop's zone and the car is not finished, the page says the date
 * passed and that the shop will confirm a new one; the moves of the date stay listed.
 */
function dateCard(view: PortalView, words: CustomerWords): Html {
  const tz = view.shop.timeZone;
  const { t } = words;
  if (view.deliveredAt) return html`<h2 id="date-h">${t('portal.delivered')}</h2><p class="date">${words.when(view.deliveredAt, tz)}</p>`;
  const history =
    view.promisedHistory.length > 0
      ? html`<ul class="moved">${[...view.promisedHistory].reverse().map(
          (m) =>
            html`<li><span class="muted">${t('portal.moved', { when: words.when(m.at, tz), from: m.from ? words.day(m.from) : t('portal.noDate'), to: words.day(m.to) })}</span><br>${m.reason}</li>`,
        )}</ul>`
      : '';
  if (view.stage === 'completed') return html`<h2 id="date-h">${t('portal.ready')}</h2><p>${t('portal.finished')}</p>${history}`;
  if (!view.promisedDate) return html`<h2 id="date-h">${t('portal.expectedReady')}</h2><p>${t('portal.dateAfterApproval')}</p>`;
  if (view.promisedPassed) {
    return html`<h2 id="date-h">${t('portal.readyDate')}</h2><p class="passed">${raw(words.markup('portal.datePassed', { date: words.day(view.promisedDate) }))}</p><p>${t('portal.newDate')}</p>${history}`;
  }
  return html`<h2 id="date-h">${t('portal.expectedReady')}</h2><p class="date">${words.day(view.promisedDate)}</p>${history}`;
}

/**
 * The customer's language switch (a plain form, so it works without JavaScript): each offered
 * language named in itself. Posting it records the choice (for the shop when the page knows the
 * customer) and in a cookie; `back` is the page to return to when the form's address is not it.
 */
export function languageSwitch(action: string, words: CustomerWords, offered: readonly string[], back?: string): Html {
  const languages = CUSTOMER_LANGUAGES.filter((l) => offered.includes(l));
  if (languages.length < 2) return html``;
  return html`<form class="lang" method="post" action="${action}">${back ? html`<input type="hidden" name="back" value="${back}">` : ''}<label for="lang">${words.t('common.language')}</label><select id="lang" name="language" data-autosubmit>${languages.map(
    (l) => html`<option value="${l}" lang="${l}"${l === words.locale.language ? raw(' selected') : ''}>${languageName(l)}</option>`,
  )}</select><button type="submit">${words.t('portal.languageChange')}</button></form>`;
}

/** A stage's label and sentence in the customer's words: the shop's own rewording is kept as written. */
function stageWords(s: PortalView['timeline'][number], words: CustomerWords): { label: string; sentence: string } {
  const english = ENGLISH.stages[s.stage];
  return {
    label: words.t(`stages.${s.stage}.label`),
    sentence: s.sentence === english.sentence ? words.t(`stages.${s.stage}.sentence`) : s.sentence,
  };
}

export interface StatusPageOptions {
  token: string;
  version: string;
  notice?: string | null;
  error?: string | null;
  draft?: string;
  /** The reader's words (the customer's language, the shop's country); American English if not given. */
  words?: CustomerWords;
  /** The languages the shop offers its customers (the switch shows when there are two or more). */
  languages?: readonly string[];
}

const DELAY_KEYS = new Map<string, string>(Object.entries(DELAY_REASONS).map(([key, english]) => [english, key]));

export function renderStatusPage(view: PortalView, options: StatusPageOptions): RenderedPage {
  const { token } = options;
  const words = options.words ?? US;
  const { t } = words;
  const tz = view.shop.timeZone;
  const current = view.timeline.find((s) => s.current)!;
  const currentIndex = view.timeline.indexOf(current);
  const currentWords = stageWords(current, words);
  const greeting = view.customerFirstName ? t('portal.greeting', { name: view.customerFirstName }) : t('portal.greetingAnon');
  const vehicle = vehicleText(view.vehicle, words);
  const delays = view.delays.map((d) => {
    const key = DELAY_KEYS.get(d);
    return key ? t(`delays.${key}`) : d;
  });
  const main = html`
<section class="hello"><p>${
    view.vehicle.plate ? t('portal.helloPlate', { greeting, vehicle, plate: view.vehicle.plate }) : t('portal.hello', { greeting, vehicle })
  }</p><p class="muted">${t('portal.roNumber', { number: view.roNumber })}</p></section>
${renderToSign(token, view.toSign, words)}
<section class="card now" id="now" data-live aria-labelledby="now-h"><h2 id="now-h">${t('portal.rightNow')}</h2>
<p class="stage">${currentWords.label}</p><p>${currentWords.sentence}</p>${
    current.reachedAt ? html`<p class="muted">${t('portal.since', { when: words.when(current.reachedAt, tz) })}</p>` : ''
  }${delays.length > 0 ? html`<p class="delay">${t('portal.holdingUp', { reasons: words.list(delays) })}</p>` : ''}</section>
${(view.invitations ?? []).map(
    (a) =>
      html`<section class="card now" aria-labelledby="appt-${a.id}"><h2 id="appt-${a.id}">${a.kind === 'pickup' ? t('portal.pickup') : t('portal.dropoff')}</h2><p>${t('portal.asksToChoose', { shop: view.shop.name })}</p><div class="row"><a class="button" href="/t/${token}/appointments/${a.id}">${a.kind === 'pickup' ? t('portal.choosePickup') : t('portal.chooseDropoff')}</a></div></section>`,
  )}
<section class="card" id="date" data-live aria-labelledby="date-h">${dateCard(view, words)}</section>
<section class="card" id="steps" data-live aria-labelledby="steps-h"><h2 id="steps-h">${t('portal.steps')}</h2><ol class="steps">${view.timeline.map(
    (s, i) => {
      const state = s.current ? 'current' : i < currentIndex ? (s.reachedAt ? 'done' : 'skipped') : 'todo';
      const sw = stageWords(s, words);
      return html`<li class="${state}"${s.current ? raw(' aria-current="step"') : ''}><span class="line"></span><span class="name">${sw.label}${s.current ? html`<span class="nowmark">${t('portal.nowMark')}</span>` : ''}</span>${
        s.reachedAt ? html`<span class="when">${words.when(s.reachedAt, tz)}</span>` : ''
      }${state === 'skipped' ? html`<span class="what">${t('portal.notNeeded')}</span>` : ''}${
        state === 'current' || state === 'todo' ? html`<span class="what">${sw.sentence}</span>` : ''
      }</li>`;
    },
  )}</ol></section>
<section class="card" id="photos" data-live aria-labelledby="photos-h"><h2 id="photos-h">${t('portal.photos')}</h2>${
    view.photos.length === 0
      ? html`<p class="muted">${t('portal.photosLater')}</p>`
      : html`<p class="muted">${t('portal.photoCount', { count: view.photos.length })}</p><div class="photos">${view.photos.map(
          (p) =>
            html`<a href="/t/${token}/files/${p.id}/full"><img src="/t/${token}/files/${p.id}/thumb" alt="${p.caption ?? t('portal.photoFrom', { when: words.when(p.addedAt, tz) })}" loading="lazy" width="160" height="160"></a>`,
        )}</div>`
  }${
    view.documents.length > 0
      ? html`<h3 class="sub">${t('portal.documents')}</h3><ul>${view.documents.map((d) => html`<li><a href="/t/${token}/files/${d.id}/file">${d.fileName}</a></li>`)}</ul>`
      : ''
  }</section>
<section class="card" aria-labelledby="talk-h"><h2 id="talk-h">${t('portal.messages')}</h2>
<div id="conversation" data-live>${
    view.messages.length === 0
      ? html`<p class="muted">${t('portal.messagesEmpty')}</p>`
      : html`<ul class="msgs">${view.messages.map(
          (m) =>
            html`<li class="${m.direction}"><span class="who">${m.direction === 'in' ? (m.author === 'You' ? t('common.you') : m.author) : m.author} · ${words.when(m.at, tz)}</span>${m.body}${fileLinks(token, m.files, words)}</li>`,
        )}</ul>`
  }</div>
<form class="say" method="post" action="/t/${token}/messages" enctype="multipart/form-data" data-upload>
<label for="body">${t('portal.writeTo', { shop: view.shop.name })}</label>
<textarea id="body" name="body" maxlength="2000">${options.draft ?? ''}</textarea>
<label for="files">${t('portal.addFiles')}</label>
<input id="files" type="file" name="files" accept="image/*,application/pdf" multiple>
<progress class="hidden" max="1" value="0"></progress>
<div class="row"><button type="submit">${t('portal.send')}</button></div>
<p data-status role="status" class="${options.error ? 'error' : options.notice ? 'note' : ''}">${options.error ?? options.notice ?? ''}</p>
</form></section>
${contactCard(view.shop, words)}
<footer class="muted"><p>${t('portal.private')}</p>${
    view.shop.slug ? html`<p><a href="/p/${view.shop.slug}/account">${t('portal.allRepairs', { shop: view.shop.name })}</a></p>` : ''
  }</footer>`;
  return page({
    title: t('portal.title', { shop: view.shop.name }),
    shop: view.shop,
    main,
    words,
    headerExtra: languageSwitch(`/t/${token}/language`, words, options.languages ?? []),
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
  words?: CustomerWords;
}

export function renderShopPage(input: ShopPageInput): RenderedPage {
  const words = input.words ?? US;
  const { t } = words;
  const main = html`${
    input.booking ? html`<section class="card"><h2>${t('shopPage.newDamage')}</h2><p>${t('shopPage.freeEstimate')}</p><div class="row"><a class="button" href="/p/${input.slug}/book${input.referral ? `?ref=${encodeURIComponent(input.referral)}` : ''}">${t('shopPage.book')}</a></div></section>` : ''
  }
<section class="card"><h2>${t('shopPage.track')}</h2>
<p>${t('shopPage.trackHelp')}</p>
<form method="post" action="/p/${input.slug}/track">
<label for="ro">${t('shopPage.roNumber')}</label><input id="ro" type="text" name="ro" inputmode="numeric" autocomplete="off" maxlength="12" required>
<label for="last4">${t('shopPage.last4')}</label><input id="last4" type="tel" name="last4" inputmode="numeric" maxlength="4" autocomplete="off" required>
<div class="row"><button type="submit">${t('shopPage.sendLink')}</button></div>
<p role="status" class="${input.error ? 'error' : input.notice ? 'note' : ''}">${input.error ?? input.notice ?? ''}</p>
</form></section>
<section class="card"><h2>${t('shopPage.allRepairs')}</h2><p>${t('shopPage.allRepairsHelp')}</p>
<div class="row"><a class="button" href="/p/${input.slug}/account">${t('portal.allRepairs', { shop: input.shop.name })}</a></div></section>
${contactCard(input.shop, words)}`;
  return page({
    title: input.shop.name,
    shop: input.shop,
    main,
    words,
    logoUrl: input.shop.logoHash ? `/p/${input.slug}/logo` : null,
    script: false,
  });
}

export function renderNotFound(words: CustomerWords = US): RenderedPage {
  const { t } = words;
  const main = html`<section class="card"><h2>${t('notFound.title')}</h2>
<p>${t('notFound.gone')}</p>
<p>${t('notFound.ask')}</p></section>`;
  return page({ title: t('notFound.title'), shop: null, main, script: false, words });
}

export function renderTooMany(words: CustomerWords = US): RenderedPage {
  const { t } = words;
  const main = html`<section class="card"><h2>${t('tooMany.heading')}</h2><p>${t('tooMany.body')}</p></section>`;
  return page({ title: t('tooMany.title'), shop: null, main, script: false, words });
}
