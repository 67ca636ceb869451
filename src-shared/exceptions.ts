// Standard exception tags and the delay reason each maps to, so every insurer reads the same words.

export const DELAY_REASONS = {
  'parts-delay': 'Waiting for parts',
  'customer-choice': 'Customer request',
  'awaiting-authorization': 'Waiting for insurer authorization',
  sublet: 'Work at a specialist (sublet)',
  'insurer-delay': 'Insurer delay',
  'additional-damage': 'Additional damage found',
  'shop-capacity': 'Shop scheduling',
  other: 'Other',
} as const;

export type DelayReason = keyof typeof DELAY_REASONS;

export const STANDARD_EXCEPTION_TAGS: ReadonlyArray<{ tag: string; reason: DelayReason }> = [
  { tag: '#partsdelay', reason: 'parts-delay' },
  { tag: '#customerchoice', reason: 'customer-choice' },
  { tag: '#awaitingauth', reason: 'awaiting-authorization' },
  { tag: '#sublet', reason: 'sublet' },
  { tag: '#insurerdelay', reason: 'insurer-delay' },
  { tag: '#supplement', reason: 'additional-damage' },
  { tag: '#capacity', reason: 'shop-capacity' },
];

export function isDelayReason(value: string): value is DelayReason {
  return Object.hasOwn(DELAY_REASONS, value);
}
