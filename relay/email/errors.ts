// The mail hub's errors, apart from the modules that load the mail SDKs (IMAP, Graph, Google), so
// the routes can tell them apart in a relay that never loads those.

export class MailError extends Error {
  constructor(
    readonly code: 'not-configured' | 'not-allowed' | 'link-used' | 'provider-refused' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

/** An IMAP/SMTP mailbox's settings refused (a bad field, or a login that failed), in the shop's words. */
export class ImapSettingsError extends Error {}
