// What the mail service asks of a mail provider (Gmail, Outlook, a plain IMAP/SMTP host). The
// service owns everything that is the same for all of them: sign-in states, sealed secrets,
// leases, cursors, filing each message once (./inbound.ts), sending each approved mail once
// (./outbound.ts). A provider only speaks its own API: how to sign in, how to list what changed
// since a cursor, how to send a MIME message Bayline built, and how to find a sent message again
// by its own Message-ID. Its SDK errors come back as the three errors below, so the service can
// act on them the same way for every provider.

export type { MailProviderId } from '../../src-shared/email/providers.js';
import type { MailProviderId } from '../../src-shared/email/providers.js';
import type { CalendarWriter } from '../scheduling/calendar-sync.js';

/** One message as the provider holds it. */
export interface ProviderMail {
  /** The provider's own id for this message in this mailbox (Gmail id, Graph id, UIDVALIDITY:UID). */
  providerId: string;
  /** The provider's thread (Gmail threadId, Graph conversationId); the Message-ID chain for IMAP. */
  threadId: string;
  raw: Buffer;
  /** True when this copy is in the mailbox's Sent folder (the shop wrote it), whatever its From says. */
  sent: boolean;
  /** When the provider received it (ms), for mail with no usable Date header. */
  receivedAt: number | null;
}

/** A message Bayline built (its own Message-ID inside) for a provider to send from the mailbox. */
export interface OutgoingMail {
  raw: string;
  messageId: string;
  /** The provider thread of the mail it answers, when it answers one. */
  threadId: string | null;
  /** The provider's id of the mail it answers (Graph replies through it). */
  replyToProviderId: string | null;
}

export interface SentCopy {
  providerId: string | null;
  threadId: string | null;
}

/** The mailbox no longer lets Bayline in (token revoked, password changed): a person must reconnect. */
export class MailAccessLost extends Error {}

/** The cursor is too old for the provider (Gmail history id, Graph delta link, UIDVALIDITY changed). */
export class MailCursorExpired extends Error {}

/** The provider refused to send this message (bad address, too large): sending it again would not help. */
export class MailSendRefused extends Error {
  constructor(readonly status: number | null, message: string) {
    super(message);
  }
}

/** A mailbox opened with its secret (refresh token, or the IMAP password set). */
export interface MailboxClient {
  /** The cursor that means "from now on". */
  currentCursor(): Promise<string>;
  /**
   * Mail added since the cursor, each handed to `file` in order; returns the cursor to keep once
   * all are filed (a crash before then files them again, which filing makes harmless).
   */
  changesSince(cursor: string, file: (mail: ProviderMail) => Promise<void>): Promise<string>;
  /** The newest `limit` messages, oldest first: the full resync after `MailCursorExpired`. */
  recent(limit: number, file: (mail: ProviderMail) => Promise<void>): Promise<void>;
  /** Sends once. Throws MailSendRefused when refused; anything else is an unknown outcome. */
  send(mail: OutgoingMail): Promise<SentCopy>;
  /** The mailbox's sent copy of the message with this Message-ID, or null. */
  findSent(messageId: string): Promise<SentCopy | null>;
  close?(): Promise<void>;
}

/** A provider whose mailboxes connect by OAuth 2.0 (authorization code with PKCE). */
export interface OAuthSignIn {
  /** Where the provider sends the browser back, under the relay's public URL. */
  callbackPath: string;
  authUrl(input: { state: string; codeChallenge: string; redirectUri: string }): string | Promise<string>;
  /** The code (and the PKCE verifier) for a lasting secret, and the mailbox's address. */
  finish(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<{ secret: string; address: string }>;
}

/** A mailbox's push registration with its provider (Gmail watch, Graph subscription). */
export interface PushRegistration {
  /** The provider's id for it (the Graph subscription id; Gmail's watch has none but the mailbox). */
  id: string;
  /** When it lapses (ISO); renewed before then. */
  expiresAt: string;
  /** The secret each push must carry (Graph's clientState), in clear here; the service seals it. */
  secret: string | null;
}

export interface PushInput {
  mailboxId: string;
  address: string;
  /** The mailbox's secret (refresh token…), to call the provider with. */
  secret: string;
  /** The registration kept so far (null: none yet, or it was dropped). */
  current: PushRegistration | null;
  /** The relay's public URL, for a webhook address. */
  publicUrl: string;
}

export interface MailProvider {
  readonly id: MailProviderId;
  /** The provider as the shop says it: "Gmail", "Outlook". */
  readonly name: string;
  readonly signIn: OAuthSignIn | null;
  /**
   * The mailbox opened with its secret. A provider that replaces the secret as it works (Microsoft
   * rotates refresh tokens) hands the new one to `secretChanged`; the service seals and keeps it.
   */
  open(secret: string, secretChanged?: (next: string) => Promise<void>): MailboxClient;
  /** Best effort: a secret the provider already dropped is gone either way. */
  revoke(secret: string): Promise<void>;
  /**
   * Push, when the provider and the operator's settings allow it: called after every catch-up
   * round of a mailbox this relay holds the lease of; registers (or renews, when it lapses soon)
   * and returns the registration to keep, or null for none (polling only). The provider's webhook
   * then calls `MailService.catchUpMailbox(mailboxId)` once it has verified the push.
   */
  keepPush?(input: PushInput): Promise<PushRegistration | null>;
  /** Ends the registration at the provider (disconnect); best effort. */
  stopPush?(input: { secret: string; current: PushRegistration }): Promise<void>;
  /**
   * The mailbox's calendar (Google, Microsoft; IMAP has none): confirmed appointments are written
   * to it (relay/scheduling/calendar-sync.ts), opened with the same secret as the mailbox.
   */
  calendar?(secret: string, secretChanged?: (next: string) => Promise<void>): CalendarWriter;
  /** Ends what the provider keeps open (IMAP's IDLE connections) when the relay stops. */
  close?(): Promise<void>;
}
