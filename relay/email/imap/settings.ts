// A plain IMAP/SMTP mailbox's server settings: what the desk sends to connect one (checked here,
// each problem named in the shop's words), the secret the mail service seals (this JSON, with the
// password; never logged), and the first login to both servers before anything is saved, so a
// wrong password or an unreachable host is said plainly and nothing is kept.
import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { ImapSettingsError } from '../errors.js';

export const SECURITY = ['tls', 'starttls', 'none'] as const;
export type Security = (typeof SECURITY)[number];

export interface ServerSettings {
  host: string;
  port: number;
  security: Security;
}

/** What is sealed as the mailbox's secret: one login for both servers, as most hosts have. */
export interface ImapSecret {
  address: string;
  user: string;
  password: string;
  imap: ServerSettings;
  smtp: ServerSettings;
}

export { ImapSettingsError };

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

function server(value: unknown, label: 'IMAP' | 'SMTP'): ServerSettings {
  const v = (value ?? {}) as { host?: unknown; port?: unknown; security?: unknown };
  const host = typeof v.host === 'string' ? v.host.trim().toLowerCase() : '';
  if (!host || host.length > 253 || !/^[a-z0-9.:\-[\]]+$/.test(host)) throw new ImapSettingsError(`Enter the ${label} server's name, like ${label === 'IMAP' ? 'imap' : 'smtp'}.example.com.`);
  const port = typeof v.port === 'string' && /^\d+$/.test(v.port.trim()) ? Number(v.port) : v.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new ImapSettingsError(`The ${label} port must be a number from 1 to 65535 (usually ${label === 'IMAP' ? '993' : '465 or 587'}).`);
  const security = v.security ?? (port === 587 || port === 143 ? 'starttls' : 'tls');
  if (!(SECURITY as readonly unknown[]).includes(security)) throw new ImapSettingsError(`The ${label} security must be "tls" (SSL/TLS), "starttls" or "none".`);
  // A password never crosses the internet in clear: plain connections only to this machine.
  if (security === 'none' && !isLoopback(host)) throw new ImapSettingsError(`The ${label} server ${host} must be reached over SSL/TLS or STARTTLS: Bayline does not send the mailbox's password unencrypted.`);
  return { host, port, security: security as Security };
}

/** The desk's form, checked: every problem is a sentence naming the field. */
export function parseImapSettings(body: unknown): ImapSecret {
  const b = (body ?? {}) as Record<string, unknown>;
  const address = typeof b.address === 'string' ? b.address.trim().toLowerCase() : '';
  if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(address) || address.length > 254) throw new ImapSettingsError('Enter the mailbox\'s email address, like office@yourshop.com.');
  const user = typeof b.user === 'string' && b.user.trim() ? b.user.trim() : address;
  if (user.length > 320) throw new ImapSettingsError('The username is too long.');
  const password = typeof b.password === 'string' ? b.password : '';
  if (!password) throw new ImapSettingsError('Enter the mailbox\'s password (or the app password your mail host gave you).');
  if (password.length > 1000) throw new ImapSettingsError('The password is too long.');
  return { address, user, password, imap: server(b.imap, 'IMAP'), smtp: server(b.smtp, 'SMTP') };
}

export function readSecret(secret: string): ImapSecret {
  const s = JSON.parse(secret) as ImapSecret;
  if (!s || typeof s.address !== 'string' || typeof s.password !== 'string' || !s.imap?.host || !s.smtp?.host) throw new Error('not an IMAP mailbox secret');
  return s;
}

export interface Timeouts {
  connectMs: number;
  socketMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, socketMs: 60_000 };

export function imapClient(s: ImapSecret, timeouts: Timeouts = DEFAULT_TIMEOUTS, extra: Partial<ConstructorParameters<typeof ImapFlow>[0]> = {}): ImapFlow {
  const client = new ImapFlow({
    host: s.imap.host,
    port: s.imap.port,
    secure: s.imap.security === 'tls',
    doSTARTTLS: s.imap.security === 'starttls' ? true : s.imap.security === 'none' ? false : undefined,
    auth: { user: s.user, pass: s.password },
    logger: false,
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.connectMs,
    socketTimeout: timeouts.socketMs,
    disableAutoIdle: true,
    ...extra,
  });
  // A dropped connection is reported by the command that needed it; an unheard 'error' must not end the relay.
  client.on('error', () => undefined);
  return client;
}

export function smtpTransport(s: ImapSecret, timeouts: Timeouts = DEFAULT_TIMEOUTS) {
  return nodemailer.createTransport({
    host: s.smtp.host,
    port: s.smtp.port,
    secure: s.smtp.security === 'tls',
    requireTLS: s.smtp.security === 'starttls',
    ignoreTLS: s.smtp.security === 'none',
    auth: { user: s.user, pass: s.password },
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.connectMs,
    socketTimeout: timeouts.socketMs,
    logger: false,
    debug: false,
  });
}

interface NetError {
  code?: string;
  authenticationFailed?: boolean;
  tlsFailed?: boolean;
  responseCode?: number;
  response?: unknown;
  message?: string;
}

const where = (s: ServerSettings) => `${s.host}:${s.port}`;

/** An IMAP login failure as the shop reads it. */
export function imapProblem(err: unknown, s: ImapSecret): string {
  const e = (err ?? {}) as NetError;
  if (e.authenticationFailed) return `The IMAP server refused the password for ${s.user}. Check the username and password (some hosts want an app password).`;
  if (e.tlsFailed || /certificate|SSL|TLS|wrong version/i.test(e.message ?? '')) return `Could not start a secure connection with ${where(s.imap)}: check the port and the security setting (SSL/TLS or STARTTLS).`;
  return `Cannot reach ${where(s.imap)}: check the IMAP server name and port.`;
}

/** An SMTP failure at login as the shop reads it. */
export function smtpProblem(err: unknown, s: ImapSecret): string {
  const e = (err ?? {}) as NetError;
  if (e.code === 'EAUTH' || e.responseCode === 535) return `The SMTP server refused the password for ${s.user}. Check the username and password (some hosts want an app password).`;
  if (e.code === 'ETLS' || /certificate|SSL|TLS|wrong version/i.test(e.message ?? '')) return `Could not start a secure connection with ${where(s.smtp)}: check the port and the security setting (SSL/TLS on 465, STARTTLS on 587).`;
  return `Cannot reach ${where(s.smtp)}: check the SMTP server name and port.`;
}

/** Logs in to both servers; throws ImapSettingsError naming what failed. */
export async function checkImapSettings(s: ImapSecret, timeouts: Timeouts = { connectMs: 6_000, socketMs: 6_000 }): Promise<void> {
  const client = imapClient(s, timeouts);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw new ImapSettingsError(imapProblem(err, s));
  }
  await client.logout().catch(() => client.close());
  const smtp = smtpTransport(s, timeouts);
  try {
    await smtp.verify();
  } catch (err) {
    throw new ImapSettingsError(smtpProblem(err, s));
  } finally {
    smtp.close();
  }
}
