// E-signature at the desk (issue 16): the shop's terms (`workspace_settings.esign_terms`), what a
// document shows (`signature_requests.document_detail`), the arguments of the desk's "make a
// document to sign" and what the Signatures section of a repair shows. Shared by the desk core,
// the desk screen and the relay (which reads the detail to word its texts and certificate).
import type { SignatureKind, SignatureState } from './types.js';

export type { DocumentLine, EsignDocumentArgs, EsignTerms } from './desk-args.js';
import type { DocumentLine } from './desk-args.js';

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

/**
 * The detail as a request records it: a document the desk drew also keeps the language its words
 * are in ('en', 'es') and the locale of its dates and money ('es-US', 'en-GB'), so the signed
 * record names the words that were signed (older requests have neither: American English).
 */
export type RecordedDocumentDetail = DocumentDetail & { language?: string; locale?: string };

// ---- what the Signatures section shows

export interface SignatureRequestView {
  id: string;
  kind: SignatureKind;
  title: string;
  version: number;
  state: SignatureState;
  /** The state in the shop's words ("Signed by Dana Reyes", "Declined: price too high"). */
  stateText: string;
  /** When it reached that state. */
  stateAt: string | null;
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
