// What the Electron window adds for the installed desk (preload's window.baylineDesktop): a pairing
// link the desk was opened with, and the state of updates with the person's "restart now". The
// browser host has no such bridge; the screens then show neither.
import type { PairingLink } from './pairing-link.js';

export interface UpdateState {
  /** off: not an installed Windows desk, or not paired (no relay to ask). */
  phase: 'off' | 'idle' | 'checking' | 'downloading' | 'ready' | 'current' | 'failed';
  /** The version being fetched or ready to install. */
  version: string | null;
  percent: number | null;
  problem: string | null;
  /** The last download failed its SHA-512 and was thrown away (shown to the person; others are not). */
  refused: boolean;
  checkedAt: string | null;
}

export const UPDATES_OFF: UpdateState = { phase: 'off', version: null, percent: null, problem: null, refused: false, checkedAt: null };

export interface DesktopBridge {
  /** The pairing link the desk was started or woken with, once (null when there is none). */
  takePairingLink(): Promise<PairingLink | null>;
  /** Called when another pairing link arrives while the desk runs; take it with takePairingLink. */
  onPairingLink(listener: () => void): () => void;
  updates: {
    state(): Promise<UpdateState>;
    onState(listener: (state: UpdateState) => void): () => void;
    /** Restarts Bayline into the downloaded version; false when none is ready. */
    restartNow(): Promise<boolean>;
  };
}
