// The booking pages: plain server-rendered forms that work without JavaScript and fit a phone.
// Only free slots are listed (radio buttons grouped by day, in the shop's zone); a refused request
// comes back as the same form with the sentence saying why and what was typed kept. Every word
// comes from the customer catalogue (booking.*) in the reader's language, and dates, times and
// the week's order from Intl in the shop's country (relay/portal/language.ts decides who reads).
import { isReferralCode } from '../csi/referrals.js';
import type { AppointmentKind, Slot } from '../../src-shared/scheduling/types.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import { html, type Html, raw } from '../portal/html.js';
import type { PortalShop } from '../portal/portal-view.js';
import { contactCard, languageSwitch, page, type RenderedPage } from '../portal/render.js';
import { BookingRefused, LIMITS } from './booking.js';

/** The staff's English noun for a kind (audit summaries and the shop's calendar feed only). */
export const KIND_WORDS: Record<AppointmentKind, { noun: string }> = {
  estimate: { noun: 'estimate' },
  'drop-off': { noun: 'drop-off' },
  pickup: { noun: 'pickup' },
};

/** The customer's sentences that name the kind, by key (each language words the kind its own way). */
export const KIND_KEYS: Record<AppointmentKind, { choose: string; suits: string; yours: string; cancelled: string; cancel: string; label: string; confirmed: string }> = {
  estimate: { choose: 'booking.bookEstimate', suits: 'booking.chooseTime', yours: 'booking.yourEstimate', cancelled: 'booking.cancelledEstimate', cancel: 'booking.cancelEstimate', label: 'account.kindEstimate', confirmed: 'booking.confirmedEstimate' },
  'drop-off': { choose: 'booking.chooseDropoff', suits: 'booking.suitsDropoff', yours: 'booking.yourDropoff', cancelled: 'booking.cancelledDropoff', cancel: 'booking.cancelDropoff', label: 'account.kindDropoff', confirmed: 'booking.confirmedDropoff' },
  pickup: { choose: 'booking.choosePickup', suits: 'booking.suitsPickup', yours: 'booking.yourPickup', cancelled: 'booking.cancelledPickup', cancel: 'booking.cancelPickup', label: 'account.kindPickup', confirmed: 'booking.confirmedPickup' },
};

/** A refusal in the reader's words: its catalogue key when it has one, else the text as thrown. */
export function refusalWords(err: BookingRefused, words: CustomerWords): string {
  if (!err.say) return err.message;
  const values = { ...err.say.values };
  // A field named by its form label, in the reader's words.
  if (typeof values.fieldKey === 'string') values.field = words.t(values.fieldKey);
  return words.t(err.say.key, values);
}

/** The language switch on a booking or account page: the choice is kept in a cookie (and, with a customer, for the shop). */
export interface PageLanguage {
  words: CustomerWords;
  offered: readonly string[];
  /** Where the switch posts. */
  action: string;
  /** The page to come back to. */
  back?: string;
}

export function switchOf(lang: PageLanguage): Html {
  return languageSwitch(lang.action, lang.words, lang.offered, lang.back);
}

/** The slots shown on one page: the first days that have any, at most this many. */
const MAX_SHOWN = 36;

export function slotPicker(slots: readonly Slot[], chosen: string | undefined, words: CustomerWords): Html {
  if (slots.length === 0) return html`<p class="error">${words.t('booking.noneFree')}</p>`;
  const shown = slots.slice(0, MAX_SHOWN);
  const days = new Map<string, Slot[]>();
  for (const s of shown) days.set(s.localDate, [...(days.get(s.localDate) ?? []), s]);
  return html`${[...days].map(
    ([date, list]) => html`<fieldset class="slots"><legend>${words.date(date)}</legend><div class="times">${list.map(
      (s) => html`<label><input type="radio" name="slot" value="${s.startsAt}" required${s.startsAt === chosen ? html` checked` : ''}><span>${words.clock(s.localTime)}</span></label>`,
    )}</div></fieldset>`,
  )}`;
}

function status(error?: string | null, notice?: string | null): Html {
  return html`<p role="status" class="${error ? 'error' : notice ? 'note' : ''}" id="status">${error ?? notice ?? ''}</p>`;
}

/** "America/Chicago" → "Chicago"; the zone as a person reads it. */
function zoneName(timeZone: string): string {
  return (timeZone.split('/').pop() ?? timeZone).replace(/_/g, ' ');
}

function confirmLine(shop: PortalShop, words: CustomerWords): Html {
  return html`<p class="muted">${words.t('booking.confirmByText', { zone: zoneName(shop.timeZone) })}</p>`;
}

/** The referral code the visitor came with (`/p/<slug>?ref=…`), carried to the booking. */
function referralField(ref: string | undefined): Html | '' {
  return ref && isReferralCode(ref) ? html`<input type="hidden" name="ref" value="${ref}">` : '';
}

export interface BookEstimateInput {
  slug: string;
  shop: PortalShop;
  slots: readonly Slot[];
  values?: Record<string, string>;
  error?: string | null;
  active: boolean;
  lang: PageLanguage;
}

export function renderBookEstimate(input: BookEstimateInput): RenderedPage {
  const v = input.values ?? {};
  const { words } = input.lang;
  const { t } = words;
  const form = input.active
    ? html`<form class="book" method="post" action="/p/${input.slug}/book" enctype="multipart/form-data">
${status(input.error)}
${referralField(v.ref)}
<label for="name">${t('booking.name')}</label><input id="name" type="text" name="name" autocomplete="name" maxlength="${LIMITS.name}" value="${v.name ?? ''}" required>
<label for="mobile">${t('booking.mobile')}</label><input id="mobile" type="tel" name="mobile" autocomplete="tel" inputmode="tel" maxlength="24" value="${v.mobile ?? ''}" required>
<label for="email">${t('booking.email')}</label><input id="email" type="email" name="email" autocomplete="email" maxlength="${LIMITS.email}" value="${v.email ?? ''}">
<label for="vehicle">${t('booking.vehicle')}</label><input id="vehicle" type="text" name="vehicle" maxlength="${LIMITS.vehicle}" value="${v.vehicle ?? ''}" required>
<label for="description">${t('booking.description')}</label><textarea id="description" name="description" maxlength="${LIMITS.description}">${v.description ?? ''}</textarea>
<label for="photos">${t('booking.photos')}</label><input id="photos" type="file" name="photos" accept="image/*" multiple>
<label for="insurer">${t('booking.insurer')}</label><input id="insurer" type="text" name="insurer" maxlength="${LIMITS.insurer}" value="${v.insurer ?? ''}">
<label for="claim">${t('booking.claim')}</label><input id="claim" type="text" name="claim" maxlength="${LIMITS.claimNumber}" value="${v.claim ?? ''}">
<h3 class="sub">${t('booking.chooseTime')}</h3>
${slotPicker(input.slots, v.slot, words)}
<div class="row"><button type="submit">${t('booking.request')}</button></div>
${confirmLine(input.shop, words)}
</form>`
    : html`<p>${t('booking.notTaking')}</p>`;
  const main = html`<section class="card"><h2>${t('booking.bookEstimate')}</h2>${form}</section>${contactCard(input.shop, words)}`;
  return page({
    title: t('booking.title', { shop: input.shop.name }),
    shop: input.shop,
    main,
    words,
    headerExtra: switchOf(input.lang),
    logoUrl: input.shop.logoHash ? `/p/${input.slug}/logo` : null,
  });
}

export interface ChooseTimeInput {
  action: string;
  shop: PortalShop;
  kind: AppointmentKind;
  heading: string;
  intro: string;
  slots: readonly Slot[];
  chosen?: string;
  error?: string | null;
  back?: string;
  extra?: Html;
  lang: PageLanguage;
}

export function renderChooseTime(input: ChooseTimeInput): RenderedPage {
  const { words } = input.lang;
  const { t } = words;
  const main = html`<section class="card"><h2>${input.heading}</h2>${input.extra ?? ''}${input.intro ? html`<h3 class="sub">${input.intro}</h3>` : ''}
<form class="book" method="post" action="${input.action}">
${status(input.error)}
${slotPicker(input.slots, input.chosen, words)}
${input.slots.length > 0 ? html`<div class="row"><button type="submit">${t('booking.request')}</button></div>` : ''}
${confirmLine(input.shop, words)}
</form>${input.back ? html`<p><a href="${input.back}">${t('booking.back')}</a></p>` : ''}</section>${contactCard(input.shop, words)}`;
  return page({ title: `${input.shop.name}: ${input.heading}`, shop: input.shop, main, words, headerExtra: switchOf(input.lang) });
}

export function renderMessage(input: { shop: PortalShop | null; heading: string; lines: readonly (string | Html)[]; error?: boolean; lang: PageLanguage }): RenderedPage {
  const { words } = input.lang;
  const main = html`<section class="card"><h2>${input.heading}</h2>${input.lines.map((l, i) => html`<p${i === 0 && input.error ? html` class="error"` : ''}>${l}</p>`)}</section>${
    input.shop ? contactCard(input.shop, words) : ''
  }`;
  return page({ title: input.heading, shop: input.shop, main, words, headerExtra: switchOf(input.lang) });
}

/** A catalogue sentence with markup (<strong>), its values escaped. */
export function marked(words: CustomerWords, key: string, values: Record<string, string>): Html {
  return raw(words.markup(key, values));
}
