// Who starts a background service's round of every shop (operator migration 19): one conditional
// upsert, so of several relay processes on one PostgreSQL only the first whose timer fires after
// the period takes it. On SQLite there is one process and it always does.
import type { Kysely } from 'kysely';

export interface RoundsDatabase {
  relay_rounds: { name: string; started_at: string; started_by: string };
}

/**
 * A round counts as recent for nine tenths of its period, so two processes whose timers fire a
 * little apart do not skip every other round between them.
 */
const RECENT_SHARE = 0.9;

export class RoundRecords {
  constructor(private readonly db: Kysely<RoundsDatabase>) {}

  /** True when this process should do the round `name` now: nobody started one within `everyMs` (nine tenths of it). */
  async take(name: string, everyMs: number, owner: string, now: Date = new Date()): Promise<boolean> {
    const at = now.toISOString();
    const recent = new Date(now.getTime() - everyMs * RECENT_SHARE).toISOString();
    const row = await this.db
      .insertInto('relay_rounds')
      .values({ name, started_at: at, started_by: owner })
      .onConflict((oc) => oc.column('name').doUpdateSet({ started_at: at, started_by: owner }).where('relay_rounds.started_at', '<=', recent))
      .returning('name')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The last start of each round (the operator's view, tests). */
  async list(): Promise<Array<{ name: string; startedAt: string; startedBy: string }>> {
    const rows = await this.db.selectFrom('relay_rounds').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, startedAt: r.started_at, startedBy: r.started_by }));
  }
}
