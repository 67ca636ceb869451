// Phone calls on the record (issue 24): the words a person picks from when logging a call, and
// the shapes the desk shows. Shared by the desk, the relay and the reports.

export const CALL_DIRECTIONS = ['in', 'out'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

export const CALL_PARTIES = ['customer', 'adjuster', 'other'] as const;
export type CallParty = (typeof CALL_PARTIES)[number];

export const CALL_REASONS = ['status', 'supplement', 'scheduling', 'payment', 'other'] as const;
export type CallReason = (typeof CALL_REASONS)[number];

/** 'ringing' while the relay forwards it; 'logged' when a person wrote it down at the desk. */
export type CallState = 'ringing' | 'answered' | 'missed' | 'logged';

export const DIRECTION_LABELS: Record<CallDirection, string> = { in: 'They called us', out: 'We called them' };
export const PARTY_LABELS: Record<CallParty, string> = { customer: 'Customer', adjuster: 'Adjuster', other: 'Someone else' };
export const REASON_LABELS: Record<CallReason, string> = {
  status: 'Status check (“where’s my car?”)',
  supplement: 'Supplement',
  scheduling: 'Scheduling',
  payment: 'Payment',
  other: 'Something else',
};
/** Short forms for tables and the conversation. */
export const REASON_SHORT: Record<CallReason, string> = { status: 'Status check', supplement: 'Supplement', scheduling: 'Scheduling', payment: 'Payment', other: 'Other' };

/** One call as the desk shows it. */
export interface CallEntry {
  id: string;
  roId: string | null;
  roNumber: number | null;
  customerId: string | null;
  customerName: string | null;
  direction: CallDirection;
  party: CallParty | null;
  reason: CallReason | null;
  outcome: string;
  note: string;
  /** E.164, or null when the person logging it did not give one. */
  peerNumber: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  state: CallState;
  /** 'desk' (a person logged it) or 'phone' (the relay logged a call to the Bayline number). */
  source: 'desk' | 'phone';
  /** Who logged it (staff name), or null. */
  loggedBy: string | null;
  /** A missed call someone has dealt with (texted back, called back, dismissed). */
  handled: boolean;
}

/** What a typed number matched: the customers with it and their repairs still open. */
export interface CallerMatch {
  number: string | null;
  customers: Array<{ id: string; name: string }>;
  openRos: Array<{ id: string; roNumber: number; customerName: string; vehicle: string }>;
  /** The one open repair the call belongs on, when there is exactly one. */
  roId: string | null;
}

/** The shop's call set-up (Settings › Calls). */
export interface CallSettings {
  enabled: boolean;
  forwardNumber: string | null;
  portalLinksSince: string | null;
  /** The Bayline number customers call (the texting number), null until one is set up. */
  baylineNumber: string | null;
}

export function describeDuration(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}
