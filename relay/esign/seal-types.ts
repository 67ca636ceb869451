// The seam between signing in the portal (relay/esign/signing-*.ts) and sealing
// (relay/esign/seal.ts): what the portal hands over once the customer has signed, and what it gets
// back. Sealing appends a signature page and a certificate of completion to the exact document
// that was shown, then seals the whole file with a PAdES signature by the workspace's own
// certificate (created on first use, kept encrypted in the operator database; the key never
// leaves the relay).

import type { CustomerWords } from '../../src-shared/i18n/index.js';

export interface SigningEvent {
  /** Relay time, ISO. */
  at: string;
  /** In shop words: "Consent to sign electronically given", "Document opened", "Code sent to (512) ***-0147"… */
  what: string;
  ip?: string;
  userAgent?: string;
}

export interface SealInput {
  workspaceId: string;
  /** The shop's name, shown on the signature page and the certificate. */
  shopName: string;
  /** The exact bytes the customer was shown (their SHA-256 was fixed when the request was made). */
  document: Buffer;
  documentSha256: string;
  title: string;
  roNumber: number | null;
  signerName: string;
  /** A PNG of the drawn signature, or null when typed (the typed name is then drawn in a script face). */
  signaturePng: Buffer | null;
  signedAt: string;
  intentText: string;
  consent: { disclosureVersion: string; agreedAt: string };
  /** Where the one-time code went, masked ("text to (512) ***-0147"), or null when none was needed. */
  codeSentTo: string | null;
  events: readonly SigningEvent[];
  /** The shop's IANA time zone (workspace_settings.time_zone), for times in the shop's words; UTC when absent. */
  timeZone?: string;
  /**
   * The words the signature page and certificate are written in: the signer's (the language of
   * the document they signed, the shop's country's dates). American English when absent.
   */
  words?: CustomerWords;
  /** The locale of the words the customer signed ("es-US", from the request's document detail), named on both pages when known. */
  documentLocale?: string | null;
}

export interface SealedDocument {
  pdf: Buffer;
  sha256: string;
  /** Pages of the original + 1 signature page + the certificate pages. */
  pageCount: number;
}

export interface DocumentSealer {
  seal(input: SealInput): Promise<SealedDocument>;
}
