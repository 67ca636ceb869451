// The desk API methods for phone calls (issue 24), spread into the contract (src-shared/api/contract.ts)
// so that file changes by one line. Same shape as the contract's own methods: a zod schema for the
// arguments and the type of the result.
import { z } from 'zod';
import type { CallCounts } from './counts.js';
import { CALL_DIRECTIONS, CALL_PARTIES, CALL_REASONS, type CallEntry, type CallerMatch, type CallSettings } from './words.js';

function method<A extends z.ZodType>(args: A) {
  return { returns: <R>() => ({ args, result: undefined as unknown as R }) };
}

const id = z.string().min(1, 'is required').max(64);
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\u0000]*$/, 'must not contain NUL characters');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const phone = text(40).regex(/^[+()\d\s.-]*$/, 'must be a phone number such as (512) 555-0147');

export const CALL_API = {
  /** Logs a call in one move: on a repair (roId), or from a number (matched to a customer and their open repair). */
  'call-log': method(
    z
      .object({
        roId: id.nullish(),
        number: phone.nullish(),
        direction: z.enum(CALL_DIRECTIONS),
        party: z.enum(CALL_PARTIES),
        reason: z.enum(CALL_REASONS),
        outcome: text(200).default(''),
        note: text(1000).default(''),
        durationMinutes: z.number().int('must be whole minutes').min(0).max(600).nullish(),
      })
      .strict(),
  ).returns<CallEntry>(),
  /** Sorts a call: its reason, who it was, the outcome and note, or the repair it belongs on. */
  'call-update': method(
    z
      .object({
        id,
        roId: id.nullish(),
        party: z.enum(CALL_PARTIES).optional(),
        reason: z.enum(CALL_REASONS).optional(),
        outcome: text(200).optional(),
        note: text(1000).optional(),
      })
      .strict(),
  ).returns<CallEntry>(),
  /** Calls on one repair (newest first), or those no repair matched (`unassigned`), or all. */
  'call-list': method(
    z.object({ roId: id.optional(), unassigned: z.boolean().default(false), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
  ).returns<CallEntry[]>(),
  /** Who a typed number is: the customers with it and their open repairs. */
  'call-match': method(z.object({ number: phone }).strict()).returns<CallerMatch>(),
  /** Missed calls to the Bayline number nobody has dealt with yet (the desk's notifications). */
  'call-missed-list': method(z.object({}).strict()).returns<CallEntry[]>(),
  /** Marks a missed call as dealt with, on every desk. */
  'call-handle': method(z.object({ id }).strict()).returns<CallEntry>(),
  /** Texts back the caller of a missed call that no repair matched (the relay sends it once). */
  'call-text-back': method(z.object({ id, body: text(1600).min(1, 'is required') }).strict()).returns<CallEntry>(),
  'call-settings-get': method(z.object({}).strict()).returns<CallSettings>(),
  'call-settings-update': method(
    z
      .object({
        enabled: z.boolean().optional(),
        forwardNumber: phone.nullish(),
        portalLinksSince: isoDate.nullish(),
      })
      .strict(),
  ).returns<CallSettings>(),
  /** Calls per day by reason and the before/after portal links figure (default: the last 60 days). */
  'call-counts': method(z.object({ from: isoDate.optional(), to: isoDate.optional() }).strict()).returns<CallCounts>(),
} as const;
