// The relay's HTTP server: fastify with one plugin per area (health, pairing, sync, blobs).
// Logs are structured (pino) and never carry credentials, pairing codes, tokens or phone numbers.
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import { MAX_SYNC_FRAME_BYTES } from '../src-shared/sync/protocol.js';
import { blobsPlugin } from './blobs/blobs-plugin.js';
import { type Blobs, BlobStore } from './blobs/blob-store.js';
import { BlobRefill, type BlobRefillOptions } from './blobs/blob-refill.js';
import { healthPlugin } from './health.js';
import { pairingPlugin } from './pairing-routes.js';
import { pairingPagePlugin } from './pairing-page.js';
import { updatesPlugin } from './updates/updates-plugin.js';
import { portalPlugin, type PortalPluginOptions } from './portal/portal-plugin.js';
import type { RelayStorage } from './storage/types.js';
import { SyncHub } from './sync/sync-hub.js';
import { syncPlugin } from './sync/sync-plugin.js';
import { hideMailSecrets, type MailConfig } from './email/config.js';
import { gmailPushRoute } from './email/gmail/push-route.js';
import { mailPlugin } from './email/mail-plugin.js';
import { hideDraftingSecrets, type DraftingConfig } from './drafting/config.js';
import type { DraftService, DraftServiceOptions } from './drafting/draft-service.js';
import { draftingPlugin } from './drafting/drafting-plugin.js';
import { groupsPlugin } from './groups/groups-plugin.js';
import type { MailService, MailServiceOptions } from './email/mail-service.js';
import { hideSecrets, type TelnyxConfig, telnyxClient } from './sms/config.js';
import { smsPlugin } from './sms/sms-plugin.js';
import { CallService } from './calls/call-service.js';
import { callsPlugin } from './calls/calls-plugin.js';
import type { SmsService, SmsServiceOptions } from './sms/sms-service.js';
import { schedulingPlugin, type SchedulingPluginOptions } from './scheduling/scheduling-plugin.js';
import { SchedulingService } from './scheduling/scheduling-service.js';
import { EsignService, type EsignServiceOptions } from './esign/signing-service.js';
import { signingPlugin } from './esign/signing-plugin.js';
import { accountsPlugin, type AccountsPluginOptions } from './accounts/accounts-plugin.js';
import { ProviderAccess } from './providers/access.js';
import { ProviderIndex } from './providers/provider-index.js';
import { providerApiPlugin } from './provider-api/api-plugin.js';
import type { ProviderApiConfig } from './provider-api/config.js';
import { ProviderWebhooks } from './provider-api/webhooks.js';
import { providerApiAdminPlugin } from './provider-api/admin-plugin.js';
import { ProviderIntegrations } from './provider-api/integrations.js';
import { ProviderAuth, type ProviderMailConfig } from './providers/auth.js';
import { providerWebPlugin } from './providers/web-plugin.js';
import { CsiService } from './csi/csi-service.js';
import { surveyPlugin } from './csi/survey-plugin.js';
import { AutomationService, type AutomationServiceOptions } from './automations/automation-service.js';

export interface RelayOptions {
  /** The work providers' REST API and webhooks: the key sealing webhook secrets, limits, timings (relay/provider-api/config.ts). */
  providerApi?: ProviderApiConfig;
  storage: RelayStorage;
  port: number;
  host?: string;
  /** The address customers and desks reach this relay at; never taken from a request's Host header. */
  publicUrl?: string;
  /** pino options, `false` for silence (tests); defaults to info-level JSON on stdout. */
  logger?: FastifyServerOptions['logger'];
  deviceCheckMs?: number;
  /** Folder for blob files (photos, PDFs); with SQLite storage, `<data>/blobs`. Without it, no /blobs routes. */
  blobDir?: string;
  /**
   * Blobs in a bucket instead of `blobDir` (relay/blobs/s3-blob-store.ts); `blobDir` then holds
   * only this process's scratch files and photo-size caches, and must still be given.
   */
  blobStore?: Blobs;
  /** Filling lost blobs again from the desks (relay/blobs/blob-refill.ts): tests set their own timings. */
  blobRefill?: BlobRefillOptions;
  /** Limits and timings of the customer portal (tests and the bench set their own). */
  portal?: Omit<PortalPluginOptions, 'blobDir'>;
  /** Take the client address from X-Forwarded-For (only behind a load balancer you run). */
  trustProxy?: boolean;
  /** Texting through Telnyx (relay/sms/config.ts); without it, no texts go out and webhooks answer 503. */
  telnyx?: TelnyxConfig | null;
  /** Test and tuning knobs of the texting service (the quiet-hours clock, how often it polls). */
  sms?: Omit<SmsServiceOptions, 'config' | 'client' | 'blobDir'>;
  /** Mail settings: the sealing key and the operator's provider apps (relay/email/config.ts); without them, no mailbox can connect. */
  mailConfig?: MailConfig | null;
  /** Tuning of the mail service (how often mailboxes are polled, the providers in tests). */
  mail?: Omit<MailServiceOptions, 'config' | 'publicUrl' | 'blobDir'>;
  /** The operator's model for drafts (relay/drafting/config.ts); without it, GET /drafting says off and desks use templates. */
  draftingConfig?: DraftingConfig | null;
  /** Tuning of the drafting service (the clock, the pause between tries). */
  drafting?: Omit<DraftServiceOptions, 'config'>;
  /** Booking and appointment texts (the clock slots and reminders are judged by, limits, how often it looks). */
  scheduling?: Omit<SchedulingPluginOptions, 'blobDir'> & { pollMs?: number };
  /** E-signature in the portal: the sealer (relay/esign/seal-types.ts), the clock codes expire by, timings. */
  esign?: Omit<EsignServiceOptions, 'blobDir' | 'publicUrl' | 'sms'>;
  /** The customer's optional account (/p/<slug>/account): limits, the clock, cookies (relay/accounts/). */
  accounts?: Omit<AccountsPluginOptions, 'sms'>;
  /** Work providers' pages: where invitations are mailed (BAYLINE_PROVIDER_SMTP_URL), else their links are logged. */
  providerMail?: ProviderMailConfig | null;
  /** The clock sign-in codes and sessions are judged by (tests move it on by 30-second steps). */
  providerClock?: () => Date;
  /** After the repair (issue 18): the clock the survey's delay and amending are judged by, how often it looks. */
  csi?: { clock?: () => Date; pollMs?: number };
  /** Automation rules (issue 20): the clock runs are stamped by, how often every shop is looked at. */
  automations?: AutomationServiceOptions;
}

export interface RunningRelay {
  app: FastifyInstance;
  url: string;
  port: number;
  hub: SyncHub;
  /** The texting service, when Telnyx is configured. */
  sms: SmsService | null;
  /** The mail service, when mail is configured. */
  mail: MailService | null;
  /** The drafting service, when a model is configured. */
  drafting: DraftService | null;
  /** Texts about appointments (decisions, reminders). */
  scheduling: SchedulingService;
  /** E-signature: sends requests, the portal's signing, sealing. */
  esign: EsignService;
  /** Work providers (issue 19): the cross-shop index (and its repair events) and the access rules. */
  providers: ProviderServices;
  /** Work providers' signed webhooks (relay/provider-api/webhooks.ts). */
  webhooks: ProviderWebhooks;
  /** After the repair: sends the survey once per delivered repair, credits referrals. */
  csi: CsiService;
  /** Automation rules: fires each rule once per occurrence. */
  automations: AutomationService;
  /** Lost blobs filled again from the desks; null without a blob store. */
  blobRefill: BlobRefill | null;
  close(): Promise<void>;
}

export interface ProviderServices {
  index: ProviderIndex;
  access: ProviderAccess;
  /** Sign-in, sessions and invitations of providers' people. */
  auth: ProviderAuth;
}

/** Paths of request and response fields that must never reach a log line. */
const SECRET_KEYS = [
  ...['secret', 'code', 'pairingCode', 'token', 'phone', 'mobile', 'from', 'to'],
  // Telnyx settings, and what its webhooks carry about a customer.
  ...['apiKey', 'publicKey', 'TELNYX_API_KEY', 'TELNYX_PUBLIC_KEY', 'text', 'phone_number'],
  // Google: the app secret, OAuth codes, states and tokens.
  ...['clientSecret', 'GOOGLE_CLIENT_SECRET', 'refresh_token', 'access_token'],
  // Drafting: the model's key (prompts and drafts are never logged at all).
  ...['BAYLINE_AI_API_KEY'],
];
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  // At the top of a log object and one level down (pino's wildcard covers exactly one level).
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
];

/** Drops anything that could be a capability from a logged URL: portal tokens and query strings. */
export function redactUrl(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.replace(/^\/(t|s|b|a|c)\/[^/]+/, '/$1/[redacted]').replace(/^\/provider\/invite\/[^/]+/, '/provider/invite/[redacted]');
}

export function relayLoggerOptions(level = process.env.BAYLINE_LOG_LEVEL ?? 'info'): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
    },
  };
}

/**
 * fastify's request lines, except for customers' status pages that open: a phone reloads its page
 * often, every view is already counted in the workspace, and two log lines cost more than the
 * rest of serving the cached page. A page that did not open (unknown link, too many tries, an
 * error) is still logged, with its cut URL.
 */
class RelayLogController extends LogController {
  private static isStatusPage(request: FastifyRequest): boolean {
    return request.routeOptions.url === '/t/:token' && request.method === 'GET';
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!RelayLogController.isStatusPage(request)) super.incomingRequest(request, reply, metadata);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!RelayLogController.isStatusPage(request)) return super.requestCompleted(error, request, reply, metadata);
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (reply.statusCode !== 200) reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * The request's logger, made only when something logs: pino's child() serializes (and, with
 * redaction configured, redacts) its bindings at once, a few microseconds on every request,
 * while most requests (a status page that opens) log nothing. Same lines, same bindings.
 */
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;

export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(parent, bindings, opts);
}

/** One small object per request; the pino child behind it exists only once something logs. */
class LazyChildLogger implements FastifyBaseLogger {
  private real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings, this.opts));
  }

  get level(): string {
    return this.real ? this.real.level : (this.opts.level ?? this.parent.level);
  }

  set level(level: string) {
    this.logger.level = level;
  }

  info(...args: Parameters<FastifyBaseLogger['info']>): void {
    this.logger.info(...args);
  }

  error(...args: Parameters<FastifyBaseLogger['error']>): void {
    this.logger.error(...args);
  }

  debug(...args: Parameters<FastifyBaseLogger['debug']>): void {
    this.logger.debug(...args);
  }

  fatal(...args: Parameters<FastifyBaseLogger['fatal']>): void {
    this.logger.fatal(...args);
  }

  warn(...args: Parameters<FastifyBaseLogger['warn']>): void {
    this.logger.warn(...args);
  }

  trace(...args: Parameters<FastifyBaseLogger['trace']>): void {
    this.logger.trace(...args);
  }

  silent(...args: Parameters<FastifyBaseLogger['silent']>): void {
    this.logger.silent(...args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const app = Fastify({
    logger: options.logger ?? relayLoggerOptions(),
    bodyLimit: 64 * 1024,
    trustProxy: options.trustProxy ?? false,
    // A stopping relay cuts what is still open (event streams from phones reconnect on their own).
    forceCloseConnections: true,
    logController: new RelayLogController(),
    childLoggerFactory: lazyChildLogger,
  });
  const hub = new SyncHub(options.storage, app.log, { deviceCheckMs: options.deviceCheckMs });
  app.decorate('storage', options.storage);
  app.decorate('syncHub', hub);
  // Known once listening when no public address is configured (a relay on this machine).
  app.decorate('publicUrl', options.publicUrl ?? '');
  const providers: ProviderServices = {
    index: new ProviderIndex(options.storage, app.log),
    access: new ProviderAccess(options.storage),
    auth: new ProviderAuth(options.storage, { mail: options.providerMail ?? null, log: app.log, now: options.providerClock, vault: options.providerApi?.webhooks.vault ?? null }),
  };
  app.decorate('providers', providers);
  // fastify's own 404 message repeats the URL, which may hold a portal token.
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not-found', message: 'Nothing here.' }));
  await app.register(websocket, { options: { maxPayload: MAX_SYNC_FRAME_BYTES } });
  await app.register(healthPlugin);
  await app.register(pairingPlugin);
  await app.register(pairingPagePlugin);
  await app.register(syncPlugin);
  // One store for every part of the relay, wrapped so that a read missing a recorded blob asks the desks for it.
  const baseBlobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  const blobRefill = baseBlobs ? new BlobRefill(options.storage, baseBlobs, hub, app.log, options.blobRefill) : null;
  const blobStore = blobRefill?.blobs;
  await app.register(updatesPlugin, { blobDir: options.blobDir, blobStore: baseBlobs ?? undefined });
  if (options.blobDir) await app.register(blobsPlugin, { blobDir: options.blobDir, blobStore });
  await app.register(portalPlugin, { ...options.portal, blobDir: options.blobDir, blobStore });
  await app.register(schedulingPlugin, { ...options.scheduling, blobDir: options.blobDir, blobStore });
  // Texting and drafting load their SDKs (Telnyx; OpenAI and Anthropic) only when configured.
  const sms: SmsService | null = options.telnyx
    ? new (await import('./sms/sms-service.js')).SmsService(options.storage, app.log, { ...options.sms, config: hideSecrets(options.telnyx), client: await telnyxClient(options.telnyx), blobDir: options.blobDir, blobStore })
    : null;
  await app.register(smsPlugin, { service: sms });
  await app.register(callsPlugin, { service: sms && options.telnyx ? new CallService(options.storage, app.log, { config: hideSecrets(options.telnyx), client: sms.client }) : null });
  const mail: MailService | null = options.mailConfig
    ? new (await import('./email/mail-service.js')).MailService(options.storage, app.log, { ...options.mail, config: hideMailSecrets(options.mailConfig), publicUrl: () => app.publicUrl, blobDir: options.blobDir, blobStore })
    : null;
  await app.register(mailPlugin, { service: mail });
  await app.register(gmailPushRoute, { service: mail, config: options.mailConfig ?? null });
  const drafting: DraftService | null = options.draftingConfig
    ? new (await import('./drafting/draft-service.js')).DraftService(options.storage, app.log, { ...options.drafting, config: hideDraftingSecrets(options.draftingConfig) })
    : null;
  await app.register(draftingPlugin, { service: drafting });
  await app.register(groupsPlugin, { mail: options.providerMail ?? null, now: options.providerClock });
  const esign = new EsignService(options.storage, app.log, { sealer: null, ...options.esign, blobDir: options.blobDir, blobStore, publicUrl: () => app.publicUrl, sms });
  await app.register(signingPlugin, { service: esign, blobDir: options.blobDir, blobStore });
  await app.register(accountsPlugin, { ...options.accounts, sms });
  await app.register(providerApiPlugin, { access: providers.access, requestsPerMinute: options.providerApi?.requestsPerMinute });
  const webhooks = new ProviderWebhooks(options.storage, providers.access, providers.index, app.log, options.providerApi?.webhooks ?? { vault: null });
  const integrations = new ProviderIntegrations(options.storage, webhooks);
  await app.register(providerApiAdminPlugin, { integrations });
  await app.register(providerWebPlugin, { auth: providers.auth, integrations, blobDir: options.blobDir, blobStore, now: options.providerClock });
  await app.register(surveyPlugin, { clock: options.csi?.clock });
  await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = options.publicUrl ?? `http://127.0.0.1:${port}`;
  app.publicUrl = url;
  blobRefill?.start();
  await sms?.start();
  mail?.start();
  const scheduling = new SchedulingService(options.storage, app.log, { publicUrl: () => app.publicUrl, clock: options.scheduling?.clock, pollMs: options.scheduling?.pollMs });
  scheduling.start();
  esign.start();
  webhooks.start();
  providers.index.start();
  const csi = new CsiService(options.storage, app.log, { publicUrl: () => app.publicUrl, clock: options.csi?.clock, pollMs: options.csi?.pollMs });
  csi.start();
  const automations = new AutomationService(options.storage, app.log, { publicUrl: () => app.publicUrl, ...options.automations });
  automations.start();
  let closing: Promise<void> | null = null;
  return {
    app,
    url,
    port,
    hub,
    sms,
    mail,
    drafting,
    scheduling,
    esign,
    providers,
    webhooks,
    csi,
    automations,
    blobRefill,
    close() {
      closing ??= (async () => {
        hub.close();
        await blobRefill?.close();
        await providers.index.stop();
        await webhooks.stop();
        await scheduling.close();
        await esign.close();
        await csi.close();
        await automations.close();
        await sms?.close();
        await mail?.close();
        await app.close();
      })();
      return closing;
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    storage: RelayStorage;
    syncHub: SyncHub;
    /** The address customers and desks reach this relay at (portal links are built on it). */
    publicUrl: string;
    /** Work providers: the index of what each was granted and the access rules (relay/providers/). */
    providers: ProviderServices;
  }
}
