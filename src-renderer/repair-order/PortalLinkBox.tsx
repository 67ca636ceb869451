// The customer's portal link for one repair: copy it, issue a new one (earlier links stop), revoke
// it, and how often the customer looked (each look is a call that did not happen).
import { useState } from 'react';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';

export function PortalLinkBox({ ro, onChanged }: { ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void }) {
  const { api, announce } = useDesk();
  const [problem, setProblem] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const portal = ro.portal;

  const [confirming, setConfirming] = useState<'rotate' | 'revoke' | null>(null);

  async function act(what: 'issue' | 'rotate' | 'revoke') {
    setConfirming(null);
    setBusy(true);
    try {
      if (what === 'revoke') await api.call('portal-link-revoke', { roId: ro.id });
      else await api.call('portal-link-issue', { roId: ro.id, rotate: what === 'rotate' });
      onChanged(await api.call('ro-get', { id: ro.id }));
      announce(what === 'revoke' ? 'Portal link revoked.' : 'New portal link issued.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function copy() {
    if (!portal.url) return;
    try {
      await navigator.clipboard.writeText(portal.url);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setProblem('The link could not be copied; select it and press Ctrl+C.');
    }
  }

  return (
    <section className="panel portal-box" aria-labelledby={`portal-${ro.id}`}>
      <h3 id={`portal-${ro.id}`}>Customer portal link</h3>
      {portal.url ? (
        <div className="copy-row">
          <input readOnly aria-label="Portal link" value={portal.url} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      ) : null}
      {portal.problem ? <p className="muted">{portal.problem}</p> : null}
      <p className="muted small">
        {portal.views === 0 ? 'Not opened yet' : portal.views === 1 ? 'Opened once' : `Opened ${portal.views} times`}
        {portal.lastViewedAt ? `, last ${formatMoment(portal.lastViewedAt)}` : ''}
        {portal.issuedAt ? ` · issued ${formatMoment(portal.issuedAt)}` : ''}
      </p>
      <div className="actions">
        {portal.active ? (
          <>
            {!portal.url ? (
              <button type="button" disabled={busy} onClick={() => void act('issue')}>
                Issue a link on this desk
              </button>
            ) : null}
            <button type="button" disabled={busy} onClick={() => setConfirming('rotate')}>
              Re-issue link
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => setConfirming('revoke')}>
              Revoke
            </button>
          </>
        ) : (
          <button type="button" disabled={busy} onClick={() => void act('issue')}>
            Issue portal link
          </button>
        )}
      </div>
      <FieldProblem text={problem} />
      {confirming ? (
        <Dialog title={confirming === 'rotate' ? 'Issue a new portal link?' : 'Revoke the portal link?'} onClose={() => setConfirming(null)}>
          <p>
            {confirming === 'rotate'
              ? `The link ${ro.customer.firstName} has now stops working, and printed QR codes with it. Give the customer the new link.`
              : `${ro.customer.firstName} can no longer follow the repair until you issue a new link.`}
          </p>
          <div className="actions">
            <button type="button" className={confirming === 'revoke' ? 'danger' : 'primary'} onClick={() => void act(confirming)}>
              {confirming === 'rotate' ? 'Issue new link' : 'Revoke link'}
            </button>
            <button type="button" onClick={() => setConfirming(null)}>
              Keep the current link
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
