// How far a desk's clock is from the relay's, and the sentence a person reads about it. The
// relay's time comes with `welcome` and with a `clock-ahead` refusal; the desk allows for the
// round trip (the relay read its clock somewhere between the desk's send and its receipt, so
// half the round trip is the best guess and the error is at most that half).
import { MAX_CLOCK_AHEAD_MS } from './hlc.js';

/** This PC's clock minus the relay's, in milliseconds (positive: this PC is ahead). */
export function measureOffset(input: { localAtReceipt: number; relayTime: number; roundTripMs: number }): number {
  return Math.round(input.localAtReceipt - (input.relayTime + Math.max(0, input.roundTripMs) / 2));
}

/** "2 days", "3 hours", "12 minutes": a clock offset as a person says it, rounded. */
export function describeDuration(ms: number): string {
  const abs = Math.abs(ms);
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (abs >= 23.5 * 3_600_000) return unit(Math.round(abs / 86_400_000), 'day');
  if (abs >= 90 * 60_000) return unit(Math.round(abs / 3_600_000), 'hour');
  return unit(Math.max(1, Math.round(abs / 60_000)), 'minute');
}

/** What a person must know about this PC's clock, or null while it is within the bound. */
export function clockSentence(offsetMs: number, boundMs = MAX_CLOCK_AHEAD_MS): string | null {
  if (offsetMs > boundMs) {
    return `This PC's clock is ${describeDuration(offsetMs)} ahead; fix the date and time in Windows. Changes made here wait on this PC until then.`;
  }
  if (offsetMs < -boundMs) {
    return `This PC's clock is ${describeDuration(offsetMs)} behind; fix the date and time in Windows, or changes made here can lose to older ones from other PCs.`;
  }
  return null;
}
