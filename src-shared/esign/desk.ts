// E-signature at the desk (issue 16): the shop's terms (`workspace_settings.esign_terms`), what a
// document shows (`signature_requests.document_detail`), the arguments of the desk's "make a
// document to sign" and what the Signatures section of a repair shows. Shared by the desk core,
// the desk screen and the relay (which reads the detail to word its texts and certificate).
import { z } from 'zod';
import type { SignatureKind, SignatureState } from './types.js';

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

// ---- what a document shows (document_detail)

export type SupplementChange = 'added' | 'removed' | 'changed' | 'same';

export interface SupplementDiffLine {
  description: string;
  change: SupplementChange;
  oldCents: number | null;
  newCents: number | null;
}

export type DocumentDetail =
  | {
      kind: 'authorization';
      vehicle: string;
      vin: string | null;
      insurer: string | null;
      claimNumber: string | null;
      estimateTotalCents: number | null;
      deductibleCents: number | null;
      storageTerms: string;
      paymentTerms: string;
      authorizationText: string;
    }
  | { kind: 'betterment'; vehicle: string; lines: DocumentLine[]; totalCents: number }
  | {
      kind: 'supplement';
      vehicle: string;
      lines: DocumentLine[];
      /** The version it is compared with: the last one the customer signed (null: none yet, compared with the estimate). */
      comparedWithVersion: number | null;
      diff: SupplementDiffLine[];
      oldTotalCents: number;
      newTotalCents: number;
    }
  | { kind: 'pickup'; vehicle: string; odometer: number; itemsReturned: string[]; acceptanceText: string }
  | { kind: 'custom'; fileName: string; sizeBytes: number };

// ---- what the Signatures section shows

export interface SignatureRequestView {
  id: string;
  kind: SignatureKind;
  title: string;
  version: number;
  state: SignatureState;
  /** The state in the shop's words ("Signed by Dana Reyes", "Declined: price too high"). */
  stateText: string;
  stateDetail: string | null;
  needsCode: boolean;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  sentAt: string | null;
  openedAt: string | null;
  signedAt: string | null;
  signerName: string | null;
  declinedAt: string | null;
  declineReason: string | null;
  voidedAt: string | null;
  voidedBy: string | null;
  lockedAt: string | null;
  documentBlobHash: string | null;
  documentSha256: string | null;
  documentPages: number;
  detail: DocumentDetail | null;
  /** The sealed PDF (attachment kind 'signed-document'), once the relay filed it. */
  signed: { blobHash: string; fileName: string } | null;
}

export interface ConsentView {
  state: 'none' | 'agreed' | 'withdrawn';
  agreedAt: string | null;
  withdrawnAt: string | null;
  disclosureVersion: string | null;
}

export interface SignaturesView {
  requests: SignatureRequestView[];
  consent: ConsentView;
}

export interface RenderedSignatureDocument {
  title: string;
  fileName: string;
  pdfBase64: string;
  pages: number;
  detail: DocumentDetail;
}

export function sumCents(lines: readonly DocumentLine[]): number {
  return lines.reduce((s, l) => s + l.amountCents, 0);
}

/**
 * What changed between the last signed supplement's lines and the new ones, line by line (lines
 * are matched by description, case and spacing aside), in the new lines' order then the removed.
 */
export function supplementDiff(before: readonly DocumentLine[], after: readonly DocumentLine[]): SupplementDiffLine[] {
  const key = (d: string) => d.trim().replace(/\s+/g, ' ').toLowerCase();
  const old = new Map(before.map((l) => [key(l.description), l]));
  const seen = new Set<string>();
  const out: SupplementDiffLine[] = [];
  for (const l of after) {
    const k = key(l.description);
    const was = old.get(k);
    seen.add(k);
    if (!was) out.push({ description: l.description, change: 'added', oldCents: null, newCents: l.amountCents });
    else out.push({ description: l.description, change: was.amountCents === l.amountCents ? 'same' : 'changed', oldCents: was.amountCents, newCents: l.amountCents });
  }
  for (const l of before) if (!seen.has(key(l.description))) out.push({ description: l.description, change: 'removed', oldCents: l.amountCents, newCents: null });
  return out;
}

export const SIGNATURE_KIND_LABELS: Record<SignatureKind, string> = {
  authorization: 'Repair authorization',
  betterment: 'Betterment acknowledgement',
  supplement: 'Supplement approval',
  pickup: 'Pickup sign-off',
  custom: 'Shop document',
};
