// Settings › Drafts: drafting on or off, the shop's tone, its example messages, the email
// signature, whether amounts go into customer drafts, and in plain words what is sent to the
// model's provider. The relay's model and this month's use are shown as the relay reports them.
import { type FormEvent, useEffect, useState } from 'react';
import type { DraftingSettings as Settings } from '../../src-shared/drafting/settings.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';

export function DraftingSettings() {
  const { api } = useDesk();
  const [form, setForm] = useState<Settings | null>(null);
  const [examples, setExamples] = useState('');
  const [status, setStatus] = useState<Awaited<ReturnType<typeof api.call<'drafting-status'>>> | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    void api.call('drafting-settings-get', {}).then((s) => {
      setForm(s);
      setExamples(s.examples.join('\n---\n'));
    });
    void api.call('drafting-status', {}).then(setStatus, () => undefined);
  }, [api]);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    try {
      const list = examples
        .split(/\n-{3,}\n/)
        .map((x) => x.trim())
        .filter(Boolean);
      const next = await api.call('drafting-settings-save', { ...form, examples: list });
      setForm(next);
      setSaved('Draft settings saved.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  if (!form) return null;
  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => setForm({ ...form, [k]: v });
  const model = status?.reachable && status.enabled ? [status.provider, status.model].filter(Boolean).join(' / ') : null;
  return (
    <section id="set-drafts" className="panel" aria-labelledby="drafts-heading">
      <h3 id="drafts-heading">Drafts</h3>
      <p>
        {model ? (
          <>
            Model: <strong>{model}</strong> · This month ({status!.usage.month}): {status!.usage.tokens.toLocaleString('en-US')} tokens
            {status!.usage.budgetTokens ? ` of ${status!.usage.budgetTokens.toLocaleString('en-US')}` : ''}
          </>
        ) : status?.reachable ? (
          'No model is set up on the shop’s relay: Draft writes from your templates.'
        ) : (
          'The shop’s relay cannot be asked right now (or this desk is not connected to one): Draft writes from your templates.'
        )}
      </p>
      <form className="stack" onSubmit={(e) => void save(e)}>
        <label className="field-inline">
          <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Let a model write drafts (when off,
          Draft still writes from your templates and nothing is sent to a model)
        </label>
        <label className="field">
          <span>The shop’s tone, in a few words</span>
          <input maxLength={500} value={form.tone} placeholder="Friendly and short, no exclamation marks" onChange={(e) => set('tone', e.target.value)} />
        </label>
        <label className="field">
          <span>Example messages in the shop’s voice (separate them with a line of ---; when empty, the last texts people sent are used)</span>
          <textarea rows={4} value={examples} onChange={(e) => setExamples(e.target.value)} />
        </label>
        <label className="field">
          <span>Email signature</span>
          <textarea rows={3} maxLength={1000} value={form.signature} onChange={(e) => set('signature', e.target.value)} />
        </label>
        <label className="field-inline">
          <input type="checkbox" checked={form.shareAmountsWithCustomer} onChange={(e) => set('shareAmountsWithCustomer', e.target.checked)} /> Put the
          estimate total and deductible in drafts to customers
        </label>
        <div className="notice" role="note">
          <p>
            <strong>What the model’s provider receives</strong> when someone presses Draft: the shop’s name, phone and tone, the example messages,
            the customer’s or adjuster’s name, the vehicle, RO and claim numbers, insurer, stage and its dates, the promised date and why it
            changed, open delays, the courtesy car, the portal link, and the last messages of the conversation
            {form.shareAmountsWithCustomer ? ', and the estimate total and deductible' : ''}. Internal notes are never sent for a customer draft.
          </p>
          <p>
            Nothing is sent to a provider when drafting is off here, when the shop’s relay has no model set up, or when this desk is offline:
            then Draft writes from your templates on this PC. The provider is the one set up on the shop’s relay; this PC never holds its key.
          </p>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Save draft settings
          </button>
        </div>
        {saved ? <p className="notice notice-ok">{saved}</p> : null}
        <FieldProblem text={problem} />
      </form>
    </section>
  );
}
