// The booking pages: plain server-rendered forms that work without JavaScript and fit a phone.
// Only free slots are listed (radio buttons grouped by day, in the shop's zone); a refused request
// comes back as the same form with the sentence saying why and what was typed kept.
import { isReferralCode } from '../csi/referrals.js';
import { DateTime } from 'luxon';
import type { AppointmentKind, Slot } from '../../src-shared/scheduling/types.js';
import { html, type Html } from '../portal/html.js';
import type { PortalShop } from '../portal/portal-view.js';
import { contactCard, page, type RenderedPage } from '../portal/render.js';
import { LIMITS } from './booking.js';

export const KIND_WORDS: Record<AppointmentKind, { noun: string; choose: string }> = {
  estimate: { noun: 'estimate', choose: 'Book an estimate' },
  'drop-off': { noun: 'drop-off', choose: 'Choose a drop-off time' },
  pickup: { noun: 'pickup', choose: 'Choose a pickup time' },
};

/** The slots shown on one page: the first days that have any, at most this many. */
const MAX_SHOWN = 36;

function dayHeading(date: string): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).setLocale('en-US').toFormat('cccc, LLLL d');
}

function timeLabel(time: string): string {
  return DateTime.fromFormat(time, 'HH:mm', { zone: 'UTC' }).setLocale('en-US').toFormat('h:mm a');
}

export function slotPicker(slots: readonly Slot[], chosen: string | undefined): Html {
  if (slots.length === 0) return html`<p class="error">There are no free times online right now. Please call the shop.</p>`;
  const shown = slots.slice(0, MAX_SHOWN);
  const days = new Map<string, Slot[]>();
  for (const s of shown) days.set(s.localDate, [...(days.get(s.localDate) ?? []), s]);
  return html`${[...days].map(
    ([date, list]) => html`<fieldset class="slots"><legend>${dayHeading(date)}</legend><div class="times">${list.map(
      (s) => html`<label><input type="radio" name="slot" value="${s.startsAt}" required${s.startsAt === chosen ? html` checked` : ''}><span>${timeLabel(s.localTime)}</span></label>`,
    )}</div></fieldset>`,
  )}`;
}

function status(error?: string | null, notice?: string | null): Html {
  return html`<p role="status" class="${error ? 'error' : notice ? 'note' : ''}" id="status">${error ?? notice ?? ''}</p>`;
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
}

export function renderBookEstimate(input: BookEstimateInput): RenderedPage {
  const v = input.values ?? {};
  const form = input.active
    ? html`<form class="book" method="post" action="/p/${input.slug}/book" enctype="multipart/form-data">
${status(input.error)}
${referralField(v.ref)}
<label for="name">Your name</label><input id="name" type="text" name="name" autocomplete="name" maxlength="${LIMITS.name}" value="${v.name ?? ''}" required>
<label for="mobile">Mobile number</label><input id="mobile" type="tel" name="mobile" autocomplete="tel" inputmode="tel" maxlength="24" value="${v.mobile ?? ''}" required>
<label for="email">Email (optional)</label><input id="email" type="email" name="email" autocomplete="email" maxlength="${LIMITS.email}" value="${v.email ?? ''}">
<label for="vehicle">Vehicle (year, make, model)</label><input id="vehicle" type="text" name="vehicle" maxlength="${LIMITS.vehicle}" value="${v.vehicle ?? ''}" required>
<label for="description">What happened? (short)</label><textarea id="description" name="description" maxlength="${LIMITS.description}">${v.description ?? ''}</textarea>
<label for="photos">Photos of the damage (optional)</label><input id="photos" type="file" name="photos" accept="image/*" multiple>
<label for="insurer">Insurance company, if any</label><input id="insurer" type="text" name="insurer" maxlength="${LIMITS.insurer}" value="${v.insurer ?? ''}">
<label for="claim">Claim number, if you have one</label><input id="claim" type="text" name="claim" maxlength="${LIMITS.claimNumber}" value="${v.claim ?? ''}">
<h3 class="sub">Choose a time</h3>
${slotPicker(input.slots, v.slot)}
<div class="row"><button type="submit">Request this time</button></div>
<p class="muted">The shop confirms your time by text. Times are ${input.shop.timeZone.replace(/_/g, ' ')} time.</p>
</form>`
    : html`<p>This shop is not taking estimate bookings online right now. Please call the shop.</p>`;
  const main = html`<section class="card"><h2>Book an estimate</h2>${form}</section>${contactCard(input.shop)}`;
  return page({ title: `${input.shop.name}: book an estimate`, shop: input.shop, main, logoUrl: input.shop.logoHash ? `/p/${input.slug}/logo` : null, script: false });
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
}

export function renderChooseTime(input: ChooseTimeInput): RenderedPage {
  const main = html`<section class="card"><h2>${input.heading}</h2>${input.extra ?? ''}${input.intro ? html`<h3 class="sub">${input.intro}</h3>` : ''}
<form class="book" method="post" action="${input.action}">
${status(input.error)}
${slotPicker(input.slots, input.chosen)}
${input.slots.length > 0 ? html`<div class="row"><button type="submit">Request this time</button></div>` : ''}
<p class="muted">The shop confirms your time by text. Times are ${input.shop.timeZone.replace(/_/g, ' ')} time.</p>
</form>${input.back ? html`<p><a href="${input.back}">Back</a></p>` : ''}</section>${contactCard(input.shop)}`;
  return page({ title: `${input.shop.name}: ${input.heading}`, shop: input.shop, main, script: false });
}

export function renderMessage(input: { shop: PortalShop | null; heading: string; lines: readonly (string | Html)[]; error?: boolean }): RenderedPage {
  const main = html`<section class="card"><h2>${input.heading}</h2>${input.lines.map((l, i) => html`<p${i === 0 && input.error ? html` class="error"` : ''}>${l}</p>`)}</section>${
    input.shop ? contactCard(input.shop) : ''
  }`;
  return page({ title: input.heading, shop: input.shop, main, script: false });
}
