// What every screen needs from the app shell: the API, the shop's settings, the people of the
// shop, and a way to move between screens. Kept in one context so screens stay plain functions.
import { createContext, useContext } from 'react';
import type { BaylineApi } from '../../src-shared/api/contract.js';
import type { StaffMember, WorkspaceSettings } from '../../src-shared/domain.js';
import type { PairingLink } from '../../src-shared/pairing-link.js';
import type { Stage } from '../../src-shared/stages.js';

export type Screen =
  | { name: 'board' }
  | { name: 'check-in'; appointmentId?: string }
  | { name: 'calendar' }
  /** `draftMilestone`: opened from the board's milestone offer, to draft that moment's text at once. */
  | { name: 'repair-order'; id: string; draftMilestone?: Stage }
  /** `pairing`: opened by a bayline:// pairing link, with the relay and code to fill in. */
  | { name: 'settings'; pairing?: PairingLink }
  | { name: 'texts' }
  | { name: 'calls' }
  | { name: 'follow-ups' }
  | { name: 'reports' };

export interface DeskContextValue {
  api: BaylineApi;
  shop: WorkspaceSettings | null;
  staff: StaffMember[];
  go(screen: Screen): void;
  /** A short line read out by screen readers and shown at the foot of the screen ("RO 1042 moved to Teardown"). */
  announce(text: string): void;
}

export const DeskContext = createContext<DeskContextValue | null>(null);

export function useDesk(): DeskContextValue {
  const value = useContext(DeskContext);
  if (!value) throw new Error('useDesk outside the app shell');
  return value;
}
