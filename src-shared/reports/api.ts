// The desk API methods for reports and insurer scorecards (issues 18 and 20), spread into the
// contract (src-shared/api/contract.ts) so that file changes by one line.
import { z } from 'zod';
import type { ReportFigures, Scorecard } from './figures.js';
import { type ReportSettings, reportSettingsUpdateSchema } from './settings.js';

function method<A extends z.ZodType>(args: A) {
  return { returns: <R>() => ({ args, result: undefined as unknown as R }) };
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const filters = {
  from: isoDate.optional(),
  to: isoDate.optional(),
  insurer: z.string().trim().min(1).max(200).nullish(),
  staffId: z.string().min(1).max(64).nullish(),
};

export interface ReportView {
  figures: ReportFigures;
  scorecards: Scorecard[];
  /** Insurers with a repair delivered in the period, for the filter. */
  insurers: string[];
  /** Names for the staff ids the figures mention (and every active member, for the filter). */
  staff: Array<{ id: string; name: string }>;
  settings: ReportSettings;
}

export interface ReportExport {
  fileName: string;
  mimeType: 'text/csv' | 'application/pdf';
  base64: string;
}

export const REPORT_API = {
  /** The Reports screen and the scorecards for a period (default: the last 90 days), an insurer and a staff member. Owner and manager only. */
  'report-view': method(z.object(filters).strict()).returns<ReportView>(),
  /** The same figures as a CSV file or a branded PDF: the whole report, or the scorecards (one insurer when `insurer` is set). */
  'report-export': method(
    z
      .object({ ...filters, format: z.enum(['csv', 'pdf']), view: z.enum(['reports', 'scorecards']) })
      .strict(),
  ).returns<ReportExport>(),
  'report-settings-get': method(z.object({}).strict()).returns<ReportSettings>(),
  'report-settings-update': method(reportSettingsUpdateSchema).returns<ReportSettings>(),
} as const;
