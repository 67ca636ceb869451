// The zod schemas of e-signature at the desk (kept apart from desk.ts, which the desk screen
// imports: zod's first parse probes for eval, which the desk window's CSP reports as an error).
import { z } from 'zod';

// ---- the shop's terms (Settings › E-signature)

export const esignTermsSchema = z
  .object({
    /** Printed on the repair authorization: what storage costs once the car is ready and not collected. */
    storageTerms: z.string().trim().max(2000, 'must be at most 2000 characters'),
    /** Printed on the repair authorization: when and how the customer pays. */
    paymentTerms: z.string().trim().max(2000, 'must be at most 2000 characters'),
    /** The authorization's own sentence above the signature ("I authorize …"). */
    authorizationText: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters'),
    /** What the customer accepts at pickup. */
    pickupAcceptanceText: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters'),
    /** How long a request stays open before it expires. */
    expiryDays: z.number().int('must be whole days').min(1, 'must be at least 1 day').max(30, 'must be at most 30 days'),
  })
  .strict();

export type EsignTerms = z.infer<typeof esignTermsSchema>;

export const DEFAULT_ESIGN_TERMS: EsignTerms = {
  storageTerms: 'Storage of $40 a day is charged from the third business day after we tell you the vehicle is ready and it is not collected.',
  paymentTerms: 'Your deductible and any amount your insurer does not pay are due when you collect the vehicle. We accept card, cash and check.',
  authorizationText:
    'I authorize the shop to repair my vehicle as described in the estimate, to order the parts it needs, and to road-test it. I have read the storage and payment terms above.',
  pickupAcceptanceText:
    'I have inspected my vehicle and received it and the items listed above. The repairs listed on my repair order have been completed to my satisfaction.',
  expiryDays: 7,
};

/** The terms a row holds, each missing or damaged field read as its default. */
export function parseEsignTerms(value: string | null | undefined): EsignTerms {
  if (!value) return { ...DEFAULT_ESIGN_TERMS };
  try {
    const parsed = esignTermsSchema.partial().safeParse(JSON.parse(value));
    return { ...DEFAULT_ESIGN_TERMS, ...(parsed.success ? parsed.data : {}) };
  } catch {
    return { ...DEFAULT_ESIGN_TERMS };
  }
}

// ---- what the desk is asked to make

const line = z
  .object({
    description: z.string().trim().min(1, 'needs a description').max(200, 'must be at most 200 characters'),
    amountCents: z.number().int('must be whole cents').min(0, 'must not be negative').max(100_000_000, 'must be at most $1,000,000'),
  })
  .strict();

export type DocumentLine = z.infer<typeof line>;

const roId = z.string().min(1, 'is required').max(64);
const blobHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in hex');

export const esignDocumentArgs = z.discriminatedUnion('kind', [
  z.object({ roId, kind: z.literal('authorization') }).strict(),
  z
    .object({ roId, kind: z.literal('betterment'), lines: z.array(line).min(1, 'needs at least one part the customer pays for').max(60, 'may hold at most 60 lines') })
    .strict(),
  z
    .object({ roId, kind: z.literal('supplement'), lines: z.array(line).min(1, 'needs at least one line').max(120, 'may hold at most 120 lines') })
    .strict(),
  z
    .object({
      roId,
      kind: z.literal('pickup'),
      odometer: z.number().int('must be whole miles').min(0, 'must not be negative').max(2_000_000, 'must be at most 2,000,000 miles'),
      itemsReturned: z.array(z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')).max(30, 'may hold at most 30 items').default([]),
    })
    .strict(),
  z
    .object({
      roId,
      kind: z.literal('custom'),
      /** The shop's own PDF, uploaded first (`files.upload`). */
      blobHash,
      fileName: z.string().trim().min(1, 'is required').max(255),
      title: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
    })
    .strict(),
]);

export type EsignDocumentArgs = z.input<typeof esignDocumentArgs>;
