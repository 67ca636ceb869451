// Settings › Email: the shop's connected mailboxes ("Connected as …", or what to do when Google
// stopped accepting Bayline), "Connect Gmail" (opens Google's sign-in page in the browser; the
// relay finishes and the mailbox arrives here through sync) and "Disconnect". Only the owner or a
// manager may connect or disconnect (the desk and the relay both check; others are told so).
import { useState } from 'react';
import type { Mailbox } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { useLive } from '../shared/use-live.js';
import { ImapConnectForm } from './ImapConnectForm.js';

const STATE_WORDS: Record<Mailbox['state'], string> = {
  connected: 'Connected',
  'reconnect-needed': 'Reconnect the mailbox',
  disconnected: 'Disconnected',
};

export function MailSettings() {
  const { api } = useDesk();
  const mailboxes = useLive(api, () => api.call('mail-mailbox-list', {}), ['mailboxes'], []);
  const [problem, setProblem] = useState<string | null>(null);
  const [waiting, setWaiting] = useState(false);

  async function connect() {
    setProblem(null);
    try {
      const { url } = await api.call('mail-connect-start', {});
      // Google's page opens in the browser; the mailbox shows up here once the person has allowed access.
      window.open(url, '_blank', 'noopener');
      setWaiting(true);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function disconnect(box: Mailbox) {
    if (!window.confirm(`Disconnect ${box.address}? Bayline stops reading and sending its mail; mail already on repairs stays.`)) return;
    setProblem(null);
    try {
      mailboxes.set(await api.call('mail-disconnect', { id: box.id }));
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  const list = mailboxes.data ?? [];
  const shown = list.filter((b) => b.state !== 'disconnected');
  return (
    <section id="set-email" className="panel" aria-labelledby="email-heading">
      <h3 id="email-heading">Email</h3>
      <p className="muted small">
        The shop’s own mailbox: mail about a repair (claim number, RO number, plate, or the adjuster’s or customer’s address) lands on the
        repair’s conversation; anything else waits unassigned.
      </p>
      {shown.length === 0 ? <p>No mailbox connected.</p> : null}
      <ul className="plain-list" aria-label="Mailboxes">
        {shown.map((box) => (
          <li key={box.id} className="row">
            <span>
              {box.state === 'connected' ? (
                <>
                  Connected as <strong>{box.address}</strong>
                </>
              ) : (
                <>
                  <strong>{box.address}</strong>: {STATE_WORDS[box.state]}
                </>
              )}
            </span>
            <button type="button" onClick={() => void disconnect(box)}>
              Disconnect
            </button>
            {box.lastError ? (
              <p className="notice notice-warn" role="note">
                <span aria-hidden="true">⚠ </span>
                {box.lastError}
              </p>
            ) : null}
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="primary" onClick={() => void connect()}>
          {shown.some((b) => b.state === 'reconnect-needed' && b.provider === 'gmail') ? 'Reconnect Gmail' : 'Connect Gmail'}
        </button>
      </div>
      <ImapConnectForm reconnect={shown.find((b) => b.state === 'reconnect-needed' && b.provider === 'imap')?.address ?? null} />
      <p className="muted small">Only the owner or a manager, switched in at this desk, can connect or disconnect a mailbox.</p>
      {waiting && !list.some((b) => b.state === 'connected') ? (
        <p className="muted small" role="status">
          Finish signing in on Google’s page in your browser; the mailbox shows up here when it is connected.
        </p>
      ) : null}
      {problem ? (
        <p className="notice notice-problem" role="alert">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
