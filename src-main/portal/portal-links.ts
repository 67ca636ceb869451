// The desk's side of portal and bay-camera links: issuing (the raw token stays in this desk's
// token_secrets; the synced row carries only its hash), revoking, and reading a repair's link
// with its view counts. A desk that is not paired with a relay has no portal to link to.
import { sql } from 'kysely';
import { ApiError } from '../../src-shared/api/errors.js';
import type { BayLink, PortalLink } from '../../src-shared/domain.js';
import { bayUrl, customerLinkExpired, hashToken, newToken, portalUrl, type TokenKind } from '../../src-shared/portal/token.js';
import type { WriteTx } from '../../src-shared/sync/store.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { readDevice } from '../sync/device.js';
import { readSettings } from '../workspace/handlers.js';

/** Bay links die with the dashboard tag: when the car leaves, and at the latest after this. */
export const BAY_LINK_DAYS = 30;

export const NOT_PAIRED =
  'This desk is not connected to a relay yet, so there is no customer portal to link to. Pair it in Settings, then issue the link.';

/** The relay address customers reach (the relay's public URL), or null when this desk is not paired. */
export function portalBase(desk: Desk): { base: string; workspaceId: string } | null {
  const device = readDevice(desk.dataDir);
  if (!device) return null;
  return { base: device.portalUrl ?? device.relayUrl, workspaceId: device.workspace.id };
}

/** Inside a write: adds a token row (hash only) and keeps the raw token on this desk. */
export async function issueToken(
  tx: WriteTx,
  input: { roId: string; kind: TokenKind; workspaceId: string; staffId: string | null; expiresAt: string | null; issuedAt?: string },
): Promise<string> {
  const token = newToken(input.workspaceId);
  const tokenId = await tx.insert('portal_tokens', {
    ro_id: input.roId,
    kind: input.kind,
    token_hash: hashToken(token),
    issued_at: input.issuedAt ?? new Date().toISOString(),
    issued_by: input.staffId,
    expires_at: input.expiresAt,
  });
  await sql`INSERT INTO token_secrets (token_id, token) VALUES (${tokenId}, ${token})`.execute(tx.trx);
  return token;
}

/** Inside a write: every live link of this kind for the repair stops working. */
export async function revokeTokens(tx: WriteTx, roId: string, kind: TokenKind): Promise<number> {
  const live = await tx.trx
    .selectFrom('portal_tokens')
    .select('id')
    .where('ro_id', '=', roId)
    .where('kind', '=', kind)
    .where('revoked_at', 'is', null)
    .execute();
  const now = new Date().toISOString();
  for (const t of live) await tx.update('portal_tokens', t.id, { revoked_at: now });
  return live.length;
}

/**
 * The newest live link of this kind for the repair whose raw token this desk holds (it issued
 * it), or null. `validUntil` skips links that expire before then.
 */
export function heldToken(
  desk: Desk,
  roId: string,
  kind: TokenKind,
  validUntil: string | null = null,
): { token: string; issued_at: string; expires_at: string | null } | null {
  const row = desk.sqlite
    .prepare(
      `SELECT s.token, t.issued_at, t.expires_at FROM token_secrets s JOIN portal_tokens t ON t.id = s.token_id
       WHERE t.ro_id = ? AND t.kind = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
       ORDER BY t.issued_at DESC LIMIT 1`,
    )
    .get(roId, kind, validUntil ?? '') as { token: string; issued_at: string; expires_at: string | null } | undefined;
  return row ?? null;
}

export function bayExpiry(now = new Date()): string {
  return new Date(now.getTime() + BAY_LINK_DAYS * 86_400_000).toISOString();
}

/** The repair's customer link as this desk sees it: whether one works, the URL if this desk holds it, views. */
export async function loadPortalLink(desk: Desk, roId: string): Promise<PortalLink> {
  const where = portalBase(desk);
  const ro = await desk.db.selectFrom('repair_orders').select(['closed_at']).where('id', '=', roId).executeTakeFirst();
  if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
  const settings = await readSettings(desk);
  const expired = customerLinkExpired(ro.closed_at, settings.portalDaysAfterDelivery);
  const tokens = await desk.db
    .selectFrom('portal_tokens')
    .select(['id', 'issued_at'])
    .where('ro_id', '=', roId)
    .where('kind', '=', 'customer')
    .where('revoked_at', 'is', null)
    .orderBy('issued_at', 'desc')
    .execute();
  let url: string | null = null;
  let issuedAt: string | null = tokens[0]?.issued_at ?? null;
  if (where && !expired && tokens.length > 0) {
    const held = heldToken(desk, roId, 'customer');
    if (held) {
      url = portalUrl(where.base, held.token);
      issuedAt = held.issued_at;
    }
  }
  const counts = await desk.db.selectFrom('portal_counts').selectAll().where('ro_id', '=', roId).execute();
  const viewsBySource: Record<string, number> = {};
  let lastViewedAt: string | null = null;
  for (const c of counts) {
    viewsBySource[c.source ?? 'link'] = (viewsBySource[c.source ?? 'link'] ?? 0) + (c.views ?? 0);
    if (c.last_at && (!lastViewedAt || c.last_at > lastViewedAt)) lastViewedAt = c.last_at;
  }
  let problem: string | null = null;
  if (!where) problem = NOT_PAIRED;
  else if (expired) problem = `The link stopped working ${settings.portalDaysAfterDelivery} days after delivery. Issue a new one if the customer needs it.`;
  else if (tokens.length === 0) problem = 'No link has been issued for this repair, or it was revoked.';
  else if (!url) problem = 'The link was issued on another desk. Issue a new one here to copy or print it (the earlier one keeps working).';
  return {
    active: !expired && tokens.length > 0,
    url,
    issuedAt,
    views: Object.values(viewsBySource).reduce((a, b) => a + b, 0),
    viewsBySource,
    lastViewedAt,
    problem,
  };
}

export async function issueBayLink(desk: Desk, roId: string, tx: WriteTx, staffId: string | null): Promise<BayLink> {
  const where = portalBase(desk);
  if (!where) throw new ApiError('not-paired', NOT_PAIRED);
  const expiresAt = bayExpiry();
  await revokeTokens(tx, roId, 'bay');
  const token = await issueToken(tx, { roId, kind: 'bay', workspaceId: where.workspaceId, staffId, expiresAt });
  return { url: bayUrl(where.base, token), expiresAt };
}
