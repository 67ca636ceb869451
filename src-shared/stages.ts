// The eight-stage customer timeline every repair moves along, and the customer wording for each.

export const STAGES = [
  'pictures',
  'estimate',
  'teardown',
  'supplement-sent',
  'supplement-approved',
  'repair-started',
  'completed',
  'delivered',
] as const;

export type Stage = (typeof STAGES)[number];

export const STAGE_LABELS: Record<Stage, string> = {
  pictures: 'Pictures',
  estimate: 'Estimate',
  teardown: 'Teardown',
  'supplement-sent': 'Supplement sent',
  'supplement-approved': 'Supplement approved',
  'repair-started': 'Repair started',
  completed: 'Completed',
  delivered: 'Delivered',
};

/** Default one-line explanations shown to customers; a shop can reword each in settings. */
export const DEFAULT_STAGE_WORDING: Record<Stage, string> = {
  pictures: 'We are photographing the damage so nothing is missed.',
  estimate: 'We are writing the repair estimate for your insurer.',
  teardown: 'We are taking the damaged parts off to find any hidden damage.',
  'supplement-sent': 'We found more damage and asked your insurer to approve it.',
  'supplement-approved': 'Your insurer approved the extra repairs.',
  'repair-started': 'Your car is being repaired.',
  completed: 'The repair is finished and passed our checks.',
  delivered: 'Your car is back with you. Thank you for trusting us.',
};

export function stageIndex(stage: Stage): number {
  return STAGES.indexOf(stage);
}

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}
