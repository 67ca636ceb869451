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
