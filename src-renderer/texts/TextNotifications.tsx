// A customer's text (or portal message) arriving from the relay: a card in the corner of every
// screen saying who wrote what, with a button to the repair (or to the inbox when no repair
// matched), read out to screen readers, and a system notification where the desk may show one
// (Electron). The desk pushes `message-received` once per message; the unread badge is separate.
import { useEffect, useRef, useState } from 'react';
import type { MessageReceivedEvent } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';

type Arrived = MessageReceivedEvent['messages'][number] & { roNumber: number | null };

const SHOWN = 4;

export function TextNotifications({ openRoId }: { openRoId: string | null }) {
  const { api, go, announce } = useDesk();
  const [notes, setNotes] = useState<Arrived[]>([]);
  const open = useRef(openRoId);
  open.current = openRoId;

  useEffect(
    () =>
      api.onEvent((event) => {
        if (event.type !== 'message-received') return;
        for (const m of event.messages) {
          const roNumber = m.roId ? api.call('ro-get', { id: m.roId }).then((ro) => ro.roNumber, () => null) : Promise.resolve(null);
          void roNumber.then((n) => {
            // On the repair that is open, the message shows in its conversation: no card over it.
            if (!m.roId || m.roId !== open.current) setNotes((prev) => [{ ...m, roNumber: n }, ...prev.filter((p) => p.id !== m.id)].slice(0, SHOWN));
            const where = n ? `RO ${n}` : 'the texts inbox';
            const how = m.channel === 'sms' ? 'text' : 'message';
            announce(`New ${how} from ${m.author || 'a customer'} on ${where}.`);
            systemNotification(`${m.author || 'Customer'} · ${where}`, m.body);
          });
        }
      }),
    [api, announce],
  );

  // Opening the repair is reading it: its cards go.
  useEffect(() => {
    if (openRoId) setNotes((prev) => prev.filter((n) => n.roId !== openRoId));
  }, [openRoId]);

  if (notes.length === 0) return null;
  const dismiss = (id: string) => setNotes((prev) => prev.filter((n) => n.id !== id));
  return (
    <section className="text-notifications" aria-label="New messages">
      {notes.map((n) => (
        <article key={n.id} className="text-notification" aria-label={`${n.channel === 'sms' ? 'Text' : 'Portal message'} from ${n.author || 'a customer'}`}>
          <p>
            <strong>{n.author || 'A customer'}</strong> {n.channel === 'sms' ? 'texted' : 'wrote on the portal'}
            {n.roNumber ? ` · RO ${n.roNumber}` : ' · no repair matched'}
          </p>
          <p className="message-body">{n.body.length > 160 ? `${n.body.slice(0, 157)}…` : n.body}</p>
          <div className="actions">
            {n.roId ? (
              <button type="button" className="primary" onClick={() => go({ name: 'repair-order', id: n.roId! })}>
                Open RO {n.roNumber ?? ''}
              </button>
            ) : (
              <button
                type="button"
                className="primary"
                onClick={() => {
                  dismiss(n.id);
                  go({ name: 'texts' });
                }}
              >
                Open the texts inbox
              </button>
            )}
            <button type="button" onClick={() => dismiss(n.id)}>
              Dismiss
            </button>
          </div>
        </article>
      ))}
    </section>
  );
}

function systemNotification(title: string, body: string): void {
  try {
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') new Notification(title, { body });
  } catch {
    // A desk that cannot show system notifications still has the card.
  }
}
