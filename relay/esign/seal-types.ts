// The seam between signing in the portal (relay/esign/signing-*.ts) and sealing
// (relay/esign/seal.ts): what the portal hands over once the customer has signed, and what it gets
// back. Sealing appends a signature page and a certificate of completion to the exact document
// that was shown, then seals the whole file with a PAdES signature by the workspace's own
// certificate (created on first use, kept encrypted in the operator database; the key never
// leaves the relay).

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
