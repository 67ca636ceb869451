// The mail providers a shop's mailbox can be on, as the desk and the relay both name them.
export const MAIL_PROVIDERS = ['gmail', 'outlook', 'imap'] as const;
export type MailProviderId = (typeof MAIL_PROVIDERS)[number];

/** The provider as the shop says it. */
export const MAIL_PROVIDER_NAMES: Record<MailProviderId, string> = {
  gmail: 'Gmail',
  outlook: 'Outlook (Microsoft 365)',
  imap: 'Other mail (IMAP/SMTP)',
};
