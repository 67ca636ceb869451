// The survey's rules on the relay (issue 18): reading a posted form into answers, and saving them
// as the repair's one `csi_responses` row through the mutation layer. A low score opens the
// repair's one follow-up (its id is the repair's, so a second post, an amended answer or a second
// relay never opens another); the first answer gives the customer a referral code.
import { randomBytes } from 'node:crypto';
import {
  AMEND_HOURS,
  type Answers,
  followUpId,
  isLowScore,
  readCsiSettings,
  responseId,
  type SurveyQuestion,
} from '../../src-shared/csi/settings.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';

export type ResponseRow = RowOf<'csi_responses'>;

export class SurveyRefused extends Error {
  constructor(
    readonly problem: 'answered' | 'too-late' | 'missing' | 'invalid' | 'not-delivered',
    message: string,
    /** The screen to show again (a missing or invalid answer). */
    readonly index: number | null = null,
    /** The same sentence for the customer: a key of the catalogues' `survey` group and its values. */
    readonly say: { key: string; values?: Record<string, number> } | null = null,
  ) {
    super(message);
  }
}

/** The questions a response is (or will be) answered under: its own once saved, else the shop's. */
export function questionsOf(row: ResponseRow | undefined, current: readonly SurveyQuestion[]): SurveyQuestion[] {
  if (row?.questions) {
    try {
      const kept = JSON.parse(row.questions) as SurveyQuestion[];
      if (Array.isArray(kept) && kept.length > 0) return kept;
    } catch {
      // fall through to the shop's questions
    }
  }
  return current.map((q) => ({ ...q }));
}

export function answersOf(row: ResponseRow | undefined): Answers {
  if (!row?.answers) return {};
  try {
    const value = JSON.parse(row.answers) as unknown;
    return value && typeof value === 'object' ? (value as Answers) : {};
  } catch {
    return {};
  }
}

/**
 * The answers in a posted form, question by question. A scale answer outside its range is refused
 * naming the question (nothing is cut or guessed); a field the survey does not ask is ignored.
 */
export function readAnswers(questions: readonly SurveyQuestion[], body: Record<string, unknown>): Answers {
  const answers: Answers = {};
  questions.forEach((q, index) => {
    const raw = body[q.id];
    if (typeof raw !== 'string' || raw.trim() === '') return;
    if (q.kind === 'text') {
      if (raw.length > 2000) throw new SurveyRefused('invalid', 'Please keep your comment under 2,000 characters.', index, { key: 'survey.commentTooLong', values: { max: 2000 } });
      answers[q.id] = raw.trim();
      return;
    }
    const [low, high] = q.kind === 'scale5' ? [1, 5] : [0, 10];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < low || n > high) throw new SurveyRefused('invalid', `Please choose a number from ${low} to ${high}.`, index, { key: q.kind === 'scale5' ? 'survey.choose5' : 'survey.choose10' });
    answers[q.id] = n;
  });
  return answers;
}

/** The first scale question left unanswered (each must be answered before sending), or -1. */
export function firstMissing(questions: readonly SurveyQuestion[], answers: Answers): number {
  return questions.findIndex((q) => q.kind !== 'text' && answers[q.id] === undefined);
}

export function amendUntil(row: ResponseRow | undefined): number | null {
  return row?.submitted_at ? Date.parse(row.submitted_at) + AMEND_HOURS * 3_600_000 : null;
}

function newReferralCode(): string {
  // 10 characters of base32 without look-alikes: short enough to read out, 50 bits to guess.
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(10);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export interface SavedResponse {
  low: boolean;
  followUpOpened: boolean;
}

/** Saves (or amends) the repair's answers in one write; the survey-and-follow-up rules live here. */
export async function saveResponse(store: WorkspaceStore, input: { roId: string; answers: Answers; amending: boolean; current: readonly SurveyQuestion[]; now: Date }): Promise<SavedResponse> {
  const outcome: SavedResponse = { low: false, followUpOpened: false };
  await store.write({ actor: 'customer', action: input.amending ? 'csi-response-amended' : 'csi-response', summary: input.amending ? 'The customer changed their survey answers' : 'The customer answered the survey', roId: input.roId }, async (tx) => {
    const ro = await tx.get('repair_orders', input.roId);
    if (!ro || ro.stage !== 'delivered') throw new SurveyRefused('not-delivered', 'The survey opens once your car is back with you.', null, { key: 'survey.opensAfter' });
    const id = responseId(input.roId);
    const row = await tx.get('csi_responses', id);
    const at = input.now.toISOString();
    if (row?.submitted_at) {
      if (!input.amending) throw new SurveyRefused('answered', 'You already answered; your answers are below.', null, { key: 'survey.alreadyAnswered' });
      if (input.now.getTime() > amendUntil(row)!) throw new SurveyRefused('too-late', `Answers can be changed for ${AMEND_HOURS} hours after sending; yours are kept as you sent them.`, null, { key: 'survey.amendOver' });
    }
    const questions = questionsOf(row, input.current);
    const missing = firstMissing(questions, input.answers);
    if (missing >= 0) throw new SurveyRefused('missing', 'Please choose a number.', missing, { key: 'survey.chooseOne' });
    const settings = readCsiSettings((await tx.get('workspace_settings', SETTINGS_ID))?.csi_settings);
    const overall = typeof input.answers.overall === 'number' ? input.answers.overall : null;
    const recommend = typeof input.answers.recommend === 'number' ? input.answers.recommend : null;
    const comment = typeof input.answers.comment === 'string' ? input.answers.comment : null;
    const low = isLowScore(settings, overall, recommend);
    outcome.low = low;
    const values = {
      ro_id: input.roId,
      customer_id: row?.customer_id ?? ro.customer_id,
      questions: JSON.stringify(questions),
      answers: JSON.stringify(input.answers),
      overall,
      recommend,
      comment,
      low_score: low ? 1 : 0,
      ...(row?.submitted_at ? { amended_at: at } : { submitted_at: at, started_at: row?.started_at ?? at }),
    };
    if (row) await tx.update('csi_responses', id, values);
    else await tx.insert('csi_responses', { id, ...values });
    if (low && !(await tx.get('csi_follow_ups', followUpId(input.roId)))) {
      await tx.insert('csi_follow_ups', { id: followUpId(input.roId), ro_id: input.roId, response_id: id, opened_at: at });
      outcome.followUpOpened = true;
    }
    const customerId = row?.customer_id ?? ro.customer_id;
    const customer = customerId ? await tx.get('customers', customerId) : undefined;
    if (customer && !customer.referral_code) await tx.update('customers', customer.id, { referral_code: newReferralCode() });
  });
  return outcome;
}
