// The account's pages, server-rendered like the rest of the portal (they work without JavaScript):
// the mobile number, the texted code, the list of repairs with their documents and appointments,
// and the signed-in devices. Every form carries the session's (or the visit's) CSRF token.
import { formatPhone } from '../../src-shared/phone.js';
import { type Html, html } from '../portal/html.js';
import type { PortalShop } from '../portal/portal-view.js';
import { formatWhen, page, type RenderedPage } from '../portal/render.js';
import { KIND_WORDS } from '../scheduling/pages.js';
import type { AccountView } from './account-view.js';

export interface AccountPageBase {
  slug: string;
  shop: PortalShop;
  csrf: string;
  notice?: string | null;
  error?: string | null;
}

function base(slug: string): string {
  return `/p/${slug}/account`;
}

function status(input: { notice?: string | null; error?: string | null }): Html {
  return html`<p role="status" class="${input.error ? 'error' : input.notice ? 'note' : ''}">${input.error ?? input.notice ?? ''}</p>`;
}

function shell(input: AccountPageBase, title: string, main: Html): RenderedPage {
  return page({ title: `${input.shop.name}: ${title}`, shop: input.shop, main, logoUrl: input.shop.logoHash ? `/p/${input.slug}/logo` : null, script: false });
}

/** Step one: the mobile number. */
export function renderNumberPage(input: AccountPageBase & { mobile?: string }): RenderedPage {
  const main = html`<section class="card"><h2>Your repairs with ${input.shop.name}</h2>
<p>See every repair you have had with us, past and present, your signed documents and your appointments. No password: we text a code to your mobile.</p>
<form method="post" action="${base(input.slug)}/code">
<input type="hidden" name="csrf" value="${input.csrf}">
<label class="field" for="mobile">Your mobile number</label>
<input id="mobile" type="tel" name="mobile" inputmode="tel" autocomplete="tel" maxlength="24" value="${input.mobile ?? ''}" required>
<div class="row"><button type="submit">Text me a code</button></div>
${status(input)}
</form></section>
<p class="muted acct-foot">The link on your paperwork or in our texts keeps working without signing in.</p>`;
  return shell(input, 'your repairs', main);
}

/** Step two: the code (the same page whether or not the number is known). */
export function renderCodePage(input: AccountPageBase & { mobile: string; locked?: boolean }): RenderedPage {
  const main = html`<section class="card"><h2>Enter your code</h2>
<p>If <span class="nowrap">${formatPhone(input.mobile)}</span> is the mobile we have for you, we just texted it a 6-digit code. It works for 10 minutes.</p>
<form method="post" action="${base(input.slug)}/verify">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="mobile" value="${input.mobile}">
<label class="field" for="code">Code from the text</label>
<input id="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required>
<div class="row"><button type="submit">Sign in</button></div>
${status(input)}
</form>
${
    input.locked
      ? ''
      : html`<form method="post" action="${base(input.slug)}/code">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="mobile" value="${input.mobile}">
<div class="row"><button type="submit" class="secondary">Text me a new code</button></div>
</form>`
  }
<p class="muted">No text? Check the number, or call us. If you once replied STOP to our texts, text START to our number first.</p></section>`;
  return shell(input, 'enter your code', main);
}

function when(iso: string | null, tz: string): string {
  return iso ? formatWhen(iso, tz) : '';
}

const STATE_WORDS: Record<string, string> = {
  invited: 'the shop asks you to choose a time',
  requested: 'asked for, waiting for the shop',
  confirmed: 'confirmed',
  proposed: 'the shop proposed another time',
  declined: 'declined by the shop',
  cancelled: 'cancelled',
  completed: 'done',
  'no-show': 'missed',
};

export interface AccountDevice {
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  device: string;
}

/** A short name for the browser a session signed in from. */
export function deviceName(userAgent: string | null): string {
  const ua = userAgent ?? '';
  const os = /iPhone|iPad/.test(ua) ? 'iPhone' : /Android/.test(ua) ? 'Android' : /Mac OS X/.test(ua) ? 'Mac' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'a device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'a browser';
  return `${browser} on ${os}`;
}

export function renderAccountPage(input: AccountPageBase & { mobile: string; view: AccountView; devices: AccountDevice[] }): RenderedPage {
  const tz = input.shop.timeZone;
  const b = base(input.slug);
  const { view } = input;
  const hidden = html`<input type="hidden" name="csrf" value="${input.csrf}">`;
  const repairs = view.repairs.map(
    (r) => html`<li class="acct-item"><p class="acct-title">RO ${r.roNumber}${r.vehicle ? html` · ${r.vehicle}` : ''}${r.plate ? html` (${r.plate})` : ''}</p>
<p class="muted">${r.closedAt ? `Delivered ${when(r.closedAt, tz)}` : `${r.stageLabel || 'In the shop'}${r.checkedInAt ? ` · in since ${when(r.checkedInAt, tz)}` : ''}`}</p>${
      r.pageOpen
        ? html`<form method="post" action="${b}/open">${hidden}<input type="hidden" name="ro" value="${r.id}"><div class="row"><button type="submit">Open this repair</button></div></form>`
        : html`<p class="muted">This repair's page has closed. Call us for copies of anything on it.</p>`
    }${
      r.documents.length
        ? html`<ul class="acct-docs">${r.documents.map(
            (d) =>
              html`<li><span>${d.title}${d.signedAt ? html` <span class="muted">signed ${when(d.signedAt, tz)}</span>` : ''}</span>${
                r.pageOpen
                  ? html`<form method="post" action="${b}/open">${hidden}<input type="hidden" name="ro" value="${r.id}"><input type="hidden" name="to" value="signed:${d.id}"><button type="submit" class="secondary">Download signed copy</button></form>`
                  : ''
              }</li>`,
          )}</ul>`
        : ''
    }</li>`,
  );
  const appointments = view.appointments.map((a) => {
    const noun = KIND_WORDS[a.kind as keyof typeof KIND_WORDS]?.noun ?? 'appointment';
    const open = ['invited', 'requested', 'confirmed', 'proposed'].includes(a.state);
    return html`<li class="acct-item"><p class="acct-title">${noun.charAt(0).toUpperCase() + noun.slice(1)}${a.startsAt ? html` · ${when(a.startsAt, tz)}` : ''}</p>
<p class="muted">${STATE_WORDS[a.state] ?? a.state}${a.roNumber ? ` · RO ${a.roNumber}` : ''}</p>${
      open
        ? html`<form method="post" action="${b}/appointments/${a.id}">${hidden}<div class="row"><button type="submit" class="secondary">${a.state === 'invited' ? 'Choose a time' : 'Change or cancel'}</button></div></form>`
        : ''
    }</li>`;
  });
  const main = html`<section class="hello"><p>Hi ${view.firstName ?? 'there'}, you are signed in with <span class="nowrap">${formatPhone(input.mobile)}</span>.</p>${status(input)}</section>
<section class="card" aria-labelledby="repairs-h"><h2 id="repairs-h">Your repairs</h2>${
    view.repairs.length ? html`<ul class="acct-list">${repairs}</ul>` : html`<p class="muted">We have no repairs under this number yet.</p>`
  }</section>
<section class="card" aria-labelledby="appts-h"><h2 id="appts-h">Appointments</h2>${
    view.appointments.length ? html`<ul class="acct-list">${appointments}</ul>` : html`<p class="muted">No appointments.</p>`
  }</section>
<section class="card" aria-labelledby="devices-h"><h2 id="devices-h">Signed in</h2><ul class="acct-list">${input.devices.map(
    (d) => html`<li class="acct-item"><p class="acct-title">${d.device}${d.current ? ' (this one)' : ''}</p><p class="muted">Since ${when(d.createdAt, tz)} · last seen ${when(d.lastSeenAt, tz)}</p></li>`,
  )}</ul>
<form method="post" action="${b}/sign-out">${hidden}<div class="row"><button type="submit" class="secondary">Sign out</button></div></form>
<form method="post" action="${b}/sign-out-everywhere">${hidden}<div class="row"><button type="submit">Sign out everywhere</button></div></form>
<p class="muted">Signing out everywhere also closes the repair pages opened from here on every device.</p></section>`;
  return shell(input, 'your repairs', main);
}

/** Any refusal that is not about a form field (a lost session, a form from elsewhere). */
export function renderAccountMessage(input: { slug: string; shop: PortalShop; heading: string; lines: string[] }): RenderedPage {
  const main = html`<section class="card"><h2>${input.heading}</h2>${input.lines.map((l) => html`<p>${l}</p>`)}<div class="row"><a class="button" href="${base(input.slug)}">Sign in</a></div></section>`;
  return page({ title: `${input.shop.name}: ${input.heading}`, shop: input.shop, main, script: false });
}
