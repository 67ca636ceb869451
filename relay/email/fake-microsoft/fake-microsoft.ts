// A small Microsoft on 127.0.0.1 for tests and for trying the mail hub without a Microsoft 365
// account: the identity platform's v2.0 endpoints (OpenID metadata, authorize auto-approving one
// configured account, token) and the part of Microsoft Graph v1.0 the relay uses (/me, Inbox and
// Sent Items with delta queries, raw MIME by $value, sendMail with MIME, the search by
// internetMessageId, change-notification subscriptions with their validation handshake). The real
// SDKs talk to it: MSAL through the authority metadata the relay reads here, the Graph client
// through its `baseUrl`. It checks what Microsoft checks that matters here: the client and its
// secret, the redirect URI, the PKCE verifier (S256), single-use codes, refresh tokens made invalid
// (`invalidateRefreshTokens`: a password change, access removed), delta links it no longer knows
// (`expireDelta`: 410 syncStateNotFound), the sender address, a subscription's lifetime and its
// validation answer. It keeps the raw MIME of every sent message; a test "delivers" inbound mail
// with `deliver`, which notifies every live subscription of the mailbox with its clientState.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export interface FakeMicrosoftOptions {
  clientId: string;
  clientSecret: string;
  /** The Microsoft 365 account that signs in and approves (the shop's mailbox). */
  account: string;
  /** The directory in the authority's path (`common` by default). */
  tenant?: string;
}

type Folder = 'inbox' | 'sentitems';

interface StoredMessage {
  id: string;
  folder: Folder;
  conversationId: string;
  raw: string;
  internetMessageId: string | null;
  receivedDateTime: string;
  /** The order of change in the mailbox (delta tokens count in it). */
  seq: number;
}

interface Subscription {
  id: string;
  account: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
}

export interface InboundMail {
  from: string;
  to?: string;
  subject: string;
  text: string;
  html?: string;
  /** RFC Message-ID; made up when absent. */
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  date?: Date;
  /** Where it lands: the inbox (default), or Sent Items (a copy the shop sent). */
  folder?: Folder;
}

/** What a delta or skip token holds (opaque to the client, as Graph's are). */
interface DeltaState {
  folder: Folder;
  /** Changes after this one are new to the holder. */
  after: number;
  /** The last change of this round (a skip token), or null (a delta token: up to now). */
  until: number | null;
  /** Only mail received from this time (the initial request's $filter). */
  from: string | null;
  epoch: number;
}

/** Longest a mail subscription may last (Graph: 10,080 minutes). */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function header(mime: string, name: string): string | null {
  const head = mime.split(/\r?\n\r?\n/)[0] ?? '';
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : null;
}

const graphError = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).send({ error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } });

export interface FakeGraphEvent {
  id: string;
  account: string;
  subject: string;
  body: { contentType: string; content: string };
  location: { displayName: string };
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  isCancelled: boolean;
}

export class FakeMicrosoft {
  readonly app: FastifyInstance;
  url = '';
  /** Raw MIME of every message sendMail was asked to send, in order. */
  readonly sent: Array<{ raw: string; id: string; conversationId: string }> = [];
  /** Counters a test can read. */
  readonly calls = { authorize: 0, codeGrants: 0, refreshGrants: 0, pkceRefused: 0, deltaCalls: 0, validations: 0, notifications: 0, subscriptionsCreated: 0, renewed: 0, subscriptionsDeleted: 0 };
  /** The query of the last authorize request (scopes, PKCE), for tests. */
  lastAuthorize: Record<string, string | undefined> | null = null;
  /** Answers of the relay to the notifications posted to it, in order. */
  readonly notified: Array<{ subscriptionId: string; status: number }> = [];
  readonly subscriptions = new Map<string, Subscription>();
  /** Every refresh token given out, oldest first (each refresh gives a new one, as Microsoft does). */
  readonly issuedRefreshTokens: string[] = [];
  /** Faults a test sets: the next sendMail is kept in Sent Items but answered 504 (the answer lost). */
  readonly faults = { loseNextSendAnswer: false };
  private readonly codes = new Map<string, { redirectUri: string; challenge: string; scope: string; used: boolean }>();
  private readonly refreshTokens = new Map<string, { account: string; valid: boolean }>();
  private readonly accessTokens = new Map<string, { account: string; refreshToken: string }>();
  /** Graph calendar events (`/me/events`), by id. */
  readonly calendarEvents = new Map<string, FakeGraphEvent>();
  /** False: the app was consented without Calendars.ReadWrite; every calendar call answers 403. */
  calendarAccess = true;
  private readonly mailboxes = new Map<string, { messages: StoredMessage[]; seq: number; epoch: number }>();
  private readonly pending = new Set<Promise<void>>();
  readonly tenant: string;

  constructor(readonly options: FakeMicrosoftOptions) {
    this.tenant = options.tenant ?? 'common';
    this.app = Fastify({ logger: false });
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
    await this.settle();
    await this.app.close();
  }

  /** Waits for the notifications under way. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** What to give the relay: MICROSOFT_AUTHORITY_URL and MICROSOFT_GRAPH_URL. */
  get endpoints() {
    return { authorityUrl: this.url, graphUrl: this.url };
  }

  private get host(): string {
    return new URL(this.url).host;
  }

  /** The account's object id and the directory id, as Microsoft shows them in tokens. */
  private ids(account: string) {
    const h = createHash('sha256').update(account).digest('hex');
    return { oid: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`, tid: '9188040d-6c67-4c5b-b112-36a304b66dad' };
  }

  private mailbox(account = this.options.account) {
    let box = this.mailboxes.get(account);
    if (!box) {
      box = { messages: [], seq: 0, epoch: 1 };
      this.mailboxes.set(account, box);
    }
    return box;
  }

  /** Every message of the mailbox (both folders), oldest first. */
  messages(account = this.options.account): StoredMessage[] {
    return [...this.mailbox(account).messages];
  }

  /** Every refresh token of the account stops working (the password changed, access was removed). */
  invalidateRefreshTokens(account = this.options.account): void {
    for (const t of this.refreshTokens.values()) if (t.account === account) t.valid = false;
    for (const [token, a] of this.accessTokens) if (a.account === account) this.accessTokens.delete(token);
  }

  /** Graph forgets the mailbox's sync states: every delta link given so far answers 410. */
  expireDelta(account = this.options.account): void {
    this.mailbox(account).epoch += 1;
  }

  private store(account: string, raw: string, folder: Folder): StoredMessage {
    const box = this.mailbox(account);
    const internetMessageId = header(raw, 'Message-ID');
    const refs: string[] = `${header(raw, 'In-Reply-To') ?? ''} ${header(raw, 'References') ?? ''}`.match(/<[^>]+>/g) ?? [];
    const conversationId =
      box.messages.find((m) => m.internetMessageId && refs.includes(m.internetMessageId))?.conversationId ?? `AAQk${randomBytes(18).toString('base64url')}=`;
    box.seq += 1;
    const m: StoredMessage = { id: `AAMk${randomBytes(24).toString('base64url')}=`, folder, conversationId, raw, internetMessageId, receivedDateTime: new Date().toISOString(), seq: box.seq };
    box.messages.push(m);
    return m;
  }

  /** A mail arriving in the inbox (threaded into a conversation by In-Reply-To/References); live subscriptions are notified. */
  deliver(mail: InboundMail, account = this.options.account): { id: string; conversationId: string; messageId: string } {
    const messageId = mail.messageId ?? `<${randomBytes(8).toString('hex')}@mail.example.net>`;
    const lines = [
      `From: ${mail.from}`,
      `To: ${mail.to ?? account}`,
      `Subject: ${mail.subject}`,
      `Date: ${(mail.date ?? new Date()).toUTCString()}`,
      `Message-ID: ${messageId}`,
      ...(mail.inReplyTo ? [`In-Reply-To: ${mail.inReplyTo}`] : []),
      ...(mail.references ? [`References: ${mail.references}`] : []),
      'MIME-Version: 1.0',
    ];
    let body: string;
    if (mail.html) {
      const boundary = `b_${randomBytes(6).toString('hex')}`;
      lines.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
      body = [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(mail.text).toString('base64'),
        `--${boundary}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(mail.html).toString('base64'), `--${boundary}--`, ''].join('\r\n');
    } else {
      lines.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64');
      body = Buffer.from(mail.text).toString('base64') + '\r\n';
    }
    const m = this.store(account, `${lines.join('\r\n')}\r\n\r\n${body}`, mail.folder ?? 'inbox');
    this.notify(account, m);
    return { id: m.id, conversationId: m.conversationId, messageId };
  }

  /**
   * Microsoft drops a subscription (as it does after an outage or a permission change) and, when
   * the subscription gave a lifecycle address, says so there (`subscriptionRemoved`).
   */
  removeSubscription(id: string): void {
    const sub = this.subscriptions.get(id);
    if (!sub) return;
    this.subscriptions.delete(id);
    if (!sub.lifecycleNotificationUrl) return;
    const body = { value: [{ subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, tenantId: this.ids(sub.account).tid, clientState: sub.clientState, lifecycleEvent: 'subscriptionRemoved' }] };
    const sending = fetch(sub.lifecycleNotificationUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
      .then((res) => void this.notified.push({ subscriptionId: sub.id, status: res.status }))
      .catch(() => void this.notified.push({ subscriptionId: sub.id, status: 0 }))
      .finally(() => this.pending.delete(sending));
    this.pending.add(sending);
  }

  /** Posts a change notification for a new message to every live subscription of the mailbox. */
  private notify(account: string, m: StoredMessage): void {
    const { oid, tid } = this.ids(account);
    for (const sub of this.subscriptions.values()) {
      if (sub.account !== account || Date.parse(sub.expirationDateTime) <= Date.now() || !sub.changeType.split(',').includes('created')) continue;
      if (!/^me\/messages$/i.test(sub.resource) && !new RegExp(`mailFolders\\('?${m.folder}'?\\)/messages$`, 'i').test(sub.resource)) continue;
      const body = {
        value: [{
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: sub.expirationDateTime,
          changeType: 'created',
          resource: `Users/${oid}/Messages/${m.id}`,
          resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': `Users/${oid}/Messages/${m.id}`, id: m.id },
          clientState: sub.clientState,
          tenantId: tid,
        }],
      };
      this.calls.notifications += 1;
      const sending = fetch(sub.notificationUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
        .then((res) => void this.notified.push({ subscriptionId: sub.id, status: res.status }))
        .catch(() => void this.notified.push({ subscriptionId: sub.id, status: 0 }))
        .finally(() => this.pending.delete(sending));
      this.pending.add(sending);
    }
  }

  private accountOf(req: FastifyRequest): string | null {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return (token && this.accessTokens.get(token)?.account) || null;
  }

  private tokens(account: string, scope: string) {
    const refresh = `0.A${randomBytes(32).toString('base64url')}`;
    this.refreshTokens.set(refresh, { account, valid: true });
    this.issuedRefreshTokens.push(refresh);
    const access = `eyJ0eXAiOiJKV1Qi.${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(access, { account, refreshToken: refresh });
    const { oid, tid } = this.ids(account);
    const now = Math.floor(Date.now() / 1000);
    const idToken = [
      b64url(JSON.stringify({ typ: 'JWT', alg: 'none' })),
      b64url(JSON.stringify({ aud: this.options.clientId, iss: `https://${this.host}/${tid}/v2.0`, iat: now, nbf: now, exp: now + 3600, name: 'Shop mailbox', oid, preferred_username: account, sub: oid, tid, ver: '2.0' })),
      '',
    ].join('.');
    return {
      token_type: 'Bearer',
      scope,
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: access,
      refresh_token: refresh,
      id_token: idToken,
      client_info: b64url(JSON.stringify({ uid: oid, utid: tid })),
    };
  }

  private deltaLink(folder: Folder, state: DeltaState, kind: 'deltatoken' | 'skiptoken'): string {
    return `${this.url}/v1.0/me/mailFolders/${folder}/messages/delta?$${kind}=${b64url(JSON.stringify(state))}`;
  }

  private routes(): void {
    const app = this.app;
    const tokenError = (reply: FastifyReply, status: number, error: string, description: string) =>
      reply.code(status).send({ error, error_description: description, error_codes: [error === 'invalid_grant' ? 70000 : 90000], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() });

    // ---- the identity platform (v2.0) --------------------------------------------------------
    app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (req) => {
      const t = req.params.tenant;
      return {
        token_endpoint: `${this.url}/${t}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${this.url}/${t}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `https://${this.host}/${t}/v2.0`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${this.url}/${t}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${this.url}/${t}/oauth2/v2.0/logout`,
        tenant_region_scope: null,
        cloud_instance_name: this.host,
      };
    });

    app.get<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/authorize', async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      this.calls.authorize += 1;
      this.lastAuthorize = q;
      if (q.client_id !== this.options.clientId) return reply.code(400).type('text/plain').send(`AADSTS700016: Application with identifier '${q.client_id}' was not found in the directory.`);
      if (!q.redirect_uri || q.response_type !== 'code') return reply.code(400).type('text/plain').send('AADSTS900144: The request body must contain the following parameter: redirect_uri / response_type=code.');
      if (!q.code_challenge || q.code_challenge_method !== 'S256') return reply.code(400).type('text/plain').send('AADSTS501491: PKCE with S256 is required by this fake.');
      const scopes = (q.scope ?? '').split(' ');
      if (!scopes.includes('offline_access')) return reply.code(400).type('text/plain').send('This fake expects offline_access (a refresh token).');
      const code = `1.A${randomBytes(24).toString('base64url')}`;
      this.codes.set(code, { redirectUri: q.redirect_uri, challenge: q.code_challenge, scope: q.scope ?? '', used: false });
      const to = new URL(q.redirect_uri);
      to.searchParams.set('code', code);
      if (q.state) to.searchParams.set('state', q.state);
      to.searchParams.set('session_state', randomUUID());
      return reply.redirect(to.toString(), 302);
    });

    app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, string | undefined>;
      if (body.client_id !== this.options.clientId || body.client_secret !== this.options.clientSecret) {
        return tokenError(reply, 401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
      }
      const granted = (body.scope ?? '').split(' ').filter((s) => s && s !== 'offline_access' && s !== 'openid' && s !== 'profile').join(' ');
      if (body.grant_type === 'authorization_code') {
        const grant = body.code ? this.codes.get(body.code) : undefined;
        if (!grant || grant.used) return tokenError(reply, 400, 'invalid_grant', 'AADSTS54005: OAuth2 Authorization code was already redeemed or is unknown.');
        grant.used = true;
        if (grant.redirectUri !== body.redirect_uri) return tokenError(reply, 400, 'invalid_grant', 'AADSTS50148: The redirect_uri does not match the one of the authorization request.');
        const challenge = b64url(createHash('sha256').update(body.code_verifier ?? '').digest());
        if (!body.code_verifier || challenge !== grant.challenge) {
          this.calls.pkceRefused += 1;
          return tokenError(reply, 400, 'invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
        }
        this.calls.codeGrants += 1;
        return this.tokens(this.options.account, granted);
      }
      if (body.grant_type === 'refresh_token') {
        const found = body.refresh_token ? this.refreshTokens.get(body.refresh_token) : undefined;
        if (!found || !found.valid) return tokenError(reply, 400, 'invalid_grant', 'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.');
        this.calls.refreshGrants += 1;
        return this.tokens(found.account, granted);
      }
      return tokenError(reply, 400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    });

    // ---- Microsoft Graph v1.0 ----------------------------------------------------------------
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/v1.0/')) return;
      const account = this.accountOf(req);
      if (!account) return graphError(reply, 401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
      (req as unknown as { account: string }).account = account;
    });
    const who = (req: unknown) => (req as { account: string }).account;

    // Calendar events of the signed-in mailbox.
    type EventBody = Partial<Pick<FakeGraphEvent, 'subject' | 'body' | 'location' | 'start' | 'end'>>;
    const calendarDenied = (reply: FastifyReply) => graphError(reply, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    const ownEvent = (req: unknown, id: string) => {
      const ev = this.calendarEvents.get(id);
      return ev && ev.account === who(req) && !ev.isCancelled ? ev : null;
    };
    app.post('/v1.0/me/events', async (req, reply) => {
      if (!this.calendarAccess) return calendarDenied(reply);
      const b = (req.body ?? {}) as EventBody;
      if (!b.start?.dateTime || !b.end?.dateTime) return graphError(reply, 400, 'ErrorInvalidRequest', 'Start and end are required.');
      const ev: FakeGraphEvent = { id: `AAMkAG${randomBytes(12).toString('base64url')}`, account: who(req), subject: b.subject ?? '', body: b.body ?? { contentType: 'text', content: '' }, location: b.location ?? { displayName: '' }, start: b.start, end: b.end, isCancelled: false };
      this.calendarEvents.set(ev.id, ev);
      return reply.code(201).send(ev);
    });
    app.patch<{ Params: { id: string } }>('/v1.0/me/events/:id', async (req, reply) => {
      if (!this.calendarAccess) return calendarDenied(reply);
      const ev = ownEvent(req, req.params.id);
      if (!ev) return graphError(reply, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      Object.assign(ev, req.body as EventBody);
      return ev;
    });
    app.delete<{ Params: { id: string } }>('/v1.0/me/events/:id', async (req, reply) => {
      if (!this.calendarAccess) return calendarDenied(reply);
      const ev = ownEvent(req, req.params.id);
      if (!ev) return graphError(reply, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      ev.isCancelled = true;
      return reply.code(204).send();
    });
    const folderOf = (name: string): Folder | null => {
      const f = name.toLowerCase().replace(/^'|'$/g, '');
      return f === 'inbox' || f === 'sentitems' ? f : null;
    };
    const shape = (m: StoredMessage) => ({ '@odata.type': '#microsoft.graph.message', id: m.id, conversationId: m.conversationId, receivedDateTime: m.receivedDateTime, internetMessageId: m.internetMessageId });

    app.get('/v1.0/me', async (req) => {
      const { oid } = this.ids(who(req));
      return { '@odata.context': `${this.url}/v1.0/$metadata#users/$entity`, id: oid, displayName: 'Shop mailbox', mail: who(req), userPrincipalName: who(req) };
    });

    app.get<{ Params: { folder: string } }>('/v1.0/me/mailFolders/:folder/messages/delta', async (req, reply) => {
      this.calls.deltaCalls += 1;
      const folder = folderOf(req.params.folder);
      if (!folder) return graphError(reply, 404, 'ErrorItemNotFound', 'The specified folder could not be found in the store.');
      const box = this.mailbox(who(req));
      const q = req.query as Record<string, string | undefined>;
      const token = q.$deltatoken ?? q.$skiptoken;
      let state: DeltaState;
      if (token) {
        try {
          state = JSON.parse(Buffer.from(token, 'base64url').toString()) as DeltaState;
        } catch {
          return graphError(reply, 400, 'BadRequest', 'The sync state is not valid.');
        }
        if (state.epoch !== box.epoch || state.folder !== folder) return graphError(reply, 410, 'syncStateNotFound', 'The sync state generation is not found or has expired.');
        if (q.$deltatoken) state = { ...state, until: null };
      } else {
        const from = /^receivedDateTime ge (\S+)$/.exec(q.$filter ?? '')?.[1] ?? null;
        if (q.$filter && !from) return graphError(reply, 400, 'ErrorInvalidUrlQueryFilter', 'The only supported $filter on delta is receivedDateTime ge {value}.');
        state = { folder, after: 0, until: null, from, epoch: box.epoch };
      }
      const until = state.until ?? box.seq;
      const items = box.messages.filter((m) => m.folder === folder && m.seq > state.after && m.seq <= until && (!state.from || Date.parse(m.receivedDateTime) >= Date.parse(state.from)));
      const size = Number(/odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''))?.[1] ?? 10);
      const page = items.slice(0, size);
      const more = items.length > size;
      return {
        '@odata.context': `${this.url}/v1.0/$metadata#Collection(message)`,
        value: page.map(shape),
        ...(more
          ? { '@odata.nextLink': this.deltaLink(folder, { ...state, after: page.at(-1)!.seq, until }, 'skiptoken') }
          : { '@odata.deltaLink': this.deltaLink(folder, { ...state, after: until, until: null }, 'deltatoken') }),
      };
    });

    app.get<{ Params: { folder: string } }>('/v1.0/me/mailFolders/:folder/messages', async (req, reply) => {
      const folder = folderOf(req.params.folder);
      if (!folder) return graphError(reply, 404, 'ErrorItemNotFound', 'The specified folder could not be found in the store.');
      const q = req.query as Record<string, string | undefined>;
      let list = this.mailbox(who(req)).messages.filter((m) => m.folder === folder);
      if (q.$filter) {
        const id = /^internetMessageId eq '((?:[^']|'')*)'$/.exec(q.$filter)?.[1]?.replace(/''/g, "'");
        if (!id) return graphError(reply, 400, 'ErrorInvalidUrlQueryFilter', 'This fake only filters on internetMessageId eq \'…\'.');
        list = list.filter((m) => m.internetMessageId === id);
      }
      list = [...list].sort((a, b) => b.seq - a.seq).slice(0, Number(q.$top ?? 10));
      return { value: list.map(shape) };
    });

    app.get<{ Params: { id: string } }>('/v1.0/me/messages/:id/$value', async (req, reply) => {
      const m = this.mailbox(who(req)).messages.find((x) => x.id === req.params.id);
      if (!m) return graphError(reply, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return reply.type('text/plain').send(Buffer.from(m.raw, 'utf8'));
    });

    app.post('/v1.0/me/sendMail', async (req, reply) => {
      if (!/^text\/plain/.test(req.headers['content-type'] ?? '') || typeof req.body !== 'string') {
        return graphError(reply, 400, 'ErrorMimeContentInvalid', 'This fake only takes sendMail with MIME content (base64, Content-Type: text/plain).');
      }
      const raw = Buffer.from(req.body.trim(), 'base64').toString('utf8');
      if (!/^[A-Za-z-]+:/.test(raw) || !header(raw, 'To')) return graphError(reply, 400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
      const from = /<([^>]+)>/.exec(header(raw, 'From') ?? '')?.[1] ?? header(raw, 'From');
      if (from?.toLowerCase() !== who(req).toLowerCase()) return graphError(reply, 403, 'ErrorSendAsDenied', 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.');
      const m = this.store(who(req), raw, 'sentitems');
      this.sent.push({ raw, id: m.id, conversationId: m.conversationId });
      this.notify(who(req), m);
      if (this.faults.loseNextSendAnswer) {
        this.faults.loseNextSendAnswer = false;
        return graphError(reply, 504, 'UnknownError', 'The gateway timed out.');
      }
      return reply.code(202).send();
    });

    app.post('/v1.0/subscriptions', async (req, reply) => {
      const body = (req.body ?? {}) as Partial<Subscription> & { expirationDateTime?: string };
      if (!body.changeType || !body.notificationUrl || !body.resource || !body.expirationDateTime) {
        return graphError(reply, 400, 'InvalidRequest', 'changeType, notificationUrl, resource and expirationDateTime are required.');
      }
      if (!/^me\/messages$/i.test(body.resource) && !/^me\/mailFolders\('?(inbox|sentitems)'?\)\/messages$/i.test(body.resource)) {
        return graphError(reply, 400, 'InvalidRequest', `This fake has no subscriptions on '${body.resource}'.`);
      }
      const expires = Date.parse(body.expirationDateTime);
      if (!Number.isFinite(expires) || expires <= Date.now() || expires > Date.now() + MAX_SUBSCRIPTION_MINUTES * 60_000) {
        return graphError(reply, 400, 'InvalidRequest', `Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`);
      }
      if (body.clientState && body.clientState.length > 128) return graphError(reply, 400, 'InvalidRequest', 'clientState is longer than 128 characters.');
      // The validation handshake: the endpoint must echo the token, as text/plain, within 10 seconds.
      const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
      this.calls.validations += 1;
      let echoed = false;
      try {
        const res = await fetch(`${body.notificationUrl}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(10_000) });
        echoed = res.status === 200 && /^text\/plain/.test(res.headers.get('content-type') ?? '') && (await res.text()) === token;
      } catch {
        echoed = false;
      }
      if (!echoed) return graphError(reply, 400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
      const sub: Subscription = {
        id: randomUUID(),
        account: who(req),
        resource: body.resource,
        changeType: body.changeType,
        notificationUrl: body.notificationUrl,
        lifecycleNotificationUrl: body.lifecycleNotificationUrl ?? null,
        clientState: body.clientState ?? null,
        expirationDateTime: new Date(expires).toISOString(),
      };
      this.subscriptions.set(sub.id, sub);
      this.calls.subscriptionsCreated += 1;
      const { account: _account, ...shown } = sub;
      return reply.code(201).send({ '@odata.context': `${this.url}/v1.0/$metadata#subscriptions/$entity`, ...shown });
    });

    app.patch<{ Params: { id: string } }>('/v1.0/subscriptions/:id', async (req, reply) => {
      const sub = this.subscriptions.get(req.params.id);
      if (!sub || sub.account !== who(req) || Date.parse(sub.expirationDateTime) <= Date.now()) return graphError(reply, 404, 'ResourceNotFound', 'The object was not found.');
      const expires = Date.parse((req.body as { expirationDateTime?: string } | undefined)?.expirationDateTime ?? '');
      if (!Number.isFinite(expires) || expires <= Date.now() || expires > Date.now() + MAX_SUBSCRIPTION_MINUTES * 60_000) {
        return graphError(reply, 400, 'InvalidRequest', `Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`);
      }
      sub.expirationDateTime = new Date(expires).toISOString();
      this.calls.renewed += 1;
      const { account: _account, ...shown } = sub;
      return shown;
    });

    app.delete<{ Params: { id: string } }>('/v1.0/subscriptions/:id', async (req, reply) => {
      const sub = this.subscriptions.get(req.params.id);
      if (!sub || sub.account !== who(req)) return graphError(reply, 404, 'ResourceNotFound', 'The object was not found.');
      this.subscriptions.delete(sub.id);
      this.calls.subscriptionsDeleted += 1;
      return reply.code(204).send();
    });
  }
}
