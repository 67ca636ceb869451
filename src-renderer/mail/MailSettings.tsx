// Settings › Email: the shop's connected mailboxes, each with its provider ("Connected as …", or
// what to do when the provider stopped accepting Bayline), one "Connect …" button per provider the
// relay offers — "Connect Gmail", "Connect Outlook (Microsoft 365)" — (each opens the provider's
// sign-in page in the browser; the relay finishes and the mailbox arrives here through sync) and
// "Disconnect". Only the owner or a
// manager may connect or disconnect (the desk and the relay both check; others are told so).
import { useEffect, useState } from 'react';
import type { Mailbox } from '../../src-shared/domain.js';
import { MAIL_PROVIDER_NAMES, type MailProviderId } from '../../src-shared/email/providers.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { useLive } from '../shared/use-live.js';
import { ImapConnectForm } from './ImapConnectForm.js';

const STATE_WORDS: Record<Mailbox['state'], string> = {
  connected: 'Connected',
  'reconnect-needed': 'Reconnect the mailbox',
  disconnected: 'Disconnected',
};

/** The providers connected by signing in on their own page (the others have their own form). */
const SIGN_IN_PROVIDERS: MailProviderId[] = ['gmail', 'outlook'];
const SIGN_IN_PAGE: Partial<Record<MailProviderId, string>> = { gmail: 'Google’s page', outlook: 'Microsoft’s page' };

export function MailSettings() {
  const { api } = useDesk();
  const mailboxes = useLive(api, () => api.call('mail-mailbox-list', {}), ['mailboxes'], []);
  const [problem, setProblem] = useState<string | null>(null);
  const [waiting, setWaiting] = useState<MailProviderId | null>(null);
  const [offered, setOffered] = useState<MailProviderId[] | null>(null);

  useEffect(() => {
    let live = true;
    // What the relay can connect; when it cannot be asked, both are shown and the relay says what is missing.
    api.call('mail-providers', {}).then(
      (list) => live && setOffered(SIGN_IN_PROVIDERS.filter((id) => list.some((p) => p.id === id))),
      () => live && setOffered(SIGN_IN_PROVIDERS),
    );
    return () => {
      live = false;
    };
  }, [api]);

  async function connect(provider: MailProviderId) {
    setProblem(null);
    try {
      const { url } = await api.call('mail-connect-start', { provider });
      // The provider's page opens in the browser; the mailbox shows up here once the person has allowed access.
      window.open(url, '_blank', 'noopener');
      setWaiting(provider);
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
            <span className="muted small">{MAIL_PROVIDER_NAMES[box.provider]}</span>
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
        {(offered ?? []).map((id) => (
          <button key={id} type="button" className="primary" onClick={() => void connect(id)}>
            {shown.some((b) => b.provider === id && b.state === 'reconnect-needed') ? 'Reconnect' : 'Connect'} {MAIL_PROVIDER_NAMES[id]}
          </button>
        ))}
        {offered && offered.length === 0 ? <p className="muted small">This relay is not set up to connect Gmail or Outlook mailboxes yet (see the README).</p> : null}
      </div>
      <ImapConnectForm reconnect={shown.find((b) => b.state === 'reconnect-needed' && b.provider === 'imap')?.address ?? null} />
      <p className="muted small">Only the owner or a manager, switched in at this desk, can connect or disconnect a mailbox.</p>
      {waiting && !list.some((b) => b.provider === waiting && b.state === 'connected') ? (
        <p className="muted small" role="status">
          Finish signing in on {SIGN_IN_PAGE[waiting]} in your browser; the mailbox shows up here when it is connected.
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
