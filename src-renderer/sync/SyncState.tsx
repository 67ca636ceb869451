// Always on screen: whether this desk meets the others through the relay, offline since when, and
// what is still waiting to go out. The desk works the same offline; this only says where things stand.
// A PC clock far from the relay's is said in words here too: changes wait until the date is fixed.
import { useEffect, useState } from 'react';
import type { SyncStatus } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, plural } from '../shared/format.js';
import { onReconnect } from '../shared/use-live.js';

export function SyncState() {
  const { api } = useDesk();
  const [status, setStatus] = useState<SyncStatus | null>(null);

  useEffect(() => {
    let cancelled = false;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (pending) return;
      // Local changes move the "waiting" count; one read per burst is enough.
      pending = setTimeout(() => {
        pending = null;
        api.call('sync-status', {}).then((s) => !cancelled && setStatus(s), () => undefined);
      }, 150);
    };
    api.call('sync-status', {}).then((s) => !cancelled && setStatus(s), () => undefined);
    const stop = api.onEvent((event) => {
      if (event.type === 'sync') setStatus(event.status);
      else refresh();
    });
    const stopReconnect = onReconnect(refresh);
    return () => {
      cancelled = true;
      if (pending) clearTimeout(pending);
      stop();
      stopReconnect();
    };
  }, [api]);

  if (!status) return null;
  // Counted as a person counts what they did (a check-in is one), not in stored fields.
  const waiting = status.actionsWaiting + status.filesToSend;
  let text: string;
  let kind: 'online' | 'offline' | 'alone' | 'clock';
  if (!status.paired) {
    kind = 'alone';
    text = 'Working alone (not connected to a relay)';
  } else if (status.online) {
    kind = status.clock ? 'clock' : 'online';
    text = waiting > 0 ? `Online · ${status.clock ? `${plural(waiting, 'change')} waiting` : `sending ${plural(waiting, 'change')}`}` : 'Online · everything sent';
    if (status.filesToFetch > 0) text += ` · ${plural(status.filesToFetch, 'file')} to fetch`;
  } else {
    kind = 'offline';
    text = `Offline${status.offlineSince ? ` since ${formatMoment(status.offlineSince)}` : ''} · ${
      waiting > 0 ? `${plural(waiting, 'change')} waiting` : 'nothing waiting'
    }`;
  }
  // The relay lost files (its disk or bucket) that this desk never had: another desk that has them
  // sends them when it connects; if none does, the photos stay missing on the customer's page.
  const lost =
    status.paired && status.filesLostElsewhere > 0
      ? `${plural(status.filesLostElsewhere, 'photo or document', 'photos or documents')} the relay lost ${status.filesLostElsewhere === 1 ? 'is' : 'are'} not on this desk either`
      : null;
  return (
    <p className={`sync-state sync-${kind}`} role="status" aria-label="Sync state" title={status.problem ?? undefined}>
      <span className="sync-dot" aria-hidden="true">
        {kind === 'online' || kind === 'clock' ? '●' : kind === 'offline' ? '○' : '◌'}
      </span>{' '}
      {text}
      {status.problem ? <span className="sync-problem"> · {status.problem}</span> : null}
      {status.clock ? <span className="sync-problem"> · {status.clock}</span> : null}
      {lost ? (
        <span className="sync-problem" title="A desk that still has them sends them again when it connects; until then customers do not see them.">
          {' '}
          · {lost}
        </span>
      ) : null}
    </p>
  );
}
