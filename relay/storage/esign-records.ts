// E-signature bookkeeping in the operator database (either engine, the same Kysely queries):
// one-time codes (salted hashes only) and the first request seen per document version.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';

export interface EsignOperatorDatabase {
  esign_codes: {
    workspace_id: string;
    request_id: string;
    code_hash: string;
    salt: string;
    sent_at: string;
    expires_at: string;
    wrong_attempts: number | string;
    verified_at: string | null;
  };
  esign_versions: {
    workspace_id: string;
    ro_id: string;
    kind: string;
    version: number | string;
    request_id: string;
    seen_at: string;
  };
}

export type CodeCheck =
  | { outcome: 'verified' }
  | { outcome: 'wrong'; attemptsLeft: number }
  | { outcome: 'locked' }
  | { outcome: 'expired' }
  | { outcome: 'none' };

function hashCode(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('hex');
}

export class EsignRecords {
  constructor(private readonly db: Kysely<EsignOperatorDatabase>) {}

  /** Stores a new code for the request (replacing an earlier one; wrong tries carry over). */
  async putCode(input: { workspaceId: string; requestId: string; code: string; now: string; expiresAt: string }): Promise<void> {
    const salt = randomBytes(16).toString('hex');
    const code_hash = hashCode(salt, input.code);
    await this.db
      .insertInto('esign_codes')
      .values({ workspace_id: input.workspaceId, request_id: input.requestId, code_hash, salt, sent_at: input.now, expires_at: input.expiresAt, wrong_attempts: 0, verified_at: null })
      .onConflict((oc) => oc.columns(['workspace_id', 'request_id']).doUpdateSet({ code_hash, salt, sent_at: input.now, expires_at: input.expiresAt, verified_at: null }))
      .execute();
  }

  async codeState(workspaceId: string, requestId: string): Promise<{ sentAt: string; expiresAt: string; wrongAttempts: number; verifiedAt: string | null } | null> {
    const row = await this.db.selectFrom('esign_codes').selectAll().where('workspace_id', '=', workspaceId).where('request_id', '=', requestId).executeTakeFirst();
    return row ? { sentAt: row.sent_at, expiresAt: row.expires_at, wrongAttempts: Number(row.wrong_attempts), verifiedAt: row.verified_at } : null;
  }

  /**
   * Checks a code. A wrong one counts (atomically, so two tries at once both count); at
   * `maxAttempts` wrong tries the answer is 'locked' from then on, whatever is typed.
   */
  async checkCode(input: { workspaceId: string; requestId: string; code: string; now: string; maxAttempts: number }): Promise<CodeCheck> {
    const row = await this.db.selectFrom('esign_codes').selectAll().where('workspace_id', '=', input.workspaceId).where('request_id', '=', input.requestId).executeTakeFirst();
    if (!row) return { outcome: 'none' };
    if (Number(row.wrong_attempts) >= input.maxAttempts) return { outcome: 'locked' };
    if (row.verified_at) return { outcome: 'verified' };
    const given = Buffer.from(hashCode(row.salt, input.code), 'hex');
    const right = timingSafeEqual(given, Buffer.from(row.code_hash, 'hex'));
    if (right && row.expires_at > input.now) {
      await this.db.updateTable('esign_codes').set({ verified_at: input.now }).where('workspace_id', '=', input.workspaceId).where('request_id', '=', input.requestId).execute();
      return { outcome: 'verified' };
    }
    if (right) return { outcome: 'expired' };
    await this.db
      .updateTable('esign_codes')
      .set((eb) => ({ wrong_attempts: eb('wrong_attempts', '+', 1) }))
      .where('workspace_id', '=', input.workspaceId)
      .where('request_id', '=', input.requestId)
      .execute();
    const after = Number((await this.codeState(input.workspaceId, input.requestId))?.wrongAttempts ?? input.maxAttempts);
    if (after >= input.maxAttempts) return { outcome: 'locked' };
    return { outcome: 'wrong', attemptsLeft: input.maxAttempts - after };
  }

  /** Records that the relay has seen this request for its version; answers the request that stands (the first seen). */
  async claimVersion(input: { workspaceId: string; roId: string; kind: string; version: number; requestId: string; now: string }): Promise<string> {
    await this.db
      .insertInto('esign_versions')
      .values({ workspace_id: input.workspaceId, ro_id: input.roId, kind: input.kind, version: input.version, request_id: input.requestId, seen_at: input.now })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const row = await this.db
      .selectFrom('esign_versions')
      .select('request_id')
      .where('workspace_id', '=', input.workspaceId)
      .where('ro_id', '=', input.roId)
      .where('kind', '=', input.kind)
      .where('version', '=', input.version)
      .executeTakeFirstOrThrow();
    return row.request_id;
  }
}
