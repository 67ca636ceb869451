// The staff's notices on the board's header (issue 20): what a rule switched to "tell the staff"
// wants a person to see. A button with the unread count opens the list; each notice links to its
// repair and can be marked read (or all at once).
import { useEffect, useState } from 'react';
import type { StaffNotice } from '../../src-shared/automations/desk-api.js';
import { useDesk } from '../shared/desk-context.js';
import { useLive } from '../shared/use-live.js';
import { formatMoment } from '../shared/format.js';

export function StaffNotices() {
  const { api, go } = useDesk();
  const [open, setOpen] = useState(false);
  const live = useLive(api, () => api.call('notice-list', {}), ['staff_notifications'], []);
  const [override, setOverride] = useState<{ unread: number; notices: StaffNotice[] } | null>(null);
  // A fresh list from the live query replaces the one the last "Mark read" answered.
  useEffect(() => setOverride(null), [live.data]);
  const data = override ?? live.data;
  if (!data) return null;
  const read = async (id?: string) => setOverride(await api.call('notice-read', id ? { id } : {}));
  return (
    <div className="staff-notices">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Notices{data.unread > 0 ? ` (${data.unread} unread)` : ''}
      </button>
      {open ? (
        <div role="region" aria-label="Notices for the staff" className="panel">
          {data.notices.length === 0 ? <p>No notices.</p> : null}
          <ul>
            {data.notices.map((n) => (
              <li key={n.id} aria-label={n.title}>
                <strong>{n.readAt ? n.title : `● ${n.title}`}</strong> · {formatMoment(n.createdAt)}
                {n.roId ? (
                  <>
                    {' · '}
                    <button type="button" className="quiet" onClick={() => go({ name: 'repair-order', id: n.roId! })}>
                      RO {n.roNumber ?? '?'}
                    </button>
                  </>
                ) : null}
                <p>{n.body}</p>
                {n.readAt ? null : (
                  <button type="button" onClick={() => void read(n.id)}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
          </ul>
          {data.unread > 1 ? (
            <button type="button" onClick={() => void read()}>
              Mark all read
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
