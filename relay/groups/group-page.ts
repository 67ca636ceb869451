// The group's public page, /g/<slug> (issue 20): the group's name, logo and colours, then each of
// its locations with its address, phone, opening hours, "Book an estimate" (/p/<slug>/book, when
// the shop takes bookings online) and "Track my repair" (/p/<slug>). Plain HTML in the portal's
// style, no JavaScript; only the group's own locations are read.
import type { PortalShop } from '../portal/portal-view.js';
import { html, type Html } from '../portal/html.js';
import { contactCard, page, type RenderedPage } from '../portal/render.js';

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
}

function location(l: GroupLocation): Html {
  return html`<div class="row group-links">${l.booking ? html`<a class="button" href="/p/${l.slug}/book">Book an estimate at ${l.shop.name}</a> ` : ''}<a class="button" href="/p/${l.slug}">Track my repair at ${l.shop.name}</a></div>`;
}

export function renderGroupPage(input: GroupPageInput): RenderedPage {
  const count = input.locations.length;
  const main = html`<section class="card"><h2>Our locations</h2><p>${
    count === 0 ? 'No locations are listed yet.' : count === 1 ? 'One location.' : `${count} locations.`
  } Book an estimate or follow your repair at the shop that has your car.</p></section>
${input.locations.map((l) => html`<div class="group-location" data-location="${l.slug}">${contactCard(l.shop)}${location(l)}</div>`)}`;
  return page({
    title: input.name,
    // The group's own name and colours on its header; each location's card has its own details.
    shop: { name: input.name, phone: '', email: '', address: '', hours: {} as PortalShop['hours'], timeZone: 'UTC', logoHash: null, colorPrimary: input.colorPrimary ?? '', colorAccent: input.colorAccent ?? '' },
    main,
    logoUrl: input.hasLogo ? `/g/${input.slug}/logo` : null,
    script: false,
  });
}
