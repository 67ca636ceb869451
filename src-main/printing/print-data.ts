// Everything a printed document shows, gathered from the desk: the shop (with its logo as an
// image pdfkit can embed), the repair order, and the links its QR codes carry. Printing a
// document hands out links the way the desk does elsewhere: the customer link this desk already
// holds, or a new one when it holds none (issued and audited like any other); the bay camera
// link of the dashboard tag is reused while it has more than a day to run, so previewing a tag
// never kills the one already hanging in the car.
import sharp from 'sharp';
import type { RepairOrderDetail, WorkspaceSettings } from '../../src-shared/domain.js';
import { bayUrl, customerLinkExpired, type PortalSource, portalUrl } from '../../src-shared/portal/token.js';
import { type CustomerWords, customerWords } from '../../src-shared/i18n/index.js';
import { intent } from '../api/actor.js';
import type { HandlerContext } from '../api/dispatch.js';
import { hasLocalBlob, localBlobPath } from '../blobs/local-blobs.js';
import { loadDetail } from '../repair-orders/queries.js';
import { heldToken, issueBayLink, issueToken, portalBase } from '../portal/portal-links.js';
import { readSettings } from '../workspace/handlers.js';
import type { PrintKind } from '../../src-shared/printing.js';

export interface PrintData {
  shop: WorkspaceSettings;
  /** The logo as PNG, or null when the shop has none or this desk has not downloaded it yet. */
  logo: Buffer | null;
  ro: RepairOrderDetail;
  /** Who checked the car in (the first stage event's staff member), if anyone was switched in. */
  checkedInBy: string | null;
  /** The customer's status link with this document's scan marker, or why there is none. */
  customerUrl: string | null;
  customerUrlProblem: string | null;
  /** The same reason as the customer reads it on paper. */
  customerUrlProblemKey: 'printed.noRelay' | 'printed.linkExpired' | null;
  /**
   * The customer's words and formats (their language, the shop's country): the parts of a paper
   * the customer reads (the work order's customer part, the receipt, the customer's QR block).
   * Staff parts (notes, the dashboard tag) stay in the shop's language.
   */
  words: CustomerWords;
  /** The bay camera link (dashboard tag only). */
  bayUrl: string | null;
  printedAt: Date;
}

const SOURCE_OF: Record<PrintKind, PortalSource> = {
  'work-order': 'qr-work-order',
  tag: 'qr-tag',
  receipt: 'qr-receipt',
};

const NO_RELAY = 'Not connected to the shop’s relay yet: ask the front desk for your status link.';

export async function gatherPrintData(ctx: HandlerContext, roId: string, kind: PrintKind): Promise<PrintData> {
  const { desk } = ctx;
  const ro = await loadDetail(desk, roId);
  const shop = await readSettings(desk);
  const where = portalBase(desk);

  let customerUrl: string | null = null;
  let customerUrlProblem: string | null = null;
  let customerUrlProblemKey: PrintData['customerUrlProblemKey'] = null;
  if (!where) {
    customerUrlProblem = NO_RELAY;
    customerUrlProblemKey = 'printed.noRelay';
  } else if (customerLinkExpired(ro.closedAt, shop.portalDaysAfterDelivery)) {
    customerUrlProblem = 'The status link for this repair has expired.';
    customerUrlProblemKey = 'printed.linkExpired';
  } else {
    let token = heldToken(desk, roId, 'customer')?.token ?? null;
    if (!token) {
      token = await desk.store.write(intent(ctx, 'portal-link-issue', 'Portal link issued for printing', roId), (tx) =>
        issueToken(tx, { roId, kind: 'customer', workspaceId: where.workspaceId, staffId: ctx.session.staffId, expiresAt: null }),
      );
    }
    customerUrl = portalUrl(where.base, token, SOURCE_OF[kind]);
  }

  let bay: string | null = null;
  if (kind === 'tag' && where && !ro.closed) {
    const dayFromNow = new Date(Date.now() + 86_400_000).toISOString();
    const held = heldToken(desk, roId, 'bay', dayFromNow);
    bay = held
      ? bayUrl(where.base, held.token)
      : (
          await desk.store.write(intent(ctx, 'bay-link-issue', 'Bay camera link issued for the dashboard tag', roId), (tx) =>
            issueBayLink(desk, roId, tx, ctx.session.staffId),
          )
        ).url;
  }

  return {
    shop,
    logo: await logoImage(desk.dataDir, shop.logoHash),
    ro,
    checkedInBy: ro.timeline[0]?.staffName ?? null,
    customerUrl,
    customerUrlProblem,
    customerUrlProblemKey,
    words: customerWords(shop.country, ro.customer.language, { pseudo: false }),
    bayUrl: bay,
    printedAt: new Date(),
  };
}

const logos = new Map<string, Buffer>();

/** The shop's logo as a PNG of at most 600 px (pdfkit embeds JPEG and PNG only; a WebP logo is converted). */
export async function logoImage(dataDir: string, hash: string | null): Promise<Buffer | null> {
  if (!hash || !(await hasLocalBlob(dataDir, hash))) return null;
  let png = logos.get(hash);
  if (!png) {
    try {
      png = await sharp(localBlobPath(dataDir, hash)).rotate().resize({ width: 600, height: 600, fit: 'inside', withoutEnlargement: true }).png().toBuffer();
    } catch (err) {
      // A logo that cannot be read must not stop a work order from printing.
      console.warn('[printing] the shop logo could not be read:', (err as Error).message);
      return null;
    }
    logos.set(hash, png);
  }
  return png;
}
