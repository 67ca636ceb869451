// E-signature's shared words (issue 16). A signature request is a `signature_requests` row: the
// desk makes the document (its PDF is an `attachments` row kind 'signature-document' carrying
// signature_request_id, so the blob travels like any RO document) and inserts the request with the
// SHA-256 of those exact bytes and state 'pending'. The relay does every side effect once: it
// sends the link (state 'sent'), records 'opened', 'signed', 'declined', 'locked' (too many wrong
// codes) and 'expired', seals the signed PDF and files it as an `attachments` row kind
// 'signed-document' (same signature_request_id, sealed_blob_hash on the request). The desk writes
// 'voided' (a newer version supersedes it, or staff withdrew it).

export const SIGNATURE_KINDS = ['authorization', 'betterment', 'supplement', 'pickup', 'custom'] as const;
export type SignatureKind = (typeof SIGNATURE_KINDS)[number];

/** Documents that change what the customer pays: a one-time code is required to sign them. */
export const MONEY_KINDS: ReadonlySet<SignatureKind> = new Set(['authorization', 'betterment', 'supplement']);

export const SIGNATURE_STATES = ['pending', 'sent', 'opened', 'signed', 'declined', 'expired', 'voided', 'locked'] as const;
export type SignatureState = (typeof SIGNATURE_STATES)[number];

/** States after which nothing more happens to a request. */
export const FINAL_SIGNATURE_STATES: ReadonlySet<SignatureState> = new Set(['signed', 'declined', 'expired', 'voided', 'locked']);

export const SIGNATURE_DOCUMENT_ATTACHMENT_KIND = 'signature-document';
export const SIGNED_DOCUMENT_ATTACHMENT_KIND = 'signed-document';
