// The installed desk's "a new version is ready" line (window.baylineDesktop, Electron only).
// Bayline installs it when it is next closed; restarting now is the person's choice, never ours.
import { useEffect, useState } from 'react';
import type { UpdateState } from '../../src-shared/desktop-bridge.js';

export function UpdateBanner() {
  const desktop = window.baylineDesktop;
  const [state, setState] = useState<UpdateState | null>(null);
  const [later, setLater] = useState<string | null>(null);
  const [restarting, setRestarting] = useState(false);
  useEffect(() => {
    if (!desktop) return;
    void desktop.updates.state().then(setState, () => undefined);
    return desktop.updates.onState(setState);
  }, [desktop]);
  if (!desktop || !state) return null;
  // A refused download is worth knowing (someone's copy of the installer is damaged or altered);
  // a relay that could not be reached is not: the desk simply tries again tomorrow.
  if (state.phase === 'failed' && state.refused && later !== 'refused') {
    return (
      <div role="alert" className="notice notice-warn update-banner">
        <span>{state.problem} Tell whoever runs your relay.</span>
        <button type="button" onClick={() => setLater('refused')}>
          Dismiss
        </button>
      </div>
    );
  }
  if (state.phase !== 'ready' || later === state.version) return null;
  return (
    <div role="status" className="notice notice-ok update-banner">
      <span>
        Bayline {state.version} is downloaded. It is installed the next time Bayline is closed and opened again; nothing changes until then.
      </span>
      <button type="button" className="primary" disabled={restarting} onClick={() => {
        setRestarting(true);
        void desktop.updates.restartNow().then((ok) => setRestarting(ok), () => setRestarting(false));
      }}>
        {restarting ? 'Restarting…' : 'Restart and install now'}
      </button>
      <button type="button" onClick={() => setLater(state.version)}>
        Later
      </button>
    </div>
  );
}
