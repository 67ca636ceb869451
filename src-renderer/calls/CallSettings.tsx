// Settings › Calls: whether calls to the Bayline number are taken, the shop line they are
// forwarded to (checked as a phone number on save), and the day the shop started sending portal
// links (the Calls report's before/after).
import { type FormEvent, useEffect, useState } from 'react';
import { useDesk } from '../shared/desk-context.js';
import { formatPhone, messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

export function CallSettings() {
  const { api } = useDesk();
  const settings = useLive(api, () => api.call('call-settings-get', {}), ['workspace_settings'], []);
  const [enabled, setEnabled] = useState(false);
  const [forward, setForward] = useState('');
  const [since, setSince] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const data = settings.data;
  useEffect(() => {
    if (!data) return;
    setEnabled(data.enabled);
    setForward(data.forwardNumber ? formatPhone(data.forwardNumber) : '');
    setSince(data.portalLinksSince ?? '');
  }, [data]);

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      settings.set(await api.call('call-settings-update', { enabled, forwardNumber: forward.trim() === '' ? null : forward, portalLinksSince: since === '' ? null : since }));
      setSaved('Call settings saved.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  return (
    <form id="set-calls" className="panel" aria-labelledby="calls-heading" onSubmit={(e) => void save(e)}>
      <h3 id="calls-heading">Calls</h3>
      <p className="muted small">
        {data?.baylineNumber
          ? `Customers can call ${formatPhone(data.baylineNumber)}, the number they text. Bayline forwards each call to your shop line and logs it on the customer’s repair.`
          : 'Once the shop has a Bayline number, customers can call it too: Bayline forwards each call to your shop line and logs it.'}
      </p>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Take calls on the Bayline number
      </label>
      <label className="field">
        <span>Forward calls to (your shop line)</span>
        <input type="tel" value={forward} onChange={(e) => setForward(e.target.value)} placeholder="(512) 555-0100" />
      </label>
      <label className="field">
        <span>We started sending portal links on</span>
        <input type="date" value={since} onChange={(e) => setSince(e.target.value)} />
      </label>
      <FieldProblem text={problem} />
      {saved ? <p role="status" className="muted">{saved}</p> : null}
      <div className="actions">
        <button type="submit" className="primary">
          Save call settings
        </button>
      </div>
    </form>
  );
}
