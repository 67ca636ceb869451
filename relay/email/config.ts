// The relay's mail settings: the key that seals mailbox secrets (BAYLINE_MAIL_TOKEN_KEY, or
// BAYLINE_MAIL_TOKEN_KEY_FILE, a file holding it) and the operator's provider apps — Google's
// GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (GOOGLE_OAUTH_URL / GOOGLE_API_URL point the SDKs
// elsewhere: the fake Google, relay/email/fake-google/), Microsoft's MICROSOFT_CLIENT_ID,
// MICROSOFT_CLIENT_SECRET and MICROSOFT_TENANT (`common` unless set; MICROSOFT_AUTHORITY_URL /
// MICROSOFT_GRAPH_URL point MSAL and the Graph client at the fake Microsoft,
// relay/email/fake-microsoft/) — from the environment, or the same keys in a JSON file
// (`--mail-config FILE`; the environment wins). A key without any app still lets shops connect a
// plain IMAP/SMTP mailbox. Gmail push adds GMAIL_PUBSUB_TOPIC, GMAIL_PUSH_SERVICE_ACCOUNT and
// optionally GMAIL_PUSH_AUDIENCE, GMAIL_PUSH_LABELS, GMAIL_PUSH_CERTS_URL. Nothing here is ever
// logged: the config prints without its
// secrets.
import fs from 'node:fs';
import { inspect } from 'node:util';
import { parseTokenKey, TokenVault } from './token-vault.js';

/**
 * The scopes asked of the shop's Google account, least privilege for what the hub does:
 * `gmail.modify` reads mail and history and changes labels (marking what was filed) without the
 * right to delete for good (`https://mail.google.com/` would); `gmail.send` sends as the mailbox.
 * `gmail.readonly` alone could not label; `calendar.events` writes the shop's confirmed
 * appointments to its calendar (events only: not the calendars' list or settings); no contacts.
 * `openid email` is not asked: the address comes from `users.getProfile`.
 */
export const GMAIL_SCOPES = ['https://www.googleapis.com/auth/gmail.modify', 'https://www.googleapis.com/auth/gmail.send', 'https://www.googleapis.com/auth/calendar.events'] as const;

export interface GoogleApp {
  clientId: string;
  clientSecret: string;
  /** Where the OAuth authorize, token and revoke endpoints live (Google's unless a fake is set). */
  oauthUrl: string | null;
  /** The Gmail API's root (`rootUrl` of googleapis); Google's unless set. */
  apiUrl: string | null;
  /** Gmail push through Pub/Sub (./gmail/push-route.ts); absent or null: mailboxes are polled. */
  push?: GmailPushSettings | null;
}

/**
 * Gmail push: Gmail publishes "this mailbox changed" to the operator's Pub/Sub topic (`users.watch`)
 * and a push subscription on it POSTs to the relay's /mail/gmail/push, signed with an OIDC token
 * of the subscription's service account. None of it is secret (the token's signature is the proof).
 */
export interface GmailPushSettings {
  /** GMAIL_PUBSUB_TOPIC: projects/<project>/topics/<topic>, where gmail-api-push@system.gserviceaccount.com may publish. */
  topic: string;
  /** GMAIL_PUSH_SERVICE_ACCOUNT: the service account the push subscription signs its tokens as. */
  serviceAccount: string;
  /** GMAIL_PUSH_AUDIENCE: the audience the subscription puts in its tokens; null: the relay's push URL. */
  audience: string | null;
  /** GMAIL_PUSH_LABELS: the labels whose changes push (INBOX and SENT by default); empty: every change. */
  labelIds: string[];
  /** GMAIL_PUSH_CERTS_URL: Google's signing certificates (PEM); null: under GOOGLE_OAUTH_URL when set, else Google's. */
  certsUrl: string | null;
}

/** Where pushes arrive, under the relay's public URL. */
export const GMAIL_PUSH_PATH = '/mail/gmail/push';

/**
 * The delegated permissions asked of the shop's Microsoft 365 account, least privilege for what the
 * hub does: `Mail.Read` reads the inbox and Sent Items (delta queries, the raw MIME, the search for
 * a sent Message-ID) and lets a change-notification subscription watch new mail; `Mail.Send` sends
 * as the mailbox (`sendMail` with the MIME Bayline built); `User.Read` gives the address (`/me`);
 * `offline_access` gives the refresh token. `Mail.ReadWrite` is not asked: Bayline changes nothing
 * in the mailbox (no read marks, no moves, no drafts: mail goes out by `sendMail`, not a draft).
 * `Calendars.ReadWrite` writes the shop's confirmed appointments to the mailbox's calendar.
 * MSAL adds `openid profile` to every sign-in on its own.
 */
export const OUTLOOK_SCOPES = ['offline_access', 'Mail.Read', 'Mail.Send', 'User.Read', 'Calendars.ReadWrite'] as const;

export interface MicrosoftApp {
  clientId: string;
  clientSecret: string;
  /** The directory signing in: `common` (work, school and personal accounts), `organizations`, or a tenant id. */
  tenant: string;
  /** Where the Microsoft identity platform is (https://login.microsoftonline.com unless a fake is set). */
  authorityUrl: string | null;
  /** Microsoft Graph's root (https://graph.microsoft.com unless set). */
  graphUrl: string | null;
}

export interface MailConfig {
  vault: TokenVault;
  /** How often each connected mailbox is polled for what changed (ms). */
  pollMs: number;
  /** The operator's Google app; null: no "Connect Gmail". */
  google: GoogleApp | null;
  /** The operator's Microsoft (Entra ID) app; null: no "Connect Outlook". */
  microsoft: MicrosoftApp | null;
}

const KEYS = [
  'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'GOOGLE_OAUTH_URL', 'GOOGLE_API_URL',
  'GMAIL_PUBSUB_TOPIC', 'GMAIL_PUSH_SERVICE_ACCOUNT', 'GMAIL_PUSH_AUDIENCE', 'GMAIL_PUSH_LABELS', 'GMAIL_PUSH_CERTS_URL',
  'MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET', 'MICROSOFT_TENANT', 'MICROSOFT_AUTHORITY_URL', 'MICROSOFT_GRAPH_URL',
  'BAYLINE_MAIL_TOKEN_KEY', 'BAYLINE_MAIL_TOKEN_KEY_FILE', 'BAYLINE_MAIL_POLL_MS',
] as const;

export class MailConfigError extends Error {}

/** Null when neither a token key nor a provider app is set (the relay then runs without mail). */
export function readMailConfig(env: NodeJS.ProcessEnv = process.env, file?: string): MailConfig | null {
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
  const clientSecret = get('GOOGLE_CLIENT_SECRET');
  if (clientId && !clientSecret) throw new MailConfigError('GOOGLE_CLIENT_ID is set but GOOGLE_CLIENT_SECRET is not: both come from the Google Cloud console (APIs & Services › Credentials).');
  const google: GoogleApp | null = clientId && clientSecret ? { clientId, clientSecret, oauthUrl: get('GOOGLE_OAUTH_URL'), apiUrl: get('GOOGLE_API_URL'), push: readGmailPush(get) } : null;
  if (!google && get('GMAIL_PUBSUB_TOPIC')) throw new MailConfigError('GMAIL_PUBSUB_TOPIC is set but there is no Google app: Gmail push also needs GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET.');
  const msId = get('MICROSOFT_CLIENT_ID');
  const msSecret = get('MICROSOFT_CLIENT_SECRET');
  if (msId && !msSecret) throw new MailConfigError('MICROSOFT_CLIENT_ID is set but MICROSOFT_CLIENT_SECRET is not: both come from the Microsoft Entra admin center (App registrations › your app › Certificates & secrets).');
  if (!msId && msSecret) throw new MailConfigError('MICROSOFT_CLIENT_SECRET is set but MICROSOFT_CLIENT_ID is not: the id is the app\'s "Application (client) ID" in the Microsoft Entra admin center.');
  const tenant = get('MICROSOFT_TENANT') ?? 'common';
  if (!/^[A-Za-z0-9.-]+$/.test(tenant)) throw new MailConfigError(`MICROSOFT_TENANT must be "common", "organizations" or a directory (tenant) id or domain, not "${tenant.slice(0, 60)}".`);
  for (const key of ['MICROSOFT_AUTHORITY_URL', 'MICROSOFT_GRAPH_URL'] as const) {
    const v = get(key);
    if (v && !/^https?:\/\/[^\s/]+/.test(v)) throw new MailConfigError(`${key} must be a web address such as https://login.microsoftonline.com, not "${v.slice(0, 60)}".`);
  }
  const microsoft: MicrosoftApp | null = msId && msSecret
    ? { clientId: msId, clientSecret: msSecret, tenant, authorityUrl: get('MICROSOFT_AUTHORITY_URL')?.replace(/\/+$/, '') ?? null, graphUrl: get('MICROSOFT_GRAPH_URL')?.replace(/\/+$/, '') ?? null }
    : null;
  const keyFile = get('BAYLINE_MAIL_TOKEN_KEY_FILE');
  let keyText = get('BAYLINE_MAIL_TOKEN_KEY');
  if (!keyText && keyFile) {
    try {
      keyText = fs.readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new MailConfigError(`Cannot read the mail token key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
    }
  }
  if (!keyText && !google && !microsoft) return null;
  if (!keyText) throw new MailConfigError('Mail needs a key to seal mailbox tokens: set BAYLINE_MAIL_TOKEN_KEY (make one with `openssl rand -hex 32`) or BAYLINE_MAIL_TOKEN_KEY_FILE.');
  let vault: TokenVault;
  try {
    vault = new TokenVault(parseTokenKey(keyText));
  } catch (err) {
    throw new MailConfigError((err as Error).message);
  }
  const poll = Number(get('BAYLINE_MAIL_POLL_MS') ?? 30_000);
  return hideMailSecrets({ vault, pollMs: Number.isFinite(poll) && poll >= 50 ? poll : 30_000, google, microsoft });
}

function readGmailPush(get: (key: (typeof KEYS)[number]) => string | null): GmailPushSettings | null {
  const topic = get('GMAIL_PUBSUB_TOPIC');
  const serviceAccount = get('GMAIL_PUSH_SERVICE_ACCOUNT');
  if (!topic) {
    if (serviceAccount || get('GMAIL_PUSH_AUDIENCE')) throw new MailConfigError('Gmail push settings are set but GMAIL_PUBSUB_TOPIC is not: give the topic (projects/<project>/topics/<topic>) or remove the push settings.');
    return null;
  }
  if (!/^projects\/[a-z][a-z0-9.:-]{2,}\/topics\/[A-Za-z][\w.~+%-]{2,254}$/.test(topic)) {
    throw new MailConfigError(`GMAIL_PUBSUB_TOPIC must look like projects/<project>/topics/<topic> (the topic's full name in the Google Cloud console), not "${topic.slice(0, 120)}".`);
  }
  if (!serviceAccount || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(serviceAccount)) {
    throw new MailConfigError('Gmail push needs GMAIL_PUSH_SERVICE_ACCOUNT: the email of the service account the push subscription signs as (its "Enable authentication" setting); the relay refuses pushes signed by anyone else.');
  }
  const labels = get('GMAIL_PUSH_LABELS');
  const labelIds = labels === null ? ['INBOX', 'SENT'] : labels.split(',').map((l) => l.trim().toUpperCase()).filter((l) => l !== '' && l !== 'ALL');
  const audience = get('GMAIL_PUSH_AUDIENCE');
  const certsUrl = get('GMAIL_PUSH_CERTS_URL');
  for (const [name, url] of [['GMAIL_PUSH_AUDIENCE', audience], ['GMAIL_PUSH_CERTS_URL', certsUrl]] as const) {
    if (url !== null && !/^https?:\/\/\S+$/.test(url)) throw new MailConfigError(`${name} must be a URL (https://…), not "${url.slice(0, 120)}".`);
  }
  return { topic, serviceAccount: serviceAccount.toLowerCase(), audience, labelIds, certsUrl };
}

/** A config that prints without its secret and key, whatever logs or throws it. */
export function hideMailSecrets(config: MailConfig): MailConfig {
  if (Object.hasOwn(config, 'toJSON')) return config;
  const app = <A extends { clientSecret: string }>(a: A | null | undefined) => (a ? { ...a, clientSecret: '[redacted]' } : null);
  const shown = () => ({ vault: '[redacted]', pollMs: config.pollMs, google: app(config.google), microsoft: app(config.microsoft) });
  Object.defineProperty(config, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: shown, enumerable: false });
  return config;
}
