// Gmail as a mail provider: sign-in through Google's OAuth 2.0 (PKCE), new mail by
// `users.history.list` from the stored history id, the full resync by `users.messages.list`,
// sends by `users.messages.send` with the Gmail thread id (the raw MIME Bayline built keeps its
// own Message-ID, In-Reply-To and References), and a lost answer resolved by searching the
// mailbox for `rfc822msgid:`. With the operator's Pub/Sub topic set, push by `users.watch` (renewed
// when less than a day of its ~7 days is left) and `users.stop` at disconnect; the pushes arrive at
// ./push-route.ts. SDK errors become the provider errors of ../provider.ts.
import { CodeChallengeMethod } from 'google-auth-library';
import type { gmail_v1 } from 'googleapis/build/src/apis/gmail/index.js';
import { googleCalendarWriter } from '../../scheduling/calendar-sync.js';
import { GMAIL_SCOPES, type GoogleApp } from '../config.js';
import { MailAccessLost, MailCursorExpired, type MailboxClient, type MailProvider, MailSendRefused, type ProviderMail, type PushRegistration, type SentCopy } from '../provider.js';
import { GMAIL_CALLBACK_PATH, gmailFor, isRevokedGrant, oauthClient, statusOf } from './sdk.js';

/** Google's errors in the provider's terms (others pass through as they are). */
function translate(err: unknown): unknown {
  if (isRevokedGrant(err)) return new MailAccessLost('Google no longer accepts the mailbox\'s token.');
  return err;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw translate(err);
  }
}

class GmailMailbox implements MailboxClient {
  constructor(
    private readonly gmail: gmail_v1.Gmail,
    /** The API's root when not Google's (googleapis applies a client's rootUrl to plain requests but not to upload URLs). */
    private readonly rootUrl: string | undefined = undefined,
  ) {}

  private async fetch(id: string): Promise<ProviderMail | null> {
    const m = (await this.gmail.users.messages.get({ userId: 'me', id, format: 'raw' })).data;
    if (!m.raw || !m.threadId) return null;
    return {
      providerId: id,
      threadId: m.threadId,
      raw: Buffer.from(m.raw, 'base64url'),
      sent: (m.labelIds ?? []).includes('SENT'),
      receivedAt: m.internalDate ? Number(m.internalDate) : null,
    };
  }

  currentCursor(): Promise<string> {
    return guarded(async () => String((await this.gmail.users.getProfile({ userId: 'me' })).data.historyId ?? ''));
  }

  changesSince(cursor: string, file: (mail: ProviderMail) => Promise<void>): Promise<string> {
    return guarded(async () => {
      let pageToken: string | undefined;
      let latest = cursor;
      const ids: string[] = [];
      try {
        do {
          const page = (await this.gmail.users.history.list({ userId: 'me', startHistoryId: cursor, historyTypes: ['messageAdded'], pageToken, maxResults: 500 })).data;
          for (const h of page.history ?? []) for (const a of h.messagesAdded ?? []) if (a.message?.id && !ids.includes(a.message.id)) ids.push(a.message.id);
          latest = page.historyId ?? latest;
          pageToken = page.nextPageToken ?? undefined;
        } while (pageToken);
      } catch (err) {
        if (statusOf(err) === 404) throw new MailCursorExpired('Gmail no longer keeps history that old.');
        throw err;
      }
      for (const id of ids) {
        const mail = await this.fetch(id);
        if (mail) await file(mail);
      }
      return latest;
    });
  }

  recent(limit: number, file: (mail: ProviderMail) => Promise<void>): Promise<void> {
    return guarded(async () => {
      const list = (await this.gmail.users.messages.list({ userId: 'me', maxResults: limit })).data.messages ?? [];
      for (const m of list.reverse()) {
        const mail = m.id ? await this.fetch(m.id) : null;
        if (mail) await file(mail);
      }
    });
  }

  async send(mail: { raw: string; threadId: string | null }): Promise<SentCopy> {
    try {
      // A large mail (documents attached) goes through the upload endpoint as message/rfc822: the
      // plain request's JSON body is only for small messages; uploads take up to Gmail's 35 MB.
      const res = (
        mail.raw.length > GMAIL_PLAIN_SEND_BYTES
          ? await this.gmail.users.messages.send(
              { userId: 'me', requestBody: { threadId: mail.threadId ?? undefined }, media: { mimeType: 'message/rfc822', body: mail.raw } },
              this.rootUrl ? { rootUrl: this.rootUrl } : {},
            )
          : await this.gmail.users.messages.send({ userId: 'me', requestBody: { raw: Buffer.from(mail.raw).toString('base64url'), threadId: mail.threadId ?? undefined } })
      ).data;
      return { providerId: res.id ?? null, threadId: res.threadId ?? null };
    } catch (err) {
      const status = statusOf(err);
      if (status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429 && !isRevokedGrant(err)) {
        throw new MailSendRefused(status, `Gmail refused this email (${status}). Check the address and write it again.`);
      }
      throw translate(err);
    }
  }

  findSent(messageId: string): Promise<SentCopy | null> {
    return guarded(async () => {
      const list = (await this.gmail.users.messages.list({ userId: 'me', q: `rfc822msgid:${messageId.replace(/^<|>$/g, '')}`, maxResults: 5 })).data.messages ?? [];
      const hit = list[0];
      return hit?.id ? { providerId: hit.id, threadId: hit.threadId ?? null } : null;
    });
  }
}

/** A watch with less than this left is renewed (Gmail's last about 7 days; Google asks for a renewal at least daily). */
export const GMAIL_WATCH_RENEW_MS = 24 * 3600_000;

/**
 * The mailbox's watch kept on the operator's topic: the current one while it has more than a day
 * left and names the same topic and labels, else a new `users.watch` (a second watch on the same
 * topic replaces the first at Google). The registration's id is the topic and labels it watches.
 */
async function keepWatch(app: GoogleApp, secret: string, current: PushRegistration | null): Promise<PushRegistration | null> {
  const push = app.push;
  if (!push) {
    // Push was turned off by the operator: the mailbox's old watch is ended, polling goes on.
    if (current) await gmailFor(app, secret).gmail.users.stop({ userId: 'me' }).catch(() => undefined);
    return null;
  }
  const id = push.labelIds.length ? `${push.topic}#${push.labelIds.join(',')}` : push.topic;
  const left = current ? Date.parse(current.expiresAt) - Date.now() : 0;
  if (current && current.id === id && left > GMAIL_WATCH_RENEW_MS) return current;
  const { gmail } = gmailFor(app, secret);
  const res = await guarded(async () =>
    (await gmail.users.watch({
      userId: 'me',
      requestBody: push.labelIds.length ? { topicName: push.topic, labelIds: push.labelIds, labelFilterBehavior: 'include' } : { topicName: push.topic },
    })).data,
  );
  const expiration = Number(res.expiration);
  if (!Number.isFinite(expiration) || expiration <= 0) throw new Error('Gmail answered the watch without an expiration.');
  return { id, expiresAt: new Date(expiration).toISOString(), secret: null };
}

/** Larger mails are sent through the upload endpoint. */
export const GMAIL_PLAIN_SEND_BYTES = 3 * 1024 * 1024;

export function gmailProvider(app: GoogleApp): MailProvider {
  return {
    id: 'gmail',
    name: 'Gmail',
    signIn: {
      callbackPath: GMAIL_CALLBACK_PATH,
      authUrl({ state, codeChallenge, redirectUri }) {
        return oauthClient(app, redirectUri).generateAuthUrl({
          access_type: 'offline',
          prompt: 'consent',
          scope: [...GMAIL_SCOPES],
          state,
          code_challenge: codeChallenge,
          code_challenge_method: CodeChallengeMethod.S256,
          include_granted_scopes: false,
        });
      },
      async finish({ code, codeVerifier, redirectUri }) {
        const client = oauthClient(app, redirectUri);
        const { tokens } = await client.getToken({ code, codeVerifier });
        if (!tokens.refresh_token) throw new MailAccessLost('Google gave no lasting access. Press "Connect Gmail" in Bayline again and allow access.');
        const { gmail } = gmailFor(app, tokens.refresh_token);
        const profile = (await gmail.users.getProfile({ userId: 'me' })).data;
        return { secret: tokens.refresh_token, address: (profile.emailAddress ?? '').toLowerCase() };
      },
    },
    open(secret) {
      return new GmailMailbox(gmailFor(app, secret).gmail, app.apiUrl ?? undefined);
    },
    calendar: (secret) => googleCalendarWriter(app, secret),
    async revoke(secret) {
      await oauthClient(app).revokeToken(secret);
    },
    keepPush: ({ secret, current }) => keepWatch(app, secret, current),
    async stopPush({ secret }) {
      await gmailFor(app, secret).gmail.users.stop({ userId: 'me' });
    },
  };
}
