// The relay operator's Google app and the key that seals mailbox tokens: GOOGLE_CLIENT_ID,
// GOOGLE_CLIENT_SECRET and BAYLINE_MAIL_TOKEN_KEY (or BAYLINE_MAIL_TOKEN_KEY_FILE, a file holding
// the key) from the environment, or the same keys in a JSON file (`--mail-config FILE`; the
// environment wins). GOOGLE_OAUTH_URL / GOOGLE_API_URL point the SDKs elsewhere (the fake Google,
// relay/email/fake-google/). Nothing here is ever logged: the config prints without its secrets.
import fs from 'node:fs';
import { inspect } from 'node:util';
import { parseTokenKey, TokenVault } from './token-vault.js';

/**
 * The scopes asked of the shop's Google account, least privilege for what the hub does:
 * `gmail.modify` reads mail and history and changes labels (marking what was filed) without the
 * right to delete for good (`https://mail.google.com/` would); `gmail.send` sends as the mailbox.
 * `gmail.readonly` alone could not label; no calendar, no contacts. `openid email` is not asked:
 * the address comes from `users.getProfile`.
 */
export const GMAIL_SCOPES = ['https://www.googleapis.com/auth/gmail.modify', 'https://www.googleapis.com/auth/gmail.send'] as const;

export interface GoogleMailConfig {
  clientId: string;
  clientSecret: string;
  /** Where the OAuth authorize, token and revoke endpoints live (Google's unless a fake is set). */
  oauthUrl: string | null;
  /** The Gmail API's root (`rootUrl` of googleapis); Google's unless set. */
  apiUrl: string | null;
  vault: TokenVault;
  /** How often each connected mailbox is polled for new history (ms). */
  pollMs: number;
}

const KEYS = ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'GOOGLE_OAUTH_URL', 'GOOGLE_API_URL', 'BAYLINE_MAIL_TOKEN_KEY', 'BAYLINE_MAIL_TOKEN_KEY_FILE', 'BAYLINE_MAIL_POLL_MS'] as const;

export class MailConfigError extends Error {}

/** Null when no Google app is configured (the relay then runs without mail). */
export function readGoogleMailConfig(env: NodeJS.ProcessEnv = process.env, file?: string): GoogleMailConfig | null {
  let fromFile: Partial<Record<(typeof KEYS)[number], string>> = {};
  if (file) {
    try {
      fromFile = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof fromFile;
    } catch (err) {
      throw new MailConfigError(`Cannot read the mail settings in ${file}: ${(err as Error).message.replace(/[A-Za-z0-9_\-]{24,}/g, '…')}`);
    }
  }
  const get = (key: (typeof KEYS)[number]) => {
    const v = env[key] ?? fromFile[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };
  const clientId = get('GOOGLE_CLIENT_ID');
  if (!clientId) return null;
  const clientSecret = get('GOOGLE_CLIENT_SECRET');
  if (!clientSecret) throw new MailConfigError('GOOGLE_CLIENT_ID is set but GOOGLE_CLIENT_SECRET is not: both come from the Google Cloud console (APIs & Services › Credentials).');
  const keyFile = get('BAYLINE_MAIL_TOKEN_KEY_FILE');
  let keyText = get('BAYLINE_MAIL_TOKEN_KEY');
  if (!keyText && keyFile) {
    try {
      keyText = fs.readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new MailConfigError(`Cannot read the mail token key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
    }
  }
  if (!keyText) throw new MailConfigError('Mail needs a key to seal mailbox tokens: set BAYLINE_MAIL_TOKEN_KEY (make one with `openssl rand -hex 32`) or BAYLINE_MAIL_TOKEN_KEY_FILE.');
  let vault: TokenVault;
  try {
    vault = new TokenVault(parseTokenKey(keyText));
  } catch (err) {
    throw new MailConfigError((err as Error).message);
  }
  const poll = Number(get('BAYLINE_MAIL_POLL_MS') ?? 30_000);
  const config: GoogleMailConfig = {
    clientId,
    clientSecret,
    oauthUrl: get('GOOGLE_OAUTH_URL'),
    apiUrl: get('GOOGLE_API_URL'),
    vault,
    pollMs: Number.isFinite(poll) && poll >= 50 ? poll : 30_000,
  };
  return hideMailSecrets(config);
}

/** A config that prints without its secret and key, whatever logs or throws it. */
export function hideMailSecrets(config: GoogleMailConfig): GoogleMailConfig {
  if (Object.hasOwn(config, 'toJSON')) return config;
  const shown = () => ({ clientId: config.clientId, clientSecret: '[redacted]', oauthUrl: config.oauthUrl, apiUrl: config.apiUrl, vault: '[redacted]', pollMs: config.pollMs });
  Object.defineProperty(config, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: shown, enumerable: false });
  return config;
}
