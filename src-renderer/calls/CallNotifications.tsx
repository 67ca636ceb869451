// Missed calls to the Bayline number: a card in the corner of every screen until someone deals
// with it (on any desk), with "Text them back": on the caller's repair that opens the repair with
// its text composer ready; for a number no repair matched, a short composer right here.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { CallEntry } from '../../src-shared/calls/words.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, formatPhone, messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

const SHOWN = 3;

/** Opens a repair and puts the cursor in its text composer (once the repair has drawn). */
export function focusTextComposer(): void {
  let tries = 0;
  const look = () => {
    const box = document.querySelector<HTMLTextAreaElement>('section[aria-labelledby="text-heading"] textarea');
    if (box) {
      box.scrollIntoView({ block: 'center' });
      box.focus();
    } else if (++tries < 40) setTimeout(look, 50);
  };
  setTimeout(look, 0);
}

export function CallNotifications() {
  const { api, go, announce } = useDesk();
  const missed = useLive(api, () => api.call('call-missed-list', {}), ['calls'], []);
  const [textingBack, setTextingBack] = useState<CallEntry | null>(null);
  const told = useRef(new Set<string>());

  useEffect(() => {
    for (const c of missed.data ?? []) {
      if (told.current.has(c.id)) continue;
      told.current.add(c.id);
      announce(`Missed call from ${c.customerName ?? formatPhone(c.peerNumber)}.`);
    }
  }, [missed.data, announce]);

  const list = (missed.data ?? []).slice(0, SHOWN);
  if (list.length === 0 && !textingBack) return null;
  const handle = (c: CallEntry) => void api.call('call-handle', { id: c.id }).then(() => missed.reload(), () => undefined);

  return (
    <>
      <section className="text-notifications call-notifications" aria-label="Missed calls">
        {list.map((c) => (
          <article key={c.id} className="text-notification call-notification" aria-label={`Missed call from ${c.customerName ?? formatPhone(c.peerNumber)}`}>
            <p>
              <strong>Missed call</strong> from <span className="nowrap">{c.customerName ?? (formatPhone(c.peerNumber) || 'an unknown number')}</span>
              {c.customerName && c.peerNumber ? <span className="nowrap"> · {formatPhone(c.peerNumber)}</span> : null}
              {c.roNumber ? ` · RO ${c.roNumber}` : ' · no repair matched'}
            </p>
            <p className="muted small">{formatMoment(c.startedAt)}</p>
            <div className="actions">
              <button
                type="button"
                className="primary"
                disabled={!c.peerNumber}
                onClick={() => {
                  if (c.roId) {
                    handle(c);
                    go({ name: 'repair-order', id: c.roId });
                    focusTextComposer();
                  } else setTextingBack(c);
                }}
              >
                Text them back
              </button>
              <button type="button" onClick={() => handle(c)}>
                Called back / dismiss
              </button>
            </div>
          </article>
        ))}
      </section>
      {textingBack ? <TextBackDialog c={textingBack} onClose={() => setTextingBack(null)} onSent={() => void missed.reload()} /> : null}
    </>
  );
}

function TextBackDialog({ c, onClose, onSent }: { c: CallEntry; onClose(): void; onSent(): void }) {
  const { api, shop, announce } = useDesk();
  const [body, setBody] = useState(`Hi, this is ${shop?.name ?? 'the shop'}: sorry we missed your call. How can we help?`);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  async function send(e: FormEvent) {
    e.preventDefault();
    setSending(true);
    try {
      await api.call('call-text-back', { id: c.id, body });
      announce(`Text to ${formatPhone(c.peerNumber)} sent.`);
      onSent();
      onClose();
    } catch (err) {
      setProblem(`Not sent: ${messageOf(err)}`);
      setSending(false);
    }
  }
  return (
    <Dialog title={`Text ${formatPhone(c.peerNumber)}`} onClose={onClose}>
      <form onSubmit={(e) => void send(e)}>
        <label className="field">
          <span>Text</span>
          <textarea data-autofocus rows={4} maxLength={1600} value={body} onChange={(e) => setBody(e.target.value)} />
        </label>
        <FieldProblem text={problem} />
        <div className="actions">
          <button type="submit" className="primary" disabled={sending || body.trim() === ''}>
            {sending ? 'Sending…' : 'Send'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
