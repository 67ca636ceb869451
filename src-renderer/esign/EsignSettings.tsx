// Settings › E-signature: the storage and payment terms and the authorization sentence printed on
// the repair authorization, the acceptance at pickup, and how many days a request stays open.
import { type FormEvent, useEffect, useState } from 'react';
import type { EsignTerms } from '../../src-shared/esign/desk.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

export function EsignSettings() {
  const { api } = useDesk();
  const live = useLive(api, () => api.call('esign-terms-get', {}), ['workspace_settings'], []);
  const [terms, setTerms] = useState<EsignTerms | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (live.data && !terms) setTerms(live.data);
  }, [live.data, terms]);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!terms) return;
    try {
      setTerms(await api.call('esign-terms-save', terms));
      setSaved('E-signature terms saved.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  const area = (key: 'storageTerms' | 'paymentTerms' | 'authorizationText' | 'pickupAcceptanceText', label: string) => (
    <label className="field">
      <span>{label}</span>
      <textarea rows={3} value={terms?.[key] ?? ''} maxLength={2000} onChange={(e) => terms && setTerms({ ...terms, [key]: e.target.value })} />
    </label>
  );

  return (
    <section id="set-esign" className="panel" aria-labelledby="esign-settings-heading">
      <h3 id="esign-settings-heading">E-signature</h3>
      {!terms ? (
        <p className="muted">Loading…</p>
      ) : (
        <form onSubmit={(e) => void save(e)}>
          {area('storageTerms', 'Storage terms (repair authorization)')}
          {area('paymentTerms', 'Payment terms (repair authorization)')}
          {area('authorizationText', 'What the customer authorizes')}
          {area('pickupAcceptanceText', 'What the customer accepts at pickup')}
          <label className="field">
            <span>Days a request stays open</span>
            <input type="number" min={1} max={30} value={terms.expiryDays} onChange={(e) => setTerms({ ...terms, expiryDays: Number(e.target.value) })} />
          </label>
          <FieldProblem text={problem} />
          {saved ? <p role="status">{saved}</p> : null}
          <div className="actions">
            <button type="submit" className="primary">
              Save e-signature terms
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
