// The "To sign" section of the customer's status page (/t/<token>): documents waiting for the
// customer, and signed ones with their sealed copy. The status page is cached per data change, so
// this list is part of its view and a new request or a signature shows on open pages at once.
import type { Kysely } from 'kysely';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { html, type Html } from '../portal/html.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import { documentTitle } from './disclosure.js';

export interface ToSignItem {
  id: string;
  /** The desk's kind ('authorization', …, 'custom'): named in the reader's words when the list is drawn. */
  kind: string | null;
  version: number | null;
  /** The stored title (the desk's name; the shop's own title for its own PDF). */
  title: string;
  state: string;
  /** A sealed copy can be downloaded. */
  sealed: boolean;
}

export async function loadToSign(db: Kysely<WorkspaceDatabase>, roId: string): Promise<ToSignItem[]> {
  const rows = await db
    .selectFrom('signature_requests')
    .select(['id', 'kind', 'version', 'title', 'state', 'sealed_blob_hash'])
    .where('ro_id', '=', roId)
    .where('state', 'in', ['sent', 'opened', 'signed'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, version: r.version, title: r.title ?? 'Document', state: r.state ?? '', sealed: r.sealed_blob_hash !== null }));
}

export function renderToSign(token: string, items: readonly ToSignItem[] | undefined, words: CustomerWords): Html | string {
  if (!items || items.length === 0) return '';
  const t = words.t;
  const name = (i: ToSignItem) => documentTitle(i.kind, i.version, i.title, words);
  const open = items.filter((i) => i.state !== 'signed');
  const signed = items.filter((i) => i.state === 'signed');
  return html`<section class="card tosign" id="to-sign" data-live aria-labelledby="sign-h"><h2 id="sign-h">${t('esign.toSign')}</h2>${
    open.length === 0
      ? html`<p class="muted">${t('esign.nothingWaiting')}</p>`
      : html`${open.map((i) => html`<p><a class="button" href="/t/${token}/sign/${i.id}">${t('esign.readAndSign', { title: name(i) })}</a></p>`)}`
  }${
    signed.length > 0
      ? html`<h3 class="sub">${t('esign.signedHeading')}</h3><ul>${signed.map((i) =>
          i.sealed
            ? html`<li><a href="/t/${token}/sign/${i.id}/signed.pdf">${t('esign.signedCopy', { title: name(i) })}</a></li>`
            : html`<li>${t('esign.copyPreparing', { title: name(i) })}</li>`,
        )}</ul>`
      : ''
  }</section>`;
}
