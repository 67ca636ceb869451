// The relay's Gmail work: connecting a shop's mailbox (authorization code with PKCE and a
// single-use state bound to the shop and the staff member), disconnecting it (revoked at Google,
// token deleted), and inbound mail by polling `users.history.list` from the stored history id
// (a full look at recent mail when Google says the id expired), each message filed once
// (./inbound.ts). The mailbox as the desks see it ("Connected as …", its state, the last problem)
// is the synced `mailboxes` row, written here. Approved replies are sent once (./outbound.ts) on
// the same rounds. Push (Gmail watch + Pub/Sub) is not built yet.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { CodeChallengeMethod } from 'google-auth-library';
import type { RelayStorage } from '../storage/types.js';
import type { MailAccount } from '../storage/mail-records.js';
import { GMAIL_SCOPES, type GoogleMailConfig } from './config.js';
import { GMAIL_CALLBACK_PATH, gmailFor, isRevokedGrant, oauthClient, statusOf } from './google.js';
import { fileMail, type FiledMail } from './inbound.js';
import { findSent, sendApproved } from './outbound.js';

/** Who may connect and disconnect the shop's mailboxes. */
export const MAIL_ADMIN_ROLES = ['owner', 'manager'] as const;

const STATE_MINUTES = 15;
const RESYNC_LIMIT = 200;
/** The Gmail client's timeout (./google.ts); a claim older than twice this has no living sender. */
const SEND_TIMEOUT_MS = 20_000;

export class MailError extends Error {
  constructor(
    readonly code: 'not-configured' | 'not-allowed' | 'link-used' | 'google-refused' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

export interface MailServiceOptions {
  config: GoogleMailConfig;
  /** The address Google sends the browser back to (the relay's public URL). */
  publicUrl: () => string;
  /** How often mailboxes are polled (ms); the config's by default. */
  pollMs?: number;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export class MailService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private sending: Promise<void> | null = null;
  private readonly dirty = new Set<string>();
  private stopListening: (() => void) | null = null;
  private sweptOnce = false;
  private readonly startedAt = Date.now();
  private closed = false;
  private readonly owner = `relay-${randomUUID()}`;
  /** What polling found, newest last (tests and logs read it). */
  readonly filed: FiledMail[] = [];

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: MailServiceOptions,
  ) {}

  private get config(): GoogleMailConfig {
    return this.options.config;
  }

  private redirectUri(): string {
    return `${this.options.publicUrl().replace(/\/+$/, '')}${GMAIL_CALLBACK_PATH}`;
  }

  /** Refuses anyone but an active owner or manager of this shop. */
  async checkAdmin(workspaceId: string, staffId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const staff = await store.db.selectFrom('staff').select(['role', 'active']).where('id', '=', staffId).executeTakeFirst();
    if (!staff || staff.active === 0 || !(MAIL_ADMIN_ROLES as readonly string[]).includes(staff.role ?? '')) {
      throw new MailError('not-allowed', 'Only the owner or a manager can connect or disconnect the shop\'s mailbox. Switch to one of them and try again.');
    }
  }

  /** The Google sign-in address for this shop and staff member: single use, 15 minutes. */
  async startConnect(workspaceId: string, staffId: string): Promise<{ url: string; expiresAt: string }> {
    await this.checkAdmin(workspaceId, staffId);
    const client = oauthClient(this.config, this.redirectUri());
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const state = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + STATE_MINUTES * 60_000).toISOString();
    await this.storage.mail.addOAuthState({
      stateHash: sha(state),
      workspaceId,
      staffId,
      provider: 'gmail',
      sealedVerifier: this.config.vault.seal(codeVerifier, sha(state)),
      now: now.toISOString(),
      expiresAt,
    });
    const url = client.generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: [...GMAIL_SCOPES],
      state,
      code_challenge: codeChallenge!,
      code_challenge_method: CodeChallengeMethod.S256,
      include_granted_scopes: false,
    });
    return { url, expiresAt };
  }

  /** Google's redirect: the code for a refresh token (with the PKCE verifier), sealed and kept. */
  async finishConnect(code: string, state: string): Promise<{ address: string; mailboxId: string; workspaceId: string }> {
    const now = new Date().toISOString();
    const taken = await this.storage.mail.takeOAuthState(sha(state), now);
    if (!taken) throw new MailError('link-used', 'This sign-in link was already used or is more than 15 minutes old. Press "Connect Gmail" in Bayline again.');
    const codeVerifier = this.config.vault.open(taken.sealedVerifier, taken.stateHash);
    const client = oauthClient(this.config, this.redirectUri());
    let refreshToken: string | null | undefined;
    try {
      ({ tokens: { refresh_token: refreshToken } } = await client.getToken({ code, codeVerifier }));
    } catch (err) {
      this.log.warn({ status: statusOf(err) }, 'google refused the sign-in code');
      throw new MailError('google-refused', 'Google did not accept this sign-in. Press "Connect Gmail" in Bayline and sign in again.');
    }
    if (!refreshToken) throw new MailError('google-refused', 'Google gave no lasting access. Press "Connect Gmail" in Bayline again and allow access.');
    const { gmail } = gmailFor(this.config, refreshToken);
    const profile = (await gmail.users.getProfile({ userId: 'me' })).data;
    const address = (profile.emailAddress ?? '').toLowerCase();
    const existing = await this.storage.mail.findAccountByAddress(taken.workspaceId, 'gmail', address);
    const mailboxId = existing?.mailboxId ?? randomUUID();
    await this.storage.mail.saveConnected({
      mailboxId,
      workspaceId: taken.workspaceId,
      provider: 'gmail',
      address,
      sealedToken: this.config.vault.seal(refreshToken, mailboxId),
      connectedBy: `staff:${taken.staffId}`,
      now,
    });
    // New mail from now on; a mailbox connected again catches up from where it stopped.
    if (!existing?.historyId) await this.storage.mail.setHistoryId(mailboxId, profile.historyId ?? null, now);
    await this.writeMailbox(taken.workspaceId, mailboxId, `staff:${taken.staffId}`, 'mail-connect', `Mailbox connected: ${address}`, {
      provider: 'gmail',
      address,
      state: 'connected',
      connected_by: `staff:${taken.staffId}`,
      connected_at: now,
      disconnected_at: null,
      last_error: null,
    });
    this.log.info({ mailboxId, workspaceId: taken.workspaceId }, 'mailbox connected');
    this.wake();
    return { address, mailboxId, workspaceId: taken.workspaceId };
  }

  /** Revoked at Google (best effort: a token Google already dropped is gone either way), then deleted. */
  async disconnect(workspaceId: string, mailboxId: string, staffId: string): Promise<void> {
    await this.checkAdmin(workspaceId, staffId);
    const account = await this.storage.mail.findAccount(mailboxId);
    if (!account || account.workspaceId !== workspaceId) throw new MailError('not-found', 'This mailbox is not connected to the shop.');
    if (account.sealedToken) {
      try {
        await oauthClient(this.config).revokeToken(this.config.vault.open(account.sealedToken, mailboxId));
      } catch (err) {
        this.log.warn({ mailboxId, status: statusOf(err) }, 'google did not take the revocation (the token may already be gone)');
      }
    }
    const now = new Date().toISOString();
    await this.storage.mail.setState(mailboxId, 'disconnected', now);
    await this.writeMailbox(workspaceId, mailboxId, `staff:${staffId}`, 'mail-disconnect', `Mailbox disconnected: ${account.address}`, {
      state: 'disconnected',
      disconnected_at: now,
      last_error: null,
    });
  }

  // ---- polling -------------------------------------------------------------------------------

  start(): void {
    this.stopListening = this.storage.onChangesAnnounced((workspaceId) => {
      this.dirty.add(workspaceId);
      this.sendDirty();
    });
    const every = this.options.pollMs ?? this.config.pollMs;
    this.timer = setInterval(() => this.wake(), every);
    this.timer.unref();
    this.wake();
  }

  /** Polls every connected mailbox now (once at a time); resolves when done. */
  wake(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.running ??= this.pollAll().finally(() => {
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
      if (!row || !account?.sealedToken) continue;
      const { gmail } = gmailFor(this.config, this.config.vault.open(account.sealedToken, account.mailboxId));
      const found = await findSent(gmail, row.email_message_id);
      const now = new Date().toISOString();
      await this.storage.mail.finishSend({ workspaceId: claim.workspaceId, messageId: claim.messageId, providerId: found?.id ?? null, outcome: found ? 'sent' : 'uncertain', now });
      await store.write({ actor: 'relay', action: 'email-status', summary: found ? 'Email sent' : 'Email outcome unknown: a person must check', roId: row.ro_id, audit: false }, async (tx) => {
        await tx.update(
          'messages',
          row.id,
          found
            ? { status: 'sent', external_id: found.id, status_detail: null }
            : { status: 'check-needed', status_detail: 'The relay stopped while sending: look in the mailbox\'s Sent folder before writing it again.' },
        );
      });
      await this.storage.announceChanges(claim.workspaceId);
    }
  }

  private async pollAll(): Promise<void> {
    try {
      await this.resolveOpenSends();
    } catch (err) {
      this.log.warn({ err: (err as Error).message?.slice(0, 200) }, 'could not resolve unfinished sends');
    }
    for (const account of await this.storage.mail.connectedAccounts()) {
      if (this.closed) return;
      const now = Date.now();
      const leased = await this.storage.mail.takeLease(account.mailboxId, this.owner, new Date(now).toISOString(), new Date(now + 120_000).toISOString());
      if (!leased) continue;
      try {
        await this.pollMailbox(account);
      } catch (err) {
        this.log.warn({ mailboxId: account.mailboxId, status: statusOf(err), err: (err as Error).message?.slice(0, 200) }, 'mailbox poll failed');
      }
    }
  }

  /** The mailbox's approved mail, sent once each (./outbound.ts). */
  private async sendFor(account: MailAccount): Promise<void> {
    if (!account.sealedToken) return;
    const store = await this.storage.workspaceStore(account.workspaceId);
    const waiting = await store.db
      .selectFrom('messages')
      .select('id')
      .where('channel', '=', 'email')
      .where('status', '=', 'approved')
      .where('mailbox_id', '=', account.mailboxId)
      .executeTakeFirst();
    if (!waiting) return;
    const { gmail } = gmailFor(this.config, this.config.vault.open(account.sealedToken, account.mailboxId));
    await sendApproved({
      gmail,
      store,
      records: this.storage.mail,
      workspaceId: account.workspaceId,
      mailboxId: account.mailboxId,
      address: account.address,
      owner: this.owner,
      announce: () => this.storage.announceChanges(account.workspaceId),
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
        }
      }
    })().finally(() => {
      this.sending = null;
      if (this.dirty.size > 0) this.sendDirty();
    });
  }

  private async pollMailbox(account: MailAccount): Promise<void> {
    if (!account.sealedToken) return;
    const { gmail } = gmailFor(this.config, this.config.vault.open(account.sealedToken, account.mailboxId));
    const store = await this.storage.workspaceStore(account.workspaceId);
    const file = async (id: string) => {
      const m = (await gmail.users.messages.get({ userId: 'me', id, format: 'raw' })).data;
      if (!m.raw || !m.threadId) return;
      const filed = await fileMail({
        store,
        provider: 'gmail',
        mailboxId: account.mailboxId,
        mailboxAddress: account.address,
        providerId: id,
        threadId: m.threadId,
        labelIds: m.labelIds ?? [],
        raw: Buffer.from(m.raw, 'base64url'),
        internalDate: m.internalDate ? Number(m.internalDate) : null,
      });
      this.filed.push(filed);
      if (filed.how !== 'duplicate' && filed.how !== 'own-send') await this.storage.announceChanges(account.workspaceId);
    };
    try {
      await this.sendFor(account);
      if (!account.historyId) {
        const profile = (await gmail.users.getProfile({ userId: 'me' })).data;
        await this.storage.mail.setHistoryId(account.mailboxId, profile.historyId ?? null, new Date().toISOString());
        return;
      }
      let pageToken: string | undefined;
      let latest = account.historyId;
      const ids: string[] = [];
      do {
        const page = (await gmail.users.history.list({ userId: 'me', startHistoryId: account.historyId, historyTypes: ['messageAdded'], pageToken, maxResults: 500 })).data;
        for (const h of page.history ?? []) for (const a of h.messagesAdded ?? []) if (a.message?.id && !ids.includes(a.message.id)) ids.push(a.message.id);
        latest = page.historyId ?? latest;
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      for (const id of ids) await file(id);
      // Only after every message is filed: a crash before this files them again, as one row each.
      if (latest !== account.historyId) await this.storage.mail.setHistoryId(account.mailboxId, latest, new Date().toISOString());
    } catch (err) {
      if (statusOf(err) === 404) {
        // The history id expired: look at recent mail, file what is new (nothing twice), start again.
        this.log.info({ mailboxId: account.mailboxId }, 'history expired: full resync of recent mail');
        const profile = (await gmail.users.getProfile({ userId: 'me' })).data;
        const list = (await gmail.users.messages.list({ userId: 'me', maxResults: RESYNC_LIMIT })).data.messages ?? [];
        for (const m of list.reverse()) if (m.id) await file(m.id);
        await this.storage.mail.setHistoryId(account.mailboxId, profile.historyId ?? null, new Date().toISOString());
        return;
      }
      if (isRevokedGrant(err)) {
        // Only if the mailbox still holds the token that failed (a disconnect or a new sign-in
        // while this poll was under way has already decided).
        const current = await this.storage.mail.findAccount(account.mailboxId);
        if (current?.state !== 'connected' || current.sealedToken !== account.sealedToken) return;
        const now = new Date().toISOString();
        await this.storage.mail.setState(account.mailboxId, 'reconnect-needed', now);
        await this.writeMailbox(account.workspaceId, account.mailboxId, 'relay', 'mail-reconnect-needed', `Mailbox needs reconnecting: ${account.address}`, {
          state: 'reconnect-needed',
          last_error: `Google no longer lets Bayline read ${account.address} (access was removed or the password changed). Reconnect the mailbox in Settings › Email; mail that arrives meanwhile is caught up then.`,
        });
        return;
      }
      throw err;
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
