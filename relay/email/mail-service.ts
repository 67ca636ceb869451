// The relay's mail work, the same for every provider (./provider.ts): connecting a shop's mailbox
// (OAuth authorization code with PKCE and a single-use state bound to the shop and the staff
// member), disconnecting it (revoked at the provider, secret deleted), and inbound mail by catching
// up from the stored cursor on every round (a full look at recent mail when the provider says the
// cursor expired), each message filed once (./inbound.ts). The mailbox as the desks see it
// ("Connected as …", its state, the last problem) is the synced `mailboxes` row, written here.
// Approved mail is sent once (./outbound.ts) as soon as a desk's change reaches the relay, and
// again on every round: each of those looks queues a job "send this mailbox's approved mail" in the
// relay's job queue (relay/jobs; on PostgreSQL any relay process takes it, one waiting per mailbox;
// on SQLite it runs at once), and the job sends each mail under its `mail_sends` claim. A push from the provider only says "look now" (`catchUpMailbox`).
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { JobOptions } from '../jobs/queue.js';
import type { RelayStorage } from '../storage/types.js';
import type { MailAccount } from '../storage/mail-records.js';
import { type Blobs, BlobStore } from '../blobs/blob-store.js';
import type { MailConfig } from './config.js';
import { gmailProvider } from './gmail/provider.js';
import { imapProvider } from './imap/provider.js';
import { statusOf } from './gmail/sdk.js';
import { fileMail, type FiledMail } from './inbound.js';
import { sendApproved } from './outbound.js';
import { calendarWorkPending, syncAppointmentCalendars } from '../scheduling/calendar-sync.js';
import { outlookProvider } from './outlook/provider.js';
import { MailAccessLost, MailCursorExpired, type MailProvider, type MailProviderId, type ProviderMail } from './provider.js';
import { MailError } from './errors.js';

/** Who may connect and disconnect the shop's mailboxes. */
export const MAIL_ADMIN_ROLES = ['owner', 'manager'] as const;

const STATE_MINUTES = 15;
const RESYNC_LIMIT = 200;
/** The providers' request timeout; a send claim older than twice this has no living sender. */
const SEND_TIMEOUT_MS = 20_000;
const LEASE_MS = 120_000;
/** How many of the latest filings `filed` keeps (tests and logs read it). */
const FILED_KEPT = 1000;

/** The job queue of outgoing mail: one job is "send this mailbox's approved mail". */
export const MAIL_SEND_QUEUE = 'mail-send';

interface MailSendJob {
  mailboxId: string;
}

const MAIL_SEND_JOB: JobOptions = {
  // A run sends the mailbox's approved mail one after the other (each up to SEND_TIMEOUT_MS); one
  // that outlives this is tried again elsewhere, where the claims keep each mail to one send.
  expireInSeconds: 600,
  retryLimit: 2,
  retryDelay: 5,
  pollingIntervalSeconds: 1,
  wakeOnEnqueue: true,
  workers: 2,
};

export { MailError };

export interface MailServiceOptions {
  config: MailConfig;
  /** The address providers send the browser back to (the relay's public URL). */
  publicUrl: () => string;
  /** How often mailboxes are polled (ms); the config's by default. */
  pollMs?: number;
  /** The providers mailboxes may connect through; by default those the config has an app for. */
  providers?: MailProvider[];
  /** The relay's blob folder: a mail's files are kept there (without it, they are listed as not kept), and the documents sent with mail are read from it. */
  blobDir?: string;
  /** The store itself when it is not that folder (a bucket); the folder then holds only scratch files and caches. */
  blobStore?: Blobs;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The providers the operator configured an app for; IMAP/SMTP needs none. */
export function configuredProviders(config: MailConfig, hooks: { catchUp?: (mailboxId: string) => Promise<unknown> } = {}): MailProvider[] {
  return [
    ...(config.google ? [gmailProvider(config.google)] : []),
    ...(config.microsoft ? [outlookProvider(config.microsoft)] : []),
    imapProvider({ catchUp: hooks.catchUp, holdMs: LEASE_MS }),
  ];
}

export class MailService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private wakeAgain = false;
  private sending: Promise<void> | null = null;
  private readonly dirty = new Set<string>();
  private readonly catching = new Map<string, Promise<boolean>>();
  private readonly catchAgain = new Set<string>();
  private readonly calendarRuns = new Map<string, Promise<void>>();
  private stopListening: (() => void) | null = null;
  private sweptOnce = false;
  private readonly startedAt = Date.now();
  private closed = false;
  private defining: Promise<void> | null = null;
  private readonly owner = `relay-${randomUUID()}`;
  private readonly providers: Map<string, MailProvider>;
  private readonly blobs: Blobs | null;
  /** What catching up found lately (the newest FILED_KEPT), newest last (tests and logs read it). */
  readonly filed: FiledMail[] = [];

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: MailServiceOptions,
  ) {
    this.providers = new Map((options.providers ?? configuredProviders(options.config, { catchUp: (id) => this.catchUpMailbox(id) })).map((p) => [p.id, p]));
    this.blobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  }

  private get config(): MailConfig {
    return this.options.config;
  }

  /** The provider by id, or a refusal naming what the operator must set up. */
  provider(id: string): MailProvider {
    const p = this.providers.get(id);
    if (!p) throw new MailError('not-configured', `This relay cannot connect ${id === 'outlook' ? 'Outlook' : id === 'gmail' ? 'Gmail' : id} mailboxes yet: the operator must add that app's settings (see the README).`);
    return p;
  }

  /** The providers a shop can connect through here (the desk shows one button each). */
  providerList(): Array<{ id: MailProviderId; name: string }> {
    return [...this.providers.values()].map((p) => ({ id: p.id, name: p.name }));
  }

  private redirectUri(provider: MailProvider): string {
    return `${this.options.publicUrl().replace(/\/+$/, '')}${provider.signIn?.callbackPath ?? ''}`;
  }

  /** Refuses anyone but an active owner or manager of this shop. */
  async checkAdmin(workspaceId: string, staffId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const staff = await store.db.selectFrom('staff').select(['role', 'active']).where('id', '=', staffId).executeTakeFirst();
    if (!staff || staff.active === 0 || !(MAIL_ADMIN_ROLES as readonly string[]).includes(staff.role ?? '')) {
      throw new MailError('not-allowed', 'Only the owner or a manager can connect or disconnect the shop\'s mailbox. Switch to one of them and try again.');
    }
  }

  /** The provider's sign-in address for this shop and staff member: single use, 15 minutes. */
  async startConnect(workspaceId: string, staffId: string, providerId: MailProviderId = 'gmail'): Promise<{ url: string; expiresAt: string }> {
    const provider = this.provider(providerId);
    if (!provider.signIn) throw new MailError('not-configured', `${provider.name} mailboxes are connected with their server settings, not a sign-in page.`);
    await this.checkAdmin(workspaceId, staffId);
    const codeVerifier = randomBytes(48).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    const state = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + STATE_MINUTES * 60_000).toISOString();
    await this.storage.mail.addOAuthState({
      stateHash: sha(state),
      workspaceId,
      staffId,
      provider: provider.id,
      sealedVerifier: this.config.vault.seal(codeVerifier, sha(state)),
      now: now.toISOString(),
      expiresAt,
    });
    const url = await provider.signIn.authUrl({ state, codeChallenge, redirectUri: this.redirectUri(provider) });
    return { url, expiresAt };
  }

  /** The provider's redirect: the code for a lasting secret (with the PKCE verifier), sealed and kept. */
  async finishConnect(providerId: MailProviderId, code: string, state: string): Promise<{ address: string; mailboxId: string; workspaceId: string }> {
    const provider = this.provider(providerId);
    const now = new Date().toISOString();
    const taken = await this.storage.mail.takeOAuthState(sha(state), now);
    if (!taken || taken.provider !== provider.id) {
      throw new MailError('link-used', `This sign-in link was already used or is more than 15 minutes old. Press "Connect ${provider.name}" in Bayline again.`);
    }
    const codeVerifier = this.config.vault.open(taken.sealedVerifier, taken.stateHash);
    let secret: string;
    let address: string;
    try {
      ({ secret, address } = await provider.signIn!.finish({ code, codeVerifier, redirectUri: this.redirectUri(provider) }));
    } catch (err) {
      this.log.warn({ provider: provider.id, status: statusOf(err) }, 'the provider refused the sign-in code');
      throw new MailError('provider-refused', err instanceof MailAccessLost ? err.message : `${provider.name} did not accept this sign-in. Press "Connect ${provider.name}" in Bayline and sign in again.`);
    }
    return this.saveConnected({ provider, workspaceId: taken.workspaceId, staffId: taken.staffId, address, secret });
  }

  /** A mailbox whose secret is known (after a sign-in, or server settings that logged in): kept sealed, shown to the desks. */
  async saveConnected(input: { provider: MailProvider; workspaceId: string; staffId: string; address: string; secret: string }): Promise<{ address: string; mailboxId: string; workspaceId: string }> {
    const { provider, workspaceId, address } = input;
    const now = new Date().toISOString();
    const existing = await this.storage.mail.findAccountByAddress(workspaceId, provider.id, address);
    const mailboxId = existing?.mailboxId ?? randomUUID();
    await this.storage.mail.saveConnected({
      mailboxId,
      workspaceId,
      provider: provider.id,
      address,
      sealedToken: this.config.vault.seal(input.secret, mailboxId),
      connectedBy: `staff:${input.staffId}`,
      now,
    });
    // New mail from now on; a mailbox connected again catches up from where it stopped.
    if (!existing?.cursor) await this.storage.mail.setCursor(mailboxId, await provider.open(input.secret).currentCursor(), now);
    await this.writeMailbox(workspaceId, mailboxId, `staff:${input.staffId}`, 'mail-connect', `Mailbox connected: ${address}`, {
      provider: provider.id,
      address,
      state: 'connected',
      connected_by: `staff:${input.staffId}`,
      connected_at: now,
      disconnected_at: null,
      last_error: null,
    });
    this.log.info({ mailboxId, workspaceId, provider: provider.id }, 'mailbox connected');
    void this.wake();
    return { address, mailboxId, workspaceId };
  }

  /** Revoked at the provider (best effort: a secret it already dropped is gone either way), then deleted. */
  async disconnect(workspaceId: string, mailboxId: string, staffId: string): Promise<void> {
    await this.checkAdmin(workspaceId, staffId);
    const account = await this.storage.mail.findAccount(mailboxId);
    if (!account || account.workspaceId !== workspaceId) throw new MailError('not-found', 'This mailbox is not connected to the shop.');
    const provider = this.providers.get(account.provider);
    const secret = account.sealedToken && provider ? this.config.vault.open(account.sealedToken, mailboxId) : null;
    // Disconnected first, so no round starts with this secret; a round already under way finishes
    // (a few seconds at most waited for) before push is stopped and the secret revoked, so it
    // cannot register push again or take the revocation for "reconnect needed".
    const now = new Date().toISOString();
    await this.storage.mail.setState(mailboxId, 'disconnected', now);
    const inFlight = this.catching.get(mailboxId);
    if (inFlight) await Promise.race([inFlight.catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    const push = (await this.storage.mail.findAccount(mailboxId)) ?? account;
    await this.storage.mail.setPush(mailboxId, { id: null, expiresAt: null, sealedSecret: null });
    if (secret && provider) {
      if (provider.stopPush && push.pushId && push.pushExpiresAt) {
        await provider.stopPush({ secret, current: { id: push.pushId, expiresAt: push.pushExpiresAt, secret: null } }).catch(() => undefined);
      }
      try {
        await provider.revoke(secret);
      } catch (err) {
        this.log.warn({ mailboxId, status: statusOf(err) }, 'the provider did not take the revocation (the token may already be gone)');
      }
    }
    await this.writeMailbox(workspaceId, mailboxId, `staff:${staffId}`, 'mail-disconnect', `Mailbox disconnected: ${account.address}`, {
      state: 'disconnected',
      disconnected_at: now,
      last_error: null,
    });
  }

  /** The mailbox opened with its secret, or null when it has none (disconnected, reconnect needed) or its provider is not configured. */
  private secretOf(account: MailAccount) {
    const provider = this.providers.get(account.provider);
    if (!account.sealedToken || !provider) return null;
    let sealed = account.sealedToken;
    const secretChanged = async (next: string) => {
      const nextSealed = this.config.vault.seal(next, account.mailboxId);
      if (await this.storage.mail.replaceToken(account.mailboxId, sealed, nextSealed, new Date().toISOString())) {
        sealed = nextSealed;
        account.sealedToken = nextSealed;
      }
    };
    return { provider, secret: this.config.vault.open(account.sealedToken, account.mailboxId), secretChanged };
  }

  private open(account: MailAccount) {
    const opened = this.secretOf(account);
    if (!opened) return null;
    return { provider: opened.provider, mailbox: opened.provider.open(opened.secret, opened.secretChanged) };
  }

  /**
   * Confirmed appointments written to this mailbox's calendar (Google, Outlook), moved and removed
   * with them (relay/scheduling/calendar-sync.ts). Called under the mailbox's lease, so with
   * several relays one writes a mailbox's calendar at a time and no event is made twice.
   */
  private syncCalendar(account: MailAccount): Promise<void> {
    // One round per mailbox at a time in this process too (the lease keeps other relays out, but
    // this relay's catch-up and its change rounds share one owner): the next waits for the last.
    const before = this.calendarRuns.get(account.mailboxId) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() => this.syncCalendarNow(account));
    this.calendarRuns.set(account.mailboxId, run);
    void run.then(
      () => this.calendarRuns.get(account.mailboxId) === run && this.calendarRuns.delete(account.mailboxId),
      () => this.calendarRuns.get(account.mailboxId) === run && this.calendarRuns.delete(account.mailboxId),
    );
    return run;
  }

  private async syncCalendarNow(account: MailAccount): Promise<void> {
    const opened = this.secretOf(account);
    if (!opened?.provider.calendar) return;
    const writer = opened.provider.calendar(opened.secret, opened.secretChanged);
    const store = await this.storage.workspaceStore(account.workspaceId);
    const shop = await store.db.selectFrom('workspace_settings').select(['name', 'address', 'time_zone']).executeTakeFirst();
    const report = await syncAppointmentCalendars(store, new Map([[account.mailboxId, writer]]), {
      name: shop?.name ?? '',
      address: shop?.address ?? '',
      timeZone: shop?.time_zone || 'UTC',
    });
    if (report.written > 0) await this.storage.announceChanges(account.workspaceId);
    if (report.failed > 0) this.log.warn({ mailboxId: account.mailboxId, failed: report.failed }, 'some calendar events could not be written; tried again next round');
  }

  // ---- polling -------------------------------------------------------------------------------

  start(): void {
    this.defining = this.defineSendQueue();
    this.defining.catch((err: unknown) => this.log.warn({ err: (err as Error).message?.slice(0, 200) }, 'the mail queue could not be set up (the next look retries)'));
    this.stopListening = this.storage.onChangesAnnounced(
      (workspaceId) => {
        this.dirty.add(workspaceId);
        this.sendDirty();
      },
      { background: true, ownOnly: true },
    );
    const every = this.options.pollMs ?? this.config.pollMs;
    this.timer = setInterval(() => this.wake(), every);
    this.timer.unref();
    this.wake();
    // Mail approved while this relay was down goes out now (sends are claimed, so no lease is
    // needed), not only when a mailbox's lease left by a killed relay lapses.
    void this.storage.mail.connectedAccounts().then(
      (accounts) => {
        for (const a of accounts) this.dirty.add(a.workspaceId);
        this.sendDirty();
      },
      () => undefined,
    );
  }

  /** Polls every connected mailbox now (once at a time); resolves when done. */
  wake(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      // A round is under way with the mailboxes as they were when it began: one more after it,
      // so a mailbox connected (or reconnected) meanwhile is caught up now, not at the next poll.
      this.wakeAgain = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.wakeAgain = false;
        await this.pollAll();
      } while (this.wakeAgain && !this.closed);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopListening?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.sending;
    await Promise.all([...this.catching.values()]);
    await Promise.all([...this.providers.values()].map((p) => p.close?.().catch(() => undefined)));
    // A clean stop gives its mailboxes back at once (a killed relay's lapse after 2 minutes).
    await this.storage.mail.releaseLeases(this.owner).catch(() => undefined);
  }

  /**
   * Claims with no outcome (the process died mid-send): SQLite belongs to one process, so at the
   * first round every open claim is a dead one's; on PostgreSQL, once older than twice the send
   * timeout. Each is looked for in Sent by its Message-ID: found is sent, else "check needed".
   */
  private async resolveOpenSends(): Promise<void> {
    // (This process's own claims are all newer than its start.)
    const cutoff = this.storage.engine === 'sqlite' && !this.sweptOnce ? this.startedAt : Date.now() - 2 * SEND_TIMEOUT_MS;
    this.sweptOnce = true;
    for (const claim of await this.storage.mail.openSends(new Date(cutoff).toISOString())) {
      const store = await this.storage.workspaceStore(claim.workspaceId);
      const row = await store.db.selectFrom('messages').selectAll().where('id', '=', claim.messageId).executeTakeFirst();
      const account = row?.mailbox_id ? await this.storage.mail.findAccount(row.mailbox_id) : null;
      const opened = account ? this.open(account) : null;
      if (!row || !opened) continue;
      const found = row.email_message_id ? await opened.mailbox.findSent(row.email_message_id) : null;
      const now = new Date().toISOString();
      await store.write({ actor: 'relay', action: 'email-status', summary: found ? 'Email sent' : 'Email outcome unknown: a person must check', roId: row.ro_id, audit: false }, async (tx) => {
        await tx.update(
          'messages',
          row.id,
          found
            ? { status: 'sent', external_id: found.providerId, status_detail: null }
            : { status: 'check-needed', status_detail: 'The relay stopped while sending: look in the mailbox\'s Sent folder before writing it again.' },
        );
      });
      // After the row: killed in between, the claim stays open and is looked at again.
      await this.storage.mail.finishSend({ workspaceId: claim.workspaceId, messageId: claim.messageId, providerId: found?.providerId ?? null, outcome: found ? 'sent' : 'uncertain', now });
      await this.storage.announceChanges(claim.workspaceId);
    }
  }

  private async pollAll(): Promise<void> {
    try {
      // SQLite belongs to one process: a lease still held at the first round is a killed one's.
      if (this.storage.engine === 'sqlite' && !this.sweptOnce) await this.storage.mail.releaseAllLeases();
      await this.resolveOpenSends();
    } catch (err) {
      this.log.warn({ err: (err as Error).message?.slice(0, 200) }, 'could not resolve unfinished sends');
    }
    for (const account of await this.storage.mail.connectedAccounts()) {
      if (this.closed) return;
      await this.catchUpAccount(account);
    }
  }

  /**
   * One mailbox caught up now (a push said it changed): under the mailbox's lease, so with several
   * relays one works it; false when another relay holds it (that one catches up instead).
   */
  async catchUpMailbox(mailboxId: string): Promise<boolean> {
    const account = await this.storage.mail.findAccount(mailboxId);
    if (!account || account.state !== 'connected' || this.closed) return false;
    return this.catchUpAccount(account);
  }

  /**
   * The mailbox a provider's push names by its registration id, when the push carries the secret
   * kept (sealed) for that registration; null otherwise — the push is refused and nothing is written.
   */
  async pushTarget(providerId: MailProviderId, pushId: string, secret: string): Promise<string | null> {
    const account = await this.storage.mail.findAccountByPushId(pushId);
    if (!account || account.provider !== providerId || account.state !== 'connected' || !account.pushSecret) return null;
    const kept = Buffer.from(this.config.vault.open(account.pushSecret, `push:${account.mailboxId}`));
    const given = Buffer.from(secret);
    return kept.length === given.length && timingSafeEqual(kept, given) ? account.mailboxId : null;
  }

  /**
   * One catch-up of a mailbox at a time in this process: a push arriving during a round (or a
   * poll during a push's round) runs one more round after it, with the cursor that round kept.
   */
  private catchUpAccount(account: MailAccount): Promise<boolean> {
    const id = account.mailboxId;
    const running = this.catching.get(id);
    if (running) {
      this.catchAgain.add(id);
      return running;
    }
    const round = (async () => {
      let result = await this.catchUpOnce(account);
      while (this.catchAgain.delete(id) && !this.closed) {
        const fresh = await this.storage.mail.findAccount(id);
        if (!fresh || fresh.state !== 'connected') break;
        result = await this.catchUpOnce(fresh);
      }
      return result;
    })().finally(() => this.catching.delete(id));
    this.catching.set(id, round);
    return round;
  }

  /** The provider says the push registration must be renewed now, or is gone: the next round renews or replaces it. */
  async pushLapsed(mailboxId: string): Promise<void> {
    const account = await this.storage.mail.findAccount(mailboxId);
    if (!account?.pushId) return;
    await this.storage.mail.setPush(mailboxId, { id: account.pushId, expiresAt: new Date().toISOString(), sealedSecret: account.pushSecret });
  }

  private async catchUpOnce(account: MailAccount): Promise<boolean> {
    const now = Date.now();
    const leased = await this.storage.mail.takeLease(account.mailboxId, this.owner, new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString());
    if (!leased) return false;
    // Read again under the lease: a disconnect or a new sign-in since the list was made decides.
    const fresh = await this.storage.mail.findAccount(account.mailboxId);
    if (!fresh || fresh.state !== 'connected' || fresh.connectedAt !== account.connectedAt) return true;
    try {
      await this.pollMailbox(fresh);
    } catch (err) {
      this.log.warn({ mailboxId: account.mailboxId, status: statusOf(err), err: (err as Error).message?.slice(0, 200) }, 'mailbox catch-up failed');
    }
    try {
      await this.syncCalendar(fresh);
    } catch (err) {
      this.log.warn({ mailboxId: account.mailboxId, status: statusOf(err), err: (err as Error).message?.slice(0, 200) }, 'calendar write-through failed');
    } finally {
      // Given back after the round: a relay restarted (or another one) catches up at once, not
      // when the lease lapses.
      await this.storage.mail.releaseLease(account.mailboxId, this.owner).catch(() => undefined);
    }
    return true;
  }

  private defineSendQueue(): Promise<void> {
    return this.storage.jobs.define<MailSendJob>(MAIL_SEND_QUEUE, MAIL_SEND_JOB, (job) => this.runSendJob(job));
  }

  /** The mailbox has approved mail: a job sends it (this process at once on SQLite; any relay on PostgreSQL). */
  private async sendFor(account: MailAccount): Promise<void> {
    const store = await this.storage.workspaceStore(account.workspaceId);
    const waiting = await store.db
      .selectFrom('messages')
      .select('id')
      .where('channel', '=', 'email')
      .where('status', '=', 'approved')
      .where('mailbox_id', '=', account.mailboxId)
      .executeTakeFirst();
    if (!waiting) return;
    this.defining ??= this.defineSendQueue(); // a push before start()
    await this.defining.catch(() => {
      // pg-boss was not reachable a moment ago: set up again (a failure fails this look).
      this.defining = this.defineSendQueue();
      return this.defining;
    });
    await this.storage.jobs.enqueue<MailSendJob>(MAIL_SEND_QUEUE, account.mailboxId, { mailboxId: account.mailboxId });
  }

  /** The job: the mailbox read again (disconnected since: nothing to do), its approved mail sent once each (./outbound.ts). */
  private async runSendJob(job: MailSendJob): Promise<void> {
    if (this.closed) return; // the mail stays approved; the next look (here after a restart, or another relay) queues it
    const account = await this.storage.mail.findAccount(job.mailboxId);
    if (!account || account.state !== 'connected') return;
    const store = await this.storage.workspaceStore(account.workspaceId);
    const opened = this.open(account);
    if (!opened) return;
    await sendApproved({
      mailbox: opened.mailbox,
      providerName: opened.provider.name,
      store,
      records: this.storage.mail,
      workspaceId: account.workspaceId,
      mailboxId: account.mailboxId,
      address: account.address,
      owner: this.owner,
      announce: () => this.storage.announceChanges(account.workspaceId),
      blobs: this.blobs,
    });
  }

  /** A shop's data changed (a desk pushed an approved reply, say): send its mail now, not at the next poll. */
  private sendDirty(): void {
    if (this.sending || this.closed) return;
    this.sending = (async () => {
      while (this.dirty.size > 0 && !this.closed) {
        const workspaceId = this.dirty.values().next().value!;
        this.dirty.delete(workspaceId);
        for (const account of await this.storage.mail.connectedAccounts(workspaceId)) {
          try {
            await this.sendFor(account);
          } catch (err) {
            this.log.warn({ mailboxId: account.mailboxId, err: (err as Error).message?.slice(0, 200) }, 'sending mail failed');
          }
          try {
            // An appointment whose calendar event is not as it should be: a catch-up round of
            // that mailbox (under its lease, one at a time) writes it.
            if (this.providers.get(account.provider)?.calendar && (await calendarWorkPending(await this.storage.workspaceStore(workspaceId), account.mailboxId))) {
              void this.catchUpAccount(account).catch(() => undefined);
            }
          } catch (err) {
            this.log.warn({ mailboxId: account.mailboxId, err: (err as Error).message?.slice(0, 200) }, 'calendar write-through failed');
          }
        }
      }
    })().finally(() => {
      this.sending = null;
      if (this.dirty.size > 0) this.sendDirty();
    });
  }

  private async pollMailbox(account: MailAccount): Promise<void> {
    const opened = this.open(account);
    if (!opened) return;
    const { provider, mailbox } = opened;
    const store = await this.storage.workspaceStore(account.workspaceId);
    const file = async (mail: ProviderMail) => {
      const filed = await fileMail({
        store,
        provider: provider.id,
        mailboxId: account.mailboxId,
        mailboxAddress: account.address,
        providerId: mail.providerId,
        threadId: mail.threadId,
        sent: mail.sent,
        raw: mail.raw,
        receivedAt: mail.receivedAt,
        files: this.blobs ? { blobs: this.blobs, workspaceId: account.workspaceId, record: (blob) => this.storage.recordBlob(blob) } : null,
      });
      this.filed.push(filed);
      // The newest only: a relay runs for months.
      if (this.filed.length > FILED_KEPT) this.filed.splice(0, this.filed.length - FILED_KEPT);
      if (filed.how !== 'duplicate' && filed.how !== 'own-send') await this.storage.announceChanges(account.workspaceId);
    };
    try {
      await this.sendFor(account);
      if (!account.cursor) {
        // Only if the sign-in has not set it meanwhile: this round read the mailbox before, and
        // a cursor taken now could be past mail that arrived since (it would never be filed).
        await this.storage.mail.setFirstCursor(account.mailboxId, await mailbox.currentCursor(), new Date().toISOString());
        return;
      }
      const latest = await mailbox.changesSince(account.cursor, file);
      // Only after every message is filed: a crash before this files them again, as one row each.
      if (latest !== account.cursor) await this.storage.mail.setCursor(account.mailboxId, latest, new Date().toISOString());
      await this.keepPush(account, provider);
    } catch (err) {
      if (err instanceof MailCursorExpired) {
        // The cursor expired: look at recent mail, file what is new (nothing twice), start again.
        this.log.info({ mailboxId: account.mailboxId }, 'cursor expired: full resync of recent mail');
        const fresh = await mailbox.currentCursor();
        await mailbox.recent(RESYNC_LIMIT, file);
        await this.storage.mail.setCursor(account.mailboxId, fresh, new Date().toISOString());
        return;
      }
      if (err instanceof MailAccessLost) {
        // Only if the mailbox is still the same sign-in: a disconnect or a new sign-in while this
        // round was under way has already decided. (Not the same token: Microsoft rotates refresh
        // tokens within one sign-in, so comparing tokens let a lost access go unreported.)
        const current = await this.storage.mail.findAccount(account.mailboxId);
        if (current?.state !== 'connected' || current.connectedAt !== account.connectedAt) return;
        const now = new Date().toISOString();
        await this.storage.mail.setState(account.mailboxId, 'reconnect-needed', now);
        await this.writeMailbox(account.workspaceId, account.mailboxId, 'relay', 'mail-reconnect-needed', `Mailbox needs reconnecting: ${account.address}`, {
          state: 'reconnect-needed',
          last_error: `${provider.name} no longer lets Bayline read ${account.address} (access was removed or the password changed). Reconnect the mailbox in Settings › Email; mail that arrives meanwhile is caught up then.`,
        });
        return;
      }
      throw err;
    }
  }

  /** The mailbox's push registration kept up (registered, renewed before it lapses); a failure leaves polling on. */
  private async keepPush(account: MailAccount, provider: MailProvider): Promise<void> {
    if (!provider.keepPush || !account.sealedToken) return;
    const current = account.pushId && account.pushExpiresAt
      ? { id: account.pushId, expiresAt: account.pushExpiresAt, secret: account.pushSecret ? this.config.vault.open(account.pushSecret, `push:${account.mailboxId}`) : null }
      : null;
    try {
      const next = await provider.keepPush({
        mailboxId: account.mailboxId,
        address: account.address,
        secret: this.config.vault.open(account.sealedToken, account.mailboxId),
        current,
        publicUrl: this.options.publicUrl(),
      });
      if (next?.id === current?.id && next?.expiresAt === current?.expiresAt && next?.secret === current?.secret) return;
      await this.storage.mail.setPush(account.mailboxId, {
        id: next?.id ?? null,
        expiresAt: next?.expiresAt ?? null,
        sealedSecret: next?.secret ? this.config.vault.seal(next.secret, `push:${account.mailboxId}`) : null,
      });
    } catch (err) {
      this.log.warn({ mailboxId: account.mailboxId, status: statusOf(err), err: (err as Error).message?.slice(0, 200) }, 'push registration failed (polling goes on)');
    }
  }

  private async writeMailbox(
    workspaceId: string,
    mailboxId: string,
    actor: string,
    action: string,
    summary: string,
    values: Record<string, string | null>,
  ): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    await store.write({ actor, action, summary }, async (tx) => {
      if (await tx.get('mailboxes', mailboxId)) await tx.update('mailboxes', mailboxId, values);
      else await tx.insert('mailboxes', { id: mailboxId, ...values });
    });
    await this.storage.announceChanges(workspaceId);
  }
}
