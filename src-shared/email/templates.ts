// Mail templates: a subject and a text in the shop's words, with the same merge fields as texts
// ({first_name}, {ro_number}, {claim_number}, …, src-shared/sms/templates.ts), each meant for the
// customer, the adjuster, or anyone. The three below are offered to every shop until it changes
// them (the first change writes the shop's own copy); a removed one stays removed.
import { MERGE_FIELDS, unknownFields } from '../sms/templates.js';

export const EMAIL_AUDIENCES = ['customer', 'adjuster', 'any'] as const;
export type EmailAudience = (typeof EMAIL_AUDIENCES)[number];

/** The most a mail's documents may weigh together (the files themselves, before encoding). */
export const MAX_EMAIL_ATTACHMENT_BYTES = 20 * 1024 * 1024;
/** The most documents one mail carries. */
export const MAX_EMAIL_ATTACHMENTS = 20;

export const DEFAULT_EMAIL_TEMPLATES = [
  {
    id: 'etpl:photos-adjuster',
    name: 'Photos for the adjuster',
    audience: 'adjuster',
    subject: 'Photos — claim {claim_number}, RO {ro_number} ({vehicle})',
    body:
      'Hi {adjuster_name},\n\n' +
      'Attached are the photos of the {vehicle} for claim {claim_number} (our RO {ro_number}), taken at teardown. ' +
      'Let us know if you need other angles or a reinspection.\n\n' +
      'Thank you,\n{shop_name}\n{shop_phone}',
  },
  {
    id: 'etpl:supplement-submitted',
    name: 'Supplement submitted',
    audience: 'adjuster',
    subject: 'Supplement for claim {claim_number} — RO {ro_number}',
    body:
      'Hi {adjuster_name},\n\n' +
      'Teardown on the {vehicle} (claim {claim_number}, RO {ro_number}) found damage that was not on the first estimate. ' +
      'The supplement and photos are attached. Please review it when you can so we can keep the repair on schedule.\n\n' +
      'Thank you,\n{shop_name}\n{shop_phone}',
  },
  {
    id: 'etpl:car-ready',
    name: 'Your car is ready',
    audience: 'customer',
    subject: 'Your {vehicle} is ready for pickup',
    body:
      'Hi {first_name},\n\n' +
      'Good news: your {vehicle} is ready for pickup at {shop_name}. ' +
      'Your repair page has the details and the final paperwork: {portal_link}\n\n' +
      'Call us at {shop_phone} if you have any questions or want to set a pickup time.\n\n' +
      'See you soon,\n{shop_name}',
  },
] as const satisfies ReadonlyArray<{ id: string; name: string; audience: EmailAudience; subject: string; body: string }>;

/**
 * Where the customer catalogue (src-shared/i18n) keeps a standard customer mail's wording, so a
 * customer who reads Spanish (or a UK shop's customer) gets the standard mail written in their
 * words when the shop has not written its own. Adjuster mails stay in the shop's language.
 */
const EMAIL_WORDING_KEYS: Readonly<Record<string, { subject: string; body: string }>> = {
  'etpl:car-ready': { subject: 'mail.carReadySubject', body: 'mail.carReadyBody' },
};

/** A standard mail's default wording from a catalogue (passed in: this module stays free of i18next), or null. */
export function defaultEmailWording(templateId: string, catalogue: object): { subject: string; body: string } | null {
  const keys = EMAIL_WORDING_KEYS[templateId];
  if (!keys) return null;
  const at = (path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalogue);
  const subject = at(keys.subject);
  const body = at(keys.body);
  return typeof subject === 'string' && typeof body === 'string' ? { subject, body } : null;
}

/**
 * Unknown merge fields in a template's subject or text, as a sentence naming them and the fields
 * Bayline does fill in; null when every field is known.
 */
export function unknownFieldsProblem(part: 'subject' | 'text', text: string): string | null {
  const unknown = unknownFields(text);
  if (unknown.length === 0) return null;
  const named = unknown.map((f) => `{${f}}`).join(', ');
  return `The ${part} names ${named}, which Bayline cannot fill in. Use only these fields: ${MERGE_FIELDS.map((f) => `{${f}}`).join(' ')}.`;
}
