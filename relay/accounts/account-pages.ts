// The account's pages, server-rendered like the rest of the portal (they work without JavaScript):
// the mobile number, the texted code, the list of repairs with their documents and appointments,
// and the signed-in devices. Every form carries the session's (or the visit's) CSRF token. Every
// word is the customer catalogue's (account.*), in the reader's language (relay/portal/language.ts).
import { formatPhone } from '../../src-shared/phone.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import { isKind } from '../scheduling/booking.js';
import { type Html, html } from '../portal/html.js';
import type { PortalShop } from '../portal/portal-view.js';
import { page, type RenderedPage } from '../portal/render.js';
import { KIND_KEYS, type PageLanguage, switchOf } from '../scheduling/pages.js';
import type { AccountView } from './account-view.js';
import { documentTitle } from '../esign/disclosure.js';

export interface AccountPageBase {
  slug: string;
  shop: PortalShop;
  csrf: string;
  notice?: string | null;
  error?: string | null;
  lang: PageLanguage;
  /** The shop's country, for showing phone numbers. */
  country?: string | null;
}

function base(slug: string): string {
  return `/p/${slug}/account`;
}

function status(input: { notice?: string | null; error?: string | null }): Html {
  return html`<p role="status" class="${input.error ? 'error' : input.notice ? 'note' : ''}">${input.error ?? input.notice ?? ''}</p>`;
}

function shell(input: AccountPageBase, title: string, main: Html): RenderedPage {
  return page({ title, shop: input.shop, main, words: input.lang.words, headerExtra: switchOf(input.lang), logoUrl: input.shop.logoHash ? `/p/${input.slug}/logo` : null });
}

function phoneText(mobile: string, country: string | null | undefined): string {
  return formatPhone(mobile, country === 'GB' || country === 'CA' ? country : 'US');
}

const SLOT = '\u0001';

/** A sentence naming the phone number, the number kept on one line ("(512) 555-" never ends a line). */
function withPhone(t: CustomerWords['t'], key: string, values: Record<string, unknown>, phone: string): Html {
  const [before, after] = String(t(key, { ...values, mobile: SLOT })).split(SLOT);
  return html`${before}<span class="nowrap">${phone}</span>${after ?? ''}`;
}

/** Step one: the mobile number. */
export function renderNumberPage(input: AccountPageBase & { mobile?: string }): RenderedPage {
  const { t } = input.lang.words;
  const main = html`<section class="card"><h2>${t('account.heading', { shop: input.shop.name })}</h2>
<p>${t('account.intro')}</p>
<form method="post" action="${base(input.slug)}/code">
<input type="hidden" name="csrf" value="${input.csrf}">
<label class="field" for="mobile">${t('account.mobile')}</label>
<input id="mobile" type="tel" name="mobile" inputmode="tel" autocomplete="tel" maxlength="24" value="${input.mobile ?? ''}" required>
<div class="row"><button type="submit">${t('account.textMe')}</button></div>
${status(input)}
</form></section>
<p class="muted acct-foot">${t('account.foot')}</p>`;
  return shell(input, t('account.title', { shop: input.shop.name }), main);
}

/** Step two: the code (the same page whether or not the number is known). */
export function renderCodePage(input: AccountPageBase & { mobile: string; locked?: boolean }): RenderedPage {
  const { t } = input.lang.words;
  const main = html`<section class="card"><h2>${t('account.enterCode')}</h2>
<p>${withPhone(t, 'account.codeSent', {}, phoneText(input.mobile, input.country))}</p>
<form method="post" action="${base(input.slug)}/verify">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="mobile" value="${input.mobile}">
<label class="field" for="code">${t('account.codeLabel')}</label>
<input id="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required>
<div class="row"><button type="submit">${t('account.signIn')}</button></div>
${status(input)}
</form>
${
    input.locked
      ? ''
      : html`<form method="post" action="${base(input.slug)}/code">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="mobile" value="${input.mobile}">
<div class="row"><button type="submit" class="secondary">${t('account.newCode')}</button></div>
</form>`
  }
<p class="muted">${t('account.noText')}</p></section>`;
  return shell(input, t('account.codeTitle', { shop: input.shop.name }), main);
}

const STATE_KEYS: Record<string, string> = {
  invited: 'account.stateInvited',
  requested: 'account.stateRequested',
  confirmed: 'account.stateConfirmed',
  proposed: 'account.stateProposed',
  declined: 'account.stateDeclined',
  cancelled: 'account.stateCancelled',
  completed: 'account.stateCompleted',
  'no-show': 'account.stateNoShow',
};

export interface AccountDevice {
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  device: string;
}

/** A short name for the browser a session signed in from: "Chrome on Android" / "Chrome en Android". */
export function deviceName(userAgent: string | null, words: CustomerWords): string {
  const ua = userAgent ?? '';
  const os = /iPhone|iPad/.test(ua) ? 'iPhone' : /Android/.test(ua) ? 'Android' : /Mac OS X/.test(ua) ? 'Mac' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : words.t('account.aDevice');
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : words.t('account.aBrowser');
  return words.t('account.device', { browser, os });
}

export function renderAccountPage(input: AccountPageBase & { mobile: string; view: AccountView; devices: AccountDevice[] }): RenderedPage {
  const words = input.lang.words;
  const { t } = words;
  const tz = input.shop.timeZone;
  const when = (iso: string | null) => (iso ? words.when(iso, tz) : '');
  const b = base(input.slug);
  const { view } = input;
  const hidden = html`<input type="hidden" name="csrf" value="${input.csrf}">`;
  const repairs = view.repairs.map((r) => {
    const stage = r.stage ? t(`stages.${r.stage}.label`) : t('account.inShop');
    return html`<li class="acct-item"><p class="acct-title">${t('account.ro', { number: r.roNumber })}${r.vehicle ? html` · ${r.vehicle}` : ''}${r.plate ? html` (${r.plate})` : ''}</p>
<p class="muted">${r.closedAt ? t('account.deliveredOn', { when: when(r.closedAt) }) : r.checkedInAt ? t('account.inSince', { stage, when: when(r.checkedInAt) }) : stage}</p>${
      r.pageOpen
        ? html`<form method="post" action="${b}/open">${hidden}<input type="hidden" name="ro" value="${r.id}"><div class="row"><button type="submit">${t('account.openRepair')}</button></div></form>`
        : html`<p class="muted">${t('account.pageClosed')}</p>`
    }${
      r.documents.length
        ? html`<ul class="acct-docs">${r.documents.map(
            (d) =>
              html`<li><span>${documentTitle(d.kind, d.version, d.title, words)}${d.signedAt ? html` <span class="muted">${t('account.signedOn', { when: when(d.signedAt) })}</span>` : ''}</span>${
                r.pageOpen
                  ? html`<form method="post" action="${b}/open">${hidden}<input type="hidden" name="ro" value="${r.id}"><input type="hidden" name="to" value="signed:${d.id}"><button type="submit" class="secondary">${t('account.downloadSigned')}</button></form>`
                  : ''
              }</li>`,
          )}</ul>`
        : ''
    }</li>`;
  });
  const appointments = view.appointments.map((a) => {
    const label = isKind(a.kind) ? t(KIND_KEYS[a.kind].label) : t('account.kindOther');
    const open = ['invited', 'requested', 'confirmed', 'proposed'].includes(a.state);
    return html`<li class="acct-item"><p class="acct-title">${label}${a.startsAt ? html` · ${when(a.startsAt)}` : ''}</p>
<p class="muted">${t(STATE_KEYS[a.state] ?? 'account.stateOther')}${a.roNumber ? ` · ${t('account.ro', { number: a.roNumber })}` : ''}</p>${
      open
        ? html`<form method="post" action="${b}/appointments/${a.id}">${hidden}<div class="row"><button type="submit" class="secondary">${a.state === 'invited' ? t('account.chooseTime') : t('account.changeOrCancel')}</button></div></form>`
        : ''
    }</li>`;
  });
  const mobile = phoneText(input.mobile, input.country);
  const main = html`<section class="hello"><p>${view.firstName ? withPhone(t, 'account.hello', { name: view.firstName }, mobile) : withPhone(t, 'account.helloAnon', {}, mobile)}</p>${status(input)}</section>
<section class="card" aria-labelledby="repairs-h"><h2 id="repairs-h">${t('account.repairs')}</h2>${
    view.repairs.length ? html`<ul class="acct-list">${repairs}</ul>` : html`<p class="muted">${t('account.noRepairs')}</p>`
  }</section>
<section class="card" aria-labelledby="appts-h"><h2 id="appts-h">${t('account.appointments')}</h2>${
    view.appointments.length ? html`<ul class="acct-list">${appointments}</ul>` : html`<p class="muted">${t('account.noAppointments')}</p>`
  }</section>
<section class="card" aria-labelledby="devices-h"><h2 id="devices-h">${t('account.devices')}</h2><ul class="acct-list">${input.devices.map(
    (d) => html`<li class="acct-item"><p class="acct-title">${d.current ? t('account.thisOne', { device: d.device }) : d.device}</p><p class="muted">${t('account.deviceSince', { when: when(d.createdAt), seen: when(d.lastSeenAt) })}</p></li>`,
  )}</ul>
<form method="post" action="${b}/sign-out">${hidden}<div class="row"><button type="submit" class="secondary">${t('account.signOut')}</button></div></form>
<form method="post" action="${b}/sign-out-everywhere">${hidden}<div class="row"><button type="submit">${t('account.signOutEverywhere')}</button></div></form>
<p class="muted">${t('account.everywhereNote')}</p></section>`;
  return shell(input, t('account.title', { shop: input.shop.name }), main);
}

/** Any refusal that is not about a form field (a lost session, a form from elsewhere). */
export function renderAccountMessage(input: { slug: string; shop: PortalShop; heading: string; lines: string[]; lang: PageLanguage }): RenderedPage {
  const main = html`<section class="card"><h2>${input.heading}</h2>${input.lines.map((l) => html`<p>${l}</p>`)}<div class="row"><a class="button" href="${base(input.slug)}">${input.lang.words.t('account.signIn')}</a></div></section>`;
  return page({ title: `${input.shop.name}: ${input.heading}`, shop: input.shop, main, words: input.lang.words, headerExtra: switchOf(input.lang) });
}
