// Work providers in the operator database (either engine, the same Kysely queries): the
// organisations, their people, invitations, sessions, passkeys, and the cross-shop index of what
// each was granted. Secrets are kept only as hashes (sessions, invitations) or argon2id (passwords).
import type { Kysely } from 'kysely';
import type { UnsyncedCommit } from '../storage/unsynced-commit.js';

export interface ProvidersDatabase {
  work_providers: {
    id: string;
    slug: string;
    name: string;
    kind: string;
    logo_type: string | null;
    logo_data: string | null;
    sla_targets: string;
    created_at: string;
  };
  provider_users: {
    id: string;
    provider_id: string;
    email: string;
    name: string;
    role: string;
    password_hash: string | null;
    totp_secret: string | null;
    totp_confirmed_at: string | null;
    totp_last_step: number | string | null;
    failed_logins: number | string;
    locked_at: string | null;
    created_at: string;
    removed_at: string | null;
  };
  provider_invitations: {
    token_hash: string;
    provider_id: string;
    email: string;
    name: string;
    role: string;
    invited_by: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
    user_id: string | null;
  };
  provider_sessions: {
    id_hash: string;
    user_id: string;
    step: string;
    csrf_token: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
    revoked_at: string | null;
    ip: string | null;
    user_agent: string | null;
  };
  provider_passkeys: {
    id: string;
    user_id: string;
    public_key: string;
    counter: number | string;
    transports: string | null;
    name: string;
    created_at: string;
    last_used_at: string | null;
  };
  provider_challenges: { id: string; user_id: string | null; purpose: string; challenge: string; expires_at: string };
  provider_shops: {
    provider_id: string;
    workspace_id: string;
    grant_id: string;
    insurer_names: string;
    granted_at: string | null;
    updated_at: string;
  };
  provider_repairs: {
    provider_id: string;
    workspace_id: string;
    ro_id: string;
    ro_number: number | string | null;
    claim_key: string | null;
    plate_key: string | null;
    closed_at: string | null;
    updated_at: string;
  };
  provider_index_cursors: { workspace_id: string; seq: number | string; updated_at: string };
}

export type ProviderRole = 'admin' | 'member';

/** The targets a provider sets for its shops (all optional): shown beside each shop's figures. */
export interface SlaTargets {
  /** Days from first notice to the repair starting. */
  firstNoticeToStartDays?: number;
  /** Average cycle time, check-in to delivery, in days. */
  cycleDays?: number;
  /** Repairs past their promised date, at most this share of open repairs (percent). */
  overduePercent?: number;
}

export interface WorkProvider {
  id: string;
  slug: string;
  name: string;
  kind: string;
  logo: { type: string; data: string } | null;
  slaTargets: SlaTargets;
  createdAt: string;
}

export interface ProviderUser {
  id: string;
  providerId: string;
  email: string;
  name: string;
  role: ProviderRole;
  passwordHash: string | null;
  totpSecret: string | null;
  totpConfirmedAt: string | null;
  totpLastStep: number | null;
  failedLogins: number;
  lockedAt: string | null;
  createdAt: string;
  removedAt: string | null;
}

export interface ProviderSession {
  idHash: string;
  userId: string;
  step: 'password' | 'signed-in' | 'setup';
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export interface ProviderInvitation {
  tokenHash: string;
  providerId: string;
  email: string;
  name: string;
  role: ProviderRole;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export interface IndexedRepair {
  providerId: string;
  workspaceId: string;
  roId: string;
  roNumber: number | null;
  claimKey: string | null;
  plateKey: string | null;
  closedAt: string | null;
  updatedAt: string;
}

export interface IndexedGrant {
  providerId: string;
  workspaceId: string;
  grantId: string;
  insurerNames: string[];
  grantedAt: string | null;
}

const PROVIDER_SLUG = /^[a-z0-9][a-z0-9-]{0,46}[a-z0-9]$/;

export class ProviderRecordError extends Error {
  constructor(
    readonly code: 'invalid' | 'taken' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

export class ProviderRecords {
  constructor(
    private readonly db: Kysely<ProvidersDatabase>,
    /** How the index cursor commits: without waiting for the disk (the index is rebuilt from the log after it). */
    private readonly unsynced: UnsyncedCommit,
  ) {}

  // --- providers -----------------------------------------------------------------------------

  async createProvider(input: { id: string; slug: string; name: string; kind?: string; now: string }): Promise<WorkProvider> {
    if (!PROVIDER_SLUG.test(input.slug)) {
      throw new ProviderRecordError('invalid', `"${input.slug}" cannot be a provider slug: use 2 to 48 lower-case letters, digits and dashes.`);
    }
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw new ProviderRecordError('invalid', 'The provider name must be 1 to 100 characters.');
    if (await this.findProvider(input.slug)) throw new ProviderRecordError('taken', `The slug "${input.slug}" is already used by another work provider.`);
    const row = { id: input.id, slug: input.slug, name, kind: input.kind ?? 'insurer', logo_type: null, logo_data: null, sla_targets: '{}', created_at: input.now };
    await this.db.insertInto('work_providers').values(row).execute();
    return toProvider(row);
  }

  /** By id, then by slug. */
  async findProvider(idOrSlug: string): Promise<WorkProvider | null> {
    const rows = await this.db
      .selectFrom('work_providers')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
      .execute();
    const row = rows.find((r) => r.id === idOrSlug) ?? rows[0];
    return row ? toProvider(row) : null;
  }

  /** The directory shops pick from (no logos: those are served on their own). */
  async listProviders(): Promise<Array<Pick<WorkProvider, 'id' | 'slug' | 'name' | 'kind'>>> {
    return this.db.selectFrom('work_providers').select(['id', 'slug', 'name', 'kind']).orderBy('name').orderBy('slug').execute();
  }

  async setLogo(providerId: string, logo: { type: string; data: string } | null): Promise<void> {
    await this.db.updateTable('work_providers').set({ logo_type: logo?.type ?? null, logo_data: logo?.data ?? null }).where('id', '=', providerId).execute();
  }

  async setSlaTargets(providerId: string, targets: SlaTargets): Promise<void> {
    await this.db.updateTable('work_providers').set({ sla_targets: JSON.stringify(targets) }).where('id', '=', providerId).execute();
  }

  // --- users ---------------------------------------------------------------------------------

  async createUser(input: { id: string; providerId: string; email: string; name: string; role: ProviderRole; now: string }): Promise<ProviderUser> {
    const row = {
      id: input.id,
      provider_id: input.providerId,
      email: input.email,
      name: input.name,
      role: input.role,
      password_hash: null,
      totp_secret: null,
      totp_confirmed_at: null,
      totp_last_step: null,
      failed_logins: 0,
      locked_at: null,
      created_at: input.now,
      removed_at: null,
    };
    await this.db.insertInto('provider_users').values(row).execute();
    return toUser(row);
  }

  async findUser(id: string): Promise<ProviderUser | null> {
    const row = await this.db.selectFrom('provider_users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async findUserByEmail(email: string): Promise<ProviderUser | null> {
    const row = await this.db.selectFrom('provider_users').selectAll().where('email', '=', email).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async listUsers(providerId: string): Promise<ProviderUser[]> {
    const rows = await this.db.selectFrom('provider_users').selectAll().where('provider_id', '=', providerId).orderBy('created_at').execute();
    return rows.map(toUser);
  }

  async setPassword(userId: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('provider_users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
  }

  async setTotp(userId: string, secret: string | null, confirmedAt: string | null): Promise<void> {
    await this.db.updateTable('provider_users').set({ totp_secret: secret, totp_confirmed_at: confirmedAt, totp_last_step: null }).where('id', '=', userId).execute();
  }

  /** Swaps a secret kept in clear for its sealed form (only if it is still the one read: two relays sealing at once agree). */
  async replaceTotpSecret(userId: string, plain: string, sealed: string): Promise<void> {
    await this.db.updateTable('provider_users').set({ totp_secret: sealed }).where('id', '=', userId).where('totp_secret', '=', plain).execute();
  }

  /** Records the time step of a TOTP code just accepted; false when that step (or a later one) was used already (a replay). */
  async useTotpStep(userId: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('provider_users')
      .set({ totp_last_step: step })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Counts a wrong password (atomically); at `lockAt` wrong ones in a row the account locks. Answers the count. */
  async recordFailedLogin(userId: string, lockAt: number, now: string): Promise<{ failures: number; locked: boolean }> {
    await this.db
      .updateTable('provider_users')
      .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
      .where('id', '=', userId)
      .execute();
    await this.db
      .updateTable('provider_users')
      .set({ locked_at: now })
      .where('id', '=', userId)
      .where('locked_at', 'is', null)
      .where('failed_logins', '>=', lockAt)
      .execute();
    const user = await this.findUser(userId);
    return { failures: user?.failedLogins ?? lockAt, locked: !!user?.lockedAt };
  }

  async clearFailedLogins(userId: string): Promise<void> {
    await this.db.updateTable('provider_users').set({ failed_logins: 0 }).where('id', '=', userId).where('locked_at', 'is', null).execute();
  }

  async unlockUser(userId: string): Promise<void> {
    await this.db.updateTable('provider_users').set({ failed_logins: 0, locked_at: null }).where('id', '=', userId).execute();
  }

  /** Removes a user: kept (the audit trail names them), never signs in again, every session ends. */
  async removeUser(userId: string, now: string): Promise<void> {
    await this.db.updateTable('provider_users').set((eb) => ({ removed_at: eb.fn.coalesce('removed_at', eb.val(now)) })).where('id', '=', userId).execute();
    await this.revokeSessionsOf(userId, now);
  }

  // --- invitations ---------------------------------------------------------------------------

  async createInvitation(input: Omit<ProviderInvitation, 'usedAt'>): Promise<void> {
    await this.db
      .insertInto('provider_invitations')
      .values({
        token_hash: input.tokenHash,
        provider_id: input.providerId,
        email: input.email,
        name: input.name,
        role: input.role,
        invited_by: input.invitedBy,
        created_at: input.createdAt,
        expires_at: input.expiresAt,
        used_at: null,
        user_id: null,
      })
      .execute();
  }

  async findInvitation(tokenHash: string): Promise<ProviderInvitation | null> {
    const row = await this.db.selectFrom('provider_invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? toInvitation(row) : null;
  }

  /** One statement decides: a second use of the same link (another tab, another process) gets nothing. */
  async useInvitation(tokenHash: string, now: string): Promise<ProviderInvitation | null> {
    const row = await this.db
      .updateTable('provider_invitations')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row ? toInvitation(row) : null;
  }

  async attachInvitationUser(tokenHash: string, userId: string): Promise<void> {
    await this.db.updateTable('provider_invitations').set({ user_id: userId }).where('token_hash', '=', tokenHash).execute();
  }

  // --- sessions ------------------------------------------------------------------------------

  async createSession(input: { idHash: string; userId: string; step: ProviderSession['step']; csrfToken: string; now: string; expiresAt: string; ip: string | null; userAgent: string | null }): Promise<void> {
    await this.db
      .insertInto('provider_sessions')
      .values({
        id_hash: input.idHash,
        user_id: input.userId,
        step: input.step,
        csrf_token: input.csrfToken,
        created_at: input.now,
        last_seen_at: input.now,
        expires_at: input.expiresAt,
        revoked_at: null,
        ip: input.ip,
        user_agent: input.userAgent,
      })
      .execute();
  }

  async findSession(idHash: string): Promise<ProviderSession | null> {
    const row = await this.db.selectFrom('provider_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row
      ? {
          idHash: row.id_hash,
          userId: row.user_id,
          step: row.step as ProviderSession['step'],
          csrfToken: row.csrf_token,
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
          revokedAt: row.revoked_at,
        }
      : null;
  }

  async touchSession(idHash: string, now: string, expiresAt: string): Promise<void> {
    await this.db.updateTable('provider_sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id_hash', '=', idHash).execute();
  }

  async revokeSession(idHash: string, now: string): Promise<void> {
    await this.db.updateTable('provider_sessions').set({ revoked_at: now }).where('id_hash', '=', idHash).where('revoked_at', 'is', null).execute();
  }

  async revokeSessionsOf(userId: string, now: string): Promise<number> {
    const result = await this.db.updateTable('provider_sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  // --- passkeys and challenges ---------------------------------------------------------------

  async addPasskey(input: { id: string; userId: string; publicKey: string; counter: number; transports: string[]; name: string; now: string }): Promise<void> {
    await this.db
      .insertInto('provider_passkeys')
      .values({ id: input.id, user_id: input.userId, public_key: input.publicKey, counter: input.counter, transports: JSON.stringify(input.transports), name: input.name, created_at: input.now, last_used_at: null })
      .execute();
  }

  async passkeysOf(userId: string): Promise<Array<{ id: string; publicKey: string; counter: number; transports: string[]; name: string; createdAt: string; lastUsedAt: string | null }>> {
    const rows = await this.db.selectFrom('provider_passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map(toPasskey);
  }

  async findPasskey(id: string): Promise<({ userId: string } & ReturnType<typeof toPasskey>) | null> {
    const row = await this.db.selectFrom('provider_passkeys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { userId: row.user_id, ...toPasskey(row) } : null;
  }

  /** Removes one of the person's own passkeys; false when it is not theirs (or gone). */
  async removePasskey(id: string, userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('provider_passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async usePasskey(id: string, counter: number, now: string): Promise<void> {
    await this.db.updateTable('provider_passkeys').set({ counter, last_used_at: now }).where('id', '=', id).execute();
  }

  async putChallenge(input: { id: string; userId: string | null; purpose: string; challenge: string; expiresAt: string }): Promise<void> {
    await this.db.deleteFrom('provider_challenges').where('expires_at', '<', new Date().toISOString()).execute();
    await this.db.insertInto('provider_challenges').values({ id: input.id, user_id: input.userId, purpose: input.purpose, challenge: input.challenge, expires_at: input.expiresAt }).execute();
  }

  /** Takes a challenge once: a second take (a replayed answer) finds nothing. */
  async takeChallenge(id: string, purpose: string, now: string): Promise<{ userId: string | null; challenge: string } | null> {
    const row = await this.db
      .deleteFrom('provider_challenges')
      .where('id', '=', id)
      .where('purpose', '=', purpose)
      .returning(['user_id', 'challenge', 'expires_at'])
      .executeTakeFirst();
    if (!row || row.expires_at <= now) return null;
    return { userId: row.user_id, challenge: row.challenge };
  }

  // --- the cross-shop index ------------------------------------------------------------------

  async indexCursor(workspaceId: string): Promise<number> {
    const row = await this.db.selectFrom('provider_index_cursors').select('seq').where('workspace_id', '=', workspaceId).executeTakeFirst();
    return row ? Number(row.seq) : 0;
  }

  /**
   * Moves the cursor forward only (two processes indexing the same shop both end at the furthest).
   * It moves after every round that took a push, so it does not wait for the disk: a power cut
   * that rolls it back makes the next round index those changes again, which rebuilds the same
   * rows and tells listeners events with the same ids (they may hear one twice, never lose one).
   */
  async moveIndexCursor(workspaceId: string, seq: number, now: string): Promise<void> {
    await this.unsynced(this.db, (trx) =>
      trx
        .insertInto('provider_index_cursors')
        .values({ workspace_id: workspaceId, seq, updated_at: now })
        .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ seq, updated_at: now }).where('provider_index_cursors.seq', '<', seq))
        .execute(),
    );
  }

  /** Replaces what the index holds of one shop's grants. */
  async replaceShopGrants(workspaceId: string, grants: IndexedGrant[], now: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('provider_shops').where('workspace_id', '=', workspaceId).execute();
      if (grants.length > 0) {
        await trx
          .insertInto('provider_shops')
          .values(grants.map((g) => ({ provider_id: g.providerId, workspace_id: workspaceId, grant_id: g.grantId, insurer_names: JSON.stringify(g.insurerNames), granted_at: g.grantedAt, updated_at: now })))
          .execute();
      }
    });
  }

  /**
   * Replaces the index rows of some repairs of one shop (`roIds`), or of the whole shop when
   * `roIds` is null, with `rows` (the repairs visible now, one row per provider).
   */
  async replaceRepairs(workspaceId: string, roIds: readonly string[] | null, rows: IndexedRepair[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (roIds === null) {
        await trx.deleteFrom('provider_repairs').where('workspace_id', '=', workspaceId).execute();
      } else {
        for (let i = 0; i < roIds.length; i += 500) {
          await trx.deleteFrom('provider_repairs').where('workspace_id', '=', workspaceId).where('ro_id', 'in', roIds.slice(i, i + 500)).execute();
        }
      }
      for (let i = 0; i < rows.length; i += 500) {
        await trx
          .insertInto('provider_repairs')
          .values(
            rows.slice(i, i + 500).map((r) => ({
              provider_id: r.providerId,
              workspace_id: r.workspaceId,
              ro_id: r.roId,
              ro_number: r.roNumber,
              claim_key: r.claimKey,
              plate_key: r.plateKey,
              closed_at: r.closedAt,
              updated_at: r.updatedAt,
            })),
          )
          .execute();
      }
    });
  }

  async shopsOf(providerId: string): Promise<IndexedGrant[]> {
    const rows = await this.db.selectFrom('provider_shops').selectAll().where('provider_id', '=', providerId).orderBy('workspace_id').execute();
    return rows.map((r) => ({ providerId: r.provider_id, workspaceId: r.workspace_id, grantId: r.grant_id, insurerNames: JSON.parse(r.insurer_names) as string[], grantedAt: r.granted_at }));
  }

  /**
   * Candidates whose claim reference or plate key equals `key`: two lookups, each on its own
   * (provider, key) index (one query with OR would walk every row of the provider).
   */
  async findRepairs(providerId: string, key: string, limit = 50): Promise<IndexedRepair[]> {
    const by = (column: 'claim_key' | 'plate_key') =>
      this.db.selectFrom('provider_repairs').selectAll().where('provider_id', '=', providerId).where(column, '=', key).limit(limit).execute();
    const [claims, plates] = await Promise.all([by('claim_key'), by('plate_key')]);
    const seen = new Set<string>();
    const rows = [...claims, ...plates].filter((r) => {
      const k = `${r.workspace_id}/${r.ro_id}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return rows
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
      .slice(0, limit)
      .map(toIndexed);
  }

  async repairsOf(providerId: string, options: { workspaceId?: string; openOnly?: boolean } = {}): Promise<IndexedRepair[]> {
    let q = this.db.selectFrom('provider_repairs').selectAll().where('provider_id', '=', providerId);
    if (options.workspaceId) q = q.where('workspace_id', '=', options.workspaceId);
    if (options.openOnly) q = q.where('closed_at', 'is', null);
    return (await q.orderBy('workspace_id').orderBy('ro_number').execute()).map(toIndexed);
  }

  async indexedRepair(providerId: string, workspaceId: string, roId: string): Promise<IndexedRepair | null> {
    const row = await this.db
      .selectFrom('provider_repairs')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('workspace_id', '=', workspaceId)
      .where('ro_id', '=', roId)
      .executeTakeFirst();
    return row ? toIndexed(row) : null;
  }
}

function toProvider(row: ProvidersDatabase['work_providers']): WorkProvider {
  let slaTargets: SlaTargets = {};
  try {
    slaTargets = JSON.parse(row.sla_targets) as SlaTargets;
  } catch {
    slaTargets = {};
  }
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    kind: row.kind,
    logo: row.logo_type && row.logo_data ? { type: row.logo_type, data: row.logo_data } : null,
    slaTargets,
    createdAt: row.created_at,
  };
}

function toUser(row: ProvidersDatabase['provider_users']): ProviderUser {
  return {
    id: row.id,
    providerId: row.provider_id,
    email: row.email,
    name: row.name,
    role: row.role === 'admin' ? 'admin' : 'member',
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpConfirmedAt: row.totp_confirmed_at,
    totpLastStep: row.totp_last_step == null ? null : Number(row.totp_last_step),
    failedLogins: Number(row.failed_logins),
    lockedAt: row.locked_at,
    createdAt: row.created_at,
    removedAt: row.removed_at,
  };
}

function toInvitation(row: ProvidersDatabase['provider_invitations']): ProviderInvitation {
  return {
    tokenHash: row.token_hash,
    providerId: row.provider_id,
    email: row.email,
    name: row.name,
    role: row.role === 'admin' ? 'admin' : 'member',
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

function toPasskey(row: ProvidersDatabase['provider_passkeys']) {
  return {
    id: row.id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: row.transports ? (JSON.parse(row.transports) as string[]) : [],
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function toIndexed(row: ProvidersDatabase['provider_repairs']): IndexedRepair {
  return {
    providerId: row.provider_id,
    workspaceId: row.workspace_id,
    roId: row.ro_id,
    roNumber: row.ro_number == null ? null : Number(row.ro_number),
    claimKey: row.claim_key,
    plateKey: row.plate_key,
    closedAt: row.closed_at,
    updatedAt: row.updated_at,
  };
}
