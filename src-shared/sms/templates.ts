// Text templates: the shop's wording with merge fields in braces, and the four milestones every
// shop starts with. Rendering never leaves a brace behind: an unknown or empty field is
// reported so the preview can say what is missing.

export const MERGE_FIELDS = [
  'first_name',
  'vehicle',
  'ro_number',
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

export function renderTemplate(body: string, values: Partial<MergeValues>): RenderedTemplate {
  const missing: string[] = [];
  const text = body
    .replace(/\{([a-z_]+)\}/g, (_all, name: string) => {
      const value = (values as Record<string, string | undefined>)[name];
      if (value === undefined || value === '') {
        if (!missing.includes(name)) missing.push(name);
        return '';
      }
      return value;
    })
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ ([.,!?])/g, '$1')
    .trim();
  return { text, missing };
}
