// Settings › Reports: what one status call costs the front desk and how many came a day before
// portal links (the "time reclaimed" estimate), and the on-time and cycle-time targets.
import { type FormEvent, useEffect, useState } from 'react';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

export function ReportSettings() {
  const { api } = useDesk();
  const settings = useLive(api, () => api.call('report-settings-get', {}), ['workspace_settings'], []);
  const [form, setForm] = useState({ minutesPerCall: '', callsPerDayBefore: '', onTimeTargetPercent: '', cycleTargetDays: '' });
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const data = settings.data;
  useEffect(() => {
    if (!data) return;
    setForm({ minutesPerCall: String(data.minutesPerCall), callsPerDayBefore: String(data.callsPerDayBefore), onTimeTargetPercent: String(data.onTimeTargetPercent), cycleTargetDays: String(data.cycleTargetDays) });
  }, [data]);

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      settings.set(
        await api.call('report-settings-update', {
          minutesPerCall: Number(form.minutesPerCall),
          callsPerDayBefore: Number(form.callsPerDayBefore),
          onTimeTargetPercent: Number(form.onTimeTargetPercent),
          cycleTargetDays: Number(form.cycleTargetDays),
        }),
      );
      setSaved('Report settings saved.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  const field = (key: keyof typeof form, label: string, step: string) => (
    <label className="field">
      <span>{label}</span>
      <input type="number" step={step} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
    </label>
  );
  return (
    <form id="set-reports" className="panel" aria-labelledby="reports-settings-heading" onSubmit={(e) => void save(e)}>
      <h3 id="reports-settings-heading">Reports</h3>
      <p className="muted small">Time reclaimed is estimated as portal views, QR scans and answered messages (at most the calls a day you used to get) × the minutes one call takes. Once you count calls (Settings › Calls), the measured drop is used instead.</p>
      {field('minutesPerCall', 'Minutes one status call takes', '0.5')}
      {field('callsPerDayBefore', 'Status calls a day before portal links', '1')}
      {field('onTimeTargetPercent', 'On-time delivery target (%)', '1')}
      {field('cycleTargetDays', 'Keys-to-keys target (days)', '0.5')}
      <FieldProblem text={problem} />
      {saved ? <p role="status" className="muted">{saved}</p> : null}
      <div className="actions">
        <button type="submit" className="primary">Save report settings</button>
      </div>
    </form>
  );
}
