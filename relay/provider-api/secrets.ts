// The secrets of the provider API: API keys (shown once, kept as SHA-256) and webhook signatures.
//
// An API key is `bkp_` + 43 base64url characters (32 random bytes). The relay keeps the SHA-256 of
// the whole key and its first 12 characters (the prefix shown beside the key's name). A plain hash
// is right for 256 random bits: nobody can guess backwards from it, and looking a key up by its
// hash costs one index read.
//
// A webhook is signed with the endpoint's secret (`whsec_` + 43 base64url characters):
//   Bayline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The receiver computes the same HMAC over the timestamp header value, a dot and the raw body bytes
// as received, compares in constant time and refuses a timestamp older than a few minutes.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'bkp_';
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const SIGNATURE_HEADER = 'bayline-signature';
export const SCOPES = ['repairs:read', 'exceptions:read', 'sla:read', 'webhooks:read'] as const;
export type Scope = (typeof SCOPES)[number];

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** The header value for `body` sent at `unixSeconds`. */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The receiver's check (the relay's own tests use an independent one): true when the header signs this body within `toleranceSeconds`. */
export function verifySignature(secret: string, header: string | undefined, body: string, nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = 300): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureHeader(secret, t, body).split('v1=')[1]!, 'hex');
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
