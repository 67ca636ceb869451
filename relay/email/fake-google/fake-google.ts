// A small Google on 127.0.0.1 for tests and for trying the mail hub without a real account: the
// OAuth 2.0 authorize (auto-approving one configured test account), token and revoke endpoints,
// and the part of Gmail v1 the relay uses (profile, messages get/send, history, threads). The real
// SDKs talk to it: google-auth-library's OAuth2Client through its `endpoints`, googleapis through
// `rootUrl`. It checks what Google checks that matters here: the client, the redirect URI, the
// PKCE verifier (S256), single-use codes, revoked tokens, expired history ids (404). It keeps the
// raw MIME of every sent message, and a test "delivers" inbound mail with `deliver`.
// Push: `users.watch` / `users.stop` record each mailbox's watch (topic, labels, expiration), and
// a Pub/Sub push subscription (`pushTo`) POSTs {message: {data: {emailAddress, historyId}}} to the
// relay for each change of a watched mailbox, signed as Pub/Sub signs: an RS256 OIDC token of the
// subscription's service account, whose key is served at /oauth2/v1/certs (PEM, keyed by `kid`,
// as google-auth-library reads Google's) and /oauth2/v3/certs (JWK). The fake serves the public
// key itself where Google serves an X.509 certificate; the library verifies with either.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export interface FakeGoogleOptions {
  clientId: string;
  clientSecret: string;
  /** The Google account that signs in and approves (the shop's mailbox). */
  account: string;
}

interface StoredMessage {
  id: string;
  threadId: string;
  raw: string;
  /** The exact bytes, when a test delivered raw MIME that is not UTF-8 text. */
  bytes?: Buffer;
  labelIds: string[];
  historyId: number;
  internalDate: number;
  messageIdHeader: string | null;
}

interface Mailbox {
  messages: Map<string, StoredMessage>;
  history: Array<{ id: number; messageId: string; threadId: string }>;
  historyId: number;
  /** History ids below this are gone: history.list from them answers 404. */
  historyFloor: number;
}

export interface InboundMail {
  from: string;
  to?: string;
  cc?: string;
  subject: string;
  text: string;
  html?: string;
  /** RFC Message-ID; made up when absent. */
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  date?: Date;
  /** Files sent with it (multipart/mixed); `cid` makes one a picture the HTML shows (multipart/related). */
  attachments?: Array<{ filename: string; contentType: string; content: Buffer; cid?: string }>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface FakeWatch {
  topic: string;
  labelIds: string[];
  labelFilterBehavior: string;
  /** ms since the epoch */
  expiration: number;
}

/** Where the fake's Pub/Sub push subscription delivers, and as whom it signs. */
export interface FakePushSubscription {
  endpoint: string;
  /** The token's `aud` (the endpoint by default, as Pub/Sub does). */
  audience?: string;
  serviceAccount: string;
}

/** A signing key for push tokens: the fake's own, or another one a test forges with. */
export interface PushSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newPushSigningKey(): PushSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomBytes(20).toString('hex'), privateKey, publicKey };
}

/** Claims of a Pub/Sub push token, any of which a test may change to forge one. */
export interface PushTokenClaims {
  aud: string;
  email: string;
  email_verified: boolean;
  iss: string;
  iat: number;
  exp: number;
  sub?: string;
  azp?: string;
}

/** The header's value from raw MIME text (first occurrence, unfolded). */
function header(mime: string, name: string): string | null {
  const head = mime.split(/\r?\n\r?\n/)[0] ?? '';
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : null;
}

export interface FakeCalendarEvent {
  id: string;
  account: string;
  summary: string;
  description: string;
  location: string;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
  status: 'confirmed' | 'cancelled';
}

export class FakeGoogle {
  readonly app: FastifyInstance;
  url = '';
  /** Raw MIME of every message the API was asked to send, in order. */
  readonly sent: Array<{ raw: string; id: string; threadId: string }> = [];
  /** Counters a test can read: token grants by kind, revocations. */
  readonly calls = { authorize: 0, codeGrants: 0, refreshGrants: 0, revoked: 0, pkceRefused: 0, historyList: 0, uploads: 0 };
  private readonly codes = new Map<string, { redirectUri: string; challenge: string; method: string; scope: string; used: boolean }>();
  private readonly refreshTokens = new Map<string, { account: string; revoked: boolean }>();
  private readonly accessTokens = new Map<string, { account: string; refreshToken: string }>();
  private readonly mailboxes = new Map<string, Mailbox>();
  private nextId = 0x18c0_0000_0000;
  /**
   * Faults a test sets: the next send is kept in Sent but answered 503 (the answer lost); every
   * send is kept in Sent at once but answered only after `sendDelayMs` (a slow Gmail, so a relay
   * killed meanwhile leaves a sent mail it never heard about).
   */
  readonly faults = { loseNextSendAnswer: false, sendDelayMs: 0 };
  /** Each mailbox's watch (`users.watch`), by account; removed by `users.stop`. */
  readonly watches = new Map<string, FakeWatch>();
  /** Every watch and stop asked, in order. */
  readonly watchCalls: Array<{ account: string; call: 'watch' | 'stop'; topic?: string; labelIds?: string[]; labelFilterBehavior?: string }> = [];
  /** How long a new watch lasts (ms); Gmail's last 7 days. A test shortens it to see renewals. */
  watchMs = 7 * 24 * 3600_000;
  /** The push subscription (null: changes publish nowhere). */
  pushSubscription: FakePushSubscription | null = null;
  /** The key push tokens are signed with; its public half is at /oauth2/v1/certs. */
  readonly signingKey: PushSigningKey = newPushSigningKey();
  /** Every push POSTed, with the relay's answer (0: it could not be reached). */
  readonly pushes: Array<{ account: string; historyId: number; status: number; ms: number }> = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Google Calendar (v3, the primary calendar): events by id, per account. */
  readonly calendarEvents = new Map<string, FakeCalendarEvent>();
  /** False: the mailbox was connected without the calendar scope; every calendar call answers 403. */
  calendarAccess = true;

  constructor(readonly options: FakeGoogleOptions) {
    // Gmail takes mails up to 35 MB through its upload endpoint.
    this.app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 });
    // The SDK's media upload: multipart/related, the JSON metadata then the message/rfc822 bytes.
    this.app.addContentTypeParser('multipart/related', { parseAs: 'buffer' }, (req, body, done) => {
      const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type']))?.[1];
      if (!boundary) return done(new Error('multipart/related without a boundary'));
      const parts = (body as Buffer)
        .toString('latin1')
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((p) => {
          const at = p.indexOf('\r\n\r\n');
          return { head: p.slice(0, at).toLowerCase(), body: p.slice(at + 4).replace(/\r\n$/, '') };
        });
      const json = parts.find((p) => p.head.includes('application/json'));
      const media = parts.find((p) => p.head.includes('message/rfc822'));
      done(null, { metadata: json ? JSON.parse(Buffer.from(json.body, 'latin1').toString('utf8')) : {}, raw: media ? Buffer.from(media.body, 'latin1').toString('utf8') : null });
    });
    this.app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    this.routes();
  }

  async start(port = 0): Promise<string> {
    await this.app.listen({ port, host: '127.0.0.1' });
    const address = this.app.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  /** The endpoints to give OAuth2Client and the rootUrl to give googleapis. */
  get endpoints() {
    return { oauthUrl: this.url, apiUrl: `${this.url}/` };
  }

  mailbox(account = this.options.account): Mailbox {
    let box = this.mailboxes.get(account);
    if (!box) {
      box = { messages: new Map(), history: [], historyId: 1000, historyFloor: 0 };
      this.mailboxes.set(account, box);
    }
    return box;
  }

  /** A mail arriving in the mailbox's inbox; threaded like Gmail by In-Reply-To/References. */
  deliver(mail: InboundMail, account = this.options.account): { id: string; threadId: string; messageId: string } {
    const messageId = mail.messageId ?? `<${randomBytes(8).toString('hex')}@mail.example.net>`;
    const lines = [
      `From: ${mail.from}`,
      `To: ${mail.to ?? account}`,
      ...(mail.cc ? [`Cc: ${mail.cc}`] : []),
      `Subject: ${mail.subject}`,
      `Date: ${(mail.date ?? new Date()).toUTCString()}`,
      `Message-ID: ${messageId}`,
      ...(mail.inReplyTo ? [`In-Reply-To: ${mail.inReplyTo}`] : []),
      ...(mail.references ? [`References: ${mail.references}`] : []),
      'MIME-Version: 1.0',
    ];
    const b64 = (b: Buffer | string) => (Buffer.from(b).toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
    const boundary = () => `b_${randomBytes(6).toString('hex')}`;
    // The text (and HTML) part, with the pictures the HTML shows beside the HTML.
    const inline = (mail.attachments ?? []).filter((a) => a.cid);
    const files = (mail.attachments ?? []).filter((a) => !a.cid);
    const filePart = (a: NonNullable<InboundMail['attachments']>[number]) => [
      `Content-Type: ${a.contentType}; name="${a.filename}"`,
      a.cid ? `Content-ID: <${a.cid}>` : '',
      `Content-Disposition: ${a.cid ? 'inline' : 'attachment'}; filename="${a.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      b64(a.content),
    ].filter((l, i) => i !== 1 || l).join('\r\n');
    const multipart = (type: string, parts: string[]) => {
      const b = boundary();
      return { type: `multipart/${type}; boundary="${b}"`, body: [...parts.map((p) => `--${b}\r\n${p}`), `--${b}--`, ''].join('\r\n') };
    };
    const textPart = { type: 'text/plain; charset=utf-8', body: b64(mail.text) };
    let htmlPart = mail.html ? { type: 'text/html; charset=utf-8', body: b64(mail.html) } : null;
    const asPart = (p: { type: string; body: string }) => `Content-Type: ${p.type}${p.type.startsWith('multipart') ? '' : '\r\nContent-Transfer-Encoding: base64'}\r\n\r\n${p.body}`;
    if (htmlPart && inline.length) htmlPart = multipart('related', [asPart(htmlPart), ...inline.map(filePart)]);
    let top = htmlPart ? multipart('alternative', [asPart(textPart), asPart(htmlPart)]) : textPart;
    if (files.length) top = multipart('mixed', [asPart(top), ...files.map(filePart)]);
    lines.push(`Content-Type: ${top.type}`);
    if (!top.type.startsWith('multipart')) lines.push('Content-Transfer-Encoding: base64');
    const body = `${top.body}\r\n`;
    const raw = `${lines.join('\r\n')}\r\n\r\n${body}`;
    const stored = this.store(account, raw, ['INBOX', 'UNREAD'], null);
    return { id: stored.id, threadId: stored.threadId, messageId };
  }

  /** A mail arriving exactly as these bytes (any MIME, damaged or not); threaded by its In-Reply-To/References. */
  deliverRaw(raw: Buffer | string, account = this.options.account): { id: string; threadId: string } {
    const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8');
    const stored = this.store(account, bytes.toString('latin1'), ['INBOX', 'UNREAD'], null);
    stored.bytes = bytes;
    return { id: stored.id, threadId: stored.threadId };
  }

  /** Forget history before now: the next history.list from an older id answers 404 (a full resync). */
  expireHistory(account = this.options.account): void {
    const box = this.mailbox(account);
    box.historyFloor = box.historyId + 1;
  }

  /** Every message of the mailbox, oldest first. */
  messages(account = this.options.account): StoredMessage[] {
    return [...this.mailbox(account).messages.values()];
  }

  private store(account: string, raw: string, labelIds: string[], threadId: string | null): StoredMessage {
    const box = this.mailbox(account);
    const messageIdHeader = header(raw, 'Message-ID');
    const refs: string[] = `${header(raw, 'In-Reply-To') ?? ''} ${header(raw, 'References') ?? ''}`.match(/<[^>]+>/g) ?? [];
    const thread =
      threadId ?? [...box.messages.values()].find((m) => m.messageIdHeader && refs.includes(m.messageIdHeader))?.threadId ?? null;
    const id = (this.nextId++).toString(16);
    box.historyId += 1;
    const message: StoredMessage = { id, threadId: thread ?? id, raw, labelIds, historyId: box.historyId, internalDate: Date.now(), messageIdHeader };
    box.messages.set(id, message);
    box.history.push({ id: box.historyId, messageId: id, threadId: message.threadId });
    this.publishChange(account, message);
    return message;
  }

  // ---- Pub/Sub push -------------------------------------------------------------------------

  /** Pushes of the mailbox's changes to `endpoint`, signed as `serviceAccount`. */
  pushTo(subscription: FakePushSubscription | null): void {
    this.pushSubscription = subscription;
  }

  /** A Pub/Sub push token; claims (or the key) overridden to forge one. */
  pushToken(overrides: Partial<PushTokenClaims> = {}, key: PushSigningKey = this.signingKey, omit: Array<keyof PushTokenClaims> = []): string {
    const sub = this.pushSubscription;
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: sub?.audience ?? sub?.endpoint ?? '',
      azp: '108273645501928374650',
      email: sub?.serviceAccount ?? '',
      email_verified: true,
      exp: now + 3600,
      iat: now,
      iss: 'https://accounts.google.com',
      sub: '108273645501928374650',
      ...overrides,
    };
    for (const k of omit) delete claims[k];
    const head = b64url(JSON.stringify({ alg: 'RS256', kid: key.kid, typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey).toString('base64url');
    return `${head}.${body}.${signature}`;
  }

  /** The JSON body of a Pub/Sub push saying the mailbox changed up to `historyId`. */
  pushBody(account: string, historyId: number | string): { message: { data: string; messageId: string; message_id: string; publishTime: string; publish_time: string; attributes: Record<string, string> }; subscription: string } {
    const id = String(10_000_000_000 + Math.floor(Math.random() * 1e9));
    const at = new Date().toISOString();
    const topic = this.watches.get(account)?.topic ?? 'projects/bayline-demo/topics/gmail';
    return {
      message: { data: Buffer.from(JSON.stringify({ emailAddress: account, historyId: Number(historyId) })).toString('base64'), messageId: id, message_id: id, publishTime: at, publish_time: at, attributes: {} },
      subscription: `${topic.replace('/topics/', '/subscriptions/')}-push`,
    };
  }

  /** Resolves when every push under way has had its answer. */
  async pushesSettled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private publishChange(account: string, message: StoredMessage): void {
    const watch = this.watches.get(account);
    const sub = this.pushSubscription;
    if (!watch || !sub || watch.expiration <= Date.now()) return;
    if (watch.labelIds.length && watch.labelFilterBehavior !== 'exclude' && !message.labelIds.some((l) => watch.labelIds.includes(l))) return;
    if (watch.labelIds.length && watch.labelFilterBehavior === 'exclude' && message.labelIds.some((l) => watch.labelIds.includes(l))) return;
    const historyId = message.historyId;
    const work = (async () => {
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(sub.endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.pushToken()}`, 'content-type': 'application/json', 'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)' },
          body: JSON.stringify(this.pushBody(account, historyId)),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      this.pushes.push({ account, historyId, status, ms: performance.now() - t0 });
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private account(authorization: string | undefined): string | null {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const found = token ? this.accessTokens.get(token) : undefined;
    if (!found || this.refreshTokens.get(found.refreshToken)?.revoked) return null;
    return found.account;
  }

  private routes(): void {
    const app = this.app;
    const gmailError = (reply: FastifyReply, code: number, message: string) =>
      reply.code(code).send({ error: { code, message, errors: [{ message, reason: code === 404 ? 'notFound' : 'failedPrecondition' }] } });

    // ---- OAuth 2.0 --------------------------------------------------------------------------
    app.get('/o/oauth2/v2/auth', async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      this.calls.authorize += 1;
      if (q.client_id !== this.options.clientId) return reply.code(400).type('text/plain').send('Error 401: invalid_client');
      if (!q.redirect_uri || q.response_type !== 'code' || !q.code_challenge || q.code_challenge_method !== 'S256') {
        return reply.code(400).type('text/plain').send('Error 400: invalid_request (PKCE S256 required by this fake)');
      }
      const code = `4/${randomBytes(16).toString('base64url')}`;
      this.codes.set(code, { redirectUri: q.redirect_uri, challenge: q.code_challenge, method: q.code_challenge_method, scope: q.scope ?? '', used: false });
      const to = new URL(q.redirect_uri);
      to.searchParams.set('code', code);
      if (q.state) to.searchParams.set('state', q.state);
      to.searchParams.set('scope', q.scope ?? '');
      return reply.redirect(to.toString(), 302);
    });

    app.post('/token', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, string | undefined>;
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [body.client_id, body.client_secret];
      if (id !== this.options.clientId || secret !== this.options.clientSecret) return reply.code(401).send({ error: 'invalid_client' });
      if (body.grant_type === 'authorization_code') {
        const grant = body.code ? this.codes.get(body.code) : undefined;
        if (!grant || grant.used) return reply.code(400).send({ error: 'invalid_grant', error_description: 'Bad Request' });
        grant.used = true;
        if (grant.redirectUri !== body.redirect_uri) return reply.code(400).send({ error: 'redirect_uri_mismatch' });
        const challenge = b64url(createHash('sha256').update(body.code_verifier ?? '').digest());
        if (!body.code_verifier || challenge !== grant.challenge) {
          this.calls.pkceRefused += 1;
          return reply.code(400).send({ error: 'invalid_grant', error_description: 'Invalid code verifier.' });
        }
        this.calls.codeGrants += 1;
        const refresh = `1//${randomBytes(24).toString('base64url')}`;
        this.refreshTokens.set(refresh, { account: this.options.account, revoked: false });
        return { ...this.accessToken(refresh), refresh_token: refresh, scope: grant.scope };
      }
      if (body.grant_type === 'refresh_token') {
        const found = body.refresh_token ? this.refreshTokens.get(body.refresh_token) : undefined;
        if (!found || found.revoked) return reply.code(400).send({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        this.calls.refreshGrants += 1;
        return this.accessToken(body.refresh_token!);
      }
      return reply.code(400).send({ error: 'unsupported_grant_type' });
    });

    app.post('/revoke', async (req, reply) => {
      const token = (req.query as { token?: string }).token ?? ((req.body ?? {}) as { token?: string }).token;
      const refresh = token ? (this.refreshTokens.has(token) ? token : this.accessTokens.get(token)?.refreshToken) : undefined;
      const found = refresh ? this.refreshTokens.get(refresh) : undefined;
      if (!found) return reply.code(400).send({ error: 'invalid_token' });
      found.revoked = true;
      this.calls.revoked += 1;
      return {};
    });

    // Google's signing keys, as google-auth-library fetches them (PEM by kid; JWK set).
    app.get('/oauth2/v1/certs', async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return { [this.signingKey.kid]: this.signingKey.publicKey.export({ type: 'spki', format: 'pem' }) };
    });
    app.get('/oauth2/v3/certs', async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return { keys: [{ ...this.signingKey.publicKey.export({ format: 'jwk' }), kid: this.signingKey.kid, alg: 'RS256', use: 'sig' }] };
    });

    // ---- Calendar v3 (the primary calendar's events) ---------------------------------------------
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/calendar/v3/')) return;
      const account = this.account(req.headers.authorization);
      if (!account) return gmailError(reply, 401, 'Request had invalid authentication credentials.');
      if (!this.calendarAccess) {
        return reply.code(403).send({ error: { code: 403, message: 'Request had insufficient authentication scopes.', status: 'PERMISSION_DENIED', errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }] } });
      }
      (req as unknown as { account: string }).account = account;
    });
    type EventBody = Partial<Pick<FakeCalendarEvent, 'summary' | 'description' | 'location' | 'start' | 'end'>>;
    const ownEvent = (req: unknown, id: string) => {
      const ev = this.calendarEvents.get(id);
      return ev && ev.account === (req as { account: string }).account && ev.status !== 'cancelled' ? ev : null;
    };
    app.post('/calendar/v3/calendars/primary/events', async (req, reply) => {
      const body = (req.body ?? {}) as EventBody;
      if (!body.start?.dateTime || !body.end?.dateTime) return gmailError(reply, 400, 'Missing end time.');
      const id = randomBytes(13).toString('hex');
      const ev: FakeCalendarEvent = { id, account: (req as unknown as { account: string }).account, summary: body.summary ?? '', description: body.description ?? '', location: body.location ?? '', start: body.start, end: body.end, status: 'confirmed' };
      this.calendarEvents.set(id, ev);
      return ev;
    });
    app.patch('/calendar/v3/calendars/primary/events/:id', async (req, reply) => {
      const ev = ownEvent(req, (req.params as { id: string }).id);
      if (!ev) return gmailError(reply, 404, 'Not Found');
      Object.assign(ev, req.body as EventBody);
      return ev;
    });
    app.get('/calendar/v3/calendars/primary/events/:id', async (req, reply) => {
      const ev = ownEvent(req, (req.params as { id: string }).id);
      return ev ?? gmailError(reply, 404, 'Not Found');
    });
    app.delete('/calendar/v3/calendars/primary/events/:id', async (req, reply) => {
      const ev = ownEvent(req, (req.params as { id: string }).id);
      if (!ev) return gmailError(reply, 410, 'Resource has been deleted');
      ev.status = 'cancelled';
      return reply.code(204).send();
    });

    // ---- Gmail v1 -----------------------------------------------------------------------------
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/gmail/v1/') && !req.url.startsWith('/upload/gmail/v1/')) return;
      const account = this.account(req.headers.authorization);
      if (!account) return gmailError(reply, 401, 'Request had invalid authentication credentials.');
      (req as unknown as { account: string }).account = account;
    });
    const who = (req: unknown) => (req as { account: string }).account;

    app.get('/gmail/v1/users/me/profile', async (req) => {
      const box = this.mailbox(who(req));
      return { emailAddress: who(req), messagesTotal: box.messages.size, threadsTotal: new Set([...box.messages.values()].map((m) => m.threadId)).size, historyId: String(box.historyId) };
    });

    app.get('/gmail/v1/users/me/messages', async (req) => {
      const q = req.query as { maxResults?: string; q?: string };
      let list = [...this.mailbox(who(req)).messages.values()].reverse();
      const rfc = /rfc822msgid:(\S+)/.exec(q.q ?? '')?.[1];
      if (rfc) list = list.filter((m) => m.messageIdHeader === (rfc.startsWith('<') ? rfc : `<${rfc}>`));
      list = list.slice(0, Number(q.maxResults ?? 100));
      return { messages: list.map((m) => ({ id: m.id, threadId: m.threadId })), resultSizeEstimate: list.length };
    });

    app.get('/gmail/v1/users/me/messages/:id', async (req, reply) => {
      const m = this.mailbox(who(req)).messages.get((req.params as { id: string }).id);
      if (!m) return gmailError(reply, 404, 'Requested entity was not found.');
      const format = (req.query as { format?: string }).format ?? 'full';
      const base = { id: m.id, threadId: m.threadId, labelIds: m.labelIds, historyId: String(m.historyId), internalDate: String(m.internalDate), sizeEstimate: m.raw.length };
      if (format === 'raw') return { ...base, raw: b64url(m.bytes ?? m.raw) };
      const head = (m.raw.split(/\r?\n\r?\n/)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
      const headers = head.split(/\r?\n/).map((l) => ({ name: l.slice(0, l.indexOf(':')), value: l.slice(l.indexOf(':') + 1).trim() }));
      return { ...base, snippet: '', payload: { mimeType: 'message/rfc822', headers } };
    });

    const send = async (req: FastifyRequest, reply: FastifyReply, input: { raw: string | null; threadId?: string }) => {
      if (!input.raw) return gmailError(reply, 400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required");
      const body = { threadId: input.threadId };
      const box = this.mailbox(who(req));
      const threadId = body.threadId && [...box.messages.values()].some((m) => m.threadId === body.threadId) ? body.threadId : null;
      const raw = input.raw;
      const m = this.store(who(req), raw, ['SENT'], threadId);
      this.sent.push({ raw, id: m.id, threadId: m.threadId });
      if (this.faults.sendDelayMs > 0) await new Promise((r) => setTimeout(r, this.faults.sendDelayMs));
      if (this.faults.loseNextSendAnswer) {
        this.faults.loseNextSendAnswer = false;
        return gmailError(reply, 503, 'The service is currently unavailable.');
      }
      return { id: m.id, threadId: m.threadId, labelIds: m.labelIds };
    };
    app.post('/gmail/v1/users/me/messages/send', async (req, reply) => {
      const body = (req.body ?? {}) as { raw?: string; threadId?: string };
      return send(req, reply, { raw: body.raw ? Buffer.from(body.raw, 'base64url').toString('utf8') : null, threadId: body.threadId });
    });
    app.post('/upload/gmail/v1/users/me/messages/send', async (req, reply) => {
      const q = req.query as { uploadType?: string };
      const body = (req.body ?? {}) as { metadata?: { threadId?: string }; raw?: string | null };
      if (q.uploadType !== 'multipart') return gmailError(reply, 400, 'This fake takes uploadType=multipart only.');
      this.calls.uploads += 1;
      return send(req, reply, { raw: body.raw ?? null, threadId: body.metadata?.threadId });
    });

    app.get('/gmail/v1/users/me/history', async (req, reply) => {
      this.calls.historyList += 1;
      const q = req.query as { startHistoryId?: string; pageToken?: string; maxResults?: string };
      const box = this.mailbox(who(req));
      const start = Number(q.startHistoryId);
      if (!Number.isFinite(start) || start < box.historyFloor) return gmailError(reply, 404, 'Requested entity was not found.');
      const max = Number(q.maxResults ?? 100);
      const after = box.history.filter((h) => h.id > start && h.id > Number(q.pageToken ?? 0));
      const page = after.slice(0, max);
      return {
        history: page.map((h) => ({ id: String(h.id), messages: [{ id: h.messageId, threadId: h.threadId }], messagesAdded: [{ message: { id: h.messageId, threadId: h.threadId, labelIds: box.messages.get(h.messageId)?.labelIds ?? [] } }] })),
        historyId: String(box.historyId),
        ...(after.length > max ? { nextPageToken: String(page.at(-1)!.id) } : {}),
      };
    });

    app.post('/gmail/v1/users/me/watch', async (req, reply) => {
      const body = (req.body ?? {}) as { topicName?: string; labelIds?: string[]; labelFilterBehavior?: string; labelFilterAction?: string };
      if (!body.topicName || !/^projects\/[^/]+\/topics\/[^/]+$/.test(body.topicName)) return gmailError(reply, 400, 'Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC');
      const account = who(req);
      const behavior = (body.labelFilterBehavior ?? body.labelFilterAction ?? 'include').toLowerCase();
      const watch: FakeWatch = { topic: body.topicName, labelIds: body.labelIds ?? [], labelFilterBehavior: behavior, expiration: Date.now() + this.watchMs };
      this.watches.set(account, watch);
      this.watchCalls.push({ account, call: 'watch', topic: watch.topic, labelIds: watch.labelIds, labelFilterBehavior: behavior });
      return { historyId: String(this.mailbox(account).historyId), expiration: String(watch.expiration) };
    });

    app.post('/gmail/v1/users/me/stop', async (req, reply) => {
      const account = who(req);
      this.watches.delete(account);
      this.watchCalls.push({ account, call: 'stop' });
      return reply.code(204).send();
    });

    app.get('/gmail/v1/users/me/threads/:id', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const list = [...this.mailbox(who(req)).messages.values()].filter((m) => m.threadId === id);
      if (list.length === 0) return gmailError(reply, 404, 'Requested entity was not found.');
      return { id, historyId: String(Math.max(...list.map((m) => m.historyId))), messages: list.map((m) => ({ id: m.id, threadId: m.threadId, labelIds: m.labelIds })) };
    });
  }

  private accessToken(refreshToken: string) {
    const access = `ya29.${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(access, { account: this.refreshTokens.get(refreshToken)!.account, refreshToken });
    return { access_token: access, expires_in: 3599, token_type: 'Bearer' };
  }
}
