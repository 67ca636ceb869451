// Settings › Work providers (issue 19): the insurers and fleets this shop lets follow its repairs.
// A provider is picked from the relay's directory; the shop says which insurer names on its ROs
// belong to it and what it may see besides progress (photos and documents marked "share with
// insurer", such messages, amounts); "Stop sharing" cuts its access at the relay's next request.
import { type FormEvent, useState } from 'react';
import type { DirectoryProvider, ProviderGrant } from '../../src-shared/providers/desk-api.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMomentDay, messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

interface Draft {
  id?: string;
  providerId: string;
  providerName: string;
  insurerNames: string;
  sharePhotos: boolean;
  shareDocuments: boolean;
  shareMessages: boolean;
  shareAmounts: boolean;
}

const EMPTY: Draft = { providerId: '', providerName: '', insurerNames: '', sharePhotos: true, shareDocuments: false, shareMessages: false, shareAmounts: false };

export function ProviderSettings() {
  const { api } = useDesk();
  const grants = useLive(api, () => api.call('provider-grant-list', {}), ['provider_grants'], []);
  const [directory, setDirectory] = useState<DirectoryProvider[] | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  async function start(from: ProviderGrant | null) {
    setProblem(null);
    setSaved(null);
    try {
      if (!directory) setDirectory(await api.call('provider-directory', {}));
      setDraft(
        from
          ? { id: from.id, providerId: from.providerId, providerName: from.providerName, insurerNames: from.insurerNames.join('\n'), sharePhotos: from.sharePhotos, shareDocuments: from.shareDocuments, shareMessages: from.shareMessages, shareAmounts: from.shareAmounts }
          : EMPTY,
      );
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    try {
      const next = await api.call('provider-grant-save', {
        ...(draft.id ? { id: draft.id } : {}),
        providerId: draft.providerId,
        providerName: draft.providerName,
        insurerNames: draft.insurerNames.split(/\n|,/).map((n) => n.trim()).filter(Boolean),
        sharePhotos: draft.sharePhotos,
        shareDocuments: draft.shareDocuments,
        shareMessages: draft.shareMessages,
        shareAmounts: draft.shareAmounts,
      });
      grants.set(next);
      setSaved(`${draft.providerName} now follows those repairs.`);
      setDraft(null);
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function revoke(g: ProviderGrant) {
    if (!window.confirm(`Stop sharing repairs with ${g.providerName}? They lose access at once.`)) return;
    try {
      grants.set(await api.call('provider-grant-revoke', { id: g.id }));
      setSaved(`${g.providerName} no longer sees your repairs.`);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  const check = (key: 'sharePhotos' | 'shareDocuments' | 'shareMessages' | 'shareAmounts', label: string) => (
    <div>
      <label className="check">
        <input type="checkbox" checked={draft?.[key] ?? false} onChange={(e) => draft && setDraft({ ...draft, [key]: e.target.checked })} /> {label}
      </label>
    </div>
  );

  return (
    <section id="set-providers" className="panel" aria-labelledby="providers-heading">
      <h3 id="providers-heading">Work providers</h3>
      <p className="muted">
        Insurers and fleets you let follow their repairs on the relay: stage and dates, exceptions, courtesy car, and what you choose below. Photos, documents and messages go only when you also mark each one
        “Share with insurer” on the repair.
      </p>
      {grants.data === null ? (
        <p className="muted">Loading…</p>
      ) : grants.data.length === 0 ? (
        <p className="muted">You share with no work provider.</p>
      ) : (
        <ul className="plain-list" aria-label="Work providers">
          {grants.data.map((g) => (
            <li key={g.id} data-provider={g.providerName}>
              <strong>{g.providerName}</strong> — {g.insurerNames.join(', ')} · {g.repairCount} repair{g.repairCount === 1 ? '' : 's'}
              <br />
              <span className="muted">
                {g.revokedAt
                  ? `Stopped ${formatMomentDay(g.revokedAt)}`
                  : `Sees progress${g.sharePhotos ? ', photos' : ''}${g.shareDocuments ? ', documents' : ''}${g.shareMessages ? ', messages' : ''}${g.shareAmounts ? ', amounts' : ''}`}
              </span>
              {g.revokedAt ? null : (
                <span className="actions">
                  <button type="button" onClick={() => void start(g)}>
                    Change
                  </button>
                  <button type="button" className="danger" onClick={() => void revoke(g)}>
                    Stop sharing
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {draft ? (
        <form onSubmit={(e) => void save(e)} aria-label="Share with a work provider">
          <label className="field">
            <span>Work provider</span>
            <select
              value={draft.providerId}
              disabled={!!draft.id}
              onChange={(e) => {
                const p = directory?.find((d) => d.id === e.target.value);
                setDraft({ ...draft, providerId: e.target.value, providerName: p?.name ?? '', insurerNames: draft.insurerNames || (p?.name ?? '') });
              }}
            >
              <option value="">Choose…</option>
              {(directory ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Insurer names on your repair orders (one a line)</span>
            <textarea rows={3} value={draft.insurerNames} onChange={(e) => setDraft({ ...draft, insurerNames: e.target.value })} />
          </label>
          <fieldset>
            <legend>Besides progress, share</legend>
            {check('sharePhotos', 'Photos marked “Share with insurer”')}
            {check('shareDocuments', 'Documents marked “Share with insurer”')}
            {check('shareMessages', 'Messages marked “Share with insurer”')}
            {check('shareAmounts', 'Estimate total and deductible')}
          </fieldset>
          <FieldProblem text={problem} />
          <div className="actions">
            <button type="submit" className="primary" disabled={!draft.providerId}>
              {draft.id ? 'Save' : 'Share'}
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <FieldProblem text={problem} />
          <div className="actions">
            <button type="button" onClick={() => void start(null)}>
              Share with a work provider…
            </button>
          </div>
        </>
      )}
      {saved ? <p role="status">{saved}</p> : null}
    </section>
  );
}
