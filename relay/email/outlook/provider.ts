// Outlook (Microsoft 365 and Outlook.com) as a mail provider, through Microsoft Graph:
// - sign-in by MSAL (authorization code with PKCE S256 and the service's single-use state); the
//   secret kept (sealed) is the refresh token MSAL holds in its cache after the code is redeemed —
//   the smallest thing that lasts: the access tokens and ID token in the cache expire within the
//   hour and tell nothing the relay needs later. `open` gives it back to MSAL
//   (`acquireTokenByRefreshToken`) for an access token, reused until it lapses; the refresh token
//   Microsoft sends back with it replaces the kept one (sealed again by the service);
// - new mail by delta queries on Inbox and Sent Items (only created messages); the cursor is the
//   JSON of both delta links. "From now on" is a delta round filtered to mail received from now,
//   which returns no messages, only its link. A delta link Graph no longer knows (410,
//   syncStateNotFound) is `MailCursorExpired`: the service then looks at the newest mail of both;
// - each message's raw MIME from `/messages/{id}/$value`; the thread is Graph's conversationId;
// - sending by `sendMail` with the MIME Bayline built (base64, text/plain): Exchange keeps its
//   Message-ID, In-Reply-To and References, so the copy in Sent Items carries Bayline's
//   Message-ID (`internetMessageId`), the recipient's client threads it, and Exchange puts it in
//   the same conversation. (`createReply` then `send` would give the mail Exchange's own
//   Message-ID, so a lost answer could not be looked up by Bayline's.) A lost answer is resolved by
//   `$filter=internetMessageId eq '<…>'` on Sent Items;
// - push by one change-notification subscription on the mailbox's messages (created: new mail in
//   the inbox and copies in Sent Items both), its clientState a random secret per mailbox that
//   every notification must carry (./notify.ts); renewed before it lapses, deleted at disconnect.
import { randomBytes } from 'node:crypto';
import type { ConfidentialClientApplication } from '@azure/msal-node';
import { type Client, ResponseType } from '@microsoft/microsoft-graph-client';
import { graphCalendarWriter } from '../../scheduling/calendar-sync.js';
import { type MicrosoftApp, OUTLOOK_SCOPES } from '../config.js';
import {
  MailAccessLost,
  MailCursorExpired,
  type MailboxClient,
  type MailProvider,
  MailSendRefused,
  type OutgoingMail,
  type ProviderMail,
  type PushRegistration,
  type SentCopy,
} from '../provider.js';
import { graphClient, graphCode, type TokenSource, graphPath, graphStatus, isRevokedGrant, msalApp, OUTLOOK_CALLBACK_PATH, OUTLOOK_NOTIFY_PATH, refreshTokenOf } from './sdk.js';

/**
 * How long a subscription is asked for: Graph keeps mail subscriptions at most 10,080 minutes
 * (7 days; 4,230 minutes in its first years) — under both, so any tenant takes it.
 */
export const SUBSCRIPTION_MINUTES = 4_200;
/** Renewed at the first catch-up round once less than this is left. */
export const RENEW_WITHIN_MS = 24 * 3_600_000;

const FOLDERS = [
  { key: 'inbox', folder: 'inbox', sent: false },
  { key: 'sent', folder: 'sentitems', sent: true },
] as const;
type Cursor = Record<(typeof FOLDERS)[number]['key'], string>;

interface GraphMessage {
  id: string;
  conversationId?: string;
  receivedDateTime?: string;
  '@removed'?: unknown;
}

interface DeltaPage {
  value?: GraphMessage[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** Graph's errors in the provider's terms (others pass through as they are). */
function translate(err: unknown): unknown {
  if (isRevokedGrant(err)) return new MailAccessLost('Microsoft no longer accepts the mailbox\'s token.');
  return err;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw translate(err);
  }
}

const GRAPH_SCOPES = OUTLOOK_SCOPES.filter((s) => s !== 'offline_access');

/**
 * Access tokens for one mailbox from its refresh token, asked of MSAL again only when the last
 * lapses. Microsoft answers each refresh with a new refresh token (each lasts 90 days from its own
 * issue): the newest is handed to `rotated`, to be kept in place of the old one.
 */
function tokenSource(app: MicrosoftApp, firstToken: string, rotated: (next: string) => Promise<void>): TokenSource {
  let refreshToken = firstToken;
  let current: { token: string; until: number } | null = null;
  let asking: Promise<string> | null = null;
  const ask = async () => {
    const cca = await msalApp(app);
    const result = await cca.acquireTokenByRefreshToken({ refreshToken, scopes: [...GRAPH_SCOPES], forceCache: true });
    if (!result?.accessToken) throw new MailAccessLost('Microsoft gave no access token for the mailbox.');
    current = { token: result.accessToken, until: result.expiresOn?.getTime() ?? Date.now() + 300_000 };
    const next = refreshTokenOf(cca);
    if (next && next !== refreshToken) {
      refreshToken = next;
      await rotated(next);
    }
    return current.token;
  };
  return {
    get() {
      if (current && current.until > Date.now() + 60_000) return Promise.resolve(current.token);
      asking ??= ask().finally(() => {
        asking = null;
      });
      return asking;
    },
    drop() {
      current = null;
    },
  };
}

class OutlookMailbox implements MailboxClient {
  constructor(
    private readonly app: MicrosoftApp,
    private readonly graph: Client,
  ) {}

  private async fetch(m: GraphMessage, sent: boolean): Promise<ProviderMail> {
    const raw = (await this.graph.api(`/me/messages/${encodeURIComponent(m.id)}/$value`).responseType(ResponseType.ARRAYBUFFER).get()) as ArrayBuffer;
    const at = m.receivedDateTime ? Date.parse(m.receivedDateTime) : NaN;
    return { providerId: m.id, threadId: m.conversationId ?? m.id, raw: Buffer.from(raw), sent, receivedAt: Number.isFinite(at) ? at : null };
  }

  /** One delta round from a link (or the start), each created message handed on; the new delta link. */
  private async deltaRound(start: string, sent: boolean, file: ((mail: ProviderMail) => Promise<void>) | null): Promise<string> {
    let link = start;
    for (;;) {
      let page: DeltaPage;
      try {
        page = (await this.graph.api(graphPath(this.app, link)).get()) as DeltaPage;
      } catch (err) {
        if (graphStatus(err) === 410 || graphCode(err) === 'syncStateNotFound') throw new MailCursorExpired('Microsoft no longer keeps the mailbox\'s changes from that long ago.');
        throw err;
      }
      if (file) for (const m of page.value ?? []) if (!m['@removed'] && m.id) await file(await this.fetch(m, sent));
      if (page['@odata.deltaLink']) return page['@odata.deltaLink'];
      if (!page['@odata.nextLink']) throw new Error('Microsoft Graph ended a delta round without a delta link.');
      link = page['@odata.nextLink'];
    }
  }

  currentCursor(): Promise<string> {
    return guarded(async () => {
      const from = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const cursor = {} as Cursor;
      for (const f of FOLDERS) {
        const start = `/me/mailFolders/${f.folder}/messages/delta?changeType=created&$select=id,conversationId,receivedDateTime&$filter=receivedDateTime+ge+${from}`;
        cursor[f.key] = await this.deltaRound(start, f.sent, null);
      }
      return JSON.stringify(cursor);
    });
  }

  changesSince(cursorText: string, file: (mail: ProviderMail) => Promise<void>): Promise<string> {
    return guarded(async () => {
      let cursor: Cursor;
      try {
        cursor = JSON.parse(cursorText) as Cursor;
      } catch {
        throw new MailCursorExpired('The stored Outlook cursor is not one this relay wrote.');
      }
      if (!FOLDERS.every((f) => typeof cursor[f.key] === 'string')) throw new MailCursorExpired('The stored Outlook cursor is not one this relay wrote.');
      const next = { ...cursor };
      for (const f of FOLDERS) next[f.key] = await this.deltaRound(cursor[f.key], f.sent, file);
      return JSON.stringify(next);
    });
  }

  recent(limit: number, file: (mail: ProviderMail) => Promise<void>): Promise<void> {
    return guarded(async () => {
      const all: Array<{ m: GraphMessage; sent: boolean }> = [];
      for (const f of FOLDERS) {
        const page = (await this.graph
          .api(`/me/mailFolders/${f.folder}/messages`)
          .select(['id', 'conversationId', 'receivedDateTime'])
          .orderby('receivedDateTime desc')
          .top(limit)
          .get()) as { value?: GraphMessage[] };
        for (const m of page.value ?? []) all.push({ m, sent: f.sent });
      }
      all.sort((a, b) => (a.m.receivedDateTime ?? '').localeCompare(b.m.receivedDateTime ?? ''));
      for (const { m, sent } of all.slice(-limit)) await file(await this.fetch(m, sent));
    });
  }

  async send(mail: OutgoingMail): Promise<SentCopy> {
    try {
      await this.graph.api('/me/sendMail').header('Content-Type', 'text/plain').post(Buffer.from(mail.raw, 'utf8').toString('base64'));
      // sendMail answers 202 with no id: the copy in Sent Items is found by its Message-ID when needed.
      return { providerId: null, threadId: mail.threadId };
    } catch (err) {
      const status = graphStatus(err);
      if (status !== null && status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429 && !isRevokedGrant(err)) {
        const code = graphCode(err);
        throw new MailSendRefused(
          status,
          code === 'ErrorSendAsDenied'
            ? 'Outlook refused to send this email from the connected address (the mailbox may not send as that address). Check the mailbox in Settings › Email.'
            : `Outlook refused this email (${status}${code ? `, ${code}` : ''}). Check the address and write it again.`,
        );
      }
      throw translate(err);
    }
  }

  findSent(messageId: string): Promise<SentCopy | null> {
    return guarded(async () => {
      const id = messageId.startsWith('<') ? messageId : `<${messageId}>`;
      const page = (await this.graph
        .api('/me/mailFolders/sentitems/messages')
        .filter(`internetMessageId eq '${id.replace(/'/g, "''")}'`)
        .select(['id', 'conversationId'])
        .top(5)
        .get()) as { value?: GraphMessage[] };
      const hit = page.value?.[0];
      return hit ? { providerId: hit.id, threadId: hit.conversationId ?? null } : null;
    });
  }
}

export function outlookProvider(app: MicrosoftApp): MailProvider {
  // One token source per mailbox secret in this process, so each round does not ask Microsoft for
  // a new access token; found again under the rotated secret the service stores.
  const sources = new Map<string, { source: TokenSource; keep: ((next: string) => Promise<void>) | undefined }>();
  const sourceFor = (secret: string, secretChanged?: (next: string) => Promise<void>) => {
    let entry = sources.get(secret);
    if (!entry) {
      const made: { source: TokenSource; keep: ((next: string) => Promise<void>) | undefined } = {
        keep: secretChanged,
        source: tokenSource(app, secret, async (next) => {
          sources.delete(secret);
          sources.set(next, made);
          await made.keep?.(next);
        }),
      };
      entry = made;
      sources.set(secret, entry);
      if (sources.size > 2000) sources.delete(sources.keys().next().value!);
    }
    if (secretChanged) entry.keep = secretChanged;
    return entry.source;
  };
  const graphFor = (refreshToken: string, secretChanged?: (next: string) => Promise<void>) => graphClient(app, sourceFor(refreshToken, secretChanged));
  return {
    id: 'outlook',
    name: 'Outlook',
    signIn: {
      callbackPath: OUTLOOK_CALLBACK_PATH,
      async authUrl({ state, codeChallenge, redirectUri }) {
        return (await msalApp(app)).getAuthCodeUrl({
          scopes: [...OUTLOOK_SCOPES],
          redirectUri,
          state,
          codeChallenge,
          codeChallengeMethod: 'S256',
          prompt: 'select_account',
        });
      },
      async finish({ code, codeVerifier, redirectUri }) {
        const cca = await msalApp(app);
        let result;
        try {
          result = await cca.acquireTokenByCode({ code, codeVerifier, redirectUri, scopes: [...OUTLOOK_SCOPES] });
        } catch (err) {
          throw translate(err);
        }
        const refreshToken = refreshTokenOf(cca);
        if (!result?.accessToken || !refreshToken) throw new MailAccessLost('Microsoft gave no lasting access. Press "Connect Outlook" in Bayline again and accept the permissions.');
        const me = (await graphClient(app, { get: async () => result.accessToken, drop: () => undefined }).api('/me').select(['mail', 'userPrincipalName']).get()) as { mail?: string | null; userPrincipalName?: string | null };
        const address = (me.mail || me.userPrincipalName || '').toLowerCase();
        if (!address.includes('@')) throw new MailAccessLost('This Microsoft account has no mailbox. Sign in with the account of the shop\'s Outlook mailbox.');
        return { secret: refreshToken, address };
      },
    },
    open(secret, secretChanged) {
      return new OutlookMailbox(app, graphFor(secret, secretChanged));
    },
    calendar: (secret, secretChanged) => graphCalendarWriter(app, sourceFor(secret, secretChanged)),
    async revoke(secret) {
      sources.delete(secret);
      // The Microsoft identity platform has no endpoint that revokes one app's refresh token (only
      // every session of the person, everywhere). The relay deletes its sealed copy; the README
      // says where the shop removes Bayline's access in its Microsoft account.
    },
    async keepPush({ secret, current, publicUrl }): Promise<PushRegistration | null> {
      const base = publicUrl.replace(/\/+$/, '');
      // Graph only delivers to https addresses (the fake Microsoft takes http on 127.0.0.1).
      if (!app.graphUrl && !base.startsWith('https://')) return null;
      const graph = graphFor(secret);
      const now = Date.now();
      if (current?.secret && Date.parse(current.expiresAt) - now > RENEW_WITHIN_MS) return current;
      const expirationDateTime = new Date(now + SUBSCRIPTION_MINUTES * 60_000).toISOString();
      if (current?.secret) {
        try {
          const renewed = (await graph.api(`/subscriptions/${encodeURIComponent(current.id)}`).patch({ expirationDateTime })) as { expirationDateTime?: string };
          return { ...current, expiresAt: renewed?.expirationDateTime ?? expirationDateTime };
        } catch (err) {
          if (graphStatus(err) !== 404) throw translate(err);
          // Gone at Microsoft (lapsed, or deleted): a new one below.
        }
      }
      const clientState = randomBytes(32).toString('base64url');
      const made = (await graph.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${base}${OUTLOOK_NOTIFY_PATH}`,
        lifecycleNotificationUrl: `${base}${OUTLOOK_NOTIFY_PATH}`,
        resource: 'me/messages',
        expirationDateTime,
        clientState,
        latestSupportedTlsVersion: 'v1_2',
      })) as { id: string; expirationDateTime?: string };
      if (current && current.id !== made.id) await graph.api(`/subscriptions/${encodeURIComponent(current.id)}`).delete().catch(() => undefined);
      return { id: made.id, expiresAt: made.expirationDateTime ?? expirationDateTime, secret: clientState };
    },
    async stopPush({ secret, current }) {
      await graphFor(secret).api(`/subscriptions/${encodeURIComponent(current.id)}`).delete();
    },
  };
}
