// The customer's optional account in the operator database (either engine, the same Kysely
// queries): accounts per (shop, mobile number), texted codes (salted hashes only), wrong-code
// counts and lockouts per number, and sessions (the SHA-256 of the cookie's random id only).
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';

export interface CustomerAccountDatabase {
  customer_accounts: { id: string; workspace_id: string; mobile: string; created_at: string; last_sign_in_at: string | null };
  customer_account_codes: {
    id: string;
    workspace_id: string;
    mobile: string;
    code_hash: string;
    salt: string;
    sent_at: string;
    expires_at: string;
    used_at: string | null;
  };
  customer_account_lockouts: { workspace_id: string; mobile: string; wrong_attempts: number | string; locked_until: string | null };
  customer_account_sessions: {
    id_hash: string;
    account_id: string;
    workspace_id: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
    ended_at: string | null;
    user_agent: string | null;
  };
}

export type AccountCodeCheck =
  | { outcome: 'verified' }
  | { outcome: 'wrong'; attemptsLeft: number }
  | { outcome: 'locked'; until: string };

export interface AccountSession {
  idHash: string;
  accountId: string;
  workspaceId: string;
  mobile: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
}

function hashCode(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('hex');
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(`account-session:${id}`).digest('hex');
}

export class CustomerAccountRecords {
  constructor(private readonly db: Kysely<CustomerAccountDatabase>) {}

  /** How many codes went to this number since `since`, and when the last one went. */
  async sendsSince(workspaceId: string, mobile: string, since: string): Promise<{ count: number; lastSentAt: string | null }> {
    const rows = await this.db
      .selectFrom('customer_account_codes')
      .select('sent_at')
      .where('workspace_id', '=', workspaceId)
      .where('mobile', '=', mobile)
      .where('sent_at', '>', since)
      .orderBy('sent_at', 'desc')
      .execute();
    return { count: rows.length, lastSentAt: rows[0]?.sent_at ?? null };
  }

  /** Stores a new code (its salted hash); earlier unused codes of the number stop working. */
  async putCode(input: { workspaceId: string; mobile: string; code: string; now: string; expiresAt: string }): Promise<void> {
    const salt = randomBytes(16).toString('hex');
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('customer_account_codes')
        .set({ used_at: input.now })
        .where('workspace_id', '=', input.workspaceId)
        .where('mobile', '=', input.mobile)
        .where('used_at', 'is', null)
        .execute();
      await trx
        .insertInto('customer_account_codes')
        .values({
          id: randomUUID(),
          workspace_id: input.workspaceId,
          mobile: input.mobile,
          code_hash: hashCode(salt, input.code),
          salt,
          sent_at: input.now,
          expires_at: input.expiresAt,
          used_at: null,
        })
        .execute();
    });
  }

  /** Until when the number is locked after too many wrong codes, or null. */
  async lockedUntil(workspaceId: string, mobile: string, now: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('customer_account_lockouts')
      .select('locked_until')
      .where('workspace_id', '=', workspaceId)
      .where('mobile', '=', mobile)
      .executeTakeFirst();
    return row?.locked_until && row.locked_until > now ? row.locked_until : null;
  }

  /**
   * Checks a typed code against the number's newest live code. A number with no live code (never
   * sent, expired, used) answers exactly like a wrong code, so the answer says nothing about
   * whether the number is known. Wrong codes count atomically per number; the `maxWrong`-th
   * locks the number for `lockMs`, and while locked every code is refused, the right one too.
   * A right code works once: marking it used is conditional, so two tries at once sign in once.
   */
  async checkCode(input: { workspaceId: string; mobile: string; code: string; now: string; maxWrong: number; lockMs: number }): Promise<AccountCodeCheck> {
    const { workspaceId, mobile, now } = input;
    const locked = await this.lockedUntil(workspaceId, mobile, now);
    if (locked) return { outcome: 'locked', until: locked };
    const live = await this.db
      .selectFrom('customer_account_codes')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('mobile', '=', mobile)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('sent_at', 'desc')
      .executeTakeFirst();
    if (live && /^\d{6}$/.test(input.code)) {
      const right = timingSafeEqual(Buffer.from(hashCode(live.salt, input.code), 'hex'), Buffer.from(live.code_hash, 'hex'));
      if (right) {
        const used = await this.db.updateTable('customer_account_codes').set({ used_at: now }).where('id', '=', live.id).where('used_at', 'is', null).executeTakeFirst();
        if (Number(used.numUpdatedRows) === 1) {
          await this.db.updateTable('customer_account_lockouts').set({ wrong_attempts: 0 }).where('workspace_id', '=', workspaceId).where('mobile', '=', mobile).execute();
          return { outcome: 'verified' };
        }
      }
    }
    await this.db
      .insertInto('customer_account_lockouts')
      .values({ workspace_id: workspaceId, mobile, wrong_attempts: 1, locked_until: null })
      .onConflict((oc) => oc.columns(['workspace_id', 'mobile']).doUpdateSet((eb) => ({ wrong_attempts: eb('customer_account_lockouts.wrong_attempts', '+', 1) })))
      .execute();
    const row = await this.db
      .selectFrom('customer_account_lockouts')
      .select('wrong_attempts')
      .where('workspace_id', '=', workspaceId)
      .where('mobile', '=', mobile)
      .executeTakeFirstOrThrow();
    const wrong = Number(row.wrong_attempts);
    if (wrong < input.maxWrong) return { outcome: 'wrong', attemptsLeft: input.maxWrong - wrong };
    const until = new Date(Date.parse(now) + input.lockMs).toISOString();
    await this.db
      .updateTable('customer_account_lockouts')
      .set({ wrong_attempts: 0, locked_until: until })
      .where('workspace_id', '=', workspaceId)
      .where('mobile', '=', mobile)
      .execute();
    // Every unused code of the number stops working: after the lock a new one must be asked for.
    await this.db.updateTable('customer_account_codes').set({ used_at: now }).where('workspace_id', '=', workspaceId).where('mobile', '=', mobile).where('used_at', 'is', null).execute();
    return { outcome: 'locked', until };
  }

  /** Makes the account at its first sign-in and starts a session for the (hashed) id. */
  async startSession(input: { workspaceId: string; mobile: string; sessionId: string; now: string; expiresAt: string; userAgent: string | null }): Promise<string> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('customer_accounts')
        .values({ id: randomUUID(), workspace_id: input.workspaceId, mobile: input.mobile, created_at: input.now, last_sign_in_at: input.now })
        .onConflict((oc) => oc.columns(['workspace_id', 'mobile']).doUpdateSet({ last_sign_in_at: input.now }))
        .execute();
      const account = await trx
        .selectFrom('customer_accounts')
        .select('id')
        .where('workspace_id', '=', input.workspaceId)
        .where('mobile', '=', input.mobile)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('customer_account_sessions')
        .values({
          id_hash: hashSessionId(input.sessionId),
          account_id: account.id,
          workspace_id: input.workspaceId,
          created_at: input.now,
          last_seen_at: input.now,
          expires_at: input.expiresAt,
          ended_at: null,
          user_agent: input.userAgent?.slice(0, 300) ?? null,
        })
        .execute();
      return account.id;
    });
  }

  /** The live session behind a cookie's id in this shop, or null (unknown, ended, expired, another shop). */
  async session(workspaceId: string, sessionId: string, now: string): Promise<AccountSession | null> {
    const row = await this.db
      .selectFrom('customer_account_sessions as s')
      .innerJoin('customer_accounts as a', 'a.id', 's.account_id')
      .select(['s.id_hash', 's.account_id', 's.workspace_id', 's.created_at', 's.last_seen_at', 's.user_agent', 'a.mobile'])
      .where('s.id_hash', '=', hashSessionId(sessionId))
      .where('s.workspace_id', '=', workspaceId)
      .where('s.ended_at', 'is', null)
      .where('s.expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return null;
    // Seen-at moves at most once a minute: a page view is not a write every time.
    if (Date.parse(now) - Date.parse(row.last_seen_at) > 60_000) {
      await this.db.updateTable('customer_account_sessions').set({ last_seen_at: now }).where('id_hash', '=', row.id_hash).execute();
    }
    return { idHash: row.id_hash, accountId: row.account_id, workspaceId: row.workspace_id, mobile: row.mobile, createdAt: row.created_at, lastSeenAt: row.last_seen_at, userAgent: row.user_agent };
  }

  /** The account's live sessions, newest first. */
  async sessions(accountId: string, now: string): Promise<Array<Omit<AccountSession, 'mobile' | 'workspaceId'>>> {
    const rows = await this.db
      .selectFrom('customer_account_sessions')
      .select(['id_hash', 'account_id', 'created_at', 'last_seen_at', 'user_agent'])
      .where('account_id', '=', accountId)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({ idHash: r.id_hash, accountId: r.account_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, userAgent: r.user_agent }));
  }

  async endSession(idHash: string, now: string): Promise<void> {
    await this.db.updateTable('customer_account_sessions').set({ ended_at: now }).where('id_hash', '=', idHash).where('ended_at', 'is', null).execute();
  }

  /** Ends every session of the account; answers how many were live. */
  async endAllSessions(accountId: string, now: string): Promise<number> {
    const done = await this.db.updateTable('customer_account_sessions').set({ ended_at: now }).where('account_id', '=', accountId).where('ended_at', 'is', null).executeTakeFirst();
    return Number(done.numUpdatedRows);
  }
}
