// The Google SDKs as the relay uses them: google-auth-library's OAuth2Client for sign-in (PKCE),
// token refresh and revocation, and googleapis' Gmail v1 client. Both are pointed at the
// configured endpoints (the fake Google in tests and the demo). No retries on sends: an unknown
// outcome is resolved by looking, never by sending again.
import { OAuth2Client } from 'google-auth-library';
// Gmail's own module of googleapis, not its index: the index loads all of Google's APIs (about
// 3 s of a relay's start on these machines, 0.5 s for this one).
import { gmail as gmailClient, type gmail_v1 } from 'googleapis/build/src/apis/gmail/index.js';
import type { GoogleApp } from '../config.js';

export const GMAIL_CALLBACK_PATH = '/mail/gmail/callback';

export function oauthClient(config: GoogleApp, redirectUri?: string): OAuth2Client {
  const base = config.oauthUrl?.replace(/\/+$/, '');
  return new OAuth2Client({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    ...(redirectUri ? { redirectUri } : {}),
    ...(base ? { endpoints: { oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`, oauth2TokenUrl: `${base}/token`, oauth2RevokeUrl: `${base}/revoke` } } : {}),
  });
}

/** A Gmail client acting for the mailbox whose refresh token this is. */
export function gmailFor(config: GoogleApp, refreshToken: string): { gmail: gmail_v1.Gmail; auth: OAuth2Client } {
  const auth = oauthClient(config);
  auth.setCredentials({ refresh_token: refreshToken });
  const gmail = gmailClient({
    version: 'v1',
    // googleapis carries its own copy of google-auth-library; the client is the same class.
    auth: auth as unknown as gmail_v1.Options['auth'],
    retry: false,
    timeout: 20_000,
    ...(config.apiUrl ? { rootUrl: config.apiUrl } : {}),
  });
  return { gmail, auth };
}

/** The HTTP status of an SDK error (gaxios), or null. */
export function statusOf(err: unknown): number | null {
  const e = err as { status?: unknown; code?: unknown; response?: { status?: unknown } };
  const s = e?.response?.status ?? e?.status ?? e?.code;
  return typeof s === 'number' ? s : typeof s === 'string' && /^\d{3}$/.test(s) ? Number(s) : null;
}

/** True when Google no longer accepts the refresh token (revoked, expired, password changed). */
export function isRevokedGrant(err: unknown): boolean {
  const e = err as { message?: string; response?: { data?: { error?: string } } };
  return e?.response?.data?.error === 'invalid_grant' || /invalid_grant/.test(e?.message ?? '');
}
