// The shop's report settings (workspace_settings.report_settings, JSON): what one status call costs
// the front desk and how many came a day before portal links, and the targets the scorecards and
// the Reports screen measure against. Defaults fill whatever the shop never set.
import { z } from 'zod';

const fields = {
  /** Minutes the front desk spends on one "where is my car?" call. */
  minutesPerCall: z.number().min(0.5, 'must be at least half a minute').max(60, 'must be at most 60 minutes'),
  /** Status calls a business day before the shop sent portal links (caps the estimate). */
  callsPerDayBefore: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(500, 'must be at most 500'),
  /** Share of repairs delivered by their last promised date the shop aims for (percent). */
  onTimeTargetPercent: z.number().min(0, 'must be a percentage (0 to 100)').max(100, 'must be a percentage (0 to 100)'),
  /** Keys-to-keys days the shop aims for. */
  cycleTargetDays: z.number().min(0.5, 'must be at least half a day').max(120, 'must be at most 120 days'),
};

export const reportSettingsSchema = z
  .object({
    minutesPerCall: fields.minutesPerCall.default(4),
    callsPerDayBefore: fields.callsPerDayBefore.default(15),
    onTimeTargetPercent: fields.onTimeTargetPercent.default(90),
    cycleTargetDays: fields.cycleTargetDays.default(10),
  })
  .strict();

/** A change to some of the settings (no defaults: what is not sent stays as it is). */
export const reportSettingsUpdateSchema = z.object(fields).partial().strict();

export type ReportSettings = z.output<typeof reportSettingsSchema>;
export type ReportSettingsInput = z.input<typeof reportSettingsSchema>;

export const DEFAULT_REPORT_SETTINGS: ReportSettings = reportSettingsSchema.parse({});

/** The stored JSON with defaults filled; a value that no longer validates falls back to its default, field by field. */
export function readReportSettings(json: string | null | undefined): ReportSettings {
  let raw: Record<string, unknown> = {};
  try {
    const parsed: unknown = json ? JSON.parse(json) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
  } catch {
    raw = {};
  }
  const out: Record<string, unknown> = { ...DEFAULT_REPORT_SETTINGS };
  for (const key of Object.keys(DEFAULT_REPORT_SETTINGS) as Array<keyof ReportSettings>) {
    const one = fields[key].safeParse(raw[key]);
    if (one.success && raw[key] !== undefined) out[key] = one.data;
  }
  return out as ReportSettings;
}
