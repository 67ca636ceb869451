// After the repair (issue 18): the shop's survey (questions, when and how it goes, what counts as a
// low score) and its review invitation (sites and wording). Both are JSON cells of
// workspace_settings, read here with zod: a missing or damaged cell gives the defaults, never an
// error, so the relay and every desk read the same thing.
import { z } from 'zod';
import { DEFAULT_INVITATION, incentiveMessage, incentiveWordsIn, REVIEW_SITE_LABELS, REVIEW_SITES, type ReviewSite } from './words.js';

export { DEFAULT_INVITATION, INCENTIVE_WORDS, incentiveMessage, incentiveWordsIn, REVIEW_SITE_LABELS, REVIEW_SITES, type ReviewSite } from './words.js';

export type QuestionKind = 'scale5' | 'scale10' | 'text';

export interface SurveyQuestion {
  /** Stable id the answers are kept under ('overall' and 'recommend' feed the figures). */
  id: string;
  kind: QuestionKind;
  /** The words the customer reads; answers keep the words they were given under. */
  text: string;
}

export const DEFAULT_QUESTIONS: readonly SurveyQuestion[] = [
  { id: 'overall', kind: 'scale5', text: 'Overall, how satisfied are you with your repair?' },
  { id: 'quality', kind: 'scale5', text: 'How happy are you with the quality of the repair?' },
  { id: 'communication', kind: 'scale5', text: 'How well did we keep you informed?' },
  { id: 'on_time', kind: 'scale5', text: 'Was your car ready when we said it would be?' },
  { id: 'recommend', kind: 'scale10', text: 'How likely are you to recommend us to a friend or family member?' },
  { id: 'comment', kind: 'text', text: 'Anything you would like to tell us?' },
];

const questionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be lower-case letters, digits or _'),
    kind: z.enum(['scale5', 'scale10', 'text']),
    text: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  })
  .strict();

export const csiSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    questions: z
      .array(questionSchema)
      .min(1, 'needs at least one question')
      .max(12, 'may hold at most 12 questions')
      .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, 'has two questions with the same id')
      .refine((qs) => qs.some((q) => q.id === 'overall' && q.kind === 'scale5'), 'must keep the overall satisfaction question (1 to 5)')
      .refine((qs) => qs.some((q) => q.id === 'recommend' && q.kind === 'scale10'), 'must keep the likelihood-to-recommend question (0 to 10)')
      .default(() => DEFAULT_QUESTIONS.map((q) => ({ ...q }))),
    /** Hours after the car was delivered before the survey goes (held further for quiet hours). */
    delayHours: z.number().int('must be whole hours').min(0).max(24 * 30, 'must be at most 30 days').default(24),
    channel: z.enum(['sms', 'email', 'sms-then-email']).default('sms-then-email'),
    /** At or under either is a low score. */
    lowOverall: z.number().int().min(1).max(5).default(3),
    lowRecommend: z.number().int().min(0).max(10).default(6),
  })
  .strict();

export type CsiSettings = z.output<typeof csiSettingsSchema>;

const siteUrl = z
  .string()
  .trim()
  .max(500, 'must be at most 500 characters')
  .refine((v) => v === '' || /^https:\/\/[^\s/]+\.[^\s]+$/.test(v), 'must be a web address starting with https://')
  .default('');

export const reviewSettingsSchema = z
  .object({
    sites: z.object({ google: siteUrl, yelp: siteUrl, facebook: siteUrl }).strict().default({ google: '', yelp: '', facebook: '' }),
    invitation: z
      .string()
      .trim()
      .min(1, 'is required')
      .max(400, 'must be at most 400 characters')
      .superRefine((v, ctx) => {
        const found = incentiveWordsIn(v);
        if (found.length > 0) ctx.addIssue({ code: 'custom', message: incentiveMessage(found) });
      })
      .default(DEFAULT_INVITATION),
  })
  .strict();

export type ReviewSettings = z.output<typeof reviewSettingsSchema>;

function parsed<T>(schema: z.ZodType<T>, cell: string | null | undefined): T {
  let value: unknown = {};
  try {
    value = cell ? JSON.parse(cell) : {};
  } catch {
    value = {};
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : schema.parse({});
}

export function readCsiSettings(cell: string | null | undefined): CsiSettings {
  return parsed(csiSettingsSchema, cell);
}

export function readReviewSettings(cell: string | null | undefined): ReviewSettings {
  return parsed(reviewSettingsSchema, cell);
}

/** The sites the shop filled in, in a fixed order (the only places the redirect goes). */
export function configuredSites(review: ReviewSettings): Array<{ site: ReviewSite; label: string; url: string }> {
  return REVIEW_SITES.filter((s) => review.sites[s] !== '').map((s) => ({ site: s, label: REVIEW_SITE_LABELS[s], url: review.sites[s] }));
}

export type Answers = Record<string, number | string>;

/** Low when overall or recommend is at or under the shop's threshold. */
export function isLowScore(settings: Pick<CsiSettings, 'lowOverall' | 'lowRecommend'>, overall: number | null, recommend: number | null): boolean {
  return (overall !== null && overall <= settings.lowOverall) || (recommend !== null && recommend <= settings.lowRecommend);
}

/** Natural keys: every desk and relay lands on the same row for one repair. */
export const responseId = (roId: string) => `csi:${roId}`;
export const followUpId = (roId: string) => `csi-follow-up:${roId}`;
export const reviewClickId = (roId: string, site: ReviewSite) => `review:${roId}:${site}`;

/** How long after the first submission the customer may still change their answers. */
export const AMEND_HOURS = 24;
