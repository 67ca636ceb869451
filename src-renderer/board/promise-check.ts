// Whether a stage move makes the promised date unrealistic. The shop's rule of thumb: from each
// stage, this many calendar days of work are left before the car can be completed. A move that
// leaves less time than that before the promised date (or one made after that date has passed)
// asks for a new date and a reason, because the customer will be told.
import type { Stage } from '../../src-shared/stages.js';
import { addDays } from '../shared/format.js';

export const DAYS_LEFT_FROM: Record<Stage, number> = {
  pictures: 7,
  estimate: 6,
  teardown: 5,
  'supplement-sent': 5,
  'supplement-approved': 4,
  'repair-started': 3,
  completed: 0,
  delivered: 0,
};

/** The earliest date that still holds after moving to `stage` today; null when the promise is not at risk. */
export function promiseAtRisk(promisedDate: string | null, stage: Stage, todayIso: string): string | null {
  if (!promisedDate) return null;
  if (stage === 'completed' || stage === 'delivered') return null;
  const earliest = addDays(todayIso, DAYS_LEFT_FROM[stage]);
  return promisedDate < earliest ? earliest : null;
}
