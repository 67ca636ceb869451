// The desk's after-the-repair methods (issue 18): Settings › After the repair, the follow-up list
// of low scores, and referrals; spread into the typed API in ../api/contract.ts.
import { z } from 'zod';
import { type CsiSettings, csiSettingsSchema, type ReviewSettings, reviewSettingsSchema, type SurveyQuestion } from './settings.js';

function method<A extends z.ZodType>(args: A) {
  return { returns: <R>() => ({ args, result: undefined as unknown as R }) };
}

const id = z.string().min(1, 'is required').max(80);

export interface AfterRepairSettings {
  csi: CsiSettings;
  review: ReviewSettings;
}

export interface FollowUpEntry {
  id: string;
  at: string;
  staffName: string | null;
  contact: string;
  agreed: string;
}

export interface FollowUp {
  id: string;
  roId: string;
  roNumber: number | null;
  customerName: string;
  customerPhone: string | null;
  overall: number | null;
  recommend: number | null;
  comment: string | null;
  questions: SurveyQuestion[];
  answers: Record<string, number | string>;
  openedAt: string;
  firstContactAt: string | null;
  /** Minutes from the low score to the first contact (null until someone reached the customer). */
  minutesToFirstContact: number | null;
  closedAt: string | null;
  closedBy: string | null;
  resolution: string | null;
  entries: FollowUpEntry[];
}

export interface FollowUpList {
  followUps: FollowUp[];
  open: number;
  /** Median minutes to first contact over the follow-ups contacted (null with none). */
  medianMinutesToFirstContact: number | null;
}

export interface ReferralEntry {
  id: string;
  referrerName: string;
  referrerCustomerId: string | null;
  name: string;
  creditedAt: string;
  appointmentId: string | null;
  roId: string | null;
  roNumber: number | null;
  thankedAt: string | null;
  thankedBy: string | null;
  thankNote: string | null;
}

export const CSI_API = {
  'csi-settings-get': method(z.object({}).strict()).returns<AfterRepairSettings>(),
  /** Refuses an invitation that offers anything for a review (FTC rule), naming the words. */
  'csi-settings-save': method(z.object({ csi: csiSettingsSchema.optional(), review: reviewSettingsSchema.optional() }).strict()).returns<AfterRepairSettings>(),
  'csi-follow-ups-list': method(z.object({ include: z.enum(['open', 'all']).default('open') }).strict()).returns<FollowUpList>(),
  'csi-follow-up-contact': method(
    z
      .object({
        id,
        contact: z.string().trim().min(1, 'is required: how you reached the customer').max(500, 'must be at most 500 characters'),
        agreed: z.string().trim().max(2000, 'must be at most 2000 characters').default(''),
      })
      .strict(),
  ).returns<FollowUpList>(),
  'csi-follow-up-close': method(z.object({ id, resolution: z.string().trim().min(3, 'needs a few words on how it was resolved').max(2000) }).strict()).returns<FollowUpList>(),
  'csi-referrals-list': method(z.object({}).strict()).returns<ReferralEntry[]>(),
  'csi-referral-thank': method(z.object({ id, note: z.string().trim().max(500, 'must be at most 500 characters').default('') }).strict()).returns<ReferralEntry[]>(),
};
