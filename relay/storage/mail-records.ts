// The relay's own mail records, over the operator database of either engine (the same Kysely
// queries on SQLite and PostgreSQL): each connected mailbox with its sealed refresh token and
// history cursor, the single-use sign-in states, and a lease per mailbox so that one relay process
// works it at a time. Tokens and verifiers arrive here already sealed (relay/email/token-vault.ts).
import type { Kysely } from 'kysely';

export interface MailOperatorDatabase {
  mail_accounts: {
    mailbox_id: string;
    workspace_id: string;
    provider: string;
    address: string;
    sealed_token: string | null;
    state: string;
    sync_cursor: string | null;
    push_id: string | null;
    push_expires_at: string | null;
    push_secret: string | null;
    polled_at: string | null;
    lease_owner: string | null;
    lease_until: string | null;
    connected_by: string;
    connected_at: string;
    updated_at: string;
  };
  mail_oauth_states: {
    state_hash: string;
    workspace_id: string;
    staff_id: string;
    provider: string;
    sealed_verifier: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
  };
  mail_sends: {
    workspace_id: string;
    message_id: string;
    claimed_at: string;
    claimed_by: string;
    provider_id: string | null;
    attempts: number;
    finished_at: string | null;
    outcome: string | null;
  };
}

export type MailAccountState = 'connected' | 'reconnect-needed' | 'disconnected';

export interface MailAccount {
  mailboxId: string;
  workspaceId: string;
  provider: string;
  address: string;
  sealedToken: string | null;
  state: MailAccountState;
  /** Where catching up resumes (the provider's own cursor: history id, delta link, UIDVALIDITY:UID). */
  cursor: string | null;
  /** The provider's push registration (Gmail watch, Graph subscription) and when it lapses. */
  pushId: string | null;
  pushExpiresAt: string | null;
  /** Sealed: the secret each push must carry (Graph's clientState). */
  pushSecret: string | null;
  connectedBy: string;
  connectedAt: string;
}

export interface OAuthState {
  stateHash: string;
  workspaceId: string;
  staffId: string;
  provider: string;
  sealedVerifier: string;
}

type AccountRow = MailOperatorDatabase['mail_accounts'];

function toAccount(row: AccountRow): MailAccount {
  return {
    mailboxId: row.mailbox_id,
    workspaceId: row.workspace_id,
    provider: row.provider,
    address: row.address,
    sealedToken: row.sealed_token,
    state: row.state as MailAccountState,
    cursor: row.sync_cursor,
    pushId: row.push_id,
    pushExpiresAt: row.push_expires_at,
    pushSecret: row.push_secret,
    connectedBy: row.connected_by,
    connectedAt: row.connected_at,
  };
}

export class MailRecords {
  constructor(private readonly db: Kysely<MailOperatorDatabase>) {}

  // ---- sign-in states ----------------------------------------------------------------------

  async addOAuthState(input: OAuthState & { now: string; expiresAt: string }): Promise<void> {
    await this.db
      .insertInto('mail_oauth_states')
      .values({
        state_hash: input.stateHash,
        workspace_id: input.workspaceId,
        staff_id: input.staffId,
        provider: input.provider,
        sealed_verifier: input.sealedVerifier,
        created_at: input.now,
        expires_at: input.expiresAt,
        used_at: null,
      })
      .execute();
  }

  /** The state, used up by this call: a second use, or one after it expired, finds nothing. */
  async takeOAuthState(stateHash: string, now: string): Promise<OAuthState | null> {
    const taken = await this.db
      .updateTable('mail_oauth_states')
      .set({ used_at: now })
      .where('state_hash', '=', stateHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) return null;
    const row = await this.db.selectFrom('mail_oauth_states').selectAll().where('state_hash', '=', stateHash).executeTakeFirstOrThrow();
    return { stateHash: row.state_hash, workspaceId: row.workspace_id, staffId: row.staff_id, provider: row.provider, sealedVerifier: row.sealed_verifier };
  }

  // ---- mailboxes ---------------------------------------------------------------------------

  async findAccount(mailboxId: string): Promise<MailAccount | null> {
    const row = await this.db.selectFrom('mail_accounts').selectAll().where('mailbox_id', '=', mailboxId).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async findAccountByAddress(workspaceId: string, provider: string, address: string): Promise<MailAccount | null> {
    const row = await this.db
      .selectFrom('mail_accounts')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('provider', '=', provider)
      .where('address', '=', address)
      .executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  /** The mailbox a push registration belongs to (a Graph subscription id, say). */
  async findAccountByPushId(pushId: string): Promise<MailAccount | null> {
    const row = await this.db.selectFrom('mail_accounts').selectAll().where('push_id', '=', pushId).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  /** Connected mailboxes of a provider with this address, in every shop that connected it (a Gmail push names only the address). */
  async connectedByAddress(provider: string, address: string): Promise<MailAccount[]> {
    const rows = await this.db
      .selectFrom('mail_accounts')
      .selectAll()
      .where('provider', '=', provider)
      .where('address', '=', address.toLowerCase())
      .where('state', '=', 'connected')
      .orderBy('mailbox_id')
      .execute();
    return rows.map(toAccount);
  }

  /** Connected mailboxes of every shop (or one), oldest poll first. */
  async connectedAccounts(workspaceId?: string): Promise<MailAccount[]> {
    let q = this.db.selectFrom('mail_accounts').selectAll().where('state', '=', 'connected');
    if (workspaceId) q = q.where('workspace_id', '=', workspaceId);
    return (await q.orderBy('mailbox_id').execute()).map(toAccount);
  }

  /** A new mailbox, or the same address connected again (a fresh token; its cursor is kept). */
  async saveConnected(input: { mailboxId: string; workspaceId: string; provider: string; address: string; sealedToken: string; connectedBy: string; now: string }): Promise<void> {
    const existing = await this.findAccount(input.mailboxId);
    if (existing) {
      await this.db
        .updateTable('mail_accounts')
        .set({ sealed_token: input.sealedToken, state: 'connected', connected_by: input.connectedBy, connected_at: input.now, updated_at: input.now })
        .where('mailbox_id', '=', input.mailboxId)
        .execute();
      return;
    }
    await this.db
      .insertInto('mail_accounts')
      .values({
        mailbox_id: input.mailboxId,
        workspace_id: input.workspaceId,
        provider: input.provider,
        address: input.address,
        sealed_token: input.sealedToken,
        state: 'connected',
        sync_cursor: null,
        push_id: null,
        push_expires_at: null,
        push_secret: null,
        polled_at: null,
        lease_owner: null,
        lease_until: null,
        connected_by: input.connectedBy,
        connected_at: input.now,
        updated_at: input.now,
      })
      .execute();
  }

  /**
   * The provider replaced the mailbox's secret (Microsoft rotates refresh tokens): the new sealed
   * one is kept only if the mailbox still holds the one it replaces (a disconnect or a new sign-in
   * meanwhile wins). True when kept.
   */
  async replaceToken(mailboxId: string, previous: string, next: string, now: string): Promise<boolean> {
    const done = await this.db
      .updateTable('mail_accounts')
      .set({ sealed_token: next, updated_at: now })
      .where('mailbox_id', '=', mailboxId)
      .where('sealed_token', '=', previous)
      .where('state', '=', 'connected')
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** A new state; `disconnected` and `reconnect-needed` also drop the token. */
  async setState(mailboxId: string, state: MailAccountState, now: string): Promise<void> {
    await this.db
      .updateTable('mail_accounts')
      .set({ state, updated_at: now, ...(state === 'connected' ? {} : { sealed_token: null }) })
      .where('mailbox_id', '=', mailboxId)
      .execute();
  }

  async setCursor(mailboxId: string, cursor: string | null, now: string): Promise<void> {
    await this.db.updateTable('mail_accounts').set({ sync_cursor: cursor, polled_at: now }).where('mailbox_id', '=', mailboxId).execute();
  }

  /** A first cursor, only when the mailbox still has none (a later one set meanwhile is kept: mail after it must not be skipped). */
  async setFirstCursor(mailboxId: string, cursor: string | null, now: string): Promise<void> {
    await this.db.updateTable('mail_accounts').set({ sync_cursor: cursor, polled_at: now }).where('mailbox_id', '=', mailboxId).where('sync_cursor', 'is', null).execute();
  }

  /** The mailbox's push registration (all null: none). */
  async setPush(mailboxId: string, push: { id: string | null; expiresAt: string | null; sealedSecret: string | null }): Promise<void> {
    await this.db.updateTable('mail_accounts').set({ push_id: push.id, push_expires_at: push.expiresAt, push_secret: push.sealedSecret }).where('mailbox_id', '=', mailboxId).execute();
  }

  /** True when `owner` now holds the mailbox until `until` (it was free, lapsed, or already its own). */
  async takeLease(mailboxId: string, owner: string, now: string, until: string): Promise<boolean> {
    const taken = await this.db
      .updateTable('mail_accounts')
      .set({ lease_owner: owner, lease_until: until })
      .where('mailbox_id', '=', mailboxId)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  /** Every lease `owner` holds, given back (a relay stopping cleanly: another, or its restart, takes over at once). */
  async releaseLeases(owner: string): Promise<void> {
    await this.db.updateTable('mail_accounts').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', owner).execute();
  }

  /** The lease given back after a round (another relay may take the mailbox at once). */
  async releaseLease(mailboxId: string, owner: string): Promise<void> {
    await this.db.updateTable('mail_accounts').set({ lease_owner: null, lease_until: null }).where('mailbox_id', '=', mailboxId).where('lease_owner', '=', owner).execute();
  }

  /** Every lease dropped (SQLite at start: one process owns the file, so any lease is a dead process's). */
  async releaseAllLeases(): Promise<void> {
    await this.db.updateTable('mail_accounts').set({ lease_owner: null, lease_until: null }).where('lease_owner', 'is not', null).execute();
  }

  // ---- sends -----------------------------------------------------------------------------------

  /** True for the one caller that claims this message, ever (one conditional insert). */
  async claimSend(input: { workspaceId: string; messageId: string; by: string; now: string }): Promise<boolean> {
    const inserted = await this.db
      .insertInto('mail_sends')
      .values({ workspace_id: input.workspaceId, message_id: input.messageId, claimed_at: input.now, claimed_by: input.by, provider_id: null, attempts: 1, finished_at: null, outcome: null })
      .onConflict((oc) => oc.columns(['workspace_id', 'message_id']).doNothing())
      .returning('message_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async finishSend(input: { workspaceId: string; messageId: string; providerId: string | null; outcome: string; now: string }): Promise<void> {
    await this.db
      .updateTable('mail_sends')
      .set({ provider_id: input.providerId, outcome: input.outcome, finished_at: input.now })
      .where('workspace_id', '=', input.workspaceId)
      .where('message_id', '=', input.messageId)
      .execute();
  }

  /** Claims without an outcome made before `before` (their process died mid-send). */
  async openSends(before: string): Promise<Array<{ workspaceId: string; messageId: string }>> {
    const rows = await this.db
      .selectFrom('mail_sends')
      .select(['workspace_id', 'message_id'])
      .where('finished_at', 'is', null)
      .where('claimed_at', '<', before)
      .execute();
    return rows.map((r) => ({ workspaceId: r.workspace_id, messageId: r.message_id }));
  }
}
