// The group admin's pages (issue 20): sign in by a mailed link, then every location's figures in
// columns with the group's total beside them, for a period, with a CSV of the same table. Plain
// HTML in the portal's frame (the group's name, colours and logo), no JavaScript.
import { html, type Html, raw } from '../portal/html.js';
import { page, type RenderedPage } from '../portal/render.js';
import type { PortalShop } from '../portal/portal-view.js';
import type { GroupRecord } from './group-records.js';
import { type GroupReport, groupRows, showValue } from './group-reports.js';

export const ADMIN_CSS = `
.group-admin-page .wrap{max-width:1240px}
.group-admin{max-width:none}
.group-admin .period{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin:0 0 1rem}
.group-admin .period label{display:flex;flex-direction:column;font-weight:600;font-size:.9rem;gap:.25rem}
.group-admin .period input{font:inherit;padding:.45rem .5rem;border:1px solid #8a8f98;border-radius:6px;min-height:2.5rem}
.group-admin .period button,.group-admin .actions a,.group-admin .actions button{font:inherit;min-height:2.5rem}
.group-admin .actions{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center;margin:0 0 1rem}
.group-admin .actions form{margin:0}
.table-scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid #d5d9df;border-radius:8px;background:#fff}
table.side-by-side{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
table.side-by-side th,table.side-by-side td{padding:.5rem .75rem;border-bottom:1px solid #e3e6ea;text-align:right;white-space:nowrap}
table.side-by-side th[scope=row]{text-align:left;font-weight:500;white-space:normal;min-width:13rem;position:sticky;left:0;background:#fff}
table.side-by-side thead th{background:#f3f5f8;font-weight:700;vertical-align:bottom}
table.side-by-side thead th:first-child{text-align:left;position:sticky;left:0}
table.side-by-side tr.section th{background:#f8f9fb;text-align:left;font-weight:700;padding-top:.75rem;position:static}
table.side-by-side td.total,table.side-by-side th.total{border-left:2px solid var(--primary);font-weight:700}
.group-admin .note{color:#4a5059;font-size:.9rem}
table.side-by-side caption{caption-side:bottom;text-align:left;padding:.5rem .75rem}
.group-admin .error{border-left:4px solid #b42318;padding:.5rem .75rem;background:#fdf1f0}
@media (max-width:600px){table.side-by-side th[scope=row]{min-width:9rem}table.side-by-side th,table.side-by-side td{padding:.45rem .5rem}}
`;

function frame(group: GroupRecord, title: string, main: Html): RenderedPage {
  return page({
    title: `${title} · ${group.name}`,
    shop: { name: group.name, phone: '', email: '', address: '', hours: {} as PortalShop['hours'], timeZone: 'UTC', logoHash: null, colorPrimary: group.colorPrimary ?? '', colorAccent: group.colorAccent ?? '' },
    main,
    logoUrl: group.logo ? `/g/${group.slug}/logo` : null,
    script: false,
    styles: [`/g/${group.slug}/admin/style.css`],
    bodyAttrs: raw(' class="group-admin-page"'),
  });
}

export function signInPage(group: GroupRecord, csrf: string, message: { kind: 'sent' | 'error'; text: string } | null = null): RenderedPage {
  return frame(
    group,
    'Sign in',
    html`<section class="card group-admin"><h2>Reports across our locations</h2>
<p>Group admins sign in with a link sent by e-mail. Type your address and we will send one that works once, for 30 minutes.</p>
${message ? html`<p class="${message.kind === 'error' ? 'error' : 'note'}" role="${message.kind === 'error' ? 'alert' : 'status'}">${message.text}</p>` : ''}
<form method="post" action="/g/${group.slug}/admin/sign-in" class="period">
<input type="hidden" name="_csrf" value="${csrf}">
<label>E-mail address<input type="email" name="email" autocomplete="email" required maxlength="254"></label>
<button class="button" type="submit">Send me a link</button>
</form></section>`,
  );
}

export function linkPage(group: GroupRecord, token: string, csrf: string): RenderedPage {
  return frame(
    group,
    'Sign in',
    html`<section class="card group-admin"><h2>Sign in to ${group.name} reports</h2>
<p>This link works once. Press the button to sign in on this device.</p>
<form method="post" action="/g/${group.slug}/admin/link/${token}"><input type="hidden" name="_csrf" value="${csrf}"><button class="button" type="submit">Sign in</button></form></section>`,
  );
}

export function messagePage(group: GroupRecord, title: string, text: string, back: boolean): RenderedPage {
  return frame(group, title, html`<section class="card group-admin"><h2>${title}</h2><p>${text}</p>${back ? html`<p><a class="button" href="/g/${group.slug}/admin/sign-in">Ask for a new link</a></p>` : ''}</section>`);
}

export function reportPage(input: { group: GroupRecord; report: GroupReport | null; period: { from: string; to: string }; error: string | null; csrf: string; who: string }): RenderedPage {
  const { group, report, period } = input;
  const query = `from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}`;
  const periodForm = html`<form method="get" action="/g/${group.slug}/admin" class="period" aria-label="Period">
<label>From<input type="date" name="from" value="${period.from}" required></label>
<label>To<input type="date" name="to" value="${period.to}" required></label>
<button class="button" type="submit">Show</button></form>`;
  let table: Html | string = '';
  if (report) {
    let section = '';
    const rows: Html[] = [];
    for (const r of groupRows(report)) {
      if (r.section !== section) {
        section = r.section;
        rows.push(html`<tr class="section"><th scope="rowgroup" colspan="${report.locations.length + 2}">${section}</th></tr>`);
      }
      rows.push(html`<tr><th scope="row">${r.label}</th>${r.values.map((v) => html`<td>${showValue(v, r.unit)}</td>`)}<td class="total">${showValue(r.total, r.unit)}</td></tr>`);
    }
    table = html`<div class="table-scroll" tabindex="0" role="region" aria-label="Figures by location"><table class="side-by-side">
<caption class="note">Each location's figures are its own Reports screen's for these days (repairs delivered in the period). The group column adds counts and weights each average by what it was taken over; — means nothing to measure.</caption>
<thead><tr><th scope="col">Figure</th>${report.locations.map((l) => html`<th scope="col" data-location="${l.slug}">${l.name}</th>`)}<th scope="col" class="total">Group</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
  }
  return frame(
    group,
    'Reports',
    html`<section class="card group-admin"><h2>Reports across our locations</h2>
${periodForm}
<div class="actions">${report ? html`<a class="button" href="/g/${group.slug}/admin/report.csv?${query}" download>Export CSV</a>` : ''}
<span class="note">Signed in as ${input.who}</span>
<form method="post" action="/g/${group.slug}/admin/sign-out"><input type="hidden" name="_csrf" value="${input.csrf}"><button type="submit">Sign out</button></form></div>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
${report && report.locations.length === 0 ? html`<p>No locations are in the group yet.</p>` : table}</section>`,
  );
}
