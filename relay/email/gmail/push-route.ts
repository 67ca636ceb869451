// Gmail push: POST /mail/gmail/push, where the operator's Pub/Sub push subscription delivers
// Gmail's "this mailbox changed" ({emailAddress, historyId}, base64 JSON in message.data). Each
// push carries an OIDC token of the subscription's service account in `Authorization: Bearer`;
// google-auth-library checks its signature against Google's certificates (GMAIL_PUSH_CERTS_URL
// or under GOOGLE_OAUTH_URL for the fake), its expiry, the audience (the relay's push URL unless
// GMAIL_PUSH_AUDIENCE says otherwise) and the issuer; the relay then checks the signer is the
// configured service account with a verified address. A push that fails any of it is refused
// (401, or 403 for a valid token of someone else) and changes nothing; the log says why in a
// word, never the token. A good push is acknowledged at once (204) and every connected Gmail
// mailbox with that address (several shops may have connected it) is caught up from its stored
// cursor right after: a push only says "look now", the cursor says what is new, so a push that
// arrives while that mailbox is being caught up makes one more round run after it, and one lost
// in transit is caught up by the next poll. (A mailbox whose lease another relay holds is looked
// at again a few times, until a lease left by a stopped relay has lapsed.)
import type { FastifyPluginAsync } from 'fastify';
import type { OAuth2Client } from 'google-auth-library';
import { GMAIL_PUSH_PATH, type GmailPushSettings, type MailConfig } from '../config.js';
import type { MailService } from '../mail-service.js';

export interface GmailPushRouteOptions {
  service: MailService | null;
  config: MailConfig | null;
}

/** The issuers of Pub/Sub push tokens. */
export const PUSH_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];
const GOOGLE_PEM_CERTS = 'https://www.googleapis.com/oauth2/v1/certs';

/** Why a push token was refused, in a word for the log (the library's own messages quote the token). */
function refusal(err: unknown): string {
  const m = (err as Error)?.message ?? '';
  if (/^Invalid token signature|^No pem found/.test(m)) return 'bad signature';
  if (/^Token used too late/.test(m)) return 'expired';
  if (/^Token used too early|^Expiration time too far/.test(m)) return 'bad validity period';
  if (/^Invalid issuer/.test(m)) return 'wrong issuer';
  if (/^Wrong recipient/.test(m)) return 'wrong audience';
  return 'malformed';
}

export function pushCertsUrl(config: { oauthUrl: string | null; push?: GmailPushSettings | null }): string {
  if (config.push?.certsUrl) return config.push.certsUrl;
  return config.oauthUrl ? `${config.oauthUrl.replace(/\/+$/, '')}/oauth2/v1/certs` : GOOGLE_PEM_CERTS;
}

/**
 * When another relay's lease was found on the mailbox (a relay that stopped without giving it
 * back, say), looked at again after these delays: the last is past a lease's 2 minutes.
 */
const LEASE_RETRY_MS = [5_000, 30_000, 130_000];

/** One catch-up at a time per mailbox, and one more after it when pushes came meanwhile. */
class CatchUps {
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly work: (mailboxId: string) => Promise<boolean>, private readonly onError: (mailboxId: string, err: unknown) => void) {}

  request(mailboxId: string, attempt = 0): void {
    const current = this.running.get(mailboxId);
    if (current) {
      current.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    this.running.set(mailboxId, entry);
    entry.done = (async () => {
      let done = true;
      do {
        entry.again = false;
        try {
          done = await this.work(mailboxId);
        } catch (err) {
          this.onError(mailboxId, err);
        }
      } while (entry.again);
      this.running.delete(mailboxId);
      const delay = LEASE_RETRY_MS[attempt];
      if (!done && !this.closed && delay !== undefined && !this.retries.has(mailboxId)) {
        const timer = setTimeout(() => {
          this.retries.delete(mailboxId);
          if (!this.closed) this.request(mailboxId, attempt + 1);
        }, delay);
        timer.unref();
        this.retries.set(mailboxId, timer);
      }
    })();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((e) => e.done));
  }
}

export const gmailPushRoute: FastifyPluginAsync<GmailPushRouteOptions> = async (app, { service, config }) => {
  const push = config?.google?.push ?? null;
  const google = config?.google ?? null;
  // One client for the relay's life: it keeps Google's certificates as long as Google says to.
  const verifier: OAuth2Client | null = google && push ? new (await import('google-auth-library')).OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: pushCertsUrl(google) }, issuers: PUSH_ISSUERS }) : null;
  const catchUps = new CatchUps(
    (mailboxId) => service!.catchUpMailbox(mailboxId),
    (mailboxId, err) => app.log.warn({ mailboxId, err: (err as Error)?.message?.slice(0, 200) }, 'catching up after a Gmail push failed (the next poll tries again)'),
  );
  app.addHook('onClose', async () => {
    await catchUps.close();
  });

  app.post(GMAIL_PUSH_PATH, async (req, reply) => {
    if (!service || !push || !verifier) {
      return reply.code(404).send({ error: 'not-configured', message: 'Gmail push is not set up on this relay (GMAIL_PUBSUB_TOPIC, see the README).' });
    }
    const token = /^Bearer ([A-Za-z0-9_\-.=]+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      req.log.warn({ reason: 'no token' }, 'Gmail push refused');
      return reply.code(401).send({ error: 'unauthorized', message: 'A Gmail push must carry the push subscription\'s token.' });
    }
    const audience = push.audience ?? `${app.publicUrl.replace(/\/+$/, '')}${GMAIL_PUSH_PATH}`;
    let claims;
    try {
      claims = (await verifier.verifyIdToken({ idToken: token, audience })).getPayload();
    } catch (err) {
      if (/^Failed to retrieve verification certificates/.test((err as Error)?.message ?? '')) {
        // Not the sender's fault: Pub/Sub delivers it again later.
        req.log.error('Gmail push not checked: Google\'s signing certificates could not be fetched');
        return reply.code(503).send({ error: 'unavailable', message: 'The relay cannot check pushes right now.' });
      }
      req.log.warn({ reason: refusal(err) }, 'Gmail push refused');
      return reply.code(401).send({ error: 'unauthorized', message: 'This push\'s token is not valid for this relay.' });
    }
    if (!claims || claims.email?.toLowerCase() !== push.serviceAccount || claims.email_verified !== true) {
      req.log.warn({ reason: 'wrong service account' }, 'Gmail push refused');
      return reply.code(403).send({ error: 'forbidden', message: 'This push was not signed by the push subscription\'s service account.' });
    }

    const data = (req.body as { message?: { data?: unknown } } | null)?.message?.data;
    const change = ((): { emailAddress?: unknown; historyId?: unknown } | null => {
      try {
        return typeof data === 'string' ? (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { emailAddress?: unknown }) : null;
      } catch {
        return null;
      }
    })();
    const address = typeof change?.emailAddress === 'string' ? change.emailAddress.trim().toLowerCase() : '';
    if (!address) {
      req.log.warn('Gmail push without a mailbox address (message.data is not Gmail\'s notification)');
      return reply.code(400).send({ error: 'invalid', message: 'message.data must be Gmail\'s notification: base64 JSON with emailAddress and historyId.' });
    }
    const accounts = await app.storage.mail.connectedByAddress('gmail', address);
    for (const account of accounts) catchUps.request(account.mailboxId);
    req.log.debug({ mailboxes: accounts.length }, 'Gmail push');
    return reply.code(204).send();
  });
};
