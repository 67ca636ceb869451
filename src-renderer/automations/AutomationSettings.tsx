// Settings › Automations (issue 20): the ready-made rules to add, each rule with an on/off and a
// Draft/Automatic switch, a simple when / if / then editor with the template picker, the daily
// cap, and the dry run (what a rule would have done over the last 30 days).
import { type FormEvent, useEffect, useState } from 'react';
import type { AutomationsView, DryRunHit, RuleView } from '../../src-shared/automations/desk-api.js';
import type { Action, Trigger } from '../../src-shared/automations/rules.js';
import type { EmailTemplate, SmsTemplate } from '../../src-shared/domain.js';
import { DELAY_REASONS, type DelayReason } from '../../src-shared/exceptions.js';
import { type Stage, STAGE_LABELS, STAGES } from '../../src-shared/stages.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, formatMomentDay, messageOf } from '../shared/format.js';

interface Editing {
  id?: string;
  name: string;
  trigger: Trigger;
  insurers: string;
  hasMobile: boolean;
  action: Action;
}

const blank: Editing = { name: '', trigger: { kind: 'stage-entered', stage: 'completed' }, insurers: '', hasMobile: true, action: { kind: 'text-customer', templateId: null, body: '' } };

export function AutomationSettings() {
  const { api } = useDesk();
  const [view, setView] = useState<AutomationsView | null>(null);
  const [templates, setTemplates] = useState<SmsTemplate[]>([]);
  const [mailTemplates, setMailTemplates] = useState<EmailTemplate[]>([]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [dry, setDry] = useState<{ name: string; hits: DryRunHit[] } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    void api.call('automation-list', {}).then(setView);
    void api.call('sms-template-list', {}).then(setTemplates, () => undefined);
    void api.call('email-template-list', {}).then(setMailTemplates, () => undefined);
  }, [api]);

  async function run<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      const result = await fn();
      setProblem(null);
      setSaved(what);
      return result;
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
      return null;
    }
  }

  const save = (rule: RuleView, change: Partial<Pick<RuleView, 'active' | 'mode'>>) =>
    run(`“${rule.name}” saved.`, async () =>
      setView(await api.call('automation-save', { id: rule.id, name: rule.name, preset: rule.preset, trigger: rule.trigger, conditions: rule.conditions, action: rule.action, mode: rule.mode, active: rule.active, ...change })),
    );

  async function saveEditor(e: FormEvent) {
    e.preventDefault();
    if (!editing) return;
    const insurers = editing.insurers.split(',').map((s) => s.trim()).filter(Boolean);
    const existing = view?.rules.find((r) => r.id === editing.id);
    const next = await run(`“${editing.name}” saved.`, () =>
      api.call('automation-save', {
        ...(editing.id ? { id: editing.id } : {}),
        name: editing.name,
        preset: existing?.preset ?? null,
        trigger: editing.trigger,
        conditions: { ...(insurers.length ? { insurers } : {}), ...(editing.hasMobile && editing.action.kind !== 'notify-staff' ? { hasMobile: true } : {}) },
        action: editing.action,
        mode: existing?.mode ?? 'draft',
        active: existing?.active ?? false,
      }),
    );
    if (next) {
      setView(next);
      setEditing(null);
    }
  }

  async function dryRun(rule: RuleView) {
    const hits = await run('', () => api.call('automation-dry-run', { id: rule.id, days: 30 }));
    if (hits) setDry({ name: rule.name, hits });
    setSaved(null);
  }

  if (!view) return null;
  const edit = (rule: RuleView) =>
    setEditing({ id: rule.id, name: rule.name, trigger: rule.trigger, insurers: (rule.conditions.insurers ?? []).join(', '), hasMobile: rule.conditions.hasMobile === true, action: rule.action });
  return (
    <section id="set-automations" className="panel" aria-labelledby="automations-heading">
      <h3 id="automations-heading">Automations</h3>
      <p>
        A rule in <strong>Draft</strong> mode only writes a draft on the repair for a person to send. Switched to <strong>Automatic</strong>, it texts by itself
        (never to a customer who replied STOP, and only in texting hours: a text due at night waits for the morning).
      </p>
      {view.rules.length === 0 ? <p>No rules yet: add a ready-made one below.</p> : null}
      <ul className="stack" aria-label="Rules" style={{ listStyle: 'none', paddingLeft: 0 }}>
        {view.rules.map((rule) => (
          <li key={rule.id} className="panel" aria-label={rule.name}>
            <strong>{rule.name}</strong>
            <div>{rule.description}</div>
            <div className="actions">
              <label className="field-inline">
                <input type="checkbox" checked={rule.active} onChange={(e) => void save(rule, { active: e.target.checked })} /> On
              </label>
              <label className="field-inline">
                Mode{' '}
                <select aria-label="Mode" value={rule.mode} onChange={(e) => void save(rule, { mode: e.target.value as 'draft' | 'automatic' })}>
                  <option value="draft">Draft (a person sends)</option>
                  <option value="automatic">Automatic (sends by itself)</option>
                </select>
              </label>
              <button type="button" onClick={() => edit(rule)}>
                Edit
              </button>
              <button type="button" onClick={() => void dryRun(rule)}>
                What would it have sent? (30 days)
              </button>
            </div>
            <small>{rule.lastRun ? `Fired ${rule.runs} time${rule.runs === 1 ? '' : 's'}; last ${formatMoment(rule.lastRun.firedAt)}: ${rule.lastRun.detail ?? rule.lastRun.outcome}` : 'Has not fired yet.'}</small>
          </li>
        ))}
      </ul>
      {dry ? (
        <div role="region" aria-label="Dry run" className="panel">
          <strong>
            “{dry.name}” over the last 30 days: {dry.hits.length === 0 ? 'nothing' : `${dry.hits.length} time${dry.hits.length === 1 ? '' : 's'}`}
          </strong>
          <ul>
            {dry.hits.map((h) => (
              <li key={`${h.roId}${h.at}`}>
                {formatMomentDay(h.at)} · RO {h.roNumber ?? '?'} · {h.customer}: {h.what}
                {h.text ? ` — “${h.text}”` : ''}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setDry(null)}>
            Close
          </button>
        </div>
      ) : null}
      {view.presets.length > 0 ? (
        <div className="stack">
          <strong>Ready-made rules</strong>
          {view.presets.map((p) => (
            <div key={p.preset} className="actions">
              <span>{p.name}</span>
              <button type="button" onClick={() => void run(`“${p.name}” added (off, Draft).`, async () => setView(await api.call('automation-preset-add', { preset: p.preset })))}>
                Add
              </button>
            </div>
          ))}
        </div>
      ) : null}
      {editing ? (
        <form className="stack panel" aria-label="Rule editor" onSubmit={(e) => void saveEditor(e)}>
          <label className="field">
            <span>Name</span>
            <input required maxLength={120} value={editing.name} onChange={(e) => setEditing({ ...editing, name: e.target.value })} />
          </label>
          <label className="field">
            <span>When</span>
            <select
              aria-label="When"
              value={editing.trigger.kind}
              onChange={(e) => {
                const kind = e.target.value as Trigger['kind'];
                const trigger: Trigger =
                  kind === 'stage-entered'
                    ? { kind, stage: 'completed' }
                    : kind === 'no-contact'
                      ? { kind, businessDays: 2 }
                      : kind === 'after-delivery'
                        ? { kind, days: 7 }
                        : { kind };
                setEditing({ ...editing, trigger });
              }}
            >
              <option value="stage-entered">A repair enters a stage</option>
              <option value="exception-opened">An exception is opened</option>
              <option value="promised-date-moved">The promised date moves</option>
              <option value="no-contact">No contact with the customer for some business days</option>
              <option value="appointment-tomorrow">The customer has an appointment tomorrow</option>
              <option value="after-delivery">Some days after delivery</option>
            </select>
          </label>
          {editing.trigger.kind === 'no-contact' ? (
            <label className="field-inline">
              Business days without contact{' '}
              <input
                type="number"
                min={1}
                max={30}
                style={{ width: '4em' }}
                value={editing.trigger.businessDays}
                onChange={(e) => setEditing({ ...editing, trigger: { kind: 'no-contact', businessDays: Number(e.target.value) || 1 } })}
              />
            </label>
          ) : null}
          {editing.trigger.kind === 'after-delivery' ? (
            <label className="field-inline">
              Days after delivery{' '}
              <input type="number" min={1} max={365} style={{ width: '4em' }} value={editing.trigger.days} onChange={(e) => setEditing({ ...editing, trigger: { kind: 'after-delivery', days: Number(e.target.value) || 1 } })} />
            </label>
          ) : null}
          {editing.trigger.kind === 'stage-entered' ? (
            <div className="actions">
              <label className="field-inline">
                Stage{' '}
                <select aria-label="Stage" value={editing.trigger.stage} onChange={(e) => setEditing({ ...editing, trigger: { ...(editing.trigger as Extract<Trigger, { kind: 'stage-entered' }>), stage: e.target.value as Stage } })}>
                  {STAGES.map((s) => (
                    <option key={s} value={s}>
                      {STAGE_LABELS[s]}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field-inline">
                Sub-status (optional){' '}
                <input
                  maxLength={80}
                  value={editing.trigger.subStatus ?? ''}
                  onChange={(e) => {
                    const t = editing.trigger as Extract<Trigger, { kind: 'stage-entered' }>;
                    setEditing({ ...editing, trigger: { kind: 'stage-entered', stage: t.stage, ...(e.target.value.trim() ? { subStatus: e.target.value } : {}) } });
                  }}
                />
              </label>
            </div>
          ) : null}
          {editing.trigger.kind === 'exception-opened' ? (
            <label className="field-inline">
              Reason{' '}
              <select
                aria-label="Reason"
                value={editing.trigger.reason ?? ''}
                onChange={(e) => setEditing({ ...editing, trigger: { kind: 'exception-opened', ...(e.target.value ? { reason: e.target.value as DelayReason } : {}) } })}
              >
                <option value="">Any exception</option>
                {Object.entries(DELAY_REASONS).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="field">
            <span>If the insurer is (comma-separated; empty: any)</span>
            <input value={editing.insurers} onChange={(e) => setEditing({ ...editing, insurers: e.target.value })} />
          </label>
          <label className="field-inline">
            <input type="checkbox" checked={editing.hasMobile} onChange={(e) => setEditing({ ...editing, hasMobile: e.target.checked })} /> Only when the customer has a mobile
          </label>
          <label className="field">
            <span>Then</span>
            <select
              aria-label="Then"
              value={editing.action.kind}
              onChange={(e) => {
                const kind = e.target.value as Action['kind'];
                const body = editing.action.body;
                const subject = 'subject' in editing.action ? editing.action.subject : '';
                const action: Action =
                  kind === 'notify-staff' ? { kind, body } : kind === 'email-customer' || kind === 'email-insurer' ? { kind, body, subject, templateId: null } : { kind, body, templateId: null };
                setEditing({ ...editing, action });
              }}
            >
              <option value="text-customer">Text the customer</option>
              <option value="create-draft">Write a text draft for a person</option>
              <option value="email-customer">Email the customer</option>
              <option value="email-insurer">Email the adjuster (insurer)</option>
              <option value="notify-staff">Tell the staff (a notice at the desk)</option>
            </select>
          </label>
          {editing.action.kind === 'email-customer' || editing.action.kind === 'email-insurer' ? (
            <>
              <label className="field">
                <span>Email template</span>
                <select
                  aria-label="Email template"
                  value={editing.action.templateId ?? ''}
                  onChange={(e) => {
                    const t = mailTemplates.find((x) => x.id === e.target.value);
                    const a = editing.action as Extract<Action, { kind: 'email-customer' | 'email-insurer' }>;
                    setEditing({ ...editing, action: { ...a, templateId: t?.id ?? null, subject: t?.subject ?? a.subject, body: t?.body ?? a.body } });
                  }}
                >
                  <option value="">The words below</option>
                  {mailTemplates
                    .filter((t) => t.audience === 'any' || t.audience === (editing.action.kind === 'email-customer' ? 'customer' : 'adjuster'))
                    .map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                </select>
              </label>
              <label className="field">
                <span>Subject</span>
                <input
                  maxLength={200}
                  value={editing.action.subject}
                  onChange={(e) => setEditing({ ...editing, action: { ...(editing.action as Extract<Action, { kind: 'email-customer' }>), subject: e.target.value } })}
                />
              </label>
            </>
          ) : null}
          {editing.action.kind === 'text-customer' || editing.action.kind === 'create-draft' ? (
            <label className="field">
              <span>Template</span>
              <select
                aria-label="Template"
                value={editing.action.templateId ?? ''}
                onChange={(e) => {
                  const t = templates.find((x) => x.id === e.target.value);
                  setEditing({ ...editing, action: { ...(editing.action as Extract<Action, { kind: 'text-customer' }>), templateId: t?.id ?? null, body: t?.body ?? editing.action.body } });
                }}
              >
                <option value="">The words below</option>
                {templates.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="field">
            <span>Words ({'{first_name} {vehicle} {ro_number} {claim_number} {adjuster_name} {stage} {promised_date} {portal_link} {reason} {shop_name} {shop_phone}'})</span>
            <textarea rows={3} maxLength={editing.action.kind === 'email-customer' || editing.action.kind === 'email-insurer' ? 5000 : 1000} value={editing.action.body} onChange={(e) => setEditing({ ...editing, action: { ...editing.action, body: e.target.value } })} />
          </label>
          <div className="actions">
            <button type="submit" className="primary">
              Save rule
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" onClick={() => setEditing(blank)}>
          New rule
        </button>
      )}
      <form
        className="actions"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number(new FormData(e.currentTarget).get('cap'));
          void run('Daily limit saved.', async () => setView(await api.call('automation-settings-save', { dailyCap: n })));
        }}
      >
        <label className="field-inline">
          At most{' '}
          <input name="cap" type="number" min={1} max={20} defaultValue={view.settings.dailyCap} style={{ width: '4em' }} /> automated messages per customer per day
          (more become drafts)
        </label>
        <button type="submit">Save limit</button>
      </form>
      {saved ? <p role="status">{saved}</p> : null}
      {problem ? <p role="alert">{problem}</p> : null}
    </section>
  );
}
