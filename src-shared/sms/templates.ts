// Text templates: the shop's wording with merge fields in braces, and the four milestones every
// shop starts with. Rendering never leaves a brace behind: an unknown or empty field is
// reported so the preview can say what is missing. Mail templates (src-shared/email/templates.ts)
// use the same fields and the same rendering.

export const MERGE_FIELDS = [
  'first_name',
  'vehicle',
  'ro_number',
  'claim_number',
  'adjuster_name',
  'stage',
  'promised_date',
  'portal_link',
  'shop_name',
  'shop_phone',
] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];
export type MergeValues = Record<MergeField, string>;

export const DEFAULT_TEMPLATES = [
  {
    id: 'tpl:received',
    milestone: 'received',
    name: 'Car received',
    body: 'Hi {first_name}, {shop_name} has your {vehicle} (RO {ro_number}). Follow the repair here: {portal_link}',
  },
  {
    id: 'tpl:supplement-approved',
    milestone: 'supplement-approved',
    name: 'Supplement approved',
    body: 'Hi {first_name}, the insurer approved the extra repairs on your {vehicle}. We expect it ready {promised_date}. Details: {portal_link}',
  },
  {
    id: 'tpl:ready-for-pickup',
    milestone: 'ready-for-pickup',
    name: 'Ready for pickup',
    body: 'Hi {first_name}, your {vehicle} is ready for pickup at {shop_name}. Questions? Call {shop_phone}. {portal_link}',
  },
  {
    id: 'tpl:paid',
    milestone: 'paid',
    name: 'Paid, thank you',
    body: 'Thank you {first_name}! Your payment for RO {ro_number} is received. Drive safe. - {shop_name}',
  },
] as const;

export interface RenderedTemplate {
  text: string;
  /** Fields the template names that have no value for this repair (left out of the text). */
  missing: string[];
}

/**
 * Fills the fields in. A text is tidied as one line (double spaces, a space before a full stop
 * where a field was empty); a mail keeps its lines and spacing (`keepLines`), only a space left
 * before punctuation by an empty field goes.
 */
export function renderTemplate(body: string, values: Partial<MergeValues>, options: { keepLines?: boolean } = {}): RenderedTemplate {
  const missing: string[] = [];
  const filled = body.replace(/\{([a-z_]+)\}/g, (_all, name: string) => {
    const value = (values as Record<string, string | undefined>)[name];
    if (value === undefined || value === '') {
      if (!missing.includes(name)) missing.push(name);
      return '\u0000';
    }
    return value;
  });
  if (options.keepLines) return { text: filled.replace(/ ?\u0000(?=[.,!?])/g, '').replace(/\u0000/g, '').trim(), missing };
  const text = filled
    .replace(/\u0000/g, '')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ ([.,!?])/g, '$1')
    .trim();
  return { text, missing };
}

/** The `{names}` in a text that are not merge fields (a typo like {clam_number}), each once, in order. */
export function unknownFields(text: string): string[] {
  const known = new Set<string>(MERGE_FIELDS);
  const out: string[] = [];
  for (const m of text.matchAll(/\{([^{}\s]{1,40})\}/g)) {
    if (!known.has(m[1]!) && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}
