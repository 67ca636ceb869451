// Drafting usage per shop and month in the operator database (either engine, the same Kysely
// queries): tokens in and out and the number of drafts, added to as each draft ends.
import { type Kysely, sql } from 'kysely';

export interface AiUsageDatabase {
  ai_usage: {
    workspace_id: string;
    month: string;
    input_tokens: number | string;
    output_tokens: number | string;
    requests: number | string;
  };
}

export interface AiUsage {
  month: string;
  inputTokens: number;
  outputTokens: number;
  requests: number;
}

/** Tokens taken from a shop's month before a draft is asked for, settled to what it used. */
export interface AiReservation {
  workspaceId: string;
  month: string;
  tokens: number;
}

/** The calendar month (UTC) of a time: "2026-12". */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

export class AiUsageRecords {
  constructor(private readonly db: Kysely<AiUsageDatabase>) {}

  async add(input: { workspaceId: string; month: string; inputTokens: number; outputTokens: number }): Promise<void> {
    const inputTokens = Math.max(0, Math.round(input.inputTokens));
    const outputTokens = Math.max(0, Math.round(input.outputTokens));
    await this.db
      .insertInto('ai_usage')
      .values({ workspace_id: input.workspaceId, month: input.month, input_tokens: inputTokens, output_tokens: outputTokens, requests: 1 })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'month']).doUpdateSet({
          input_tokens: sql`ai_usage.input_tokens + excluded.input_tokens`,
          output_tokens: sql`ai_usage.output_tokens + excluded.output_tokens`,
          requests: sql`ai_usage.requests + 1`,
        }),
      )
      .execute();
  }

  /**
   * Takes `tokens` (and one request) from the shop's month when some of its budget is left (null:
   * no budget), in one conditional UPDATE — so two drafts asked at the same moment cannot both
   * pass the last of the budget: the second UPDATE sees the first one's tokens (SQLite writes one
   * at a time; PostgreSQL re-checks the WHERE on the row the first one updated). Null when no
   * budget is left.
   */
  async reserve(input: { workspaceId: string; month: string; tokens: number; budget: number | null }): Promise<AiReservation | null> {
    const tokens = Math.max(1, Math.round(input.tokens));
    await this.db
      .insertInto('ai_usage')
      .values({ workspace_id: input.workspaceId, month: input.month, input_tokens: 0, output_tokens: 0, requests: 0 })
      .onConflict((oc) => oc.columns(['workspace_id', 'month']).doNothing())
      .execute();
    let update = this.db
      .updateTable('ai_usage')
      .set({ input_tokens: sql`input_tokens + ${tokens}`, requests: sql`requests + 1` })
      .where('workspace_id', '=', input.workspaceId)
      .where('month', '=', input.month);
    if (input.budget !== null) update = update.where(sql<number>`input_tokens + output_tokens`, '<', input.budget);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? { workspaceId: input.workspaceId, month: input.month, tokens } : null;
  }

  /** A reserved draft's real tokens replace its reservation (the request was counted when reserved). */
  async settle(reservation: AiReservation, used: { inputTokens: number; outputTokens: number }): Promise<void> {
    const inputDelta = Math.max(0, Math.round(used.inputTokens)) - reservation.tokens;
    const outputTokens = Math.max(0, Math.round(used.outputTokens));
    await this.db
      .updateTable('ai_usage')
      .set({ input_tokens: sql`input_tokens + ${inputDelta}`, output_tokens: sql`output_tokens + ${outputTokens}` })
      .where('workspace_id', '=', reservation.workspaceId)
      .where('month', '=', reservation.month)
      .execute();
  }

  async get(workspaceId: string, month: string): Promise<AiUsage> {
    const row = await this.db.selectFrom('ai_usage').selectAll().where('workspace_id', '=', workspaceId).where('month', '=', month).executeTakeFirst();
    return {
      month,
      inputTokens: Number(row?.input_tokens ?? 0),
      outputTokens: Number(row?.output_tokens ?? 0),
      requests: Number(row?.requests ?? 0),
    };
  }
}
