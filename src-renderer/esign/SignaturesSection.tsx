// The repair's signatures: each document sent to the customer with its state in the shop's words
// (waiting, sent, opened, signed, declined with the reason, expired, voided, locked), the
// document itself and, once signed, the sealed copy the relay filed; the customer's consent to
// sign electronically; and the buttons that make each kind of document. Follows the relay's
// updates live (a signature arriving on another desk or from the phone shows without a refresh).
import { useState } from 'react';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { SignatureRequestView } from '../../src-shared/esign/desk.js';
import { FINAL_SIGNATURE_STATES, type SignatureKind } from '../../src-shared/esign/types.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, messageOf } from '../shared/format.js';
import { FieldProblem, Loading } from '../shared/Notice.js';
import { useFileUrl } from '../shared/use-file-url.js';
import { useLive } from '../shared/use-live.js';
import { EsignDialog } from './EsignDialog.js';

const STATE_WORDS: Record<SignatureRequestView['state'], string> = {
  pending: 'Waiting to go out',
  sent: 'Sent',
  opened: 'Opened',
  signed: 'Signed',
  declined: 'Declined',
  expired: 'Expired',
  voided: 'Voided',
  locked: 'Locked',
};

const MAKE: Array<{ kind: SignatureKind; label: string }> = [
  { kind: 'authorization', label: 'Repair authorization' },
  { kind: 'betterment', label: 'Betterment…' },
  { kind: 'supplement', label: 'Supplement…' },
  { kind: 'pickup', label: 'Pickup sign-off…' },
  { kind: 'custom', label: 'Shop’s own PDF…' },
];

export function SignaturesSection({ ro }: { ro: RepairOrderDetail }) {
  const { api } = useDesk();
  const live = useLive(api, () => api.call('esign-list', { roId: ro.id }), ['signature_requests', 'signature_consents', 'attachments'], [ro.id]);
  const [making, setMaking] = useState<SignatureKind | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const view = live.data;

  async function withdraw(r: SignatureRequestView) {
    if (!window.confirm(`Withdraw “${r.title}”? The customer will no longer be able to sign it.`)) return;
    try {
      live.set(await api.call('esign-void', { id: r.id }));
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <section className="panel esign" aria-labelledby="esign-heading">
      <h3 id="esign-heading">Signatures</h3>
      {!view ? (
        live.problem ? <FieldProblem text={live.problem} /> : <Loading what="the signatures" />
      ) : (
        <>
          <p className={`esign-consent esign-consent-${view.consent.state}`}>
            {view.consent.state === 'agreed'
              ? `E-sign consent: agreed on ${formatMoment(view.consent.agreedAt)}.`
              : view.consent.state === 'withdrawn'
                ? `E-sign consent: withdrew on ${formatMoment(view.consent.withdrawnAt)} — use paper.`
                : 'E-sign consent: not given yet (the customer is asked before the first signature).'}
          </p>
          {view.requests.length === 0 ? (
            <p className="muted">Nothing sent to sign yet.</p>
          ) : (
            <ul className="esign-list" aria-label="Documents sent to sign">
              {view.requests.map((r) => (
                <li key={r.id} className={`esign-item esign-${r.state}`}>
                  <div className="esign-row">
                    <strong>{r.title}</strong>
                    <span className={`esign-state esign-state-${r.state}`}>{STATE_WORDS[r.state]}</span>
                  </div>
                  <div className="small">
                    {r.stateText}
                    {r.stateAt ? ` · ${formatMoment(r.stateAt)}` : ''}
                  </div>
                  {r.stateDetail && r.state !== 'voided' ? <div className="small muted">{r.stateDetail}</div> : null}
                  <div className="small muted">
                    Made {formatMoment(r.createdAt)}
                    {r.createdBy ? ` by ${r.createdBy}` : ''} · {r.documentPages} {r.documentPages === 1 ? 'page' : 'pages'}
                    {r.needsCode ? ' · code by text' : ''}
                  </div>
                  <div className="actions small">
                    <FileLink hash={r.documentBlobHash} name={`${r.title}.pdf`} label="Open document" />
                    {r.signed ? <FileLink hash={r.signed.blobHash} name={r.signed.fileName} label="Open signed copy" /> : null}
                    {!FINAL_SIGNATURE_STATES.has(r.state) ? (
                      <button type="button" className="quiet" onClick={() => void withdraw(r)}>
                        Withdraw<span className="visually-hidden"> {r.title}</span>
                      </button>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
          <FieldProblem text={problem} />
          <div className="actions esign-make" aria-label="Send to sign">
            {MAKE.map((m) => (
              <button key={m.kind} type="button" onClick={() => setMaking(m.kind)}>
                {m.label}
              </button>
            ))}
          </div>
        </>
      )}
      {making ? (
        <EsignDialog
          ro={ro}
          kind={making}
          consentWithdrawn={view?.consent.state === 'withdrawn'}
          onDone={(next) => {
            live.set(next);
            setMaking(null);
          }}
          onClose={() => setMaking(null)}
        />
      ) : null}
    </section>
  );
}

function FileLink({ hash, name, label }: { hash: string | null; name: string; label: string }) {
  const { api } = useDesk();
  const { url, missing } = useFileUrl(api, hash, 'application/pdf');
  if (!url) return <span className="muted">{missing ? `${label}: arriving from the relay…` : `${label}…`}</span>;
  return (
    <a href={url} target="_blank" rel="noreferrer" download={name}>
      {label}
    </a>
  );
}

