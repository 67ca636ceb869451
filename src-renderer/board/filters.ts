// The board's filters: which open repairs a person wants to see right now.
import type { RepairOrderSummary } from '../../src-shared/domain.js';

export interface BoardFilter {
  insurer: string;
  assignedStaffId: string;
  overdue: boolean;
  hasException: boolean;
  unread: boolean;
}

export const NO_FILTER: BoardFilter = { insurer: '', assignedStaffId: '', overdue: false, hasException: false, unread: false };

/** The value of the insurer filter that picks repairs with no insurer (customer pay). */
export const NO_INSURER = '(none)';
export const UNASSIGNED = '(nobody)';

export function isFiltered(f: BoardFilter): boolean {
  return f.insurer !== '' || f.assignedStaffId !== '' || f.overdue || f.hasException || f.unread;
}

export function applyFilter(ros: RepairOrderSummary[], f: BoardFilter): RepairOrderSummary[] {
  if (!isFiltered(f)) return ros;
  return ros.filter(
    (ro) =>
      (f.insurer === '' || (f.insurer === NO_INSURER ? !ro.insurer : ro.insurer === f.insurer)) &&
      (f.assignedStaffId === '' || (f.assignedStaffId === UNASSIGNED ? !ro.assignedStaffId : ro.assignedStaffId === f.assignedStaffId)) &&
      (!f.overdue || ro.overdue) &&
      (!f.hasException || ro.openExceptions.length > 0) &&
      (!f.unread || ro.unreadMessages > 0),
  );
}

export function insurersOf(ros: RepairOrderSummary[]): string[] {
  return [...new Set(ros.map((r) => r.insurer).filter((i): i is string => !!i))].sort((a, b) => a.localeCompare(b));
}
