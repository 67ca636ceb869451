// Portal and bay-camera links are capabilities: whoever holds the token sees (or adds to) one
// repair. A token is 34 bytes in base64url: the workspace id (16 bytes, so the relay knows which
// shop's data to look in without a global index) and 18 random bytes (144 bits, the secret
// part). Only SHA-256(token) is ever stored in a synced row; the relay keeps nothing else.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_RANDOM_BYTES = 18;
const WORKSPACE_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{46}$/;

export type TokenKind = 'customer' | 'bay';

/** Where a portal visit came from; QR codes carry one per printed document. */
export const PORTAL_SOURCES = ['link', 'qr-work-order', 'qr-tag', 'qr-receipt', 'sms', 'email', 'shop-page'] as const;
export type PortalSource = (typeof PORTAL_SOURCES)[number];

export function isPortalSource(value: unknown): value is PortalSource {
  return typeof value === 'string' && (PORTAL_SOURCES as readonly string[]).includes(value);
}

export function newToken(workspaceId: string): string {
  const ws = workspaceIdBytes(workspaceId);
  if (!ws) throw new Error(`Not a workspace id: ${workspaceId}`);
  return Buffer.concat([ws, randomBytes(TOKEN_RANDOM_BYTES)]).toString('base64url');
}

/** The workspace a well-formed token points into, or null for anything that is not a token. */
export function tokenWorkspace(token: string): string | null {
  if (!TOKEN_PATTERN.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== WORKSPACE_BYTES + TOKEN_RANDOM_BYTES) return null;
  const hex = bytes.subarray(0, WORKSPACE_BYTES).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `${base}/t/<token>?s=<source>` for customers, `${base}/b/<token>` for the bay camera. */
export function portalUrl(base: string, token: string, source: PortalSource = 'link'): string {
  const root = base.replace(/\/+$/, '');
  return source === 'link' ? `${root}/t/${token}` : `${root}/t/${token}?s=${source}`;
}

/** A customer link works until this many days after the car was delivered (`closed_at`). */
export function customerLinkExpired(closedAt: string | null, daysAfterDelivery: number, now = Date.now()): boolean {
  return closedAt !== null && Date.parse(closedAt) + daysAfterDelivery * 86_400_000 < now;
}

export function bayUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/b/${token}`;
}

function workspaceIdBytes(id: string): Buffer | null {
  const hex = id.replace(/-/g, '');
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : null;
}
