// The stage moves worth a message to the customer (the milestones of the text templates): the
// insurer approved the extra repairs, the car is finished and ready, the car went home. After such
// a move the desk offers "Draft a message to the customer"; it only ever fills the composer.
import { type Stage, STAGE_LABELS } from '../stages.js';

export const MILESTONE_STAGES: readonly Stage[] = ['supplement-approved', 'completed', 'delivered'];

export function isMilestoneStage(stage: Stage): boolean {
  return MILESTONE_STAGES.includes(stage);
}

/** The `milestone` a draft is asked with: the stage as the board names it ("Completed"). */
export function milestoneName(stage: Stage): string {
  return STAGE_LABELS[stage];
}
