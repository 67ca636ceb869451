// The group's public page, /g/<slug> (issue 20): the group's name, logo and colours, then each of
// its locations with its address, phone, opening hours, "Book an estimate" (/p/<slug>/book, when
// the shop takes bookings online) and "Track my repair" (/p/<slug>). Plain HTML in the portal's
// style, no JavaScript; only the group's own locations are read. It speaks the language this
// phone chose (the cookie every customer page reads), in the first location's country.
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import type { PortalShop } from '../portal/portal-view.js';
import { html, type Html } from '../portal/html.js';
import { contactCard, languageSwitch, page, type RenderedPage } from '../portal/render.js';

export interface GroupLocation {
  slug: string;
  shop: PortalShop;
  booking: boolean;
}

export interface GroupPageInput {
  slug: string;
  name: string;
  colorPrimary: string | null;
  colorAccent: string | null;
  hasLogo: boolean;
  locations: GroupLocation[];
  words: CustomerWords;
  /** The languages any of the locations offers its customers (the switch shows for two or more). */
  offered: readonly string[];
}

function location(l: GroupLocation, words: CustomerWords): Html {
  return html`<div class="row group-links">${l.booking ? html`<a class="button" href="/p/${l.slug}/book">${words.t('group.bookAt', { shop: l.shop.name })}</a> ` : ''}<a class="button" href="/p/${l.slug}">${words.t('group.trackAt', { shop: l.shop.name })}</a></div>`;
}

export function renderGroupPage(input: GroupPageInput): RenderedPage {
  const { words } = input;
  const count = input.locations.length;
  const main = html`<section class="card"><h2>${words.t('group.locations')}</h2><p>${count === 0 ? words.t('group.none') : words.t('group.count', { count })} ${words.t('group.help')}</p></section>
${input.locations.map((l) => html`<div class="group-location" data-location="${l.slug}">${contactCard(l.shop, words)}${location(l, words)}</div>`)}`;
  return page({
    title: input.name,
    // The group's own name and colours on its header; each location's card has its own details.
    shop: { name: input.name, phone: '', email: '', address: '', hours: {} as PortalShop['hours'], timeZone: 'UTC', logoHash: null, colorPrimary: input.colorPrimary ?? '', colorAccent: input.colorAccent ?? '' },
    main,
    logoUrl: input.hasLogo ? `/g/${input.slug}/logo` : null,
    words,
    headerExtra: languageSwitch(`/g/${input.slug}/language`, words, input.offered),
    script: false,
  });
}
