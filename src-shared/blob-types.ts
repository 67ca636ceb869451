// What may be stored as a blob (photos and PDFs), and how big, shared by the desk and the relay.

/** Photos (phones shoot HEIC) and PDFs (estimates, authorisations). */
export const BLOB_MIME_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'application/pdf'];

/** Default size limit for one photo or document, on both ends. */
export const MAX_BLOB_BYTES = 25 * 1024 * 1024;
